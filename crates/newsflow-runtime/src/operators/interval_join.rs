//! IntervalJoinExec: inner join of two streams on equal keys where
//! `lower <= right.time - left.time <= upper` (inclusive, milliseconds), exactly as Flink's
//! `RowTimeIntervalJoin` (Flink 2.3, `TimeIntervalJoin`), late rows included:
//!
//! * Each side caches rows per key. A side's *relative size* is how far the other side's
//!   rows may lag behind it: `upper` for the left cache, `-lower` for the right one.
//! * A row at `t` scans the other side's cache only when that side's *expiration time*
//!   (one field per operator, not per key) is below the row's upper bound; the scan sets
//!   the field to `W - size - 1` (`W` the watermark before the row), joins the cached rows
//!   inside the bounds and evicts those at or below the field. So a trade a few minutes late
//!   still joins a news item that is still held, and one 45 s late can miss one that was
//!   evicted by another key's scan moving the field.
//! * A row is cached while `W < t + size` of its side. The first row cached for a key
//!   registers a cleanup timer at `t + size + 1`; when the watermark reaches it, the timer
//!   sets the field, evicts the expired rows and re-registers at the earliest remaining
//!   row (Flink's `table.exec.interval-join.min-cleanup-interval` is 0 in 2.3).
//! * `W` is never below 0 (Flink's operator time), and the end of input evicts everything.
//! * The output watermark is the input watermark minus `max(upper, -lower)`: a joined row
//!   carries the right row's time, which can be that far behind the input watermark.
//! * Caches are kept sorted by time (arrival order among equal times), so a scan is a
//!   binary search and an eviction pops from the front; Flink scans every entry.
//! * Snapshot: the watermark, both expiration fields, and per key the cached rows and the
//!   cleanup timers, grouped by key group (see `newsflow_state::keygroup`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use hashbrown::HashMap;
use newsflow_common::{Chunk, Result, Row, Value};
use newsflow_expr::ScalarExpr;
use newsflow_sql::JoinBounds;
use newsflow_state::{by_key_group, codec, KeyGroupRange};

use super::{Operator, OperatorSnapshot};
use crate::watermark::{MAX_WATERMARK, MIN_WATERMARK};

type Key = Vec<Value>;

const LEFT: usize = 0;
const RIGHT: usize = 1;

/// One side's rows for one key, sorted by time, and the cleanup timer registered for them.
#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
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

#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
struct KeyState {
    sides: [Cache; 2],
}

pub struct IntervalJoinExec {
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
    /// The key groups this instance owns (all, at parallelism 1): a restore keeps only
    /// their keys.
    key_groups: KeyGroupRange,
}

impl IntervalJoinExec {
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
        IntervalJoinExec {
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
            key_groups: KeyGroupRange::ALL,
        }
    }

    /// Run as one of several parallel instances, owning `range`.
    pub fn with_key_groups(mut self, range: KeyGroupRange) -> Self {
        self.key_groups = range;
        self
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

/// The checkpointed state: the watermark, the expiration fields, and the keys by key group.
#[derive(serde::Deserialize)]
struct JoinSnapshot {
    wm: i64,
    expiration: [i64; 2],
    groups: Vec<(u16, Vec<(Key, KeyState)>)>,
}

/// [`JoinSnapshot`] as written: borrowing the rows (no copy of the state is made).
#[derive(serde::Serialize)]
struct JoinSnapshotRef<'a> {
    wm: i64,
    expiration: [i64; 2],
    groups: Vec<(u16, Vec<(&'a Key, &'a KeyState)>)>,
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

impl Operator for IntervalJoinExec {
    fn name(&self) -> String {
        "IntervalJoinExec".into()
    }

    fn process(&mut self, input: usize, chunk: Chunk, out: &mut Chunk) -> Result<()> {
        let rows = chunk.into_inserts("IntervalJoinExec")?;
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

    fn snapshot(&mut self, _checkpoint: u64) -> Result<OperatorSnapshot> {
        let snap = JoinSnapshotRef {
            wm: self.wm,
            expiration: self.expiration,
            groups: by_key_group(
                self.slots.iter().flatten().map(|(k, st)| (k, st)),
                |e: &(&Key, &KeyState)| e.0.as_slice(),
            ),
        };
        Ok(OperatorSnapshot {
            state: Some(codec::encode("IntervalJoinExec", &snap)?),
            commit: None,
        })
    }

    fn restore(&mut self, state: Option<&[u8]>, _commit: Option<&serde_json::Value>) -> Result<()> {
        let Some(bytes) = state else { return Ok(()) };
        let snap: JoinSnapshot = codec::decode("IntervalJoinExec", bytes)?;
        self.wm = snap.wm;
        self.expiration = snap.expiration;
        self.clear();
        for (key, st) in self.key_groups.owned(snap.groups) {
            let slot = self.slots.len() as u32;
            for (side, cache) in st.sides.iter().enumerate() {
                self.cached += cache.rows.len();
                if let Some(at) = cache.timer {
                    self.timers.push(Reverse((at, slot, side as u8)));
                }
            }
            self.index.insert(key.clone(), slot);
            self.slots.push(Some((key, st)));
        }
        Ok(())
    }
}
