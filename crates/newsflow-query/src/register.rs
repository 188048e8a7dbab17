//! Registering a directory as a table: resolve where it is (local path or `s3://`),
//! discover its partitions and their types, settle its file format, infer the files'
//! schema, and add an [`ArchiveTable`] to the session.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::SessionContext;
use object_store::path::Path;
use object_store::ObjectMeta;

use crate::discover::{self, KeepAll};
use crate::format::TableFormat;
use crate::s3;
use crate::table::{ArchiveTable, FileSelection, Location};

/// A table to register: `NAME=PATH` or `NAME=PATH:FORMAT` (see [`TableSpec::from_str`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    pub name: String,
    /// A local directory (`data/trades`, `file:///data/trades`) or `s3://bucket/prefix`.
    pub location: String,
    /// The files' format; `None`: told by their extensions.
    pub format: Option<TableFormat>,
    /// CSV files start with a header line.
    pub csv_header: bool,
}

impl TableSpec {
    pub fn new(name: &str, location: &str, format: Option<TableFormat>) -> TableSpec {
        TableSpec {
            name: name.to_string(),
            location: location.to_string(),
            format,
            csv_header: false,
        }
    }
}

/// `NAME=LOCATION` or `NAME=LOCATION:FORMAT`, FORMAT one of `parquet`, `json`, `csv`,
/// the last two optionally with `.gz`, `.zst`, `.bz2` or `.xz`.
impl FromStr for TableSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<TableSpec, String> {
        let (name, rest) = s
            .split_once('=')
            .ok_or_else(|| format!("'{s}': expected NAME=PATH or NAME=PATH:FORMAT"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("'{s}': the table has no name (NAME=PATH)"));
        }
        let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            return Err(format!(
                "'{s}': a table name is letters, digits and '_', not starting with a digit"
            ));
        }
        let (location, format) = match rest.rsplit_once(':') {
            Some((loc, f)) if !loc.is_empty() && !f.contains('/') && !loc.ends_with(':') => {
                (loc, Some(f.parse::<TableFormat>()?))
            }
            _ => (rest, None),
        };
        if location.is_empty() {
            return Err(format!("'{s}': table {name} has no path"));
        }
        Ok(TableSpec::new(name, location, format))
    }
}

impl fmt::Display for TableSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.location)?;
        if let Some(format) = &self.format {
            write!(f, ":{format}")?;
        }
        Ok(())
    }
}

/// What registering a table found.
#[derive(Debug)]
pub struct Registered {
    pub table: Arc<ArchiveTable>,
    /// How many of the table's files there were.
    pub files: usize,
    /// Things the user should know (files that are not part of the table).
    pub warnings: Vec<String>,
}

/// Register the directory `spec.location` as table `spec.name` in `ctx` (replacing a
/// table of that name). Errors name the table and the location.
pub async fn register_table(ctx: &SessionContext, spec: &TableSpec) -> Result<Registered> {
    let name = &spec.name;
    let location = resolve(ctx, &spec.location).with_context(|| format!("table {name}: {}", spec.location))?;
    let tree = discover::walk(location.store.as_ref(), &location.root, None, &KeepAll)
        .await
        .with_context(|| format!("table {name}: listing {}", location.display))?;

    let partition_cols: Vec<(String, DataType)> = tree
        .keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let values = tree.leaves.iter().map(|l| l.values[i].as_deref());
            (key.clone(), discover::infer_type(values))
        })
        .collect();
    let files: Vec<&ObjectMeta> = tree.leaves.iter().flat_map(|l| &l.files).collect();
    let (mut format, selection) =
        choose_format(spec.format, &files).with_context(|| format!("table {name}: {}", location.display))?;
    format.csv_header = spec.csv_header;

    let selected: Vec<ObjectMeta> = files
        .into_iter()
        .filter(|f| selection.selects(&format, f))
        .cloned()
        .collect();
    let inferred = format
        .file_format()
        .infer_schema(&ctx.state(), &location.store, &selected)
        .await
        .with_context(|| {
            format!(
                "table {name}: reading the schema of the {format} files under {}",
                location.display
            )
        })?;
    // A column stored in the files under a partition column's name: the directory's
    // value wins (as in Hive), the stored one is not read.
    let file_fields: Vec<_> = inferred
        .fields()
        .iter()
        .filter(|f| !partition_cols.iter().any(|(p, _)| p == f.name()))
        .cloned()
        .collect();
    let file_schema = Arc::new(Schema::new_with_metadata(file_fields, inferred.metadata().clone()));

    let mut warnings = Vec::new();
    if !tree.shallow.is_empty() {
        warnings.push(format!(
            "table {name}: files in {} director{} above the partition depth ({}) are not part \
             of the table, e.g. {}",
            tree.shallow.len(),
            if tree.shallow.len() == 1 { "y" } else { "ies" },
            tree.keys.join("/"),
            tree.shallow[0]
        ));
    }
    let table = Arc::new(ArchiveTable::new(
        location,
        format,
        selection,
        partition_cols,
        file_schema,
    ));
    ctx.register_table(name.as_str(), table.clone())
        .with_context(|| format!("registering table {name}"))?;
    Ok(Registered {
        table,
        files: selected.len(),
        warnings,
    })
}

