//! Built-in scalar functions (Flink names). Each takes evaluated arguments; NULL in, NULL out
//! unless the function says otherwise.

use newsflow_common::{time, DataType, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Upper,
    Lower,
    Trim,
    Ltrim,
    Rtrim,
    CharLength,
    Substring,
    Concat,
    ConcatWs,
    Replace,
    Position,
    Left,
    Right,
    Lpad,
    Rpad,
    Initcap,
    Reverse,
    SplitIndex,
    Abs,
    Round,
    Truncate,
    Floor,
    Ceil,
    Power,
    Sqrt,
    Ln,
    Exp,
    Mod,
    Sign,
    Coalesce,
    NullIf,
    If,
    Greatest,
    Least,
    JsonValue,
    UnixTimestamp,
    FromUnixtime,
    ToDate,
    Year,
    Month,
    DayOfMonth,
    Hour,
    Minute,
    Second,
    /// A function from the registry (see [`crate::registry`]), by index.
    Udf(usize),
}

/// (SQL name, function, min args, max args)
pub const FUNCTIONS: &[(&str, Func, usize, usize)] = &[
    ("UPPER", Func::Upper, 1, 1),
    ("LOWER", Func::Lower, 1, 1),
    ("TRIM", Func::Trim, 1, 1),
    ("LTRIM", Func::Ltrim, 1, 1),
    ("RTRIM", Func::Rtrim, 1, 1),
    ("CHAR_LENGTH", Func::CharLength, 1, 1),
    ("CHARACTER_LENGTH", Func::CharLength, 1, 1),
    ("LENGTH", Func::CharLength, 1, 1),
    ("SUBSTRING", Func::Substring, 2, 3),
    ("SUBSTR", Func::Substring, 2, 3),
    ("CONCAT", Func::Concat, 1, 64),
    ("CONCAT_WS", Func::ConcatWs, 2, 64),
    ("REPLACE", Func::Replace, 3, 3),
    ("POSITION", Func::Position, 2, 2),
    ("LOCATE", Func::Position, 2, 2),
    ("LEFT", Func::Left, 2, 2),
    ("RIGHT", Func::Right, 2, 2),
    ("LPAD", Func::Lpad, 3, 3),
    ("RPAD", Func::Rpad, 3, 3),
    ("INITCAP", Func::Initcap, 1, 1),
    ("REVERSE", Func::Reverse, 1, 1),
    ("SPLIT_INDEX", Func::SplitIndex, 3, 3),
    ("ABS", Func::Abs, 1, 1),
    ("ROUND", Func::Round, 1, 2),
    ("TRUNCATE", Func::Truncate, 1, 2),
    ("FLOOR", Func::Floor, 1, 1),
    ("CEIL", Func::Ceil, 1, 1),
    ("CEILING", Func::Ceil, 1, 1),
    ("POWER", Func::Power, 2, 2),
    ("SQRT", Func::Sqrt, 1, 1),
    ("LN", Func::Ln, 1, 1),
    ("EXP", Func::Exp, 1, 1),
    ("MOD", Func::Mod, 2, 2),
    ("SIGN", Func::Sign, 1, 1),
    ("COALESCE", Func::Coalesce, 1, 64),
    ("IFNULL", Func::Coalesce, 2, 2),
    ("NULLIF", Func::NullIf, 2, 2),
    ("IF", Func::If, 3, 3),
    ("GREATEST", Func::Greatest, 1, 64),
    ("LEAST", Func::Least, 1, 64),
    ("JSON_VALUE", Func::JsonValue, 2, 2),
    ("UNIX_TIMESTAMP", Func::UnixTimestamp, 1, 1),
    ("FROM_UNIXTIME", Func::FromUnixtime, 1, 1),
    ("TO_DATE", Func::ToDate, 1, 1),
    ("YEAR", Func::Year, 1, 1),
    ("MONTH", Func::Month, 1, 1),
    ("DAYOFMONTH", Func::DayOfMonth, 1, 1),
    ("HOUR", Func::Hour, 1, 1),
    ("MINUTE", Func::Minute, 1, 1),
    ("SECOND", Func::Second, 1, 1),
];

