//! The executor: a single-threaded scheduler that polls sources round-robin and pushes
//! chunks and watermarks through the operator DAG (each node lists its outputs; every
//! plan today is a tree per pipeline, joined to other pipelines through topics).
//!
//! Checkpoints are a *consistent cut between loop iterations*: the operators run on this
//! one thread and a chunk is pushed all the way to the sinks before the next poll, so
//! between two iterations no row is between operators. The only rows outside operator
//! state are those a file reader thread has read ahead (not yet handed out, so not in the
//! source's position) and those an asynchronous operator holds (in its snapshot). No
//! barriers are needed; aligned barriers become necessary once operators run on several
//! threads (see ARCHITECTURE.md).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use newsflow_common::{Chunk, Result};
use newsflow_connectors::{DeadLetters, Topics};
use newsflow_llm::MetricsSnapshot;

use crate::checkpointing::Checkpointing;
use crate::operators::source::SourceExec;
use crate::operators::Operator;
use crate::watermark::{WatermarkTracker, MIN_WATERMARK};

/// An edge of the DAG: (node, input port of that node).
pub(crate) type Edge = (usize, usize);

pub(crate) struct Node {
    /// Stable across runs of the same SQL (derived from the statement and the position in
    /// its plan): checkpointed state is matched to operators by it.
    pub id: String,
    /// The operator's plan text: a checkpoint of a different operator under the same id
    /// is refused.
    pub fingerprint: String,
    pub op: Box<dyn Operator>,
    /// Where its output goes; empty for a sink.
    pub outputs: Vec<Edge>,
    pub inputs: WatermarkTracker,
    pub out_wm: i64,
    pub pipeline: usize,
    pub max_state: usize,
    /// Its inputs went idle while it held rows, so idleness was not passed on yet.
    pub held_idle: bool,
    pub rows_in: u64,
    pub rows_out: u64,
}

pub(crate) struct SourceSlot {
    /// Stable id (see [`Node::id`]).
    pub id: String,
    pub exec: SourceExec,
    pub parent: Edge,
    pub pipeline: usize,
    pub done: bool,
    pub wake: Option<Instant>,
}

pub(crate) struct Pipeline {
    pub name: String,
    /// Where rows its operators reject go: `dead-letter/<this>.jsonl` (the sink table's
    /// name, or `select`).
    pub dead_letter_table: String,
    pub open_sources: usize,
    pub finished: bool,
    pub finished_at: Option<Instant>,
}

/// Per-operator figures after a run.
#[derive(Debug, Clone)]
pub struct OperatorStats {
    pub pipeline: String,
    pub operator: String,
    pub max_state: usize,
    /// Rows (or window-key pairs) it held when the report was taken.
    pub state: usize,
    pub late_rows: u64,
    pub rows_in: u64,
    pub rows_out: u64,
    /// Its output watermark at the end (ms since the epoch; `i64::MIN` if none yet).
    pub watermark: i64,
    /// Its stable id (what checkpoints key its state by).
    pub id: String,
}

/// Checkpoints a job took.
#[derive(Debug, Clone, Default)]
pub struct CheckpointStats {
    pub completed: u64,
    /// The checkpoint this run resumed from, if any.
    pub restored_from: Option<u64>,
    pub last_id: Option<u64>,
    pub last_bytes: u64,
    pub max_bytes: u64,
    pub last_duration: Duration,
    pub max_duration: Duration,
    pub total_duration: Duration,
    /// Where the last savepoint went.
    pub savepoint: Option<String>,
    /// When the last checkpoint completed (wall clock).
    pub last_completed_at: Option<SystemTime>,
}

/// The LLM calls of one operator (`analyze_news` bound to a provider, `ML_PREDICT`).
#[derive(Debug, Clone)]
pub struct LlmStats {
    pub pipeline: String,
    pub operator: String,
    pub metrics: MetricsSnapshot,
}

