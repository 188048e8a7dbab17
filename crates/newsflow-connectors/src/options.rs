//! Table options (`WITH (...)`) with validation against a connector's known keys.

use std::collections::BTreeMap;

use newsflow_common::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct Options {
    map: BTreeMap<String, String>,
}

impl Options {
    pub fn new(map: BTreeMap<String, String>) -> Self {
        Options { map }
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.map.iter()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("5 s"), Some(5000));
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("1 min"), Some(60_000));
        assert_eq!(parse_duration_ms("250"), Some(250));
        assert_eq!(parse_duration_ms("soon"), None);
    }
}
