//! Checkpoints and savepoints on disk.
//!
//! Layout of one checkpoint (a savepoint is the same, under another directory):
//!
//! ```text
//! <dir>/chk-<id>/
//!     _metadata        JSON: Metadata (format, version, id, operators, sources, sinks, …)
//!     op-<n>.bin       one operator's state (postcard), named in Metadata.operators
//! ```
//!
//! Writing goes to `chk-<id>.inprogress/`; every file is synced, `_metadata` last, then the
//! directory is renamed to `chk-<id>` and its parent synced. A crash at any point leaves
//! either the previous checkpoints alone or a complete new one. The newest `chk-<id>` whose
//! `_metadata` reads back is the one restored; `*.inprogress` directories are removed when
//! a store is opened. `num-retained` completed checkpoints are kept; older ones are deleted
//! after a newer one is published.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use newsflow_common::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::backend::Backend;

/// The version of the on-disk format this build writes and reads.
/// 2: exact DECIMAL values; the interval join keeps Flink's cleanup timers and expiration times.
pub const FORMAT_VERSION: u32 = 2;
const FORMAT_NAME: &str = "newsflow-checkpoint";
pub(crate) const METADATA: &str = "_metadata";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotKind {
    /// Taken by the job on its interval; restored automatically on restart.
    Checkpoint,
    /// Taken on request (`newsflow savepoint`); restored only when asked for.
    Savepoint,
}

/// One operator's entry: what it is (its fingerprint: the plan text of the operator, so
/// a changed query is detected) and where its state is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorEntry {
    pub fingerprint: String,
    /// The blob holding its state, if it has any.
    pub file: Option<String>,
    pub bytes: u64,
}

/// Everything about a checkpoint except the operator state blobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub format: String,
    pub version: u32,
    pub id: u64,
    pub kind: SnapshotKind,
    /// Wall clock when the checkpoint was taken (ms since the epoch).
    pub created_ms: u64,
    /// Taken after every input ended and every sink finished: restoring it runs nothing.
    pub finished: bool,
    /// Key groups keyed state is split into (see `keygroup`).
    pub key_groups: u16,
    /// Stable operator id → entry.
    pub operators: BTreeMap<String, OperatorEntry>,
    /// Source id → the position its next read starts at (connector-defined JSON).
    pub sources: BTreeMap<String, serde_json::Value>,
    /// Sink id → what its commit makes visible (connector-defined JSON); committed after
    /// this checkpoint is published, and again (idempotently) on restore.
    pub sinks: BTreeMap<String, serde_json::Value>,
    /// Anything else the job keeps (watermarks, dead-letter file lengths, topics), JSON.
    pub job: serde_json::Value,
}

impl Metadata {
    pub fn new(id: u64, kind: SnapshotKind) -> Self {
        Metadata {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            id,
            kind,
            created_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            finished: false,
            key_groups: crate::KEY_GROUPS,
            operators: BTreeMap::new(),
            sources: BTreeMap::new(),
            sinks: BTreeMap::new(),
            job: serde_json::Value::Null,
        }
    }
}

/// A checkpoint in memory: metadata and the blobs it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub meta: Metadata,
    pub blobs: BTreeMap<String, Vec<u8>>,
    /// Where it was read from (set when read).
    pub location: Option<String>,
}

impl Snapshot {
    pub fn new(meta: Metadata) -> Self {
        Snapshot {
            meta,
            blobs: BTreeMap::new(),
            location: None,
        }
    }

    /// Add operator `id`'s state (no blob when it has none).
    pub fn add_operator(&mut self, id: &str, fingerprint: &str, state: Option<Vec<u8>>) {
        let file = state.map(|bytes| {
            let name = format!("op-{}.bin", self.meta.operators.len());
            let n = bytes.len() as u64;
            self.blobs.insert(name.clone(), bytes);
            (name, n)
        });
        self.meta.operators.insert(
            id.to_string(),
            OperatorEntry {
                fingerprint: fingerprint.to_string(),
                bytes: file.as_ref().map_or(0, |f| f.1),
                file: file.map(|f| f.0),
            },
        );
    }

    /// The state blob of operator `id`, if the checkpoint has one.
    pub fn operator_state(&self, id: &str) -> Option<&[u8]> {
        let file = self.meta.operators.get(id)?.file.as_ref()?;
        self.blobs.get(file).map(Vec::as_slice)
    }

    /// Total size of the blobs (bytes).
    pub fn state_bytes(&self) -> u64 {
        self.blobs.values().map(|b| b.len() as u64).sum()
    }
}

/// Where checkpoints are kept (`'state.checkpoints.dir'`): a local directory or an object
/// store prefix (see [`Backend`]).
#[derive(Debug, Clone)]
pub struct CheckpointStore {
    backend: Arc<Backend>,
    retained: usize,
}

