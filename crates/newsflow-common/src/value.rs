//! One cell of a row.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::decimal::Decimal;
use crate::time;

/// A value. Strings, bytes and arrays are shared (`Arc`) so that copying a row through a
/// join is cheap (and `Value` stays 24 bytes).
/// Values serialize (serde) for checkpoints: `Str` as its text, `Decimal` as (unscaled,
/// scale), `Bytes` and `Array` as sequences, every other variant as its number, so a
/// restored row is bit-for-bit the row that was saved. New variants go at the end: the
/// encoding names a variant by its position, so state written before them still reads.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i32),
    BigInt(i64),
    Float(f32),
    Double(f64),
    /// DECIMAL(p, s): exact, at the column's scale `s` (see [`crate::decimal`]).
    Decimal(Decimal),
    Str(Arc<str>),
    /// Days since 1970-01-01.
    Date(i32),
    /// Epoch milliseconds: TIMESTAMP(3) (no zone) and TIMESTAMP_LTZ(3) (UTC instant).
    Timestamp(i64),
    /// A day-time interval in milliseconds.
    Interval(i64),
    /// BYTES / VARBINARY(n) / BINARY(n).
    Bytes(Arc<[u8]>),
    /// TIME(p): milliseconds since midnight, `0..86_400_000`.
    Time(i32),
    /// ARRAY<t>: the elements (each `Null` or the element type's variant).
    Array(Arc<[Value]>),
}

pub type Row = Vec<Value>;

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v as i64),
            Value::BigInt(v) | Value::Timestamp(v) | Value::Interval(v) => Some(*v),
            Value::Date(v) => Some(*v as i64),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::BigInt(v) => Some(*v as f64),
            Value::Float(v) => Some(*v as f64),
            Value::Double(v) => Some(*v),
            Value::Decimal(d) => Some(d.to_f64()),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn timestamp(&self) -> Option<i64> {
        match self {
            Value::Timestamp(t) => Some(*t),
            _ => None,
        }
    }

    /// Total order used by ORDER BY, MIN/MAX and comparisons of same-typed values.
    /// NULL sorts first. Values of different numeric types compare numerically.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Less,
            (_, Null) => Ordering::Greater,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(b),
            (BigInt(a), BigInt(b)) | (Timestamp(a), Timestamp(b)) | (Interval(a), Interval(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Str(a), Str(b)) => a.cmp(b),
            // unsigned bytes, a prefix first: Flink's byte-array comparison
            (Bytes(a), Bytes(b)) => a.cmp(b),
            (Time(a), Time(b)) => a.cmp(b),
            (Array(a), Array(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    let o = x.total_cmp(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Decimal(a), Decimal(b)) => a.cmp_exact(b),
            (Decimal(a), Int(_) | BigInt(_)) => b_int(other).map_or(Ordering::Equal, |b| a.cmp_exact(&b)),
            (Int(_) | BigInt(_), Decimal(b)) => b_int(self).map_or(Ordering::Equal, |a| a.cmp_exact(b)),
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => a.type_rank().cmp(&b.type_rank()),
            },
        }
    }

    /// An INT or BIGINT as a decimal (exact comparisons with DECIMAL values).
    pub fn int_as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int(v) => Some(Decimal::from_i64(*v as i64)),
            Value::BigInt(v) => Some(Decimal::from_i64(*v)),
            Value::Decimal(d) => Some(*d),
            _ => None,
        }
    }

    fn type_rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Double(_) | Value::Decimal(_) => 2,
            Value::Str(_) => 3,
            Value::Date(_) => 4,
            Value::Timestamp(_) => 5,
            Value::Interval(_) => 6,
            Value::Bytes(_) => 7,
            Value::Time(_) => 8,
            Value::Array(_) => 9,
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (BigInt(a), BigInt(b)) | (Timestamp(a), Timestamp(b)) | (Interval(a), Interval(b)) => a == b,
            (Date(a), Date(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Double(a), Double(b)) => a.to_bits() == b.to_bits(),
            (Decimal(a), Decimal(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (Time(a), Time(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            _ => false,
        }
    }
}
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Null => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(v) => v.hash(state),
            Value::BigInt(v) | Value::Timestamp(v) | Value::Interval(v) => v.hash(state),
            Value::Date(v) => v.hash(state),
            Value::Float(v) => v.to_bits().hash(state),
            Value::Double(v) => v.to_bits().hash(state),
            Value::Decimal(d) => d.hash(state),
            Value::Str(s) => s.hash(state),
            Value::Bytes(b) => b.hash(state),
            Value::Time(t) => t.hash(state),
            Value::Array(a) => a.hash(state),
        }
    }
}

