//! The interval join as first written to Flink's rules (a binary heap of cleanup timers,
//! one firing per key and side at a time), kept only to check the optimised
//! `IntervalJoinExec` against it on random streams (`interval_join_equivalence`). No
//! snapshots: restores are checked on the optimised operator itself.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use hashbrown::HashMap;
use newsflow_common::{Chunk, Result, Row, Value};
use newsflow_expr::ScalarExpr;
use newsflow_sql::JoinBounds;

use super::Operator;
use crate::watermark::{MAX_WATERMARK, MIN_WATERMARK};

type Key = Vec<Value>;

const LEFT: usize = 0;
const RIGHT: usize = 1;

/// One side's rows for one key, sorted by time, and the cleanup timer registered for them.
#[derive(Default)]
struct Cache {
    rows: VecDeque<(i64, Row)>,
    timer: Option<i64>,
}

impl Cache {
    /// Insert keeping time order; rows arrive nearly in order, so this walks back a few.
    fn insert(&mut self, t: i64, row: Row) {
        if self.rows.back().is_none_or(|(last, _)| *last <= t) {
            self.rows.push_back((t, row));
            return;
        }
        let mut i = self.rows.len();
        while i > 0 && self.rows[i - 1].0 > t {
            i -= 1;
        }
        self.rows.insert(i, (t, row));
    }

    /// Rows with `lo <= time <= hi`.
    fn range(&self, lo: i64, hi: i64) -> impl Iterator<Item = &Row> {
        let start = self.rows.partition_point(|(t, _)| *t < lo);
        self.rows
            .range(start..)
            .take_while(move |(t, _)| *t <= hi)
            .map(|(_, r)| r)
    }

    /// Drop rows with `time <= expiration`; returns how many. Walks from the front: an
    /// eviction usually drops a few of many rows (a binary search over a large cache costs
    /// more in cache misses).
    fn evict(&mut self, expiration: i64) -> usize {
        let mut n = 0;
        while self.rows.front().is_some_and(|(t, _)| *t <= expiration) {
            self.rows.pop_front();
            n += 1;
        }
        n
    }
}

#[derive(Default)]
struct KeyState {
    sides: [Cache; 2],
}

pub struct ReferenceJoin {
    keys: [Vec<usize>; 2],
    time: [usize; 2],
    /// How far behind a cached row of each side the other side's rows may be.
    size: [i64; 2],
    residual: Option<ScalarExpr>,
    /// Key → its slot in `slots`. Timers name a slot, so firing one neither copies nor
    /// hashes a key (the cache of trades re-arms its timer on every watermark advance).
    index: HashMap<Key, u32>,
    slots: Vec<Option<(Key, KeyState)>>,
    free: Vec<u32>,
    /// Flink's expiration time per side: the cache of that side has been cleaned up to here.
    expiration: [i64; 2],
    /// Cleanup timers, earliest first: (time, slot, side). One entry per armed timer.
    timers: BinaryHeap<Reverse<(i64, u32, u8)>>,
    wm: i64,
    delay: i64,
    cached: usize,
}

impl ReferenceJoin {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        left_keys: Vec<usize>,
        right_keys: Vec<usize>,
        left_time: usize,
        right_time: usize,
        bounds: JoinBounds,
        residual: Option<ScalarExpr>,
    ) -> Self {
        let delay = bounds.upper.max(-bounds.lower).max(0);
        ReferenceJoin {
            keys: [left_keys, right_keys],
            time: [left_time, right_time],
            size: [bounds.upper, bounds.lower.saturating_neg()],
            residual,
            index: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            expiration: [0; 2],
            timers: BinaryHeap::new(),
            wm: MIN_WATERMARK,
            delay,
            cached: 0,
        }
    }

    /// Forget every key (end of input, restore).
    fn clear(&mut self) {
        self.index.clear();
        self.slots.clear();
        self.free.clear();
        self.timers.clear();
        self.cached = 0;
    }

    /// Flink's operator time: the watermark, never below 0.
    fn operator_time(&self) -> i64 {
        self.wm.max(0)
    }
}

/// Rows of a cache at or below this time can no longer be matched (Flink's
/// `calExpirationTime`, with no allowed lateness).
fn expiration_time(operator_time: i64, size: i64) -> i64 {
    if operator_time < MAX_WATERMARK {
        operator_time.saturating_sub(size).saturating_sub(1)
    } else {
        MAX_WATERMARK
    }
}

