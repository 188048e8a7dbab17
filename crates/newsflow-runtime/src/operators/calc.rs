//! CalcExec: filter, then project (stateless). Change kinds pass through: a filtered or
//! projected update is still an update.

use newsflow_common::{Chunk, Result, Row, Value};
use newsflow_expr::ScalarExpr;

use super::Operator;

pub struct CalcExec {
    filter: Option<ScalarExpr>,
    exprs: Vec<ScalarExpr>,
    /// `Some(idx)` when the projection only selects columns, so rows are rearranged without evaluation.
    columns: Option<Vec<usize>>,
}

impl CalcExec {
    pub fn new(filter: Option<ScalarExpr>, exprs: Vec<ScalarExpr>) -> Self {
        let columns = exprs.iter().map(ScalarExpr::as_column).collect::<Option<Vec<_>>>();
        CalcExec { filter, exprs, columns }
    }

    #[inline]
    fn apply(&self, row: Row) -> Option<Row> {
        if let Some(f) = &self.filter {
            if f.eval(&row) != Value::Bool(true) {
                return None;
            }
        }
        Some(match &self.columns {
            Some(cols) if cols.len() == row.len() && cols.iter().enumerate().all(|(i, c)| i == *c) => row,
            Some(cols) => cols.iter().map(|c| row[*c].clone()).collect(),
            None => self.exprs.iter().map(|e| e.eval(&row)).collect(),
        })
    }
}

impl Operator for CalcExec {
    fn name(&self) -> String {
        "CalcExec".into()
    }
    fn process(&mut self, _input: usize, chunk: Chunk, out: &mut Chunk) -> Result<()> {
        let Chunk { rows, kinds, .. } = chunk;
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
}
