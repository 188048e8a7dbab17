//! How many provider calls run at once: a FIFO of waiting calls behind a limit that is
//! either fixed (`concurrency = 'fixed'`: always `max-in-flight`) or adapted to the
//! provider (`'adaptive'`, the default) by additive increase, multiplicative decrease:
//!
//! * The limit starts at [`ADAPTIVE_START`] (2) and never leaves `[1, max-in-flight]`.
//! * Answers are counted in **rounds** of as many answers as the limit. At the end of a
//!   round whose calls kept the limit busy, the round's mean latency is compared with the
//!   **baseline**, the mean latency learnt while the limit was at its start value or below
//!   (so with little queueing of our own at the provider):
//!   - at most [`LATENCY_TOLERANCE`] × baseline, and no answer slower than a quarter of
//!     the timeout: **one more** call in flight;
//!   - above that: the provider is queueing our calls (a one-slot local server answers
//!     `n` calls in `n` times its time for one), so **one fewer**;
//!   - otherwise (answers slower than a quarter of the timeout): no change.
//! * An answer slower than **half the timeout** cuts the limit by a quarter at once: a
//!   timeout is near.
//! * A **timeout, 429 or 5xx** halves the limit at once.
//!
//! Both cuts happen once per round trip: the ends of requests that started before the
//! last cut belong to the same congestion and do not cut again.
//!
//! A round in which fewer calls were waiting than the limit allowed (the stream is slower
//! than the provider) says nothing about a higher limit, so it does not raise it. The
//! baseline is learnt again whenever the limit is back at its start value or below, so a
//! provider that became slower for everyone stops looking congested.
//!
//! A call holds its place ([`Permit`]) for all its requests (retries, backoff, the repair
//! request); each request reports its latency or failure with [`InFlightLimit::finished`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::config::{Concurrency, ADAPTIVE_START};

/// A round's mean latency above this many times the baseline counts as queueing.
pub const LATENCY_TOLERANCE: f64 = 2.0;

/// What one request's end says about the provider's load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Signal {
    /// Answered after this long.
    Answered(Duration),
    /// Timed out, or refused with 429 / 5xx: the provider is overloaded.
    Overloaded,
    /// Failed in a way that says nothing about load (4xx, connection refused, …).
    Neutral,
}

/// The limit and its FIFO of waiting calls.
pub(crate) struct InFlightLimit {
    adaptive: bool,
    max: usize,
    /// Half the request timeout: an answer slower than this is close to timing out.
    slow: Duration,
    /// A quarter of the request timeout: the limit grows only while answers are faster.
    headroom: Duration,
    state: Mutex<State>,
}

struct State {
    limit: usize,
    in_use: usize,
    /// Most places held at once since the start.
    peak: usize,
    waiters: VecDeque<oneshot::Sender<Permit>>,
    /// Bumped at every halving; a request remembers the epoch it started in.
    epoch: u64,
    round: Round,
    baseline: Option<Duration>,
}

#[derive(Default)]
struct Round {
    answers: usize,
    sum: Duration,
    max: Duration,
    /// Most places held (plus calls waiting for one) during the round, capped at the limit.
    busiest: usize,
}

/// One call's place under the limit; released when dropped.
pub(crate) struct Permit {
    limit: Arc<InFlightLimit>,
    /// Cleared when the permit could not be handed over (it was never in use).
    armed: bool,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.armed {
            self.limit.release();
        }
    }
}