fn emit(residual: Option<&ScalarExpr>, left: &Row, right: &Row, out: &mut Chunk) {
    let mut joined = Vec::with_capacity(left.len() + right.len());
    joined.extend_from_slice(left);
    joined.extend_from_slice(right);
    if let Some(r) = residual {
        if r.eval(&joined) != Value::Bool(true) {
            return;
        }
    }
    out.push(joined);
}

impl Operator for ReferenceJoin {
    fn name(&self) -> String {
        "ReferenceJoin".into()
    }

    fn process(&mut self, input: usize, chunk: Chunk, out: &mut Chunk) -> Result<()> {
        let rows = chunk.into_inserts("ReferenceJoin")?;
        let op_time = self.operator_time();
        let side = if input == 0 { LEFT } else { RIGHT };
        let other = 1 - side;
        let Self {
            keys,
            time,
            size,
            residual,
            index,
            slots,
            free,
            expiration,
            timers,
            cached,
            ..
        } = self;
        let key_cols = &keys[side];
        for row in rows {
            let Some(t) = row[time[side]].timestamp() else { continue };
            // SQL equality: a NULL key matches nothing. A one-column key is looked up in
            // place; the key is copied only when it is new.
            let owned: Key;
            let key: &[Value] = match key_cols.as_slice() {
                [c] => std::slice::from_ref(&row[*c]),
                cols => {
                    owned = cols.iter().map(|c| row[*c].clone()).collect();
                    &owned
                }
            };
            if key.iter().any(Value::is_null) {
                continue;
            }
            // The other side's rows this row matches: [t - size[other], t + size[side]].
            let hi = t.saturating_add(size[side]);
            let lo = t.saturating_sub(size[other]);
            let scan = expiration[other] < hi;
            if scan {
                expiration[other] = expiration_time(op_time, size[other]);
            }
            // Cached while rows of the other side can still match it (one lookup either way).
            let keep = op_time < hi;
            let slot = if keep {
                *index.entry_ref(key).or_insert_with(|| {
                    let st = Some((key.to_vec(), KeyState::default()));
                    match free.pop() {
                        Some(s) => {
                            slots[s as usize] = st;
                            s
                        }
                        None => {
                            slots.push(st);
                            (slots.len() - 1) as u32
                        }
                    }
                })
            } else {
                match index.get(key) {
                    Some(s) => *s,
                    None => continue,
                }
            };
            let Some((_, entry)) = slots[slot as usize].as_mut() else {
                continue;
            };
            if scan {
                let cache = &mut entry.sides[other];
                for o in cache.range(lo, hi) {
                    let (l, r) = if side == LEFT { (&row, o) } else { (o, &row) };
                    emit(residual.as_ref(), l, r, out);
                }
                *cached -= cache.evict(expiration[other]);
            }
            if keep {
                let cache = &mut entry.sides[side];
                if cache.timer.is_none() {
                    let at = hi.saturating_add(1);
                    cache.timer = Some(at);
                    timers.push(Reverse((at, slot, side as u8)));
                }
                cache.insert(t, row);
                *cached += 1;
            }
        }
        Ok(())
    }

    fn on_watermark(&mut self, wm: i64, _out: &mut Chunk) -> Result<i64> {
        self.wm = self.wm.max(wm);
        if wm == MAX_WATERMARK {
            // The end of input: every row has expired.
            self.clear();
            self.expiration = [MAX_WATERMARK; 2];
            return Ok(MAX_WATERMARK);
        }
        let op_time = self.operator_time();
        while let Some(&Reverse((at, slot, side))) = self.timers.peek() {
            if at > wm {
                break;
            }
            self.timers.pop();
            let side = side as usize;
            let Some((_, st)) = self.slots.get_mut(slot as usize).and_then(Option::as_mut) else {
                continue;
            };
            let cache = &mut st.sides[side];
            if cache.timer != Some(at) {
                continue;
            }
            self.expiration[side] = expiration_time(op_time, self.size[side]);
            self.cached -= cache.evict(self.expiration[side]);
            cache.timer = cache
                .rows
                .front()
                .map(|(t, _)| t.saturating_add(self.size[side]).saturating_add(1));
            match cache.timer {
                Some(next) => self.timers.push(Reverse((next, slot, side as u8))),
                None => {
                    if st.sides.iter().all(|c| c.timer.is_none() && c.rows.is_empty()) {
                        if let Some((key, _)) = self.slots[slot as usize].take() {
                            self.index.remove(&key);
                        }
                        self.free.push(slot);
                    }
                }
            }
        }
        Ok(if self.wm == MIN_WATERMARK {
            MIN_WATERMARK
        } else {
            self.wm.saturating_sub(self.delay)
        })
    }

    fn state_size(&self) -> usize {
        self.cached
    }
}
