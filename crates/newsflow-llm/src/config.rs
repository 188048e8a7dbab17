//! [`ProviderConfig`]: which provider and model analyse the news, and how calls are
//! made, built from string key/values (a SQL `WITH (...)` clause).
//!
//! API keys are never options: they come from an environment variable named by
//! `api-key-env` (OpenAI-compatible, Anthropic) or from the AWS credential chain
//! (Bedrock). A key that looks like a secret (`api-key`, `secret`, `password`, …) is
//! rejected with a message saying so.

use std::path::{Path, PathBuf};
use std::time::Duration;

use newsflow_common::time::parse_duration;

/// The providers a configuration can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    /// The built-in lexicon + rules analyser; no network.
    Offline,
    /// OpenAI Chat Completions, or any server speaking it (vLLM, Ollama, llama.cpp
    /// server, LM Studio).
    OpenAi,
    /// Anthropic Messages API.
    Anthropic,
    /// Amazon Bedrock Runtime Converse API.
    Bedrock,
}

/// The names `provider` accepts, in the order error messages list them.
pub const PROVIDER_NAMES: [&str; 4] = ["offline", "openai", "anthropic", "bedrock"];

impl ProviderKind {
    pub fn parse(name: &str) -> Option<ProviderKind> {
        match name.trim().to_ascii_lowercase().as_str() {
            "offline" => Some(ProviderKind::Offline),
            "openai" => Some(ProviderKind::OpenAi),
            "anthropic" => Some(ProviderKind::Anthropic),
            "bedrock" => Some(ProviderKind::Bedrock),
            _ => None,
        }
    }

    /// `"offline"`, `"openai"`, `"anthropic"` or `"bedrock"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProviderKind::Offline => "offline",
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Bedrock => "bedrock",
        }
    }

    /// The model used when `model` is not given.
    pub fn default_model(&self) -> &'static str {
        match self {
            ProviderKind::Offline => "lexicon-v1",
            ProviderKind::OpenAi => "gpt-4o-mini",
            ProviderKind::Anthropic => "claude-3-haiku-20240307",
            ProviderKind::Bedrock => "anthropic.claude-3-haiku-20240307-v1:0",
        }
    }

    /// The environment variable holding the API key when `api-key-env` is not given.
    pub fn default_api_key_env(&self) -> Option<&'static str> {
        match self {
            ProviderKind::OpenAi => Some("OPENAI_API_KEY"),
            ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
            ProviderKind::Offline | ProviderKind::Bedrock => None,
        }
    }

    fn is_remote(&self) -> bool {
        !matches!(self, ProviderKind::Offline)
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where successful answers are remembered across calls and restarts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheSetting {
    Off,
    /// A JSON-lines file, loaded at start and appended to (the `cache` option).
    File(PathBuf),
    /// `cache` not given: [`CACHE_FILE_NAME`] beside the job's state (its local
    /// `state.checkpoints.dir`) when the job has one, else in the per-user cache directory
    /// ([`user_cache_file`]). Resolved with [`CacheSetting::resolve`].
    Default,
}

/// The name of the default cache file, in the job's checkpoint directory or in the
/// per-user cache directory.
pub const CACHE_FILE_NAME: &str = "llm-cache.jsonl";

impl CacheSetting {
    /// The setting with [`CacheSetting::Default`] made concrete: `state_dir`/[`CACHE_FILE_NAME`]
    /// when the job keeps its state in a local directory, else [`user_cache_file`].
    /// `Off` and an explicit file are returned as they are.
    pub fn resolve(&self, state_dir: Option<&Path>) -> CacheSetting {
        match self {
            CacheSetting::Default => CacheSetting::File(match state_dir {
                Some(dir) => dir.join(CACHE_FILE_NAME),
                None => user_cache_file(),
            }),
            other => other.clone(),
        }
    }
}

/// The per-user cache file: `$XDG_CACHE_HOME/newsflow/llm-cache.jsonl`, else
/// `$HOME/.cache/newsflow/…` (`%LOCALAPPDATA%\newsflow\…` on Windows), else
/// `.newsflow/llm-cache.jsonl` under the working directory when none of those is set.
pub fn user_cache_file() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let dir = var("XDG_CACHE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|h| h.join(".cache")))
        .or_else(|| var("LOCALAPPDATA"));
    match dir {
        Some(d) => d.join("newsflow").join(CACHE_FILE_NAME),
        None => PathBuf::from(".newsflow").join(CACHE_FILE_NAME),
    }
}

/// Whether the reply format is enforced by the provider (`structured-output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StructuredOutput {
    /// Ask for the analysis through the provider's structured output: a JSON schema in
    /// `response_format` (OpenAI-compatible), a forced tool with an input schema
    /// (Anthropic, Bedrock). A server that refuses it gets plain text requests instead.
    Auto,
    /// Plain text requests; the reply is read by the lenient parser only.
    Off,
}

