//! `filesystem`: Flink's filesystem connector. Reads a file or a directory of files
//! ([`source`]); writes part files into a local directory or `s3://bucket/prefix`
//! ([`sink`]) as JSON lines, CSV (both optionally gzip-compressed) or Parquet, in Hive
//! partition directories ([`partition`]), rolled by size and time, committed exactly once
//! with checkpoints ([`store`]), partitions announced by a commit policy ([`commit`]).
//!
//! Options (all others are refused):
//!
//! | key | |
//! |---|---|
//! | `path` | a directory, `file://…`, or (sink) `s3://bucket/prefix` |
//! | `format` | `json`, `csv`, `raw` (source), `parquet` (sink) |
//! | `sink.compression` | newsflow's: `gzip` or `none` for JSON and CSV files |
//! | `sink.rolling-policy.file-size` / `.rollover-interval` / `.inactivity-interval` / `.check-interval` | when files roll: 128 MB, 5 min, 5 min, 1 min (Firehose's defaults; Flink's are 128 MB / 30 min / 30 min / 1 min) |
//! | `partition.default-name` | directory name of a NULL or empty partition value |
//! | `sink.partition-commit.*`, `partition.time-extractor.*` | see [`commit`] |
//! | `s3.endpoint`, `s3.path.style.access` | an S3-compatible server (also `SET` for the job) |

pub mod commit;
pub mod partition;
pub mod sink;
pub mod source;
pub mod store;
pub mod writer;

use std::path::{Path, PathBuf};

use newsflow_common::{DataType, Error, Field, Result, Schema};

use crate::format;
use crate::options::{parse_duration_ms, parse_memory_size};
use crate::{ConnectorContext, Sink, Source, TableSpec};
use store::{Location, Store};
use writer::FileFormat;

const SOURCE_OPTIONS: &[&str] = &[
    "connector",
    "path",
    "source.monitor-interval",
    "source.path.regex-pattern",
];
const SINK_OPTIONS: &[&str] = &[
    "connector",
    "path",
    "sink.compression",
    "sink.rolling-policy.file-size",
    "sink.rolling-policy.rollover-interval",
    "sink.rolling-policy.inactivity-interval",
    "sink.rolling-policy.check-interval",
    "sink.parallelism",
    "partition.default-name",
    "s3.endpoint",
    "s3.path.style.access",
];

fn resolve(ctx: &ConnectorContext, p: &str) -> PathBuf {
    let p = p.strip_prefix("file://").unwrap_or(p);
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        ctx.base_dir.join(path)
    }
}

fn check(t: &TableSpec, base: &[&str], extra: &[&str]) -> Result<()> {
    let mut valid: Vec<&str> = base.to_vec();
    valid.extend_from_slice(extra);
    valid.extend(format::allowed_format_keys(t.options));
    t.options.check(t.name, "filesystem", &valid, &[])
}

/// The physical columns a file holds: all but the `PARTITIONED BY` ones, and for each
/// partition column its name, position and type.
type Split = (Schema, Vec<(String, usize, DataType)>);

fn split_partitions(t: &TableSpec) -> Result<Split> {
    let mut parts = Vec::new();
    for k in t.partition_keys {
        let i =
            t.schema.fields.iter().position(|f| &f.name == k).ok_or_else(|| {
                Error::config(format!("table `{}`: PARTITIONED BY names unknown column `{k}`", t.name))
            })?;
        parts.push((k.clone(), i, t.schema.fields[i].data_type.clone()));
    }
    let data = Schema::new(
        t.schema
            .fields
            .iter()
            .filter(|f| !t.partition_keys.contains(&f.name))
            .cloned()
            .collect::<Vec<Field>>(),
    );
    Ok((data, parts))
}

pub fn create_source(t: &TableSpec, ctx: &ConnectorContext) -> Result<Box<dyn Source>> {
    check(t, SOURCE_OPTIONS, &[])?;
    let path = t.options.require(t.name, "path")?;
    if path.starts_with("s3://") {
        return Err(Error::config(format!(
            "table `{}`: the filesystem source reads local files only; '{path}' is on S3 \
             (query it with `newsflow query`)",
            t.name
        )));
    }
    let path = resolve(ctx, path);
    let (data_schema, partitions) = split_partitions(t)?;
    for (name, _, ty) in &partitions {
        if !source::partition_type_supported(ty) {
            return Err(Error::config(format!(
                "table `{}`: partition column `{name}` has type {ty}; the filesystem source reads \
                 STRING, INT, BIGINT, BOOLEAN and DATE partition values",
                t.name
            )));
        }
    }
    if format::format_name(t.name, t.options)? == "parquet" {
        return Err(Error::config(format!(
            "table `{}`: the filesystem source cannot read Parquet yet (newsflow writes it); \
             query Parquet with `newsflow query`",
            t.name
        )));
    }
    let decoder = format::decoder(t.name, &data_schema, t.options)?;
    source::open(t.name, &path, decoder, &partitions)
}

