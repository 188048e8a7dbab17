//! SinkExec: coerce each row to the sink's column types and hand it to the connector.

use newsflow_common::{DataType, Result, Row};
use newsflow_connectors::Sink;
use newsflow_expr::cast::coerce;

use super::Operator;

pub struct SinkExec {
    table: String,
    sink: Box<dyn Sink>,
    types: Vec<DataType>,
    /// Whether any column needs converting (else rows pass through untouched).
    convert: bool,
    pub rows_written: u64,
    finished: bool,
}

impl SinkExec {
    pub fn new(table: &str, sink: Box<dyn Sink>, types: Vec<DataType>, query_types: &[DataType]) -> Self {
        let convert = types.iter().zip(query_types).any(|(s, q)| !same_repr(q, s));
        SinkExec {
            table: table.to_string(),
            sink,
            types,
            convert,
            rows_written: 0,
            finished: false,
        }
    }
}

fn same_repr(q: &DataType, s: &DataType) -> bool {
    q == s
        || matches!(
            (q, s),
            (DataType::Varchar(_), DataType::Varchar(_))
                | (DataType::Timestamp(_), DataType::Timestamp(_))
                | (DataType::TimestampLtz(_), DataType::TimestampLtz(_))
        )
}

impl Operator for SinkExec {
    fn name(&self) -> String {
        format!("SinkExec({})", self.table)
    }
    fn process(&mut self, _input: usize, mut rows: Vec<Row>, _out: &mut Vec<Row>) -> Result<()> {
        if self.convert {
            for row in rows.iter_mut() {
                for (v, t) in row.iter_mut().zip(&self.types) {
                    *v = coerce(std::mem::take(v), t);
                }
            }
        }
        self.rows_written += rows.len() as u64;
        self.sink.write(&rows)
    }
    fn on_watermark(&mut self, wm: i64, _out: &mut Vec<Row>) -> Result<i64> {
        Ok(wm)
    }
    fn finish(&mut self) -> Result<()> {
        if !self.finished {
            self.finished = true;
            self.sink.finish()?;
        }
        Ok(())
    }
}
