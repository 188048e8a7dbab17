//! CAST between types, with Flink's text forms and Flink's failures.
//!
//! [`try_cast`] says why a value cannot be converted (`CAST('x' AS INT)`, a NaN to
//! DECIMAL): Flink fails the job there; newsflow routes the row to the dead letters (see
//! `ScalarExpr::try_eval`), and `TRY_CAST` gives NULL. A conversion Flink itself turns into
//! NULL (a number too large for a DECIMAL(p, s)) is `Ok(Value::Null)`; numeric narrowing
//! wraps (BIGINT → INT) or saturates (DOUBLE → INT) as Java's casts do.

use std::sync::Arc;

use newsflow_common::decimal::Decimal;
use newsflow_common::time;
use newsflow_common::{DataType, Value};

/// How the reason of a conversion newsflow does not support begins: such a CAST fails the
/// row even as `TRY_CAST`, where Flink would give a value (see [`unsupported`]).
pub const UNSUPPORTED: &str = "not supported: ";

/// The reason for a value Flink converts but newsflow does not (a negative TIME of day).
pub fn unsupported(reason: impl std::fmt::Display) -> String {
    format!("{UNSUPPORTED}{reason}")
}

/// Can a CAST from `from` to `to` meet a value newsflow does not convert (so that even a
/// `TRY_CAST` must be able to fail the row)?
pub fn may_be_unsupported(from: &DataType, to: &DataType) -> bool {
    use DataType as T;
    match (from, to) {
        (T::Varchar(_) | T::Timestamp(_), T::Time(_)) => true,
        (T::Array(a), T::Array(b)) => may_be_unsupported(a, b),
        _ => false,
    }
}

/// Is `CAST(from AS to)` one newsflow does, where BYTES, TIME or ARRAY is involved (the
/// casts between other types are checked per value, as before)? Flink 2.3 refuses the
/// others (`CAST(12 AS TIME)`, `CAST(x'41' AS INT)`, `CAST(DATE … AS TIME)`).
pub fn check_cast(from: &DataType, to: &DataType) -> Result<(), String> {
    use DataType as T;
    if !from.is_bytes_time_or_array() && !to.is_bytes_time_or_array() {
        return Ok(());
    }
    let ok = match (from, to) {
        (T::Null, _) => true,
        (T::Varchar(_) | T::Bytes(_), T::Bytes(_)) | (T::Bytes(_), T::Varchar(_)) => true,
        (T::Varchar(_) | T::Time(_) | T::Timestamp(_), T::Time(_)) | (T::Time(_), T::Varchar(_) | T::Timestamp(_)) => {
            true
        }
        (T::Array(_), T::Varchar(_)) => true,
        (T::Array(a), T::Array(b)) => return check_cast(a, b),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "CAST from {from} to {to} is not supported (Flink 2.3 refuses it or newsflow does not have it)"
        ))
    }
}

/// CAST, where a value that cannot be converted is NULL (`TRY_CAST`, and the lenient
/// evaluation of expressions that cannot fail).
pub fn cast(v: Value, to: &DataType) -> Value {
    try_cast(v, to).unwrap_or(Value::Null)
}

/// Can a CAST from `from` to `to` fail on some value (and so send a row to the dead letters)?
pub fn can_fail(from: &DataType, to: &DataType) -> bool {
    use DataType as T;
    match (from, to) {
        (T::Varchar(_), T::Varchar(_)) => false,
        (T::Varchar(_), _) => true,
        (T::Float | T::Double, T::Decimal(..)) => true,
        (T::Timestamp(_), T::Time(_)) => true,
        (T::Array(a), T::Array(b)) => can_fail(a, b),
        _ => false,
    }
}

/// What a CAST to CHAR(n) / VARCHAR(n) does to the text, as Flink 2.3: VARCHAR(n) cuts it
/// to n characters, CHAR(n) cuts it and pads it with spaces to n (`CAST('ab' AS CHAR(5))`
/// is `'ab   '`). STRING, and a CAST to any other type, leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    Any,
    Cut(u32),
    Pad(u32),
}

