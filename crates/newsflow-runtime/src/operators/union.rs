//! UnionExec: UNION ALL. Rows of every input pass through as they come (with their change
//! kinds); the executor gives the operator the minimum of its inputs' watermarks, which
//! it passes on. No state.

use newsflow_common::{Chunk, Result};

use super::Operator;

#[derive(Default)]
pub struct UnionExec;

impl Operator for UnionExec {
    fn name(&self) -> String {
        "UnionExec".into()
    }

    fn process(&mut self, _input: usize, chunk: Chunk, out: &mut Chunk) -> Result<()> {
        let Chunk { rows, kinds, .. } = chunk;
        match kinds {
            None => {
                for row in rows {
                    out.push(row);
                }
            }
            Some(kinds) => {
                for (row, kind) in rows.into_iter().zip(kinds) {
                    out.push_change(kind, row);
                }
            }
        }
        Ok(())
    }

    fn on_watermark(&mut self, wm: i64, _out: &mut Chunk) -> Result<i64> {
        Ok(wm)
    }
}
