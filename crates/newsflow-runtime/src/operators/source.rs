//! SourceExec: turns a connector's rows into table rows and event time.
//!
//! For each row: place the physical columns, evaluate computed columns (`event_time AS
//! TO_TIMESTAMP(...)`), read the rowtime. A row whose rowtime is NULL (missing field,
//! unparsable timestamp) cannot be placed in time: it goes to the dead letters with the
//! reason. Each partition's watermark is the maximum of the WATERMARK expression over its
//! rows; the source's watermark is the minimum over partitions that are neither finished
//! nor idle (no rows for `idle_timeout`).
//!
//! The watermark is emitted between rows, as Flink's does: after a row, once it has
//! advanced by more than [`WATERMARK_GRANULARITY_MS`] since the last one emitted. A row is
//! processed under the watermark that stood before it; the advances inside a batch travel
//! with it as marks ([`Polled::marks`]), so late-data decisions do not depend on batch size.
//!
//! Checkpoint: the connector's position ([`Source::position`]) and the per-partition
//! watermark state, so a restored source resumes after the last row it handed out with
//! the watermarks it had.

use std::sync::Arc;
use std::time::{Duration, Instant};

use newsflow_common::{Error, Recent, Result, Row, Value};
use newsflow_connectors::{DeadLetters, Poll, Source};
use newsflow_expr::{EvalError, ScalarExpr};
use newsflow_sql::catalog::{ColumnKind, TableDef};

use crate::watermark::{WatermarkTracker, MAX_WATERMARK, MIN_WATERMARK};

/// Physical row → full row: place the physical columns, evaluate computed columns, and
/// drop (set to NULL) columns nothing downstream reads. A row without event time keeps
/// every column, so its dead letter shows what arrived.
struct Shape {
    width: usize,
    physical: Vec<usize>,
    /// `physical` is `0, 1, …` (the table's physical columns come first, in order).
    physical_first: bool,
    computed: Vec<Computed>,
    unread: Vec<usize>,
    rowtime: Option<usize>,
}

/// A computed column. `TO_TIMESTAMP(col, …)` remembers its last few inputs and results:
/// trades of the same second carry the same text, and out-of-order trades alternate
/// between a few seconds, so most rows skip the parse.
struct Computed {
    col: usize,
    expr: ScalarExpr,
    fallible: bool,
    memo_input: Option<usize>,
    /// Recent inputs and their results.
    memo: Recent<Arc<str>, Value>,
}

/// How many recent inputs a `TO_TIMESTAMP` column remembers.
const MEMO_SIZE: usize = 4;

impl Computed {
    fn new(col: usize, expr: ScalarExpr) -> Self {
        let memo_input = match &expr {
            ScalarExpr::ToTimestamp { arg, .. } => arg.as_column(),
            _ => None,
        };
        Computed {
            col,
            fallible: expr.can_fail(),
            expr,
            memo_input,
            memo: Recent::new(MEMO_SIZE),
        }
    }

    fn eval(&mut self, row: &[Value]) -> Value {
        let Some(Value::Str(input)) = self.memo_input.and_then(|c| row.get(c)) else {
            return self.expr.eval(row);
        };
        if let Some(out) = self.memo.find(|last| Arc::ptr_eq(last, input) || **last == **input) {
            return out.clone();
        }
        let out = self.expr.eval(row);
        self.memo.insert_with(|_| input.clone(), out.clone());
        out
    }

    /// A computed column whose expression can fail (a strict CAST): checked evaluation.
    fn try_eval(&mut self, row: &[Value]) -> Result<Value, EvalError> {
        if self.fallible {
            self.expr.try_eval(row)
        } else {
            Ok(self.eval(row))
        }
    }
}

