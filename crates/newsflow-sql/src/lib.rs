//! # newsflow-sql
//!
//! The SQL front end and planner for the Flink dialect.
//!
//! ```text
//!  SQL text ──parser──► Statement (CREATE TABLE/VIEW/MODEL/FUNCTION, SET, INSERT, SELECT)
//!                          │
//!                      Catalog (tables with computed columns + watermarks, views, models,
//!                          │    the provider bound to analyze_news, SET options)
//!                          │
//!  INSERT/SELECT ──planner──► Plan tree: Scan → Calc → Analyze → IntervalJoin → WindowAggregate → Calc
//! ```
//!
//! * [`parser`] uses `sqlparser` (DataFusion's parser) for expressions, queries and types,
//!   and adds the Flink DDL the generic dialect lacks (`WATERMARK FOR`, computed columns
//!   `c AS expr`, `PARTITIONED BY`, `WITH (...)`, `SET 'k' = 'v'`). Every error names the
//!   line and column.
//! * [`catalog`] holds table definitions; it does not know connectors — options are checked
//!   by the connector factory when a job is built.
//! * [`planner`] turns a query into a [`plan::Plan`]: it recognises interval joins (an
//!   equality key plus time bounds on the two rowtime attributes), group windows
//!   (`TUMBLE`/`HOP`/`SESSION` in GROUP BY and their `_START`/`_END`/`_ROWTIME`
//!   properties, and the window table-valued functions `TABLE(TUMBLE|HOP|CUMULATE|SESSION(…))`),
//!   `UNION ALL`, and refuses what a streaming engine cannot run (a join without time
//!   bounds, a non-windowed aggregate into an append-only sink).
//! * [`models`]: LLM calls as plan nodes. `analyze_news(x)` bound to a network provider
//!   (`SET 'newsflow.llm.provider'`, `CREATE FUNCTION analyze_news WITH (...)`) and
//!   `ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(col))` over a `CREATE MODEL` become a
//!   [`Plan::Analyze`] node (run asynchronously, in input order, by the runtime); with the
//!   offline analyser `analyze_news` stays an inline scalar function. The parser rewrites
//!   the `TABLE t` / `MODEL m` / `MAP[…]` arguments sqlparser cannot read into a plain call,
//!   keeping every token's position.

pub mod catalog;
pub mod models;
pub mod parser;
pub mod plan;
pub mod planner;

pub use catalog::{Catalog, ColumnDef, TableDef, WatermarkDef};
pub use models::{ModelDef, LLM_SETTING_PREFIX};
pub use parser::{parse_statements, Statement};
pub use plan::{AnalyzeColumn, Benchmark, ImpactColumns, ImpactConfig, JoinBounds, Plan, WindowSpec};
pub use planner::{plan_insert, plan_query, PlannedQuery};
