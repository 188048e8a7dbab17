//! [`Analyzer`]: a synchronous, non-blocking front to the providers, for the
//! single-threaded stream executor.
//!
//! The analyser owns a tokio **multi-thread runtime with 2 worker threads**
//! (`newsflow-llm`), so HTTP, TLS and JSON work never runs on the executor's thread and
//! two workers suffice for hundreds of concurrent, mostly idle calls. The executor
//! [`submit`](Analyzer::submit)s news with its own ids, and collects results with
//! [`poll_completed`](Analyzer::poll_completed) (never blocks) or waits for one with
//! [`wait_any`](Analyzer::wait_any). Results arrive in completion order, not submission
//! order. The offline provider answers inside `submit` (it takes microseconds).
//!
//! The runtime is shut down in the background when the analyser is dropped; calls still
//! in flight are abandoned. The analyser may be created and dropped on any thread,
//! including inside another tokio runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::cache::Cache;
use crate::call::CallContext;
use crate::config::{CacheSetting, ConfigError, ProviderConfig};
use crate::metrics::MetricsSnapshot;
use crate::outcome::{ErrorKind, Outcome};
use crate::providers::{build_provider, Provider};

/// Worker threads of the analyser's runtime.
pub const WORKER_THREADS: usize = 2;

/// Analyses news through one provider; see the module documentation.
pub struct Analyzer {
    runtime: RuntimeGuard,
    context: Arc<CallContext>,
    done_tx: Sender<(u64, Outcome)>,
    done_rx: Receiver<(u64, Outcome)>,
    /// Received by [`Analyzer::wait_any`], not yet handed out.
    ready: Vec<(u64, Outcome)>,
    in_flight: AtomicUsize,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("provider", &self.context.provider)
            .field("cache", &self.context.cache)
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

impl Analyzer {
    /// Builds the provider `config` names (API keys from the environment, Bedrock
    /// credentials from the AWS chain), opens the cache and starts the runtime.
    pub fn new(config: ProviderConfig) -> Result<Analyzer, ConfigError> {
        let runtime = RuntimeGuard::start()?;
        let build_config = config.clone();
        let provider = runtime.run(async move { build_provider(&build_config).await })??;
        Analyzer::assemble(runtime, &config, provider)
    }

    /// With a ready-made provider (explicit credentials, a custom endpoint, a test
    /// double). The provider's name and model key the cache and label the metrics.
    pub fn with_provider(config: ProviderConfig, provider: Arc<dyn Provider>) -> Result<Analyzer, ConfigError> {
        let runtime = RuntimeGuard::start()?;
        Analyzer::assemble(runtime, &config, provider)
    }

    fn assemble(
        runtime: RuntimeGuard,
        config: &ProviderConfig,
        provider: Arc<dyn Provider>,
    ) -> Result<Analyzer, ConfigError> {
        let cache = match config.cache.resolve(None) {
            CacheSetting::File(_) if provider.analyze_locally("").is_some() => None,
            CacheSetting::File(path) => Some(Cache::open(&path)?),
            CacheSetting::Off | CacheSetting::Default => None,
        };
        let (done_tx, done_rx) = channel();
        Ok(Analyzer {
            runtime,
            context: Arc::new(CallContext::new(config, provider, cache)),
            done_tx,
            done_rx,
            ready: Vec::new(),
            in_flight: AtomicUsize::new(0),
        })
    }

    /// Starts analysing `text`; its result comes back tagged with `id`. Never blocks.
    pub fn submit(&self, id: u64, text: String) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        if let Some(analysis) = self.context.provider.analyze_locally(&text) {
            let outcome = Outcome::Ok(analysis);
            self.context.metrics.finished(&outcome);
            let _ = self.done_tx.send((id, outcome));
            return;
        }
        let context = Arc::clone(&self.context);
        let done = self.done_tx.clone();
        self.runtime.spawn(async move {
            let outcome = context.analyze(&text).await;
            // The receiver lives as long as the analyser; if it is gone, nobody waits.
            let _ = done.send((id, outcome));
        });
    }

    /// Results finished since the last call, in completion order. Never blocks.
    pub fn poll_completed(&mut self) -> Vec<(u64, Outcome)> {
        let mut out = std::mem::take(&mut self.ready);
        while let Ok(item) = self.done_rx.try_recv() {
            out.push(item);
        }
        self.in_flight.fetch_sub(out.len(), Ordering::SeqCst);
        out
    }

