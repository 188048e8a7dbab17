//! Counters of one [`crate::Analyzer`] (one provider and model) and their
//! serialisable snapshot, [`MetricsSnapshot`].

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use crate::outcome::{ErrorKind, Outcome};
use crate::providers::Usage;

/// Upper bounds (inclusive, milliseconds) of the latency histogram buckets; a last
/// bucket counts everything slower.
pub const LATENCY_BUCKETS_MS: [u64; 10] = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000];

/// A point-in-time copy of the counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    pub provider: String,
    pub model: String,
    /// News items analysed (submitted or blocking), including cache hits.
    pub calls: u64,
    /// Calls that ended with a label.
    pub succeeded: u64,
    /// Calls that ended with an error.
    pub failed: u64,
    /// Requests sent to the provider (first tries, retries and repairs).
    pub requests: u64,
    /// Requests that were retries of a failed request.
    pub retries: u64,
    /// Repair requests (after a reply that was not the required JSON).
    pub repairs: u64,
    /// Calls answered from the cache, without a request.
    pub cache_hits: u64,
    /// Replies that came through the provider's structured output (a schema-constrained
    /// reply or the analysis tool's call) rather than as free text.
    pub structured_replies: u64,
    /// Requests sent again as plain text because the server refused structured output
    /// (HTTP 400/422); after one success that way the endpoint gets plain text only.
    pub structured_fallbacks: u64,
    /// The limit on calls in flight now (adaptive: it moves; fixed: `max-in-flight`).
    pub in_flight_limit: u64,
    /// Most calls in flight at once so far.
    pub in_flight_peak: u64,
    /// Calls that ended with an error, by kind (`timeout`, `rate_limited`, …).
    pub errors: BTreeMap<String, u64>,
    /// Failed requests by kind, including ones a retry then recovered.
    pub request_errors: BTreeMap<String, u64>,
    /// Tokens as reported by the API's usage fields.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Latency of the requests sent to the provider.
    pub latency: LatencySnapshot,
    /// `input_tokens / 1000 × cost.input-per-1k + output_tokens / 1000 × cost.output-per-1k`.
    pub estimated_cost_usd: f64,
}

impl MetricsSnapshot {
    /// Adds `other`'s counters to these (the same provider and model, another operator):
    /// sums, the larger maximum, and the mean recomputed from the sums.
    pub fn add(&mut self, other: &MetricsSnapshot) {
        self.calls += other.calls;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.requests += other.requests;
        self.retries += other.retries;
        self.repairs += other.repairs;
        self.cache_hits += other.cache_hits;
        self.structured_replies += other.structured_replies;
        self.structured_fallbacks += other.structured_fallbacks;
        self.in_flight_limit += other.in_flight_limit;
        self.in_flight_peak += other.in_flight_peak;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.request_errors {
            *self.request_errors.entry(k.clone()).or_default() += v;
        }
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.latency.count += other.latency.count;
        self.latency.sum_ms += other.latency.sum_ms;
        self.latency.max_ms = self.latency.max_ms.max(other.latency.max_ms);
        self.latency.mean_ms = if self.latency.count > 0 {
            self.latency.sum_ms / self.latency.count as f64
        } else {
            0.0
        };
        for (b, o) in self.latency.buckets.iter_mut().zip(&other.latency.buckets) {
            b.count += o.count;
        }
        self.estimated_cost_usd += other.estimated_cost_usd;
    }
}

/// Request latency: count, sum, max and a (non-cumulative) histogram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencySnapshot {
    pub count: u64,
    pub sum_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    /// One entry per bucket: requests with latency `<= le_ms` and above the previous
    /// bound; `le_ms` is `None` for the last (slower) bucket.
    pub buckets: Vec<LatencyBucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyBucket {
    pub le_ms: Option<u64>,
    pub count: u64,
}

#[derive(Default)]
struct Counters {
    calls: u64,
    succeeded: u64,
    failed: u64,
    requests: u64,
    retries: u64,
    repairs: u64,
    cache_hits: u64,
    structured_replies: u64,
    structured_fallbacks: u64,
    errors: BTreeMap<ErrorKind, u64>,
    request_errors: BTreeMap<ErrorKind, u64>,
    input_tokens: u64,
    output_tokens: u64,
    latency_count: u64,
    latency_sum: Duration,
    latency_max: Duration,
    latency_buckets: [u64; LATENCY_BUCKETS_MS.len() + 1],
}

/// Thread-safe counters, updated by the analysis tasks.
pub(crate) struct Metrics {
    provider: String,
    model: String,
    cost_input_per_1k: f64,
    cost_output_per_1k: f64,
    counters: Mutex<Counters>,
}

impl Metrics {
    pub(crate) fn new(provider: &str, model: &str, cost_input_per_1k: f64, cost_output_per_1k: f64) -> Metrics {
        Metrics {
            provider: provider.to_string(),
            model: model.to_string(),
            cost_input_per_1k,
            cost_output_per_1k,
            counters: Mutex::new(Counters::default()),
        }
    }

