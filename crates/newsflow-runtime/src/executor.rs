//! The executor: a single-threaded scheduler that polls sources round-robin and pushes rows
//! and watermarks up each pipeline's operator tree.

use std::time::{Duration, Instant};

use newsflow_common::{Result, Row};
use newsflow_connectors::DeadLetters;

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
}

/// Per-operator figures after a run.
#[derive(Debug, Clone)]
pub struct OperatorStats {
    pub pipeline: String,
    pub operator: String,
    pub max_state: usize,
    pub late_rows: u64,
}

/// What a finished job did.
#[derive(Debug, Clone, Default)]
pub struct JobReport {
    pub rows_read: Vec<(String, u64)>,
    pub rows_written: Vec<(String, u64)>,
    pub operators: Vec<OperatorStats>,
    pub dead_letters: Vec<(String, u64, String)>,
    pub elapsed: Duration,
}

impl JobReport {
    pub fn late_rows(&self) -> u64 {
        self.operators.iter().map(|o| o.late_rows).sum()
    }
    pub fn dead_letter_total(&self) -> u64 {
        self.dead_letters.iter().map(|d| d.1).sum()
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

pub(crate) struct Executor {
    pub nodes: Vec<Node>,
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
        self.nodes.push(Node {
            op,
            parent,
            inputs: WatermarkTracker::new(inputs),
            out_wm: MIN_WATERMARK,
            pipeline,
            max_state: 0,
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
                // Idleness still propagates when every input of this node is idle.
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
        for n in self.nodes.iter_mut().filter(|n| n.pipeline == p) {
            n.op.finish()?;
        }
        Ok(())
    }

    /// Run until every source has finished (or `stop` says so).
    pub fn run(&mut self) -> Result<()> {
        let mut batches = 0usize;
        loop {
            let now = Instant::now();
            let mut progressed = false;
            let mut next_wake: Option<Instant> = None;
            let mut open = 0;
            for s in 0..self.sources.len() {
                if self.sources[s].done {
                    continue;
                }
                open += 1;
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
                    if self.pipelines[p].open_sources == 0 {
                        // The MAX watermark has already fired everything; commit the sink.
                        self.finish_pipeline(p)?;
                    }
                }
            }
            if open == 0 {
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
                std::thread::sleep(wait);
            }
        }
        // Stopped early (or everything ended): flush what the sinks hold.
        self.sample_state();
        for p in 0..self.pipelines.len() {
            self.finish_pipeline(p)?;
        }
        self.dead.flush()?;
        Ok(())
    }
}
