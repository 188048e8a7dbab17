//! Table options (`WITH (...)`) with validation against a connector's known keys.
//!
//! Nothing is accepted and then ignored: every read of an option ([`Options::get`],
//! [`Options::parse`], [`Options::require`], or an explicit [`Options::mark_read`]) is
//! recorded, and once a connector and its format are built, a key nobody read is refused
//! ([`crate::refuse_unread`]) — a valid Flink option newsflow does not implement yet gets
//! an error saying so instead of being silently dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use newsflow_common::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct Options {
    map: BTreeMap<String, String>,
    /// Keys something has read; shared by clones and [`Options::derive`]d copies.
    read: Arc<Mutex<BTreeSet<String>>>,
}

impl Options {
    pub fn new(map: BTreeMap<String, String>) -> Self {
        Options {
            map,
            read: Default::default(),
        }
    }
    /// Options over another map whose reads count as reads of these (a format's view of
    /// a Kafka table's options, say).
    pub fn derive(&self, map: BTreeMap<String, String>) -> Options {
        Options {
            map,
            read: self.read.clone(),
        }
    }
    fn read_set(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.read.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// The value of `key`; the key counts as honoured.
    pub fn get(&self, key: &str) -> Option<&str> {
        let v = self.map.get(key).map(String::as_str);
        if v.is_some() {
            self.read_set().insert(key.to_string());
        }
        v
    }
    /// Every key and value. Iterating does not count as reading: a caller that handles
    /// the keys it sees marks them ([`Options::mark_read`], [`Options::mark_prefix`]).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.map.iter()
    }
    /// `key` is honoured (read in a way [`Options::get`] does not see).
    pub fn mark_read(&self, key: &str) {
        if self.map.contains_key(key) {
            self.read_set().insert(key.to_string());
        }
    }
    /// Every key starting with `prefix` is honoured (passed on, e.g. `properties.*`).
    pub fn mark_prefix(&self, prefix: &str) {
        let keys: Vec<String> = self.map.keys().filter(|k| k.starts_with(prefix)).cloned().collect();
        self.read_set().extend(keys);
    }
    /// Every key is honoured (a connector that validates and uses each key it is given).
    pub fn mark_all(&self) {
        let keys: Vec<String> = self.map.keys().cloned().collect();
        self.read_set().extend(keys);
    }
    /// Keys nobody has read.
    pub fn unread(&self) -> Vec<String> {
        let read = self.read_set();
        self.map.keys().filter(|k| !read.contains(*k)).cloned().collect()
    }

    /// Fail on any key that is neither in `valid` nor starts with one of `prefixes`.
    pub fn check(&self, table: &str, connector: &str, valid: &[&str], prefixes: &[&str]) -> Result<()> {
        for key in self.map.keys() {
            if valid.contains(&key.as_str()) || prefixes.iter().any(|p| key.starts_with(p)) {
                continue;
            }
            let mut all: Vec<String> = valid.iter().map(|s| format!("'{s}'")).collect();
            all.extend(prefixes.iter().map(|p| format!("'{p}*'")));
            return Err(Error::config(format!(
                "table `{table}`: unknown option '{key}' for connector '{connector}'; valid options: {}",
                all.join(", ")
            )));
        }
        Ok(())
    }

    pub fn require(&self, table: &str, key: &str) -> Result<&str> {
        self.get(key)
            .ok_or_else(|| Error::config(format!("table `{table}`: option '{key}' is required")))
    }

    pub fn parse<T: std::str::FromStr>(&self, table: &str, key: &str) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| Error::config(format!("table `{table}`: option '{key}' has an invalid value '{v}'"))),
        }
    }
}

/// A Flink duration (`5 s`, `500 ms`, `1 min`; bare numbers are ms) in whole milliseconds,
/// rounded (see `newsflow_common::time::parse_duration`).
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let d = newsflow_common::time::parse_duration(s).ok()?;
    Some((d.as_micros() as f64 / 1000.0).round() as i64)
}

/// A Flink memory size (`128mb`, `128 MB`, `64 kb`, `1 gb`, bare bytes) in bytes.
pub fn parse_memory_size(s: &str) -> Option<u64> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory_size("128MB"), Some(128 << 20));
        assert_eq!(parse_memory_size("64 kb"), Some(64 << 10));
        assert_eq!(parse_memory_size("1000"), Some(1000));
        assert_eq!(parse_memory_size("1 gb"), Some(1 << 30));
        assert_eq!(parse_memory_size("big"), None);
        assert_eq!(parse_memory_size("12 parsecs"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("5 s"), Some(5000));
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("1 min"), Some(60_000));
        assert_eq!(parse_duration_ms("250"), Some(250));
        assert_eq!(parse_duration_ms("soon"), None);
    }
}
