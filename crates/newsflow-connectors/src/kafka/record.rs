//! A Kafka message → a row of the table's physical columns: the value's columns, and, with
//! `'value.fields-include' = 'EXCEPT_KEY'`, the `key.fields` columns from the message key
//! in `key.format` (Flink's key and value projections).

use newsflow_common::{Error, Result, Row, Schema, Value};

use super::config;
use crate::format::{self, Decoder};
use crate::TableSpec;

struct KeyPart {
    decoder: Box<dyn Decoder>,
    /// Table positions of the key's columns, in key order.
    key_cols: Vec<usize>,
    /// Table positions of the value's columns, in value order.
    value_cols: Vec<usize>,
}

pub struct RecordDecoder {
    value: Box<dyn Decoder>,
    key: Option<KeyPart>,
    width: usize,
}

impl RecordDecoder {
    pub fn new(t: &TableSpec) -> Result<Self> {
        let value_opts = config::value_format_options(t.options);
        let keys = config::key_columns(t)?;
        let (true, Some((key_cols, key_schema))) = (config::value_excludes_key(t)?, keys.clone()) else {
            if let Some((_, key_schema)) = &keys {
                // 'value.fields-include' = 'ALL': the value carries the key's columns too
                // and they are read from it (Flink reads both and the value's win). The key
                // format is still built, so its options are checked.
                if let Some(key_opts) = config::key_format_options(t.options) {
                    format::decoder(t.name, key_schema, &key_opts)?;
                }
            }
            return Ok(RecordDecoder {
                value: format::decoder(t.name, t.schema, &value_opts)?,
                key: None,
                width: t.schema.len(),
            });
        };
        let key_opts = config::key_format_options(t.options)
            .ok_or_else(|| Error::config(format!("table `{}`: 'key.fields' needs 'key.format'", t.name)))?;
        let value_cols: Vec<usize> = (0..t.schema.len()).filter(|i| !key_cols.contains(i)).collect();
        let value_schema = Schema::new(value_cols.iter().map(|i| t.schema.fields[*i].clone()).collect());
        Ok(RecordDecoder {
            value: format::decoder(t.name, &value_schema, &value_opts)?,
            key: Some(KeyPart {
                decoder: format::decoder(t.name, &key_schema, &key_opts)?,
                key_cols,
                value_cols,
            }),
            width: t.schema.len(),
        })
    }

    pub fn decode(&mut self, key: Option<&[u8]>, value: &[u8]) -> std::result::Result<Row, String> {
        let Some(k) = &mut self.key else {
            return self.value.decode(value);
        };
        let key_bytes = key.ok_or("the message has no key, but the table reads 'key.fields' from it")?;
        let key_row = k.decoder.decode(key_bytes).map_err(|e| format!("key: {e}"))?;
        let value_row = self.value.decode(value)?;
        let mut row = vec![Value::Null; self.width];
        for (v, i) in key_row.into_iter().zip(&k.key_cols) {
            row[*i] = v;
        }
        for (v, i) in value_row.into_iter().zip(&k.value_cols) {
            row[*i] = v;
        }
        Ok(row)
    }
}