/// What a finished job did.
#[derive(Debug, Clone, Default)]
pub struct JobReport {
    pub rows_read: Vec<(String, u64)>,
    pub rows_written: Vec<(String, u64)>,
    pub operators: Vec<OperatorStats>,
    pub dead_letters: Vec<(String, u64, String)>,
    pub elapsed: Duration,
    /// Per pipeline (INSERT / SELECT): time from the job's start until its sink committed.
    pub pipelines: Vec<(String, Option<Duration>)>,
    /// Per operator that calls an LLM provider (network providers only).
    pub llm: Vec<LlmStats>,
    pub checkpoints: CheckpointStats,
    /// Per source: whether it ends by itself and how far it has got.
    pub sources: Vec<SourceProgress>,
}

/// A source's progress in a [`JobReport`].
#[derive(Debug, Clone)]
pub struct SourceProgress {
    pub table: String,
    /// It ends by itself (files, bounded generators).
    pub bounded: bool,
    /// It has ended.
    pub finished: bool,
    /// How far it has read, when it can say.
    pub progress: Option<newsflow_connectors::Progress>,
}

impl JobReport {
    pub fn rows_written_total(&self) -> u64 {
        self.rows_written.iter().map(|r| r.1).sum()
    }
    pub fn late_rows(&self) -> u64 {
        self.operators.iter().map(|o| o.late_rows).sum()
    }
    pub fn dead_letter_total(&self) -> u64 {
        self.dead_letters.iter().map(|d| d.1).sum()
    }
    /// LLM metrics summed per provider and model, one line each, for the end-of-run
    /// report: calls, errors by kind, requests, tokens, latency and estimated cost.
    pub fn llm_summary(&self) -> Vec<String> {
        let mut merged: Vec<MetricsSnapshot> = Vec::new();
        for s in &self.llm {
            let m = &s.metrics;
            match merged
                .iter_mut()
                .find(|x| x.provider == m.provider && x.model == m.model)
            {
                Some(x) => x.add(m),
                None => merged.push(m.clone()),
            }
        }
        merged
            .iter()
            .map(|m| {
                let errors = if m.errors.is_empty() {
                    String::new()
                } else {
                    let kinds: Vec<String> = m.errors.iter().map(|(k, v)| format!("{k} {v}")).collect();
                    format!(" ({})", kinds.join(", "))
                };
                format!(
                    "llm     {} {}: {} calls, {} ok, {} errors{errors}, {} requests ({} retries, {} cache hits, \
                     {} structured replies), in flight {} (peak {}), \
                     tokens {} in / {} out, latency mean {:.0} ms max {:.0} ms, est. cost ${:.4}",
                    m.provider,
                    m.model,
                    m.calls,
                    m.succeeded,
                    m.failed,
                    m.requests,
                    m.retries,
                    m.cache_hits,
                    m.structured_replies,
                    m.in_flight_limit,
                    m.in_flight_peak,
                    m.input_tokens,
                    m.output_tokens,
                    m.latency.mean_ms,
                    m.latency.max_ms,
                    m.estimated_cost_usd
                )
            })
            .collect()
    }
    pub fn max_state(&self, operator_prefix: &str) -> usize {
        self.operators
            .iter()
            .filter(|o| o.operator.starts_with(operator_prefix))
            .map(|o| o.max_state)
            .max()
            .unwrap_or(0)
    }
}

/// A running job's figures, shared with another thread (the dashboard): the executor
/// replaces the snapshot between two loops every `interval` (building it costs one pass
/// over the operators, nothing on the row path), and once more with the final report.
#[derive(Clone)]
pub struct LiveReport {
    inner: Arc<Mutex<Option<LiveSnapshot>>>,
    interval: Duration,
}

/// One published [`JobReport`].
#[derive(Debug, Clone)]
pub struct LiveSnapshot {
    pub report: JobReport,
    /// Wall-clock time it was taken.
    pub taken_at: SystemTime,
    /// Counts the snapshots published (1 for the first).
    pub seq: u64,
    /// The job has ended: this is the report `Job::run` returned.
    pub finished: bool,
}

impl LiveReport {
    pub fn new(interval: Duration) -> Self {
        LiveReport {
            inner: Arc::new(Mutex::new(None)),
            interval,
        }
    }