impl Fit {
    pub fn apply(self, v: Value) -> Value {
        let (n, pad) = match self {
            Fit::Any => return v,
            Fit::Cut(n) => (n as usize, false),
            Fit::Pad(n) => (n as usize, true),
        };
        if let Value::Bytes(b) = &v {
            // VARBINARY(n) cuts to n bytes; BINARY(n) also pads with zero bytes
            if b.len() == n || (b.len() < n && !pad) {
                return v;
            }
            let mut out = b[..b.len().min(n)].to_vec();
            out.resize(n, 0);
            return Value::Bytes(Arc::from(out));
        }
        let Value::Str(s) = &v else { return v };
        let len = s.chars().count();
        if len == n || (len < n && !pad) {
            return v;
        }
        let mut out: String = s.chars().take(n).collect();
        out.extend(std::iter::repeat_n(' ', n.saturating_sub(len)));
        Value::str(&out)
    }
}

/// CAST with the operand's type known: a TIMESTAMP(p) becomes text with exactly p fraction
/// digits (`2023-01-01 00:00:00.000` for TIMESTAMP(3), none for TIMESTAMP(0)), then the
/// text is fitted to CHAR(n) / VARCHAR(n).
pub fn cast_from(v: Value, from: &DataType, to: &DataType, fit: Fit) -> Result<Value, String> {
    let v = match (&v, from, to) {
        (Value::Timestamp(_) | Value::Time(_) | Value::Array(_), _, DataType::Varchar(_)) => {
            Value::str(&typed_text(&v, from))
        }
        // a TIME keeps its milliseconds unless the CAST narrows its precision
        (Value::Time(t), DataType::Time(p), DataType::Time(q)) => {
            Value::Time(if q < p { time::truncate_time(*t, *q) } else { *t })
        }
        (Value::Array(items), DataType::Array(a), DataType::Array(b)) => {
            let out = items
                .iter()
                .map(|x| cast_from(x.clone(), a, b, Fit::Any))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Array(Arc::from(out))
        }
        _ => try_cast(v, to)?,
    };
    Ok(fit.apply(v))
}

/// `CAST(v AS STRING)` of a value of type `t`: a TIMESTAMP(p) with exactly p fraction
/// digits, a TIME(p) as Flink writes it, an ARRAY as `[a, NULL, c]` with each element so.
pub fn typed_text(v: &Value, t: &DataType) -> String {
    match (v, t) {
        (Value::Null, _) => "NULL".to_string(),
        (Value::Timestamp(ms), DataType::Timestamp(p) | DataType::TimestampLtz(p)) => timestamp_text(*ms, *p),
        (Value::Time(ms), DataType::Time(p)) => time::format_time(*ms, *p),
        (Value::Array(items), DataType::Array(e)) => {
            let parts: Vec<String> = items.iter().map(|x| typed_text(x, e)).collect();
            format!("[{}]", parts.join(", "))
        }
        (Value::Timestamp(ms), _) => time::format_timestamp_sql(*ms, 3),
        _ => v.to_string(),
    }
}

/// `CAST(s AS TIME(p))`: Flink's parse, cut to p digits. A time Flink reads but could not
/// write (before midnight or from 24:00 on, from an offset or a rounded fraction) is not
/// supported.
fn text_to_time(s: &str, p: u8) -> Result<Value, String> {
    match time::parse_time(s) {
        None => Err(format!("cannot cast '{s}' to TIME({p})")),
        Some(t) if !(0..86_400_000).contains(&t) => Err(unsupported(format!(
            "'{s}' is {t} ms after midnight as a TIME in Flink 2.3, outside a day (Flink cannot write it)"
        ))),
        Some(t) => Ok(Value::Time(time::truncate_time(t, p))),
    }
}

