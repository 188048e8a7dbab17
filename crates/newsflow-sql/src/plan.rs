//! The streaming plan: a tree of operators, each with its output schema.

use std::fmt;

use newsflow_common::Schema;
use newsflow_expr::{AggregateCall, ScalarExpr};

/// Interval join bounds: a pair matches when
/// `lower <= right.time - left.time <= upper` (milliseconds, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinBounds {
    pub lower: i64,
    pub upper: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    Tumble { size: i64 },
    Hop { slide: i64, size: i64 },
    Session { gap: i64 },
}

#[derive(Debug, Clone)]
pub struct WindowSpec {
    pub kind: WindowKind,
    /// The rowtime column of the input the window is defined on.
    pub time_col: usize,
}

#[derive(Debug, Clone)]
pub enum Plan {
    /// Read a catalog table; rows carry every column (physical and computed).
    Scan { table: String, schema: Schema },
    /// Filter, then compute expressions.
    Calc {
        input: Box<Plan>,
        filter: Option<ScalarExpr>,
        exprs: Vec<ScalarExpr>,
        schema: Schema,
    },
    /// Inner interval join on equal keys and time bounds; output = left columns ++ right columns.
    IntervalJoin {
        left: Box<Plan>,
        right: Box<Plan>,
        left_keys: Vec<usize>,
        right_keys: Vec<usize>,
        left_time: usize,
        right_time: usize,
        bounds: JoinBounds,
        /// Other conditions of ON/WHERE, evaluated on the joined row.
        residual: Option<ScalarExpr>,
        schema: Schema,
    },
    /// Group window aggregate; output = keys ++ aggregates ++ [window_start, window_end].
    WindowAggregate {
        input: Box<Plan>,
        window: WindowSpec,
        keys: Vec<ScalarExpr>,
        aggs: Vec<AggregateCall>,
        schema: Schema,
    },
}

impl Plan {
    pub fn schema(&self) -> &Schema {
        match self {
            Plan::Scan { schema, .. }
            | Plan::Calc { schema, .. }
            | Plan::IntervalJoin { schema, .. }
            | Plan::WindowAggregate { schema, .. } => schema,
        }
    }

    fn fmt_indent(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        match self {
            Plan::Scan { table, .. } => writeln!(f, "{pad}Scan: {table}"),
            Plan::Calc {
                input, filter, schema, ..
            } => {
                writeln!(
                    f,
                    "{pad}Calc: [{}]{}",
                    schema.names().join(", "),
                    if filter.is_some() { " with filter" } else { "" }
                )?;
                input.fmt_indent(f, depth + 1)
            }
            Plan::IntervalJoin {
                left,
                right,
                left_keys,
                right_keys,
                bounds,
                ..
            } => {
                writeln!(
                    f,
                    "{pad}IntervalJoin: keys {left_keys:?} = {right_keys:?}, right.time - left.time in [{} ms, {} ms]",
                    bounds.lower, bounds.upper
                )?;
                left.fmt_indent(f, depth + 1)?;
                right.fmt_indent(f, depth + 1)
            }
            Plan::WindowAggregate {
                input,
                window,
                keys,
                aggs,
                ..
            } => {
                writeln!(
                    f,
                    "{pad}WindowAggregate: {:?} on column {}, {} keys, {} aggregates",
                    window.kind,
                    window.time_col,
                    keys.len(),
                    aggs.len()
                )?;
                input.fmt_indent(f, depth + 1)
            }
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_indent(f, 0)
    }
}
