//! Hive-style partition directories: `PARTITIONED BY (dt, hr)` puts a row under
//! `dt=2026-11-30/hr=09/`, as Flink's `PartitionPathUtils` writes them.
//!
//! * A value is written as its text (`CAST(v AS STRING)`); a NULL or empty value as
//!   `partition.default-name` (`__DEFAULT_PARTITION__`).
//! * Characters a path cannot hold (and `=`, `%`, `:`, …) are escaped as `%XX`, as Hive's
//!   `escapePathName` does; readers (Flink, Hive, Spark, DuckDB, `newsflow query`)
//!   unescape them.
//! * A directory name longer than a file system allows (255 bytes) cannot be written: the
//!   row goes to the sink's error output with that reason.
//! * `partition.time-extractor.timestamp-pattern` turns a partition's values into its
//!   time (for `sink.partition-commit.trigger` = `partition-time`).

use newsflow_common::time::JavaDateFormat;
use newsflow_common::{Row, Value};

pub const DEFAULT_PARTITION_NAME: &str = "__DEFAULT_PARTITION__";
/// The longest directory name file systems take.
const MAX_SEGMENT: usize = 255;

/// Hive's `FileUtils.escapePathName`: control characters and `"#%'*/:=?\{[]^` and DEL.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{01}'
            ..='\u{1F}'
                | '"'
                | '#'
                | '%'
                | '\''
                | '*'
                | '/'
                | ':'
                | '='
                | '?'
                | '\\'
                | '\u{7F}'
                | '{'
                | '['
                | ']'
                | '^'
    )
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if needs_escape(c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The inverse of [`escape`] (`%XX` → the character; anything else as is).
pub fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A partition column's value as directory text.
pub fn value_text(v: &Value, default_name: &str) -> String {
    match v {
        Value::Null => default_name.to_string(),
        Value::Str(s) if s.is_empty() => default_name.to_string(),
        Value::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// The partition directory of a row (`k1=v1/k2=v2`), or why it cannot be written.
pub fn directory(row: &Row, cols: &[(usize, String)], default_name: &str) -> Result<String, String> {
    let mut dir = String::new();
    for (i, name) in cols {
        let text = value_text(row.get(*i).unwrap_or(&Value::Null), default_name);
        let seg = format!("{}={}", escape(name), escape(&text));
        if seg.len() > MAX_SEGMENT {
            return Err(format!(
                "partition column `{name}`: the directory name would be {} bytes, more than the {MAX_SEGMENT} a file system allows",
                seg.len()
            ));
        }
        if !dir.is_empty() {
            dir.push('/');
        }
        dir.push_str(&seg);
    }
    Ok(dir)
}

/// `k=v` pairs of a relative directory path, unescaped (`dt=2026-11-30/hr=09`).
pub fn parse_directory(dir: &str) -> Vec<(String, String)> {
    dir.split('/')
        .filter_map(|seg| seg.split_once('='))
        .map(|(k, v)| (unescape(k), unescape(v)))
        .collect()
}

/// `partition.time-extractor.timestamp-pattern` with `$name` replaced by the partition's
/// values (Flink's default extractor), then read as `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd`
/// (or `partition.time-extractor.timestamp-formatter`). Without a pattern the first
/// partition value is the time. Returns epoch milliseconds (the partition's time as UTC
/// wall-clock time; Flink compares it with the watermark in
/// `sink.partition-commit.watermark-time-zone`, UTC by default).
pub fn extract_time(
    values: &[(String, String)],
    pattern: Option<&str>,
    formatter: Option<&str>,
) -> Result<i64, String> {
    let text = match pattern {
        Some(p) => {
            // Longest names first, so `$day` is not replaced inside `$dayofweek`.
            let mut sorted: Vec<&(String, String)> = values.iter().collect();
            sorted.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
            let mut t = p.to_string();
            for (k, v) in sorted {
                t = t.replace(&format!("${k}"), v);
            }
            t
        }
        None => values
            .first()
            .map(|(_, v)| v.clone())
            .ok_or_else(|| "the table has no partition columns".to_string())?,
    };
    let parsed = match formatter {
        Some(f) => JavaDateFormat::compile(f)
            .map_err(|e| format!("partition.time-extractor.timestamp-formatter '{f}': {e}"))?
            .parse(&text),
        None => newsflow_common::time::parse_timestamp(&text, Some(b' ')),
    };
    parsed.ok_or_else(|| {
        format!(
            "partition time '{text}' does not match {}",
            formatter.unwrap_or("'yyyy-MM-dd HH:mm:ss' or 'yyyy-MM-dd'")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_hive_and_back() {
        assert_eq!(escape("2026-11-30 09:00"), "2026-11-30 09%3A00");
        assert_eq!(escape("a/b=c%d"), "a%2Fb%3Dc%25d");
        assert_eq!(escape("삼성전자"), "삼성전자");
        for s in ["2026-11-30 09:00", "a/b=c%d", "x%", "%4", "plain", "삼성/전자"] {
            assert_eq!(unescape(&escape(s)), s);
        }
    }

    #[test]
    fn directories_of_rows() {
        let cols = vec![(0, "dt".to_string()), (2, "sym".to_string())];
        let row = vec![Value::str("2026-11-30"), Value::Int(1), Value::Null];
        assert_eq!(
            directory(&row, &cols, DEFAULT_PARTITION_NAME).as_deref(),
            Ok("dt=2026-11-30/sym=__DEFAULT_PARTITION__")
        );
        let long = vec![Value::str(&"x".repeat(300)), Value::Int(1), Value::str("a")];
        assert!(directory(&long, &cols, DEFAULT_PARTITION_NAME)
            .unwrap_err()
            .contains("more than the 255"));
        assert_eq!(
            parse_directory("dt=2026-11-30/hr=09%3A00"),
            vec![("dt".into(), "2026-11-30".into()), ("hr".into(), "09:00".into())]
        );
    }

    #[test]
    fn partition_times() {
        let v = vec![
            ("dt".to_string(), "2026-11-30".to_string()),
            ("hr".to_string(), "09".to_string()),
        ];
        const DAY: i64 = 1_795_996_800_000; // 2026-11-30 00:00 UTC
        assert_eq!(extract_time(&v, Some("$dt $hr:00:00"), None), Ok(DAY + 9 * 3_600_000));
        assert_eq!(extract_time(&v[..1], None, None), Ok(DAY));
        assert_eq!(
            extract_time(&v, Some("$dt$hr"), Some("yyyy-MM-ddHH")),
            Ok(DAY + 9 * 3_600_000)
        );
        assert!(extract_time(&v, Some("$hr"), None).is_err());
    }
}
