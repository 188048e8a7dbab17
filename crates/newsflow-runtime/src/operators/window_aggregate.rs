//! WindowAggregateExec: group windows (TUMBLE, HOP, SESSION, CUMULATE) on event time.
//!
//! TUMBLE and HOP slice time into panes of `slide` (for TUMBLE, the window itself), keep one
//! accumulator set per (pane, key), and fire window `[end - size, end)` once, when the
//! watermark reaches `end - 1`, merging its panes oldest first (this reproduces Flink's
//! floating-point sums on the golden HOP case). A row whose pane has already ended (`pane_end - 1 <= watermark`) is late: it is
//! counted and dropped. Panes are freed once the last window that uses them has fired.
//!
//! CUMULATE(step, size) uses panes of `step`: window `[start, start + k·step)` (start a
//! multiple of `size`) merges the panes of its cycle up to its end and fires when the
//! watermark reaches its end − 1; the cycle's panes are freed when its largest window
//! fires. As in Flink's slicing windows, a row whose pane has fired still counts in the
//! cycle's windows that have not (it goes into the first unfired pane); it is late only
//! when the cycle's largest window has fired.
//!
//! SESSION keeps, per key, sessions `[first, last + gap)` merged as rows arrive, and fires a
//! session when the watermark reaches its end − 1. As Flink's `MergingWindowSet`, a row's
//! window `[t, t + gap)` merges with every session it *intersects*, touching included
//! (`start <= other.end && end >= other.start`: rows exactly one gap apart share a
//! session), transitively; and a row is late only when the *merged* session would already
//! have fired (`end - 1 <= watermark`), so a row behind the watermark still joins a session
//! that is open.
//!
//! Output row: group keys ++ aggregate values ++ [window_start, window_end].
//!
//! Snapshot: the watermark, late count, the pending window ends, and every open pane's (or
//! session's) accumulators, grouped by key group (see `newsflow_state::keygroup`).

use std::collections::{BTreeMap, BTreeSet};

use hashbrown::HashMap;
use newsflow_common::{Chunk, Result, Row, Value};
use newsflow_expr::{Accumulator, AggregateCall, ScalarExpr};
use newsflow_sql::plan::WindowKind;
use newsflow_state::{by_key_group, codec, KeyGroupRange};

use super::{Operator, OperatorSnapshot, Rejected};
use crate::watermark::MIN_WATERMARK;

type Key = Vec<Value>;

/// One pane of one key, as checkpointed: (pane end, key, accumulators).
type PaneEntry = (i64, Key, Vec<Accumulator>);
/// A key's sessions: (start, end, accumulators), sorted by start.
type Sessions = Vec<(i64, i64, Vec<Accumulator>)>;

/// The checkpointed state. Per key group: panes for TUMBLE/HOP and (key, sessions) for
/// SESSION.
#[derive(serde::Deserialize)]
struct WindowSnapshot {
    wm: i64,
    late: u64,
    pending_ends: Vec<i64>,
    panes: Vec<(u16, Vec<PaneEntry>)>,
    sessions: Vec<(u16, Vec<(Key, Sessions)>)>,
}

/// One pane of one key, as written: borrowed (no copy of the state is made).
type PaneRef<'a> = (i64, &'a Key, &'a Vec<Accumulator>);

/// [`WindowSnapshot`] as written: borrowing keys and accumulators.
#[derive(serde::Serialize)]
struct WindowSnapshotRef<'a> {
    wm: i64,
    late: u64,
    pending_ends: Vec<i64>,
    panes: Vec<(u16, Vec<PaneRef<'a>>)>,
    sessions: Vec<(u16, Vec<(&'a Key, &'a Sessions)>)>,
}

pub struct WindowAggregateExec {
    kind: WindowKind,
    time_col: usize,
    keys: Vec<ScalarExpr>,
    aggs: Vec<AggregateCall>,
    /// The key and argument expressions that can fail on a row (a strict CAST): checked
    /// before a row is folded in; a failure stops the job, as in Flink.
    fallible: Vec<ScalarExpr>,
    /// pane end → key → accumulators (TUMBLE, HOP)
    panes: BTreeMap<i64, HashMap<Key, Vec<Accumulator>>>,
    /// window ends that have data and have not fired (HOP)
    pending_ends: BTreeSet<i64>,
    /// key → sessions (start, end, accumulators), sorted by start (SESSION)
    sessions: HashMap<Key, Sessions>,
    /// No open session ends before this (a lower bound): a watermark below it fires
    /// nothing, without a pass over every key's sessions.
    sessions_min_end: i64,
    wm: i64,
    late: u64,
    /// `SET 'newsflow.late-rows' = 'dead-letter'`: late rows also go to the dead letters.
    late_to_dead_letters: bool,
    rejected: Vec<Rejected>,
    /// The key groups this instance owns (all, at parallelism 1): a restore keeps only
    /// their keys.
    key_groups: KeyGroupRange,
}

