//! Unit tests, one file per concept (all in the crate's single unit-test binary).

mod bounded;
mod determinism;
mod market_hours;
mod news_impact;
mod options;
mod out_of_order;
mod ranges;
mod samples;
mod schedule;
mod sensor;
mod text;
mod throughput;

use crate::GenRow;
use newsflow_common::Value;

pub(crate) fn s(row: &GenRow, i: usize) -> &str {
    row.fields[i].as_str().expect("string field")
}

pub(crate) fn f(row: &GenRow, i: usize) -> f64 {
    match row.fields[i] {
        Value::Double(v) => v,
        ref other => panic!("expected DOUBLE, got {other:?}"),
    }
}

pub(crate) fn i(row: &GenRow, i: usize) -> i32 {
    match row.fields[i] {
        Value::Int(v) => v,
        ref other => panic!("expected INT, got {other:?}"),
    }
}

pub(crate) fn parse_ts(text: &str) -> i64 {
    newsflow_common::time::parse_timestamp(text, Some(b' ')).expect("timestamp text")
}
