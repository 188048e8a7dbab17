//! The result of analysing one news item through a provider: an [`Analysis`] or an
//! explicit error. A failure is never turned into a label.

use serde::Serialize;

use crate::offline::{Analysis, Label};

/// What went wrong with an analysis call; also the key of the error counters in
/// [`crate::MetricsSnapshot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The call did not answer within the configured `timeout`.
    Timeout,
    /// The endpoint could not be reached (refused, DNS, TLS, reset).
    Connect,
    /// HTTP 429 / throttling, still refused after the retries.
    RateLimited,
    /// HTTP 5xx, still failing after the retries.
    Server,
    /// HTTP 4xx other than 429 (bad request, authentication, unknown model); not retried.
    Client,
    /// The model answered, but not with the required JSON, even after one repair request.
    InvalidReply,
    /// Anything else (a response that could not be read, a missing credential, …).
    Other,
}

impl ErrorKind {
    /// Stable snake_case name, as used in metrics and error reasons.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Client => "client",
            ErrorKind::InvalidReply => "invalid_reply",
            ErrorKind::Other => "other",
        }
    }

    /// Whether a request that failed this way may succeed when sent again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::RateLimited | ErrorKind::Server
        )
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed analysis: its kind and a human-readable reason (never containing a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisError {
    pub kind: ErrorKind,
    pub reason: String,
}

/// The result of one analysis through an [`crate::Analyzer`].
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The provider answered with a valid analysis.
    Ok(Analysis),
    /// The analysis failed; the item has no label.
    Error(AnalysisError),
}

#[derive(Serialize)]
struct ErrorWire<'a> {
    label: &'static str,
    summary: &'static str,
    error: &'a str,
}

impl Outcome {
    /// An error outcome.
    pub fn error(kind: ErrorKind, reason: impl Into<String>) -> Outcome {
        Outcome::Error(AnalysisError {
            kind,
            reason: reason.into(),
        })
    }

    /// `"good"`, `"bad"`, `"neutral"` or `"error"`.
    pub fn label_str(&self) -> &'static str {
        match self {
            Outcome::Ok(a) => a.label.as_str(),
            Outcome::Error(_) => "error",
        }
    }

    /// The label, if the analysis succeeded.
    pub fn label(&self) -> Option<Label> {
        match self {
            Outcome::Ok(a) => Some(a.label),
            Outcome::Error(_) => None,
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Outcome::Error(_))
    }

    /// The analysis, if it succeeded.
    pub fn analysis(&self) -> Option<&Analysis> {
        match self {
            Outcome::Ok(a) => Some(a),
            Outcome::Error(_) => None,
        }
    }

    /// The UDF's JSON text: [`Analysis::to_json`] for a success,
    /// `{"label":"error","summary":"","error":"<kind>: <reason>"}` for a failure.
    pub fn to_json(&self) -> String {
        match self {
            Outcome::Ok(a) => a.to_json(),
            Outcome::Error(e) => {
                let reason = format!("{}: {}", e.kind, e.reason);
                let wire = ErrorWire {
                    label: "error",
                    summary: "",
                    error: &reason,
                };
                serde_json::to_string(&wire).unwrap_or_else(|_| {
                    // Serialising three strings cannot fail; keep a valid fallback anyway.
                    r#"{"label":"error","summary":"","error":"unrepresentable reason"}"#.to_string()
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_shape() {
        let o = Outcome::error(ErrorKind::Timeout, "no answer within 10 s \"x\"");
        assert_eq!(
            o.to_json(),
            r#"{"label":"error","summary":"","error":"timeout: no answer within 10 s \"x\""}"#
        );
        assert_eq!(o.label_str(), "error");
        assert_eq!(o.label(), None);
        assert!(o.is_error());
    }

    #[test]
    fn ok_json_is_the_analysis_json() {
        let a = Analysis {
            label: Label::Good,
            score: 0.4,
            summary: "up".into(),
        };
        let o = Outcome::Ok(a.clone());
        assert_eq!(o.to_json(), a.to_json());
        assert_eq!(o.label(), Some(Label::Good));
    }
}
