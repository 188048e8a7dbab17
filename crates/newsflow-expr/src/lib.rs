//! # newsflow-expr
//!
//! Scalar expressions and aggregates, the way Flink SQL types and evaluates them.
//!
//! ```text
//!  sqlparser::ast::Expr ──compile(Scope)──► ScalarExpr (typed, columns resolved to indexes)
//!                                               │
//!                            row: &[Value] ──eval──► Value
//!
//!  AggregateCall ──► Accumulator (update per row, merge panes, final value)
//! ```
//!
//! * [`compile`] resolves names against a [`Schema`](newsflow_common::Schema), checks and
//!   infers types, folds `INTERVAL` literals and compiles constant date patterns once.
//! * Like Flink's built-in functions, an input a function cannot handle (unparsable
//!   `TO_TIMESTAMP`) yields `NULL`. The forms where Flink fails the job instead — a `CAST`
//!   that cannot convert its value (`CAST('x' AS INT)`), a DECIMAL division by zero — are
//!   reported by [`ScalarExpr::try_eval`] as an [`EvalError`] (expression text and reason);
//!   the projection/filter operator sends such a row to the dead letters. `TRY_CAST` gives
//!   `NULL`. [`ScalarExpr::eval`] is the lenient form (failures are `NULL`) for expressions
//!   that [`ScalarExpr::can_fail`] says cannot fail; it costs nothing extra.
//! * DECIMAL(p, s) is exact (`newsflow_common::decimal`), with Flink's result types for
//!   + − × ÷ % (`ScalarExpr::Decimal` carries the result type).
//! * [`registry`]: functions other crates register (the offline analyser's
//!   `analyze_news`), so this crate depends on none of them.
//! * [`aggregate`] holds COUNT, COUNT(DISTINCT), SUM, AVG, MIN, MAX with Flink's result
//!   types (`AVG(INT)` is an INT, truncated; `SUM(DECIMAL(p, s))` is DECIMAL(38, s)).
//!
//! Why not DataFusion's physical expressions: see ARCHITECTURE.md ("Rows, not Arrow, on
//! the hot path").

pub mod aggregate;
pub mod cast;
pub mod compile;
pub mod expr;
pub mod functions;
pub mod registry;
pub mod time_unit;

pub use aggregate::{Accumulator, AggKind, AggregateCall};
pub use compile::{compile, interval_millis, Scope};
pub use expr::{BinOp, EvalError, OnError, ScalarExpr};
