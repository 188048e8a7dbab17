//! The streaming plan: a tree of operators, each with its output schema.

use std::fmt;

use newsflow_common::Schema;
use newsflow_expr::{AggregateCall, ScalarExpr};
use newsflow_llm::ProviderConfig;

/// What one column an [`Plan::Analyze`] appends holds, per input row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyzeColumn {
    /// The whole answer as the UDF's JSON text, `{"label":"good","summary":"…"}` or
    /// `{"label":"error","summary":"","error":"…"}` (what `analyze_news` returns).
    Json,
    /// `good`, `bad`, `neutral`, or `error` when the call failed.
    Label,
    /// In `[-1, 1]`; NULL when the call failed.
    Score,
    /// One line; NULL when the call failed.
    Summary,
    /// NULL on success, else `<kind>: <reason>`.
    Error,
}

/// Interval join bounds: a pair matches when
/// `lower <= right.time - left.time <= upper` (milliseconds, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinBounds {
    pub lower: i64,
    pub upper: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    Tumble {
        size: i64,
    },
    Hop {
        slide: i64,
        size: i64,
    },
    Session {
        gap: i64,
    },
    /// Flink's CUMULATE: windows `[start, start + step)`, `[start, start + 2 step)`, … up to
    /// `[start, start + size)`, `start` a multiple of `size`.
    Cumulate {
        step: i64,
        size: i64,
    },
}

#[derive(Debug, Clone)]
pub struct WindowSpec {
    pub kind: WindowKind,
    /// The rowtime column of the input the window is defined on.
    pub time_col: usize,
}

/// The market benchmark abnormal returns are measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Benchmark {
    /// The equal-weighted average of every other symbol in the trade stream.
    EqualWeighted,
    /// One symbol of the trade stream (an index such as `KOSPI` or `SPY`).
    Symbol(String),
}

/// The settings of `NEWS_IMPACT` (see `newsflow_runtime::operators::news_impact` for
/// what each figure means).
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactConfig {
    pub benchmark: Benchmark,
    /// The market model's estimation window before the news, ms (a whole number of minutes).
    pub beta_window_ms: i64,
    /// Fewest one-minute return pairs the market model is fitted on; fewer give a NULL beta.
    pub min_beta_pairs: usize,
    /// An abnormal 10-minute return within ±this is a `neutral` move.
    pub neutral_band: f64,
}

impl Default for ImpactConfig {
    fn default() -> Self {
        ImpactConfig {
            benchmark: Benchmark::EqualWeighted,
            beta_window_ms: 60 * 60_000,
            min_beta_pairs: 10,
            neutral_band: 0.005,
        }
    }
}

/// Where `NEWS_IMPACT` finds what it needs in its two inputs (column indexes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImpactColumns {
    pub news_symbol: usize,
    pub news_time: usize,
    pub news_label: usize,
    pub trade_symbol: usize,
    pub trade_time: usize,
    pub trade_price: usize,
    pub trade_volume: usize,
}

