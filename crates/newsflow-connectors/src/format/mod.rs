//! Row formats: how one record's bytes map to a row of the table's physical columns.

pub mod csv;
pub mod json;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod raw;

use newsflow_common::{Error, Result, Row, Schema};

use crate::Options;

/// Decode one record (a line, a message) into a row, or say why not.
pub trait Decoder: Send {
    fn decode(&mut self, record: &[u8]) -> std::result::Result<Row, String>;
}

/// Encode one row into bytes (without a trailing newline).
pub trait Encoder: Send {
    fn encode(&mut self, row: &Row, out: &mut Vec<u8>);
}

#[cfg(feature = "parquet")]
pub const FORMATS: &[&str] = &["json", "csv", "raw", "parquet"];
#[cfg(not(feature = "parquet"))]
pub const FORMATS: &[&str] = &["json", "csv", "raw"];

/// Option keys a format accepts (with the format-name prefix).
pub fn format_options(format: &str) -> &'static [&'static str] {
    match format {
        "json" => json::OPTIONS,
        "csv" => csv::OPTIONS,
        "raw" => raw::OPTIONS,
        #[cfg(feature = "parquet")]
        "parquet" => parquet::OPTIONS,
        _ => &[],
    }
}

pub fn format_name<'a>(table: &str, opts: &'a Options) -> Result<&'a str> {
    let f = opts.get("format").or_else(|| opts.get("value.format")).ok_or_else(|| {
        Error::config(format!(
            "table `{table}`: option 'format' is required (valid: {})",
            FORMATS.join(", ")
        ))
    })?;
    if !FORMATS.contains(&f) {
        return Err(Error::config(format!(
            "table `{table}`: unknown format '{f}'; valid formats: {}",
            FORMATS.join(", ")
        )));
    }
    Ok(f)
}

/// Keys a format honours only when writing (a table read here may be written elsewhere):
/// building a decoder counts them as honoured.
const ENCODE_ONLY: &[&str] = &["json.encode.ignore-null-fields"];
/// Keys a format honours only when reading.
const DECODE_ONLY: &[&str] = &["json.fail-on-missing-field"];

/// Only the json format reads and writes BYTES, TIME and ARRAY columns so far.
fn check_types(table: &str, format: &str, schema: &Schema) -> Result<()> {
    match schema.fields.iter().find(|f| f.data_type.is_bytes_time_or_array()) {
        Some(f) if format != "json" => Err(Error::config(format!(
            "table `{table}`: the '{format}' format does not support {} columns yet (column `{}`); use 'json'",
            f.data_type, f.name
        ))),
        _ => Ok(()),
    }
}

pub fn decoder(table: &str, schema: &Schema, opts: &Options) -> Result<Box<dyn Decoder>> {
    for k in ENCODE_ONLY {
        opts.mark_read(k);
    }
    check_types(table, format_name(table, opts)?, schema)?;
    Ok(match format_name(table, opts)? {
        "json" => Box::new(json::JsonDecoder::new(schema, opts)?),
        "raw" => Box::new(raw::RawDecoder::new(schema, table)?),
        "csv" => Box::new(csv::CsvDecoder::new(schema, opts)?),
        other => return Err(not_per_record(table, other)),
    })
}

pub fn encoder(table: &str, schema: &Schema, opts: &Options) -> Result<Box<dyn Encoder>> {
    for k in DECODE_ONLY {
        opts.mark_read(k);
    }
    check_types(table, format_name(table, opts)?, schema)?;
    Ok(match format_name(table, opts)? {
        "json" => Box::new(json::JsonEncoder::new(schema, opts)?),
        "raw" => Box::new(raw::RawEncoder::new(schema, table)?),
        "csv" => Box::new(csv::CsvEncoder::new(schema, opts)?),
        other => return Err(not_per_record(table, other)),
    })
}

/// A whole-file format (Parquet) asked for one record at a time (a Kafka message, say).
fn not_per_record(table: &str, format: &str) -> Error {
    Error::config(format!(
        "table `{table}`: format '{format}' is a file format: only the filesystem sink writes it \
         (a message or a line needs json, csv or raw)"
    ))
}

/// Allowed option keys for a connector using a format: the format's own keys.
pub fn allowed_format_keys(opts: &Options) -> Vec<&'static str> {
    let mut keys = vec!["format"];
    if let Some(f) = opts.get("format") {
        keys.extend_from_slice(format_options(f));
    }
    keys
}
