//! The [`Provider`] interface — one chat request in, one text reply out — and its
//! implementations, one per file:
//!
//! * [`offline`] — the built-in analyser; answers locally, no network.
//! * [`openai`] — OpenAI Chat Completions (`POST {base}/v1/chat/completions`), and every
//!   server speaking it (vLLM, Ollama, llama.cpp server, LM Studio).
//! * [`anthropic`] — Anthropic Messages (`POST {base}/v1/messages`).
//! * `bedrock` — Amazon Bedrock Runtime Converse (`POST /model/{id}/converse`) through the
//!   AWS SDK (cargo feature `bedrock`, on by default).
//! * `http` — the shared HTTP plumbing: the `reqwest` client and how statuses and
//!   transport failures become [`ProviderError`]s.
//!
//! A provider makes exactly one request per call: retries, timeouts, repair, caching,
//! the fallback from structured output to text and metrics are the [`crate::Analyzer`]'s
//! job, so every provider behaves the same.
//!
//! **Structured output.** A request with [`ChatRequest::structured`] asks the provider to
//! enforce the analysis's JSON schema (`schema.rs`): `openai` sends it as
//! `response_format`; `anthropic` and `bedrock` offer one tool whose input schema it is
//! and force it with the tool choice, then return the tool call's input as the reply
//! text. A reply that does not use the tool is returned as text, and the
//! [`Completion::structured`] flag says which it was.

pub mod anthropic;
#[cfg(feature = "bedrock")]
pub mod bedrock;
#[cfg(feature = "bedrock")]
mod bedrock_document;
#[cfg(feature = "bedrock")]
mod bedrock_http;
mod http;
pub mod offline;
pub mod openai;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{ConfigError, ProviderConfig, ProviderKind};
use crate::offline::Analysis;
use crate::outcome::ErrorKind;

/// A boxed, sendable future (the trait is object-safe, so providers can be swapped at
/// run time).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A chat request: system prompt, alternating turns starting with the user, and the
/// cap on the reply length.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Ask for the analysis's JSON schema through the provider's structured output.
    pub structured: bool,
}

/// Tokens the API reports for one request (0 when it reports none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// The model's reply and its token usage.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The reply text; for a structured reply, the JSON the provider enforced (the tool
    /// call's input, serialised).
    pub text: String,
    pub usage: Usage,
    /// The reply came through structured output (a schema-constrained reply or a tool
    /// call), not as free text.
    pub structured: bool,
}

/// One failed request. `message` never contains a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderError {
    pub kind: ErrorKind,
    pub message: String,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
    /// The HTTP status, when the server answered with an error status.
    pub status: Option<u16>,
}

impl ProviderError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ProviderError {
        ProviderError {
            kind,
            message: message.into(),
            retry_after: None,
            status: None,
        }
    }

    /// What a server that does not understand a structured request answers: HTTP 400 or
    /// 422 (the request is invalid), or another error status whose message names the
    /// structured-output field (llama-cpp-python's server answers its validation error
    /// about `response_format` with 500).
    pub fn refuses_structured_output(&self) -> bool {
        match self.status {
            Some(400 | 422) => true,
            Some(_) => [
                "response_format",
                "json_schema",
                "tool_choice",
                "toolConfig",
                "toolChoice",
            ]
            .iter()
            .any(|field| self.message.contains(field)),
            None => false,
        }
    }
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for ProviderError {}

/// A model behind one wire protocol.
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// The provider's name (`openai`, `anthropic`, `bedrock`, `offline`, …), used in
    /// metrics and cache keys.
    fn name(&self) -> &str;

    /// The model id, used in metrics and cache keys.
    fn model(&self) -> &str;

    /// Where the requests go (a URL, or for Bedrock the region or endpoint override), used
    /// in cache keys so that the same model name on another server is another model.
    fn endpoint(&self) -> &str {
        ""
    }

    /// Sends one request and returns the reply text. Makes exactly one attempt.
    fn complete<'a>(&'a self, request: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, ProviderError>>;

    /// Providers that need no model call analyse the news directly (the offline
    /// analyser); the [`crate::Analyzer`] then skips prompt, pool and cache.
    fn analyze_locally(&self, _news: &str) -> Option<Analysis> {
        None
    }
}

/// Builds the provider `config` names. API keys are read from the environment here;
/// Bedrock credentials and region from the AWS default chain (hence `async`).
pub async fn build_provider(config: &ProviderConfig) -> Result<Arc<dyn Provider>, ConfigError> {
    match config.provider {
        ProviderKind::Offline => Ok(Arc::new(offline::OfflineProvider)),
        ProviderKind::OpenAi => Ok(Arc::new(openai::OpenAiProvider::from_config(config)?)),
        ProviderKind::Anthropic => Ok(Arc::new(anthropic::AnthropicProvider::from_config(config)?)),
        #[cfg(feature = "bedrock")]
        ProviderKind::Bedrock => Ok(Arc::new(bedrock::BedrockProvider::from_environment(config).await?)),
        #[cfg(not(feature = "bedrock"))]
        ProviderKind::Bedrock => Err(ConfigError(
            "provider 'bedrock' needs newsflow-llm built with the cargo feature 'bedrock'".to_string(),
        )),
    }
}