    /// Blocks until at least one result is ready to be polled or `timeout` passes.
    /// Returns whether a result is ready; returns `false` at once when nothing is in
    /// flight.
    pub fn wait_any(&mut self, timeout: Duration) -> bool {
        if !self.ready.is_empty() {
            return true;
        }
        if self.in_flight() == 0 {
            return false;
        }
        match self.done_rx.recv_timeout(timeout) {
            Ok(item) => {
                self.ready.push(item);
                true
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
        }
    }

    /// Submitted items whose results have not yet been returned by
    /// [`Analyzer::poll_completed`].
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Analyses one item and waits for the result (for scalar, non-streaming use). Does
    /// not count towards [`Analyzer::in_flight`].
    pub fn analyze_blocking(&self, text: &str) -> Outcome {
        if let Some(analysis) = self.context.provider.analyze_locally(text) {
            let outcome = Outcome::Ok(analysis);
            self.context.metrics.finished(&outcome);
            return outcome;
        }
        let context = Arc::clone(&self.context);
        let text = text.to_string();
        self.runtime
            .run(async move { context.analyze(&text).await })
            .unwrap_or_else(|e| Outcome::error(ErrorKind::Other, e.0))
    }

    /// A snapshot of the counters, with the in-flight limit's current value.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.context.metrics_snapshot()
    }

    /// The cache file in use, if any (`None`: no cache, or the offline analyser).
    pub fn cache_path(&self) -> Option<&std::path::Path> {
        self.context.cache.as_ref().map(Cache::path)
    }

    /// The provider's name (`openai`, `anthropic`, `bedrock`, `offline`, …).
    pub fn provider_name(&self) -> &str {
        self.context.provider.name()
    }

    /// The model id.
    pub fn model(&self) -> &str {
        self.context.provider.model()
    }
}

/// The runtime, shut down without waiting when dropped (so dropping the analyser never
/// blocks and is allowed inside another runtime).
struct RuntimeGuard(Option<Runtime>);

impl RuntimeGuard {
    fn start() -> Result<RuntimeGuard, ConfigError> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("newsflow-llm")
            .enable_time()
            .enable_io()
            .build()
            .map(|rt| RuntimeGuard(Some(rt)))
            .map_err(|e| ConfigError(format!("cannot start the LLM runtime: {e}")))
    }

    fn spawn<F>(&self, future: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        if let Some(rt) = &self.0 {
            rt.spawn(future);
        }
    }

    /// Runs `future` on the runtime and waits for it on this thread (works from any
    /// thread, unlike `block_on` inside another runtime).
    fn run<F, T>(&self, future: F) -> Result<T, ConfigError>
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let rt = self
            .0
            .as_ref()
            .ok_or_else(|| ConfigError("the LLM runtime is shut down".to_string()))?;
        let (tx, rx) = sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv()
            .map_err(|_| ConfigError("the LLM task ended without a result".to_string()))
    }
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::Label;

    #[test]
    fn analyzer_can_move_to_the_executor_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Analyzer>();
    }

    #[test]
    fn offline_answers_inside_submit() {
        let mut a = Analyzer::new(ProviderConfig::default()).expect("offline analyser");
        assert_eq!(a.provider_name(), "offline");
        a.submit(7, "Intel to lay off 15% of its workforce".into());
        a.submit(8, "Microsoft beats estimates, raises dividend 10%".into());
        assert_eq!(a.in_flight(), 2);
        assert!(a.wait_any(Duration::from_secs(1)));
        let done = a.poll_completed();
        assert_eq!(done.len(), 2);
        assert_eq!(done[0].0, 7);
        assert_eq!(done[0].1.label(), Some(Label::Bad));
        assert_eq!(done[1].1.label(), Some(Label::Good));
        assert_eq!(a.in_flight(), 0);
        assert!(!a.wait_any(Duration::from_secs(5)));
        assert_eq!(
            a.analyze_blocking("현대차, 주가 3% 하락…관세 우려").label(),
            Some(Label::Bad)
        );
        assert_eq!(a.metrics().calls, 3);
    }
}
