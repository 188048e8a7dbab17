//! OpenAI Chat Completions: `POST {base}/v1/chat/completions` with
//! `Authorization: Bearer $KEY`.
//!
//! The base URL is configurable (`endpoint`), so the same provider serves vLLM
//! (`http://host:8000`), Ollama (`http://localhost:11434`), llama.cpp server
//! (`http://localhost:8080`) and LM Studio (`http://localhost:1234`); a base that already
//! ends in `/v1` is not doubled. The key comes from the environment variable named by
//! `api-key-env` (default `OPENAI_API_KEY`) and is optional: local servers need none.
//! The request uses `max_tokens` (understood by all of those servers). A structured
//! request adds `response_format: {"type": "json_schema", "json_schema": {"name", "strict":
//! true, "schema"}}` (`schema.rs`), which those servers enforce with a grammar or
//! constrained decoding; the reply's `content` is then that JSON. A server that refuses
//! that form (llama-cpp-python's knows only `{"type": "json_object", "schema": …}`) is
//! asked once more in the older form, and when that works the provider keeps using it;
//! when it too is refused, the analyser falls back to plain text (`call.rs`).

use std::sync::atomic::{AtomicBool, Ordering};

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
    /// The server refused `json_schema` and took `json_object` with a schema.
    json_object_form: AtomicBool,
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
            json_object_form: AtomicBool::new(false),
        })
    }

    /// The request body; a structured one in the `json_object` form when `json_object`.
    fn body_in(&self, request: &ChatRequest, json_object: bool) -> Value {
        let mut messages = vec![json!({"role": "system", "content": request.system})];
        messages.extend(
            request
                .messages
                .iter()
                .map(|m| json!({"role": m.role.as_str(), "content": m.content})),
        );
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        });
        if request.structured {
            body["response_format"] = if json_object {
                crate::schema::json_object_response_format()
            } else {
                crate::schema::openai_response_format()
            };
        }
        body
    }

    async fn call(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let json_object = self.json_object_form.load(Ordering::Relaxed);
        let first = self.post(request, json_object).await;
        match first {
            Err(e) if request.structured && !json_object && e.refuses_structured_output() => {
                let second = self.post(request, true).await;
                if second.is_ok() && !self.json_object_form.swap(true, Ordering::Relaxed) {
                    tracing::info!(
                        url = %self.url,
                        refused = %e,
                        "the server takes response_format as {{\"type\": \"json_object\", \"schema\"}}; using that form"
                    );
                }
                second
            }
            other => other,
        }
    }

    async fn post(&self, request: &ChatRequest, json_object: bool) -> Result<Completion, ProviderError> {
        let mut headers = HeaderMap::new();
        if let Some(key) = &self.api_key {
            insert_header(&mut headers, "authorization", &format!("Bearer {}", key.expose()))
                .map_err(|e| ProviderError::new(ErrorKind::Client, e.0))?;
        }
        let answer = post_json(
            &self.client,
            &self.url,
            headers,
            &self.body_in(request, json_object),
            self.api_key.as_ref(),
        )
        .await?;
        parse_answer(&answer, request.structured)
    }
}

impl Provider for OpenAiProvider {
    fn name(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn endpoint(&self) -> &str {
        &self.url
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

/// `choices[0].message.content` and `usage.{prompt,completion}_tokens`; `structured`: the
/// request carried `response_format`, which a 2xx answer has accepted.
fn parse_answer(answer: &Value, structured: bool) -> Result<Completion, ProviderError> {
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
        structured,
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
    fn structured_requests_carry_the_schema() {
        let config = ProviderConfig::for_provider(ProviderKind::OpenAi);
        let p = OpenAiProvider::with_key(&config, None).expect("provider");
        let mut req = crate::prompt::first_request("sys", "news", 100, 50, 0.0, true);
        let body = p.body_in(&req, false);
        assert_eq!(body["response_format"], crate::schema::openai_response_format());
        assert_eq!(
            p.body_in(&req, true)["response_format"],
            crate::schema::json_object_response_format()
        );
        req.structured = false;
        assert!(p.body_in(&req, true).get("response_format").is_none());
    }

    #[test]
    fn answer_shape() {
        let a = json!({"choices":[{"message":{"role":"assistant","content":"hi"}}],
                       "usage":{"prompt_tokens":12,"completion_tokens":3}});
        let c = parse_answer(&a, false).expect("valid");
        assert_eq!(c.text, "hi");
        assert_eq!(
            c.usage,
            Usage {
                input_tokens: 12,
                output_tokens: 3
            }
        );
        assert!(parse_answer(&json!({"choices":[]}), true).is_err());
    }
}
