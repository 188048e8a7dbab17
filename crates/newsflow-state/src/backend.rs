//! Where checkpoint directories live: a local directory, or an object store prefix
//! (`s3://bucket/prefix`, through `object_store`; cargo feature `s3`, on by default).
//!
//! A backend holds *entries* (`chk-7`, `savepoint-8-…`), each a set of files. Publishing
//! is atomic on both: locally the entry is written as `<name>.inprogress/` and renamed;
//! on an object store (no rename) the entry's blobs are written first and `_metadata`
//! last, each PUT being atomic, so an entry without `_metadata` is torn and never read.

use std::path::{Path, PathBuf};

use newsflow_common::{Error, Result};

use crate::checkpoint::{self, Snapshot};

/// Settings for object stores (Flink's `s3.*` keys and the AWS environment).
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    /// `s3.endpoint` (else `AWS_ENDPOINT_URL` / `AWS_ENDPOINT` from the environment): an
    /// S3-compatible server. `http://` endpoints are allowed.
    pub endpoint: Option<String>,
    /// `s3.path.style.access`: path-style requests (`endpoint/bucket/key`), which most
    /// S3-compatible servers need.
    pub path_style: Option<bool>,
}

pub enum Backend {
    Local(PathBuf),
    #[cfg(feature = "s3")]
    Object(crate::object::ObjectBackend),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.describe(""))
    }
}

impl Backend {
    /// A location as written in a setting: a path (relative to `base`), `file://…`, or
    /// `s3://bucket/prefix`.
    pub fn parse(location: &str, base: &Path, s3: &S3Options) -> Result<Backend> {
        match location.split_once("://") {
            Some(("file", rest)) => Ok(Backend::Local(absolute(rest, base))),
            #[cfg(feature = "s3")]
            Some(("s3", _)) => Ok(Backend::Object(crate::object::ObjectBackend::s3(location, s3)?)),
            Some((scheme, _)) => Err(Error::config(format!(
                "'{location}': checkpoints and savepoints go to a local directory (a path or file://){}; \
                 '{scheme}://' is not supported",
                if cfg!(feature = "s3") {
                    " or s3://bucket/prefix"
                } else {
                    " (this build has no s3 support)"
                }
            ))),
            None => {
                let _ = s3;
                Ok(Backend::Local(absolute(location, base)))
            }
        }
    }

    /// Human-readable location of entry `name` (or of the backend with `""`).
    pub fn describe(&self, name: &str) -> String {
        match self {
            Backend::Local(dir) => {
                if name.is_empty() {
                    dir.display().to_string()
                } else {
                    dir.join(name).display().to_string()
                }
            }
            #[cfg(feature = "s3")]
            Backend::Object(o) => o.describe(name),
        }
    }

    /// The entry names (`chk-7`, `chk-8.inprogress`, …) with whether each is complete
    /// (has readable-looking metadata).
    pub fn entries(&self) -> Result<Vec<(String, bool)>> {
        match self {
            Backend::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::io(format!("creating checkpoint directory {}", dir.display()), e))?;
                let rd = std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
                let mut out = Vec::new();
                for e in rd {
                    let e = e.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
                    let name = e.file_name().to_string_lossy().into_owned();
                    let complete = !name.ends_with(".inprogress") && e.path().join(checkpoint::METADATA).is_file();
                    out.push((name, complete));
                }
                Ok(out)
            }
            #[cfg(feature = "s3")]
            Backend::Object(o) => o.entries(),
        }
    }

    /// Publish `snap` as entry `name`, atomically.
    pub fn write(&self, name: &str, snap: &Snapshot) -> Result<String> {
        match self {
            Backend::Local(dir) => checkpoint::write_at(dir, name, snap).map(|p| p.display().to_string()),
            #[cfg(feature = "s3")]
            Backend::Object(o) => o.write(name, snap),
        }
    }

    pub fn read(&self, name: &str) -> Result<Snapshot> {
        match self {
            Backend::Local(dir) => checkpoint::read(&dir.join(name)),
            #[cfg(feature = "s3")]
            Backend::Object(o) => o.read(name),
        }
    }

    /// Delete entry `name` (complete or torn).
    pub fn remove(&self, name: &str) -> Result<()> {
        match self {
            Backend::Local(dir) => {
                let p = dir.join(name);
                std::fs::remove_dir_all(&p).map_err(|e| Error::io(format!("removing {}", p.display()), e))
            }
            #[cfg(feature = "s3")]
            Backend::Object(o) => o.remove(name),
        }
    }

    /// A backend for the parent of `location` and the entry name in it (for
    /// `--from-savepoint DIR`).
    pub fn parse_entry(location: &str, base: &Path, s3: &S3Options) -> Result<(Backend, String)> {
        let trimmed = location.trim_end_matches('/');
        let (parent, name) = trimmed.rsplit_once('/').ok_or_else(|| {
            Error::config(format!(
                "'{location}' does not name a checkpoint or savepoint directory"
            ))
        })?;
        let parent = if parent.is_empty() { "/" } else { parent };
        // `s3://bucket` alone has no parent prefix.
        let parent = if parent.ends_with(':') || parent.ends_with(":/") {
            trimmed
        } else {
            parent
        };
        if parent == trimmed {
            return Err(Error::config(format!(
                "'{location}' does not name a checkpoint or savepoint directory"
            )));
        }
        Ok((Backend::parse(parent, base, s3)?, name.to_string()))
    }
}

fn absolute(p: &str, base: &Path) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}