/// A TIMESTAMP(p) as Flink's CAST to STRING writes it: `yyyy-MM-dd HH:mm:ss` and, for p > 0,
/// exactly p fraction digits (newsflow keeps milliseconds, so digits past the third are 0).
pub fn timestamp_text(ms: i64, precision: u8) -> String {
    let mut s = time::format_timestamp_sql(ms - ms.rem_euclid(1000), 0);
    if precision > 0 {
        let digits = format!("{:03}000000", ms.rem_euclid(1000));
        s.push('.');
        s.push_str(&digits[..precision.min(9) as usize]);
    }
    s
}

pub fn try_cast(v: Value, to: &DataType) -> Result<Value, String> {
    use DataType as T;
    use Value as V;
    if v.is_null() {
        return Ok(V::Null);
    }
    let fail = |v: &Value| Err(format!("cannot cast {} to {to}", quoted(v)));
    Ok(match (to, &v) {
        (T::Varchar(_), V::Str(_)) => v,
        (T::Varchar(_), V::Timestamp(t)) => V::str(&time::format_timestamp_sql(*t, 3)),
        (T::Varchar(_), _) => V::str(&v.to_string()),
        (T::Bytes(_), V::Bytes(_)) => v,
        (T::Bytes(_), V::Str(s)) => V::Bytes(Arc::from(s.as_bytes())),
        (T::Time(_), V::Time(_)) => v,
        (T::Time(p), V::Str(s)) => return text_to_time(s, *p),
        (T::Time(p), V::Timestamp(t)) => V::Time(time::time_of_timestamp(*t, *p).map_err(unsupported)?),
        (T::Timestamp(_), V::Time(t)) => V::Timestamp(*t as i64),
        (T::Array(e), V::Array(items)) => {
            let out = items
                .iter()
                .map(|x| try_cast(x.clone(), e))
                .collect::<Result<Vec<_>, _>>()?;
            V::Array(Arc::from(out))
        }
        (T::Boolean, V::Bool(_)) => v,
        (T::Boolean, V::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "1" => V::Bool(true),
            "false" | "f" | "no" | "n" | "0" => V::Bool(false),
            _ => return fail(&v),
        },
        (T::Boolean, V::Decimal(d)) => V::Bool(d.signum() != 0),
        (T::Boolean, _) => match v.as_f64() {
            Some(x) => V::Bool(x != 0.0),
            None => return fail(&v),
        },
        (T::Int, V::Int(_)) => v,
        (T::Int, V::Str(s)) => match parse_integer(s) {
            Some(i) if i32::try_from(i).is_ok() => V::Int(i as i32),
            _ => return fail(&v),
        },
        (T::Int, V::Bool(b)) => V::Int(*b as i32),
        (T::Int, V::BigInt(i)) => V::Int(*i as i32),
        (T::Int, V::Decimal(d)) => V::Int(d.trunc_i64() as i32),
        (T::Int, _) => match v.as_f64() {
            Some(x) => V::Int(x as i32),
            None => return fail(&v),
        },
        (T::BigInt, V::BigInt(_)) => v,
        (T::BigInt, V::Int(i)) => V::BigInt(*i as i64),
        (T::BigInt, V::Str(s)) => match parse_integer(s) {
            Some(i) => V::BigInt(i),
            None => return fail(&v),
        },
        (T::BigInt, V::Timestamp(t)) => V::BigInt(t.div_euclid(1000)),
        (T::BigInt, V::Bool(b)) => V::BigInt(*b as i64),
        (T::BigInt, V::Decimal(d)) => V::BigInt(d.trunc_i64()),
        (T::BigInt, _) => match v.as_f64() {
            Some(x) => V::BigInt(x as i64),
            None => return fail(&v),
        },
        (T::Double, V::Str(s)) => match s.trim().parse::<f64>() {
            Ok(x) => V::Double(x),
            Err(_) => return fail(&v),
        },
        (T::Double, _) => match v.as_f64() {
            Some(x) => V::Double(x),
            None => return fail(&v),
        },
        (T::Float, V::Str(s)) => match s.trim().parse::<f32>() {
            Ok(x) => V::Float(x),
            Err(_) => return fail(&v),
        },
        (T::Float, _) => match v.as_f64() {
            Some(x) => V::Float(x as f32),
            None => return fail(&v),
        },
        (T::Decimal(p, s), _) => return to_decimal(&v, *p, *s),
        (T::Timestamp(_) | T::TimestampLtz(_), V::Timestamp(_)) => v,
        // Flink's CAST takes `yyyy-MM-dd[ HH:mm[:ss[.f…]]]`, not the ISO `T`.
        (T::Timestamp(_) | T::TimestampLtz(_), V::Str(s)) => match time::parse_timestamp(s, Some(b' ')) {
            Some(t) => V::Timestamp(t),
            None => return fail(&v),
        },
        (T::Timestamp(_) | T::TimestampLtz(_), V::Date(d)) => V::Timestamp(*d as i64 * time::MILLIS_PER_DAY),
        (T::Date, V::Date(_)) => v,
        (T::Date, V::Str(s)) => match time::parse_date(s) {
            Some(d) => V::Date(d),
            None => return fail(&v),
        },
        (T::Date, V::Timestamp(t)) => V::Date(t.div_euclid(time::MILLIS_PER_DAY) as i32),
        (T::Interval, V::Interval(_)) => v,
        (T::Null, _) => V::Null,
        _ => return fail(&v),
    })
}

