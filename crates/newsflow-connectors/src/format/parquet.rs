//! The `parquet` format for the filesystem sink: rows are gathered into Arrow arrays
//! (8 192 rows a batch) and written by the `parquet` crate's `ArrowWriter`, one row group
//! per `parquet.block.size` bytes (128 MB by default, as Flink's), compressed with
//! `parquet.compression` (SNAPPY by default, as Flink's; ZSTD, GZIP or UNCOMPRESSED).
//!
//! Types: BOOLEAN, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s) (Parquet DECIMAL), STRING
//! (UTF-8), DATE, TIMESTAMP(p) (INT64 milliseconds, not adjusted to UTC) and
//! TIMESTAMP_LTZ(p) (INT64 milliseconds, UTC), ARRAY<DOUBLE> (a Parquet LIST of DOUBLE). Flink writes timestamps as INT96 unless told
//! otherwise; INT64 is what current readers (DuckDB, Spark, Athena, DataFusion) prefer, and
//! the README lists the difference. A column of another type is refused when the table is
//! created.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder, Float64Builder, Int32Builder,
    Int64Builder, ListBuilder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType as ArrowType, Field, Schema as ArrowSchema, TimeUnit};
use newsflow_common::{DataType, Error, Result, Row, Schema, Value};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::Options;

pub const OPTIONS: &[&str] = &["parquet.compression", "parquet.block.size", "parquet.enable.dictionary"];

/// Rows gathered before they are handed to the writer as one Arrow batch.
const BATCH_ROWS: usize = 8192;

/// What every Parquet file of a table is written with.
#[derive(Clone)]
pub struct ParquetConfig {
    schema: Arc<ArrowSchema>,
    types: Vec<DataType>,
    props: WriterProperties,
    block_size: usize,
}

fn arrow_type(table: &str, name: &str, t: &DataType) -> Result<ArrowType> {
    Ok(match t {
        DataType::Boolean => ArrowType::Boolean,
        DataType::Int => ArrowType::Int32,
        DataType::BigInt => ArrowType::Int64,
        DataType::Float => ArrowType::Float32,
        DataType::Double => ArrowType::Float64,
        DataType::Decimal(p, s) => ArrowType::Decimal128(*p, *s as i8),
        DataType::Varchar(_) => ArrowType::Utf8,
        DataType::Date => ArrowType::Date32,
        DataType::Timestamp(_) => ArrowType::Timestamp(TimeUnit::Millisecond, None),
        DataType::TimestampLtz(_) => ArrowType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        DataType::Array(e) if **e == DataType::Double => {
            ArrowType::List(Arc::new(Field::new("item", ArrowType::Float64, true)))
        }
        other => {
            return Err(Error::config(format!(
                "table `{table}`: column `{name}` has type {other}, which the parquet format cannot hold yet"
            )))
        }
    })
}

impl ParquetConfig {
    pub fn new(table: &str, schema: &Schema, opts: &Options) -> Result<ParquetConfig> {
        let fields = schema
            .fields
            .iter()
            .map(|f| Ok(Field::new(&f.name, arrow_type(table, &f.name, &f.data_type)?, true)))
            .collect::<Result<Vec<_>>>()?;
        let compression = match opts.get("parquet.compression").map(|s| s.trim().to_ascii_uppercase()) {
            None => Compression::SNAPPY,
            Some(c) => match c.as_str() {
                "SNAPPY" => Compression::SNAPPY,
                "ZSTD" => Compression::ZSTD(ZstdLevel::default()),
                "GZIP" => Compression::GZIP(GzipLevel::default()),
                "UNCOMPRESSED" | "NONE" => Compression::UNCOMPRESSED,
                other => {
                    return Err(Error::config(format!(
                        "table `{table}`: 'parquet.compression' = '{other}' is not supported; \
                         valid: SNAPPY, ZSTD, GZIP, UNCOMPRESSED"
                    )))
                }
            },
        };
        let block_size = match opts.get("parquet.block.size") {
            None => 128 << 20,
            Some(v) => crate::options::parse_memory_size(v).filter(|b| *b > 0).ok_or_else(|| {
                Error::config(format!(
                    "table `{table}`: 'parquet.block.size' must be a size in bytes (or '64 mb'), got '{v}'"
                ))
            })? as usize,
        };
        let dictionary = match opts.get("parquet.enable.dictionary") {
            None => true,
            Some(v) => v.trim().parse::<bool>().map_err(|_| {
                Error::config(format!(
                    "table `{table}`: 'parquet.enable.dictionary' must be true or false, got '{v}'"
                ))
            })?,
        };
        let props = WriterProperties::builder()
            .set_compression(compression)
            .set_dictionary_enabled(dictionary)
            .set_created_by(format!("newsflow {}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(ParquetConfig {
            schema: Arc::new(ArrowSchema::new(fields)),
            types: schema.types(),
            props,
            block_size,
        })
    }