impl StructuredOutput {
    /// `"auto"` or `"off"` (also part of the cache key).
    pub fn as_str(&self) -> &'static str {
        match self {
            StructuredOutput::Auto => "auto",
            StructuredOutput::Off => "off",
        }
    }
}

/// How many calls run at once (`concurrency`), always at most `max-in-flight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Concurrency {
    /// Start at [`ADAPTIVE_START`] calls and adapt (see `limiter.rs`): one more per round
    /// of answers while latency holds, fewer when it grows, half on a timeout, 429 or 5xx.
    Adaptive,
    /// Always `max-in-flight` calls.
    Fixed,
}

impl Concurrency {
    pub fn as_str(&self) -> &'static str {
        match self {
            Concurrency::Adaptive => "adaptive",
            Concurrency::Fixed => "fixed",
        }
    }
}

/// Calls in flight when an adaptive limit starts (or `max-in-flight`, if lower).
pub const ADAPTIVE_START: usize = 2;

/// Every option key [`ProviderConfig::from_options`] accepts.
pub const OPTION_KEYS: [&str; 18] = [
    "provider",
    "model",
    "endpoint",
    "system-prompt",
    "timeout",
    "max-in-flight",
    "max-retries",
    "retry-backoff",
    "max-tokens",
    "max-input-chars",
    "api-key-env",
    "region",
    "cache",
    "cost.input-per-1k",
    "cost.output-per-1k",
    "temperature",
    "structured-output",
    "concurrency",
];

/// How news is analysed: provider, model, prompt, limits, retries, cache and costs.
///
/// Holds no secret: only the *name* of the environment variable with the API key.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderConfig {
    pub provider: ProviderKind,
    pub model: String,
    /// Base URL (`https://api.openai.com`, `http://localhost:11434`, …); for Bedrock an
    /// endpoint override (tests, VPC endpoints). `None`: the provider's default.
    pub endpoint: Option<String>,
    /// Replaces the task description at the top of the system prompt; the rules about
    /// the delimited news and the JSON reply format are always appended.
    pub system_prompt: Option<String>,
    /// Limit for one request (connect + answer). Default 30 s.
    pub timeout: Duration,
    /// Most provider calls in flight at once. Default 16. With adaptive concurrency the
    /// upper bound of the limit.
    pub max_in_flight: usize,
    /// Adaptive (default) or fixed number of calls in flight.
    pub concurrency: Concurrency,
    /// Structured output (default `auto`) or plain text requests.
    pub structured_output: StructuredOutput,
    /// Retries of a failed request (timeouts, connection errors, 429, 5xx). Default 3.
    pub max_retries: u32,
    /// First retry delay; doubles per retry, with jitter, capped at 20 s. Default 250 ms.
    pub retry_backoff: Duration,
    /// Cap on the reply length, in tokens. Default 200 (the source's `max_tokens`).
    pub max_tokens: u32,
    /// News longer than this many characters is cut before it is sent. Default 6000.
    pub max_input_chars: usize,
    /// Sampling temperature. Default 0 (most repeatable).
    pub temperature: f32,
    /// Name of the environment variable with the API key (OpenAI-compatible, Anthropic).
    pub api_key_env: Option<String>,
    /// AWS region for Bedrock; `None`: the AWS default chain (`AWS_REGION`, profile).
    pub region: Option<String>,
    pub cache: CacheSetting,
    /// USD per 1000 input tokens, for the cost estimate in the metrics.
    pub cost_input_per_1k: f64,
    /// USD per 1000 output tokens.
    pub cost_output_per_1k: f64,
}