fn io(what: impl Into<String>, e: std::io::Error) -> Error {
    Error::io(what, e)
}

fn sync_dir(dir: &Path) -> Result<()> {
    // Directory fsync makes a rename durable on Linux; elsewhere opening a directory may
    // fail, which is not an error worth stopping for.
    if let Ok(d) = File::open(dir) {
        d.sync_all().map_err(|e| io(format!("syncing {}", dir.display()), e))?;
    }
    Ok(())
}

fn parse_id(name: &str) -> Option<u64> {
    name.strip_prefix("chk-")?.parse().ok()
}

impl CheckpointStore {
    /// Open a checkpoint location, removing torn checkpoints a crash left.
    pub fn open(backend: Backend, retained: usize) -> Result<Self> {
        let store = CheckpointStore {
            backend: Arc::new(backend),
            retained: retained.max(1),
        };
        for (name, complete) in store.backend.entries()? {
            if name.starts_with("chk-") && !complete {
                tracing::info!(
                    "removing a checkpoint a crash left unfinished: {}",
                    store.backend.describe(&name)
                );
                store.backend.remove(&name)?;
            }
        }
        Ok(store)
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Ids of the completed checkpoints, oldest first.
    pub fn completed(&self) -> Result<Vec<u64>> {
        let mut ids: Vec<u64> = self
            .backend
            .entries()?
            .into_iter()
            .filter(|(_, complete)| *complete)
            .filter_map(|(n, _)| parse_id(&n))
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// The newest completed checkpoint, if any. One whose metadata does not read back is
    /// skipped with a warning (the one before it is used).
    pub fn latest(&self) -> Result<Option<Snapshot>> {
        for id in self.completed()?.into_iter().rev() {
            let name = format!("chk-{id}");
            match self.backend.read(&name) {
                Ok(s) => return Ok(Some(s)),
                Err(e) => tracing::warn!("skipping checkpoint {}: {e}", self.backend.describe(&name)),
            }
        }
        Ok(None)
    }

    /// Delete every checkpoint (`--fresh`).
    pub fn clear(&self) -> Result<()> {
        for id in self.completed()? {
            self.backend.remove(&format!("chk-{id}"))?;
        }
        Ok(())
    }

    /// Publish a checkpoint as `chk-<id>`; returns where. Older checkpoints beyond the
    /// number retained are deleted afterwards.
    pub fn write(&self, snap: &Snapshot) -> Result<String> {
        let at = self.backend.write(&format!("chk-{}", snap.meta.id), snap)?;
        let ids = self.completed()?;
        if ids.len() > self.retained {
            for id in &ids[..ids.len() - self.retained] {
                let name = format!("chk-{id}");
                if let Err(e) = self.backend.remove(&name) {
                    tracing::warn!("could not remove old checkpoint {}: {e}", self.backend.describe(&name));
                }
            }
        }
        Ok(at)
    }
}

pub(crate) fn encode_metadata(meta: &Metadata) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(meta).map_err(|e| Error::runtime(format!("encoding checkpoint metadata: {e}")))
}

pub(crate) fn decode_metadata(text: &[u8], at: &str) -> Result<Metadata> {
    let meta: Metadata =
        serde_json::from_slice(text).map_err(|e| Error::runtime(format!("{at} is not a newsflow checkpoint: {e}")))?;
    if meta.format != FORMAT_NAME {
        return Err(Error::runtime(format!(
            "{at} is a '{}', not a newsflow checkpoint",
            meta.format
        )));
    }
    if meta.version != FORMAT_VERSION {
        return Err(Error::runtime(format!(
            "{at} has checkpoint format version {}; this newsflow reads version {FORMAT_VERSION}",
            meta.version
        )));
    }
    Ok(meta)
}

pub(crate) fn check_blob(at: &str, file: &str, bytes: &[u8], expected: u64) -> Result<()> {
    if bytes.len() as u64 != expected {
        return Err(Error::runtime(format!(
            "{at}/{file} has {} bytes, the metadata says {expected}: the checkpoint is damaged",
            bytes.len()
        )));
    }
    Ok(())
}

/// Write `snap` as `<parent>/<name>/` atomically (through `<name>.inprogress`).
pub fn write_at(parent: &Path, name: &str, snap: &Snapshot) -> Result<PathBuf> {
    fs::create_dir_all(parent).map_err(|e| io(format!("creating {}", parent.display()), e))?;
    let tmp = parent.join(format!("{name}.inprogress"));
    let fin = parent.join(name);
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| io(format!("removing {}", tmp.display()), e))?;
    }
    fs::create_dir(&tmp).map_err(|e| io(format!("creating {}", tmp.display()), e))?;
    let put = |file: &str, bytes: &[u8]| -> Result<()> {
        let p = tmp.join(file);
        let mut f = File::create(&p).map_err(|e| io(format!("creating {}", p.display()), e))?;
        f.write_all(bytes)
            .map_err(|e| io(format!("writing {}", p.display()), e))?;
        f.sync_all().map_err(|e| io(format!("syncing {}", p.display()), e))
    };
    for (file, bytes) in &snap.blobs {
        put(file, bytes)?;
    }
    put(METADATA, &encode_metadata(&snap.meta)?)?;
    sync_dir(&tmp)?;
    if fin.exists() {
        fs::remove_dir_all(&fin).map_err(|e| io(format!("replacing {}", fin.display()), e))?;
    }
    fs::rename(&tmp, &fin).map_err(|e| io(format!("publishing {}", fin.display()), e))?;
    sync_dir(parent)?;
    Ok(fin)
}