impl Shape {
    /// The table's row from a physical one; `Err` (the row so far, the failing computed
    /// column, why) when a computed column's expression fails on it.
    fn apply(&mut self, phys: Row) -> std::result::Result<Row, (Row, usize, EvalError)> {
        let mut row = if self.computed.is_empty() && self.physical.len() == self.width {
            phys
        } else {
            let mut row = Vec::with_capacity(self.width);
            if self.physical_first && phys.len() == self.physical.len() {
                // The physical columns in order, then the computed ones: moved as a block.
                row.extend(phys);
                row.resize_with(self.width, || Value::Null);
            } else {
                row.resize_with(self.width, || Value::Null);
                for (v, i) in phys.into_iter().zip(&self.physical) {
                    row[*i] = v;
                }
            }
            for c in &mut self.computed {
                row[c.col] = match c.try_eval(&row) {
                    Ok(v) => v,
                    Err(e) => {
                        let col = c.col;
                        return Err((row, col, e));
                    }
                };
            }
            row
        };
        if self.rowtime.is_none_or(|t| !row[t].is_null()) {
            for i in &self.unread {
                row[*i] = Value::Null;
            }
        }
        Ok(row)
    }
}

/// The least advance of event time that emits a new watermark. Flink emits the watermark
/// every `pipeline.auto-watermark-interval` (200 ms) of processing time; reading a file or a
/// backlog, that is much more than 200 ms of event time, so what decides the golden late-data
/// cases is that a watermark follows every row that moves it by more than this.
pub const WATERMARK_GRANULARITY_MS: i64 = 200;

pub struct SourceExec {
    pub table: String,
    /// Column names (dead letters name a failing computed column).
    columns: Vec<String>,
    pub source: Box<dyn Source>,
    shape: Shape,
    rowtime: Option<(usize, String)>,
    watermark: Option<(ScalarExpr, Option<i64>)>,
    partitions: WatermarkTracker,
    /// The watermark last emitted (between rows; see [`WATERMARK_GRANULARITY_MS`]).
    emitted: i64,
    part_max: Vec<i64>,
    part_done: Vec<bool>,
    /// Partitions another consumer-group member reads (see `Poll::Released`).
    part_released: Vec<bool>,
    last_data: Vec<Instant>,
    idle_timeout: Option<Duration>,
    pub rows_read: u64,
    pub finished: bool,
}

/// A source's part of a checkpoint.
#[derive(serde::Serialize, serde::Deserialize)]
struct SourceSnapshot {
    position: serde_json::Value,
    partitions: WatermarkTracker,
    #[serde(default = "min_watermark")]
    emitted: i64,
    part_max: Vec<i64>,
    part_done: Vec<bool>,
    part_released: Vec<bool>,
}

fn min_watermark() -> i64 {
    MIN_WATERMARK
}

/// What one poll produced.
pub struct Polled {
    pub rows: Vec<Row>,
    /// Watermark advances between the rows: `(i, wm)`, the watermark before row `i`.
    pub marks: Vec<(usize, i64)>,
    /// The source's watermark and idleness, when either changed (after the last row).
    pub watermark: Option<(i64, bool)>,
    pub pending: Option<Option<Instant>>,
}

