//! AnalyzeExec: analyse a text per row through an LLM provider without blocking the
//! executor — `analyze_news(…)` bound to a network provider, and `ML_PREDICT`.
//!
//! ```text
//!  rows ──► FIFO [r1 r2 W1 r3 r4 W2 …]        W = input watermark that arrived after a row
//!             │ submit(id, text), ≤ max-in-flight calls        ▲ completions, any order
//!             ▼                                                 │
//!           Analyzer (tokio, 2 threads) ──────── provider ───────┘
//!  emit: pop the head while it is done ─► row ++ result columns; then its W, if any
//! ```
//!
//! Invariants
//! * **Input order.** A row is emitted when it and every row before it are done; results
//!   that complete out of order wait in the FIFO.
//! * **The watermark is held back.** An input watermark is remembered on the last row
//!   that arrived before it, and released only when that row is emitted; with nothing
//!   held it passes straight through. So the output watermark is never ahead of a row
//!   still waiting (unless that row was already late on input), and a window after this
//!   operator sees exactly the rows and watermarks it would see with an inline function.
//! * **Bounded.** At most `max-in-flight` calls run at once; rows beyond wait unsent in the
//!   FIFO. When the FIFO holds [`AnalyzeExec::capacity`] rows the executor stops polling
//!   this pipeline's sources (backpressure on this pipeline only: other pipelines, such as
//!   the trade stream, keep their speed).
//! * **Failures are rows.** A failed call yields label `error` (and a NULL score and
//!   summary, plus the reason in an `error` column or the JSON) — never `bad`.
//! * **End of input waits.** The executor does not finish (commit) the pipeline's sink
//!   while rows are held here.
//!
//! * **Checkpoints.** A snapshot holds every row still in the FIFO (with the watermark
//!   after it); a restore asks for them again (the disk cache answers what was already
//!   answered), so a row in flight at a crash is neither lost nor emitted twice.
//!
//! With the `offline` provider (only reachable through `ML_PREDICT`; `analyze_news`
//! offline is an inline scalar function) the analysis runs inline in `process`.

use std::collections::VecDeque;
use std::time::Duration;

use newsflow_common::{Chunk, Error, Result, Row, Value};
use newsflow_expr::ScalarExpr;
use newsflow_llm::{Analyzer, MetricsSnapshot, Outcome, ProviderConfig, ProviderKind};
use newsflow_sql::AnalyzeColumn;
use newsflow_state::codec;

use super::{AsyncOperator, Operator, OperatorSnapshot};
use crate::watermark::MIN_WATERMARK;

enum State {
    /// Not sent yet (all calls slots busy).
    Waiting(String),
    InFlight,
    /// `None`: the text was NULL, so every result column is NULL.
    Done(Option<Outcome>),
}

struct Entry {
    row: Row,
    state: State,
    /// The input watermark that arrived after this row (and before the next one).
    wm_after: Option<i64>,
}

pub struct AnalyzeExec {
    call: String,
    text: ScalarExpr,
    columns: Vec<AnalyzeColumn>,
    /// `None` for the offline analyser, which runs inline.
    analyzer: Option<Analyzer>,
    max_in_flight: usize,
    capacity: usize,
    queue: VecDeque<Entry>,
    /// Id of `queue[0]`; entry `i` has id `first_id + i`.
    first_id: u64,
    /// Index in `queue` of the first entry not yet sent.
    next_send: usize,
    in_flight: usize,
    out_wm: i64,
}

impl AnalyzeExec {
    /// Starts the provider's analyser (reads API keys from the environment, opens the
    /// cache). Errors name what is missing.
    pub fn new(call: &str, text: ScalarExpr, columns: Vec<AnalyzeColumn>, config: ProviderConfig) -> Result<Self> {
        let max_in_flight = config.max_in_flight;
        let analyzer = if config.provider == ProviderKind::Offline {
            None
        } else {
            Some(Analyzer::new(config).map_err(|e| Error::config(format!("{call}: {e}")))?)
        };
        Ok(Self::with_analyzer(call, text, columns, analyzer, max_in_flight))
    }

    /// With a ready-made analyser (`None`: the offline analyser, inline), e.g. one over a
    /// test double of a provider.
    pub fn with_analyzer(
        call: &str,
        text: ScalarExpr,
        columns: Vec<AnalyzeColumn>,
        analyzer: Option<Analyzer>,
        max_in_flight: usize,
    ) -> Self {
        let max_in_flight = max_in_flight.max(1);
        AnalyzeExec {
            call: call.to_string(),
            text,
            columns,
            analyzer,
            max_in_flight,
            capacity: Self::capacity(max_in_flight),
            queue: VecDeque::new(),
            first_id: 0,
            next_send: 0,
            in_flight: 0,
            out_wm: MIN_WATERMARK,
        }
    }