/// Read a local checkpoint or savepoint directory.
pub fn read(path: &Path) -> Result<Snapshot> {
    let at = path.display().to_string();
    let meta_path = path.join(METADATA);
    let text = fs::read(&meta_path).map_err(|e| io(format!("reading {}", meta_path.display()), e))?;
    let meta = decode_metadata(&text, &at)?;
    let mut blobs = BTreeMap::new();
    for entry in meta.operators.values() {
        if let Some(file) = &entry.file {
            let p = path.join(file);
            let bytes = fs::read(&p).map_err(|e| io(format!("reading {}", p.display()), e))?;
            check_blob(&at, file, &bytes, entry.bytes)?;
            blobs.insert(file.clone(), bytes);
        }
    }
    Ok(Snapshot {
        meta,
        blobs,
        location: Some(at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("nf-state-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn snap(id: u64) -> Snapshot {
        let mut s = Snapshot::new(Metadata::new(id, SnapshotKind::Checkpoint));
        s.add_operator("p0/join", "IntervalJoin(a = b)", Some(vec![1, 2, 3, id as u8]));
        s.add_operator("p0/calc", "Calc", None);
        s.meta
            .sources
            .insert("p0/src".into(), serde_json::json!({"offset": id}));
        s
    }

    #[test]
    fn round_trip_retention_and_torn_checkpoints() {
        let dir = tmpdir("rt");
        let store = CheckpointStore::open(Backend::Local(dir.clone()), 2).unwrap();
        assert!(store.latest().unwrap().is_none());
        let written: Vec<Snapshot> = (1..=3).map(snap).collect();
        for s in &written {
            store.write(s).unwrap();
        }
        assert_eq!(store.completed().unwrap(), vec![2, 3]);
        let back = store.latest().unwrap().unwrap();
        assert_eq!(back.meta, written[2].meta);
        assert_eq!(back.operator_state("p0/join"), Some(&[1u8, 2, 3, 3][..]));
        assert_eq!(back.operator_state("p0/calc"), None);
        // A crash in the middle of writing checkpoint 4 leaves chk-4.inprogress: never used,
        // removed when the store is opened again.
        fs::create_dir(dir.join("chk-4.inprogress")).unwrap();
        fs::write(dir.join("chk-4.inprogress/op-0.bin"), b"half").unwrap();
        // A published directory whose metadata is damaged is skipped.
        fs::create_dir(dir.join("chk-5")).unwrap();
        fs::write(dir.join("chk-5/_metadata"), b"{ torn").unwrap();
        let store = CheckpointStore::open(Backend::Local(dir.clone()), 2).unwrap();
        assert!(!dir.join("chk-4.inprogress").exists());
        assert_eq!(store.latest().unwrap().unwrap().meta.id, 3);
        // A blob shorter than its metadata says is refused.
        fs::write(dir.join("chk-3/op-0.bin"), b"x").unwrap();
        assert!(read(&dir.join("chk-3")).unwrap_err().to_string().contains("damaged"));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn other_versions_and_object_stores_are_refused() {
        let dir = tmpdir("ver");
        let mut s = snap(1);
        s.meta.version = 99;
        let p = write_at(&dir, "chk-1", &s).unwrap();
        let err = read(&p).unwrap_err().to_string();
        assert!(err.contains("version 99"), "{err}");
        let s3 = crate::backend::S3Options::default();
        let err = Backend::parse("gs://bucket/chk", Path::new("/"), &s3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("gs://"), "{err}");
        let b = Backend::parse("file:///tmp/x", Path::new("/b"), &s3).unwrap();
        assert_eq!(b.describe(""), "/tmp/x");
        assert_eq!(
            Backend::parse("rel", Path::new("/b"), &s3).unwrap().describe(""),
            "/b/rel"
        );
        let (parent, name) = Backend::parse_entry("sp/savepoint-3-1", Path::new("/b"), &s3).unwrap();
        assert_eq!(
            (parent.describe(""), name.as_str()),
            ("/b/sp".to_string(), "savepoint-3-1")
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