impl SourceExec {
    /// `used[i]` says whether anything downstream reads column `i` (see `Plan::prune_columns`).
    pub fn new(def: &TableDef, source: Box<dyn Source>, idle_timeout: Option<Duration>, used: &[bool]) -> Self {
        let n = source.partitions();
        let computed = def
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match &c.kind {
                ColumnKind::Computed(e) => Some(Computed::new(i, e.clone())),
                ColumnKind::Physical => None,
            })
            .collect::<Vec<Computed>>();
        // The rowtime and the columns a watermark expression reads are read right here.
        let mut keep = used.to_vec();
        keep.resize(def.columns.len(), true);
        if let Some(w) = &def.watermark {
            keep[w.column] = true;
            w.expr.for_each_column(&mut |i| {
                if let Some(k) = keep.get_mut(i) {
                    *k = true;
                }
            });
        }
        let physical = def.physical_indexes();
        let shape = Shape {
            width: def.columns.len(),
            physical_first: physical.iter().enumerate().all(|(i, c)| i == *c),
            physical,
            computed,
            unread: (0..keep.len()).filter(|i| !keep[*i]).collect(),
            rowtime: def.watermark.as_ref().map(|w| w.column),
        };
        SourceExec {
            table: def.name.clone(),
            columns: def.columns.iter().map(|c| c.name.clone()).collect(),
            source,
            shape,
            rowtime: def
                .watermark
                .as_ref()
                .map(|w| (w.column, def.columns[w.column].name.clone())),
            watermark: def.watermark.as_ref().map(|w| (w.expr.clone(), w.delay_ms)),
            partitions: WatermarkTracker::new(n),
            emitted: MIN_WATERMARK,
            part_max: vec![MIN_WATERMARK; n.max(1)],
            part_done: vec![false; n.max(1)],
            part_released: vec![false; n.max(1)],
            last_data: vec![Instant::now(); n.max(1)],
            idle_timeout,
            rows_read: 0,
            finished: false,
        }
    }

    pub fn has_watermark(&self) -> bool {
        self.watermark.is_some()
    }

    /// The position of the connector and the watermark state, for a checkpoint.
    pub fn snapshot(&self) -> Result<serde_json::Value> {
        let position = self
            .source
            .position()
            .map_err(|e| Error::config(format!("table `{}`: {e}", self.table)))?;
        let snap = SourceSnapshot {
            position,
            partitions: self.partitions.clone(),
            emitted: self.emitted,
            part_max: self.part_max.clone(),
            part_done: self.part_done.clone(),
            part_released: self.part_released.clone(),
        };
        serde_json::to_value(snap).map_err(|e| Error::runtime(format!("table `{}`: {e}", self.table)))
    }

    /// Resume where [`SourceExec::snapshot`] was taken (before the first poll).
    pub fn restore(&mut self, saved: &serde_json::Value) -> Result<()> {
        let snap: SourceSnapshot = serde_json::from_value(saved.clone()).map_err(|e| {
            Error::runtime(format!(
                "table `{}`: the checkpointed source state is unreadable: {e}",
                self.table
            ))
        })?;
        if snap.part_max.len() != self.part_max.len() {
            return Err(Error::config(format!(
                "table `{}` has {} partitions now, the checkpoint has {}: the input changed (start over with --fresh)",
                self.table,
                self.part_max.len(),
                snap.part_max.len()
            )));
        }
        self.source
            .seek(&snap.position)
            .map_err(|e| Error::config(format!("table `{}`: {e}", self.table)))?;
        self.partitions = snap.partitions;
        self.emitted = snap.emitted;
        self.part_max = snap.part_max;
        self.part_done = snap.part_done;
        self.part_released = snap.part_released;
        Ok(())
    }

    pub fn poll(&mut self, max_rows: usize, dead: &mut DeadLetters) -> Result<Polled> {
        let mut polled = Polled {
            rows: Vec::new(),
            marks: Vec::new(),
            watermark: None,
            pending: None,
        };
        match self.source.poll(max_rows, dead)? {
            Poll::Data { partition, rows } => {
                let p = partition.min(self.part_max.len() - 1);
                self.last_data[p] = Instant::now();
                self.part_released[p] = false;
                self.rows_read += rows.len() as u64;
                let mut out = Vec::with_capacity(rows.len());
                let before = self.emitted;
                dead.set_table(&self.table);
                for phys in rows {
                    let row = match self.shape.apply(phys) {
                        Ok(row) => row,
                        Err((row, col, e)) => {
                            dead.record_failure(
                                render(&row).as_bytes(),
                                &format!("computed column `{}`: {e}", self.columns[col]),
                                &self.columns[col],
                                &e.expr,
                            )?;
                            continue;
                        }
                    };
                    if let Some((col, name)) = &self.rowtime {
                        let Some(ts) = row[*col].timestamp() else {
                            dead.record(
                                render(&row).as_bytes(),
                                &format!("event time `{name}` is NULL (a missing field or an unparsable timestamp)"),
                            )?;
                            continue;
                        };
                        let wm = match &self.watermark {
                            Some((_, Some(delay))) => ts.saturating_sub(*delay),
                            Some((e, None)) => e.eval(&row).timestamp().unwrap_or(MIN_WATERMARK),
                            None => MIN_WATERMARK,
                        };
                        if wm > self.part_max[p] {
                            self.part_max[p] = wm;
                            out.push(row);
                            // The source's watermark may move after this row: the rows
                            // that follow are processed under it.
                            self.partitions.update(p, wm, false);
                            let current = self.partitions.current();
                            if current > self.emitted.saturating_add(WATERMARK_GRANULARITY_MS) {
                                self.emitted = current;
                                polled.marks.push((out.len(), current));
                            }
                            continue;
                        }
                    }
                    out.push(row);
                }
                // An advance after the last row is the watermark the executor forwards
                // after the chunk; the ones before it travel with the rows.
                if polled.marks.last().is_some_and(|(i, _)| *i == out.len()) {
                    polled.marks.pop();
                }
                polled.rows = out;
                if self.watermark.is_some() {
                    self.partitions.update(p, self.part_max[p], false);
                    if self.emitted > before {
                        polled.watermark = Some((self.emitted, false));
                    }
                }
            }
            Poll::PartitionEnd(p) => {
                let p = p.min(self.part_done.len() - 1);
                self.part_done[p] = true;
                // A finished partition no longer holds the source's watermark back.
                polled.watermark = self.partitions.update(p, MAX_WATERMARK, true).map(|w| (w, false));
            }
            Poll::Released(p) => {
                let p = p.min(self.part_max.len() - 1);
                // Read elsewhere (another consumer-group member): stop holding the
                // watermark back; rows of it reactivate it.
                self.part_released[p] = true;
                if self.watermark.is_some() {
                    polled.watermark = self.partitions.update(p, self.part_max[p], true).map(|w| (w, false));
                    if self.partitions.all_idle() {
                        // This process reads none of the source's partitions: it must not
                        // hold the job's other inputs back.
                        polled.watermark = Some((self.partitions.current(), true));
                    }
                }
            }
            Poll::Acquired(p) => {
                let p = p.min(self.part_max.len() - 1);
                self.part_released[p] = false;
                self.last_data[p] = Instant::now();
                if self.watermark.is_some() {
                    self.partitions.update(p, self.part_max[p], false);
                }
            }
            Poll::Pending(wake) => polled.pending = Some(wake),
            Poll::Finished => {
                self.finished = true;
                polled.watermark = Some((MAX_WATERMARK, false));
            }
        }
        if let Some((w, _)) = polled.watermark {
            self.emitted = self.emitted.max(w);
        }
        Ok(polled)
    }

    /// Re-evaluate idleness; returns a watermark update when a partition went idle.
    pub fn check_idle(&mut self) -> Option<(i64, bool)> {
        let timeout = self.idle_timeout?;
        if self.watermark.is_none() || self.finished {
            return None;
        }
        let now = Instant::now();
        let mut changed = None;
        for p in 0..self.part_max.len() {
            if self.part_released[p] {
                continue;
            }
            if !self.part_done[p] && now.duration_since(self.last_data[p]) >= timeout {
                if let Some(w) = self.partitions.update(p, self.part_max[p], true) {
                    changed = Some((w, false));
                }
            } else if !self.part_done[p] {
                self.partitions.update(p, self.part_max[p], false);
            }
        }
        if self.partitions.all_idle() && !self.part_done.iter().all(|d| *d) {
            changed = Some((self.partitions.current(), true));
        }
        if let Some((w, _)) = changed {
            self.emitted = self.emitted.max(w);
        }
        changed
    }
}