impl WindowAggregateExec {
    /// Send late rows to the dead letters too (newsflow's late-data side output).
    pub fn with_late_rows_to_dead_letters(mut self, on: bool) -> Self {
        self.late_to_dead_letters = on;
        self
    }

    /// Count a late row (and keep it for the dead letters when asked to).
    #[cold]
    fn late_row(&mut self, row: &Row, why: &str) {
        self.late += 1;
        if self.late_to_dead_letters {
            let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            self.rejected.push(Rejected {
                row: format!("[{}]", cells.join(", ")),
                column: "event time".into(),
                expr: self.kind_text(),
                reason: format!("late: {why} (watermark {})", Value::Timestamp(self.wm)),
            });
        }
    }

    fn kind_text(&self) -> String {
        match self.kind {
            WindowKind::Tumble { size } => format!("TUMBLE({size} ms)"),
            WindowKind::Hop { slide, size } => format!("HOP({slide} ms, {size} ms)"),
            WindowKind::Session { gap } => format!("SESSION({gap} ms)"),
            WindowKind::Cumulate { step, size } => format!("CUMULATE({step} ms, {size} ms)"),
        }
    }

    /// Advance to watermark `wm`: fire what it closes (as `on_watermark`).
    fn advance(&mut self, wm: i64, out: &mut Chunk) -> Result<i64> {
        // Never back: the executor's watermark after a chunk can trail the marks in it.
        let wm = wm.max(self.wm);
        self.wm = wm;
        if let WindowKind::Session { .. } = self.kind {
            if self.sessions_min_end.saturating_sub(1) > wm {
                return Ok(wm);
            }
            let mut fired = Vec::new();
            self.sessions.retain(|key, list| {
                list.retain(|(s, e, accs)| {
                    if e - 1 <= wm {
                        fired.push((key.clone(), *s, *e, accs.clone()));
                        false
                    } else {
                        true
                    }
                });
                !list.is_empty()
            });
            self.sessions_min_end = self
                .sessions
                .values()
                .flatten()
                .map(|(_, e, _)| *e)
                .min()
                .unwrap_or(i64::MAX);
            fired.sort_by_key(|(_, _, e, _)| *e);
            for (key, s, e, accs) in fired {
                out.push(self.output(&key, &accs, s, e));
            }
            return Ok(wm);
        }
        let (slide, size) = self.slide_size();
        while let Some(&end) = self.pending_ends.first() {
            if end - 1 > wm {
                break;
            }
            self.pending_ends.pop_first();
            if slide == size {
                if let Some(keys) = self.panes.remove(&end) {
                    for (key, accs) in keys {
                        out.push(self.output(&key, &accs, end - size, end));
                    }
                }
                continue;
            }
            // Merge the window's panes, oldest first (matches Flink's sums on the golden HOP case).
            let start = self.window_start(end);
            let mut merged: HashMap<Key, Vec<Accumulator>> = HashMap::new();
            let mut pane = start + slide;
            while pane <= end {
                if let Some(keys) = self.panes.get(&pane) {
                    for (key, accs) in keys {
                        let target = merged.entry(key.clone()).or_insert_with(|| self.new_accs());
                        for (a, (t, p)) in self.aggs.iter().zip(target.iter_mut().zip(accs.iter())) {
                            a.merge(t, p);
                        }
                    }
                }
                pane += slide;
            }
            for (key, accs) in &merged {
                out.push(self.output(key, accs, start, end));
            }
            // Panes whose last window has now fired are done: for HOP the panes up to
            // end - size + slide; for CUMULATE the whole cycle once its largest window fired.
            let done_upto = match self.kind {
                WindowKind::Cumulate { .. } if end == start + size => end,
                WindowKind::Cumulate { .. } => continue,
                _ => end - size + slide,
            };
            let done: Vec<i64> = self.panes.range(..=done_upto).map(|(k, _)| *k).collect();
            for k in done {
                self.panes.remove(&k);
            }
        }
        Ok(wm)
    }

    /// A watermark mark inside a chunk: advance, and mark the output.
    fn advance_in_chunk(&mut self, wm: i64, out: &mut Chunk) -> Result<()> {
        if wm > self.wm {
            let w = self.advance(wm, out)?;
            out.mark_watermark(w);
        }
        Ok(())
    }

