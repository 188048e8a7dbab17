//! The catalog: tables (from CREATE TABLE), views, and job options (from SET).

use std::collections::BTreeMap;

use newsflow_common::{DataType, Error, Field, Result, Schema, Span};
use newsflow_expr::{compile, ScalarExpr, Scope};
use sqlparser::ast;

use crate::parser::{ColumnElem, CreateTable};

#[derive(Debug, Clone)]
pub enum ColumnKind {
    Physical,
    /// `name AS expr`, computed from the physical columns of the same row.
    Computed(ScalarExpr),
}

#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: String,
    pub data_type: DataType,
    pub not_null: bool,
    pub kind: ColumnKind,
}

/// `WATERMARK FOR column AS expr`: the watermark of a partition is the maximum of `expr`
/// over its rows (for `column - INTERVAL 'd'`, that is max(column) - d).
#[derive(Debug, Clone)]
pub struct WatermarkDef {
    pub column: usize,
    pub expr: ScalarExpr,
    /// The constant delay when the expression is `column - INTERVAL …` (for display and fast paths).
    pub delay_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub watermark: Option<WatermarkDef>,
    pub partitioned_by: Vec<String>,
    pub options: BTreeMap<String, String>,
    pub option_spans: BTreeMap<String, Span>,
    pub span: Span,
}

impl TableDef {
    /// All columns (physical and computed), in declaration order, qualified by table name.
    pub fn schema(&self) -> Schema {
        Schema::new(
            self.columns
                .iter()
                .enumerate()
                .map(|(i, c)| Field {
                    qualifier: Some(self.name.clone()),
                    name: c.name.clone(),
                    data_type: c.data_type.clone(),
                    rowtime: self.watermark.as_ref().is_some_and(|w| w.column == i),
                })
                .collect(),
        )
    }

    /// Physical columns only: what a connector reads and writes.
    pub fn physical_schema(&self) -> Schema {
        Schema::new(
            self.columns
                .iter()
                .filter(|c| matches!(c.kind, ColumnKind::Physical))
                .map(|c| Field::new(c.name.clone(), c.data_type.clone()))
                .collect(),
        )
    }

    /// Index in the full schema of each physical column.
    pub fn physical_indexes(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.kind, ColumnKind::Physical))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }

    /// Build from a parsed CREATE TABLE: types resolved, computed columns and the watermark
    /// compiled against the physical columns.
    pub fn from_ast(ct: &CreateTable) -> Result<TableDef> {
        let mut columns: Vec<ColumnDef> = Vec::new();
        let mut physical = Schema::default();
        for elem in &ct.columns {
            if let ColumnElem::Physical {
                name, data_type, span, ..
            } = elem
            {
                if physical.fields.iter().any(|f| &f.name == name) {
                    return Err(Error::sql(format!("column `{name}` is declared twice"), *span));
                }
                let t = newsflow_expr::compile::sql_type(data_type, *span)?;
                physical.fields.push(Field::new(name.clone(), t));
            }
        }
        // Declaration order with computed columns interleaved; computed columns see only
        // physical columns (as in Flink).
        let mut phys_iter = physical.fields.iter();
        let mut full = Schema::default();
        let mut remap = Vec::new();
        for elem in &ct.columns {
            match elem {
                ColumnElem::Physical { not_null, .. } => {
                    let f = phys_iter
                        .next()
                        .ok_or_else(|| Error::sql("internal: column count", ct.span))?;
                    remap.push(full.fields.len());
                    full.fields.push(f.clone());
                    columns.push(ColumnDef {
                        name: f.name.clone(),
                        data_type: f.data_type.clone(),
                        not_null: *not_null,
                        kind: ColumnKind::Physical,
                    });
                }
                ColumnElem::Computed { name, expr, span } => {
                    if columns.iter().any(|c| &c.name == name) || physical.fields.iter().any(|f| &f.name == name) {
                        return Err(Error::sql(format!("column `{name}` is declared twice"), *span));
                    }
                    let (e, t) = compile(expr, &Scope::new(&physical))?;
                    full.fields.push(Field::new(name.clone(), t.clone()));
                    columns.push(ColumnDef {
                        name: name.clone(),
                        data_type: t,
                        not_null: false,
                        kind: ColumnKind::Computed(e),
                    });
                }
                ColumnElem::Watermark { .. } => {}
            }
        }
        // Computed expressions were compiled against the physical-only schema; rewrite
        // their column indexes to positions in the full row.
        for c in &mut columns {
            if let ColumnKind::Computed(e) = &mut c.kind {
                remap_columns(e, &remap);
            }
        }
        let mut watermark = None;
        for elem in &ct.columns {
            if let ColumnElem::Watermark { column, expr, span } = elem {
                if watermark.is_some() {
                    return Err(Error::sql("a table can declare only one WATERMARK", *span));
                }
                let idx = full.resolve(None, column, *span)?;
                if !full.fields[idx].data_type.is_timestamp() {
                    return Err(Error::sql(
                        format!(
                            "WATERMARK FOR `{column}`: the rowtime column must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), but it is {}",
                            full.fields[idx].data_type
                        ),
                        *span,
                    ));
                }
                let (e, t) = compile(expr, &Scope::new(&full))?;
                if !t.is_timestamp() {
                    return Err(Error::sql(
                        format!("the watermark expression must be a timestamp, but it is {t}"),
                        *span,
                    ));
                }
                watermark = Some(WatermarkDef {
                    column: idx,
                    delay_ms: constant_delay(expr, column),
                    expr: e,
                });
            }
        }
        for p in &ct.partitioned_by {
            if !columns.iter().any(|c| &c.name == p) {
                return Err(Error::sql(
                    format!(
                        "PARTITIONED BY names unknown column `{p}`; columns: {}",
                        full.names().join(", ")
                    ),
                    ct.span,
                ));
            }
        }
        Ok(TableDef {
            name: ct.name.clone(),
            columns,
            watermark,
            partitioned_by: ct.partitioned_by.clone(),
            options: ct.options.iter().map(|(k, v, _)| (k.clone(), v.clone())).collect(),
            option_spans: ct.options.iter().map(|(k, _, s)| (k.clone(), *s)).collect(),
            span: ct.span,
        })
    }
}