/// A built-in function, else one from the registry.
pub fn lookup(name: &str) -> Option<(Func, usize, usize)> {
    let upper = name.to_ascii_uppercase();
    FUNCTIONS
        .iter()
        .find(|(n, ..)| *n == upper)
        .map(|(_, f, lo, hi)| (*f, *lo, *hi))
        .or_else(|| crate::registry::lookup(&upper).map(|(i, u)| (Func::Udf(i), u.min_args, u.max_args)))
}

pub fn names() -> Vec<&'static str> {
    FUNCTIONS.iter().map(|(n, ..)| *n).collect()
}

/// The result type, given argument types (already checked for count).
pub fn return_type(f: Func, args: &[DataType]) -> Result<DataType, String> {
    use DataType as T;
    let first = args.first().cloned().unwrap_or(T::Null);
    let numeric = |t: &T| -> Result<(), String> {
        if t.is_numeric() || *t == T::Null {
            Ok(())
        } else {
            Err(format!("expects a numeric argument, got {t}"))
        }
    };
    Ok(match f {
        Func::Upper
        | Func::Lower
        | Func::Trim
        | Func::Ltrim
        | Func::Rtrim
        | Func::Substring
        | Func::Concat
        | Func::ConcatWs
        | Func::Replace
        | Func::Left
        | Func::Right
        | Func::Lpad
        | Func::Rpad
        | Func::Initcap
        | Func::Reverse
        | Func::SplitIndex
        | Func::JsonValue
        | Func::FromUnixtime => T::STRING,
        Func::Udf(i) => {
            return crate::registry::get(i)
                .map(|u| u.return_type.clone())
                .ok_or_else(|| format!("function #{i} is not registered"))
        }
        Func::CharLength | Func::Position => T::Int,
        Func::Abs | Func::Sign => {
            numeric(&first)?;
            first
        }
        Func::Round | Func::Truncate | Func::Floor | Func::Ceil => {
            numeric(&first)?;
            first
        }
        Func::Mod => {
            numeric(&first)?;
            T::common(&first, args.get(1).unwrap_or(&T::Null)).unwrap_or(T::Double)
        }
        Func::Power | Func::Sqrt | Func::Ln | Func::Exp => {
            numeric(&first)?;
            T::Double
        }
        Func::Coalesce | Func::Greatest | Func::Least => {
            let mut t = T::Null;
            for a in args {
                t = T::common(&t, a).ok_or_else(|| format!("arguments of types {t} and {a} have no common type"))?;
            }
            t
        }
        Func::NullIf => first,
        Func::If => T::common(&args[1], &args[2])
            .ok_or_else(|| format!("branches of types {} and {} have no common type", args[1], args[2]))?,
        Func::UnixTimestamp => T::BigInt,
        Func::ToDate => T::Date,
        Func::Year | Func::Month | Func::DayOfMonth | Func::Hour | Func::Minute | Func::Second => T::BigInt,
    })
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

fn chars_take(x: &str, n: usize) -> String {
    x.chars().take(n).collect()
}

pub fn call(f: Func, a: &[Value]) -> Value {
    use Value as V;
    let null_in = a.iter().any(Value::is_null);
    match f {
        Func::Coalesce => return a.iter().find(|v| !v.is_null()).cloned().unwrap_or(V::Null),
        Func::Concat if null_in => return V::Null,
        Func::ConcatWs => {
            let Some(sep) = a.first().and_then(s) else {
                return V::Null;
            };
            let parts: Vec<String> = a[1..].iter().filter(|v| !v.is_null()).map(|v| v.to_string()).collect();
            return V::str(&parts.join(sep));
        }
        Func::If => {
            return if a[0].as_bool() == Some(true) {
                a[1].clone()
            } else {
                a[2].clone()
            };
        }
        Func::NullIf => {
            return if !a[0].is_null() && a[0] == a[1] {
                V::Null
            } else {
                a[0].clone()
            };
        }
        Func::Greatest | Func::Least => {
            if null_in {
                return V::Null;
            }
            let mut it = a.iter();
            let Some(mut best) = it.next() else { return V::Null };
            for v in it {
                let ord = v.total_cmp(best);
                if (f == Func::Greatest && ord.is_gt()) || (f == Func::Least && ord.is_lt()) {
                    best = v;
                }
            }
            return best.clone();
        }
        Func::Udf(i) => {
            return match crate::registry::get(i) {
                Some(u) => (u.body)(a),
                None => V::Null,
            };
        }
        _ => {}
    }
    if null_in {
        return V::Null;
    }
    match f {
        Func::Upper => s(&a[0]).map(|x| V::str(&x.to_uppercase())).unwrap_or(V::Null),
        Func::Lower => s(&a[0]).map(|x| V::str(&x.to_lowercase())).unwrap_or(V::Null),
        Func::Trim => s(&a[0]).map(|x| V::str(x.trim())).unwrap_or(V::Null),
        Func::Ltrim => s(&a[0]).map(|x| V::str(x.trim_start())).unwrap_or(V::Null),
        Func::Rtrim => s(&a[0]).map(|x| V::str(x.trim_end())).unwrap_or(V::Null),
        Func::CharLength => s(&a[0]).map(|x| V::Int(x.chars().count() as i32)).unwrap_or(V::Null),
        Func::Reverse => s(&a[0])
            .map(|x| V::str(&x.chars().rev().collect::<String>()))
            .unwrap_or(V::Null),
        Func::Initcap => s(&a[0])
            .map(|x| {
                let mut out = String::with_capacity(x.len());
                let mut start = true;
                for c in x.chars() {
                    if start {
                        out.extend(c.to_uppercase());
                    } else {
                        out.extend(c.to_lowercase());
                    }
                    start = !c.is_alphanumeric();
                }
                V::str(&out)
            })
            .unwrap_or(V::Null),
        Func::Substring => {
            let Some(x) = s(&a[0]) else { return V::Null };
            let start = a[1].as_i64().unwrap_or(1);
            let len = a.get(2).and_then(Value::as_i64);
            // SQL positions are 1-based; a start <= 0 counts from before the string.
            let from = (start - 1).max(0) as usize;
            let n = match len {
                Some(l) if l < 0 => return V::Null,
                Some(l) => (start - 1 + l).max(0) as usize - from.min((start - 1 + l).max(0) as usize),
                None => usize::MAX,
            };
            V::str(&x.chars().skip(from).take(n).collect::<String>())
        }
        Func::Concat => V::str(&a.iter().map(|v| v.to_string()).collect::<String>()),
        Func::Replace => match (s(&a[0]), s(&a[1]), s(&a[2])) {
            (Some(x), Some(from), Some(to)) if !from.is_empty() => V::str(&x.replace(from, to)),
            (Some(x), Some(_), Some(_)) => V::str(x),
            _ => V::Null,
        },
        Func::Position => match (s(&a[0]), s(&a[1])) {
            (Some(needle), Some(hay)) => V::Int(match hay.find(needle) {
                Some(b) => hay[..b].chars().count() as i32 + 1,
                None => 0,
            }),
            _ => V::Null,
        },
        Func::Left => match (s(&a[0]), a[1].as_i64()) {
            (Some(x), Some(n)) => V::str(&chars_take(x, n.max(0) as usize)),
            _ => V::Null,
        },
        Func::Right => match (s(&a[0]), a[1].as_i64()) {
            (Some(x), Some(n)) => {
                let count = x.chars().count();
                V::str(
                    &x.chars()
                        .skip(count.saturating_sub(n.max(0) as usize))
                        .collect::<String>(),
                )
            }
            _ => V::Null,
        },
        Func::Lpad | Func::Rpad => match (s(&a[0]), a[1].as_i64(), s(&a[2])) {
            (Some(x), Some(n), Some(pad)) => {
                let n = n.max(0) as usize;
                let len = x.chars().count();
                if len >= n {
                    return V::str(&chars_take(x, n));
                }
                if pad.is_empty() {
                    return V::Null;
                }
                let fill: String = pad.chars().cycle().take(n - len).collect();
                V::str(&if f == Func::Lpad {
                    fill + x
                } else {
                    x.to_string() + &fill
                })
            }
            _ => V::Null,
        },
        Func::SplitIndex => match (s(&a[0]), s(&a[1]), a[2].as_i64()) {
            (Some(x), Some(sep), Some(i)) if i >= 0 && !sep.is_empty() => {
                x.split(sep).nth(i as usize).map(V::str).unwrap_or(V::Null)
            }
            _ => V::Null,
        },
        Func::Abs => match &a[0] {
            V::Int(v) => V::Int(v.wrapping_abs()),
            V::BigInt(v) => V::BigInt(v.wrapping_abs()),
            V::Float(v) => V::Float(v.abs()),
            V::Double(v) => V::Double(v.abs()),
            V::Decimal(v) => V::Decimal(v.abs()),
            _ => V::Null,
        },
        Func::Sign => match &a[0] {
            V::Int(v) => V::Int(v.signum()),
            V::BigInt(v) => V::BigInt(v.signum()),
            V::Double(v) => V::Double(if *v == 0.0 { 0.0 } else { v.signum() }),
            V::Decimal(v) => V::Decimal(
                newsflow_common::Decimal::from_i64(v.signum() as i64)
                    .rescale(38, v.scale())
                    .unwrap_or(*v),
            ),
            _ => V::Null,
        },
        Func::Round | Func::Truncate => {
            let digits = a.get(1).and_then(Value::as_i64).unwrap_or(0) as i32;
            if let V::Decimal(d) = &a[0] {
                return V::Decimal(if f == Func::Round {
                    d.round(digits)
                } else {
                    d.truncate(digits)
                });
            }
            if f == Func::Truncate {
                return truncate(&a[0], digits);
            }
            match &a[0] {
                V::Int(_) | V::BigInt(_) if digits >= 0 => a[0].clone(),
                v => {
                    let Some(x) = v.as_f64() else { return V::Null };
                    let m = 10f64.powi(digits);
                    // HALF_UP like Java's BigDecimal rounding Flink uses.
                    let r = (x * m).abs().add_half_up() * x.signum() / m;
                    match v {
                        V::Int(_) => V::Int(r as i32),
                        V::BigInt(_) => V::BigInt(r as i64),
                        V::Float(_) => V::Float(r as f32),
                        _ => V::Double(r),
                    }
                }
            }
        }
        Func::Floor | Func::Ceil => match &a[0] {
            V::Int(_) | V::BigInt(_) => a[0].clone(),
            V::Double(x) => V::Double(if f == Func::Floor { x.floor() } else { x.ceil() }),
            V::Float(x) => V::Float(if f == Func::Floor { x.floor() } else { x.ceil() }),
            V::Decimal(x) => V::Decimal(if f == Func::Floor { x.floor() } else { x.ceil() }),
            _ => V::Null,
        },
        Func::Power => match (a[0].as_f64(), a[1].as_f64()) {
            (Some(x), Some(y)) => V::Double(x.powf(y)),
            _ => V::Null,
        },
        Func::Sqrt => a[0].as_f64().map(|x| V::Double(x.sqrt())).unwrap_or(V::Null),
        Func::Ln => a[0].as_f64().map(|x| V::Double(x.ln())).unwrap_or(V::Null),
        Func::Exp => a[0].as_f64().map(|x| V::Double(x.exp())).unwrap_or(V::Null),
        Func::Mod => crate::expr::apply_binary(crate::BinOp::Modulo, &a[0], &a[1]),
        Func::JsonValue => match (s(&a[0]), s(&a[1])) {
            (Some(doc), Some(path)) => json_value(doc, path).map(|x| V::str(&x)).unwrap_or(V::Null),
            _ => V::Null,
        },
        Func::UnixTimestamp => match &a[0] {
            V::Timestamp(t) => V::BigInt(t.div_euclid(1000)),
            V::Str(x) => time::parse_timestamp(x, None)
                .map(|t| V::BigInt(t.div_euclid(1000)))
                .unwrap_or(V::Null),
            _ => V::Null,
        },
        Func::FromUnixtime => a[0]
            .as_i64()
            .map(|secs| V::str(&time::format_timestamp_sql(secs * 1000, 0)))
            .unwrap_or(V::Null),
        Func::ToDate => match &a[0] {
            V::Str(x) => time::parse_date(x).map(V::Date).unwrap_or(V::Null),
            V::Timestamp(t) => V::Date(t.div_euclid(time::MILLIS_PER_DAY) as i32),
            _ => V::Null,
        },
        Func::Year | Func::Month | Func::DayOfMonth | Func::Hour | Func::Minute | Func::Second => {
            let ms = match &a[0] {
                V::Timestamp(t) => *t,
                V::Date(d) => *d as i64 * time::MILLIS_PER_DAY,
                _ => return V::Null,
            };
            let c = time::to_civil(ms);
            V::BigInt(match f {
                Func::Year => c.year,
                Func::Month => c.month as i64,
                Func::DayOfMonth => c.day as i64,
                Func::Hour => c.hour as i64,
                Func::Minute => c.minute as i64,
                _ => c.second as i64,
            })
        }
        Func::Coalesce | Func::ConcatWs | Func::If | Func::NullIf | Func::Greatest | Func::Least | Func::Udf(_) => {
            V::Null
        }
    }
}

/// TRUNCATE(x, d) of a non-DECIMAL number: toward zero at `d` digits (INT and BIGINT with
/// a negative `d` drop digits, `TRUNCATE(1234, -2)` is 1200).
fn truncate(v: &Value, digits: i32) -> Value {
    use Value as V;
    match v {
        V::Int(_) | V::BigInt(_) => {
            let x = v.as_i64().unwrap_or(0);
            let r = if digits >= 0 {
                x
            } else {
                let m = 10i64.checked_pow((-digits) as u32).unwrap_or(i64::MAX);
                x / m * m
            };
            if matches!(v, V::Int(_)) {
                V::Int(r as i32)
            } else {
                V::BigInt(r)
            }
        }
        V::Double(_) | V::Float(_) => {
            let x = v.as_f64().unwrap_or(0.0);
            let m = 10f64.powi(digits);
            let r = (x * m).trunc() / m;
            if matches!(v, V::Float(_)) {
                V::Float(r as f32)
            } else {
                V::Double(r)
            }
        }
        _ => V::Null,
    }
}

trait HalfUp {
    fn add_half_up(self) -> f64;
}
impl HalfUp for f64 {
    fn add_half_up(self) -> f64 {
        (self + 0.5).floor()
    }
}

/// SQL LIKE with `%` and `_`.
pub fn like(s: &str, p: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = p.chars().collect();
    let (mut si, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

/// JSON_VALUE(doc, '$.a.b[0]'): the scalar at the path as text; NULL when the document is
/// not JSON, the path is missing, or it names an object/array (Flink's default
/// `NULL ON EMPTY`, `NULL ON ERROR`).
pub fn json_value(doc: &str, path: &str) -> Option<String> {
    let root: serde_json::Value = serde_json::from_str(doc).ok()?;
    let mut cur = &root;
    let rest = path.trim().strip_prefix('$')?;
    let mut chars = rest;
    while !chars.is_empty() {
        if let Some(r) = chars.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            cur = cur.get(&r[..end])?;
            chars = &r[end..];
        } else if let Some(r) = chars.strip_prefix('[') {
            let end = r.find(']')?;
            let key = r[..end].trim();
            cur = if let Ok(i) = key.parse::<usize>() {
                cur.get(i)?
            } else {
                cur.get(key.trim_matches(|c| c == '\'' || c == '"'))?
            };
            chars = &r[end + 1..];
        } else {
            return None;
        }
    }
    match cur {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("hello", "h%o"));
        assert!(like("hello", "_ello"));
        assert!(!like("hello", "h_o"));
        assert!(like("", "%"));
    }

    #[test]
    fn json_paths() {
        let d = r#"{"label":"good","summary":"up 7%","n":{"x":[1,2]}}"#;
        assert_eq!(json_value(d, "$.label").as_deref(), Some("good"));
        assert_eq!(json_value(d, "$.n.x[1]").as_deref(), Some("2"));
        assert_eq!(json_value(d, "$.n"), None);
        assert_eq!(json_value("not json", "$.a"), None);
    }
}