    /// The newest snapshot, if one was published yet.
    pub fn latest(&self) -> Option<LiveSnapshot> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn publish(&self, report: JobReport, finished: bool) {
        let mut slot = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let seq = slot.as_ref().map_or(0, |s| s.seq) + 1;
        *slot = Some(LiveSnapshot {
            report,
            taken_at: SystemTime::now(),
            seq,
            finished,
        });
    }
}

pub(crate) struct LiveState {
    pub sink: LiveReport,
    pub next: Instant,
}

/// How long a stopped job (`--duration`, Ctrl-C) waits for LLM calls still in flight.
const STOP_DRAIN: Duration = Duration::from_secs(10);

pub(crate) struct Executor {
    pub nodes: Vec<Node>,
    pub topics: Topics,
    pub checkpointing: Option<Checkpointing>,
    /// Nodes whose operator is asynchronous (see [`Operator::is_async`]).
    pub async_nodes: Vec<usize>,
    pub sources: Vec<SourceSlot>,
    pub pipelines: Vec<Pipeline>,
    pub dead: DeadLetters,
    pub batch_size: usize,
    /// Sample operator state sizes every this many batches (they are cheap to read).
    pub stats_every: usize,
    pub stop: Option<Box<dyn FnMut() -> bool>>,
    /// Where live reports go, if anyone watches.
    pub live: Option<LiveState>,
}

impl Executor {
    pub fn add_node(
        &mut self,
        id: String,
        fingerprint: String,
        mut op: Box<dyn Operator>,
        output: Option<Edge>,
        inputs: usize,
        pipeline: usize,
    ) -> usize {
        if op.as_async().is_some() {
            self.async_nodes.push(self.nodes.len());
        }
        self.nodes.push(Node {
            id,
            fingerprint,
            op,
            outputs: output.into_iter().collect(),
            inputs: WatermarkTracker::new(inputs),
            out_wm: MIN_WATERMARK,
            pipeline,
            max_state: 0,
            held_idle: false,
            rows_in: 0,
            rows_out: 0,
        });
        self.nodes.len() - 1
    }

    fn has_pending(&self, node: usize) -> bool {
        self.nodes[node].op.as_async_ref().is_some_and(|a| a.has_pending())
    }