    /// Rows held before the pipeline's sources are paused: two rounds of calls, so the
    /// next round is always queued when a call finishes.
    pub fn capacity(max_in_flight: usize) -> usize {
        (2 * max_in_flight).max(64)
    }

    fn result_row(&self, mut row: Row, outcome: Option<&Outcome>) -> Row {
        for c in &self.columns {
            let v = match outcome {
                None => Value::Null,
                Some(o) => match c {
                    AnalyzeColumn::Json => Value::str(&o.to_json()),
                    AnalyzeColumn::Label => Value::str(o.label_str()),
                    AnalyzeColumn::Score => o.analysis().map_or(Value::Null, |a| Value::Double(a.score)),
                    AnalyzeColumn::Summary => o.analysis().map_or(Value::Null, |a| Value::str(&a.summary)),
                    AnalyzeColumn::Error => match o {
                        Outcome::Error(e) => Value::str(&format!("{}: {}", e.kind, e.reason)),
                        Outcome::Ok(_) => Value::Null,
                    },
                },
            };
            row.push(v);
        }
        row
    }

    /// Send waiting texts while call slots are free.
    fn send(&mut self) {
        let Some(analyzer) = &self.analyzer else { return };
        while self.in_flight < self.max_in_flight && self.next_send < self.queue.len() {
            let id = self.first_id + self.next_send as u64;
            if let Some(entry) = self.queue.get_mut(self.next_send) {
                if matches!(entry.state, State::Waiting(_)) {
                    if let State::Waiting(text) = std::mem::replace(&mut entry.state, State::InFlight) {
                        analyzer.submit(id, text);
                        self.in_flight += 1;
                    }
                }
            }
            self.next_send += 1;
        }
    }

    /// Emit done rows from the head. Stops after a row that carries a watermark and
    /// returns it (the caller forwards it after the rows), or — when `watermarks` is
    /// false — before such a row.
    fn drain(&mut self, out: &mut Chunk, watermarks: bool) -> Option<i64> {
        loop {
            let head = self.queue.front()?;
            if !matches!(head.state, State::Done(_)) || (head.wm_after.is_some() && !watermarks) {
                return None;
            }
            let entry = self.queue.pop_front()?;
            self.first_id += 1;
            self.next_send = self.next_send.saturating_sub(1);
            let outcome = match entry.state {
                State::Done(o) => o,
                State::Waiting(_) | State::InFlight => None,
            };
            out.push(self.result_row(entry.row, outcome.as_ref()));
            if let Some(wm) = entry.wm_after {
                self.out_wm = self.out_wm.max(wm);
                return Some(self.out_wm);
            }
        }
    }

    /// Queue a row: inline analysis (offline), NULL text, or waiting for a call.
    fn enqueue(&mut self, row: Row, wm_after: Option<i64>) {
        let state = match self.text.eval(&row) {
            Value::Str(s) => match &self.analyzer {
                Some(_) => State::Waiting(s.to_string()),
                None => State::Done(Some(Outcome::Ok(newsflow_llm::analyze(&s)))),
            },
            _ => State::Done(None),
        };
        self.queue.push_back(Entry { row, state, wm_after });
    }

    fn collect(&mut self) {
        let Some(analyzer) = self.analyzer.as_mut() else { return };
        for (id, outcome) in analyzer.poll_completed() {
            self.in_flight = self.in_flight.saturating_sub(1);
            let Some(i) = id.checked_sub(self.first_id) else {
                continue;
            };
            if let Some(entry) = self.queue.get_mut(i as usize) {
                entry.state = State::Done(Some(outcome));
            }
        }
    }
}

impl Operator for AnalyzeExec {
    fn name(&self) -> String {
        format!("AnalyzeExec({})", self.call)
    }

    fn process(&mut self, _input: usize, chunk: Chunk, out: &mut Chunk) -> Result<()> {
        let rows = chunk.into_inserts(&self.name())?;
        for row in rows {
            self.enqueue(row, None);
        }
        self.send();
        self.drain(out, false);
        Ok(())
    }

    fn on_watermark(&mut self, wm: i64, out: &mut Chunk) -> Result<i64> {
        match self.queue.back_mut() {
            None => self.out_wm = self.out_wm.max(wm),
            Some(last) => {
                last.wm_after = Some(last.wm_after.map_or(wm, |w| w.max(wm)));
                self.drain(out, true);
            }
        }
        Ok(self.out_wm)
    }

    fn state_size(&self) -> usize {
        self.queue.len()
    }

    fn snapshot(&mut self, _checkpoint: u64) -> Result<OperatorSnapshot> {
        let held: Vec<(&Row, Option<i64>)> = self.queue.iter().map(|e| (&e.row, e.wm_after)).collect();
        let state = (self.out_wm, held);
        Ok(OperatorSnapshot {
            state: Some(codec::encode(&self.name(), &state)?),
            commit: None,
        })
    }