/// An invalid option set; the message names the key and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Default for ProviderConfig {
    fn default() -> Self {
        ProviderConfig::for_provider(ProviderKind::Offline)
    }
}

impl ProviderConfig {
    /// The defaults for `provider`.
    pub fn for_provider(provider: ProviderKind) -> ProviderConfig {
        ProviderConfig {
            provider,
            model: provider.default_model().to_string(),
            endpoint: None,
            system_prompt: None,
            timeout: Duration::from_secs(30),
            max_in_flight: 16,
            concurrency: Concurrency::Adaptive,
            structured_output: StructuredOutput::Auto,
            max_retries: 3,
            retry_backoff: Duration::from_millis(250),
            max_tokens: 200,
            max_input_chars: 6000,
            temperature: 0.0,
            api_key_env: provider.default_api_key_env().map(str::to_string),
            region: None,
            cache: if provider.is_remote() {
                CacheSetting::Default
            } else {
                CacheSetting::Off
            },
            cost_input_per_1k: 0.0,
            cost_output_per_1k: 0.0,
        }
    }

    /// Builds a configuration from option key/values (keys are case-insensitive).
    /// Unknown keys, unknown providers, bad values, duplicates, options that do not
    /// apply to the chosen provider and anything that looks like a secret are errors.
    pub fn from_options<'a, I>(options: I) -> Result<ProviderConfig, ConfigError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut pairs: Vec<(String, &str)> = Vec::new();
        for (k, v) in options {
            let key = k.trim().to_ascii_lowercase();
            if pairs.iter().any(|(seen, _)| *seen == key) {
                return Err(ConfigError(format!("option '{key}' is given twice")));
            }
            if !OPTION_KEYS.contains(&key.as_str()) {
                if looks_like_secret(&key) {
                    return Err(ConfigError(format!(
                        "option '{key}' is not accepted: API keys and credentials are never \
                         read from SQL or configuration text. Put the key in an environment \
                         variable and name it with 'api-key-env' (default OPENAI_API_KEY / \
                         ANTHROPIC_API_KEY); Bedrock uses the AWS credential chain"
                    )));
                }
                return Err(ConfigError(format!(
                    "unknown option '{key}'; valid options: {}",
                    OPTION_KEYS.join(", ")
                )));
            }
            pairs.push((key, v));
        }
        let provider = match pairs.iter().find(|(k, _)| k == "provider") {
            None => ProviderKind::Offline,
            Some((_, v)) => ProviderKind::parse(v).ok_or_else(|| {
                ConfigError(format!(
                    "unknown provider '{}'; valid providers: {}",
                    v.trim(),
                    PROVIDER_NAMES.join(", ")
                ))
            })?,
        };
        let mut c = ProviderConfig::for_provider(provider);
        for (key, value) in &pairs {
            c.apply(key, value)?;
        }
        Ok(c)
    }

    fn apply(&mut self, key: &str, raw: &str) -> Result<(), ConfigError> {
        let value = raw.trim();
        let bad = |what: &str| ConfigError(format!("option '{key}' = '{value}': {what}"));
        let only_for = |kinds: &[ProviderKind]| -> Result<(), ConfigError> {
            if kinds.contains(&self.provider) {
                Ok(())
            } else {
                let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                Err(ConfigError(format!(
                    "option '{key}' applies only to provider {}, not '{}'",
                    names.join(" or "),
                    self.provider
                )))
            }
        };
        let remote = [ProviderKind::OpenAi, ProviderKind::Anthropic, ProviderKind::Bedrock];
        match key {
            "provider" => {}
            "model" => {
                if value.is_empty() {
                    return Err(bad("the model must not be empty"));
                }
                self.model = value.to_string();
            }
            "endpoint" => {
                only_for(&remote)?;
                if !(value.starts_with("http://") || value.starts_with("https://")) {
                    return Err(bad("expected an http:// or https:// URL"));
                }
                self.endpoint = Some(value.trim_end_matches('/').to_string());
            }
            "system-prompt" => {
                only_for(&remote)?;
                if value.is_empty() {
                    return Err(bad("the system prompt must not be empty"));
                }
                self.system_prompt = Some(value.to_string());
            }
            "timeout" => {
                self.timeout = parse_duration(value).map_err(|e| bad(&e))?;
                if self.timeout.is_zero() {
                    return Err(bad("the timeout must be positive"));
                }
            }
            "retry-backoff" => self.retry_backoff = parse_duration(value).map_err(|e| bad(&e))?,
            "max-in-flight" => self.max_in_flight = parse_int(value, 1, 1024).map_err(|e| bad(&e))?,
            "max-retries" => self.max_retries = parse_int(value, 0, 10).map_err(|e| bad(&e))? as u32,
            "max-tokens" => {
                only_for(&remote)?;
                self.max_tokens = parse_int(value, 16, 8192).map_err(|e| bad(&e))? as u32;
            }
            "max-input-chars" => self.max_input_chars = parse_int(value, 100, 1_000_000).map_err(|e| bad(&e))?,
            "temperature" => {
                only_for(&remote)?;
                let t: f32 = value.parse().map_err(|_| bad("expected a number"))?;
                if !(0.0..=2.0).contains(&t) {
                    return Err(bad("expected a number between 0 and 2"));
                }
                self.temperature = t;
            }
            "api-key-env" => {
                only_for(&[ProviderKind::OpenAi, ProviderKind::Anthropic])?;
                let valid = !value.is_empty()
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !value.starts_with(|c: char| c.is_ascii_digit());
                if !valid {
                    return Err(bad(
                        "expected the NAME of an environment variable (letters, digits, _), \
                         not a key",
                    ));
                }
                self.api_key_env = Some(value.to_string());
            }
            "region" => {
                only_for(&[ProviderKind::Bedrock])?;
                let valid = !value.is_empty()
                    && value
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !valid {
                    return Err(bad("expected an AWS region such as ap-northeast-2"));
                }
                self.region = Some(value.to_string());
            }
            "cache" => {
                self.cache = if value.eq_ignore_ascii_case("off") || value.eq_ignore_ascii_case("false") {
                    CacheSetting::Off
                } else if value.is_empty() {
                    return Err(bad("expected a file path or 'off'"));
                } else {
                    CacheSetting::File(PathBuf::from(value))
                };
            }
            "structured-output" => {
                only_for(&remote)?;
                self.structured_output = match value.to_ascii_lowercase().as_str() {
                    "auto" => StructuredOutput::Auto,
                    "off" => StructuredOutput::Off,
                    _ => return Err(bad("expected 'auto' or 'off'")),
                };
            }
            "concurrency" => {
                only_for(&remote)?;
                self.concurrency = match value.to_ascii_lowercase().as_str() {
                    "adaptive" => Concurrency::Adaptive,
                    "fixed" => Concurrency::Fixed,
                    _ => return Err(bad("expected 'adaptive' or 'fixed'")),
                };
            }
            "cost.input-per-1k" => self.cost_input_per_1k = parse_cost(value).map_err(|e| bad(&e))?,
            "cost.output-per-1k" => self.cost_output_per_1k = parse_cost(value).map_err(|e| bad(&e))?,
            _ => {
                return Err(ConfigError(format!(
                    "unknown option '{key}'; valid options: {}",
                    OPTION_KEYS.join(", ")
                )))
            }
        }
        Ok(())
    }
}

