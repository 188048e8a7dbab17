//! # newsflow-common
//!
//! The vocabulary every other crate speaks. Nothing here knows about SQL text, operators
//! or connectors; every crate above depends on this one and it depends on none of them.
//!
//! ```text
//!   DataType ── the SQL type of a column (Flink's names: STRING, INT, TIMESTAMP(3), …)
//!   Value    ── one cell; TIMESTAMP(3) is epoch milliseconds with no time zone; DECIMAL
//!               is exact (`Decimal`: i128 unscaled + scale, Flink's rules in `decimal`)
//!   Row      ── Vec<Value>, positionally matching a Schema
//!   Chunk    ── rows moving between operators, each with a change kind (+I -U +U -D)
//!   Schema   ── named, typed, nullable fields; resolution by (qualifier, name)
//!   Error    ── every user-facing error, with an optional source Span (line, column)
//!   time     ── civil-date arithmetic, Java SimpleDateFormat patterns, Flink durations
//!   Recent   ── a tiny most-recently-used cache (repeating strings and their parses)
//!   charset  ── text to bytes and back as Java does it (ENCODE, DECODE, CAST of BYTES)
//! ```
//!
//! Invariant: a `Value` stored in a column of type `t` is either `Null` or the variant that
//! `t` maps to (see [`DataType::accepts`]); operators rely on it instead of re-checking.

pub mod change;
pub mod charset;
pub mod decimal;
pub mod error;
pub mod recent;
pub mod schema;
pub mod time;
pub mod types;
pub mod value;

pub use change::{ChangeKind, Chunk};
pub use decimal::Decimal;
pub use error::{Error, Result, Span};
pub use recent::Recent;
pub use schema::{Field, Schema};
pub use types::DataType;
pub use value::{Row, Value};