/// A value to DECIMAL(p, s), rounding HALF_UP; too large for it is NULL (as Flink).
fn to_decimal(v: &Value, p: u8, s: u8) -> Result<Value, String> {
    use Value as V;
    let fit = |d: Option<Decimal>| Ok(d.map(V::Decimal).unwrap_or(V::Null));
    match v {
        V::Decimal(d) => fit(d.rescale(p, s)),
        V::Int(i) => fit(Decimal::from_i64(*i as i64).rescale(p, s)),
        V::BigInt(i) => fit(Decimal::from_i64(*i).rescale(p, s)),
        V::Bool(b) => fit(Decimal::from_i64(*b as i64).rescale(p, s)),
        V::Double(_) | V::Float(_) => {
            let x = v.as_f64().unwrap_or(f64::NAN);
            if !x.is_finite() {
                return Err(format!("cannot cast {x} to DECIMAL({p}, {s})"));
            }
            fit(Decimal::from_f64(x, p, s))
        }
        // Flink: a string that does not fit fails too ("Overflow"), unlike a number.
        V::Str(t) => match Decimal::parse(t.trim(), p, s) {
            Ok(Some(d)) => Ok(V::Decimal(d)),
            Ok(None) => Err(format!("'{t}' does not fit DECIMAL({p}, {s})")),
            Err(_) => Err(format!("cannot cast '{t}' to DECIMAL({p}, {s})")),
        },
        _ => Err(format!("cannot cast {} to DECIMAL({p}, {s})", quoted(v))),
    }
}

