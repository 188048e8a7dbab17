//! Partition discovery: walk a table's directory tree (`year=2026/month=11/day=05/…`) in
//! an object store, find its `key=value` levels and leaf directories, and type each
//! partition column from all its values.
//!
//! * Names starting with `.` or `_` are skipped at every level: in-progress part files
//!   (`.part-x.json.inprogress`), markers (`_SUCCESS`), side outputs (`_errors/`).
//! * Values are Hive-escaped in directory names (`10%3A00` is `10:00`) and unescaped here;
//!   `__DEFAULT_PARTITION__` (Flink's default `partition.default-name`) and
//!   `__HIVE_DEFAULT_PARTITION__` (Hive's) are NULL.
//! * A column whose values are all integers is a BIGINT, all `yyyy-MM-dd` dates a DATE,
//!   anything else a STRING (NULLs do not count).
//! * Files are read from the leaf directories only: a directory with `key=value`
//!   subdirectories is not a leaf, and its own files are not part of the table.

use std::collections::VecDeque;

use anyhow::{bail, Context, Result};
use datafusion::arrow::datatypes::DataType;
use datafusion::scalar::ScalarValue;
use futures::stream::{FuturesUnordered, StreamExt};
use object_store::path::Path;
use object_store::{ListResult, ObjectMeta, ObjectStore};

/// Flink's default name of the partition of NULL values (`partition.default-name`).
pub const DEFAULT_PARTITION: &str = "__DEFAULT_PARTITION__";
/// Hive's.
pub const HIVE_DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// Directory listings under way at once (S3 LIST requests).
const CONCURRENT_LISTINGS: usize = 32;

/// Hidden: not part of the table (in-progress files, markers, side outputs).
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Undo Hive's path escaping (`%XX` for each escaped byte). A `%` not followed by two
/// hex digits stays as it is, and so do bytes that do not make UTF-8.
pub fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// `key=value` (both unescaped; the value `None` for the default partition), or `None`
/// for a name that is not a partition directory.
pub fn split_partition(name: &str) -> Option<(String, Option<String>)> {
    let (key, value) = name.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let value = if value == DEFAULT_PARTITION || value == HIVE_DEFAULT_PARTITION {
        None
    } else {
        Some(unescape(value))
    };
    Some((unescape(key), value))
}

/// A directory that holds a table's files, and its partition values from the root down
/// (`None`: the default partition, NULL).
#[derive(Debug, Clone)]
pub struct Leaf {
    pub dir: Path,
    pub values: Vec<Option<String>>,
    /// Visible, non-empty files, sorted by path.
    pub files: Vec<ObjectMeta>,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Tree {
    /// The partition keys by level.
    pub keys: Vec<String>,
    /// Leaf directories at the full depth (`keys.len()` values each), sorted by path.
    pub leaves: Vec<Leaf>,
    /// Leaf directories above the full depth (`year=2026/` holding files next to a
    /// `year=2025/month=12/` elsewhere): their files are not part of the table.
    pub shallow: Vec<Path>,
}

/// Which directories a walk descends into.
pub trait Prune: Sync {
    /// Whether the directory with these partition values (from the root down, one per
    /// level so far) may hold rows the query wants.
    fn keep(&self, values: &[Option<String>]) -> Result<bool>;
}

/// Keeps everything.
pub struct KeepAll;

impl Prune for KeepAll {
    fn keep(&self, _: &[Option<String>]) -> Result<bool> {
        Ok(true)
    }
}

struct Dir {
    path: Path,
    values: Vec<Option<String>>,
}

/// Walk the tree under `root`. With `keys` given (a table already registered), a
/// directory whose key is not the expected one at its level is ignored; without, the
/// keys are discovered and two different keys at one level are an error.
pub async fn walk(store: &dyn ObjectStore, root: &Path, keys: Option<&[String]>, prune: &dyn Prune) -> Result<Tree> {
    let mut found: Vec<String> = keys.map(<[String]>::to_vec).unwrap_or_default();
    let fixed = keys.is_some();
    let mut leaves = Vec::new();
    let mut queue = VecDeque::from([Dir {
        path: root.clone(),
        values: vec![],
    }]);
    let mut listing = FuturesUnordered::new();
    loop {
        while listing.len() < CONCURRENT_LISTINGS {
            let Some(dir) = queue.pop_front() else { break };
            listing.push(async move {
                let prefix = (!dir.path.as_ref().is_empty()).then_some(&dir.path);
                let result = store.list_with_delimiter(prefix).await;
                (dir, result)
            });
        }
        let Some((dir, result)) = listing.next().await else {
            break;
        };
        let ListResult {
            common_prefixes,
            objects,
        } = result.with_context(|| format!("listing {}", display_dir(&dir.path)))?;
        let level = dir.values.len();
        let mut partition_dirs = Vec::new();
        for child in common_prefixes {
            let Some(name) = child.filename() else { continue };
            if is_hidden(name) {
                continue;
            }
            let Some((key, value)) = split_partition(name) else {
                continue;
            };
            match found.get(level) {
                Some(k) if *k == key => {}
                Some(_) if fixed => continue,
                Some(k) => bail!(
                    "partition directories disagree at level {}: '{k}=' elsewhere, but {}",
                    level + 1,
                    display_dir(&child)
                ),
                None if fixed => continue,
                None => found.push(key),
            }
            partition_dirs.push((child, value));
        }
        if partition_dirs.is_empty() {
            let mut files: Vec<ObjectMeta> = objects
                .into_iter()
                .filter(|o| o.size > 0 && !o.location.filename().is_some_and(is_hidden))
                .collect();
            files.sort_by(|a, b| a.location.cmp(&b.location));
            leaves.push(Leaf {
                dir: dir.path,
                values: dir.values,
                files,
            });
            continue;
        }
        for (path, value) in partition_dirs {
            let mut values = dir.values.clone();
            values.push(value);
            if prune.keep(&values)? {
                queue.push_back(Dir { path, values });
            }
        }
    }
    let depth = found.len();
    let (mut leaves, shallow): (Vec<Leaf>, Vec<Leaf>) = leaves.into_iter().partition(|l| l.values.len() == depth);
    leaves.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(Tree {
        keys: found,
        leaves,
        shallow: shallow
            .into_iter()
            .filter(|l| !l.files.is_empty())
            .map(|l| l.dir)
            .collect(),
    })
}

fn display_dir(p: &Path) -> String {
    if p.as_ref().is_empty() {
        "/".to_string()
    } else {
        format!("{p}/")
    }
}

/// The type of a partition column with these values: BIGINT when all are integers, DATE
/// when all are `yyyy-MM-dd` dates, else STRING. NULLs do not count; a column of NULLs
/// only is a STRING.
pub fn infer_type<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> DataType {
    let mut ints = true;
    let mut dates = true;
    let mut any = false;
    for v in values.into_iter().flatten() {
        any = true;
        ints &= is_integer(v);
        dates &= is_date(v);
        if !ints && !dates {
            return DataType::Utf8;
        }
    }
    match (any, ints, dates) {
        (true, true, _) => DataType::Int64,
        (true, _, true) => DataType::Date32,
        _ => DataType::Utf8,
    }
}

fn is_integer(v: &str) -> bool {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && v.parse::<i64>().is_ok()
}

fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && ScalarValue::Utf8(Some(v.to_string()))
            .cast_to(&DataType::Date32)
            .is_ok()
}

