//! One analysis call, as an async task: cache lookup → a place under the in-flight limit
//! (`limiter.rs`) → request (with timeout and retries) → parse → at most one repair
//! request → cache store → [`Outcome`].
//!
//! Retries: a request that timed out, could not connect, got 429 or 5xx is sent again
//! up to `max-retries` times, after [`crate::retry::delay`] (honouring `Retry-After`);
//! other 4xx and unreadable responses are not retried. The place is held during backoff,
//! so a throttled provider does not get more concurrent calls; every request's latency
//! or failure feeds the adaptive limit. A failure is always an [`Outcome::Error`], never
//! a label.
//!
//! Structured output: with `structured-output = 'auto'` requests ask for the analysis's
//! schema. A server that refuses such a request as invalid (HTTP 400/422) gets it again
//! once as plain text; when that succeeds, the endpoint is remembered as one without
//! structured output and later requests go as plain text from the start. The reply is
//! read by the same parser either way (a schema-constrained reply is plain JSON).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cache::{cache_key, Cache, CacheKeyParts};
use crate::config::{ProviderConfig, StructuredOutput};
use crate::limiter::{InFlightLimit, Signal};
use crate::metrics::Metrics;
use crate::outcome::{ErrorKind, Outcome};
use crate::parse::parse_reply;
use crate::prompt::{first_request, repair_request, system_prompt};
use crate::providers::{ChatRequest, Completion, Provider, ProviderError};

/// Everything the analysis tasks share.
pub(crate) struct CallContext {
    pub(crate) provider: Arc<dyn Provider>,
    /// The system prompt of plain text requests.
    pub(crate) system_text: String,
    /// The system prompt of structured requests.
    pub(crate) system_structured: String,
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) retry_backoff: Duration,
    pub(crate) max_tokens: u32,
    pub(crate) max_input_chars: usize,
    pub(crate) temperature: f32,
    pub(crate) structured_output: StructuredOutput,
    /// The endpoint refused structured output and answered plain text instead.
    pub(crate) structured_refused: AtomicBool,
    pub(crate) limit: Arc<InFlightLimit>,
    pub(crate) cache: Option<Cache>,
    pub(crate) metrics: Metrics,
}

impl CallContext {
    pub(crate) fn new(config: &ProviderConfig, provider: Arc<dyn Provider>, cache: Option<Cache>) -> CallContext {
        let metrics = Metrics::new(
            provider.name(),
            provider.model(),
            config.cost_input_per_1k,
            config.cost_output_per_1k,
        );
        CallContext {
            system_text: system_prompt(config.system_prompt.as_deref(), false),
            system_structured: system_prompt(config.system_prompt.as_deref(), true),
            timeout: config.timeout,
            max_retries: config.max_retries,
            retry_backoff: config.retry_backoff,
            max_tokens: config.max_tokens,
            max_input_chars: config.max_input_chars,
            temperature: config.temperature,
            structured_output: config.structured_output,
            structured_refused: AtomicBool::new(false),
            limit: InFlightLimit::new(config.concurrency, config.max_in_flight, config.timeout),
            cache,
            metrics,
            provider,
        }
    }

    /// Analyses one news item; records the outcome in the metrics.
    pub(crate) async fn analyze(&self, news: &str) -> Outcome {
        let outcome = self.run(news).await;
        self.metrics.finished(&outcome);
        if let Outcome::Error(e) = &outcome {
            tracing::warn!(provider = self.provider.name(), kind = %e.kind, reason = %e.reason, "news analysis failed");
        }
        outcome
    }

    /// A snapshot of the metrics with the in-flight limit's current value.
    pub(crate) fn metrics_snapshot(&self) -> crate::metrics::MetricsSnapshot {
        self.metrics.snapshot(self.limit.current(), self.limit.peak())
    }

