//! CAST between types, with Flink's text forms. A value that cannot be converted becomes NULL.

use newsflow_common::time;
use newsflow_common::{DataType, Value};

pub fn cast(v: Value, to: &DataType) -> Value {
    use DataType as T;
    use Value as V;
    if v.is_null() {
        return V::Null;
    }
    match (to, &v) {
        (T::Varchar(_), V::Str(_)) => v,
        (T::Varchar(_), V::Timestamp(t)) => V::str(&time::format_timestamp_sql(*t, 3)),
        (T::Varchar(_), _) => V::str(&v.to_string()),
        (T::Boolean, V::Bool(_)) => v,
        (T::Boolean, V::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => V::Bool(true),
            "false" => V::Bool(false),
            _ => V::Null,
        },
        (T::Boolean, _) => v.as_f64().map(|x| V::Bool(x != 0.0)).unwrap_or(V::Null),
        (T::Int, V::Int(_)) => v,
        (T::Int, V::Str(s)) => s.trim().parse::<i32>().map(V::Int).unwrap_or(V::Null),
        (T::Int, V::Bool(b)) => V::Int(*b as i32),
        (T::Int, _) => v.as_f64().map(|x| V::Int(x.trunc() as i32)).unwrap_or(V::Null),
        (T::BigInt, V::BigInt(_)) => v,
        (T::BigInt, V::Int(i)) => V::BigInt(*i as i64),
        (T::BigInt, V::Str(s)) => s.trim().parse::<i64>().map(V::BigInt).unwrap_or(V::Null),
        (T::BigInt, V::Timestamp(t)) => V::BigInt(t.div_euclid(1000)),
        (T::BigInt, V::Bool(b)) => V::BigInt(*b as i64),
        (T::BigInt, _) => v.as_f64().map(|x| V::BigInt(x.trunc() as i64)).unwrap_or(V::Null),
        (T::Double, V::Str(s)) => s.trim().parse::<f64>().map(V::Double).unwrap_or(V::Null),
        (T::Double, _) => v.as_f64().map(V::Double).unwrap_or(V::Null),
        (T::Float, V::Str(s)) => s.trim().parse::<f32>().map(V::Float).unwrap_or(V::Null),
        (T::Float, _) => v.as_f64().map(|x| V::Float(x as f32)).unwrap_or(V::Null),
        (T::Decimal(_, s), V::Str(t)) => t
            .trim()
            .parse::<f64>()
            .map(|x| V::Decimal(round_scale(x, *s)))
            .unwrap_or(V::Null),
        (T::Decimal(_, s), _) => v.as_f64().map(|x| V::Decimal(round_scale(x, *s))).unwrap_or(V::Null),
        (T::Timestamp(_) | T::TimestampLtz(_), V::Timestamp(_)) => v,
        (T::Timestamp(_) | T::TimestampLtz(_), V::Str(s)) => {
            time::parse_timestamp(s, None).map(V::Timestamp).unwrap_or(V::Null)
        }
        (T::Timestamp(_) | T::TimestampLtz(_), V::Date(d)) => V::Timestamp(*d as i64 * time::MILLIS_PER_DAY),
        (T::Date, V::Date(_)) => v,
        (T::Date, V::Str(s)) => time::parse_date(s).map(V::Date).unwrap_or(V::Null),
        (T::Date, V::Timestamp(t)) => V::Date(t.div_euclid(time::MILLIS_PER_DAY) as i32),
        (T::Interval, V::Interval(_)) => v,
        (T::Null, _) => V::Null,
        _ => V::Null,
    }
}

fn round_scale(x: f64, scale: u8) -> f64 {
    let f = 10f64.powi(scale as i32);
    (x * f).round() / f
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
        _ => cast(v, to),
    }
}
