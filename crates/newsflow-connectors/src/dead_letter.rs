//! Dead letters: records that could not be decoded or lack a usable event time, and rows
//! on which an expression failed (a CAST that cannot convert its value). Each is counted
//! per table and written, with its reason, as one JSON line to `<dir>/<table>.jsonl`:
//! `{"table": …, "reason": …, "record": …}`; a failed expression adds `"column"` (the
//! output column, `WHERE`, or a computed column) and `"expression"` (its SQL text), and
//! goes to the file of the table the query inserts into (`select` for a bare SELECT).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use newsflow_common::{Error, Result};

pub struct DeadLetters {
    dir: PathBuf,
    table: String,
    files: BTreeMap<String, BufWriter<File>>,
    counts: BTreeMap<String, u64>,
}

impl DeadLetters {
    pub fn new(dir: PathBuf) -> Self {
        DeadLetters {
            dir,
            table: String::new(),
            files: BTreeMap::new(),
            counts: BTreeMap::new(),
        }
    }

    /// Which table the following records belong to.
    pub fn set_table(&mut self, table: &str) {
        if self.table != table {
            self.table = table.to_string();
        }
    }

    pub fn record(&mut self, raw: &[u8], reason: &str) -> Result<()> {
        self.write(raw, reason, None)
    }

    /// A row on which expression `expr` (computing `column`) failed.
    pub fn record_failure(&mut self, raw: &[u8], reason: &str, column: &str, expr: &str) -> Result<()> {
        self.write(raw, reason, Some((column, expr)))
    }

    fn write(&mut self, raw: &[u8], reason: &str, failed: Option<(&str, &str)>) -> Result<()> {
        let table = self.table.clone();
        *self.counts.entry(table.clone()).or_default() += 1;
        if !self.files.contains_key(&table) {
            std::fs::create_dir_all(&self.dir)
                .map_err(|e| Error::io(format!("creating dead-letter directory {}", self.dir.display()), e))?;
            let path = self.path_for(&table);
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| Error::io(format!("opening dead-letter file {}", path.display()), e))?;
            self.files.insert(table.clone(), BufWriter::new(f));
        }
        let mut line = serde_json::json!({
            "table": table,
            "reason": reason,
            "record": String::from_utf8_lossy(raw),
        });
        if let (Some((column, expr)), Some(obj)) = (failed, line.as_object_mut()) {
            obj.insert("column".into(), column.into());
            obj.insert("expression".into(), expr.into());
        }
        if let Some(w) = self.files.get_mut(&table) {
            writeln!(w, "{line}").map_err(|e| Error::io("writing a dead letter", e))?;
        }
        Ok(())
    }

    pub fn path_for(&self, table: &str) -> PathBuf {
        self.dir.join(format!("{table}.jsonl"))
    }

    pub fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Per table of `tables` (and any with dead letters): the dead-letter file's length
    /// after flushing (0 when it does not exist) and the count, for a checkpoint.
    pub fn positions<'a>(&mut self, tables: impl IntoIterator<Item = &'a str>) -> Result<BTreeMap<String, (u64, u64)>> {
        self.flush()?;
        let mut out = BTreeMap::new();
        let names: std::collections::BTreeSet<String> = tables
            .into_iter()
            .map(str::to_string)
            .chain(self.counts.keys().cloned())
            .collect();
        for table in names {
            let len = std::fs::metadata(self.path_for(&table)).map(|m| m.len()).unwrap_or(0);
            let count = self.counts.get(&table).copied().unwrap_or(0);
            out.insert(table, (len, count));
        }
        Ok(out)
    }

    /// Restore: cut each table's dead-letter file back to its checkpointed length (what
    /// was written after the checkpoint is written again by the replay) and take its count.
    pub fn truncate(&mut self, saved: &BTreeMap<String, (u64, u64)>) -> Result<()> {
        self.files.clear();
        for (table, (len, count)) in saved {
            let path = self.path_for(table);
            if let Ok(f) = OpenOptions::new().write(true).open(&path) {
                f.set_len(*len)
                    .map_err(|e| Error::io(format!("cutting {} back to the checkpoint", path.display()), e))?;
            }
            if *count > 0 {
                self.counts.insert(table.clone(), *count);
            }
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        for w in self.files.values_mut() {
            w.flush().map_err(|e| Error::io("flushing dead letters", e))?;
        }
        Ok(())
    }
}
