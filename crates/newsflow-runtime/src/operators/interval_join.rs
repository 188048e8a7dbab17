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
//! * Cost per row and per timer (the flagship fires a timer per symbol per second of event
//!   time): timers sit in a wheel of time buckets (registering is a push, an advance takes
//!   the due ones; see [`Timers`]), a string key is found by the address of its interned
//!   `Arc<str>` before hashing it (see [`memo_index`]), and the watermark's advances inside
//!   a chunk are taken in the row loop, not by the executor splitting the chunk. Results
//!   are those of the plain implementation (`interval_join_equivalence` checks them
//!   against it on random streams).
//! * Snapshot: the watermark, both expiration fields, and per key the cached rows and the
//!   cleanup timers, grouped by key group (see `newsflow_state::keygroup`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

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
    /// Insert keeping time order (arrival order among equal times).
    #[inline]
    fn insert(&mut self, t: i64, row: Row) {
        if self.rows.back().is_none_or(|(last, _)| *last <= t) {
            self.rows.push_back((t, row));
        } else {
            self.insert_behind(t, row);
        }
    }

    /// A row older than the newest: rows arrive nearly in order, so it goes a few back.
    #[inline(never)]
    fn insert_behind(&mut self, t: i64, row: Row) {
        let behind = self.rows.iter().rev().take_while(|(last, _)| *last > t).count();
        self.rows.insert(self.rows.len() - behind, (t, row));
    }

    /// Whether some row may have `lo <= time <= hi` (most scans of a small cache find none).
    #[inline]
    fn may_hold(&self, lo: i64, hi: i64) -> bool {
        self.rows.front().is_some_and(|(t, _)| *t <= hi) && self.rows.back().is_some_and(|(t, _)| *t >= lo)
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
    #[inline]
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

/// One key's state in its slot.
struct Slot {
    key: Key,
    state: KeyState,
    /// Per side, the string of the last row of that side whose one-column string key was
    /// found in `index` to be this one (see [`IntervalJoinExec::memo`]).
    alias: [Option<Arc<str>>; 2],
}

/// Recent one-column string keys, per side: a direct-mapped table from the address of the
/// row's `Arc<str>` to a slot. The JSON decoder interns short strings (symbols), so the
/// rows of one key share one `Arc`; a slot whose `alias` for that side is the same `Arc`
/// holds that key (the two are one live allocation, so the texts are equal). A miss, or a
/// key of another kind, looks the key up in `index` (hashing it).
const MEMO_BITS: u32 = 8;
const MEMO: usize = 1 << MEMO_BITS;
const NO_SLOT: u32 = u32::MAX;

#[inline]
fn memo_index(side: usize, s: &Arc<str>) -> usize {
    let p = Arc::as_ptr(s) as *const u8 as usize as u64;
    side * MEMO + (p.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - MEMO_BITS)) as usize
}

/// A timer: (time, slot, side).
type Timer = (i64, u32, u8);

/// Buckets in the timer wheel.
const WHEEL: usize = 2048;

/// Cleanup timers by due time: a wheel of [`WHEEL`] buckets of `2^bits` ms from the bucket
/// of the current watermark, and a heap for timers beyond it. Registering is a push onto
/// a bucket; a watermark advance empties the buckets it passes and takes what is due from
/// the one it stops in. Which timers fire at an advance is exactly "time <= watermark", as
/// with one heap of all timers; their order within one advance does not matter (each sets
/// its side's expiration time to the same value and evicts its own key's rows, and a timer
/// registered while firing is due after the watermark).
struct Timers {
    bits: u32,
    /// Bucket number `b` (time >> bits), for `cursor <= b < cursor + WHEEL`, at
    /// `buckets[b % WHEEL]`.
    buckets: Vec<Vec<Timer>>,
    cursor: i64,
    /// Timers at or past `cursor + WHEEL` buckets, earliest first.
    far: BinaryHeap<Reverse<Timer>>,
}

impl Timers {
    /// Buckets wide enough that the wheel spans twice the longest time a row is cached.
    fn new(longest: i64) -> Self {
        let span = (longest.unsigned_abs().saturating_mul(2)).max(1);
        let mut bits = 4;
        while bits < 40 && ((WHEEL as u64) << bits) < span {
            bits += 1;
        }
        Timers {
            bits,
            buckets: (0..WHEEL).map(|_| Vec::new()).collect(),
            cursor: MIN_WATERMARK >> bits,
            far: BinaryHeap::new(),
        }
    }

    #[inline]
    fn push(&mut self, timer: Timer) {
        let b = timer.0 >> self.bits;
        let ahead = b.wrapping_sub(self.cursor);
        if (0..WHEEL as i64).contains(&ahead) {
            self.buckets[b as usize & (WHEEL - 1)].push(timer);
        } else {
            self.far.push(Reverse(timer));
        }
    }

