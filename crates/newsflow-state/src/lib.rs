//! # newsflow-state
//!
//! How a job's state survives a crash: the checkpoint format, where checkpoints are kept,
//! and how keyed state is split so it can move between parallel instances.
//!
//! ```text
//!   executor ──snapshot()──► Snapshot { Metadata (JSON), blobs (postcard) }
//!                                   │ CheckpointStore::write
//!                                   ▼
//!   <dir>/chk-7.inprogress/{op-*.bin, _metadata}  ──fsync, rename──►  <dir>/chk-7/
//!   s3://bucket/prefix/chk-7/op-*.bin, then …/chk-7/_metadata   (complete once _metadata exists)
//!
//!   restart ──CheckpointStore::latest()──► the newest chk-N with a readable _metadata
//! ```
//!
//! * [`backend`]: where checkpoints live — a local directory (published by rename) or an
//!   `s3://bucket/prefix` (feature `s3`: blobs first, `_metadata` last).
//! * [`checkpoint`]: [`Snapshot`] and [`Metadata`] (format version, operator ids and
//!   fingerprints, source positions, sink commits), [`CheckpointStore`] (atomic publish,
//!   retention, torn checkpoints ignored and removed).
//! * [`keygroup`]: a key's group (`0..KEY_GROUPS`, as Flink's max parallelism 128) from a
//!   hash that is the same in every process and release; keyed operators write their state
//!   grouped by key group, so a checkpoint taken at parallelism 1 can be restored at 4.
//! * [`codec`]: the binary encoding of operator state (postcard over serde).
//!
//! Invariants
//! * A checkpoint directory is visible under its final name only once every file in it is
//!   written and synced; a crash leaves at most a `*.inprogress` directory, never used.
//! * `_metadata` is written last, so a final-named directory always has all its blobs.
//! * The format is versioned ([`FORMAT_VERSION`]); a newer or unknown format is refused
//!   with an error, never half-read.
//!
//! This crate knows nothing of operators or connectors; it stores what they hand it.

pub mod backend;
pub mod checkpoint;
pub mod codec;
pub mod keygroup;
#[cfg(feature = "s3")]
pub mod object;

pub use backend::{Backend, S3Options};
pub use checkpoint::{CheckpointStore, Metadata, OperatorEntry, Snapshot, SnapshotKind, FORMAT_VERSION};
pub use keygroup::{by_key_group, key_group, KeyGroupRange, KEY_GROUPS};
