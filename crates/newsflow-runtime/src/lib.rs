//! # newsflow-runtime
//!
//! Runs the statements of one SQL script as one job.
//!
//! ```text
//!   Job::build(script)                    Job::run()
//!   ─────────────────                     ───────────────────────────────────────────────
//!   catalog ← CREATE TABLE/VIEW, SET       loop: poll every source (round-robin, ≤ batch rows)
//!   for each INSERT / SELECT:                 rows ─► SourceExec ─► … ─► SinkExec
//!     plan (newsflow-sql)                     watermark(partition) ─► min over partitions
//!     → node tree:                                ─► each operator: min over its inputs,
//!        SourceExec per scan                         fire timers, forward its own watermark
//!        CalcExec / AnalyzeExec /              poll asynchronous operators (LLM calls) for
//!        IntervalJoinExec /                      finished rows; pause a pipeline's sources
//!        WindowAggregateExec /                   while its AnalyzeExec is full
//!        NewsImpactExec
//!        SinkExec at the root                  all sources of a pipeline ended ⇒ MAX watermark
//!                                                ⇒ (AnalyzeExec drained) ⇒ every window fires
//!                                                ⇒ sink.finish()
//! ```
//!
//! Invariants
//! * Single-threaded and deterministic for a given input order: a job's result does not
//!   depend on timing unless a source is paced or an idle timeout is set.
//! * Watermarks only move forward, per partition, per source, per operator input.
//! * Every operator's state is bounded by the watermark: join rows and open windows are
//!   dropped as soon as no future row can reach them ([`operators`] documents each).
//! * Rows that arrive too late for an operator are counted in [`JobReport`], never silently
//!   dropped; undecodable input goes to the dead-letter files.
//! * An asynchronous operator ([`operators::analyze`]) emits rows in input order and never
//!   lets its output watermark pass a row it still holds; a pipeline's sink commits only
//!   after it has emitted everything. Its calls run on the LLM crate's own threads, so the
//!   executor thread never blocks on a provider while other work is ready.

mod checkpointing;
pub mod executor;
pub mod job;
pub mod operators;
pub mod watermark;

pub use executor::{CheckpointStats, JobReport, LiveReport, LiveSnapshot, LlmStats, OperatorStats, SourceProgress};
pub use job::{Job, JobOptions, QueryInfo, QueryOutput, QueryWatch, CRASHED};
pub use newsflow_llm::MetricsSnapshot;
