//! Anthropic Messages API: `POST {base}/v1/messages` with `x-api-key` and
//! `anthropic-version: 2023-06-01`. The key comes from the environment variable named
//! by `api-key-env` (default `ANTHROPIC_API_KEY`) and is required.

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use super::http::{client, insert_header, post_json};
use super::{BoxFuture, ChatRequest, Completion, Provider, ProviderError, Usage};
use crate::config::{ConfigError, ProviderConfig};
use crate::outcome::ErrorKind;
use crate::secret::Secret;

/// The endpoint used when `endpoint` is not given.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The API version header value.
pub const API_VERSION: &str = "2023-06-01";

#[derive(Debug)]
pub struct AnthropicProvider {
    client: reqwest::Client,
    url: String,
    model: String,
    api_key: Secret,
}

impl AnthropicProvider {
    /// Reads the API key from the environment variable named in the configuration; an
    /// unset variable is an error naming the variable.
    pub fn from_config(config: &ProviderConfig) -> Result<AnthropicProvider, ConfigError> {
        let var = config.api_key_env.as_deref().unwrap_or("ANTHROPIC_API_KEY");
        let key = Secret::from_env(var).ok_or_else(|| {
            ConfigError(format!(
                "provider 'anthropic' needs an API key in the environment variable {var} \
                 (set it, or name another variable with 'api-key-env')"
            ))
        })?;
        Self::with_key(config, key)
    }

    /// With an explicit key, for embedding and tests.
    pub fn with_key(config: &ProviderConfig, api_key: Secret) -> Result<AnthropicProvider, ConfigError> {
        let base = config
            .endpoint
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/');
        let url = if base.ends_with("/v1") {
            format!("{base}/messages")
        } else {
            format!("{base}/v1/messages")
        };
        Ok(AnthropicProvider {
            client: client(config)?,
            url,
            model: config.model.clone(),
            api_key,
        })
    }

    fn body(&self, request: &ChatRequest) -> Value {
        let messages: Vec<Value> = request
            .messages
            .iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
            .collect();
        json!({
            "model": self.model,
            "system": request.system,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        })
    }

    async fn call(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let mut headers = HeaderMap::new();
        let to_err = |e: ConfigError| ProviderError::new(ErrorKind::Client, e.0);
        insert_header(&mut headers, "x-api-key", self.api_key.expose()).map_err(to_err)?;
        insert_header(&mut headers, "anthropic-version", API_VERSION).map_err(to_err)?;
        let answer = post_json(
            &self.client,
            &self.url,
            headers,
            &self.body(request),
            Some(&self.api_key),
        )
        .await?;
        parse_answer(&answer)
    }
}

impl Provider for AnthropicProvider {
    fn name(&self) -> &str {
        "anthropic"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete<'a>(&'a self, request: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.call(request))
    }
}

/// The concatenated `text` blocks of `content`, and `usage.{input,output}_tokens`.
fn parse_answer(answer: &Value) -> Result<Completion, ProviderError> {
    let blocks = answer
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| ProviderError::new(ErrorKind::Other, "the response has no content array"))?;
    let text: String = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    Ok(Completion {
        text,
        usage: Usage {
            input_tokens: answer
                .pointer("/usage/input_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            output_tokens: answer
                .pointer("/usage/output_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_shape() {
        let a = json!({"content":[{"type":"text","text":"{\"label\""},{"type":"text","text":":1}"}],
                       "usage":{"input_tokens":20,"output_tokens":5}});
        let c = parse_answer(&a).expect("valid");
        assert_eq!(c.text, "{\"label\":1}");
        assert_eq!(
            c.usage,
            Usage {
                input_tokens: 20,
                output_tokens: 5
            }
        );
        assert!(parse_answer(&json!({"type":"error"})).is_err());
    }
}