    /// Move every timer due at watermark `wm` (time <= wm) into `due`.
    fn advance(&mut self, wm: i64, due: &mut Vec<Timer>) {
        let to = wm >> self.bits;
        if to < self.cursor {
            return;
        }
        // Buckets wholly at or below the watermark.
        let whole = (to.wrapping_sub(self.cursor) as u64).min(WHEEL as u64) as i64;
        for i in 0..whole {
            let b = self.cursor.wrapping_add(i);
            due.append(&mut self.buckets[b as usize & (WHEEL - 1)]);
        }
        // The bucket the watermark stops in.
        if whole < WHEEL as i64 {
            self.buckets[to as usize & (WHEEL - 1)].retain(|t| {
                if t.0 <= wm {
                    due.push(*t);
                    false
                } else {
                    true
                }
            });
        }
        self.cursor = to;
        while let Some(&Reverse(t)) = self.far.peek() {
            let b = t.0 >> self.bits;
            if b.wrapping_sub(self.cursor) >= WHEEL as i64 {
                break;
            }
            self.far.pop();
            if t.0 <= wm {
                due.push(t);
            } else {
                self.buckets[b as usize & (WHEEL - 1)].push(t);
            }
        }
    }

    /// Forget every timer; the wheel starts at watermark `wm`.
    fn reset(&mut self, wm: i64) {
        for b in &mut self.buckets {
            b.clear();
        }
        self.far.clear();
        self.cursor = wm >> self.bits;
    }
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
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    /// Per side, [`MEMO`] entries: a recent string key's slot (see [`memo_index`]).
    memo: Vec<u32>,
    /// Flink's expiration time per side: the cache of that side has been cleaned up to here.
    expiration: [i64; 2],
    /// Cleanup timers. One entry per armed timer.
    timers: Timers,
    /// Timers due at the current watermark (kept to reuse its allocation).
    due: Vec<Timer>,
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
        let size = [bounds.upper, bounds.lower.saturating_neg()];
        IntervalJoinExec {
            keys: [left_keys, right_keys],
            time: [left_time, right_time],
            size,
            residual,
            index: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            memo: vec![NO_SLOT; 2 * MEMO],
            expiration: [0; 2],
            timers: Timers::new(size[0].saturating_abs().max(size[1].saturating_abs())),
            due: Vec::new(),
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
        self.memo.fill(NO_SLOT);
        self.timers.reset(self.wm);
        self.cached = 0;
    }

    /// Flink's operator time: the watermark, never below 0.
    fn operator_time(&self) -> i64 {
        self.wm.max(0)
    }

    /// Rows of one side, all under the current watermark.
    fn process_rows(&mut self, side: usize, rows: impl Iterator<Item = Row>, out: &mut Chunk) {
        let op_time = self.operator_time();
        let other = 1 - side;
        let Self {
            keys,
            time,
            size,
            residual,
            index,
            slots,
            free,
            memo,
            expiration,
            timers,
            cached,
            ..
        } = self;
        let key_cols = &keys[side];
        for row in rows {
            let Some(t) = row[time[side]].timestamp() else { continue };
            // SQL equality: a NULL key matches nothing. A one-column key is looked up in
            // place (a string one by its address first); the key is copied only when new.
            let owned: Option<Key> = match key_cols.as_slice() {
                [c] => {
                    if row[*c].is_null() {
                        continue;
                    }
                    None
                }
                cols => {
                    let key: Key = cols.iter().map(|c| row[*c].clone()).collect();
                    if key.iter().any(Value::is_null) {
                        continue;
                    }
                    Some(key)
                }
            };
            // The other side's rows this row matches: [t - size[other], t + size[side]].
            let hi = t.saturating_add(size[side]);
            let lo = t.saturating_sub(size[other]);
            let scan = expiration[other] < hi;
            if scan {
                expiration[other] = expiration_time(op_time, size[other]);
            }
            // Cached while rows of the other side can still match it (one lookup either way).
            let keep = op_time < hi;
            let slot = match (&owned, key_cols.as_slice()) {
                (Some(key), _) => find_slot(index, slots, free, key, keep),
                (None, [c]) => match &row[*c] {
                    Value::Str(s) => {
                        let m = memo_index(side, s);
                        let hit = memo[m];
                        let known = slots
                            .get(hit as usize)
                            .and_then(Option::as_ref)
                            .is_some_and(|sl| sl.alias[side].as_ref().is_some_and(|a| Arc::ptr_eq(a, s)));
                        if known {
                            Some(hit)
                        } else {
                            let found = find_slot(index, slots, free, std::slice::from_ref(&row[*c]), keep);
                            if let Some(f) = found {
                                if let Some(sl) = slots[f as usize].as_mut() {
                                    sl.alias[side] = Some(s.clone());
                                    memo[m] = f;
                                }
                            }
                            found
                        }
                    }
                    v => find_slot(index, slots, free, std::slice::from_ref(v), keep),
                },
                (None, _) => None,
            };
            let Some(slot) = slot else { continue };
            let Some(entry) = slots[slot as usize].as_mut().map(|s| &mut s.state) else {
                continue;
            };
            if scan {
                let cache = &mut entry.sides[other];
                if cache.may_hold(lo, hi) {
                    for o in cache.range(lo, hi) {
                        let (l, r) = if side == LEFT { (&row, o) } else { (o, &row) };
                        emit(residual.as_ref(), l, r, out);
                    }
                }
                *cached -= cache.evict(expiration[other]);
            }
            if keep {
                let cache = &mut entry.sides[side];
                if cache.timer.is_none() {
                    let at = hi.saturating_add(1);
                    cache.timer = Some(at);
                    timers.push((at, slot, side as u8));
                }
                cache.insert(t, row);
                *cached += 1;
            }
        }
    }