    /// Run as one of several parallel instances, owning `range`.
    pub fn with_key_groups(mut self, range: KeyGroupRange) -> Self {
        self.key_groups = range;
        self
    }

    pub fn new(kind: WindowKind, time_col: usize, keys: Vec<ScalarExpr>, aggs: Vec<AggregateCall>) -> Self {
        let fallible = keys
            .iter()
            .chain(aggs.iter().filter_map(|a| a.arg.as_ref()))
            .filter(|e| e.can_fail())
            .cloned()
            .collect();
        WindowAggregateExec {
            kind,
            time_col,
            keys,
            aggs,
            fallible,
            panes: BTreeMap::new(),
            pending_ends: BTreeSet::new(),
            sessions: HashMap::new(),
            sessions_min_end: i64::MAX,
            wm: MIN_WATERMARK,
            late: 0,
            late_to_dead_letters: false,
            rejected: Vec::new(),
            key_groups: KeyGroupRange::ALL,
        }
    }

    fn slide_size(&self) -> (i64, i64) {
        match self.kind {
            WindowKind::Tumble { size } => (size, size),
            WindowKind::Hop { slide, size } => (slide, size),
            WindowKind::Session { gap } => (gap, gap),
            WindowKind::Cumulate { step, size } => (step, size),
        }
    }

    /// The start of the window that ends at `end` (TUMBLE, HOP, CUMULATE).
    fn window_start(&self, end: i64) -> i64 {
        match self.kind {
            WindowKind::Cumulate { size, .. } => (end - 1).div_euclid(size) * size,
            _ => end - self.slide_size().1,
        }
    }

    /// The ends of the windows a pane ending at `pane_end` belongs to, earliest first.
    fn window_ends(&self, pane_end: i64) -> Vec<i64> {
        let (slide, size) = self.slide_size();
        let last = match self.kind {
            // CUMULATE: every window of the pane's cycle that ends at or after the pane.
            WindowKind::Cumulate { .. } => self.window_start(pane_end) + size,
            _ => pane_end + size - slide,
        };
        (0..).map(|i| pane_end + i * slide).take_while(|e| *e <= last).collect()
    }

    fn new_accs(&self) -> Vec<Accumulator> {
        self.aggs.iter().map(AggregateCall::new_accumulator).collect()
    }

    fn key(&self, row: &Row) -> Key {
        self.keys
            .iter()
            .map(|k| match k {
                ScalarExpr::Column(i) => row[*i].clone(),
                e => e.eval(row),
            })
            .collect()
    }

    fn update(aggs: &[AggregateCall], accs: &mut [Accumulator], row: &Row) {
        for (a, acc) in aggs.iter().zip(accs.iter_mut()) {
            // Arguments that can fail were checked on this row first (`check`).
            let _ = a.update(acc, row);
        }
    }

    /// A row whose GROUP BY key or aggregate argument cannot be evaluated stops the job,
    /// as in Flink (dead letters are for projections and filters, which can drop a row).
    fn check(&self, row: &Row) -> Result<()> {
        for e in &self.fallible {
            if let Err(err) = e.try_eval(row) {
                return Err(newsflow_common::Error::runtime(format!(
                    "a window aggregate's key or argument failed on row {}: {err} (Flink fails the job too; \
                     newsflow sends such rows to the dead letters only from a projection or filter: \
                     cast in a subquery, or use TRY_CAST)",
                    super::calc::render(row)
                )));
            }
        }
        Ok(())
    }

    fn output(&self, key: &Key, accs: &[Accumulator], start: i64, end: i64) -> Row {
        let mut row = Vec::with_capacity(key.len() + accs.len() + 2);
        row.extend(key.iter().cloned());
        row.extend(self.aggs.iter().zip(accs).map(|(a, acc)| a.finish(acc)));
        row.push(Value::Timestamp(start));
        row.push(Value::Timestamp(end));
        row
    }

