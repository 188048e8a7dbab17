//! Streaming operators, one per file, each named for what it does.
//!
//! Lifecycle (after Arroyo's): rows arrive through [`Operator::process`]; when the combined
//! watermark of the operator's inputs advances, [`Operator::on_watermark`] fires timers
//! (closes windows, frees join state) and returns the operator's own output watermark.

pub mod calc;
pub mod interval_join;
pub mod sink;
pub mod source;
pub mod window_aggregate;

use newsflow_common::{Result, Row};

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
}