    fn update(&self, f: impl FnOnce(&mut Counters)) {
        // A poisoned lock only means another thread panicked mid-update; counters stay usable.
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut c);
    }

    pub(crate) fn cache_hit(&self) {
        self.update(|c| c.cache_hits += 1);
    }

    pub(crate) fn retry(&self) {
        self.update(|c| c.retries += 1);
    }

    pub(crate) fn repair(&self) {
        self.update(|c| c.repairs += 1);
    }

    pub(crate) fn structured_reply(&self) {
        self.update(|c| c.structured_replies += 1);
    }

    pub(crate) fn structured_fallback(&self) {
        self.update(|c| c.structured_fallbacks += 1);
    }

    /// One request to the provider ended after `latency`: with `usage`, or failing with
    /// `error`.
    pub(crate) fn request(&self, latency: Duration, usage: Option<Usage>, error: Option<ErrorKind>) {
        self.update(|c| {
            c.requests += 1;
            c.latency_count += 1;
            c.latency_sum += latency;
            c.latency_max = c.latency_max.max(latency);
            let ms = latency.as_millis();
            let bucket = LATENCY_BUCKETS_MS
                .iter()
                .position(|&le| ms <= u128::from(le))
                .unwrap_or(LATENCY_BUCKETS_MS.len());
            c.latency_buckets[bucket] += 1;
            if let Some(u) = usage {
                c.input_tokens += u.input_tokens;
                c.output_tokens += u.output_tokens;
            }
            if let Some(kind) = error {
                *c.request_errors.entry(kind).or_default() += 1;
            }
        });
    }

    /// One call (news item) finished with `outcome`.
    pub(crate) fn finished(&self, outcome: &Outcome) {
        self.update(|c| {
            c.calls += 1;
            match outcome {
                Outcome::Ok(_) => c.succeeded += 1,
                Outcome::Error(e) => {
                    c.failed += 1;
                    *c.errors.entry(e.kind).or_default() += 1;
                }
            }
        });
    }

    /// The counters, with the in-flight limit's current value and peak.
    pub(crate) fn snapshot(&self, in_flight_limit: usize, in_flight_peak: usize) -> MetricsSnapshot {
        let c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let names = |m: &BTreeMap<ErrorKind, u64>| m.iter().map(|(k, v)| (k.as_str().to_string(), *v)).collect();
        let sum_ms = c.latency_sum.as_secs_f64() * 1000.0;
        let buckets = c
            .latency_buckets
            .iter()
            .enumerate()
            .map(|(i, &count)| LatencyBucket {
                le_ms: LATENCY_BUCKETS_MS.get(i).copied(),
                count,
            })
            .collect();
        MetricsSnapshot {
            provider: self.provider.clone(),
            model: self.model.clone(),
            calls: c.calls,
            succeeded: c.succeeded,
            failed: c.failed,
            requests: c.requests,
            retries: c.retries,
            repairs: c.repairs,
            cache_hits: c.cache_hits,
            structured_replies: c.structured_replies,
            structured_fallbacks: c.structured_fallbacks,
            in_flight_limit: in_flight_limit as u64,
            in_flight_peak: in_flight_peak as u64,
            errors: names(&c.errors),
            request_errors: names(&c.request_errors),
            input_tokens: c.input_tokens,
            output_tokens: c.output_tokens,
            latency: LatencySnapshot {
                count: c.latency_count,
                sum_ms,
                max_ms: c.latency_max.as_secs_f64() * 1000.0,
                mean_ms: if c.latency_count > 0 {
                    sum_ms / c.latency_count as f64
                } else {
                    0.0
                },
                buckets,
            },
            estimated_cost_usd: c.input_tokens as f64 / 1000.0 * self.cost_input_per_1k
                + c.output_tokens as f64 / 1000.0 * self.cost_output_per_1k,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_latency_tokens_and_cost() {
        let m = Metrics::new("openai", "m", 0.5, 1.5);
        m.request(
            Duration::from_millis(120),
            Some(Usage {
                input_tokens: 1000,
                output_tokens: 2000,
            }),
            None,
        );
        m.request(Duration::from_millis(70_000), None, Some(ErrorKind::Server));
        m.retry();
        m.finished(&Outcome::error(ErrorKind::Server, "x"));
        m.structured_reply();
        let s = m.snapshot(3, 5);
        assert_eq!((s.structured_replies, s.in_flight_limit, s.in_flight_peak), (1, 3, 5));
        assert_eq!((s.requests, s.retries, s.calls, s.failed), (2, 1, 1, 1));
        assert_eq!(s.errors.get("server"), Some(&1));
        assert_eq!(s.request_errors.get("server"), Some(&1));
        assert_eq!(s.latency.count, 2);
        assert_eq!(s.latency.max_ms, 70_000.0);
        assert_eq!(s.latency.buckets[2].count, 1); // <= 250 ms
        assert_eq!(s.latency.buckets.last().map(|b| (b.le_ms, b.count)), Some((None, 1)));
        assert!((s.estimated_cost_usd - 3.5).abs() < 1e-9);
        let json = serde_json::to_value(&s).expect("serialize");
        assert_eq!(json["errors"]["server"], 1);
    }
}
