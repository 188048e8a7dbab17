//! sqllogictest suite: runs every `tests/slt/*.slt` file against newsflow.
//!
//! `cargo test -p newsflow-cli --test slt [-- <substring>]`
//!
//! newsflow runs a whole script as one job, so the [`Newsflow`] "connection" keeps the DDL
//! of a file (CREATE TABLE / VIEW / MODEL / FUNCTION and SET records) and prepends it to
//! every job:
//!
//! * a DDL record is checked by building a job from "DDL so far + this record" (which must
//!   fail only with "nothing to run"), then remembered. Like Flink, connector options are
//!   checked when a table is first read or written, not at CREATE TABLE.
//! * any other record (SELECT, INSERT INTO) runs as one job: DDL so far + the record; a bare
//!   SELECT's rows are collected and returned, each value formatted with `Value::to_string`
//!   (`NULL`, `TRUE`, `2024-01-01 10:00:00.000`; an empty string as `(empty)`).
//! * errors read "line L, column C: message" with L counted from the first line of the
//!   record that the position falls in (the record under test, or the earlier DDL record
//!   that defined the table), so expected positions match the text in the .slt file.
//!
//! Relative connector paths resolve against `tests/slt/`; dead letters go to a temporary
//! directory per file. Use `rowsort` on queries: streaming output order is not specified.
//!
//! Every file runs twice: with a batch size of 1 (sources advance their watermark after
//! every row, so lateness is exact) and 1024 (the default: a small file is one batch, and the
//! watermark moves after it). A result must not depend on the batch size unless it involves
//! late rows; such records carry `onlyif batch-1` (labels: `newsflow`, `batch-<n>`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use newsflow_common::{Error, Row, Schema};
use newsflow_connectors::Sink;
use newsflow_runtime::{Job, JobOptions};
use newsflow_sql::{parse_statements, Statement};
use sqllogictest::{DBOutput, DefaultColumnType, Runner};

/// An error as the .slt files see it: the message with record-relative positions.
#[derive(Debug)]
struct SltError(String);

impl std::fmt::Display for SltError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SltError {}

struct Collect(Arc<Mutex<Vec<Row>>>);

impl Sink for Collect {
    fn write(&mut self, rows: &[Row]) -> newsflow_common::Result<()> {
        self.0.lock().unwrap().extend_from_slice(rows);
        Ok(())
    }
    fn finish(&mut self) -> newsflow_common::Result<()> {
        Ok(())
    }
}

struct Newsflow {
    base_dir: PathBuf,
    batch_size: usize,
    dead_letter_dir: PathBuf,
    /// (first line in the accumulated script, text) of each remembered DDL record.
    ddl: Vec<(u64, String)>,
    /// The accumulated DDL script; every record ends with ";\n".
    script: String,
}

fn line_count(s: &str) -> u64 {
    s.lines().count() as u64
}

impl Newsflow {
    fn new(base_dir: PathBuf, dead_letter_dir: PathBuf, batch_size: usize) -> Self {
        Newsflow {
            base_dir,
            batch_size,
            dead_letter_dir,
            ddl: Vec::new(),
            script: String::new(),
        }
    }

    /// Normalise one record's SQL: trimmed, with no trailing semicolon.
    fn record_text(sql: &str) -> String {
        let t = sql.trim();
        t.strip_suffix(';').unwrap_or(t).trim_end().to_string()
    }

    /// Make an error's position relative to the record it points into.
    fn remap(&self, e: Error) -> SltError {
        let offset = line_count(&self.script);
        let (msg, span) = match &e {
            Error::Sql { msg, span } | Error::Plan { msg, span } if span.is_known() => (msg.clone(), *span),
            _ => return SltError(e.to_string()),
        };
        let line = if span.line > offset {
            span.line - offset
        } else {
            let start = self
                .ddl
                .iter()
                .rev()
                .find(|(start, _)| *start <= span.line)
                .map(|(s, _)| *s)
                .unwrap_or(1);
            span.line - start + 1
        };
        SltError(format!("line {line}, column {}: {msg}", span.column))
    }