    /// Add a row at `t` to its key's sessions; false (and nothing changed) if the session
    /// it would join has already fired.
    fn process_session(&mut self, t: i64, row: &Row, gap: i64) -> bool {
        let key = self.key(row);
        let (mut start, mut end) = (t, t.saturating_add(gap));
        let list = self.sessions.entry_ref(key.as_slice()).or_default();
        // Sessions are disjoint and sorted; the merged span grows until nothing more
        // intersects it.
        let mut merged: Vec<usize> = Vec::new();
        loop {
            let before = merged.len();
            for (i, (s, e, _)) in list.iter().enumerate() {
                if !merged.contains(&i) && *s <= end && start <= *e {
                    merged.push(i);
                    start = start.min(*s);
                    end = end.max(*e);
                }
            }
            if merged.len() == before {
                break;
            }
        }
        if end - 1 <= self.wm {
            if list.is_empty() {
                self.sessions.remove(&key);
            }
            return false;
        }
        let mut accs = self.aggs.iter().map(AggregateCall::new_accumulator).collect::<Vec<_>>();
        merged.sort_unstable();
        let mut absorbed: Vec<Vec<Accumulator>> = merged.iter().rev().map(|i| list.remove(*i).2).collect();
        absorbed.reverse();
        // The merged sessions, earliest first, then the row.
        for other in &absorbed {
            for (a, (acc, o)) in self.aggs.iter().zip(accs.iter_mut().zip(other.iter())) {
                a.merge(acc, o);
            }
        }
        Self::update(&self.aggs, &mut accs, row);
        let pos = list.iter().position(|(s, _, _)| *s > start).unwrap_or(list.len());
        list.insert(pos, (start, end, accs));
        self.sessions_min_end = self.sessions_min_end.min(end);
        true
    }
}

impl Operator for WindowAggregateExec {
    fn name(&self) -> String {
        "WindowAggregateExec".into()
    }

    fn takes_watermark_marks(&self) -> bool {
        true
    }

    fn process(&mut self, _input: usize, mut chunk: Chunk, out: &mut Chunk) -> Result<()> {
        let mut marks = std::mem::take(&mut chunk.watermarks).into_iter().peekable();
        let rows = chunk.into_inserts("WindowAggregateExec")?;
        let (slide, size) = self.slide_size();
        for (i, row) in rows.into_iter().enumerate() {
            // The watermark that stood before this row (windows it closes fire first).
            while let Some((_, w)) = marks.next_if(|(at, _)| *at <= i) {
                self.advance_in_chunk(w, out)?;
            }
            if !self.fallible.is_empty() {
                self.check(&row)?;
            }
            let Some(t) = row[self.time_col].timestamp() else {
                self.late_row(&row, "its event time is NULL");
                continue;
            };
            if let WindowKind::Session { gap } = self.kind {
                if !self.process_session(t, &row, gap) {
                    self.late_row(&row, "its session had already fired");
                }
                continue;
            }
            let mut pane_end = t - t.rem_euclid(slide) + slide;
            if pane_end - 1 <= self.wm {
                // CUMULATE (as Flink's slicing windows): a row whose pane has fired still
                // counts in the larger windows of its cycle that have not; it goes into the
                // first pane that has not fired. Otherwise it is late.
                let cycle_end = self.window_start(pane_end) + size;
                if !matches!(self.kind, WindowKind::Cumulate { .. }) || cycle_end - 1 <= self.wm {
                    self.late_row(&row, "its window had already fired");
                    continue;
                }
                while pane_end - 1 <= self.wm {
                    pane_end += slide;
                }
            }
            let key = self.key(&row);
            if !self.panes.contains_key(&pane_end) {
                // This pane contributes to the windows ending at pane_end, pane_end + slide, …
                self.pending_ends.extend(self.window_ends(pane_end));
            }
            let new_accs = self.new_accs();
            let accs = self.panes.entry(pane_end).or_default().entry(key).or_insert(new_accs);
            Self::update(&self.aggs, accs, &row);
        }
        for (_, w) in marks {
            self.advance_in_chunk(w, out)?;
        }
        Ok(())
    }

    fn on_watermark(&mut self, wm: i64, out: &mut Chunk) -> Result<i64> {
        self.advance(wm, out)
    }

    fn state_size(&self) -> usize {
        self.panes.values().map(|m| m.len()).sum::<usize>() + self.sessions.values().map(|l| l.len()).sum::<usize>()
    }

    fn late_rows(&self) -> u64 {
        self.late
    }

    fn take_rejected(&mut self) -> Vec<Rejected> {
        std::mem::take(&mut self.rejected)
    }

    fn snapshot(&mut self, _checkpoint: u64) -> Result<OperatorSnapshot> {
        let panes = self
            .panes
            .iter()
            .flat_map(|(end, keys)| keys.iter().map(move |(key, accs)| (*end, key, accs)));
        let snap = WindowSnapshotRef {
            wm: self.wm,
            late: self.late,
            pending_ends: self.pending_ends.iter().copied().collect(),
            panes: by_key_group(panes, |p: &PaneRef| p.1.as_slice()),
            sessions: by_key_group(&self.sessions, |s: &(&Key, &Sessions)| s.0.as_slice()),
        };
        Ok(OperatorSnapshot {
            state: Some(codec::encode("WindowAggregateExec", &snap)?),
            commit: None,
        })
    }