fn b_int(v: &Value) -> Option<Decimal> {
    v.int_as_decimal()
}

/// Format a double the way Java's `Double.toString` does (what Flink's JSON and print
/// output show): shortest round-trip digits, at least one fractional digit, and scientific
/// notation below 1e-3 and from 1e7 up (`1.0E7`).
pub fn java_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    java_text(format!("{v}"), format!("{v:e}"), (1e-3..1e7).contains(&v.abs()))
}

/// Format a float the way Java's `Float.toString` does.
pub fn java_float(v: f32) -> String {
    if !v.is_finite() {
        return java_double(v as f64);
    }
    let plain = v == 0.0 || (1e-3..1e7).contains(&v.abs());
    java_text(format!("{v}"), format!("{v:e}"), plain)
}

/// Java's text from Rust's shortest-digit forms: plain `d.d` inside [1e-3, 1e7), else
/// `d.dE±n` (Rust's `{:e}` gives "1.2345e7" / "1e-5").
fn java_text(plain: String, sci: String, use_plain: bool) -> String {
    let with_fraction = |m: &str| {
        if m.contains('.') {
            m.to_string()
        } else {
            format!("{m}.0")
        }
    };
    if use_plain {
        return with_fraction(&plain);
    }
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    format!("{}E{exp}", with_fraction(mant))
}

impl fmt::Display for Value {
    /// The text Flink's `CAST(x AS STRING)` gives.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "NULL"),
            Value::Bool(b) => write!(f, "{}", if *b { "TRUE" } else { "FALSE" }),
            Value::Int(v) => write!(f, "{v}"),
            Value::BigInt(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{}", java_float(*v)),
            Value::Double(v) => write!(f, "{}", java_double(*v)),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Str(s) => write!(f, "{s}"),
            Value::Date(d) => write!(f, "{}", time::format_date(*d)),
            Value::Timestamp(t) => write!(f, "{}", time::format_timestamp_sql(*t, 3)),
            Value::Interval(ms) => write!(f, "{}", time::format_interval(*ms)),
            // Flink's CAST(bytes AS STRING): the bytes read as UTF-8, as Java reads them
            Value::Bytes(b) => f.write_str(&crate::charset::java_utf8(b)),
            // a TIME whose precision is not known here: the fraction only when there is one
            Value::Time(ms) => write!(f, "{}", time::format_time(*ms, if ms % 1000 == 0 { 0 } else { 3 })),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        assert_eq!(java_double(2375.0), "2375.0");
        assert_eq!(java_double(352.84666666666664), "352.84666666666664");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(12345678.5), "1.23456785E7");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(-0.5), "-0.5");
    }

    #[test]
    fn value_stays_small() {
        // the hot path copies values: BYTES and ARRAY are shared, so they do not grow it
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn new_variants_compare_hash_and_print() {
        use std::collections::hash_map::DefaultHasher;
        let h = |v: &Value| {
            let mut s = DefaultHasher::new();
            v.hash(&mut s);
            s.finish()
        };
        let b = |x: &[u8]| Value::Bytes(Arc::from(x));
        assert!(b(&[0x48]).total_cmp(&b(&[0x80])).is_lt(), "unsigned bytes");
        assert!(b(&[1]).total_cmp(&b(&[1, 0])).is_lt(), "a prefix first");
        let arr = |v: Vec<Value>| Value::Array(Arc::from(v));
        let a1 = arr(vec![Value::str("a"), Value::Null]);
        let a2 = arr(vec![Value::str("a"), Value::Null]);
        assert_eq!(a1, a2);
        assert_eq!(h(&a1), h(&a2));
        assert_ne!(a1, arr(vec![Value::str("a")]));
        assert_eq!(h(&Value::Time(5)), h(&Value::Time(5)));
        assert_ne!(Value::Time(5), Value::Int(5));
        assert_eq!(a1.to_string(), "[a, NULL]");
        assert_eq!(Value::Time(3_723_500).to_string(), "01:02:03.5");
        assert_eq!(b(b"Hi").to_string(), "Hi");
    }
}
