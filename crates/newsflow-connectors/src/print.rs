//! `print`: each row as `+I[v1, v2, …]` on stdout (with `'print-identifier'` as a prefix),
//! like Flink's print connector.

use std::io::Write;

use newsflow_common::{Error, Result, Row};

use crate::{Sink, TableSpec};

pub struct PrintSink {
    prefix: String,
    stderr: bool,
}

pub(crate) const OPTIONS: &[&str] = &["connector", "print-identifier", "standard-error", "sink.parallelism"];

pub fn create(t: &TableSpec) -> Result<Box<dyn Sink>> {
    t.options.check(t.name, "print", OPTIONS, &[])?;
    // Flink prints these as Java objects do (a byte[] as `[72, 101]`, a LocalTime): not
    // matched yet, so refused rather than printed differently
    if let Some(f) = t.schema.fields.iter().find(|f| f.data_type.is_bytes_time_or_array()) {
        return Err(Error::config(format!(
            "table `{}`: the print connector does not print {} columns yet (column `{}`)",
            t.name, f.data_type, f.name
        )));
    }
    let prefix = t
        .options
        .get("print-identifier")
        .map(|p| format!("{p}> "))
        .unwrap_or_default();
    let stderr = match t.options.get("standard-error").map(str::trim) {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return Err(Error::config(format!(
                "table `{}`: option 'standard-error' must be 'true' or 'false', got '{v}'",
                t.name
            )))
        }
    };
    // 'sink.parallelism' is accepted by the key check and refused as not supported yet.
    Ok(Box::new(PrintSink { prefix, stderr }))
}

pub fn format_row(row: &Row) -> String {
    let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
    format!("+I[{}]", cells.join(", "))
}

impl Sink for PrintSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        let mut text = String::new();
        for r in rows {
            text.push_str(&self.prefix);
            text.push_str(&format_row(r));
            text.push('\n');
        }
        let res = if self.stderr {
            std::io::stderr().write_all(text.as_bytes())
        } else {
            std::io::stdout().lock().write_all(text.as_bytes())
        };
        res.map_err(|e| Error::io("printing rows", e))
    }
    fn flush(&mut self) -> Result<()> {
        let res = if self.stderr {
            std::io::stderr().flush()
        } else {
            std::io::stdout().flush()
        };
        res.map_err(|e| Error::io("printing rows", e))
    }
    fn finish(&mut self) -> Result<()> {
        std::io::stdout().flush().map_err(|e| Error::io("flushing stdout", e))
    }
}
