//! One analysis call, as an async task: cache lookup → a slot of the `max-in-flight`
//! semaphore → request (with timeout and retries) → parse → at most one repair request
//! → cache store → [`Outcome`].
//!
//! Retries: a request that timed out, could not connect, got 429 or 5xx is sent again
//! up to `max-retries` times, after [`crate::retry::delay`] (honouring `Retry-After`);
//! other 4xx and unreadable responses are not retried. The slot is held during backoff,
//! so a throttled provider does not get more concurrent calls. A failure is always an
//! [`Outcome::Error`], never a label.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::cache::{cache_key, Cache};
use crate::config::ProviderConfig;
use crate::metrics::Metrics;
use crate::outcome::{ErrorKind, Outcome};
use crate::parse::parse_reply;
use crate::prompt::{first_request, repair_request, system_prompt};
use crate::providers::{ChatRequest, Completion, Provider, ProviderError};

/// Everything the analysis tasks share.
pub(crate) struct CallContext {
    pub(crate) provider: Arc<dyn Provider>,
    pub(crate) system: String,
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) retry_backoff: Duration,
    pub(crate) max_tokens: u32,
    pub(crate) max_input_chars: usize,
    pub(crate) temperature: f32,
    pub(crate) slots: Arc<Semaphore>,
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
            system: system_prompt(config.system_prompt.as_deref()),
            timeout: config.timeout,
            max_retries: config.max_retries,
            retry_backoff: config.retry_backoff,
            max_tokens: config.max_tokens,
            max_input_chars: config.max_input_chars,
            temperature: config.temperature,
            slots: Arc::new(Semaphore::new(config.max_in_flight)),
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

    async fn run(&self, news: &str) -> Outcome {
        let request = first_request(
            &self.system,
            news,
            self.max_input_chars,
            self.max_tokens,
            self.temperature,
        );
        let key = self.cache.as_ref().map(|_| {
            let user = request.messages.first().map_or("", |m| m.content.as_str());
            cache_key(self.provider.name(), self.provider.model(), &self.system, user)
        });
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            if let Some(hit) = cache.get(key) {
                self.metrics.cache_hit();
                return Outcome::Ok(hit);
            }
        }
        let Ok(_slot) = self.slots.acquire().await else {
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

    /// Sends `request`, retrying retryable failures.
    async fn send(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let mut attempt = 0u32;
        loop {
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
                    return Ok(c);
                }
                Err(mut e) => {
                    self.metrics.request(latency, None, Some(e.kind));
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
