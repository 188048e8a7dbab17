//! Built-in scalar functions (Flink names). Each takes evaluated arguments; NULL in, NULL out
//! unless the function says otherwise.
//!
//! The older functions are variants of [`Func`] below; newer ones are [`Builtin`]s defined
//! by family in `functions/{string,math,temporal,misc}.rs` (one table per file), reached
//! through [`Func::Builtin`]. A Flink built-in that newsflow does not have yet is refused
//! when planning, by name ([`NOT_YET`]).

pub mod array;
pub mod json;
pub mod math;
pub mod misc;
pub mod string;
pub mod temporal;
pub mod zone;

use newsflow_common::{time, DataType, Value};

/// A built-in function defined in a family module.
pub struct Builtin {
    /// Upper-case SQL name.
    pub name: &'static str,
    pub min_args: usize,
    pub max_args: usize,
    /// The result type from the argument types (already checked for count).
    pub ret: fn(&[DataType]) -> Result<DataType, String>,
    /// The body over evaluated arguments.
    pub eval: fn(&[Value]) -> Value,
    /// True: any NULL argument gives NULL without calling `eval`.
    pub strict: bool,
}

impl Builtin {
    pub const fn strict(
        name: &'static str,
        min_args: usize,
        max_args: usize,
        ret: fn(&[DataType]) -> Result<DataType, String>,
        eval: fn(&[Value]) -> Value,
    ) -> Builtin {
        Builtin {
            name,
            min_args,
            max_args,
            ret,
            eval,
            strict: true,
        }
    }

    /// A function that sees NULL arguments itself.
    pub const fn nullable(
        name: &'static str,
        min_args: usize,
        max_args: usize,
        ret: fn(&[DataType]) -> Result<DataType, String>,
        eval: fn(&[Value]) -> Value,
    ) -> Builtin {
        Builtin {
            strict: false,
            ..Builtin::strict(name, min_args, max_args, ret, eval)
        }
    }
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Builtin {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Builtin {}

pub(crate) fn ret_string(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::STRING)
}
pub(crate) fn ret_int(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::Int)
}
pub(crate) fn ret_bigint(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::BigInt)
}
pub(crate) fn ret_double(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::Double)
}
pub(crate) fn ret_bool(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::Boolean)
}

/// Every family's functions.
pub fn builtins() -> impl Iterator<Item = &'static Builtin> {
    string::FUNCS
        .iter()
        .chain(math::FUNCS)
        .chain(temporal::FUNCS)
        .chain(misc::FUNCS)
        .chain(array::FUNCS)
}

/// Flink 2.3 built-in scalar functions newsflow does not have yet: refused when planning
/// with "… is not supported yet" (not "unknown function").
pub const NOT_YET: &[&str] = &[
    "ARRAY_APPEND",
    "ARRAY_CONCAT",
    "ARRAY_EXCEPT",
    "ARRAY_INTERSECT",
    "ARRAY_MAX",
    "ARRAY_MIN",
    "ARRAY_POSITION",
    "ARRAY_PREPEND",
    "ARRAY_REMOVE",
    "ARRAY_REVERSE",
    "ARRAY_SLICE",
    "ARRAY_SORT",
    "ARRAY_UNION",
    "BITAND",
    "BITNOT",
    "BITOR",
    "BITXOR",
    "CRC32",
    "CURRENT_DATE",
    "CURRENT_ROW_TIMESTAMP",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_WATERMARK",
    "DATE_ADD",
    "DATE_SUB",
    "ELEMENT",
    "GROUPING",
    "GROUP_ID",
    "HASH_CODE",
    "JSON",
    "JSON_ARRAYAGG",
    "JSON_OBJECTAGG",
    "JSON_UNQUOTE",
    "KEYVALUE",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "MAP",
    "MAP_ENTRIES",
    "MAP_FROM_ARRAYS",
    "MAP_KEYS",
    "MAP_UNION",
    "MAP_VALUES",
    "NOW",
    "OBJECT_OF",
    "PROCTIME",
    "RAND",
    "RAND_INTEGER",
    "SOURCE_WATERMARK",
    "SPLIT",
    "STR_TO_MAP",
    "SUBSTRING_INDEX",
    "UUID",
];

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
    Reverse,
    Abs,
    Floor,
    Ceil,
    Power,
    Mod,
    Sign,
    Coalesce,
    NullIf,
    If,
    Greatest,
    Least,
    Year,
    Month,
    DayOfMonth,
    Hour,
    Minute,
    Second,
    /// A function from the registry (see [`crate::registry`]), by index.
    Udf(usize),
    /// A function from one of the family modules.
    Builtin(&'static Builtin),
}