fn parse_int(value: &str, min: usize, max: usize) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected an integer from {min} to {max}")),
    }
}

fn parse_cost(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(c) if c.is_finite() && c >= 0.0 => Ok(c),
        _ => Err("expected a non-negative number (USD per 1000 tokens)".to_string()),
    }
}

/// Keys that would carry a credential: `api-key`, `apikey`, `api_key`, `key`,
/// `secret…`, `password`, `token`, `access-key…`, `credentials`, `authorization`.
fn looks_like_secret(key: &str) -> bool {
    let k = key.replace(['_', '.'], "-");
    k == "key"
        || k == "token"
        || k.ends_with("-key")
        || k.contains("api-key")
        || k.contains("apikey")
        || k.contains("secret")
        || k.contains("password")
        || k.contains("access-key")
        || k.contains("session-token")
        || k.contains("credential")
        || k.contains("authorization")
        || k.contains("bearer")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<ProviderConfig, ConfigError> {
        ProviderConfig::from_options(pairs.iter().copied())
    }

    #[test]
    fn defaults_are_offline() {
        let c = cfg(&[]).expect("empty options");
        assert_eq!(c.provider, ProviderKind::Offline);
        assert_eq!(c.cache, CacheSetting::Off);
        assert_eq!(c.max_in_flight, 16);
        assert_eq!(c.max_retries, 3);
        let o = cfg(&[("provider", "openai")]).expect("openai");
        assert_eq!(o.concurrency, Concurrency::Adaptive);
        assert_eq!(o.structured_output, StructuredOutput::Auto);
        assert_eq!(o.cache, CacheSetting::Default);
    }

    #[test]
    fn structured_output_and_concurrency() {
        let c = cfg(&[
            ("provider", "openai"),
            ("structured-output", "OFF"),
            ("concurrency", "fixed"),
        ])
        .expect("valid");
        assert_eq!(c.structured_output, StructuredOutput::Off);
        assert_eq!(c.concurrency, Concurrency::Fixed);
        let e = cfg(&[("provider", "openai"), ("structured-output", "json")]).expect_err("unknown mode");
        assert!(e.0.contains("'auto' or 'off'"), "{e}");
        let e = cfg(&[("provider", "openai"), ("concurrency", "16")]).expect_err("unknown concurrency");
        assert!(e.0.contains("'adaptive' or 'fixed'"), "{e}");
        let e = cfg(&[("structured-output", "auto")]).expect_err("offline has no structured output");
        assert!(e.0.contains("only to provider"), "{e}");
    }

    #[test]
    fn default_cache_lives_beside_the_state_or_in_the_user_cache() {
        let dir = Path::new("/var/lib/job/checkpoints");
        assert_eq!(
            CacheSetting::Default.resolve(Some(dir)),
            CacheSetting::File(dir.join("llm-cache.jsonl"))
        );
        assert_eq!(
            CacheSetting::Default.resolve(None),
            CacheSetting::File(user_cache_file())
        );
        assert!(user_cache_file().ends_with("newsflow/llm-cache.jsonl"));
        let explicit = CacheSetting::File(PathBuf::from("mine.jsonl"));
        assert_eq!(explicit.resolve(Some(dir)), explicit);
        assert_eq!(CacheSetting::Off.resolve(Some(dir)), CacheSetting::Off);
    }

    #[test]
    fn all_documented_keys() {
        let c = cfg(&[
            ("provider", "openai"),
            ("model", "llama3.1"),
            ("endpoint", "http://localhost:11434/"),
            ("system-prompt", "You rate news."),
            ("timeout", "10 s"),
            ("max-in-flight", "8"),
            ("max-retries", "2"),
            ("api-key-env", "MY_KEY"),
            ("cache", "off"),
            ("cost.input-per-1k", "0.00025"),
            ("cost.output-per-1k", "0.00125"),
            ("max-tokens", "300"),
            ("retry-backoff", "100 ms"),
        ])
        .expect("valid");
        assert_eq!(c.provider, ProviderKind::OpenAi);
        assert_eq!(c.model, "llama3.1");
        assert_eq!(c.endpoint.as_deref(), Some("http://localhost:11434"));
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert_eq!(c.max_in_flight, 8);
        assert_eq!(c.max_retries, 2);
        assert_eq!(c.api_key_env.as_deref(), Some("MY_KEY"));
        assert_eq!(c.cache, CacheSetting::Off);
        assert_eq!(c.cost_output_per_1k, 0.00125);
        assert_eq!(c.max_tokens, 300);
        assert_eq!(c.retry_backoff, Duration::from_millis(100));

        let b = cfg(&[
            ("provider", "Bedrock"),
            ("region", "ap-northeast-2"),
            ("cache", "/tmp/x.jsonl"),
        ])
        .expect("bedrock");
        assert_eq!(b.model, "anthropic.claude-3-haiku-20240307-v1:0");
        assert_eq!(b.region.as_deref(), Some("ap-northeast-2"));
        assert_eq!(b.cache, CacheSetting::File(PathBuf::from("/tmp/x.jsonl")));
        let a = cfg(&[("provider", "anthropic")]).expect("anthropic");
        assert_eq!(a.api_key_env.as_deref(), Some("ANTHROPIC_API_KEY"));
        assert_eq!(a.cache, CacheSetting::Default);
    }

    #[test]
    fn errors_list_the_valid_choices() {
        let e = cfg(&[("provider", "gemini")]).expect_err("unknown provider");
        assert!(e.0.contains("offline, openai, anthropic, bedrock"), "{e}");
        let e = cfg(&[("modle", "x")]).expect_err("unknown key");
        assert!(
            e.0.contains("unknown option 'modle'") && e.0.contains("system-prompt"),
            "{e}"
        );
        let e = cfg(&[("provider", "openai"), ("timeout", "soon")]).expect_err("bad duration");
        assert!(e.0.contains("timeout"), "{e}");
        let e = cfg(&[("provider", "openai"), ("region", "us-east-1")]).expect_err("region");
        assert!(e.0.contains("only to provider bedrock"), "{e}");
        let e = cfg(&[("provider", "bedrock"), ("api-key-env", "X")]).expect_err("key env");
        assert!(e.0.contains("openai or anthropic"), "{e}");
        let e = cfg(&[("model", "a"), ("MODEL", "b")]).expect_err("duplicate");
        assert!(e.0.contains("twice"), "{e}");
        let e = cfg(&[("provider", "openai"), ("max-in-flight", "0")]).expect_err("zero");
        assert!(e.0.contains("1 to 1024"), "{e}");
        let e = cfg(&[("provider", "openai"), ("api-key-env", "sk-abc123")]).expect_err("a key");
        assert!(e.0.contains("NAME of an environment variable"), "{e}");
    }

    #[test]
    fn secrets_are_refused_with_a_pointer_to_the_environment() {
        for key in [
            "api-key",
            "api_key",
            "apiKey",
            "openai.api-key",
            "key",
            "secret-access-key",
            "aws.secret",
            "password",
            "session-token",
            "aws_access_key_id",
        ] {
            let e = cfg(&[("provider", "openai"), (key, "sk-live-123")]).expect_err(key);
            assert!(e.0.contains("environment variable"), "{key}: {e}");
            assert!(!e.0.contains("sk-live-123"), "{key}: {e}");
        }
    }
}
