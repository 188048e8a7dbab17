//! Checkpoints, savepoints and restore: the executor's side of `newsflow-state`.
//!
//! ```text
//!  every interval, between two executor loops (a consistent cut, see executor.rs):
//!    sources:   position + partition watermarks        ─┐
//!    operators: snapshot(id) → state bytes / sink pre-commit ─┼─► Snapshot ─► store.write (atomic)
//!    job:       node watermarks, dead-letter file lengths,   │                   │
//!               in-process topics                          ─┘                   ▼
//!                                                          operators.checkpoint_complete(id)
//!                                                          (sinks commit: files become visible)
//!  restore (before the first poll): refuse a checkpoint whose operators do not match the
//!  plan; put topics back; sources seek; operators restore (sinks recover: re-commit the
//!  checkpoint's files, delete what was written after it); dead-letter files are cut back.
//! ```
//!
//! Settings (Flink's names): `execution.checkpointing.interval`, `state.checkpoints.dir`,
//! `state.checkpoints.num-retained`, `state.savepoints.dir`, `execution.savepoint.path`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use newsflow_common::{Error, Result};
use newsflow_connectors::topic::TopicState;
use newsflow_state::checkpoint::{Metadata, Snapshot, SnapshotKind};
use newsflow_state::{codec, Backend, CheckpointStore};
use serde::{Deserialize, Serialize};

use crate::executor::{CheckpointStats, Executor};
use crate::watermark::WatermarkTracker;

/// The id of the in-process topics' entry in a checkpoint.
const TOPICS_ID: &str = "job/topics";

/// A job's checkpoint settings and progress.
pub(crate) struct Checkpointing {
    /// Where periodic checkpoints go (`None`: only savepoints on request).
    pub store: Option<CheckpointStore>,
    pub interval: Option<Duration>,
    pub next_due: Option<Instant>,
    pub next_id: u64,
    /// Where savepoints go: `'state.savepoints.dir'`, else `<checkpoints dir>/savepoints`.
    pub savepoints: Option<Arc<Backend>>,
    /// Set (from a signal handler or another thread) to take a savepoint and stop.
    pub savepoint_request: Arc<AtomicBool>,
    pub stats: CheckpointStats,
    /// Simulated crash for recovery tests: (checkpoint, loops after it).
    pub crash_after: Option<(u64, u32)>,
    /// Tests: a checkpoint every `n` loops instead of by the clock (`(n, loops so far)`).
    pub every_loops: Option<(u32, u32)>,
}

impl Checkpointing {
    /// Periodic checkpoints are on.
    pub fn enabled(&self) -> bool {
        self.store.is_some()
    }

    /// Called once per executor loop.
    pub fn due(&mut self, now: Instant) -> bool {
        if !self.enabled() {
            return false;
        }
        if let Some((every, count)) = &mut self.every_loops {
            *count += 1;
            if *count >= *every {
                *count = 0;
                return true;
            }
            // (next_due is then only set by `request_soon`.)
        }
        self.next_due.is_some_and(|d| now >= d)
    }

    /// Take the next checkpoint at the next loop (a pipeline finished).
    pub fn request_soon(&mut self) {
        if self.enabled() {
            self.next_due = Some(Instant::now());
        }
    }

    pub fn savepoint_requested(&self) -> bool {
        self.savepoint_request.load(Ordering::Relaxed)
    }

    /// A simulated crash is due now (counts down one loop per call).
    pub fn crash_now(&mut self) -> bool {
        match &mut self.crash_after {
            Some((id, loops)) if self.stats.last_id.is_some_and(|l| l >= *id) => {
                if *loops == 0 {
                    return true;
                }
                *loops -= 1;
                false
            }
            _ => false,
        }
    }

    fn schedule_next(&mut self) {
        self.next_due = match self.every_loops {
            Some(_) => None,
            None => self.interval.map(|i| Instant::now() + i),
        };
    }
}

/// Per-node runtime state that is not the operator's own.
#[derive(Serialize, Deserialize)]
struct NodeState {
    inputs: WatermarkTracker,
    out_wm: i64,
}

/// The job-level part of a checkpoint (`Metadata::job`).
#[derive(Serialize, Deserialize, Default)]
struct JobState {
    nodes: BTreeMap<String, NodeState>,
    /// Dead-letter file lengths in bytes, and counts, per table.
    dead_letters: BTreeMap<String, (u64, u64)>,
}

impl Executor {
    fn snapshot(&mut self, id: u64, kind: SnapshotKind, finished: bool) -> Result<Snapshot> {
        let mut snap = Snapshot::new(Metadata::new(id, kind));
        snap.meta.finished = finished;
        for s in &self.sources {
            snap.meta.sources.insert(s.id.clone(), s.exec.snapshot()?);
        }
        let mut job = JobState::default();
        for n in &mut self.nodes {
            let os = n.op.snapshot(id)?;
            snap.add_operator(&n.id, &n.fingerprint, os.state);
            if let Some(c) = os.commit {
                snap.meta.sinks.insert(n.id.clone(), c);
            }
            job.nodes.insert(
                n.id.clone(),
                NodeState {
                    inputs: n.inputs.clone(),
                    out_wm: n.out_wm,
                },
            );
        }
        let topics = self.topics.snapshot();
        if !topics.is_empty() {
            snap.add_operator(
                TOPICS_ID,
                "in-process topics",
                Some(codec::encode("the in-process topics", &topics)?),
            );
        }
        let tables: Vec<String> = self.sources.iter().map(|s| s.exec.table.clone()).collect();
        job.dead_letters = self.dead.positions(tables.iter().map(String::as_str))?;
        snap.meta.job =
            serde_json::to_value(&job).map_err(|e| Error::runtime(format!("encoding the job state: {e}")))?;
        Ok(snap)
    }

