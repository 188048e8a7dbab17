//! State round-trips: for each stateful operator, a stream is fed through one operator
//! without a stop, and again with a snapshot after every step restored into a *fresh*
//! operator that finishes the stream. Both must emit the same rows (as a multiset: hash
//! maps do not keep order across a restore) and the same watermarks.

use newsflow_common::{Chunk, DataType, Row, Value};
use newsflow_expr::{AggKind, AggregateCall, ScalarExpr};
use newsflow_sql::plan::WindowKind;
use newsflow_sql::JoinBounds;
use newsflow_state::{key_group, KeyGroupRange};

use super::interval_join::IntervalJoinExec;
use super::window_aggregate::WindowAggregateExec;
use super::Operator;
use crate::watermark::MAX_WATERMARK;

#[derive(Clone)]
enum Step {
    Rows(usize, Vec<Row>),
    Watermark(i64),
}

/// Feed `steps` into `op`; returns what it emitted, one entry per row or watermark.
fn feed(op: &mut dyn Operator, steps: &[Step], out: &mut Vec<String>) {
    for s in steps {
        let mut chunk = Chunk::default();
        match s {
            Step::Rows(input, rows) => op.process(*input, rows.clone().into(), &mut chunk).unwrap(),
            Step::Watermark(wm) => {
                let w = op.on_watermark(*wm, &mut chunk).unwrap();
                out.push(format!("wm {w}"));
            }
        }
        let mut rows: Vec<String> = chunk.rows.iter().map(|r| format!("{r:?}")).collect();
        rows.sort();
        out.extend(rows);
    }
}

/// The stream through one operator, and through a snapshot/restore at every step.
fn round_trips(make: &dyn Fn() -> Box<dyn Operator>, steps: &[Step]) {
    let mut whole = Vec::new();
    feed(make().as_mut(), steps, &mut whole);
    assert!(whole.iter().any(|l| !l.starts_with("wm")), "the stream emits no rows");
    for cut in 0..=steps.len() {
        let mut out = Vec::new();
        let mut first = make();
        feed(first.as_mut(), &steps[..cut], &mut out);
        let snap = first.snapshot(1).unwrap();
        drop(first);
        let mut second = make();
        second.restore(snap.state.as_deref(), snap.commit.as_ref()).unwrap();
        feed(second.as_mut(), &steps[cut..], &mut out);
        assert_eq!(out, whole, "restored after step {cut} of {}", steps.len());
    }
}

fn trade(symbol: &str, t: i64, price: f64) -> Row {
    vec![Value::str(symbol), Value::Timestamp(t), Value::Double(price)]
}

fn trades_with_watermarks(input: usize) -> Vec<Step> {
    let mut steps = Vec::new();
    for i in 0..40i64 {
        // Out of order by a few seconds, three symbols.
        let t = i * 7_000 - (i % 3) * 2_000;
        let sym = ["A", "B", "C"][(i % 3) as usize];
        steps.push(Step::Rows(input, vec![trade(sym, t, 10.0 + i as f64 / 8.0)]));
        if i % 4 == 3 {
            steps.push(Step::Watermark(t - 5_000));
        }
    }
    steps.push(Step::Watermark(MAX_WATERMARK));
    steps
}

fn aggs() -> Vec<AggregateCall> {
    let x = || Some(ScalarExpr::Column(2));
    vec![
        AggregateCall::plain(AggKind::CountStar, None, DataType::BigInt, DataType::BigInt),
        AggregateCall::plain(AggKind::Avg, x(), DataType::Double, DataType::Double),
        AggregateCall {
            distinct: true,
            ..AggregateCall::plain(AggKind::Count, x(), DataType::Double, DataType::BigInt)
        },
        AggregateCall::plain(AggKind::Max, x(), DataType::Double, DataType::Double),
    ]
}

const WINDOW_KINDS: [WindowKind; 4] = [
    WindowKind::Tumble { size: 60_000 },
    WindowKind::Hop {
        slide: 10_000,
        size: 60_000,
    },
    WindowKind::Session { gap: 6_000 },
    WindowKind::Cumulate {
        step: 10_000,
        size: 60_000,
    },
];

/// The join of the tests: news (left) with trades (right) from 30 s before to 60 s after.
fn join(range: KeyGroupRange) -> Box<dyn Operator> {
    let bounds = JoinBounds {
        lower: -30_000,
        upper: 60_000,
    };
    Box::new(IntervalJoinExec::new(vec![0], vec![0], 1, 1, bounds, None).with_key_groups(range))
}