fn duration_option(t: &TableSpec, key: &str, default: u64) -> Result<u64> {
    match t.options.get(key) {
        None => Ok(default),
        Some(v) => parse_duration_ms(v)
            .filter(|d| *d > 0)
            .map(|d| d as u64)
            .ok_or_else(|| {
                Error::config(format!(
                    "table `{}`: '{key}' must be a duration like '5 min', got '{v}'",
                    t.name
                ))
            }),
    }
}

pub fn create_sink(t: &TableSpec, ctx: &ConnectorContext) -> Result<Box<dyn Sink>> {
    check(t, SINK_OPTIONS, commit::OPTIONS)?;
    let path = t.options.require(t.name, "path")?;
    let location = if path.starts_with("s3://") {
        Location::S3(path.to_string())
    } else if let Some((scheme, _)) = path.split_once("://").filter(|(s, _)| *s != "file") {
        return Err(Error::config(format!(
            "table `{}`: 'path' = '{path}': the filesystem sink writes to a local directory, file://… \
             or s3://bucket/prefix; '{scheme}://' is not supported",
            t.name
        )));
    } else {
        Location::Local(resolve(ctx, path))
    };
    let mut s3 = ctx.s3.clone();
    if let Some(ep) = t.options.get("s3.endpoint") {
        s3.endpoint = Some(ep.to_string());
    }
    if let Some(v) = t.options.get("s3.path.style.access") {
        s3.path_style = Some(v.trim().eq_ignore_ascii_case("true"));
    }
    let (data_schema, partitions) = split_partitions(t)?;
    if !partitions.is_empty() && data_schema.is_empty() {
        return Err(Error::config(format!(
            "table `{}`: every column is a partition column; the files would hold nothing",
            t.name
        )));
    }
    let format_name = format::format_name(t.name, t.options)?;
    let gzip = match t.options.get("sink.compression").map(|s| s.trim().to_ascii_lowercase()) {
        None => false,
        Some(c) if c == "none" => false,
        Some(c) if c == "gzip" && format_name != "parquet" => true,
        Some(c) if c == "gzip" => {
            return Err(Error::config(format!(
                "table `{}`: 'sink.compression' applies to JSON and CSV files; Parquet is compressed with \
                 'parquet.compression'",
                t.name
            )))
        }
        Some(other) => {
            return Err(Error::config(format!(
                "table `{}`: 'sink.compression' = '{other}' is not supported; valid: gzip, none",
                t.name
            )))
        }
    };
    let format = match format_name {
        "json" | "csv" => {
            // Build once now so that bad format options fail at planning time.
            format::encoder(t.name, &data_schema, t.options)?;
            FileFormat::Lines {
                name: if format_name == "json" { "json" } else { "csv" },
                gzip,
                schema: data_schema.clone(),
                options: t.options.clone(),
                table: t.name.to_string(),
            }
        }
        #[cfg(feature = "parquet")]
        "parquet" => FileFormat::Parquet(Box::new(format::parquet::ParquetConfig::new(
            t.name,
            &data_schema,
            t.options,
        )?)),
        other => {
            return Err(Error::config(format!(
                "table `{}`: the filesystem sink writes json, csv or parquet, not '{other}'",
                t.name
            )))
        }
    };
    let d = sink::RollingPolicy::default();
    let file_size = match t.options.get("sink.rolling-policy.file-size") {
        None => d.file_size,
        Some(v) => parse_memory_size(v).filter(|b| *b > 0).ok_or_else(|| {
            Error::config(format!(
                "table `{}`: 'sink.rolling-policy.file-size' must be a size like '128MB', got '{v}'",
                t.name
            ))
        })?,
    };
    let rolling = sink::RollingPolicy {
        file_size,
        rollover_ms: duration_option(t, "sink.rolling-policy.rollover-interval", d.rollover_ms)?,
        inactivity_ms: duration_option(t, "sink.rolling-policy.inactivity-interval", d.inactivity_ms)?,
        check_ms: duration_option(t, "sink.rolling-policy.check-interval", d.check_ms)?,
    };
    let default_name = t
        .options
        .get("partition.default-name")
        .unwrap_or(partition::DEFAULT_PARTITION_NAME)
        .to_string();
    let committer = commit::PartitionCommitter::new(t.name, t.options, !partitions.is_empty())?;
    let store = Store::open(&location, &s3)?;
    Ok(Box::new(sink::FileSink::new(sink::SinkConfig {
        table: t.name.to_string(),
        store,
        format,
        schema: t.schema.clone(),
        partitions: partitions.iter().map(|(name, i, _)| (*i, name.clone())).collect(),
        default_name,
        rolling,
        committer,
    })?))
}