    /// Take a checkpoint now, publish it, then let the sinks commit.
    pub(crate) fn checkpoint(&mut self, finished: bool) -> Result<()> {
        let Some(c) = self.checkpointing.as_ref() else {
            return Ok(());
        };
        let Some(store) = c.store.clone() else { return Ok(()) };
        let id = c.next_id;
        let started = Instant::now();
        let snap = self.snapshot(id, SnapshotKind::Checkpoint, finished)?;
        let path = store
            .write(&snap)
            .map_err(|e| Error::runtime(format!("checkpoint {id} failed: {e}")))?;
        if let Some(c) = self.checkpointing.as_mut() {
            c.stats.last_id = Some(id);
            if c.crash_now() {
                return Err(Error::runtime(crate::job::CRASHED));
            }
        }
        self.complete(id)?;
        let took = started.elapsed();
        tracing::debug!("checkpoint {id}: {} bytes in {took:?} at {path}", snap.state_bytes());
        if let Some(c) = self.checkpointing.as_mut() {
            c.next_id += 1;
            c.schedule_next();
            let st = &mut c.stats;
            st.completed += 1;
            st.last_bytes = snap.state_bytes();
            st.max_bytes = st.max_bytes.max(st.last_bytes);
            st.last_duration = took;
            st.max_duration = st.max_duration.max(took);
            st.total_duration += took;
            st.last_completed_at = Some(std::time::SystemTime::now());
        }
        Ok(())
    }

    /// Checkpoint (or savepoint) `id` is published: let the sinks commit.
    fn complete(&mut self, id: u64) -> Result<()> {
        for n in &mut self.nodes {
            n.op.checkpoint_complete(id)?;
        }
        Ok(())
    }

    /// Write a savepoint (same format, into the savepoints directory), commit, and stop.
    pub(crate) fn savepoint(&mut self) -> Result<()> {
        let Some(c) = self.checkpointing.as_ref() else {
            return Ok(());
        };
        let id = c.next_id;
        let dir = c.savepoints.clone().ok_or_else(|| {
            Error::config(
                "a savepoint was requested but no directory is set: SET 'state.savepoints.dir' or \
                     'state.checkpoints.dir'",
            )
        })?;
        let snap = self.snapshot(id, SnapshotKind::Savepoint, false)?;
        let name = format!("savepoint-{id}-{}", snap.meta.created_ms);
        let path = dir.write(&name, &snap)?;
        self.complete(id)?;
        eprintln!("savepoint written to {path}");
        if let Some(c) = self.checkpointing.as_mut() {
            c.next_id += 1;
            c.stats.savepoint = Some(path);
        }
        self.dead.flush()
    }

    /// Load `snap` into a freshly built job, before anything runs.
    pub(crate) fn restore(&mut self, snap: &Snapshot) -> Result<()> {
        let from = match &snap.location {
            Some(p) => format!("checkpoint {p}"),
            None => format!("checkpoint {}", snap.meta.id),
        };
        // Refuse state that does not belong to this plan, naming the operator.
        for (id, entry) in &snap.meta.operators {
            if id == TOPICS_ID {
                continue;
            }
            let has_state = entry.file.is_some() || snap.meta.sinks.contains_key(id);
            match self.nodes.iter().find(|n| &n.id == id) {
                Some(n) if n.fingerprint != entry.fingerprint => {
                    return Err(Error::config(format!(
                        "cannot restore {from}: operator `{id}` changed (the checkpoint has `{}`, the query now \
                         plans `{}`); start over with --fresh or use the query the checkpoint was taken with",
                        entry.fingerprint, n.fingerprint
                    )))
                }
                None if has_state => {
                    return Err(Error::config(format!(
                        "cannot restore {from}: it holds state of operator `{id}` (`{}`), which the query no \
                         longer has; start over with --fresh or use the query the checkpoint was taken with",
                        entry.fingerprint
                    )))
                }
                _ => {}
            }
        }
        for id in snap.meta.sources.keys() {
            if !self.sources.iter().any(|s| &s.id == id) {
                return Err(Error::config(format!(
                    "cannot restore {from}: it has a position for source `{id}`, which the query no longer reads; \
                     start over with --fresh"
                )));
            }
        }
        if let Some(bytes) = snap.operator_state(TOPICS_ID) {
            let topics: BTreeMap<String, TopicState> = codec::decode("the in-process topics", bytes)?;
            self.topics.restore(topics);
        }
        let job: JobState = match &snap.meta.job {
            serde_json::Value::Null => JobState::default(),
            v => serde_json::from_value(v.clone())
                .map_err(|e| Error::runtime(format!("{from}: the job state is unreadable: {e}")))?,
        };
        for s in &mut self.sources {
            if let Some(pos) = snap.meta.sources.get(&s.id) {
                s.exec.restore(pos)?;
            }
        }
        for n in &mut self.nodes {
            n.op.restore(snap.operator_state(&n.id), snap.meta.sinks.get(&n.id))
                .map_err(|e| Error::runtime(format!("restoring `{}` from {from}: {e}", n.id)))?;
            if let Some(ns) = job.nodes.get(&n.id) {
                n.inputs = ns.inputs.clone();
                n.out_wm = ns.out_wm;
            }
        }
        self.dead.truncate(&job.dead_letters)?;
        if let Some(c) = self.checkpointing.as_mut() {
            c.next_id = snap.meta.id + 1;
            c.stats.restored_from = Some(snap.meta.id);
        }
        Ok(())
    }
}