    fn restore(&mut self, state: Option<&[u8]>, _commit: Option<&serde_json::Value>) -> Result<()> {
        let Some(bytes) = state else { return Ok(()) };
        let (out_wm, held): (i64, Vec<(Row, Option<i64>)>) = codec::decode(&self.name(), bytes)?;
        self.out_wm = out_wm;
        for (row, wm_after) in held {
            self.enqueue(row, wm_after);
        }
        self.send();
        Ok(())
    }

    fn as_async(&mut self) -> Option<&mut dyn AsyncOperator> {
        Some(self)
    }

    fn as_async_ref(&self) -> Option<&dyn AsyncOperator> {
        Some(self)
    }
}

impl AsyncOperator for AnalyzeExec {
    fn poll_ready(&mut self, out: &mut Chunk) -> Result<Option<i64>> {
        self.collect();
        self.send();
        Ok(self.drain(out, true))
    }

    fn has_pending(&self) -> bool {
        !self.queue.is_empty()
    }

    fn backpressured(&self) -> bool {
        self.queue.len() >= self.capacity
    }

    fn wait_ready(&mut self, timeout: Duration) -> bool {
        match self.analyzer.as_mut() {
            Some(a) if self.in_flight > 0 => a.wait_any(timeout),
            // Nothing in flight to wake us: still wait, so the executor never spins.
            _ => {
                std::thread::sleep(timeout);
                false
            }
        }
    }

    fn call_metrics(&self) -> Option<MetricsSnapshot> {
        self.analyzer.as_ref().map(Analyzer::metrics)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};
    use std::time::Instant;

    use newsflow_llm::providers::BoxFuture;
    use newsflow_llm::{ChatRequest, Completion, Provider, ProviderError};

    use super::*;

    /// A provider whose answer to a news item comes only when the test releases it.
    #[derive(Debug, Default)]
    struct Gated {
        state: Mutex<(HashSet<String>, Vec<Waker>)>,
    }

    impl Gated {
        fn release(&self, news: &str) {
            let mut s = self.state.lock().unwrap();
            s.0.insert(news.to_string());
            for w in s.1.drain(..) {
                w.wake();
            }
        }
    }

