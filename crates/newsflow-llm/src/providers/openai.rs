//! OpenAI Chat Completions: `POST {base}/v1/chat/completions` with
//! `Authorization: Bearer $KEY`.
//!
//! The base URL is configurable (`endpoint`), so the same provider serves vLLM
//! (`http://host:8000`), Ollama (`http://localhost:11434`), llama.cpp server
//! (`http://localhost:8080`) and LM Studio (`http://localhost:1234`); a base that already
//! ends in `/v1` is not doubled. The key comes from the environment variable named by
//! `api-key-env` (default `OPENAI_API_KEY`) and is optional: local servers need none.
//! The request uses `max_tokens` (understood by all of those servers).

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use super::http::{client, insert_header, post_json};
use super::{BoxFuture, ChatRequest, Completion, Provider, ProviderError, Usage};
use crate::config::{ConfigError, ProviderConfig, ProviderKind};
use crate::outcome::ErrorKind;
use crate::secret::Secret;

/// The endpoint used when `endpoint` is not given.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com";

#[derive(Debug)]
pub struct OpenAiProvider {
    client: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<Secret>,
}

impl OpenAiProvider {
    /// Reads the API key from the environment variable named in the configuration. A
    /// missing key is an error for the default endpoint (api.openai.com) and when
    /// `api-key-env` names a variable explicitly; otherwise (a local server) the
    /// requests go without `Authorization`.
    pub fn from_config(config: &ProviderConfig) -> Result<OpenAiProvider, ConfigError> {
        let var = config.api_key_env.as_deref();
        let api_key = var.and_then(Secret::from_env);
        let explicit_var = var.is_some_and(|v| Some(v) != ProviderKind::OpenAi.default_api_key_env());
        if api_key.is_none() && (config.endpoint.is_none() || explicit_var) {
            return Err(ConfigError(format!(
                "provider 'openai' needs an API key in the environment variable {} (set it, \
                 or name another variable with 'api-key-env'; local servers given with \
                 'endpoint' need none)",
                var.unwrap_or("OPENAI_API_KEY")
            )));
        }
        Self::with_key(config, api_key)
    }

    /// With an explicit key (or none), for embedding and tests.
    pub fn with_key(config: &ProviderConfig, api_key: Option<Secret>) -> Result<OpenAiProvider, ConfigError> {
        let base = config.endpoint.as_deref().unwrap_or(DEFAULT_BASE_URL);
        Ok(OpenAiProvider {
            client: client(config)?,
            url: chat_url(base),
            model: config.model.clone(),
            api_key,
        })
    }

    fn body(&self, request: &ChatRequest) -> Value {
        let mut messages = vec![json!({"role": "system", "content": request.system})];
        messages.extend(
            request
                .messages
                .iter()
                .map(|m| json!({"role": m.role.as_str(), "content": m.content})),
        );
        json!({
            "model": self.model,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        })
    }

    async fn call(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let mut headers = HeaderMap::new();
        if let Some(key) = &self.api_key {
            insert_header(&mut headers, "authorization", &format!("Bearer {}", key.expose()))
                .map_err(|e| ProviderError::new(ErrorKind::Client, e.0))?;
        }
        let answer = post_json(
            &self.client,
            &self.url,
            headers,
            &self.body(request),
            self.api_key.as_ref(),
        )
        .await?;
        parse_answer(&answer)
    }
}

impl Provider for OpenAiProvider {
    fn name(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete<'a>(&'a self, request: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.call(request))
    }
}

/// `{base}/v1/chat/completions`, or `{base}/chat/completions` when `base` ends in `/v1`.
fn chat_url(base: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with("/v1") {
        format!("{base}/chat/completions")
    } else {
        format!("{base}/v1/chat/completions")
    }
}

/// `choices[0].message.content` and `usage.{prompt,completion}_tokens`.
fn parse_answer(answer: &Value) -> Result<Completion, ProviderError> {
    let text = answer
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| ProviderError::new(ErrorKind::Other, "the response has no choices[0].message.content"))?;
    Ok(Completion {
        text: text.to_string(),
        usage: Usage {
            input_tokens: answer
                .pointer("/usage/prompt_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            output_tokens: answer
                .pointer("/usage/completion_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            chat_url("https://api.openai.com"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            chat_url("http://localhost:11434/v1/"),
            "http://localhost:11434/v1/chat/completions"
        );
    }

    #[test]
    fn answer_shape() {
        let a = json!({"choices":[{"message":{"role":"assistant","content":"hi"}}],
                       "usage":{"prompt_tokens":12,"completion_tokens":3}});
        let c = parse_answer(&a).expect("valid");
        assert_eq!(c.text, "hi");
        assert_eq!(
            c.usage,
            Usage {
                input_tokens: 12,
                output_tokens: 3
            }
        );
        assert!(parse_answer(&json!({"choices":[]})).is_err());
    }
}
