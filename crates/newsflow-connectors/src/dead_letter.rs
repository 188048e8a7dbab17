//! Dead letters: records that could not be decoded or lack a usable event time. Each is
//! counted per table and written, with its reason, as one JSON line to
//! `<dir>/<table>.jsonl`: `{"table": …, "reason": …, "record": …}`.

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
        let line = serde_json::json!({
            "table": table,
            "reason": reason,
            "record": String::from_utf8_lossy(raw),
        });
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

    pub fn flush(&mut self) -> Result<()> {
        for w in self.files.values_mut() {
            w.flush().map_err(|e| Error::io("flushing dead letters", e))?;
        }
        Ok(())
    }
}