impl InFlightLimit {
    pub(crate) fn new(concurrency: Concurrency, max_in_flight: usize, timeout: Duration) -> Arc<InFlightLimit> {
        let max = max_in_flight.max(1);
        let adaptive = concurrency == Concurrency::Adaptive;
        let limit = if adaptive { ADAPTIVE_START.min(max) } else { max };
        Arc::new(InFlightLimit {
            adaptive,
            max,
            slow: timeout / 2,
            headroom: timeout / 4,
            state: Mutex::new(State {
                limit,
                in_use: 0,
                peak: 0,
                waiters: VecDeque::new(),
                epoch: 0,
                round: Round::default(),
                baseline: None,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a thread panicked mid-update; the counts stay usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current limit.
    pub(crate) fn current(&self) -> usize {
        self.lock().limit
    }

    /// Most calls that held a place at once.
    pub(crate) fn peak(&self) -> usize {
        self.lock().peak
    }

    /// Waits for a place (first come, first served). `None` only if the limit is gone.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Option<Permit> {
        let rx = {
            let mut s = self.lock();
            if s.in_use < s.limit && s.waiters.is_empty() {
                s.in_use += 1;
                s.peak = s.peak.max(s.in_use);
                s.note_demand();
                return Some(Permit {
                    limit: Arc::clone(self),
                    armed: true,
                });
            }
            let (tx, rx) = oneshot::channel();
            s.waiters.push_back(tx);
            s.note_demand();
            rx
        };
        rx.await.ok()
    }

    fn release(self: &Arc<Self>) {
        let mut s = self.lock();
        s.in_use = s.in_use.saturating_sub(1);
        self.grant(&mut s);
    }

    /// Hands free places to the waiting calls, oldest first.
    fn grant(self: &Arc<Self>, s: &mut State) {
        while s.in_use < s.limit {
            let Some(tx) = s.waiters.pop_front() else { break };
            s.in_use += 1;
            let permit = Permit {
                limit: Arc::clone(self),
                armed: true,
            };
            if let Err(mut unclaimed) = tx.send(permit) {
                // The call is gone (its task was dropped): the place was never used.
                unclaimed.armed = false;
                s.in_use -= 1;
            }
        }
        s.peak = s.peak.max(s.in_use);
        s.note_demand();
    }

    /// A request starts: the epoch its failure is judged in.
    pub(crate) fn started(&self) -> u64 {
        self.lock().epoch
    }

    /// A request that started in `epoch` ended with `signal`.
    pub(crate) fn finished(self: &Arc<Self>, epoch: u64, signal: Signal) {
        if !self.adaptive {
            return;
        }
        let mut s = self.lock();
        match signal {
            Signal::Neutral => {}
            Signal::Overloaded => {
                if epoch == s.epoch {
                    let to = (s.limit / 2).max(1);
                    s.cut(to);
                    tracing::debug!(limit = s.limit, "LLM provider overloaded; halving the calls in flight");
                }
            }
            Signal::Answered(latency) if latency > self.slow => {
                if epoch == s.epoch {
                    let to = (s.limit * 3 / 4).max(1);
                    s.cut(to);
                    tracing::debug!(
                        limit = s.limit,
                        latency_ms = latency.as_millis() as u64,
                        "LLM answer close to the timeout; fewer calls in flight"
                    );
                }
            }
            Signal::Answered(latency) => {
                let r = &mut s.round;
                r.answers += 1;
                r.sum += latency;
                r.max = r.max.max(latency);
                if r.answers >= s.limit {
                    self.end_round(&mut s);
                    self.grant(&mut s);
                }
            }
        }
    }

    fn end_round(&self, s: &mut State) {
        let round = std::mem::take(&mut s.round);
        s.note_demand();
        let mean = round.sum / round.answers.max(1) as u32;
        let learning = s.limit <= ADAPTIVE_START;
        if learning {
            // Learn the latency of a lightly loaded provider (a moving average over rounds).
            s.baseline = Some(match s.baseline {
                None => mean,
                Some(b) => b.mul_f64(0.5) + mean.mul_f64(0.5),
            });
        }
        let baseline = s.baseline.unwrap_or(mean);
        let before = s.limit;
        if mean.as_secs_f64() > baseline.as_secs_f64() * LATENCY_TOLERANCE {
            s.limit = s.limit.saturating_sub(1).max(1);
        } else if round.busiest >= s.limit && round.max <= self.headroom {
            s.limit = (s.limit + 1).min(self.max);
        }
        if s.limit != before {
            tracing::debug!(
                from = before,
                to = s.limit,
                mean_ms = mean.as_millis() as u64,
                baseline_ms = baseline.as_millis() as u64,
                "LLM calls in flight adapted"
            );
        }
    }
}

impl State {
    /// Lowers the limit to `to` and starts a new round trip.
    fn cut(&mut self, to: usize) {
        self.limit = to;
        self.epoch += 1;
        self.round = Round::default();
        self.note_demand();
    }

    /// Remembers how many calls wanted a place during this round.
    fn note_demand(&mut self) {
        let wanted = (self.in_use + self.waiters.len()).min(self.limit);
        self.round.busiest = self.round.busiest.max(wanted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
    }

    const MS: Duration = Duration::from_millis(1);

    /// Holds `n` places (so rounds count as busy) and returns them.
    fn hold(rt: &tokio::runtime::Runtime, l: &Arc<InFlightLimit>, n: usize) -> Vec<Permit> {
        rt.block_on(async {
            let mut held = Vec::new();
            for _ in 0..n {
                held.push(l.acquire().await.expect("permit"));
            }
            held
        })
    }

    /// One busy round at the current limit: its calls start together, and every answer
    /// comes after `latency`.
    fn round(rt: &tokio::runtime::Runtime, l: &Arc<InFlightLimit>, latency: Duration) {
        let n = l.current();
        let held = hold(rt, l, n);
        let epoch = l.started();
        for _ in 0..n {
            l.finished(epoch, Signal::Answered(latency));
        }
        drop(held);
    }

    #[test]
    fn grows_by_one_per_busy_round_while_latency_holds() {
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Adaptive, 6, Duration::from_secs(10));
        assert_eq!(l.current(), 2);
        let mut seen = vec![l.current()];
        for _ in 0..6 {
            round(&rt, &l, 100 * MS);
            seen.push(l.current());
        }
        assert_eq!(seen, [2, 3, 4, 5, 6, 6, 6], "bounded by max-in-flight");
    }

    #[test]
    fn idle_rounds_do_not_raise_the_limit() {
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Adaptive, 16, Duration::from_secs(10));
        for _ in 0..5 {
            // One call at a time: the limit of 2 is never used up.
            let p = hold(&rt, &l, 1);
            l.finished(l.started(), Signal::Answered(100 * MS));
            l.finished(l.started(), Signal::Answered(100 * MS));
            drop(p);
        }
        assert_eq!(l.current(), 2);
    }

    #[test]
    fn queueing_latency_stops_growth_and_steps_back() {
        // A one-slot server: n calls in flight take n × 100 ms each.
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Adaptive, 16, Duration::from_secs(10));
        let mut most = 0;
        for _ in 0..30 {
            let n = l.current() as u32;
            round(&rt, &l, 100 * MS * n);
            most = most.max(l.current());
        }
        assert!(most <= 5, "grew to {most} against a one-slot server");
        assert!(l.current() >= 2 && l.current() <= 5, "{}", l.current());
    }

    #[test]
    fn overload_halves_once_per_round_trip() {
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Adaptive, 16, Duration::from_secs(10));
        for _ in 0..6 {
            round(&rt, &l, 10 * MS);
        }
        assert_eq!(l.current(), 8);
        // Eight calls started together all time out: one halving, not three.
        let epoch = l.started();
        for _ in 0..8 {
            l.finished(epoch, Signal::Overloaded);
        }
        assert_eq!(l.current(), 4);
        // A call started after the halving still overloads it: halve again.
        l.finished(l.started(), Signal::Overloaded);
        assert_eq!(l.current(), 2);
        l.finished(l.started(), Signal::Overloaded);
        l.finished(l.started(), Signal::Overloaded);
        assert_eq!(l.current(), 1, "never below one");
        l.finished(l.started(), Signal::Neutral);
        assert_eq!(l.current(), 1);
    }

    #[test]
    fn an_answer_close_to_the_timeout_cuts_the_limit() {
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Adaptive, 16, Duration::from_secs(1));
        for _ in 0..6 {
            round(&rt, &l, 50 * MS);
        }
        assert_eq!(l.current(), 8);
        round(&rt, &l, 600 * MS);
        assert_eq!(l.current(), 6);
    }

