//! Printing results: an aligned text table, CSV with a header line, or JSON lines.

use std::io::Write;

use anyhow::{Context, Result};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder as CsvWriterBuilder;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::json::{LineDelimitedWriter, WriterBuilder as JsonWriterBuilder};
use datafusion::arrow::util::pretty::pretty_format_batches_with_schema;
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use crate::session::sql_error;

/// How results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned text table.
    #[default]
    Table,
    /// CSV with a header line.
    Csv,
    /// JSON lines: one object per row, NULLs as null.
    Json,
}

/// Write batches (of `schema`) in `format`. A result without columns (what a
/// `CREATE VIEW` answers) prints nothing.
pub fn write_batches(
    out: &mut dyn Write,
    format: OutputFormat,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<()> {
    let mut writer = BatchWriter::new(out, format, schema)?;
    for b in batches {
        writer.write(b)?;
    }
    writer.finish()
}

/// The batches as text in `format`.
pub fn format_batches(format: OutputFormat, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<String> {
    let mut buf = Vec::new();
    write_batches(&mut buf, format, schema, batches)?;
    String::from_utf8(buf).context("the output is not UTF-8")
}

/// Run one SQL statement and print its result to `out`; returns the number of rows.
/// CSV and JSON are written batch by batch as they come; a table needs all rows first
/// (to align the columns).
pub async fn run_sql(ctx: &SessionContext, sql: &str, format: OutputFormat, out: &mut dyn Write) -> Result<usize> {
    let df = ctx.sql(sql).await.map_err(|e| sql_error(sql, e))?;
    let schema: SchemaRef = df.schema().inner().clone();
    let mut stream = df.execute_stream().await.map_err(|e| sql_error(sql, e))?;
    let mut writer = BatchWriter::new(out, format, &schema)?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| sql_error(sql, e))?;
        rows += batch.num_rows();
        writer.write(&batch)?;
    }
    writer.finish()?;
    Ok(rows)
}

enum Sink<'a> {
    Table {
        out: &'a mut dyn Write,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    },
    Csv(Box<datafusion::arrow::csv::Writer<&'a mut dyn Write>>),
    Json(LineDelimitedWriter<&'a mut dyn Write>),
    Nothing,
}

struct BatchWriter<'a> {
    sink: Sink<'a>,
}

impl<'a> BatchWriter<'a> {
    fn new(out: &'a mut dyn Write, format: OutputFormat, schema: &SchemaRef) -> Result<Self> {
        if schema.fields().is_empty() {
            return Ok(BatchWriter { sink: Sink::Nothing });
        }
        let sink = match format {
            OutputFormat::Table => Sink::Table {
                out,
                schema: schema.clone(),
                batches: Vec::new(),
            },
            OutputFormat::Csv => {
                let mut w = CsvWriterBuilder::new().with_header(true).build(out);
                // The header even when no row comes.
                w.write(&RecordBatch::new_empty(schema.clone()))
                    .context("writing CSV")?;
                Sink::Csv(Box::new(w))
            }
            OutputFormat::Json => Sink::Json(
                JsonWriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, datafusion::arrow::json::writer::LineDelimited>(out),
            ),
        };
        Ok(BatchWriter { sink })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match &mut self.sink {
            Sink::Table { batches, .. } => batches.push(batch.clone()),
            Sink::Csv(w) => w.write(batch).context("writing CSV")?,
            Sink::Json(w) => w.write(batch).context("writing JSON")?,
            Sink::Nothing => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self.sink {
            Sink::Table { out, schema, batches } => {
                let table = pretty_format_batches_with_schema(schema, &batches).context("formatting the result")?;
                writeln!(out, "{table}").context("writing the result")?;
                out.flush().context("writing the result")?;
            }
            Sink::Csv(w) => {
                let out = w.into_inner();
                out.flush().context("writing CSV")?;
            }
            Sink::Json(mut w) => {
                w.finish().context("writing JSON")?;
                w.into_inner().flush().context("writing JSON")?;
            }
            Sink::Nothing => {}
        }
        Ok(())
    }
}
