//! Streaming operators, one per file, each named for what it does.
//!
//! Lifecycle (after Arroyo's `ArrowOperator` and Flink's `StreamOperator`):
//!
//! ```text
//!   new ─► [restore(state)] ─► process(chunk) / on_watermark(wm) / on_tick(now) … ─► finish
//!                                   │ every checkpoint: snapshot(id) ─► checkpoint_complete(id)
//! ```
//!
//! * [`Operator::process`] takes a [`Chunk`] (rows with change kinds) from one input and
//!   appends results to `out`. Every operator today takes append-only input and refuses
//!   updates with an error ([`Chunk::into_inserts`]) rather than misreading them.
//! * [`Operator::on_watermark`]: the combined watermark of the inputs advanced; fire
//!   event-time timers (close windows, free join state) and return the output watermark.
//! * [`Operator::on_tick`]: called every executor loop with the wall clock
//!   (processing-time work).
//! * [`Operator::snapshot`] / [`Operator::restore`]: the operator's state at a checkpoint
//!   (bytes, keyed state grouped by key group) and, for a sink, what its commit makes
//!   visible; [`Operator::checkpoint_complete`] runs once the checkpoint is published.
//! * An *asynchronous* operator (LLM calls) also finishes work between inputs; it exposes
//!   that through one capability, [`AsyncOperator`] ([`Operator::as_async`]).

pub mod analyze;
pub mod calc;
pub mod impact_metrics;
pub mod interval_join;
#[cfg(test)]
mod interval_join_equivalence;
#[cfg(test)]
mod interval_join_reference;
pub mod news_impact;
pub mod sink;
pub mod source;
#[cfg(test)]
mod state_round_trip;
pub mod union;
pub mod window_aggregate;

use std::time::{Duration, Instant};

use newsflow_common::{Chunk, Error, Result};
use newsflow_llm::MetricsSnapshot;

/// An input row an operator could not process (an expression failed on it: a CAST that
/// cannot convert its value); the executor writes it to the dead letters and counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The input row as text (`[a, 1, NULL]`).
    pub row: String,
    /// The output column (or `WHERE`) whose expression failed.
    pub column: String,
    /// The failing expression's SQL text.
    pub expr: String,
    /// Why (it names the value: `cannot cast 'x' to INT`).
    pub reason: String,
}

/// What an operator contributes to a checkpoint.
#[derive(Debug, Default)]
pub struct OperatorSnapshot {
    /// Its state (postcard bytes), if it keeps any.
    pub state: Option<Vec<u8>>,
    /// A sink's pre-commit: what its commit makes visible once the checkpoint is published.
    pub commit: Option<serde_json::Value>,
}

pub trait Operator {
    fn name(&self) -> String;
    /// A chunk from input `input`; results are appended to `out`.
    fn process(&mut self, input: usize, chunk: Chunk, out: &mut Chunk) -> Result<()>;
    /// The combined input watermark advanced to `wm`. Emit what it completes into `out`
    /// and return this operator's output watermark.
    fn on_watermark(&mut self, wm: i64, out: &mut Chunk) -> Result<i64>;
    /// Called on every executor loop (processing-time timers).
    fn on_tick(&mut self, _now: Instant, _out: &mut Chunk) -> Result<()> {
        Ok(())
    }
    /// Input rows rejected by the last `process` (they go to the dead letters).
    fn take_rejected(&mut self) -> Vec<Rejected> {
        Vec::new()
    }
    /// Whether the operator takes a chunk with its watermark marks ([`Chunk::watermarks`])
    /// and advances at each itself — a loop over the rows it makes anyway — instead of the
    /// executor splitting the chunk at the marks and calling `process` and `on_watermark`
    /// for each piece. It must then record its output watermark advances as marks in
    /// `out`. With several inputs, the marks it gets are its combined watermark's advances.
    fn takes_watermark_marks(&self) -> bool {
        false
    }
    /// Rows (or open window-key pairs) held in state right now.
    fn state_size(&self) -> usize {
        0
    }
    /// Rows dropped because they arrived after their window fired.
    fn late_rows(&self) -> u64 {
        0
    }
    /// End of input: flush anything buffered. With checkpoints a sink keeps what it flushed
    /// invisible until the next checkpoint commits it.
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
    /// The state to put in checkpoint `checkpoint`.
    fn snapshot(&mut self, _checkpoint: u64) -> Result<OperatorSnapshot> {
        Ok(OperatorSnapshot::default())
    }
    /// Load the state a snapshot of this operator (same id and plan) wrote; `commit` is a
    /// sink's pre-commit in that checkpoint. Called before any input.
    fn restore(&mut self, state: Option<&[u8]>, _commit: Option<&serde_json::Value>) -> Result<()> {
        match state {
            None => Ok(()),
            Some(_) => Err(Error::runtime(format!(
                "{} keeps no state, but the checkpoint has state for it",
                self.name()
            ))),
        }
    }
    /// Checkpoint `checkpoint` is published: commit what its snapshot pre-committed.
    fn checkpoint_complete(&mut self, _checkpoint: u64) -> Result<()> {
        Ok(())
    }
    /// Checkpoints are taken for this job: a sink then commits only through them.
    fn enable_two_phase_commit(&mut self) {}
    /// A sink's rows it could not write and set aside: how many, and where.
    fn sink_rejected(&self) -> Option<(u64, String)> {
        None
    }
    /// The asynchronous capability, if rows wait here on work done outside the executor's
    /// thread.
    fn as_async(&mut self) -> Option<&mut dyn AsyncOperator> {
        None
    }
    fn as_async_ref(&self) -> Option<&dyn AsyncOperator> {
        None
    }
}

/// Rows that wait on work done outside the executor's thread (LLM calls). The executor
/// polls such an operator every loop, waits on it when nothing else moves, pauses its
/// pipeline's sources while it is full, and finishes the pipeline only once it is empty.
pub trait AsyncOperator {
    /// Rows whose outside work has finished, appended to `out` in order; returns a new
    /// output watermark when one is released after them.
    fn poll_ready(&mut self, out: &mut Chunk) -> Result<Option<i64>>;
    /// Rows still held (waiting for outside work, or behind a row that is).
    fn has_pending(&self) -> bool;
    /// Holding so many rows that the pipeline's sources should pause.
    fn backpressured(&self) -> bool;
    /// Block up to `timeout` until some outside work finishes; whether some did.
    fn wait_ready(&mut self, timeout: Duration) -> bool;
    /// Metrics of the outside calls (LLM requests, tokens, latency, cost).
    fn call_metrics(&self) -> Option<MetricsSnapshot>;
}