#[test]
fn window_aggregate_state_round_trips() {
    for kind in WINDOW_KINDS {
        let make = move || -> Box<dyn Operator> {
            Box::new(WindowAggregateExec::new(kind, 1, vec![ScalarExpr::Column(0)], aggs()))
        };
        round_trips(&make, &trades_with_watermarks(0));
    }
}

#[test]
fn interval_join_state_round_trips() {
    let make = || join(KeyGroupRange::ALL);
    // News (left) every 50 s for each symbol, trades (right) interleaved.
    let mut steps = Vec::new();
    for (i, s) in trades_with_watermarks(1).into_iter().enumerate() {
        if i % 7 == 0 {
            let t = i as i64 * 5_000;
            steps.push(Step::Rows(0, vec![trade(["A", "B", "C"][i % 3], t, 0.0)]));
        }
        steps.push(s);
    }
    round_trips(&make, &steps);
}

#[test]
fn analyze_state_round_trips_rows_held_in_its_queue() {
    use newsflow_llm::ProviderConfig;
    use newsflow_sql::AnalyzeColumn;
    // The offline analyser answers inline, so rows are held only behind a watermark;
    // the queue (rows and the watermarks after them) is what the snapshot carries.
    let make = || -> Box<dyn Operator> {
        Box::new(
            super::analyze::AnalyzeExec::new(
                "t",
                ScalarExpr::Column(0),
                vec![AnalyzeColumn::Label],
                ProviderConfig::default(),
            )
            .unwrap(),
        )
    };
    let steps: Vec<Step> = (0..10)
        .flat_map(|i| {
            [
                Step::Rows(
                    0,
                    vec![vec![Value::str(&format!("Intel beats estimates {i}")), Value::Int(i)]],
                ),
                Step::Watermark(i as i64 * 1000),
            ]
        })
        .collect();
    round_trips(&make, &steps);
}

/// Rows only (no watermark lines), sorted.
fn rows_of(lines: &[String]) -> Vec<String> {
    let mut v: Vec<String> = lines.iter().filter(|l| !l.starts_with("wm")).cloned().collect();
    v.sort();
    v
}

/// Keyed state is written by key group, so a snapshot taken at parallelism 1 restores
/// into 4 instances, each keeping only its key groups; with rows routed by key group and
/// watermarks broadcast, the 4 together emit what the one would have.
fn rescales(make: &dyn Fn(KeyGroupRange) -> Box<dyn Operator>, steps: &[Step]) {
    let mut whole = Vec::new();
    feed(make(KeyGroupRange::ALL).as_mut(), steps, &mut whole);
    let cut = steps.len() / 2;
    let mut out = Vec::new();
    let mut one = make(KeyGroupRange::ALL);
    feed(one.as_mut(), &steps[..cut], &mut out);
    let snap = one.snapshot(1).unwrap();
    let mut four: Vec<Box<dyn Operator>> = (0..4)
        .map(|i| {
            let mut op = make(KeyGroupRange::for_instance(i, 4));
            op.restore(snap.state.as_deref(), None).unwrap();
            op
        })
        .collect();
    let owner = |row: &Row| {
        let g = key_group(&row[..1]);
        (0..4).find(|i| KeyGroupRange::for_instance(*i, 4).contains(g)).unwrap() as usize
    };
    let owners: std::collections::BTreeSet<usize> =
        ["A", "B", "C"].iter().map(|k| owner(&vec![Value::str(k)])).collect();
    assert!(owners.len() >= 2, "every key falls to one instance: {owners:?}");
    for s in &steps[cut..] {
        match s {
            Step::Rows(input, rows) => {
                for row in rows {
                    let i = owner(row);
                    feed(four[i].as_mut(), &[Step::Rows(*input, vec![row.clone()])], &mut out);
                }
            }
            Step::Watermark(_) => {
                for op in four.iter_mut() {
                    feed(op.as_mut(), std::slice::from_ref(s), &mut out);
                }
            }
        }
    }
    assert_eq!(rows_of(&out), rows_of(&whole));
}

#[test]
fn keyed_state_taken_at_parallelism_1_restores_at_4() {
    for kind in WINDOW_KINDS {
        let make = move |r: KeyGroupRange| -> Box<dyn Operator> {
            Box::new(WindowAggregateExec::new(kind, 1, vec![ScalarExpr::Column(0)], aggs()).with_key_groups(r))
        };
        rescales(&make, &trades_with_watermarks(0));
    }
    let mut steps = Vec::new();
    for (i, s) in trades_with_watermarks(1).into_iter().enumerate() {
        if i % 5 == 0 {
            steps.push(Step::Rows(
                0,
                vec![trade(["A", "B", "C"][i % 3], i as i64 * 5_000, 0.0)],
            ));
        }
        steps.push(s);
    }
    rescales(&join, &steps);
}
