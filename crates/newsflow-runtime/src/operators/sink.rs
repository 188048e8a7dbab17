//! SinkExec: coerce each row to the sink's column types and hand it to the connector.
//!
//! With checkpoints it runs the sink's two-phase commit: a snapshot pre-commits (what was
//! written becomes durable, not visible) and remembers the committable; when the
//! checkpoint is published, [`Operator::checkpoint_complete`] commits it; a restore
//! recovers the checkpoint's committable (commit again, discard what came after). The end
//! of input then only flushes: the job's final checkpoint commits the rest.

use std::collections::BTreeMap;

use newsflow_common::{Chunk, DataType, Result};
use newsflow_connectors::Sink;
use newsflow_expr::cast::coerce;

use super::{Operator, OperatorSnapshot};

pub struct SinkExec {
    table: String,
    sink: Box<dyn Sink>,
    types: Vec<DataType>,
    /// The columns whose values need converting to the sink's type (none: rows pass
    /// through untouched).
    convert: Vec<usize>,
    pub rows_written: u64,
    finished: bool,
    /// Checkpoints are on: commit only through them.
    two_phase: bool,
    /// Pre-commits of checkpoints not yet published, by checkpoint id.
    pending: BTreeMap<u64, serde_json::Value>,
}

impl SinkExec {
    pub fn new(table: &str, sink: Box<dyn Sink>, types: Vec<DataType>, query_types: &[DataType]) -> Self {
        let convert = types
            .iter()
            .zip(query_types)
            .enumerate()
            .filter(|(_, (s, q))| !same_repr(q, s))
            .map(|(i, _)| i)
            .collect();
        SinkExec {
            table: table.to_string(),
            sink,
            types,
            convert,
            rows_written: 0,
            finished: false,
            two_phase: false,
            pending: BTreeMap::new(),
        }
    }
}

/// Values of query type `q` are already values of sink type `s`. A TIME into a TIME of the
/// same or a higher precision is left as it is, as Flink inserts no cast there (a TIME(0)
/// that holds milliseconds keeps them); into a lower precision it is cut.
fn same_repr(q: &DataType, s: &DataType) -> bool {
    q == s
        || matches!(
            (q, s),
            (DataType::Varchar(_), DataType::Varchar(_))
                | (DataType::Timestamp(_), DataType::Timestamp(_))
                | (DataType::TimestampLtz(_), DataType::TimestampLtz(_))
                | (DataType::Bytes(_), DataType::Bytes(_))
        )
        || matches!((q, s), (DataType::Time(p), DataType::Time(r)) if p <= r)
        || matches!((q, s), (DataType::Array(a), DataType::Array(b)) if same_repr(a, b))
}

impl Operator for SinkExec {
    fn name(&self) -> String {
        format!("SinkExec({})", self.table)
    }
    fn process(&mut self, _input: usize, chunk: Chunk, _out: &mut Chunk) -> Result<()> {
        let mut rows = chunk.into_inserts(&self.name())?;
        if !self.convert.is_empty() {
            for row in rows.iter_mut() {
                for &i in &self.convert {
                    if let (Some(v), Some(t)) = (row.get_mut(i), self.types.get(i)) {
                        *v = coerce(std::mem::take(v), t);
                    }
                }
            }
        }
        self.rows_written += rows.len() as u64;
        self.sink.write(&rows)
    }
    /// Nothing follows a sink: the marks inside a chunk are ignored; the sink hears the
    /// watermark after the chunk (partition-time commits happen at checkpoints anyway).
    fn takes_watermark_marks(&self) -> bool {
        true
    }
    fn on_watermark(&mut self, wm: i64, _out: &mut Chunk) -> Result<i64> {
        self.sink.watermark(wm);
        Ok(wm)
    }
    fn on_tick(&mut self, now: std::time::Instant, _out: &mut Chunk) -> Result<()> {
        self.sink.tick(now)
    }
    fn finish(&mut self) -> Result<()> {
        if !self.finished {
            self.finished = true;
            if self.two_phase {
                self.sink.end_of_input()?;
            } else {
                self.sink.finish()?;
            }
        }
        Ok(())
    }
    fn enable_two_phase_commit(&mut self) {
        self.two_phase = true;
        self.sink.enable_two_phase_commit();
    }
    fn sink_rejected(&self) -> Option<(u64, String)> {
        self.sink.rejected()
    }
    fn snapshot(&mut self, checkpoint: u64) -> Result<OperatorSnapshot> {
        let commit = self.sink.pre_commit(checkpoint)?;
        self.pending.insert(checkpoint, commit.clone());
        Ok(OperatorSnapshot {
            state: None,
            commit: Some(commit),
        })
    }
    fn checkpoint_complete(&mut self, checkpoint: u64) -> Result<()> {
        let done: Vec<u64> = self.pending.range(..=checkpoint).map(|(k, _)| *k).collect();
        for id in done {
            if let Some(c) = self.pending.remove(&id) {
                self.sink.commit(&c)?;
            }
        }
        Ok(())
    }
    fn restore(&mut self, state: Option<&[u8]>, commit: Option<&serde_json::Value>) -> Result<()> {
        if state.is_some() {
            return Err(newsflow_common::Error::runtime(format!(
                "{}: the checkpoint holds operator state for a sink",
                self.name()
            )));
        }
        self.sink.recover(commit)
    }
}