    /// The combined watermark advanced inside a chunk: fire what it makes due, and record
    /// the output watermark's advance as a mark for the next operator.
    fn advance_in_chunk(&mut self, wm: i64, out: &mut Chunk) -> Result<()> {
        let before = self.output_watermark();
        let after = self.on_watermark(wm, out)?;
        if after > before {
            out.mark_watermark(after);
        }
        Ok(())
    }

    /// The output watermark: the input's minus how far a joined row's time can lag it.
    fn output_watermark(&self) -> i64 {
        if self.wm == MIN_WATERMARK {
            MIN_WATERMARK
        } else {
            self.wm.saturating_sub(self.delay)
        }
    }
}

/// The slot of `key`, from `index`; a new one when `create` (the row will be cached).
fn find_slot(
    index: &mut HashMap<Key, u32>,
    slots: &mut Vec<Option<Slot>>,
    free: &mut Vec<u32>,
    key: &[Value],
    create: bool,
) -> Option<u32> {
    if !create {
        return index.get(key).copied();
    }
    Some(*index.entry_ref(key).or_insert_with(|| {
        let slot = Some(Slot {
            key: key.to_vec(),
            state: KeyState::default(),
            alias: [None, None],
        });
        match free.pop() {
            Some(s) => {
                slots[s as usize] = slot;
                s
            }
            None => {
                slots.push(slot);
                (slots.len() - 1) as u32
            }
        }
    }))
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

    fn takes_watermark_marks(&self) -> bool {
        true
    }

    fn process(&mut self, input: usize, mut chunk: Chunk, out: &mut Chunk) -> Result<()> {
        // The marks are the combined watermark's advances (the executor combines them).
        let marks = std::mem::take(&mut chunk.watermarks);
        let rows = chunk.into_inserts("IntervalJoinExec")?;
        let side = if input == 0 { LEFT } else { RIGHT };
        if marks.is_empty() {
            self.process_rows(side, rows.into_iter(), out);
            return Ok(());
        }
        let mut rows = rows.into_iter();
        let mut at = 0;
        for (i, wm) in marks {
            if i > at {
                self.process_rows(side, rows.by_ref().take(i - at), out);
                at = i;
            }
            self.advance_in_chunk(wm, out)?;
        }
        self.process_rows(side, rows, out);
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
        let mut due = std::mem::take(&mut self.due);
        self.timers.advance(wm, &mut due);
        for &(at, slot, side) in &due {
            let side = side as usize;
            let Some(st) = self.slots.get_mut(slot as usize).and_then(Option::as_mut) else {
                continue;
            };
            let cache = &mut st.state.sides[side];
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
                Some(next) => self.timers.push((next, slot, side as u8)),
                None => {
                    if st.state.sides.iter().all(|c| c.timer.is_none() && c.rows.is_empty()) {
                        if let Some(gone) = self.slots[slot as usize].take() {
                            self.index.remove(&gone.key);
                        }
                        self.free.push(slot);
                    }
                }
            }
        }
        due.clear();
        self.due = due;
        Ok(self.output_watermark())
    }

    fn state_size(&self) -> usize {
        self.cached
    }

    fn snapshot(&mut self, _checkpoint: u64) -> Result<OperatorSnapshot> {
        let snap = JoinSnapshotRef {
            wm: self.wm,
            expiration: self.expiration,
            groups: by_key_group(
                self.slots.iter().flatten().map(|s| (&s.key, &s.state)),
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
        for (key, state) in self.key_groups.owned(snap.groups) {
            let slot = self.slots.len() as u32;
            for (side, cache) in state.sides.iter().enumerate() {
                self.cached += cache.rows.len();
                if let Some(at) = cache.timer {
                    self.timers.push((at, slot, side as u8));
                }
            }
            self.index.insert(key.clone(), slot);
            self.slots.push(Some(Slot {
                key,
                state,
                alias: [None, None],
            }));
        }
        Ok(())
    }
}
