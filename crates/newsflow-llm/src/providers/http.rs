//! Shared HTTP plumbing for the JSON providers: the `reqwest` client, and the mapping
//! of transport failures and HTTP statuses to [`ProviderError`]s (429 → rate limited,
//! 5xx → server, other 4xx → client, refused/reset → connect), including `Retry-After`.
//! Every message is passed through [`redact`] so an echoed API key never escapes.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::Value;

use super::ProviderError;
use crate::config::{ConfigError, ProviderConfig};
use crate::outcome::ErrorKind;
use crate::secret::{redact, Secret};

/// Longest piece of an error body quoted in an error message, in characters.
const MAX_QUOTED_BODY: usize = 300;

/// A client with connection pooling sized for `max-in-flight` and a connect timeout of
/// `timeout` (the whole request's timeout is applied by the analyser).
pub(crate) fn client(config: &ProviderConfig) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .connect_timeout(config.timeout)
        .pool_max_idle_per_host(config.max_in_flight)
        .user_agent(concat!("newsflow-llm/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError(format!("cannot create the HTTP client: {e}")))
}

/// POSTs `body` as JSON with `headers` and returns the JSON answer of a 2xx response.
pub(crate) async fn post_json(
    client: &reqwest::Client,
    url: &str,
    headers: HeaderMap,
    body: &Value,
    secret: Option<&Secret>,
) -> Result<Value, ProviderError> {
    let response = client
        .post(url)
        .headers(headers)
        .json(body)
        .send()
        .await
        .map_err(|e| transport_error(&e, secret))?;
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let bytes = response.bytes().await.map_err(|e| transport_error(&e, secret))?;
    if !status.is_success() {
        let mut err = status_error(status, &String::from_utf8_lossy(&bytes), secret);
        err.retry_after = retry_after;
        return Err(err);
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ProviderError::new(
            ErrorKind::Other,
            format!("HTTP {status} but the body is not JSON ({e})"),
        )
    })
}

/// The error for a non-2xx status, quoting (a redacted, shortened) `body`.
pub(crate) fn status_error(status: StatusCode, body: &str, secret: Option<&Secret>) -> ProviderError {
    let kind = status_kind(status.as_u16());
    let quoted: String = redact(body, secret).chars().take(MAX_QUOTED_BODY).collect();
    let quoted = crate::offline::summary::one_line(&quoted);
    let mut err = ProviderError::new(kind, format!("HTTP {}: {quoted}", status.as_u16()));
    err.status = Some(status.as_u16());
    err
}

/// How an HTTP status fails: 429 rate limited, 408 timeout, 5xx server, else client.
pub(crate) fn status_kind(status: u16) -> ErrorKind {
    match status {
        429 => ErrorKind::RateLimited,
        408 => ErrorKind::Timeout,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Client,
    }
}

/// The error for a request that got no (complete) response.
pub(crate) fn transport_error(e: &reqwest::Error, secret: Option<&Secret>) -> ProviderError {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ErrorKind::Connect
    } else {
        ErrorKind::Other
    };
    ProviderError::new(kind, redact(&error_chain(e), secret))
}

/// `e` and its sources, `: `-separated (reqwest's own message omits the cause, e.g.
/// "Connection refused").
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// `Retry-After` in its delay-seconds form (`120`, or fractional `1.5`); the HTTP-date
/// form is not read (the exponential backoff applies instead).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(v)
}

pub(crate) fn parse_retry_after(v: &str) -> Option<Duration> {
    let secs: f64 = v.trim().parse().ok()?;
    if secs.is_finite() && secs >= 0.0 {
        Some(Duration::from_secs_f64(secs.min(3600.0)))
    } else {
        None
    }
}

/// Adds `name: value` to `headers`; a value that is not a valid header (a key with a
/// newline) is a configuration error that does not quote the value.
pub(crate) fn insert_header(headers: &mut HeaderMap, name: &'static str, value: &str) -> Result<(), ConfigError> {
    let mut v = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| ConfigError(format!("the value for header '{name}' is not a valid header value")))?;
    if name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("x-api-key") {
        v.set_sensitive(true);
    }
    headers.insert(name, v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(status_kind(429), ErrorKind::RateLimited);
        assert_eq!(status_kind(503), ErrorKind::Server);
        assert_eq!(status_kind(529), ErrorKind::Server);
        assert_eq!(status_kind(401), ErrorKind::Client);
        assert_eq!(status_kind(400), ErrorKind::Client);
        let s = Secret::new("sk-abcdef");
        let e = status_error(StatusCode::UNAUTHORIZED, "bad key sk-abcdef\n!", Some(&s));
        assert_eq!(e.message, "HTTP 401: bad key [redacted] !");
        assert_eq!(e.status, Some(401));
        assert!(!e.refuses_structured_output());
        assert!(status_error(StatusCode::BAD_REQUEST, "", None).refuses_structured_output());
        let validation = "{\"error\":{\"message\":\"1 validation error: ('body', 'response_format', 'type')\"}}";
        assert!(status_error(StatusCode::INTERNAL_SERVER_ERROR, validation, None).refuses_structured_output());
        assert!(!status_error(StatusCode::INTERNAL_SERVER_ERROR, "overloaded", None).refuses_structured_output());
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