    /// Process `chunk` at `target` and everything it produces downstream.
    fn push_rows(&mut self, target: Edge, mut chunk: Chunk) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let (node, port) = target;
        let mut out = Chunk::default();
        let n = &mut self.nodes[node];
        n.rows_in += chunk.len() as u64;
        let takes_marks = n.op.takes_watermark_marks();
        if takes_marks && !chunk.watermarks.is_empty() && n.inputs.input_count() > 1 {
            combine_marks(&n.inputs, port, &mut chunk.watermarks);
        }
        if chunk.watermarks.is_empty() || takes_marks {
            n.op.process(port, chunk, &mut out)?;
        } else if n.op.as_async_ref().is_some() {
            // An asynchronous operator emits rows later anyway: it sees the watermark
            // after the chunk, as the executor forwards it.
            chunk.watermarks.clear();
            n.op.process(port, chunk, &mut out)?;
        } else {
            process_in_time(n, port, chunk, &mut out)?;
        }
        let rejected = n.op.take_rejected();
        if !rejected.is_empty() {
            self.dead_letter(node, rejected)?;
        }
        self.forward(node, out)
    }

    /// Rows an operator rejected go to the dead letters of its pipeline's sink table.
    #[cold]
    fn dead_letter(&mut self, node: usize, rejected: Vec<crate::operators::Rejected>) -> Result<()> {
        let table = self.pipelines[self.nodes[node].pipeline].dead_letter_table.clone();
        self.dead.set_table(&table);
        for r in rejected {
            self.dead.record_failure(
                r.row.as_bytes(),
                &format!("{}: {}", r.expr, r.reason),
                &r.column,
                &r.expr,
            )?;
        }
        Ok(())
    }

    /// Send a node's output to each of its outputs (cloned for all but the last).
    fn forward(&mut self, node: usize, out: Chunk) -> Result<()> {
        if out.is_empty() {
            return Ok(());
        }
        self.nodes[node].rows_out += out.len() as u64;
        let fanout = self.nodes[node].outputs.len();
        if fanout == 1 {
            let edge = self.nodes[node].outputs[0];
            return self.push_rows(edge, out);
        }
        let mut out = Some(out);
        for i in 0..fanout {
            let edge = self.nodes[node].outputs[i];
            let chunk = if i + 1 == fanout {
                out.take().unwrap_or_default()
            } else {
                out.clone().unwrap_or_default()
            };
            self.push_rows(edge, chunk)?;
        }
        Ok(())
    }

    fn push_watermark(&mut self, target: Edge, wm: i64, idle: bool) -> Result<()> {
        let (node, port) = target;
        let n = &mut self.nodes[node];
        let Some(combined) = n.inputs.update(port, wm, idle) else {
            // Idleness still propagates when every input of this node is idle — but
            // not past rows an asynchronous operator still holds (they are not late).
            if !n.inputs.all_idle() {
                return Ok(());
            }
            if self.has_pending(node) {
                self.nodes[node].held_idle = true;
                return Ok(());
            }
            let out_wm = self.nodes[node].out_wm;
            return self.forward_watermark(node, out_wm, true);
        };
        let mut out = Chunk::default();
        let out_wm = n.op.on_watermark(combined, &mut out)?;
        let advanced = out_wm > n.out_wm;
        if advanced {
            n.out_wm = out_wm;
        }
        self.forward(node, out)?;
        if advanced {
            self.forward_watermark(node, out_wm, false)?;
        }
        Ok(())
    }

    /// Send a node's output watermark (and idleness) to each of its outputs.
    fn forward_watermark(&mut self, node: usize, wm: i64, idle: bool) -> Result<()> {
        for i in 0..self.nodes[node].outputs.len() {
            let edge = self.nodes[node].outputs[i];
            self.push_watermark(edge, wm, idle)?;
        }
        Ok(())
    }

    fn sample_state(&mut self) {
        for n in &mut self.nodes {
            let s = n.op.state_size();
            if s > n.max_state {
                n.max_state = s;
            }
        }
    }

    fn finish_pipeline(&mut self, p: usize) -> Result<()> {
        if self.pipelines[p].finished {
            return Ok(());
        }
        self.pipelines[p].finished = true;
        self.pipelines[p].finished_at = Some(Instant::now());
        for n in self.nodes.iter_mut().filter(|n| n.pipeline == p) {
            n.op.finish()?;
        }
        Ok(())
    }

    /// Whether an asynchronous operator of pipeline `p` still holds rows.
    fn pending(&self, p: usize) -> bool {
        self.async_nodes
            .iter()
            .any(|&n| self.nodes[n].pipeline == p && self.has_pending(n))
    }

    /// Pipeline `p`'s sources have all ended: commit its sink once its asynchronous
    /// operators have emitted every row they hold (with the MAX watermark behind them).
    fn finish_when_drained(&mut self, p: usize) -> Result<()> {
        if !self.pipelines[p].finished && self.pipelines[p].open_sources == 0 && !self.pending(p) {
            self.finish_pipeline(p)?;
        }
        Ok(())
    }

    /// Move what asynchronous node `node` has finished downstream: rows, then the
    /// watermark released after them; repeated until it has nothing more. Returns whether
    /// anything moved.
    fn drain_async(&mut self, node: usize) -> Result<bool> {
        let mut moved = false;
        loop {
            let mut out = Chunk::default();
            let Some(a) = self.nodes[node].op.as_async() else {
                return Ok(false);
            };
            let wm = a.poll_ready(&mut out)?;
            if out.is_empty() && wm.is_none() {
                break;
            }
            moved = true;
            self.forward(node, out)?;
            if let Some(wm) = wm {
                if wm > self.nodes[node].out_wm {
                    self.nodes[node].out_wm = wm;
                    self.forward_watermark(node, wm, false)?;
                }
            }
        }
        if self.nodes[node].held_idle && !self.has_pending(node) {
            self.nodes[node].held_idle = false;
            if self.nodes[node].inputs.all_idle() {
                let wm = self.nodes[node].out_wm;
                self.forward_watermark(node, wm, true)?;
            }
        }
        Ok(moved)
    }

    /// Poll every asynchronous node; returns whether anything moved.
    fn poll_async(&mut self) -> Result<bool> {
        let mut moved = false;
        for i in 0..self.async_nodes.len() {
            let n = self.async_nodes[i];
            moved |= self.drain_async(n)?;
        }
        Ok(moved)
    }

    /// Wait up to `timeout` for an asynchronous node's outside work; false if none is
    /// waiting on any.
    fn wait_async(&mut self, timeout: Duration) -> bool {
        let waiting = self
            .async_nodes
            .iter()
            .copied()
            .filter(|&n| self.has_pending(n))
            .collect::<Vec<_>>();
        let wait = |node: &mut Node, t: Duration| node.op.as_async().is_some_and(|a| a.wait_ready(t));
        match waiting.as_slice() {
            [] => false,
            [one] => {
                wait(&mut self.nodes[*one], timeout);
                true
            }
            // Several: wait on each in turn, briefly, so none is starved.
            many => {
                let each = (timeout / many.len() as u32).max(Duration::from_micros(200));
                for &n in many {
                    if wait(&mut self.nodes[n], each) {
                        break;
                    }
                }
                true
            }
        }
    }

    /// Run until every source has finished and every pipeline has committed (or `stop`
    /// says so).
    pub fn run(&mut self, start: Instant) -> Result<()> {
        let mut batches = 0usize;
        let mut blocked = vec![false; self.pipelines.len()];
        loop {
            let now = Instant::now();
            let mut progressed = false;
            let mut next_wake: Option<Instant> = None;
            let mut open = 0;
            // Backpressure: a full asynchronous operator pauses its own pipeline's sources.
            for b in blocked.iter_mut() {
                *b = false;
            }
            for &n in &self.async_nodes {
                if self.nodes[n].op.as_async_ref().is_some_and(|a| a.backpressured()) {
                    blocked[self.nodes[n].pipeline] = true;
                }
            }
            for s in 0..self.sources.len() {
                if self.sources[s].done {
                    continue;
                }
                open += 1;
                if blocked[self.sources[s].pipeline] {
                    continue;
                }
                if let Some(w) = self.sources[s].wake {
                    if w > now {
                        next_wake = Some(next_wake.map_or(w, |n: Instant| n.min(w)));
                        if let Some(update) = self.sources[s].exec.check_idle() {
                            let parent = self.sources[s].parent;
                            self.push_watermark(parent, update.0, update.1)?;
                        }
                        continue;
                    }
                }
                let polled = self.sources[s].exec.poll(self.batch_size, &mut self.dead)?;
                let parent = self.sources[s].parent;
                if !polled.rows.is_empty() {
                    progressed = true;
                    let mut chunk = Chunk::inserts(polled.rows);
                    chunk.watermarks = polled.marks;
                    self.push_rows(parent, chunk)?;
                    batches += 1;
                    if batches.is_multiple_of(self.stats_every) {
                        self.sample_state();
                    }
                }
                if let Some((wm, idle)) = polled.watermark {
                    progressed = true;
                    self.push_watermark(parent, wm, idle)?;
                }
                self.sources[s].wake = match polled.pending {
                    Some(Some(w)) => {
                        next_wake = Some(next_wake.map_or(w, |n: Instant| n.min(w)));
                        Some(w)
                    }
                    Some(None) => None,
                    None => None,
                };
                if let Some(update) = self.sources[s].exec.check_idle() {
                    self.push_watermark(parent, update.0, update.1)?;
                }
                if self.sources[s].exec.finished {
                    self.sources[s].done = true;
                    self.sample_state();
                    let p = self.sources[s].pipeline;
                    self.pipelines[p].open_sources -= 1;
                    // The MAX watermark has fired everything (once asynchronous operators
                    // have let it through); then commit the sink.
                    self.finish_when_drained(p)?;
                    // With checkpoints, what a finished pipeline wrote becomes visible
                    // with the next checkpoint: take it now.
                    if let Some(c) = self.checkpointing.as_mut() {
                        c.request_soon();
                    }
                }
            }
            // Processing-time work (no operator uses it yet; the hook is part of the
            // lifecycle so one can without another executor change).
            for node in 0..self.nodes.len() {
                let mut out = Chunk::default();
                self.nodes[node].op.on_tick(now, &mut out)?;
                if !out.is_empty() {
                    progressed = true;
                    self.forward(node, out)?;
                }
            }
            if !self.async_nodes.is_empty() {
                progressed |= self.poll_async()?;
                for p in 0..self.pipelines.len() {
                    self.finish_when_drained(p)?;
                }
            }
            if open == 0 && self.pipelines.iter().all(|p| p.finished) {
                break;
            }
            if self.live.as_ref().is_some_and(|l| now >= l.next) {
                self.publish_live(start);
            }
            if let Some(stop) = self.stop.as_mut() {
                if stop() {
                    break;
                }
            }
            // A consistent cut: every chunk polled so far has been pushed to the sinks.
            if self.checkpointing.as_ref().is_some_and(|c| c.savepoint_requested()) {
                self.savepoint()?;
                break;
            }
            if self.checkpointing.as_mut().is_some_and(|c| c.due(Instant::now())) {
                self.checkpoint(false)?;
            }
            if self.checkpointing.as_mut().is_some_and(|c| c.crash_now()) {
                return Err(newsflow_common::Error::runtime(crate::job::CRASHED));
            }
            if !progressed {
                let wait = next_wake
                    .map(|w| w.saturating_duration_since(Instant::now()))
                    .unwrap_or(Duration::from_millis(2))
                    .min(Duration::from_millis(50));
                // With calls in flight, wait on them: a result is taken the moment it lands.
                if !self.wait_async(wait) {
                    std::thread::sleep(wait);
                }
            }
        }
        let all_finished = self.pipelines.iter().all(|p| p.finished);
        if !all_finished && self.checkpointing.as_ref().is_some_and(|c| c.enabled()) {
            // Stopped early with checkpoints: rows held and calls in flight are in the
            // checkpoint; the next run resumes them.
            self.checkpoint(false)?;
            self.dead.flush()?;
            return Ok(());
        }
        // Stopped early: give calls in flight a bounded time to land, so rows already
        // read are not lost needlessly.
        let deadline = Instant::now() + STOP_DRAIN;
        while self.async_nodes.iter().any(|&n| self.has_pending(n)) {
            if Instant::now() >= deadline {
                let held: usize = self.async_nodes.iter().map(|&n| self.nodes[n].op.state_size()).sum();
                tracing::warn!("stopping with LLM calls still in flight: {held} rows are not written");
                break;
            }
            if !self.poll_async()? {
                self.wait_async(Duration::from_millis(20));
            }
        }
        // Flush what the sinks hold.
        self.sample_state();
        for p in 0..self.pipelines.len() {
            self.finish_pipeline(p)?;
        }
        self.dead.flush()?;
        // The final checkpoint commits what the sinks wrote last; restoring it runs nothing.
        if self.checkpointing.as_ref().is_some_and(|c| c.enabled()) {
            self.checkpoint(all_finished)?;
        }
        Ok(())
    }
}