use super::calc::render;

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_common::time::java_format::JavaDateFormat;

    /// The TO_TIMESTAMP memo gives the parse's answer for every row, whether the input is
    /// the same string object, an equal string, or one of a few alternating seconds.
    #[test]
    fn to_timestamp_memo_returns_what_the_parse_returns() {
        let format = Arc::new(JavaDateFormat::compile("yyyy-MM-dd HH:mm:ss").unwrap());
        let expr = ScalarExpr::ToTimestamp {
            arg: Box::new(ScalarExpr::Column(0)),
            format: Some(format),
        };
        let mut memo = Computed::new(1, expr.clone());
        let shared = Value::str("2025-07-01 09:00:01");
        let inputs = [
            shared.clone(),
            shared.clone(),
            Value::str("2025-07-01 09:00:00"),
            Value::str("2025-07-01 09:00:01"),
            Value::str("2025-07-01 09:00:02"),
            Value::str("2025-07-01 09:00:03"),
            Value::str("2025-07-01 09:00:04"),
            Value::str("2025-07-01 09:00:00"),
            Value::str("not a time"),
            Value::Null,
        ];
        for v in inputs {
            let row = vec![v.clone(), Value::Null];
            assert_eq!(memo.eval(&row), expr.eval(&row), "input {v:?}");
        }
    }
}
