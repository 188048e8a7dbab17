//! The executor: a single-threaded scheduler that polls sources round-robin and pushes rows
//! and watermarks up each pipeline's operator tree.

use std::time::{Duration, Instant};

use newsflow_common::{Result, Row};
use newsflow_connectors::DeadLetters;
use newsflow_llm::MetricsSnapshot;

use crate::operators::source::SourceExec;
use crate::operators::Operator;
use crate::watermark::{WatermarkTracker, MIN_WATERMARK};

pub(crate) struct Node {
    pub op: Box<dyn Operator>,
    /// (parent node, input port of the parent); None for a sink.
    pub parent: Option<(usize, usize)>,
    pub inputs: WatermarkTracker,
    pub out_wm: i64,
    pub pipeline: usize,
    pub max_state: usize,
    /// Its inputs went idle while it held rows, so idleness was not passed on yet.
    pub held_idle: bool,
}

pub(crate) struct SourceSlot {
    pub exec: SourceExec,
    pub parent: (usize, usize),
    pub pipeline: usize,
    pub done: bool,
    pub wake: Option<Instant>,
}

pub(crate) struct Pipeline {
    pub name: String,
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
    pub late_rows: u64,
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
}

impl JobReport {
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
                    "llm     {} {}: {} calls, {} ok, {} errors{errors}, {} requests ({} retries, {} cache hits), \
                     tokens {} in / {} out, latency mean {:.0} ms max {:.0} ms, est. cost ${:.4}",
                    m.provider,
                    m.model,
                    m.calls,
                    m.succeeded,
                    m.failed,
                    m.requests,
                    m.retries,
                    m.cache_hits,
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

/// How long a stopped job (`--duration`, Ctrl-C) waits for LLM calls still in flight.
const STOP_DRAIN: Duration = Duration::from_secs(10);

pub(crate) struct Executor {
    pub nodes: Vec<Node>,
    /// Nodes whose operator is asynchronous (see [`Operator::is_async`]).
    pub async_nodes: Vec<usize>,
    pub sources: Vec<SourceSlot>,
    pub pipelines: Vec<Pipeline>,
    pub dead: DeadLetters,
    pub batch_size: usize,
    /// Sample operator state sizes every this many batches (they are cheap to read).
    pub stats_every: usize,
    pub stop: Option<Box<dyn FnMut() -> bool>>,
}

impl Executor {
    pub fn add_node(
        &mut self,
        op: Box<dyn Operator>,
        parent: Option<(usize, usize)>,
        inputs: usize,
        pipeline: usize,
    ) -> usize {
        if op.is_async() {
            self.async_nodes.push(self.nodes.len());
        }
        self.nodes.push(Node {
            op,
            parent,
            inputs: WatermarkTracker::new(inputs),
            out_wm: MIN_WATERMARK,
            pipeline,
            max_state: 0,
            held_idle: false,
        });
        self.nodes.len() - 1
    }

    fn push_rows(&mut self, mut target: (usize, usize), mut rows: Vec<Row>) -> Result<()> {
        loop {
            if rows.is_empty() {
                return Ok(());
            }
            let (node, port) = target;
            let mut out = Vec::new();
            self.nodes[node].op.process(port, rows, &mut out)?;
            match self.nodes[node].parent {
                Some(p) => {
                    target = p;
                    rows = out;
                }
                None => return Ok(()),
            }
        }
    }

    fn push_watermark(&mut self, mut target: (usize, usize), mut wm: i64, mut idle: bool) -> Result<()> {
        loop {
            let (node, port) = target;
            let n = &mut self.nodes[node];
            let Some(combined) = n.inputs.update(port, wm, idle) else {
                // Idleness still propagates when every input of this node is idle — but
                // not past rows an asynchronous operator still holds (they are not late).
                if n.inputs.all_idle() && n.op.has_pending() {
                    n.held_idle = true;
                    return Ok(());
                }
                if n.inputs.all_idle() {
                    if let Some(p) = n.parent {
                        target = p;
                        wm = n.out_wm;
                        idle = true;
                        continue;
                    }
                }
                return Ok(());
            };
            let mut out = Vec::new();
            let out_wm = n.op.on_watermark(combined, &mut out)?;
            let parent = n.parent;
            let advanced = out_wm > n.out_wm;
            if advanced {
                n.out_wm = out_wm;
            }
            if let Some(p) = parent {
                self.push_rows(p, out)?;
                if !advanced {
                    return Ok(());
                }
                target = p;
                wm = out_wm;
                idle = false;
            } else {
                return Ok(());
            }
        }
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
            .any(|&n| self.nodes[n].pipeline == p && self.nodes[n].op.has_pending())
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
            let mut out = Vec::new();
            let wm = self.nodes[node].op.poll_ready(&mut out)?;
            if out.is_empty() && wm.is_none() {
                break;
            }
            moved = true;
            let parent = self.nodes[node].parent;
            if let Some(p) = parent {
                self.push_rows(p, out)?;
            }
            if let Some(wm) = wm {
                if wm > self.nodes[node].out_wm {
                    self.nodes[node].out_wm = wm;
                    if let Some(p) = parent {
                        self.push_watermark(p, wm, false)?;
                    }
                }
            }
        }
        let n = &mut self.nodes[node];
        if n.held_idle && !n.op.has_pending() {
            n.held_idle = false;
            if n.inputs.all_idle() {
                if let Some(p) = n.parent {
                    let wm = n.out_wm;
                    self.push_watermark(p, wm, true)?;
                }
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
            .filter(|&n| self.nodes[n].op.has_pending())
            .collect::<Vec<_>>();
        match waiting.as_slice() {
            [] => false,
            [one] => {
                self.nodes[*one].op.wait_ready(timeout);
                true
            }
            // Several: wait on each in turn, briefly, so none is starved.
            many => {
                let each = (timeout / many.len() as u32).max(Duration::from_micros(200));
                for &n in many {
                    if self.nodes[n].op.wait_ready(each) {
                        break;
                    }
                }
                true
            }
        }
    }

    /// Run until every source has finished and every pipeline has committed (or `stop`
    /// says so).
    pub fn run(&mut self) -> Result<()> {
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
                if self.nodes[n].op.backpressured() {
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
                    self.push_rows(parent, polled.rows)?;
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
            if let Some(stop) = self.stop.as_mut() {
                if stop() {
                    break;
                }
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
        // Stopped early: give calls in flight a bounded time to land, so rows already
        // read are not lost needlessly.
        let deadline = Instant::now() + STOP_DRAIN;
        while self.async_nodes.iter().any(|&n| self.nodes[n].op.has_pending()) {
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
        Ok(())
    }
}