/// Flink's string to integer: trimmed, an optional sign, digits, and an optional fraction
/// that is dropped (`'12.9'` is 12); no exponent.
fn parse_integer(s: &str) -> Option<i64> {
    let t = s.trim();
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    if let Some(f) = frac {
        if !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let digits = int.strip_prefix(['+', '-']).unwrap_or(int);
    if digits.is_empty() && frac.is_none_or(str::is_empty) {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.is_empty() {
        return Some(0);
    }
    int.parse::<i64>().ok()
}

/// A value as it appears in an error message: strings quoted.
pub fn quoted(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// Convert a value produced by a query into the declared type of a sink column
/// (only for implicit casts the planner accepted).
pub fn coerce(v: Value, to: &DataType) -> Value {
    match (&v, to) {
        (Value::Null, _) => v,
        (Value::Str(_), DataType::Varchar(_)) => v,
        (Value::Int(_), DataType::Int)
        | (Value::BigInt(_), DataType::BigInt)
        | (Value::Double(_), DataType::Double)
        | (Value::Timestamp(_), DataType::Timestamp(_) | DataType::TimestampLtz(_)) => v,
        (Value::Decimal(d), DataType::Decimal(_, s)) if d.scale() == *s => v,
        (Value::Bytes(_), DataType::Bytes(_)) => v,
        // into a column of lower precision (TIME(3) into TIME(0)): cut, as Flink's cast
        (Value::Time(t), DataType::Time(p)) => Value::Time(time::truncate_time(*t, *p)),
        (Value::Array(items), DataType::Array(e)) => {
            Value::Array(items.iter().map(|x| coerce(x.clone(), e)).collect::<Vec<_>>().into())
        }
        _ => cast(v, to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_to_numbers_as_flink() {
        // functions_misc golden: TRY_CAST(num AS INT / DECIMAL(10, 2) / BOOLEAN)
        let int = |s: &str| cast(Value::str(s), &DataType::Int);
        assert_eq!(int("12.345"), Value::Int(12));
        assert_eq!(int(" 7 "), Value::Int(7));
        assert_eq!(int("+5"), Value::Int(5));
        assert_eq!(int("-0"), Value::Int(0));
        assert_eq!(int("1e3"), Value::Null);
        assert_eq!(int("2147483648"), Value::Null);
        assert_eq!(int(""), Value::Null);
        let dec = |s: &str| cast(Value::str(s), &DataType::Decimal(10, 2)).to_string();
        assert_eq!(dec("12.345"), "12.35");
        assert_eq!(dec("1e3"), "1000.00");
        assert_eq!(dec("NaN"), "NULL");
        assert_eq!(dec("9999999999999"), "NULL");
        assert!(try_cast(Value::str("9999999999999"), &DataType::Decimal(10, 2)).is_err());
        let b = |s: &str| cast(Value::str(s), &DataType::Boolean);
        assert_eq!(b("FALSE"), Value::Bool(false));
        assert_eq!(b("0"), Value::Bool(false));
        assert_eq!(b("42"), Value::Null);
        assert!(try_cast(Value::str("x"), &DataType::Int).is_err());
    }

    #[test]
    fn text_of_char_varchar_and_timestamps() {
        // Flink 2.3's answers
        let s = |x: &str| Value::str(x);
        let to = |v: Value, fit| cast_from(v, &DataType::STRING, &DataType::STRING, fit).unwrap();
        assert_eq!(to(s("grape fruit"), Fit::Pad(5)), s("grape"));
        assert_eq!(to(s("ab"), Fit::Pad(5)), s("ab   "));
        assert_eq!(to(s("héllo wörld"), Fit::Cut(3)), s("hél"));
        assert_eq!(to(s("ab"), Fit::Cut(3)), s("ab"));
        let ts = time::parse_timestamp("1970-01-01 10:00:00.5", None).unwrap();
        let text = |p| {
            cast_from(
                Value::Timestamp(ts),
                &DataType::Timestamp(p),
                &DataType::STRING,
                Fit::Any,
            )
            .unwrap()
        };
        assert_eq!(text(3), s("1970-01-01 10:00:00.500"));
        assert_eq!(text(0), s("1970-01-01 10:00:00"));
        assert_eq!(text(6), s("1970-01-01 10:00:00.500000"));
        let before = time::parse_timestamp("1969-12-31 12:00:00.25", None).unwrap();
        assert_eq!(timestamp_text(before, 3), "1969-12-31 12:00:00.250");
        assert!(try_cast(s("2025-09-15T12:00:00"), &DataType::Timestamp(3)).is_err());
        assert!(try_cast(s("2025-09-15"), &DataType::Timestamp(3)).is_ok());
    }

    #[test]
    fn bytes_time_and_arrays() {
        // Flink 2.3's answers
        let t = |p| DataType::Time(p);
        let text = |v: Value, from: &DataType| cast_from(v, from, &DataType::STRING, Fit::Any).unwrap();
        let ts = time::parse_timestamp("2025-07-01 09:01:02.345", None).unwrap();
        let to_time = |p| cast_from(Value::Timestamp(ts), &DataType::Timestamp(3), &t(p), Fit::Any).unwrap();
        assert_eq!(text(to_time(0), &t(0)), Value::str("09:01:02"));
        assert_eq!(text(to_time(1), &t(1)), Value::str("09:01:02.3"));
        assert_eq!(text(to_time(3), &t(3)), Value::str("09:01:02.345"));
        // TIME(0) to TIME(3) keeps the value; TIME(3) to TIME(0) cuts it
        let up = cast_from(to_time(0), &t(0), &t(3), Fit::Any).unwrap();
        assert_eq!(text(up, &t(3)), Value::str("09:01:02.0"));
        let half = Value::Time(43_200_500);
        assert_eq!(cast_from(half.clone(), &t(0), &t(3), Fit::Any).unwrap(), half);
        assert_eq!(
            cast_from(half, &t(3), &t(0), Fit::Any).unwrap(),
            Value::Time(43_200_000)
        );
        // before 1970: Flink's negative time of day is not supported (even by TRY_CAST)
        let before = time::parse_timestamp("1969-12-31 23:59:59.5", None).unwrap();
        let err = try_cast(Value::Timestamp(before), &t(3)).unwrap_err();
        assert!(err.starts_with(UNSUPPORTED), "{err}");
        assert_eq!(try_cast(Value::Timestamp(before), &t(0)), Ok(Value::Time(0)));
        // text: Flink's lenient parser; a time outside a day is not supported
        assert_eq!(try_cast(Value::str("9:1:2"), &t(0)), Ok(Value::Time(32_462_000)));
        assert!(try_cast(Value::str("25:00:00"), &t(0)).is_err_and(|e| !e.starts_with(UNSUPPORTED)));
        assert!(try_cast(Value::str("23:00:00+02:00"), &t(0)).is_err_and(|e| e.starts_with(UNSUPPORTED)));
        // BYTES: text is its UTF-8, read back as Java reads it; BINARY(n) pads, VARBINARY(n) cuts
        let b = try_cast(Value::str("Hello"), &DataType::Bytes(None)).unwrap();
        assert_eq!(
            Fit::Pad(8).apply(b.clone()),
            Value::Bytes(b"Hello\0\0\0".to_vec().into())
        );
        assert_eq!(Fit::Cut(2).apply(b.clone()), Value::Bytes(b"He".to_vec().into()));
        assert_eq!(text(b, &DataType::Bytes(None)), Value::str("Hello"));
        // arrays: element by element, each written as its type writes it
        let arr = Value::Array(vec![Value::Timestamp(0), Value::Null].into());
        let at = DataType::Array(Box::new(DataType::Timestamp(3)));
        assert_eq!(text(arr, &at), Value::str("[1970-01-01 00:00:00.000, NULL]"));
        assert!(check_cast(&DataType::Int, &t(0)).is_err());
        assert!(check_cast(&DataType::Date, &t(0)).is_err());
        assert!(check_cast(&DataType::Bytes(None), &DataType::Int).is_err());
        assert!(check_cast(&DataType::STRING, &DataType::Array(Box::new(DataType::Int))).is_err());
        assert!(check_cast(
            &DataType::Array(Box::new(DataType::STRING)),
            &DataType::Array(Box::new(DataType::Int))
        )
        .is_ok());
    }

    #[test]
    fn numbers_to_decimal() {
        let to = |v: Value| cast(v, &DataType::Decimal(10, 2)).to_string();
        assert_eq!(to(Value::Double(2.675)), "2.68");
        assert_eq!(to(Value::Double(1e10)), "NULL");
        assert_eq!(to(Value::Int(-100)), "-100.00");
        assert!(try_cast(Value::Double(f64::NAN), &DataType::Decimal(10, 2)).is_err());
        assert_eq!(cast(Value::BigInt(2147483648), &DataType::Int), Value::Int(-2147483648));
        assert_eq!(cast(Value::Double(3.9e9), &DataType::Int), Value::Int(2147483647));
    }
}