/// (SQL name, function, min args, max args)
pub const FUNCTIONS: &[(&str, Func, usize, usize)] = &[
    ("UPPER", Func::Upper, 1, 1),
    ("LOWER", Func::Lower, 1, 1),
    ("TRIM", Func::Trim, 1, 1),
    ("CHAR_LENGTH", Func::CharLength, 1, 1),
    ("CHARACTER_LENGTH", Func::CharLength, 1, 1),
    ("LENGTH", Func::CharLength, 1, 1),
    ("SUBSTRING", Func::Substring, 2, 3),
    ("SUBSTR", Func::Substring, 2, 3),
    ("CONCAT", Func::Concat, 1, 64),
    ("CONCAT_WS", Func::ConcatWs, 2, 64),
    ("REPLACE", Func::Replace, 3, 3),
    ("POSITION", Func::Position, 2, 2),
    ("LEFT", Func::Left, 2, 2),
    ("RIGHT", Func::Right, 2, 2),
    ("REVERSE", Func::Reverse, 1, 1),
    ("ABS", Func::Abs, 1, 1),
    ("FLOOR", Func::Floor, 1, 1),
    ("CEIL", Func::Ceil, 1, 1),
    ("CEILING", Func::Ceil, 1, 1),
    ("POWER", Func::Power, 2, 2),
    ("MOD", Func::Mod, 2, 2),
    ("SIGN", Func::Sign, 1, 1),
    ("COALESCE", Func::Coalesce, 1, 64),
    ("IFNULL", Func::Coalesce, 2, 2),
    ("NULLIF", Func::NullIf, 2, 2),
    ("IF", Func::If, 3, 3),
    ("GREATEST", Func::Greatest, 1, 64),
    ("LEAST", Func::Least, 1, 64),
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
    builtins()
        .find(|b| b.name == upper)
        .map(|b| (Func::Builtin(b), b.min_args, b.max_args))
        .or_else(|| {
            FUNCTIONS
                .iter()
                .find(|(n, ..)| *n == upper)
                .map(|(_, f, lo, hi)| (*f, *lo, *hi))
        })
        .or_else(|| crate::registry::lookup(&upper).map(|(i, u)| (Func::Udf(i), u.min_args, u.max_args)))
}

