//! The binary encoding of operator state: postcard (compact, varint integers) over serde.

use newsflow_common::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn encode<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<Vec<u8>> {
    postcard::to_stdvec(value).map_err(|e| Error::runtime(format!("encoding the state of {what}: {e}")))
}

pub fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| {
        Error::runtime(format!(
            "the checkpointed state of {what} cannot be read ({e}); it was written by another version \
             of the operator or is damaged"
        ))
    })
}

#[cfg(test)]
mod tests {
    use newsflow_common::Value;

    #[test]
    fn bytes_time_and_array_values_round_trip() {
        let row = vec![
            Value::Bytes(vec![0u8, 0xFF, 0x41].into()),
            Value::Time(32_462_345),
            Value::Array(vec![Value::str("a"), Value::Null, Value::Time(0)].into()),
            Value::Array(Vec::new().into()),
            Value::Int(7),
        ];
        let bytes = super::encode("test", &row).unwrap();
        let back: Vec<Value> = super::decode("test", &bytes).unwrap();
        assert_eq!(back, row);
        // the variants before them keep their numbers: state written earlier still reads
        let old: Vec<Value> =
            super::decode("test", &super::encode("test", &vec![Value::Interval(5)]).unwrap()).unwrap();
        assert_eq!(old, vec![Value::Interval(5)]);
        assert_eq!(super::encode("test", &Value::Interval(5)).unwrap()[0], 10);
    }
}
