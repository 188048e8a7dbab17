//! API keys: read only from the environment, held in a type whose `Debug` hides the
//! value, and scrubbed from any text (error bodies) that could echo them back.

/// A secret string. `Debug` prints `Secret([redacted])`; there is no `Display`, and the
/// value is reachable only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Reads an API key from the environment variable `var`. `None` when the variable is
    /// unset or blank.
    pub fn from_env(var: &str) -> Option<Secret> {
        match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Some(Secret(v.trim().to_string())),
            _ => None,
        }
    }

    /// The secret value, for the one place that puts it in a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        redact(text, Some(self))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// `text` with the secret (if any, and if at least 4 chars long) replaced by `[redacted]`.
pub fn redact(text: &str, secret: Option<&Secret>) -> String {
    match secret {
        Some(s) if s.0.len() >= 4 => text.replace(&s.0, "[redacted]"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_redact_hide_the_value() {
        let s = Secret::new("sk-very-secret-123");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(
            s.redact("Incorrect API key sk-very-secret-123 provided"),
            "Incorrect API key [redacted] provided"
        );
        assert_eq!(redact("abc", None), "abc");
    }
}
