//! Streaming operators, one per file, each named for what it does.
//!
//! Lifecycle (after Arroyo's): rows arrive through [`Operator::process`]; when the combined
//! watermark of the operator's inputs advances, [`Operator::on_watermark`] fires timers
//! (closes windows, frees join state) and returns the operator's own output watermark.
//! An *asynchronous* operator ([`analyze::AnalyzeExec`], LLM calls) also finishes work
//! between inputs: the executor polls it every loop ([`Operator::poll_ready`]), waits on it
//! when nothing else moves, pauses its pipeline's sources while it is full, and finishes
//! the pipeline only once it holds nothing.

pub mod analyze;
pub mod calc;
pub mod interval_join;
pub mod sink;
pub mod source;
pub mod window_aggregate;

use std::time::Duration;

use newsflow_common::{Result, Row};
use newsflow_llm::MetricsSnapshot;

pub trait Operator {
    fn name(&self) -> String;
    /// Rows from input `input`; results are appended to `out`.
    fn process(&mut self, input: usize, rows: Vec<Row>, out: &mut Vec<Row>) -> Result<()>;
    /// The combined input watermark advanced to `wm`. Emit what it completes into `out`
    /// and return this operator's output watermark.
    fn on_watermark(&mut self, wm: i64, out: &mut Vec<Row>) -> Result<i64>;
    /// Rows (or open window-key pairs) held in state right now.
    fn state_size(&self) -> usize {
        0
    }
    /// Rows dropped because they arrived after their window fired.
    fn late_rows(&self) -> u64 {
        0
    }
    /// End of job: flush anything buffered.
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
    /// Whether rows wait here on work done outside the executor's thread (LLM calls); the
    /// executor then calls the hooks below on every loop.
    fn is_async(&self) -> bool {
        false
    }
    /// Rows whose outside work has finished, appended to `out` in order; returns a new
    /// output watermark when one is released after them.
    fn poll_ready(&mut self, _out: &mut Vec<Row>) -> Result<Option<i64>> {
        Ok(None)
    }
    /// Rows still held (waiting for outside work, or behind a row that is).
    fn has_pending(&self) -> bool {
        false
    }
    /// Holding so many rows that the pipeline's sources should pause.
    fn backpressured(&self) -> bool {
        false
    }
    /// Block up to `timeout` until some outside work finishes; whether some did.
    fn wait_ready(&mut self, _timeout: Duration) -> bool {
        false
    }
    /// Metrics of the LLM calls this operator makes, if it makes any.
    fn llm_metrics(&self) -> Option<MetricsSnapshot> {
        None
    }
}