    fn restore(&mut self, state: Option<&[u8]>, _commit: Option<&serde_json::Value>) -> Result<()> {
        let Some(bytes) = state else { return Ok(()) };
        let snap: WindowSnapshot = codec::decode("WindowAggregateExec", bytes)?;
        self.wm = snap.wm;
        self.late = snap.late;
        self.pending_ends = snap.pending_ends.into_iter().collect();
        self.panes.clear();
        for (end, key, accs) in self.key_groups.owned(snap.panes) {
            self.panes.entry(end).or_default().insert(key, accs);
        }
        self.sessions.clear();
        self.sessions.extend(self.key_groups.owned(snap.sessions));
        self.sessions_min_end = self
            .sessions
            .values()
            .flatten()
            .map(|(_, e, _)| *e)
            .min()
            .unwrap_or(i64::MAX);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use newsflow_common::DataType;
    use newsflow_expr::AggKind;

    use super::*;

    fn count_star() -> AggregateCall {
        AggregateCall::plain(AggKind::CountStar, None, DataType::BigInt, DataType::BigInt)
    }

    #[test]
    fn cumulate_windows_grow_by_step_up_to_the_size() {
        let mut op = WindowAggregateExec::new(
            WindowKind::Cumulate {
                step: 10_000,
                size: 30_000,
            },
            1,
            vec![ScalarExpr::Column(0)],
            vec![count_star()],
        );
        feed(&mut op, &[5_000, 15_000, 31_000]);
        assert_eq!(
            fire(&mut op, 19_999),
            vec![(0, 10_000, 1), (0, 20_000, 2)],
            "fired in order of their end"
        );
        // 12 s: its pane [10, 20) has fired, but [0, 30) has not: it counts there.
        feed(&mut op, &[12_000]);
        assert_eq!(op.late_rows(), 0);
        assert_eq!(fire(&mut op, 40_000), vec![(0, 30_000, 3), (30_000, 40_000, 1)]);
        // [0, 30) has fired: a row of that cycle is late now.
        feed(&mut op, &[25_000]);
        assert_eq!(op.late_rows(), 1);
        assert_eq!(
            fire(&mut op, i64::MAX - 1),
            vec![(30_000, 50_000, 1), (30_000, 60_000, 1)]
        );
    }

    fn sessions() -> WindowAggregateExec {
        let count = count_star();
        WindowAggregateExec::new(
            WindowKind::Session { gap: 10_000 },
            1,
            vec![ScalarExpr::Column(0)],
            vec![count],
        )
    }

    fn feed(op: &mut WindowAggregateExec, times: &[i64]) {
        let rows = times
            .iter()
            .map(|t| vec![Value::str("A"), Value::Timestamp(*t)])
            .collect::<Vec<_>>();
        op.process(0, rows.into(), &mut Chunk::default()).unwrap();
    }

    /// (start, end, count) of the sessions fired by watermark `wm`.
    fn fire(op: &mut WindowAggregateExec, wm: i64) -> Vec<(i64, i64, i64)> {
        let mut out = Chunk::default();
        op.on_watermark(wm, &mut out).unwrap();
        out.rows
            .iter()
            .map(|r| {
                (
                    r[2].timestamp().unwrap(),
                    r[3].timestamp().unwrap(),
                    r[1].as_i64().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn sessions_that_touch_merge_and_a_bridging_row_joins_two() {
        let mut op = sessions();
        // 0 and 10 s are exactly one gap apart: [0, 10) and [10, 20) touch, so one session.
        // 40 s and 55 s are apart; 47 s bridges them.
        feed(&mut op, &[0, 10_000, 40_000, 55_000]);
        assert_eq!(op.state_size(), 3, "{:?}", op.sessions);
        feed(&mut op, &[47_000]);
        assert_eq!(fire(&mut op, i64::MAX - 1), vec![(0, 20_000, 2), (40_000, 65_000, 3)]);
    }

    #[test]
    fn a_row_behind_the_watermark_still_joins_an_open_session() {
        let mut op = sessions();
        feed(&mut op, &[100_000]);
        assert!(fire(&mut op, 95_000).is_empty());
        // 90 s alone would be [90, 100) — already past the watermark — but it touches the
        // open session [100, 110), so it joins it (Flink judges the merged window).
        feed(&mut op, &[90_000]);
        assert_eq!(op.late_rows(), 0);
        // 70 s touches nothing open: late.
        feed(&mut op, &[70_000]);
        assert_eq!(op.late_rows(), 1);
        assert_eq!(fire(&mut op, 200_000), vec![(90_000, 110_000, 2)]);
    }
}