impl Executor {
    /// The job's figures now (the operators' state sizes read now).
    pub(crate) fn report(&self, start: Instant) -> JobReport {
        let mut report = JobReport {
            elapsed: start.elapsed(),
            ..Default::default()
        };
        for p in &self.pipelines {
            report.pipelines.push((
                p.name.clone(),
                p.finished_at.map(|t| t.saturating_duration_since(start)),
            ));
        }
        for s in &self.sources {
            report.rows_read.push((s.exec.table.clone(), s.exec.rows_read));
            report.sources.push(SourceProgress {
                table: s.exec.table.clone(),
                bounded: s.exec.source.bounded(),
                finished: s.done,
                progress: s.exec.source.progress(),
            });
        }
        for n in self.nodes.iter().filter(|n| n.outputs.is_empty()) {
            // A sink: what reached it in this run, and what it set aside.
            report
                .rows_written
                .push((self.pipelines[n.pipeline].name.clone(), n.rows_in));
            if let Some((count, place)) = n.op.sink_rejected() {
                report
                    .dead_letters
                    .push((self.pipelines[n.pipeline].name.clone(), count, place));
            }
        }
        for n in &self.nodes {
            report.operators.push(OperatorStats {
                pipeline: self.pipelines[n.pipeline].name.clone(),
                operator: n.op.name(),
                max_state: n.max_state,
                state: n.op.state_size(),
                late_rows: n.op.late_rows(),
                rows_in: n.rows_in,
                rows_out: n.rows_out,
                watermark: n.out_wm,
                id: n.id.clone(),
            });
            if let Some(metrics) = n.op.as_async_ref().and_then(|a| a.call_metrics()) {
                report.llm.push(LlmStats {
                    pipeline: self.pipelines[n.pipeline].name.clone(),
                    operator: n.op.name(),
                    metrics,
                });
            }
        }
        if let Some(c) = &self.checkpointing {
            report.checkpoints = c.stats.clone();
        }
        for (t, c) in self.dead.counts() {
            report
                .dead_letters
                .push((t.clone(), *c, self.dead.path_for(t).display().to_string()));
        }
        report
    }

