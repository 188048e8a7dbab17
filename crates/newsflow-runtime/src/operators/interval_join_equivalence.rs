//! `IntervalJoinExec` against the plain implementation of Flink's rules it was optimised
//! from (`interval_join_reference`): on random streams — keys of several kinds (strings
//! shared per side as the JSON decoder's interned symbols are, fresh strings, integers, two
//! columns, NULLs), rows out of order and late, bounds of either sign, watermark jumps past
//! the timer wheel, rows far in the future, keys that empty out and come back — both must
//! emit the same rows in the same order, the same watermarks and hold the same number of
//! rows after every step; and so must the optimised operator restored from a snapshot
//! taken at a random step.

use std::sync::Arc;

use newsflow_common::{Chunk, Row, Value};
use newsflow_sql::JoinBounds;

use super::interval_join::IntervalJoinExec;
use super::interval_join_reference::ReferenceJoin;
use super::Operator;
use crate::watermark::MAX_WATERMARK;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Copy, PartialEq)]
enum KeyKind {
    /// One string column; each side shares one `Arc` per symbol (two decoders).
    Interned,
    /// One string column, a fresh `Arc` per row.
    Fresh,
    Int,
    TwoColumns,
}

enum Step {
    Rows(usize, Vec<Row>),
    Watermark(i64),
}

struct Scenario {
    bounds: JoinBounds,
    kind: KeyKind,
    steps: Vec<Step>,
}

fn scenario(rng: &mut Rng) -> Scenario {
    let lower = rng.range(-4000, 1500);
    let upper = lower + rng.range(0, 5000);
    let bounds = JoinBounds { lower, upper };
    let kind = [KeyKind::Interned, KeyKind::Fresh, KeyKind::Int, KeyKind::TwoColumns][rng.below(4) as usize];
    // Sometimes more keys than the string memo has entries, so they collide in it.
    let keys = if rng.chance(20) { 400 } else { 1 + rng.below(8) };
    let symbols: Vec<[Arc<str>; 2]> = (0..keys)
        .map(|k| {
            let s = format!("K{k}");
            [Arc::from(s.as_str()), Arc::from(s.as_str())]
        })
        .collect();
    let mut steps = Vec::new();
    let mut now = rng.range(-6000, 2000);
    let mut wm = i64::MIN;
    let mut id = 0i64;
    let n = 20 + rng.below(120);
    for _ in 0..n {
        if rng.chance(30) {
            // Watermark: behind the newest time, sometimes a jump far ahead (past the wheel).
            let w = if rng.chance(3) {
                now += rng.range(100_000, 50_000_000);
                now
            } else {
                now - rng.range(0, 3000)
            };
            if w > wm {
                wm = w;
                steps.push(Step::Watermark(w));
            }
            continue;
        }
        let input = rng.below(2) as usize;
        let count = 1 + rng.below(6);
        let mut rows = Vec::new();
        for _ in 0..count {
            now += rng.range(0, 400);
            let t = if rng.chance(10) {
                now - rng.range(0, 12_000) // late
            } else if rng.chance(2) {
                now + rng.range(1_000_000, 100_000_000) // far in the future
            } else {
                now - rng.range(0, 1500) // out of order
            };
            let k = rng.below(keys) as usize;
            let null = rng.chance(3);
            let key: Vec<Value> = match kind {
                _ if null && kind != KeyKind::TwoColumns => vec![Value::Null],
                KeyKind::Interned => vec![Value::Str(symbols[k][input].clone())],
                KeyKind::Fresh => vec![Value::str(&format!("K{k}"))],
                KeyKind::Int => vec![Value::Int(k as i32)],
                KeyKind::TwoColumns => vec![
                    Value::Int((k % 3) as i32),
                    if null {
                        Value::Null
                    } else {
                        Value::str(&format!("K{}", k / 3))
                    },
                ],
            };
            let mut row = key;
            row.push(if rng.chance(2) {
                Value::Null
            } else {
                Value::Timestamp(t)
            });
            row.push(Value::BigInt(id));
            id += 1;
            rows.push(row);
        }
        steps.push(Step::Rows(input, rows));
    }
    if rng.chance(50) {
        steps.push(Step::Watermark(MAX_WATERMARK));
    }
    Scenario { bounds, kind, steps }
}

fn key_cols(kind: KeyKind) -> Vec<usize> {
    match kind {
        KeyKind::TwoColumns => vec![0, 1],
        _ => vec![0],
    }
}

/// What one step did: the rows emitted (in order), the output watermark, the rows held.
fn step(op: &mut dyn Operator, s: &Step) -> (Vec<Row>, Option<i64>, usize) {
    let mut out = Chunk::default();
    let wm = match s {
        Step::Rows(input, rows) => {
            op.process(*input, Chunk::inserts(rows.clone()), &mut out).unwrap();
            None
        }
        Step::Watermark(w) => Some(op.on_watermark(*w, &mut out).unwrap()),
    };
    (out.rows, wm, op.state_size())
}

#[test]
fn optimised_join_matches_the_reference_on_random_streams() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut joined = 0;
    for case in 0..1500 {
        let sc = scenario(&mut rng);
        let cols = key_cols(sc.kind);
        let time = cols.len();
        let make = || IntervalJoinExec::new(cols.clone(), cols.clone(), time, time, sc.bounds, None);
        let mut reference = ReferenceJoin::new(cols.clone(), cols.clone(), time, time, sc.bounds, None);
        let mut fast = make();
        // Restore into a fresh operator after this step (none when past the end).
        let cut = rng.below(sc.steps.len() as u64 + 10) as usize;
        for (i, s) in sc.steps.iter().enumerate() {
            let want = step(&mut reference, s);
            let got = step(&mut fast, s);
            joined += want.0.len();
            assert_eq!(got, want, "case {case}, step {i}, bounds {:?}", sc.bounds);
            if i == cut {
                let snap = fast.snapshot(1).unwrap();
                fast = make();
                fast.restore(snap.state.as_deref(), None).unwrap();
            }
        }
    }
    assert!(
        joined > 10_000,
        "the streams join too little to test anything: {joined}"
    );
}
