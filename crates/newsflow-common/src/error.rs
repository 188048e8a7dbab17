//! Errors with a source location.

use std::fmt;

/// A place in SQL text: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub line: u64,
    pub column: u64,
}

impl Span {
    pub fn new(line: u64, column: u64) -> Self {
        Span { line, column }
    }
    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Every error newsflow reports to a user.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQL that does not parse, or names something that does not exist.
    #[error("{}{msg}", fmt_span(.span))]
    Sql { msg: String, span: Span },
    /// A statement that parses but cannot be planned (types, unsupported shapes).
    #[error("{}{msg}", fmt_span(.span))]
    Plan { msg: String, span: Span },
    /// A connector or format option problem.
    #[error("{0}")]
    Config(String),
    /// A failure while the job runs.
    #[error("{0}")]
    Runtime(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn fmt_span(span: &Span) -> String {
    if span.is_known() {
        format!("{span}: ")
    } else {
        String::new()
    }
}

impl Error {
    pub fn sql(msg: impl Into<String>, span: Span) -> Self {
        Error::Sql { msg: msg.into(), span }
    }
    pub fn plan(msg: impl Into<String>, span: Span) -> Self {
        Error::Plan { msg: msg.into(), span }
    }
    pub fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }
    pub fn runtime(msg: impl Into<String>) -> Self {
        Error::Runtime(msg.into())
    }
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
    /// Attach a span to an error that has none yet.
    pub fn at(self, at: Span) -> Self {
        match self {
            Error::Sql { msg, span } if !span.is_known() => Error::Sql { msg, span: at },
            Error::Plan { msg, span } if !span.is_known() => Error::Plan { msg, span: at },
            Error::Config(msg) => Error::Plan { msg, span: at },
            other => other,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