    #[cold]
    fn publish_live(&mut self, start: Instant) {
        let report = self.report(start);
        if let Some(l) = self.live.as_mut() {
            l.sink.publish(report, false);
            l.next = Instant::now() + l.sink.interval;
        }
    }
}

/// The marks of a chunk on input `port` of a node with several inputs, turned into the
/// advances of the node's combined watermark (marks that do not move it are dropped): what
/// an operator that takes marks itself sees, as [`process_in_time`] would hand it them.
/// The node's own tracker is left alone, as there.
fn combine_marks(inputs: &WatermarkTracker, port: usize, marks: &mut Vec<(usize, i64)>) {
    let mut inputs = inputs.clone();
    marks.retain_mut(|(_, wm)| match inputs.update(port, *wm, false) {
        Some(combined) => {
            *wm = combined;
            true
        }
        None => false,
    });
}

/// Process a chunk whose watermark advanced between its rows, as Flink would: each run of
/// rows under the watermark that stood before it, and the operator's watermark advanced
/// (timers fired, windows emitted) at each mark. The marks are this input's watermark; the
/// operator sees its combined watermark over all inputs. Its output watermark at each
/// advance becomes a mark in `out`, so the next operator gets the same precision. The
/// node's own tracker is left alone: the executor forwards the watermark after the chunk
/// as always (the operator sees that value again, which changes nothing).
fn process_in_time(n: &mut Node, port: usize, chunk: Chunk, out: &mut Chunk) -> Result<()> {
    let Chunk {
        rows,
        kinds,
        watermarks,
    } = chunk;
    let mut inputs = n.inputs.clone();
    let mut out_wm = n.out_wm;
    let mut rows = rows.into_iter();
    let mut kinds = kinds.map(Vec::into_iter);
    let mut at = 0;
    for (i, wm) in watermarks {
        if i > at {
            let seg = Chunk {
                rows: rows.by_ref().take(i - at).collect(),
                kinds: kinds.as_mut().map(|k| k.by_ref().take(i - at).collect()),
                watermarks: Vec::new(),
            };
            at = i;
            n.op.process(port, seg, out)?;
        }
        if let Some(combined) = inputs.update(port, wm, false) {
            let w = n.op.on_watermark(combined, out)?;
            if w > out_wm {
                out_wm = w;
                out.mark_watermark(w);
            }
        }
    }
    let rest = Chunk {
        rows: rows.collect(),
        kinds: kinds.map(|k| k.collect()),
        watermarks: Vec::new(),
    };
    if !rest.is_empty() {
        n.op.process(port, rest, out)?;
    }
    Ok(())
}