#[derive(Debug, Clone)]
pub enum Plan {
    /// Read a catalog table; rows carry every column (physical and computed). Columns
    /// with `used[i] == false` are read no further than the scan (see [`Plan::prune_columns`]).
    Scan {
        table: String,
        schema: Schema,
        used: Vec<bool>,
    },
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
    /// Analyse a text per row through an LLM provider; output = input columns ++ one column
    /// per [`AnalyzeColumn`]. The runtime calls the provider asynchronously (bounded in
    /// flight) and emits rows in input order, holding the watermark back meanwhile.
    Analyze {
        input: Box<Plan>,
        /// The text, evaluated on the input row.
        text: ScalarExpr,
        /// Provider, model, limits (never a secret).
        config: Box<ProviderConfig>,
        columns: Vec<AnalyzeColumn>,
        /// What the plan shows: `analyze_news(news_content)`, `ML_PREDICT(MODEL m)`.
        call: String,
        schema: Schema,
    },
    /// UNION ALL: the rows of every input, as they come; the watermark is the minimum over
    /// the inputs. Every input has the output's column count and types.
    Union { inputs: Vec<Plan>, schema: Schema },
    /// `NEWS_IMPACT`: per news row, once the watermark passes its time + 10 minutes, the
    /// row followed by what its stock did around it; output = news columns ++ the impact
    /// columns (`newsflow_runtime::operators::news_impact::IMPACT_COLUMNS`).
    NewsImpact {
        news: Box<Plan>,
        trades: Box<Plan>,
        columns: ImpactColumns,
        config: ImpactConfig,
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
            | Plan::Analyze { schema, .. }
            | Plan::WindowAggregate { schema, .. }
            | Plan::NewsImpact { schema, .. }
            | Plan::Union { schema, .. } => schema,
        }
    }

    /// Mark the columns of every scan that nothing above the scan reads, so the scan can
    /// drop them (a `stock_time` string that only feeds a computed column is not carried
    /// into join state). Every column of the plan's own output counts as read.
    pub fn prune_columns(&mut self) {
        let width = self.schema().len();
        self.require(&vec![true; width]);
    }

    fn require(&mut self, needed: &[bool]) {
        fn mark(e: &ScalarExpr, into: &mut [bool]) {
            e.for_each_column(&mut |i| {
                if let Some(u) = into.get_mut(i) {
                    *u = true;
                }
            });
        }
        match self {
            Plan::Scan { used, .. } => {
                for (u, n) in used.iter_mut().zip(needed) {
                    *u = *n;
                }
            }
            Plan::Calc {
                input, filter, exprs, ..
            } => {
                let mut req = vec![false; input.schema().len()];
                for e in filter.iter().chain(exprs.iter()) {
                    mark(e, &mut req);
                }
                input.require(&req);
            }
            Plan::Analyze { input, text, .. } => {
                let width = input.schema().len();
                let mut req: Vec<bool> = needed.iter().copied().take(width).collect();
                req.resize(width, false);
                mark(text, &mut req);
                input.require(&req);
            }
            Plan::IntervalJoin {
                left,
                right,
                left_keys,
                right_keys,
                left_time,
                right_time,
                residual,
                ..
            } => {
                let lw = left.schema().len();
                let mut req: Vec<bool> = needed.to_vec();
                req.resize(lw + right.schema().len(), false);
                if let Some(r) = residual {
                    mark(r, &mut req);
                }
                let (l, r) = req.split_at_mut(lw);
                for k in left_keys.iter().chain(std::iter::once(&*left_time)) {
                    l[*k] = true;
                }
                for k in right_keys.iter().chain(std::iter::once(&*right_time)) {
                    r[*k] = true;
                }
                left.require(l);
                right.require(r);
            }
            Plan::Union { inputs, .. } => {
                for input in inputs {
                    input.require(needed);
                }
            }
            Plan::NewsImpact {
                news, trades, columns, ..
            } => {
                let width = news.schema().len();
                let mut n: Vec<bool> = needed.iter().copied().take(width).collect();
                n.resize(width, false);
                for c in [columns.news_symbol, columns.news_time, columns.news_label] {
                    n[c] = true;
                }
                let mut t = vec![false; trades.schema().len()];
                for c in [
                    columns.trade_symbol,
                    columns.trade_time,
                    columns.trade_price,
                    columns.trade_volume,
                ] {
                    t[c] = true;
                }
                news.require(&n);
                trades.require(&t);
            }
            Plan::WindowAggregate {
                input,
                window,
                keys,
                aggs,
                ..
            } => {
                let mut req = vec![false; input.schema().len()];
                if let Some(t) = req.get_mut(window.time_col) {
                    *t = true;
                }
                for e in keys
                    .iter()
                    .chain(aggs.iter().flat_map(|a| a.arg.iter().chain(a.filter.iter())))
                {
                    mark(e, &mut req);
                }
                input.require(&req);
            }
        }
    }

    fn fmt_indent(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        match self {
            Plan::Scan { table, schema, used } => {
                let pruned: Vec<&str> = schema
                    .fields
                    .iter()
                    .zip(used)
                    .filter(|(_, u)| !**u)
                    .map(|(c, _)| c.name.as_str())
                    .collect();
                if pruned.is_empty() {
                    writeln!(f, "{pad}Scan: {table}")
                } else {
                    writeln!(f, "{pad}Scan: {table} (dropped after the scan: {})", pruned.join(", "))
                }
            }
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
            Plan::Analyze {
                input, config, call, ..
            } => {
                writeln!(
                    f,
                    "{pad}Analyze: {call} via {} {} (async, ≤ {} in flight, input order kept, watermark held)",
                    config.provider, config.model, config.max_in_flight
                )?;
                input.fmt_indent(f, depth + 1)
            }
            Plan::NewsImpact {
                news, trades, config, ..
            } => {
                let benchmark = match &config.benchmark {
                    Benchmark::EqualWeighted => "equal-weighted".to_string(),
                    Benchmark::Symbol(s) => format!("symbol {s}"),
                };
                writeln!(
                    f,
                    "{pad}NewsImpact: benchmark {benchmark}, beta window {} min, neutral band {}",
                    config.beta_window_ms / 60_000,
                    config.neutral_band
                )?;
                news.fmt_indent(f, depth + 1)?;
                trades.fmt_indent(f, depth + 1)
            }
            Plan::Union { inputs, .. } => {
                writeln!(f, "{pad}Union: all rows of {} inputs", inputs.len())?;
                for input in inputs {
                    input.fmt_indent(f, depth + 1)?;
                }
                Ok(())
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