    fn options(&self, rows: Option<Arc<Mutex<Vec<Row>>>>) -> JobOptions {
        JobOptions {
            base_dir: self.base_dir.clone(),
            dead_letter_dir: self.dead_letter_dir.clone(),
            batch_size: self.batch_size,
            query_output: rows.map(|rows| {
                Box::new(move |_: &Schema| Box::new(Collect(rows.clone())) as Box<dyn Sink>)
                    as newsflow_runtime::QueryOutput
            }),
            ..Default::default()
        }
    }
}

impl sqllogictest::DB for Newsflow {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let text = Self::record_text(sql);
        // Parse the record alone first: positions are then already record-relative.
        let statements = parse_statements(&text).map_err(|e| SltError(e.to_string()))?;
        let is_ddl = statements.iter().all(|s| {
            matches!(
                s,
                Statement::CreateTable(_)
                    | Statement::CreateView { .. }
                    | Statement::CreateModel(_)
                    | Statement::CreateFunction(_)
                    | Statement::Set { .. }
            )
        });
        let full = format!("{}{text};\n", self.script);
        if is_ddl {
            match Job::build(&full, self.options(None)) {
                Err(Error::Plan { msg, span }) if !span.is_known() && msg.contains("nothing to run") => {}
                Err(e) => return Err(self.remap(e)),
                Ok(_) => unreachable!("a DDL-only script has nothing to run"),
            }
            let start = line_count(&self.script) + 1;
            self.ddl.push((start, text.clone()));
            self.script = full;
            return Ok(DBOutput::StatementComplete(0));
        }
        let rows = Arc::new(Mutex::new(Vec::new()));
        let mut job = Job::build(&full, self.options(Some(rows.clone()))).map_err(|e| self.remap(e))?;
        job.run().map_err(|e| self.remap(e))?;
        let has_query = statements.iter().any(|s| matches!(s, Statement::Query { .. }));
        let rows = std::mem::take(&mut *rows.lock().unwrap());
        if !has_query {
            return Ok(DBOutput::StatementComplete(rows.len() as u64));
        }
        let width = rows.first().map_or(0, |r| r.len());
        Ok(DBOutput::Rows {
            types: vec![DefaultColumnType::Any; width],
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|v| {
                            let s = v.to_string();
                            if s.is_empty() {
                                "(empty)".to_string()
                            } else {
                                s
                            }
                        })
                        .collect()
                })
                .collect(),
        })
    }

    fn engine_name(&self) -> &str {
        "newsflow"
    }
}

const BATCH_SIZES: [usize; 2] = [1, 1024];

fn main() {
    let dir = Path::new(&manifest_dir()).join("tests/slt");
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/slt exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .filter(|p| filter.is_empty() || filter.iter().any(|f| p.to_string_lossy().contains(f.as_str())))
        .collect();
    files.sort();
    let mut failed = 0;
    for file in &files {
        for batch_size in BATCH_SIZES {
            let name = format!("{} (batch {batch_size})", file.file_stem().unwrap().to_string_lossy());
            let dead = std::env::temp_dir().join(format!(
                "newsflow-slt-{}-{}-{batch_size}",
                std::process::id(),
                file.file_stem().unwrap().to_string_lossy()
            ));
            let _ = std::fs::remove_dir_all(&dead);
            let base = dir.clone();
            let dead_for_db = dead.clone();
            let mut runner = Runner::new(move || {
                std::future::ready(Ok::<_, SltError>(Newsflow::new(
                    base.clone(),
                    dead_for_db.clone(),
                    batch_size,
                )))
            });
            runner.add_label("newsflow");
            runner.add_label(&format!("batch-{batch_size}"));
            let started = std::time::Instant::now();
            match runner.run_file(file) {
                Ok(()) => println!("ok   {name} ({:.2?})", started.elapsed()),
                Err(e) => {
                    failed += 1;
                    println!("FAIL {name}\n{}\n", e.display(true));
                }
            }
            let _ = std::fs::remove_dir_all(&dead);
        }
    }
    println!(
        "{} files x {} batch sizes, {} failed",
        files.len(),
        BATCH_SIZES.len(),
        failed
    );
    if failed > 0 {
        std::process::exit(1);
    }
}

/// The crate's directory, read when the test runs: a test binary reused from a build in
/// another checkout (CI shares one target directory) must not look in that checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}
