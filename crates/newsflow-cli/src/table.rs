//! A sink that shows rows as a live, aligned table in the terminal.

use newsflow_common::{Result, Row, Schema};
use newsflow_connectors::Sink;

pub struct TableSink {
    widths: Vec<usize>,
    header_done: bool,
    names: Vec<String>,
    pub rows: u64,
}

impl TableSink {
    pub fn new(schema: &Schema, widths: &[usize]) -> Self {
        let names = schema.names();
        let widths = names
            .iter()
            .enumerate()
            .map(|(i, n)| widths.get(i).copied().unwrap_or(n.len().max(10)))
            .collect();
        TableSink {
            widths,
            header_done: false,
            names,
            rows: 0,
        }
    }

    fn line(&self, cells: &[String]) -> String {
        cells
            .iter()
            .zip(&self.widths)
            .map(|(c, w)| {
                let mut s: String = c.chars().take(*w).collect();
                let len = s.chars().count();
                s.extend(std::iter::repeat_n(' ', w - len));
                s
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

impl Sink for TableSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        if !self.header_done {
            self.header_done = true;
            println!("{}", self.line(&self.names));
            println!(
                "{}",
                self.widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("-+-")
            );
        }
        for r in rows {
            let cells: Vec<String> = r
                .iter()
                .map(|v| match v {
                    newsflow_common::Value::Double(d) => format!("{d:.2}"),
                    other => other.to_string(),
                })
                .collect();
            println!("{}", self.line(&cells));
        }
        self.rows += rows.len() as u64;
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}