    /// A writer of one file into `out`.
    pub fn writer<W: std::io::Write + Send>(&self, out: W) -> Result<ParquetWriter<W>> {
        let writer = ArrowWriter::try_new(out, self.schema.clone(), Some(self.props.clone()))
            .map_err(|e| Error::runtime(format!("starting a parquet file: {e}")))?;
        Ok(ParquetWriter {
            columns: self.types.iter().map(Column::new).collect(),
            schema: self.schema.clone(),
            rows: 0,
            writer,
            block_size: self.block_size,
        })
    }
}

/// One column's values of the batch being gathered.
enum Column {
    Bool(BooleanBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Dec(Decimal128Builder, u8, u8),
    Str(StringBuilder),
    Date(Date32Builder),
    Ts(TimestampMillisecondBuilder, bool),
    F64List(ListBuilder<Float64Builder>),
}

impl Column {
    fn new(t: &DataType) -> Column {
        match t {
            DataType::Boolean => Column::Bool(BooleanBuilder::new()),
            DataType::Int => Column::I32(Int32Builder::new()),
            DataType::BigInt => Column::I64(Int64Builder::new()),
            DataType::Float => Column::F32(Float32Builder::new()),
            DataType::Double => Column::F64(Float64Builder::new()),
            DataType::Decimal(p, s) => Column::Dec(Decimal128Builder::new(), *p, *s),
            DataType::Date => Column::Date(Date32Builder::new()),
            DataType::Timestamp(_) => Column::Ts(TimestampMillisecondBuilder::new(), false),
            DataType::TimestampLtz(_) => Column::Ts(TimestampMillisecondBuilder::new(), true),
            DataType::Array(_) => Column::F64List(ListBuilder::new(Float64Builder::new())),
            // Refused in `arrow_type`; strings are the fallback.
            _ => Column::Str(StringBuilder::new()),
        }
    }

    /// Append `v`, or say why it does not fit (nothing is appended then).
    fn check(&self, v: &Value) -> std::result::Result<(), String> {
        let ok = match (self, v) {
            (_, Value::Null) => true,
            (Column::Bool(_), Value::Bool(_)) => true,
            (Column::I32(_), Value::Int(_)) => true,
            (Column::I64(_), Value::BigInt(_) | Value::Int(_)) => true,
            (Column::F32(_), Value::Float(_)) => true,
            (Column::F64(_), Value::Double(_) | Value::Float(_)) => true,
            (Column::Dec(_, p, s), Value::Decimal(d)) => d.rescale(*p, *s).is_some(),
            (Column::Str(_), Value::Str(_)) => true,
            (Column::Date(_), Value::Date(_)) => true,
            (Column::Ts(..), Value::Timestamp(_)) => true,
            (Column::F64List(_), Value::Array(items)) => {
                items.iter().all(|v| matches!(v, Value::Null | Value::Double(_)))
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("value {v} does not fit the column's parquet type"))
        }
    }

