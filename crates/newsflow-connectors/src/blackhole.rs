//! `blackhole`: accepts and discards rows (for benchmarks), counting them.

use newsflow_common::{Result, Row};

use crate::{Sink, TableSpec};

#[derive(Default)]
pub struct BlackholeSink {
    pub rows: u64,
}

pub(crate) const OPTIONS: &[&str] = &["connector", "sink.parallelism"];

pub fn create(t: &TableSpec) -> Result<Box<dyn Sink>> {
    // Nothing to configure: 'sink.parallelism' is accepted by the key check and refused
    // as not supported yet.
    t.options.check(t.name, "blackhole", OPTIONS, &[])?;
    Ok(Box::new(BlackholeSink::default()))
}

impl Sink for BlackholeSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        self.rows += rows.len() as u64;
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
    fn guarantee(&self) -> crate::Guarantee {
        crate::Guarantee::ExactlyOnce
    }
}