/// A partition value as a typed scalar (NULL for the default partition).
pub fn typed_value(column: &str, value: Option<&str>, ty: &DataType) -> Result<ScalarValue> {
    let Some(v) = value else {
        return ScalarValue::try_from(ty).context("a NULL partition value");
    };
    let ok = match ty {
        DataType::Int64 => is_integer(v),
        DataType::Date32 => is_date(v),
        _ => true,
    };
    if !ok {
        bail!(
            "partition value '{v}' of column {column} is not a {ty} (the type its values had \
             when the table was registered); register the table again"
        );
    }
    ScalarValue::Utf8(Some(v.to_string()))
        .cast_to(ty)
        .with_context(|| format!("partition value '{v}' of column {column}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescaping() {
        assert_eq!(unescape("10%3A00%3A00"), "10:00:00");
        assert_eq!(unescape("a%2Fb%25c"), "a/b%c");
        assert_eq!(unescape("100%"), "100%");
        assert_eq!(unescape("%zz%4"), "%zz%4");
        assert_eq!(unescape("caf%C3%A9"), "café");
        assert_eq!(unescape("%FF"), "%FF");
    }

    #[test]
    fn partition_names() {
        assert_eq!(split_partition("day=05"), Some(("day".into(), Some("05".into()))));
        assert_eq!(split_partition("dt=__DEFAULT_PARTITION__"), Some(("dt".into(), None)));
        assert_eq!(split_partition("x=a=b"), Some(("x".into(), Some("a=b".into()))));
        assert_eq!(split_partition("=5"), None);
        assert_eq!(split_partition("plain"), None);
        assert!(is_hidden("_SUCCESS") && is_hidden(".part-0.json.inprogress"));
        assert!(!is_hidden("part-0.json"));
    }

    #[test]
    fn types() {
        let t = |v: &[Option<&str>]| infer_type(v.iter().copied());
        assert_eq!(t(&[Some("01"), Some("31"), None]), DataType::Int64);
        assert_eq!(t(&[Some("-3"), Some("+4")]), DataType::Int64);
        assert_eq!(t(&[Some("2026-11-05"), None]), DataType::Date32);
        assert_eq!(t(&[Some("2026-11-05"), Some("7")]), DataType::Utf8);
        assert_eq!(t(&[Some("2026-02-30")]), DataType::Utf8);
        assert_eq!(t(&[Some("99999999999999999999")]), DataType::Utf8);
        assert_eq!(t(&[Some("AAPL")]), DataType::Utf8);
        assert_eq!(t(&[None]), DataType::Utf8);
        assert_eq!(t(&[]), DataType::Utf8);
        assert_eq!(
            typed_value("day", Some("05"), &DataType::Int64).unwrap(),
            ScalarValue::Int64(Some(5))
        );
        assert_eq!(
            typed_value("day", None, &DataType::Int64).unwrap(),
            ScalarValue::Int64(None)
        );
        assert!(typed_value("day", Some("x"), &DataType::Int64).is_err());
    }
}