    #[test]
    fn the_limit_grows_only_with_headroom_below_the_timeout() {
        // Answers in 300 ms with a 1 s timeout: steady (no queueing), but over a quarter
        // of the timeout, so the limit stays where it is.
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Adaptive, 16, Duration::from_secs(1));
        for _ in 0..5 {
            round(&rt, &l, 300 * MS);
        }
        assert_eq!(l.current(), 2);
    }

    #[test]
    fn fixed_stays_at_max_in_flight() {
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Fixed, 5, Duration::from_secs(1));
        assert_eq!(l.current(), 5);
        l.finished(l.started(), Signal::Overloaded);
        round(&rt, &l, 900 * MS);
        assert_eq!(l.current(), 5);
    }

    #[test]
    fn waiting_calls_get_places_in_order_and_never_more_than_the_limit() {
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Fixed, 2, Duration::from_secs(1));
        rt.block_on(async {
            let a = l.acquire().await.expect("a");
            let b = l.acquire().await.expect("b");
            let order = Arc::new(Mutex::new(Vec::new()));
            let mut tasks = Vec::new();
            for i in 0..3 {
                let (l, order) = (Arc::clone(&l), Arc::clone(&order));
                tasks.push(tokio::spawn(async move {
                    let p = l.acquire().await.expect("permit");
                    order.lock().expect("lock").push(i);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    drop(p);
                }));
                tokio::task::yield_now().await;
            }
            tokio::task::yield_now().await;
            assert!(order.lock().expect("lock").is_empty(), "no place was free");
            drop(a);
            drop(b);
            for t in tasks {
                t.await.expect("task");
            }
            assert_eq!(*order.lock().expect("lock"), [0, 1, 2]);
        });
        assert_eq!(l.peak(), 2);
        assert_eq!(l.lock().in_use, 0);
    }

    #[test]
    fn a_call_dropped_while_waiting_gives_its_place_back() {
        let rt = runtime();
        let l = InFlightLimit::new(Concurrency::Fixed, 1, Duration::from_secs(1));
        rt.block_on(async {
            let a = l.acquire().await.expect("a");
            let waiting = tokio::spawn({
                let l = Arc::clone(&l);
                async move { l.acquire().await.map(drop) }
            });
            tokio::task::yield_now().await;
            waiting.abort();
            let _ = waiting.await;
            drop(a);
            let again = tokio::time::timeout(Duration::from_secs(1), l.acquire()).await;
            assert!(matches!(again, Ok(Some(_))), "the place was lost");
        });
    }
}
