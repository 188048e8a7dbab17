//! IntervalJoinExec: inner join of two streams on equal keys where
//! `lower <= right.time - left.time <= upper` (inclusive, milliseconds), as Flink's
//! `RowTimeIntervalJoin`.
//!
//! * A row joins every cached row of the other side with the same key inside its bounds —
//!   also when it is itself behind the watermark (Flink does the same; the window after
//!   the join decides lateness).
//! * A row is cached only if a future row of the other side can still match it:
//!   a left row while `wm < left.time + upper`, a right row while `wm < right.time - lower`.
//! * State is freed as soon as the watermark passes those limits (eagerly, on every
//!   watermark; Flink frees lazily on timers, which only keeps rows longer).
//! * The output watermark is the input watermark minus `max(upper, -lower)`: a joined row
//!   carries the right row's time, which can be that far behind the input watermark.
//! * Snapshot: the watermark and the cached rows of every key, grouped by key group (see
//!   `newsflow_state::keygroup`), in arrival order per side.

use std::collections::VecDeque;

use hashbrown::HashMap;
use newsflow_common::{Chunk, Result, Row, Value};
use newsflow_expr::ScalarExpr;
use newsflow_sql::JoinBounds;
use newsflow_state::{by_key_group, codec, KeyGroupRange};

use super::{Operator, OperatorSnapshot};
use crate::watermark::{MAX_WATERMARK, MIN_WATERMARK};

type Key = Vec<Value>;

#[derive(Default)]
struct Side {
    /// Rows in arrival order with their time; nearly time-ordered.
    rows: VecDeque<(i64, Row)>,
}

#[derive(Default)]
struct KeyState {
    left: Side,
    right: Side,
}

pub struct IntervalJoinExec {
    left_keys: Vec<usize>,
    right_keys: Vec<usize>,
    left_time: usize,
    right_time: usize,
    bounds: JoinBounds,
    residual: Option<ScalarExpr>,
    state: HashMap<Key, KeyState>,
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
            left_keys,
            right_keys,
            left_time,
            right_time,
            bounds,
            residual,
            state: HashMap::new(),
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
}

/// One key's cached rows, as checkpointed: (key, left rows, right rows).
type KeyEntry = (Key, Vec<(i64, Row)>, Vec<(i64, Row)>);

/// The checkpointed state: the watermark, and the keys by key group.
#[derive(serde::Deserialize)]
struct JoinSnapshot {
    wm: i64,
    groups: Vec<(u16, Vec<KeyEntry>)>,
}

/// [`JoinSnapshot`] as written: borrowing the rows (no copy of the state is made).
#[derive(serde::Serialize)]
struct JoinSnapshotRef<'a> {
    wm: i64,
    groups: Vec<(u16, Vec<KeyEntryRef<'a>>)>,
}

type KeyEntryRef<'a> = (&'a Key, &'a VecDeque<(i64, Row)>, &'a VecDeque<(i64, Row)>);

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
        let JoinBounds { lower, upper } = self.bounds;
        let Self {
            left_keys,
            right_keys,
            left_time,
            right_time,
            residual,
            state,
            wm,
            cached,
            ..
        } = self;
        for row in rows {
            let (time_col, key_cols) = if input == 0 {
                (*left_time, &*left_keys)
            } else {
                (*right_time, &*right_keys)
            };
            let Some(t) = row[time_col].timestamp() else { continue };
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
            let entry = state.entry_ref(key).or_default();
            // The other side's rows inside the bounds, and whether this row may still be
            // matched by a future row of the other side.
            let (other, mine, lo, hi, keep) = if input == 0 {
                (
                    &entry.right,
                    &mut entry.left,
                    t.saturating_add(lower),
                    t.saturating_add(upper),
                    *wm < t.saturating_add(upper),
                )
            } else {
                (
                    &entry.left,
                    &mut entry.right,
                    t.saturating_sub(upper),
                    t.saturating_sub(lower),
                    *wm < t.saturating_sub(lower),
                )
            };
            for (ot, o) in other.rows.iter() {
                if *ot >= lo && *ot <= hi {
                    let (l, r) = if input == 0 { (&row, o) } else { (o, &row) };
                    emit(residual.as_ref(), l, r, out);
                }
            }
            if keep {
                mine.rows.push_back((t, row));
                *cached += 1;
            }
        }
        Ok(())
    }

    fn on_watermark(&mut self, wm: i64, _out: &mut Chunk) -> Result<i64> {
        self.wm = wm;
        let JoinBounds { lower, upper } = self.bounds;
        if wm == MAX_WATERMARK {
            self.state.clear();
            self.cached = 0;
            return Ok(MAX_WATERMARK);
        }
        let mut freed = 0;
        self.state.retain(|_, s| {
            // Left rows expire once left.time + upper < wm, right rows once right.time - lower < wm.
            // Rows arrive nearly in time order, so expired rows are at the front; an
            // out-of-order straggler behind a live row is freed when it reaches the front
            // (it can still only join inside its bounds).
            while s.left.rows.front().is_some_and(|(t, _)| t.saturating_add(upper) < wm) {
                s.left.rows.pop_front();
                freed += 1;
            }
            while s.right.rows.front().is_some_and(|(t, _)| t.saturating_sub(lower) < wm) {
                s.right.rows.pop_front();
                freed += 1;
            }
            !(s.left.rows.is_empty() && s.right.rows.is_empty())
        });
        self.cached -= freed;
        Ok(if wm == MIN_WATERMARK {
            MIN_WATERMARK
        } else {
            wm.saturating_sub(self.delay)
        })
    }

    fn state_size(&self) -> usize {
        self.cached
    }

    fn snapshot(&mut self, _checkpoint: u64) -> Result<OperatorSnapshot> {
        let entries = self.state.iter().map(|(key, s)| (key, &s.left.rows, &s.right.rows));
        let snap = JoinSnapshotRef {
            wm: self.wm,
            groups: by_key_group(entries, |e: &KeyEntryRef| e.0.as_slice()),
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
        self.state.clear();
        self.cached = 0;
        for (key, left, right) in self.key_groups.owned(snap.groups) {
            self.cached += left.len() + right.len();
            self.state.insert(
                key,
                KeyState {
                    left: Side { rows: left.into() },
                    right: Side { rows: right.into() },
                },
            );
        }
        Ok(())
    }
}
