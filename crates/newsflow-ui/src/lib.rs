//! # newsflow-ui
//!
//! The web dashboard of `newsflow run --ui-port N` and `newsflow demo`: an axum server on
//! its own thread, the page and uPlot compiled in (no CDN), live updates over Server-Sent
//! Events, a JSON API, and the job's figures as Prometheus text.
//!
//! ```text
//!   executor thread                        dashboard thread (tokio, one thread)
//!   ───────────────                        ───────────────────────────────────────────────
//!   Job::run ── every 500 ms ─► LiveReport ──┐   every 200 ms: ingest
//!   TopicSink ─► topic "n-summary" ─► tap ───┼─►   Model (news ≤ 300, minutes −5…+10 each,
//!   TopicSink ─► topic "analysis"  ─► tap ───┤      reaction sums by label)
//!   bare SELECT's sink ─► WatchedSink ─► QueryBoard (≤ 500 newest rows per query)
//!                                                  ─► broadcast (≤ 4096 events) ─► /api/events
//!   GET /  /assets/*  /api/news  /api/news/{id}/minutes  /api/reaction  /api/pipeline
//!       /api/queries  /api/events (SSE)  /metrics (Prometheus)  /healthz
//! ```
//!
//! * [`QueryBoard::watch`], handed to the job before it is built, wraps every bare
//!   `SELECT`'s sink: the page shows each as a live table (and a bar chart when it has a
//!   text and a number column), like the sources' Studio notebook.
//! * [`start`] taps the job's topics (before it runs: a tap is a reader, so it sees every
//!   record) and binds the port; the returned [`Dashboard`] stops the server when dropped.
//! * The executor publishes a [`newsflow_runtime::LiveSnapshot`] between two loops, at most
//!   every 500 ms, and the final report at the end: `/metrics` after the job ends shows
//!   exactly its `JobReport`.
//! * Bounded: the model keeps [`model::MAX_NEWS`] items; a page that falls more than 4096
//!   events behind gets the whole state again instead of a backlog; the page keeps as many
//!   items as the server.
//! * Bound to 127.0.0.1 by default; any other address needs an access token
//!   ([`UiOptions::token`]), checked on every route but `/healthz`.

mod assets;
pub mod metrics;
pub mod model;
pub mod queries;
mod server;

pub use queries::QueryBoard;
pub use server::{start, Dashboard, UiOptions};

#[cfg(test)]
mod tests;
