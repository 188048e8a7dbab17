//! Schemas: ordered, typed fields with an optional table qualifier for name resolution.

use crate::{DataType, Error, Result, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The table alias or name this column came from (`n` in `n.symbol`), if any.
    pub qualifier: Option<String>,
    pub name: String,
    pub data_type: DataType,
    /// True for an event-time attribute (a column with a WATERMARK), which windows and
    /// interval joins may use.
    pub rowtime: bool,
}

impl Field {
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        Field {
            qualifier: None,
            name: name.into(),
            data_type,
            rowtime: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub fields: Vec<Field>,
}

impl Schema {
    pub fn new(fields: Vec<Field>) -> Self {
        Schema { fields }
    }
    pub fn len(&self) -> usize {
        self.fields.len()
    }
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
    pub fn types(&self) -> Vec<DataType> {
        self.fields.iter().map(|f| f.data_type.clone()).collect()
    }
    pub fn names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.name.clone()).collect()
    }

    /// Find a column by optional qualifier and name, case-insensitively like Flink's
    /// default identifiers are not: Flink is case-sensitive, and so are we, but the error
    /// names the near miss.
    pub fn resolve(&self, qualifier: Option<&str>, name: &str, span: Span) -> Result<usize> {
        let hits: Vec<usize> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name == name && qualifier.is_none_or(|q| f.qualifier.as_deref() == Some(q)))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [i] => Ok(*i),
            [] => {
                let full = match qualifier {
                    Some(q) => format!("{q}.{name}"),
                    None => name.to_string(),
                };
                let valid: Vec<String> = self
                    .fields
                    .iter()
                    .map(|f| match &f.qualifier {
                        Some(q) => format!("{q}.{}", f.name),
                        None => f.name.clone(),
                    })
                    .collect();
                Err(Error::sql(
                    format!("unknown column `{full}`; valid columns: {}", valid.join(", ")),
                    span,
                ))
            }
            _ => Err(Error::sql(
                format!("column `{name}` is ambiguous; qualify it with a table name or alias"),
                span,
            )),
        }
    }

    pub fn with_qualifier(mut self, q: &str) -> Self {
        for f in &mut self.fields {
            f.qualifier = Some(q.to_string());
        }
        self
    }

    pub fn join(&self, other: &Schema) -> Schema {
        let mut fields = self.fields.clone();
        fields.extend(other.fields.iter().cloned());
        Schema { fields }
    }
}