/// The store and root directory of a location; registers an S3 bucket's store on the
/// session.
fn resolve(ctx: &SessionContext, location: &str) -> Result<Location> {
    if location.starts_with("s3://") || location.starts_with("s3a://") {
        let (bucket, prefix) = s3::split_url(location)?;
        let store = s3::store(bucket)?;
        let url = ObjectStoreUrl::parse(format!("s3://{bucket}"))?;
        ctx.register_object_store(url.as_ref(), Arc::clone(&store));
        let root = Path::parse(prefix).with_context(|| format!("the key prefix '{prefix}'"))?;
        return Ok(Location {
            url,
            store,
            root,
            display: format!("s3://{bucket}/{prefix}"),
        });
    }
    let local = location.strip_prefix("file://").unwrap_or(location);
    if local.contains("://") {
        bail!("only local paths and s3:// URLs are supported");
    }
    let path = std::path::Path::new(local);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => anyhow::anyhow!("no such directory"),
        _ => anyhow::Error::new(e),
    })?;
    if !meta.is_dir() {
        bail!("not a directory (give the directory that holds the table's files)");
    }
    let absolute = std::fs::canonicalize(path)?;
    let root = Path::from_absolute_path(&absolute).with_context(|| format!("the path {}", absolute.display()))?;
    let url = ObjectStoreUrl::local_filesystem();
    let store = ctx.runtime_env().object_store(&url)?;
    Ok(Location {
        url,
        store,
        root,
        display: location.to_string(),
    })
}

/// The table's format and which files it takes, from the given format or the files'
/// extensions.
fn choose_format(given: Option<TableFormat>, files: &[&ObjectMeta]) -> Result<(TableFormat, FileSelection)> {
    let mut found: BTreeMap<String, (TableFormat, usize)> = BTreeMap::new();
    for f in files {
        if let Some(format) = f.location.filename().and_then(TableFormat::from_file_name) {
            found.entry(format.to_string()).or_insert((format, 0)).1 += 1;
        }
    }
    let summary = || {
        found
            .iter()
            .map(|(name, (_, n))| format!("{n} {name}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if files.is_empty() {
        bail!("no files (names starting with '.' or '_' do not count)");
    }
    match given {
        Some(format) => {
            if found.values().any(|(f, _)| *f == format) {
                Ok((format, FileSelection::Extension))
            } else if found.is_empty() {
                Ok((format, FileSelection::All))
            } else {
                bail!("no {format} files, but {}", summary())
            }
        }
        None => {
            let mut formats = found.values();
            match (formats.next(), formats.next()) {
                (Some((format, _)), None) => Ok((*format, FileSelection::Extension)),
                (None, _) => bail!(
                    "no file has a .parquet, .json or .csv extension (e.g. {}); give the \
                     format as NAME=PATH:FORMAT",
                    files[0].location
                ),
                (Some(_), Some(_)) => bail!("files of several formats: {}; pick one as NAME=PATH:FORMAT", summary()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Compression, FileKind};

    #[test]
    fn specs() {
        let s = |t: &str| t.parse::<TableSpec>();
        assert_eq!(s("t=data/x").unwrap(), TableSpec::new("t", "data/x", None));
        assert_eq!(s("t=s3://b/p/").unwrap(), TableSpec::new("t", "s3://b/p/", None));
        assert_eq!(
            s("t=s3://b/p:json.gz").unwrap(),
            TableSpec::new(
                "t",
                "s3://b/p",
                Some(TableFormat::new(FileKind::Json, Compression::Gzip))
            )
        );
        assert_eq!(
            s("t=/a/b:parquet").unwrap().format,
            Some(TableFormat::new(FileKind::Parquet, Compression::None))
        );
        assert!(s("t=/a/b:avro").is_err());
        assert!(s("nodir").is_err());
        assert!(s("=x").is_err());
        assert!(s("t=").is_err());
        assert!(s("my-trades=x").is_err() && s("1t=x").is_err());
        assert_eq!(s("_T1=x").unwrap().name, "_T1");
        assert_eq!(s("t=s3://b").unwrap().location, "s3://b");
    }
}
