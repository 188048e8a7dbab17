//! CalcExec: filter, then project (stateless).

use newsflow_common::{Result, Row, Value};
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
}

impl Operator for CalcExec {
    fn name(&self) -> String {
        "CalcExec".into()
    }
    fn process(&mut self, _input: usize, rows: Vec<Row>, out: &mut Vec<Row>) -> Result<()> {
        for row in rows {
            if let Some(f) = &self.filter {
                if f.eval(&row) != Value::Bool(true) {
                    continue;
                }
            }
            let projected = match &self.columns {
                Some(cols) if cols.len() == row.len() && cols.iter().enumerate().all(|(i, c)| i == *c) => row,
                Some(cols) => cols.iter().map(|c| row[*c].clone()).collect(),
                None => self.exprs.iter().map(|e| e.eval(&row)).collect(),
            };
            out.push(projected);
        }
        Ok(())
    }
    fn on_watermark(&mut self, wm: i64, _out: &mut Vec<Row>) -> Result<i64> {
        Ok(wm)
    }
}