    fn push(&mut self, v: &Value) {
        match (self, v) {
            (Column::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (Column::I32(b), Value::Int(x)) => b.append_value(*x),
            (Column::I64(b), Value::BigInt(x)) => b.append_value(*x),
            (Column::I64(b), Value::Int(x)) => b.append_value(*x as i64),
            (Column::F32(b), Value::Float(x)) => b.append_value(*x),
            (Column::F64(b), Value::Double(x)) => b.append_value(*x),
            (Column::F64(b), Value::Float(x)) => b.append_value(*x as f64),
            (Column::Dec(b, p, s), Value::Decimal(d)) => match d.rescale(*p, *s) {
                Some(d) => b.append_value(d.unscaled()),
                None => b.append_null(),
            },
            (Column::Str(b), Value::Str(x)) => b.append_value(x),
            (Column::Date(b), Value::Date(x)) => b.append_value(*x),
            (Column::Ts(b, _), Value::Timestamp(x)) => b.append_value(*x),
            (Column::F64List(b), Value::Array(items)) => {
                for v in items.iter() {
                    match v {
                        Value::Double(x) => b.values().append_value(*x),
                        _ => b.values().append_null(),
                    }
                }
                b.append(true);
            }
            (c, _) => c.push_null(),
        }
    }

    fn push_null(&mut self) {
        match self {
            Column::Bool(b) => b.append_null(),
            Column::I32(b) => b.append_null(),
            Column::I64(b) => b.append_null(),
            Column::F32(b) => b.append_null(),
            Column::F64(b) => b.append_null(),
            Column::Dec(b, ..) => b.append_null(),
            Column::Str(b) => b.append_null(),
            Column::Date(b) => b.append_null(),
            Column::Ts(b, _) => b.append_null(),
            Column::F64List(b) => b.append(false),
        }
    }

    fn finish(&mut self) -> std::result::Result<ArrayRef, String> {
        Ok(match self {
            Column::Bool(b) => Arc::new(b.finish()),
            Column::I32(b) => Arc::new(b.finish()),
            Column::I64(b) => Arc::new(b.finish()),
            Column::F32(b) => Arc::new(b.finish()),
            Column::F64(b) => Arc::new(b.finish()),
            Column::Dec(b, p, s) => Arc::new(
                b.finish()
                    .with_precision_and_scale(*p, *s as i8)
                    .map_err(|e| e.to_string())?,
            ),
            Column::Str(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::Ts(b, utc) => {
                let a = b.finish();
                if *utc {
                    Arc::new(a.with_timezone("UTC"))
                } else {
                    Arc::new(a)
                }
            }
            Column::F64List(b) => Arc::new(b.finish()),
        })
    }

    fn len(&self) -> usize {
        match self {
            Column::Bool(b) => b.len(),
            Column::I32(b) => b.len(),
            Column::I64(b) => b.len(),
            Column::F32(b) => b.len(),
            Column::F64(b) => b.len(),
            Column::Dec(b, ..) => b.len(),
            Column::Str(b) => b.len(),
            Column::Date(b) => b.len(),
            Column::Ts(b, _) => b.len(),
            Column::F64List(b) => b.len(),
        }
    }
}

/// One Parquet file being written.
pub struct ParquetWriter<W: std::io::Write + Send> {
    columns: Vec<Column>,
    schema: Arc<ArrowSchema>,
    rows: usize,
    writer: ArrowWriter<W>,
    block_size: usize,
}

impl<W: std::io::Write + Send> ParquetWriter<W> {
    /// Add a row, or say why it cannot be written (the row is then not added).
    pub fn push(&mut self, row: &Row) -> Result<std::result::Result<(), String>> {
        for (c, v) in self.columns.iter().zip(row) {
            if let Err(why) = c.check(v) {
                return Ok(Err(why));
            }
        }
        for (c, v) in self.columns.iter_mut().zip(row) {
            c.push(v);
        }
        self.rows += 1;
        if self.rows >= BATCH_ROWS {
            self.write_batch()?;
        }
        Ok(Ok(()))
    }

    fn write_batch(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        debug_assert!(self.columns.iter().all(|c| c.len() == self.rows));
        let arrays = self
            .columns
            .iter_mut()
            .map(Column::finish)
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(|e| Error::runtime(format!("building a parquet batch: {e}")))?;
        self.rows = 0;
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| Error::runtime(format!("building a parquet batch: {e}")))?;
        self.writer
            .write(&batch)
            .map_err(|e| Error::runtime(format!("writing a parquet file: {e}")))?;
        if self.writer.in_progress_size() >= self.block_size {
            self.writer
                .flush()
                .map_err(|e| Error::runtime(format!("writing a parquet row group: {e}")))?;
        }
        Ok(())
    }

    /// Bytes written so far plus what is buffered (for rolling by size).
    pub fn size(&self) -> u64 {
        (self.writer.bytes_written() + self.writer.in_progress_size()) as u64
    }

    /// Write the footer and hand back the output.
    pub fn finish(mut self) -> Result<W> {
        self.write_batch()?;
        self.writer
            .into_inner()
            .map_err(|e| Error::runtime(format!("finishing a parquet file: {e}")))
    }
}
