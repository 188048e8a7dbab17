//! The `csv` format: one record per line, fields by position in column order, as Flink's.

use newsflow_common::time;
use newsflow_common::{DataType, Error, Result, Row, Schema, Value};

use super::{Decoder, Encoder};
use crate::Options;

pub const OPTIONS: &[&str] = &[
    "csv.field-delimiter",
    "csv.quote-character",
    "csv.ignore-parse-errors",
    "csv.null-literal",
];

fn delimiter(opts: &Options) -> Result<u8> {
    match opts.get("csv.field-delimiter") {
        None => Ok(b','),
        Some("\\t") => Ok(b'\t'),
        Some(d) if d.len() == 1 => Ok(d.as_bytes()[0]),
        Some(d) => Err(Error::config(format!(
            "'csv.field-delimiter' must be one character, got '{d}'"
        ))),
    }
}

pub struct CsvDecoder {
    types: Vec<DataType>,
    delimiter: u8,
    null_literal: Option<String>,
}

impl CsvDecoder {
    pub fn new(schema: &Schema, opts: &Options) -> Result<Self> {
        Ok(CsvDecoder {
            types: schema.types(),
            delimiter: delimiter(opts)?,
            null_literal: opts.get("csv.null-literal").map(str::to_string),
        })
    }
}

pub fn parse_text(t: &DataType, s: &str) -> std::result::Result<Value, String> {
    let bad = || format!("cannot read \"{s}\" as {t}");
    Ok(match t {
        DataType::Varchar(_) => Value::str(s),
        DataType::Int => Value::Int(s.trim().parse().map_err(|_| bad())?),
        DataType::BigInt => Value::BigInt(s.trim().parse().map_err(|_| bad())?),
        DataType::Double => Value::Double(s.trim().parse().map_err(|_| bad())?),
        DataType::Float => Value::Float(s.trim().parse().map_err(|_| bad())?),
        DataType::Decimal(p, sc) => match newsflow_common::Decimal::parse(s.trim(), *p, *sc).map_err(|_| bad())? {
            Some(d) => Value::Decimal(d),
            None => Value::Null,
        },
        DataType::Boolean => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad()),
        },
        DataType::Timestamp(_) | DataType::TimestampLtz(_) => {
            Value::Timestamp(time::parse_timestamp(s, None).ok_or_else(|| format!("unparsable timestamp \"{s}\""))?)
        }
        DataType::Date => Value::Date(time::parse_date(s).ok_or_else(|| format!("unparsable date \"{s}\""))?),
        DataType::Interval | DataType::Null => Value::Null,
        DataType::Bytes(_) | DataType::Time(_) | DataType::Array(_) => {
            return Err(format!("the csv format does not read {t} yet"))
        }
    })
}

impl Decoder for CsvDecoder {
    fn decode(&mut self, record: &[u8]) -> std::result::Result<Row, String> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(self.delimiter)
            .from_reader(record);
        let mut rec = csv::StringRecord::new();
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return Err("empty CSV record".into()),
            Err(e) => return Err(format!("malformed CSV: {e}")),
        }
        if rec.len() != self.types.len() {
            return Err(format!("expected {} CSV fields, got {}", self.types.len(), rec.len()));
        }
        rec.iter()
            .zip(&self.types)
            .enumerate()
            .map(|(i, (f, t))| {
                if f.is_empty() && !t.is_string() || self.null_literal.as_deref() == Some(f) {
                    Ok(Value::Null)
                } else {
                    parse_text(t, f).map_err(|e| format!("field {}: {e}", i + 1))
                }
            })
            .collect()
    }
}

pub struct CsvEncoder {
    delimiter: u8,
}

impl CsvEncoder {
    pub fn new(_schema: &Schema, opts: &Options) -> Result<Self> {
        Ok(CsvEncoder {
            delimiter: delimiter(opts)?,
        })
    }
}

impl Encoder for CsvEncoder {
    fn encode(&mut self, row: &Row, out: &mut Vec<u8>) {
        let mut w = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let fields: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Null => String::new(),
                // Jackson's BigDecimal text, as Flink's csv writer (and json): `1E+7`.
                Value::Decimal(d) => d.to_json_string(),
                v => v.to_string(),
            })
            .collect();
        let _ = w.write_record(&fields);
        if let Ok(mut bytes) = w.into_inner() {
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
            }
            out.extend_from_slice(&bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_common::Field;

    #[test]
    fn csv_round_trip() {
        let schema = Schema::new(vec![Field::new("a", DataType::STRING), Field::new("b", DataType::Int)]);
        let mut d = CsvDecoder::new(&schema, &Options::default()).unwrap();
        assert_eq!(d.decode(b"\"x,y\",5").unwrap(), vec![Value::str("x,y"), Value::Int(5)]);
        assert!(d.decode(b"x").unwrap_err().contains("expected 2"));
        let mut e = CsvEncoder::new(&schema, &Options::default()).unwrap();
        let mut out = Vec::new();
        e.encode(&vec![Value::str("x,y"), Value::Int(5)], &mut out);
        assert_eq!(out, b"\"x,y\",5");
    }
}
