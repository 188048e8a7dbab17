//! CalcExec: filter, then project (stateless). Change kinds pass through: a filtered or
//! projected update is still an update.
//!
//! A row on which the filter or an output expression fails (a CAST that cannot convert
//! its value, a DECIMAL division by zero — where Flink fails the job) is not emitted: it is
//! handed to the executor as a [`Rejected`] row, which writes it to the dead letters with
//! the expression, the output column and the reason, and counts it.

use newsflow_common::{Chunk, Result, Row, Value};
use newsflow_expr::{EvalError, ScalarExpr};

use super::{Operator, Rejected};

pub struct CalcExec {
    filter: Option<ScalarExpr>,
    exprs: Vec<ScalarExpr>,
    /// `Some(idx)` when the projection only selects columns, so rows are rearranged without evaluation.
    columns: Option<Vec<usize>>,
    /// Whether the filter / any output expression can fail on a row (checked evaluation).
    filter_fallible: bool,
    fallible: Vec<bool>,
    /// Output column names, for dead letters.
    names: Vec<String>,
    rejected: Vec<Rejected>,
}

impl CalcExec {
    pub fn new(filter: Option<ScalarExpr>, exprs: Vec<ScalarExpr>) -> Self {
        let columns = exprs.iter().map(ScalarExpr::as_column).collect::<Option<Vec<_>>>();
        let filter_fallible = filter.as_ref().is_some_and(ScalarExpr::can_fail);
        let fallible = exprs.iter().map(ScalarExpr::can_fail).collect();
        CalcExec {
            filter,
            exprs,
            columns,
            filter_fallible,
            fallible,
            names: Vec::new(),
            rejected: Vec::new(),
        }
    }

    /// Name the output columns (dead letters say which column failed).
    pub fn with_names(mut self, names: Vec<String>) -> Self {
        self.names = names;
        self
    }

    #[inline]
    fn apply(&mut self, row: Row) -> Option<Row> {
        if let Some(f) = &self.filter {
            let keep = if self.filter_fallible {
                match f.try_eval(&row) {
                    Ok(v) => v,
                    Err(e) => return self.reject(row, "WHERE", e),
                }
            } else {
                f.eval(&row)
            };
            if keep != Value::Bool(true) {
                return None;
            }
        }
        Some(match &self.columns {
            Some(cols) if cols.len() == row.len() && cols.iter().enumerate().all(|(i, c)| i == *c) => row,
            Some(cols) => cols.iter().map(|c| row[*c].clone()).collect(),
            None => {
                let mut out = Vec::with_capacity(self.exprs.len());
                for (i, e) in self.exprs.iter().enumerate() {
                    if self.fallible[i] {
                        match e.try_eval(&row) {
                            Ok(v) => out.push(v),
                            Err(err) => {
                                let column = self.names.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
                                return self.reject(row, &column, err);
                            }
                        }
                    } else {
                        out.push(e.eval(&row));
                    }
                }
                out
            }
        })
    }

    #[cold]
    fn reject(&mut self, row: Row, column: &str, err: EvalError) -> Option<Row> {
        self.rejected.push(Rejected {
            row: render(&row),
            column: column.to_string(),
            expr: err.expr.to_string(),
            reason: err.reason,
        });
        None
    }
}

/// A row as text for dead letters and error messages: `[a, 1, NULL]`.
pub fn render(row: &[Value]) -> String {
    let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
    format!("[{}]", cells.join(", "))
}

impl Operator for CalcExec {
    fn name(&self) -> String {
        "CalcExec".into()
    }
    /// Stateless: watermark marks pass through, at the position of the next row kept.
    fn takes_watermark_marks(&self) -> bool {
        true
    }
    fn process(&mut self, _input: usize, chunk: Chunk, out: &mut Chunk) -> Result<()> {
        let Chunk {
            rows,
            kinds,
            watermarks,
        } = chunk;
        if !watermarks.is_empty() {
            let mut marks = watermarks.into_iter().peekable();
            let mut kinds = kinds.map(Vec::into_iter);
            for (i, row) in rows.into_iter().enumerate() {
                while let Some((_, w)) = marks.next_if(|(at, _)| *at <= i) {
                    out.mark_watermark(w);
                }
                let kind = kinds.as_mut().and_then(Iterator::next);
                if let Some(r) = self.apply(row) {
                    match kind {
                        Some(k) => out.push_change(k, r),
                        None => out.push(r),
                    }
                }
            }
            for (_, w) in marks {
                out.mark_watermark(w);
            }
            return Ok(());
        }
        match kinds {
            None => {
                for row in rows {
                    if let Some(r) = self.apply(row) {
                        out.push(r);
                    }
                }
            }
            Some(kinds) => {
                for (row, kind) in rows.into_iter().zip(kinds) {
                    if let Some(r) = self.apply(row) {
                        out.push_change(kind, r);
                    }
                }
            }
        }
        Ok(())
    }
    fn on_watermark(&mut self, wm: i64, _out: &mut Chunk) -> Result<i64> {
        Ok(wm)
    }
    fn take_rejected(&mut self) -> Vec<Rejected> {
        std::mem::take(&mut self.rejected)
    }
}
