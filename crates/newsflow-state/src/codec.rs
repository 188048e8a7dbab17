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