/// The built-in scalar functions, sorted (the names `compile` also handles itself, such as
/// TO_TIMESTAMP and TYPEOF, included).
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = FUNCTIONS
        .iter()
        .map(|(n, ..)| *n)
        .chain(builtins().map(|b| b.name))
        .chain(crate::compile::SPECIAL_FUNCTIONS.iter().copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
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
        | Func::Reverse => T::STRING,
        Func::Udf(i) => {
            return crate::registry::get(i)
                .map(|u| u.return_type.clone())
                .ok_or_else(|| format!("function #{i} is not registered"))
        }
        Func::Builtin(b) => return (b.ret)(args),
        Func::CharLength | Func::Position => T::Int,
        Func::Abs | Func::Sign => {
            numeric(&first)?;
            first
        }
        Func::Floor | Func::Ceil => {
            numeric(&first)?;
            first
        }
        Func::Mod => {
            numeric(&first)?;
            let second = args.get(1).unwrap_or(&T::Null);
            numeric(second)?;
            // Calcite's MOD: two integers give the type of the second (MOD(BIGINT, INT) is INT)
            if (first.is_integer() || first == T::Null) && second.is_integer() {
                second.clone()
            } else {
                T::common(&first, second).unwrap_or(T::Double)
            }
        }
        Func::Power => {
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
        Func::Builtin(b) if !b.strict || !null_in => return (b.eval)(a),
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
        // Flink trims spaces only (not tabs or other whitespace)
        Func::Trim => s(&a[0]).map(|x| V::str(x.trim_matches(' '))).unwrap_or(V::Null),
        Func::Ltrim => s(&a[0]).map(|x| V::str(x.trim_start_matches(' '))).unwrap_or(V::Null),
        Func::Rtrim => s(&a[0]).map(|x| V::str(x.trim_end_matches(' '))).unwrap_or(V::Null),
        Func::CharLength => s(&a[0]).map(|x| V::Int(x.chars().count() as i32)).unwrap_or(V::Null),
        Func::Reverse => s(&a[0])
            .map(|x| V::str(&x.chars().rev().collect::<String>()))
            .unwrap_or(V::Null),
        Func::Substring => {
            let Some(x) = s(&a[0]) else { return V::Null };
            let (Some(start), len) = (a[1].as_i64(), a.get(2).and_then(Value::as_i64)) else {
                return V::Null;
            };
            substring(x, start, len)
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
        Func::Mod => match (&a[0], &a[1]) {
            // integers: the remainder has the second argument's type
            (V::Int(_) | V::BigInt(_), V::Int(_)) => match (a[0].as_i64(), a[1].as_i64()) {
                (Some(x), Some(y)) => x.checked_rem(y).map(|r| V::Int(r as i32)).unwrap_or(V::Null),
                _ => V::Null,
            },
            _ => crate::expr::apply_binary(crate::BinOp::Modulo, &a[0], &a[1]),
        },
        Func::Year | Func::Month | Func::DayOfMonth | Func::Hour | Func::Minute | Func::Second => {
            let ms = match &a[0] {
                V::Timestamp(t) => *t,
                V::Date(d) => *d as i64 * time::MILLIS_PER_DAY,
                // a TIME is a time on 1970-01-01 (the compiler allows HOUR, MINUTE, SECOND)
                V::Time(t) => *t as i64,
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
        Func::Builtin(b) => (b.eval)(a),
        Func::Coalesce | Func::ConcatWs | Func::If | Func::NullIf | Func::Greatest | Func::Least | Func::Udf(_) => {
            V::Null
        }
    }
}

/// SUBSTRING(x FROM start [FOR len]) on code points, as Flink: a negative start counts from
/// the end, 0 is the first character, a negative length gives NULL.
pub fn substring(x: &str, start: i64, len: Option<i64>) -> Value {
    if matches!(len, Some(l) if l < 0) {
        return Value::Null;
    }
    let chars: Vec<char> = x.chars().collect();
    let n = chars.len() as i64;
    let from = if start > 0 {
        start - 1
    } else if start < 0 {
        n + start
    } else {
        0
    };
    if from >= n || from < 0 {
        return Value::str("");
    }
    let to = match len {
        Some(l) => (from + l).min(n),
        None => n,
    };
    Value::str(&chars[from as usize..to as usize].iter().collect::<String>())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's function list, generated from the tables here.
    fn readme_function_list() -> String {
        let join = |v: &[&str]| v.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let mut not_yet: Vec<&str> = NOT_YET.to_vec();
        not_yet.sort_unstable();
        let mut agg_not_yet: Vec<&str> = crate::aggregate::NOT_YET.to_vec();
        agg_not_yet.sort_unstable();
        format!(
            "Scalar functions: {}.\n\nAggregates: {}.\n\nFlink functions refused as not supported yet: {}; \
             aggregates: {}.\n",
            join(&names()),
            join(crate::aggregate::SUPPORTED),
            join(&not_yet),
            join(&agg_not_yet),
        )
    }

    /// README.md lists the functions between two markers; `UPDATE_README=1 cargo test -p
    /// newsflow-expr readme` rewrites the list.
    #[test]
    fn readme_lists_the_functions() {
        // The crate's directory as the test runs: a binary reused from a build in another
        // checkout (CI shares one target directory) must read this checkout's README.
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        let path = std::path::Path::new(&dir).join("../../README.md");
        let text = std::fs::read_to_string(&path).expect("README.md");
        let (start, end) = ("<!-- functions:begin -->\n", "<!-- functions:end -->");
        let a = text.find(start).expect("functions:begin marker") + start.len();
        let b = text.find(end).expect("functions:end marker");
        let want = readme_function_list();
        if std::env::var_os("UPDATE_README").is_some() {
            std::fs::write(&path, format!("{}{}{}", &text[..a], want, &text[b..])).expect("write README.md");
            return;
        }
        assert_eq!(
            &text[a..b],
            want,
            "README's function list is stale: UPDATE_README=1 cargo test -p newsflow-expr readme"
        );
    }

    #[test]
    fn no_function_is_both_supported_and_not_yet() {
        for n in names() {
            assert!(!NOT_YET.contains(&n), "{n} is supported and listed as not yet");
        }
    }

    #[test]
    fn like_patterns() {
        assert!(like("hello", "h%o"));
        assert!(like("hello", "_ello"));
        assert!(!like("hello", "h_o"));
        assert!(like("", "%"));
    }
}