    async fn run(&self, news: &str) -> Outcome {
        let structured =
            self.structured_output == StructuredOutput::Auto && !self.structured_refused.load(Ordering::Relaxed);
        let system = if structured {
            &self.system_structured
        } else {
            &self.system_text
        };
        let request = first_request(
            system,
            news,
            self.max_input_chars,
            self.max_tokens,
            self.temperature,
            structured,
        );
        let key = self.cache.as_ref().map(|_| {
            cache_key(&CacheKeyParts {
                provider: self.provider.name(),
                model: self.provider.model(),
                endpoint: self.provider.endpoint(),
                structured_output: self.structured_output.as_str(),
                system_prompt: system,
                user_message: request.messages.first().map_or("", |m| m.content.as_str()),
            })
        });
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            if let Some(hit) = cache.get(key) {
                self.metrics.cache_hit();
                return Outcome::Ok(hit);
            }
        }
        let Some(_place) = self.limit.acquire().await else {
            return Outcome::error(ErrorKind::Other, "the analyser is shutting down");
        };
        let first = match self.send(&request).await {
            Ok(c) => c,
            Err(e) => return Outcome::error(e.kind, e.message),
        };
        let analysis = match parse_reply(&first.text) {
            Ok(a) => a,
            Err(problem) => {
                self.metrics.repair();
                let repair = repair_request(&request, &first.text, &problem);
                let second = match self.send(&repair).await {
                    Ok(c) => c,
                    Err(e) => {
                        return Outcome::error(
                            e.kind,
                            format!("invalid reply ({problem}); the repair request failed: {}", e.message),
                        )
                    }
                };
                match parse_reply(&second.text) {
                    Ok(a) => a,
                    Err(again) => {
                        return Outcome::error(
                            ErrorKind::InvalidReply,
                            format!("invalid reply ({problem}), and again after a repair request ({again})"),
                        )
                    }
                }
            }
        };
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            cache.put(key, &analysis);
        }
        Outcome::Ok(analysis)
    }

    /// Sends `request`; a structured request the server refuses as invalid goes again
    /// as plain text (see the module documentation).
    async fn send(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let first = self.send_retrying(request).await;
        let refused = match &first {
            Err(e) if request.structured && e.refuses_structured_output() => e,
            _ => return first,
        };
        tracing::debug!(provider = self.provider.name(), error = %refused, "structured request refused; trying plain text");
        self.metrics.structured_fallback();
        let plain = ChatRequest {
            structured: false,
            system: self.system_text.clone(),
            ..request.clone()
        };
        let second = self.send_retrying(&plain).await;
        if second.is_ok() && !self.structured_refused.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                provider = self.provider.name(),
                endpoint = self.provider.endpoint(),
                error = %refused,
                "the server refuses structured output; sending plain text requests to it from now on"
            );
        }
        second
    }

    /// Sends `request`, retrying retryable failures.
    async fn send_retrying(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let mut attempt = 0u32;
        loop {
            let epoch = self.limit.started();
            let started = Instant::now();
            let result = match tokio::time::timeout(self.timeout, self.provider.complete(request)).await {
                Ok(r) => r,
                Err(_) => Err(ProviderError::new(
                    ErrorKind::Timeout,
                    format!("no answer within {} ms", self.timeout.as_millis()),
                )),
            };
            let latency = started.elapsed();
            match result {
                Ok(c) => {
                    self.metrics.request(latency, Some(c.usage), None);
                    self.limit.finished(epoch, Signal::Answered(latency));
                    if c.structured {
                        self.metrics.structured_reply();
                    }
                    return Ok(c);
                }
                Err(e) if request.structured && e.refuses_structured_output() => {
                    // Not the server's load: a request it cannot take (see `send`).
                    self.metrics.request(latency, None, Some(ErrorKind::Client));
                    self.limit.finished(epoch, Signal::Neutral);
                    return Err(e);
                }
                Err(mut e) => {
                    self.metrics.request(latency, None, Some(e.kind));
                    let overloaded = matches!(e.kind, ErrorKind::Timeout | ErrorKind::RateLimited | ErrorKind::Server);
                    let signal = if overloaded {
                        Signal::Overloaded
                    } else {
                        Signal::Neutral
                    };
                    self.limit.finished(epoch, signal);
                    if !e.kind.is_retryable() || attempt >= self.max_retries {
                        if attempt > 0 {
                            e.message = format!("{} (after {} attempts)", e.message, attempt + 1);
                        }
                        return Err(e);
                    }
                    let delay = crate::retry::delay(self.retry_backoff, attempt, e.retry_after);
                    tracing::debug!(
                        provider = self.provider.name(),
                        kind = %e.kind,
                        attempt = attempt + 1,
                        delay_ms = delay.as_millis() as u64,
                        "LLM request failed; retrying"
                    );
                    self.metrics.retry();
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }
}
