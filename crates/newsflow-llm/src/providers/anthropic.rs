//! Anthropic Messages API: `POST {base}/v1/messages` with `x-api-key` and
//! `anthropic-version: 2023-06-01`. The key comes from the environment variable named
//! by `api-key-env` (default `ANTHROPIC_API_KEY`) and is required.
//!
//! A structured request offers one tool, `record_news_analysis`, whose `input_schema` is
//! the analysis's schema (`schema.rs`), and forces it with `tool_choice: {"type": "tool"}`;
//! the `tool_use` block's `input` is the analysis. A reply without that block is read as
//! text.

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use super::http::{client, insert_header, post_json};
use super::{BoxFuture, ChatRequest, Completion, Provider, ProviderError, Usage};
use crate::config::{ConfigError, ProviderConfig};
use crate::outcome::ErrorKind;
use crate::schema::{analysis_schema, TOOL_DESCRIPTION, TOOL_NAME};
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
        let mut body = json!({
            "model": self.model,
            "system": request.system,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        });
        if request.structured {
            body["tools"] = json!([{
                "name": TOOL_NAME,
                "description": TOOL_DESCRIPTION,
                "input_schema": analysis_schema(),
            }]);
            body["tool_choice"] = json!({"type": "tool", "name": TOOL_NAME});
        }
        body
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

    fn endpoint(&self) -> &str {
        &self.url
    }

    fn complete<'a>(&'a self, request: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.call(request))
    }
}

/// The input of the `tool_use` block calling [`TOOL_NAME`] (serialised), else the
/// concatenated `text` blocks of `content`; and `usage.{input,output}_tokens`.
fn parse_answer(answer: &Value) -> Result<Completion, ProviderError> {
    let blocks = answer
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| ProviderError::new(ErrorKind::Other, "the response has no content array"))?;
    let tool_input = blocks
        .iter()
        .find(|b| {
            b.get("type").and_then(Value::as_str) == Some("tool_use")
                && b.get("name").and_then(Value::as_str) == Some(TOOL_NAME)
        })
        .and_then(|b| b.get("input"));
    let (text, structured) = match tool_input {
        Some(input) => (input.to_string(), true),
        None => (
            blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect(),
            false,
        ),
    };
    Ok(Completion {
        structured,
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
        assert!(!c.structured);
    }

    #[test]
    fn tool_use_is_the_structured_reply() {
        let a = json!({"content":[
            {"type":"text","text":"Recording it."},
            {"type":"tool_use","id":"t1","name":TOOL_NAME,"input":{"label":"bad","score":-0.5,"summary":"Recall"}}]});
        let c = parse_answer(&a).expect("valid");
        assert!(c.structured);
        let v: Value = serde_json::from_str(&c.text).expect("json");
        assert_eq!(v["label"], "bad");
        // Another tool's call is not the analysis.
        let other = json!({"content":[{"type":"tool_use","id":"t1","name":"other","input":{}}]});
        let c = parse_answer(&other).expect("valid");
        assert!(!c.structured && c.text.is_empty());
    }

    #[test]
    fn structured_requests_force_the_tool() {
        let config = ProviderConfig::for_provider(crate::config::ProviderKind::Anthropic);
        let p = AnthropicProvider::with_key(&config, Secret::new("k")).expect("provider");
        let req = crate::prompt::first_request("sys", "news", 100, 50, 0.0, true);
        let body = p.body(&req);
        assert_eq!(body["tools"][0]["name"], TOOL_NAME);
        assert_eq!(body["tools"][0]["input_schema"], analysis_schema());
        assert_eq!(body["tool_choice"], json!({"type": "tool", "name": TOOL_NAME}));
        let plain = crate::prompt::first_request("sys", "news", 100, 50, 0.0, false);
        assert!(p.body(&plain).get("tools").is_none());
    }
}
