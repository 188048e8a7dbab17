//! One part file being written in the table's format: JSON or CSV lines (optionally
//! gzip-compressed), or Parquet.

use flate2::write::GzEncoder;
use newsflow_common::{Error, Result, Row, Schema};

use super::store::{PartOutput, Pending};
use crate::format::{self, Encoder};
use crate::Options;

/// How every file of a sink is written.
pub enum FileFormat {
    Lines {
        /// `json` or `csv`.
        name: &'static str,
        gzip: bool,
        schema: Schema,
        options: Options,
        table: String,
    },
    #[cfg(feature = "parquet")]
    Parquet(Box<format::parquet::ParquetConfig>),
}

impl FileFormat {
    /// The file name extension (`json`, `csv.gz`, `parquet`).
    pub fn extension(&self) -> &'static str {
        match self {
            FileFormat::Lines {
                name: "csv",
                gzip: true,
                ..
            } => "csv.gz",
            FileFormat::Lines { name: "csv", .. } => "csv",
            FileFormat::Lines { gzip: true, .. } => "json.gz",
            FileFormat::Lines { .. } => "json",
            #[cfg(feature = "parquet")]
            FileFormat::Parquet(_) => "parquet",
        }
    }

    pub fn open(&self, out: Box<dyn PartOutput>) -> Result<FileWriter> {
        match self {
            FileFormat::Lines {
                gzip,
                schema,
                options,
                table,
                ..
            } => {
                let encoder = format::encoder(table, schema, options)?;
                let out = if *gzip {
                    LineOut::Gzip(Box::new(GzEncoder::new(out, flate2::Compression::default())))
                } else {
                    LineOut::Plain(out)
                };
                Ok(FileWriter::Lines {
                    out,
                    encoder,
                    line: Vec::with_capacity(512),
                    bytes: 0,
                })
            }
            #[cfg(feature = "parquet")]
            FileFormat::Parquet(config) => Ok(FileWriter::Parquet(Box::new(config.writer(out)?))),
        }
    }
}

pub enum LineOut {
    Plain(Box<dyn PartOutput>),
    Gzip(Box<GzEncoder<Box<dyn PartOutput>>>),
}

pub enum FileWriter {
    Lines {
        out: LineOut,
        encoder: Box<dyn Encoder>,
        line: Vec<u8>,
        /// Uncompressed bytes written.
        bytes: u64,
    },
    #[cfg(feature = "parquet")]
    Parquet(Box<format::parquet::ParquetWriter<Box<dyn PartOutput>>>),
}

impl FileWriter {
    /// Write a row, or say why this format cannot hold it (then nothing is written).
    pub fn write(&mut self, row: &Row, what: &str) -> Result<std::result::Result<(), String>> {
        match self {
            FileWriter::Lines {
                out,
                encoder,
                line,
                bytes,
            } => {
                use std::io::Write;
                line.clear();
                encoder.encode(row, line);
                line.push(b'\n');
                *bytes += line.len() as u64;
                match out {
                    LineOut::Plain(w) => w.write_all(line),
                    LineOut::Gzip(w) => w.write_all(line),
                }
                .map_err(|e| Error::io(format!("writing {what}"), e))?;
                Ok(Ok(()))
            }
            #[cfg(feature = "parquet")]
            FileWriter::Parquet(w) => w.push(row).map_err(|e| Error::runtime(format!("{what}: {e}"))),
        }
    }

    /// What the file holds so far (uncompressed for lines), for rolling by size.
    pub fn size(&self) -> u64 {
        match self {
            FileWriter::Lines { bytes, .. } => *bytes,
            #[cfg(feature = "parquet")]
            FileWriter::Parquet(w) => w.size(),
        }
    }

    /// Finish the file (footer, compression trailer) and close it: durable, not visible.
    pub fn close(self, what: &str) -> Result<Pending> {
        match self {
            FileWriter::Lines { out, .. } => match out {
                LineOut::Plain(w) => w.close(),
                LineOut::Gzip(gz) => gz
                    .finish()
                    .map_err(|e| Error::io(format!("compressing {what}"), e))?
                    .close(),
            },
            #[cfg(feature = "parquet")]
            FileWriter::Parquet(w) => w.finish().map_err(|e| Error::runtime(format!("{what}: {e}")))?.close(),
        }
    }
}