    struct Wait<'a>(&'a Gated, String);

    impl Future for Wait<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let mut s = self.0.state.lock().unwrap();
            if s.0.contains(&self.1) {
                Poll::Ready(())
            } else {
                s.1.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    impl Provider for Gated {
        fn name(&self) -> &str {
            "gated"
        }
        fn model(&self) -> &str {
            "m"
        }
        fn complete<'a>(&'a self, request: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, ProviderError>> {
            let user = request.messages.last().map(|m| m.content.clone()).unwrap_or_default();
            let news = newsflow_llm::prompt::extract_news(&user).unwrap_or_default();
            Box::pin(async move {
                Wait(self, news.clone()).await;
                let label = if news.contains("up") { "good" } else { "bad" };
                Ok(Completion {
                    text: format!(r#"{{"label": "{label}", "summary": "{news}"}}"#),
                    usage: Default::default(),
                    structured: false,
                })
            })
        }
    }

    /// Polls until `want` rows came out (or panics after 5 s); returns the rows and the
    /// watermark released after them, if any.
    fn collect(op: &mut AnalyzeExec, want: usize) -> (Vec<Row>, Option<i64>) {
        let start = Instant::now();
        let (mut rows, mut wm) = (Chunk::default(), None);
        while rows.len() < want {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "only {} of {want} rows",
                rows.len()
            );
            op.wait_ready(Duration::from_millis(20));
            if let Some(w) = op.poll_ready(&mut rows).unwrap() {
                wm = Some(w);
            }
        }
        (rows.rows, wm)
    }

    #[test]
    fn rows_leave_in_input_order_and_the_watermark_waits_for_them() {
        let gated = Arc::new(Gated::default());
        let config = ProviderConfig {
            cache: newsflow_llm::CacheSetting::Off,
            max_retries: 0,
            ..ProviderConfig::for_provider(ProviderKind::OpenAi)
        };
        let analyzer = Analyzer::with_provider(config, gated.clone()).unwrap();
        let mut op = AnalyzeExec::with_analyzer(
            "t",
            ScalarExpr::Column(0),
            vec![AnalyzeColumn::Label],
            Some(analyzer),
            2,
        );
        let mut out = Chunk::default();
        let row = |s: &str| vec![Value::str(s)];
        op.process(0, vec![row("a up"), row("b down"), row("c up")].into(), &mut out)
            .unwrap();
        // Only 2 calls in flight; the watermark that followed row c is held.
        assert_eq!(op.on_watermark(100, &mut out).unwrap(), MIN_WATERMARK);
        op.process(0, vec![row("d down")].into(), &mut out).unwrap();
        assert_eq!(op.on_watermark(200, &mut out).unwrap(), MIN_WATERMARK);
        assert!(out.is_empty() && op.has_pending());
        // b finishes first: nothing may pass a, which is still waiting.
        gated.release("b down");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(op.poll_ready(&mut out).unwrap(), None);
        assert!(out.is_empty());
        // a finishes: a and b leave, in order; c is sent (a slot freed) but not done, so
        // the watermark 100 (after c) is still held.
        gated.release("a up");
        let (rows, wm) = collect(&mut op, 2);
        let labels: Vec<String> = rows.iter().map(|r| format!("{}={}", r[0], r[1])).collect();
        assert_eq!(labels, ["a up=good", "b down=bad"]);
        assert_eq!(wm, None);
        // d before c: still held behind c.
        gated.release("d down");
        std::thread::sleep(Duration::from_millis(50));
        let mut more = Chunk::default();
        assert_eq!(op.poll_ready(&mut more).unwrap(), None);
        assert!(more.is_empty());
        // c: c leaves, then watermark 100; then d, then 200.
        gated.release("c up");
        let (rows, wm) = collect(&mut op, 1);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][1], Value::str("good"));
        assert_eq!(wm, Some(100));
        let (rows, wm) = collect(&mut op, 1);
        assert_eq!(rows[0][0], Value::str("d down"));
        assert_eq!(wm, Some(200));
        assert!(!op.has_pending());
        // With nothing held, a watermark passes straight through.
        assert_eq!(op.on_watermark(300, &mut more).unwrap(), 300);
        assert_eq!(op.call_metrics().map(|m| m.calls), Some(4));
    }

    /// Rows in flight at a checkpoint are asked again after a restore, in input order,
    /// with the watermark that followed them still held behind them.
    #[test]
    fn rows_in_flight_at_a_snapshot_are_asked_again_after_restore() {
        let config = ProviderConfig {
            cache: newsflow_llm::CacheSetting::Off,
            max_retries: 0,
            ..ProviderConfig::for_provider(ProviderKind::OpenAi)
        };
        let make = |gated: Arc<Gated>| {
            let analyzer = Analyzer::with_provider(config.clone(), gated).unwrap();
            AnalyzeExec::with_analyzer(
                "t",
                ScalarExpr::Column(0),
                vec![AnalyzeColumn::Label],
                Some(analyzer),
                2,
            )
        };
        let row = |s: &str| vec![Value::str(s)];
        let mut op = make(Arc::new(Gated::default()));
        let mut out = Chunk::default();
        op.process(0, vec![row("a up"), row("b down"), row("c up")].into(), &mut out)
            .unwrap();
        assert_eq!(op.on_watermark(100, &mut out).unwrap(), MIN_WATERMARK);
        assert!(out.is_empty());
        let snap = op.snapshot(1).unwrap();
        drop(op);
        // A new process: the provider answers everything at once.
        let gated = Arc::new(Gated::default());
        for t in ["a up", "b down", "c up"] {
            gated.release(t);
        }
        let mut op = make(gated);
        op.restore(snap.state.as_deref(), None).unwrap();
        assert!(op.has_pending());
        let (rows, wm) = collect(&mut op, 3);
        let labels: Vec<String> = rows.iter().map(|r| format!("{}={}", r[0], r[1])).collect();
        assert_eq!(labels, ["a up=good", "b down=bad", "c up=good"]);
        assert_eq!(wm, Some(100));
        assert!(!op.has_pending());
    }

    fn offline(columns: Vec<AnalyzeColumn>) -> AnalyzeExec {
        AnalyzeExec::new("t", ScalarExpr::Column(0), columns, ProviderConfig::default()).unwrap()
    }

    #[test]
    fn offline_rows_pass_through_with_their_watermarks() {
        let mut op = offline(vec![AnalyzeColumn::Label, AnalyzeColumn::Score, AnalyzeColumn::Error]);
        let mut out = Chunk::default();
        op.process(
            0,
            vec![
                vec![Value::str("Intel to lay off 15% of its workforce")],
                vec![Value::Null],
            ]
            .into(),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out.rows[0][1], Value::str("bad"));
        assert!(matches!(out.rows[0][2], Value::Double(s) if s < 0.0));
        assert_eq!(out.rows[0][3], Value::Null);
        assert_eq!(out.rows[1][1..], [Value::Null, Value::Null, Value::Null]);
        assert_eq!(op.on_watermark(10, &mut out).unwrap(), 10);
        assert!(!op.has_pending());
    }
}
