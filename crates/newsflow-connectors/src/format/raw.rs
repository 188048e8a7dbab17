//! `raw`: the whole record is the value of the table's single column (Flink's `raw` format).

use newsflow_common::{Error, Result, Row, Schema, Value};

use super::{Decoder, Encoder};

pub const OPTIONS: &[&str] = &["raw.charset", "raw.endianness"];

fn check(schema: &Schema, table: &str) -> Result<()> {
    if schema.len() != 1 || !schema.fields[0].data_type.is_string() {
        return Err(Error::config(format!(
            "table `{table}`: format 'raw' needs exactly one physical column of type STRING, found {}",
            schema.len()
        )));
    }
    Ok(())
}

pub struct RawDecoder;

impl RawDecoder {
    pub fn new(schema: &Schema, table: &str) -> Result<Self> {
        check(schema, table)?;
        Ok(RawDecoder)
    }
}

impl Decoder for RawDecoder {
    fn decode(&mut self, record: &[u8]) -> std::result::Result<Row, String> {
        let s = std::str::from_utf8(record).map_err(|e| format!("raw record is not UTF-8: {e}"))?;
        Ok(vec![Value::str(s)])
    }
}

pub struct RawEncoder;

impl RawEncoder {
    pub fn new(schema: &Schema, table: &str) -> Result<Self> {
        check(schema, table)?;
        Ok(RawEncoder)
    }
}

impl Encoder for RawEncoder {
    fn encode(&mut self, row: &Row, out: &mut Vec<u8>) {
        match row.first() {
            Some(Value::Str(s)) => out.extend_from_slice(s.as_bytes()),
            Some(Value::Null) | None => {}
            Some(v) => out.extend_from_slice(v.to_string().as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_common::{DataType, Field};

    #[test]
    fn whole_record_is_the_value() {
        let schema = Schema::new(vec![Field::new("line", DataType::STRING)]);
        let mut d = RawDecoder::new(&schema, "t").unwrap();
        assert_eq!(d.decode(b"{not json").unwrap(), vec![Value::str("{not json")]);
        let two = Schema::new(vec![Field::new("a", DataType::STRING), Field::new("b", DataType::Int)]);
        assert!(RawDecoder::new(&two, "t").is_err());
    }
}