fn remap_columns(e: &mut ScalarExpr, remap: &[usize]) {
    match e {
        ScalarExpr::Column(i) => *i = remap[*i],
        ScalarExpr::Literal(_) => {}
        ScalarExpr::Binary { left, right, .. }
        | ScalarExpr::Decimal { left, right, .. }
        | ScalarExpr::IntDivide { left, right, .. } => {
            remap_columns(left, remap);
            remap_columns(right, remap);
        }
        ScalarExpr::Not(x) | ScalarExpr::Negate(x) => remap_columns(x, remap),
        ScalarExpr::IsNull { expr, .. } | ScalarExpr::Cast { expr, .. } => remap_columns(expr, remap),
        ScalarExpr::Case {
            operand,
            whens,
            otherwise,
        } => {
            if let Some(o) = operand {
                remap_columns(o, remap);
            }
            for (w, t) in whens {
                remap_columns(w, remap);
                remap_columns(t, remap);
            }
            if let Some(o) = otherwise {
                remap_columns(o, remap);
            }
        }
        ScalarExpr::InList { expr, list, .. } => {
            remap_columns(expr, remap);
            list.iter_mut().for_each(|x| remap_columns(x, remap));
        }
        ScalarExpr::Like { expr, pattern, .. } => {
            remap_columns(expr, remap);
            remap_columns(pattern, remap);
        }
        ScalarExpr::ToTimestamp { arg, .. }
        | ScalarExpr::DateFormat { arg, .. }
        | ScalarExpr::TimeFloor { arg, .. } => remap_columns(arg, remap),
        ScalarExpr::Call { args, .. } | ScalarExpr::Json { args, .. } => {
            args.iter_mut().for_each(|x| remap_columns(x, remap))
        }
    }
}

fn constant_delay(expr: &ast::Expr, column: &str) -> Option<i64> {
    match expr {
        ast::Expr::Identifier(i) if i.value == column => Some(0),
        ast::Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::Minus,
            right,
        } => match left.as_ref() {
            ast::Expr::Identifier(i) if i.value == column => newsflow_expr::interval_millis(right),
            _ => None,
        },
        _ => None,
    }
}

/// Tables, views, models, bound functions and SET options of one script.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    pub tables: BTreeMap<String, TableDef>,
    pub views: BTreeMap<String, ast::Query>,
    pub settings: BTreeMap<String, String>,
    /// `CREATE MODEL` (see [`crate::models`]).
    pub models: BTreeMap<String, crate::models::ModelDef>,
    /// `CREATE FUNCTION analyze_news …`, by lower-case name.
    pub functions: BTreeMap<String, crate::models::FunctionDef>,
}

impl Catalog {
    pub fn add_table(&mut self, ct: &CreateTable) -> Result<()> {
        if self.tables.contains_key(&ct.name) || self.views.contains_key(&ct.name) {
            if ct.if_not_exists {
                return Ok(());
            }
            return Err(Error::sql(format!("table `{}` already exists", ct.name), ct.span));
        }
        let def = TableDef::from_ast(ct)?;
        self.tables.insert(ct.name.clone(), def);
        Ok(())
    }

    pub fn table(&self, name: &str, span: Span) -> Result<&TableDef> {
        self.tables.get(name).ok_or_else(|| self.unknown(name, span))
    }

    pub fn unknown(&self, name: &str, span: Span) -> Error {
        let mut known: Vec<&str> = self.tables.keys().map(String::as_str).collect();
        known.extend(self.views.keys().map(String::as_str));
        Error::sql(
            format!(
                "unknown table `{name}`; {}",
                if known.is_empty() {
                    "no tables are defined yet".to_string()
                } else {
                    format!("known tables: {}", known.join(", "))
                }
            ),
            span,
        )
    }
}
