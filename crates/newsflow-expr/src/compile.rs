//! SQL AST → typed [`ScalarExpr`].

use std::sync::Arc;

use newsflow_common::time::JavaDateFormat;
use newsflow_common::{DataType, Error, Result, Schema, Span, Value};
use sqlparser::ast::{self, Spanned};

use crate::expr::{BinOp, OnError, ScalarExpr};
use crate::functions;
use newsflow_common::decimal::{self, Decimal};

/// A hook the planner uses to replace sub-expressions (aggregate calls, group keys, window
/// properties) by columns of an aggregate's output before normal compilation.
pub type Substitute<'a> = dyn Fn(&ast::Expr) -> Result<Option<(ScalarExpr, DataType)>> + 'a;

/// What names mean while compiling an expression.
pub struct Scope<'a> {
    pub schema: &'a Schema,
    pub substitute: Option<&'a Substitute<'a>>,
}

impl<'a> Scope<'a> {
    pub fn new(schema: &'a Schema) -> Self {
        Scope {
            schema,
            substitute: None,
        }
    }
}

/// The source position of an AST expression.
pub fn span_of(e: &ast::Expr) -> Span {
    let s = e.span().start;
    Span::new(s.line, s.column)
}

pub fn ident_span(i: &ast::Ident) -> Span {
    Span::new(i.span.start.line, i.span.start.column)
}

/// Map a parsed SQL type to ours (Flink's names).
pub fn sql_type(dt: &ast::DataType, span: Span) -> Result<DataType> {
    use ast::DataType as A;
    let precision = |p: &Option<u64>| p.map(|p| p.min(9) as u8).unwrap_or(6);
    Ok(match dt {
        A::String(_) | A::Text => DataType::STRING,
        A::Varchar(len) | A::CharacterVarying(len) | A::CharVarying(len) | A::Char(len) | A::Character(len) => {
            DataType::Varchar(match len {
                Some(ast::CharacterLength::IntegerLength { length, .. }) => Some((*length).min(u32::MAX as u64) as u32),
                _ => None,
            })
        }
        A::Int(_) | A::Integer(_) | A::SmallInt(_) | A::TinyInt(_) => DataType::Int,
        A::BigInt(_) => DataType::BigInt,
        A::Double(_) | A::DoublePrecision | A::Float8 => DataType::Double,
        A::Float(_) | A::Real | A::Float4 => DataType::Float,
        A::Boolean | A::Bool => DataType::Boolean,
        A::Decimal(info) | A::Numeric(info) | A::Dec(info) => {
            let (p, s) = match info {
                ast::ExactNumberInfo::None => (10, 0),
                ast::ExactNumberInfo::Precision(p) => (*p, 0),
                ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p, (*s).max(0) as u64),
            };
            if !(1..=decimal::MAX_PRECISION as u64).contains(&p) || s > p {
                return Err(Error::sql(
                    format!("DECIMAL({p}, {s}): the precision must be 1 to 38 and the scale 0 to the precision"),
                    span,
                ));
            }
            DataType::Decimal(p as u8, s as u8)
        }
        A::Date => DataType::Date,
        // BYTES is VARBINARY(2147483647); BINARY without a length is BINARY(1)
        A::Bytes(None) => DataType::Bytes(None),
        A::Binary(n) | A::Bytes(n @ Some(_)) => DataType::Bytes(Some(binary_length(n.unwrap_or(1), span)?)),
        A::Varbinary(n) => DataType::Bytes(match n {
            Some(ast::BinaryLength::IntegerLength { length }) => Some(binary_length(*length, span)?),
            _ => None,
        }),
        A::Time(p, tz) => match tz {
            ast::TimezoneInfo::None | ast::TimezoneInfo::WithoutTimeZone => DataType::Time(p.unwrap_or(0).min(9) as u8),
            _ => {
                return Err(Error::sql(
                    format!("unsupported type {dt}: TIME WITH TIME ZONE is not a Flink type"),
                    span,
                ))
            }
        },
        A::Array(
            ast::ArrayElemTypeDef::AngleBracket(inner)
            | ast::ArrayElemTypeDef::SquareBracket(inner, None)
            | ast::ArrayElemTypeDef::Parenthesis(inner),
        ) => {
            let t = sql_type(inner, span)?;
            if matches!(t, DataType::Array(_)) {
                return Err(Error::sql(
                    format!("unsupported type {dt}: an ARRAY of ARRAY is not supported yet"),
                    span,
                ));
            }
            DataType::Array(Box::new(t))
        }
        A::Timestamp(p, tz) => match tz {
            ast::TimezoneInfo::WithTimeZone => DataType::TimestampLtz(precision(p)),
            _ => DataType::Timestamp(precision(p)),
        },
        A::Custom(name, args) => {
            let n = name.to_string().to_ascii_uppercase();
            let p = args.first().and_then(|a| a.parse::<u8>().ok()).unwrap_or(6).min(9);
            match n.as_str() {
                "TIMESTAMP_LTZ" => DataType::TimestampLtz(p),
                "STRING" => DataType::STRING,
                _ => return Err(Error::sql(format!("unsupported type {dt}; {}", SUPPORTED_TYPES), span)),
            }
        }
        other => {
            return Err(Error::sql(
                format!("unsupported type {other}; {}", SUPPORTED_TYPES),
                span,
            ))
        }
    })
}

fn binary_length(n: u64, span: Span) -> Result<u32> {
    if n == 0 || n > i32::MAX as u64 {
        return Err(Error::sql(
            format!("a BINARY/VARBINARY length must be 1 to 2147483647, got {n}"),
            span,
        ));
    }
    Ok(n as u32)
}

/// What a CAST to this type does to the length of text or bytes: Flink cuts to VARCHAR(n)
/// and VARBINARY(n), and cuts and pads to CHAR(n) (spaces) and BINARY(n) (zero bytes); a
/// bare CHAR or BINARY is CHAR(1) / BINARY(1).
fn text_fit(dt: &ast::DataType) -> crate::cast::Fit {
    use crate::cast::Fit;
    use ast::DataType as A;
    let len = |l: &Option<ast::CharacterLength>| match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => Some((*length).min(u32::MAX as u64) as u32),
        _ => None,
    };
    match dt {
        A::Varchar(l) | A::CharacterVarying(l) | A::CharVarying(l) => len(l).map(Fit::Cut).unwrap_or(Fit::Any),
        A::Char(l) | A::Character(l) => Fit::Pad(len(l).unwrap_or(1)),
        A::Binary(n) => Fit::Pad(n.unwrap_or(1).min(u32::MAX as u64) as u32),
        A::Bytes(Some(n)) => Fit::Pad((*n).min(u32::MAX as u64) as u32),
        A::Varbinary(Some(ast::BinaryLength::IntegerLength { length })) => {
            Fit::Cut((*length).min(u32::MAX as u64) as u32)
        }
        _ => Fit::Any,
    }
}

pub const SUPPORTED_TYPES: &str = "supported types: STRING, VARCHAR(n), CHAR(n), INT, INTEGER, BIGINT, DOUBLE, \
FLOAT, BOOLEAN, DECIMAL(p, s), DATE, TIME(p), TIMESTAMP(p), TIMESTAMP_LTZ(p), BYTES, VARBINARY(n), BINARY(n), ARRAY<t>";

/// The value in milliseconds of a constant `INTERVAL 'n' UNIT` expression.
pub fn interval_millis(e: &ast::Expr) -> Option<i64> {
    match e {
        ast::Expr::Interval(iv) => interval_value(iv).ok(),
        ast::Expr::Nested(inner) => interval_millis(inner),
        _ => None,
    }
}

fn interval_value(iv: &ast::Interval) -> Result<i64> {
    let span = span_of(&iv.value);
    let text = match iv.value.as_ref() {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            ast::Value::Number(n, _) => n.clone(),
            other => return Err(Error::sql(format!("bad interval value {other}"), span)),
        },
        other => {
            return Err(Error::sql(
                format!("interval value must be a literal, got {other}"),
                span,
            ))
        }
    };
    let text = text.trim();
    let unit = iv.leading_field.as_ref().map(|f| f.to_string().to_ascii_uppercase());
    let unit = unit.as_deref().unwrap_or("SECOND");
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let per: i64 = match unit.trim_end_matches('S') {
        "MILLISECOND" => 1,
        "SECOND" => 1000,
        "MINUTE" => 60_000,
        "HOUR" => 3_600_000,
        "DAY" => 86_400_000,
        "WEEK" => 7 * 86_400_000,
        "MONTH" | "YEAR" => {
            return Err(Error::sql(
                format!(
                    "INTERVAL … {unit} is supported only added to or subtracted from a TIMESTAMP or DATE \
                     (ts + INTERVAL '1' MONTH) so far"
                ),
                span,
            ))
        }
        other => {
            return Err(Error::sql(
                format!("unsupported interval unit {other}; use MILLISECOND, SECOND, MINUTE, HOUR or DAY"),
                span,
            ))
        }
    };
    let ms = if unit.starts_with("SECOND") && body.contains('.') {
        let f: f64 = body
            .parse()
            .map_err(|_| Error::sql(format!("bad interval value '{text}'"), span))?;
        (f * 1000.0).round() as i64
    } else if let Some(last) = &iv.last_field {
        // 'H:M' HOUR TO MINUTE and the like
        let last = last.to_string().to_ascii_uppercase();
        // the last field may have a fraction when it is SECOND ('1 02:03:04.5')
        let mut parts: Vec<i64> = Vec::new();
        let fields: Vec<&str> = body.split([':', ' ']).collect();
        for (i, p) in fields.iter().enumerate() {
            if i + 1 == fields.len() && last.starts_with("SECOND") && p.contains('.') {
                let f: f64 = p
                    .parse()
                    .map_err(|_| Error::sql(format!("bad interval value '{text}'"), span))?;
                // in milliseconds, marked by the caller's unit 1000 below
                parts.push((f * 1000.0).round() as i64);
            } else if let Ok(v) = p.parse() {
                parts.push(if i + 1 == fields.len() && last.starts_with("SECOND") {
                    v * 1000
                } else {
                    v
                });
            }
        }
        let units: &[i64] = match (unit, last.as_str()) {
            ("DAY", "HOUR") => &[86_400_000, 3_600_000],
            ("DAY", "MINUTE") => &[86_400_000, 3_600_000, 60_000],
            ("DAY", "SECOND") => &[86_400_000, 3_600_000, 60_000, 1],
            ("HOUR", "MINUTE") => &[3_600_000, 60_000],
            ("HOUR", "SECOND") => &[3_600_000, 60_000, 1],
            ("MINUTE", "SECOND") => &[60_000, 1],
            _ => return Err(Error::sql(format!("unsupported interval {unit} TO {last}"), span)),
        };
        if parts.len() != units.len() {
            return Err(Error::sql(
                format!("bad interval value '{text}' for {unit} TO {last}"),
                span,
            ));
        }
        parts.iter().zip(units).map(|(p, u)| p * u).sum()
    } else {
        let n: i64 = body
            .parse()
            .map_err(|_| Error::sql(format!("bad interval value '{text}'"), span))?;
        n * per
    };
    Ok(if neg { -ms } else { ms })
}

/// The months of a constant year-month interval (`INTERVAL '1' MONTH`, `INTERVAL '2' YEAR`,
/// `INTERVAL '1-2' YEAR TO MONTH`), or `None` for any other expression.
fn interval_months(e: &ast::Expr) -> Option<Result<i64>> {
    let iv = match e {
        ast::Expr::Interval(iv) => iv,
        ast::Expr::Nested(inner) => return interval_months(inner),
        _ => return None,
    };
    let unit = iv.leading_field.as_ref()?.to_string().to_ascii_uppercase();
    let unit = unit.trim_end_matches('S');
    if unit != "YEAR" && unit != "MONTH" {
        return None;
    }
    let span = span_of(&iv.value);
    let text = match iv.value.as_ref() {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::Number(s, _) => s.trim().to_string(),
            other => return Some(Err(Error::sql(format!("bad interval value {other}"), span))),
        },
        other => {
            return Some(Err(Error::sql(
                format!("interval value must be a literal, got {other}"),
                span,
            )))
        }
    };
    let (neg, body) = match text.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, text.clone()),
    };
    let bad = || Error::sql(format!("bad interval value '{text}'"), span);
    let months = (|| -> Result<i64> {
        Ok(match (unit, iv.last_field.is_some()) {
            ("YEAR", true) => {
                let (y, m) = body.split_once('-').ok_or_else(bad)?;
                let y: i64 = y.trim().parse().map_err(|_| bad())?;
                let m: i64 = m.trim().parse().map_err(|_| bad())?;
                y * 12 + m
            }
            ("YEAR", false) => body.parse::<i64>().map_err(|_| bad())? * 12,
            _ => body.parse::<i64>().map_err(|_| bad())?,
        })
    })();
    let months = match months {
        Ok(m) => m,
        Err(e) => return Some(Err(e)),
    };
    Some(Ok(if neg { -months } else { months }))
}

fn builtin(name: &str) -> &'static functions::Builtin {
    match functions::builtins().find(|b| b.name == name) {
        Some(b) => b,
        None => unreachable!("built-in {name} is missing from the function tables"),
    }
}

fn call_builtin(name: &str, args: Vec<ScalarExpr>) -> ScalarExpr {
    ScalarExpr::Call {
        func: functions::Func::Builtin(builtin(name)),
        args,
    }
}

fn literal(v: &ast::Value, span: Span) -> Result<(ScalarExpr, DataType)> {
    Ok(match v {
        ast::Value::Number(n, _) => {
            if let Ok(i) = n.parse::<i32>() {
                (ScalarExpr::Literal(Value::Int(i)), DataType::Int)
            } else if let Ok(i) = n.parse::<i64>() {
                (ScalarExpr::Literal(Value::BigInt(i)), DataType::BigInt)
            } else if n.contains(['e', 'E']) {
                let f: f64 = n.parse().map_err(|_| Error::sql(format!("bad number {n}"), span))?;
                (ScalarExpr::Literal(Value::Double(f)), DataType::Double)
            } else {
                // An exact literal (`1.5` is DECIMAL(2, 1), `0.001` DECIMAL(3, 3)).
                let (u, scale) =
                    decimal::parse_exact(n).map_err(|m| Error::sql(format!("bad number {n}: {m}"), span))?;
                let scale = u8::try_from(scale).map_err(|_| Error::sql(format!("bad number {n}"), span))?;
                let d = Decimal::new(u, scale);
                let precision = (d.digits() as u8).max(scale).max(1);
                if precision > decimal::MAX_PRECISION {
                    return Err(Error::sql(
                        format!("the number {n} has more than 38 digits (DECIMAL's limit)"),
                        span,
                    ));
                }
                (
                    ScalarExpr::Literal(Value::Decimal(d)),
                    DataType::Decimal(precision, scale),
                )
            }
        }
        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => (
            ScalarExpr::Literal(Value::str(s)),
            DataType::Varchar(Some(s.chars().count() as u32)),
        ),
        ast::Value::Boolean(b) => (ScalarExpr::Literal(Value::Bool(*b)), DataType::Boolean),
        // X'4142': BINARY(2)
        ast::Value::HexStringLiteral(h) => {
            let bytes = hex_literal(h).ok_or_else(|| {
                Error::sql(
                    format!("X'{h}': a binary literal needs an even number of hex digits"),
                    span,
                )
            })?;
            if bytes.is_empty() {
                return Err(Error::sql("X'': an empty binary literal is not supported", span));
            }
            let n = bytes.len() as u32;
            (
                ScalarExpr::Literal(Value::Bytes(Arc::from(bytes))),
                DataType::Bytes(Some(n)),
            )
        }
        ast::Value::Null => (ScalarExpr::Literal(Value::Null), DataType::Null),
        other => return Err(Error::sql(format!("unsupported literal {other}"), span)),
    })
}

fn hex_literal(h: &str) -> Option<Vec<u8>> {
    if !h.len().is_multiple_of(2) {
        return None;
    }
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok())
        .collect()
}

fn bin_op(op: &ast::BinaryOperator) -> Option<BinOp> {
    use ast::BinaryOperator as B;
    Some(match op {
        B::Plus => BinOp::Plus,
        B::Minus => BinOp::Minus,
        B::Multiply => BinOp::Multiply,
        B::Divide => BinOp::Divide,
        B::Modulo => BinOp::Modulo,
        B::Eq => BinOp::Eq,
        B::NotEq => BinOp::NotEq,
        B::Lt => BinOp::Lt,
        B::LtEq => BinOp::LtEq,
        B::Gt => BinOp::Gt,
        B::GtEq => BinOp::GtEq,
        B::And => BinOp::And,
        B::Or => BinOp::Or,
        B::StringConcat => BinOp::Concat,
        _ => return None,
    })
}

fn binary_type(op: BinOp, l: &DataType, r: &DataType, span: Span) -> Result<DataType> {
    use DataType as T;
    let mismatch = || Error::sql(format!("cannot apply {op:?} to {l} and {r}"), span);
    Ok(match op {
        BinOp::And | BinOp::Or => {
            for t in [l, r] {
                if !matches!(t, T::Boolean | T::Null) {
                    return Err(Error::sql(format!("{op:?} expects BOOLEAN operands, got {t}"), span));
                }
            }
            T::Boolean
        }
        BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq => {
            // a TIME and text: the text is read as a TIME (see `time_of_text`)
            if matches!((l, r), (T::Time(_), T::Varchar(_)) | (T::Varchar(_), T::Time(_))) {
                return Ok(T::Boolean);
            }
            let t = T::common(l, r).ok_or_else(mismatch)?;
            if matches!(t, T::Array(_)) {
                // Flink 2.3 compares two arrays it holds in binary form bytewise (NULL
                // elements equal) and others element by element (a NULL element makes them
                // unequal): the answer depends on where the arrays come from
                return Err(Error::sql(
                    format!("comparing arrays ({l} and {r}) is not supported: Flink 2.3's answer depends on how it holds them"),
                    span,
                ));
            }
            T::Boolean
        }
        BinOp::Concat => {
            if let Some(t) = [l, r].into_iter().find(|t| t.is_bytes_time_or_array()) {
                return Err(Error::sql(
                    format!("|| takes strings; a {t} is not supported (Flink refuses it)"),
                    span,
                ));
            }
            T::STRING
        }
        _ => match (l, r) {
            (T::Time(p), T::Interval) | (T::Interval, T::Time(p)) if op == BinOp::Plus => T::Time(*p),
            (T::Time(p), T::Interval) if op == BinOp::Minus => T::Time(*p),
            (T::Timestamp(p), T::Interval) | (T::Interval, T::Timestamp(p)) if op != BinOp::Multiply => {
                T::Timestamp(*p)
            }
            (T::TimestampLtz(p), T::Interval) => T::TimestampLtz(*p),
            (T::Date, T::Interval) if op != BinOp::Multiply => T::Date,
            (T::Interval, T::Date) if op == BinOp::Plus => T::Date,
            (T::Interval, T::Interval) => T::Interval,
            (T::Decimal(..), _) | (_, T::Decimal(..)) if l.as_decimal().is_some() && r.as_decimal().is_some() => {
                let ((p1, s1), (p2, s2)) = (
                    l.as_decimal().ok_or_else(mismatch)?,
                    r.as_decimal().ok_or_else(mismatch)?,
                );
                let (p, s) = match op {
                    BinOp::Plus | BinOp::Minus => decimal::add_type(p1, s1, p2, s2),
                    BinOp::Multiply => decimal::mul_type(p1, s1, p2, s2),
                    BinOp::Divide => decimal::div_type(p1, s1, p2, s2),
                    _ => decimal::mod_type(p1, s1, p2, s2),
                };
                T::Decimal(p, s)
            }
            (T::Float | T::Double, _) | (_, T::Float | T::Double) if op == BinOp::Modulo => {
                return Err(Error::sql(
                    format!("% (MOD) takes exact numbers (INT, BIGINT, DECIMAL), as in Flink; got {l} and {r}"),
                    span,
                ))
            }
            // Calcite's %: two integers give the type of the second (BIGINT % INT is INT)
            (a, b) if op == BinOp::Modulo && (a.is_integer() || *a == T::Null) && b.is_integer() => b.clone(),
            (a, b) if (a.is_numeric() || *a == T::Null) && (b.is_numeric() || *b == T::Null) => {
                T::common(a, b).ok_or_else(mismatch)?
            }
            _ => return Err(mismatch()),
        },
    })
}

/// `(s1, e1) OVERLAPS (s2, e2)` as Flink (Calcite): each end may be an INTERVAL from the
/// start; each period is ordered; the periods are closed (touching ends overlap); any NULL
/// gives NULL.
fn compile_overlaps(left: &ast::Expr, right: &ast::Expr, scope: &Scope, span: Span) -> Result<(ScalarExpr, DataType)> {
    let period = |e: &ast::Expr| -> Result<(ScalarExpr, ScalarExpr, DataType)> {
        let items = match e {
            ast::Expr::Tuple(items) if items.len() == 2 => items,
            other => {
                return Err(Error::sql(
                    format!("OVERLAPS expects (start, end or interval) on each side, got {other}"),
                    span,
                ))
            }
        };
        let (start, st) = compile(&items[0], scope)?;
        let (end, et) = compile(&items[1], scope)?;
        if !matches!(st, DataType::Timestamp(_) | DataType::TimestampLtz(_) | DataType::Date) {
            return Err(Error::sql(
                format!("OVERLAPS: a period starts with a TIMESTAMP or DATE, got {st}"),
                span,
            ));
        }
        let end = match et {
            DataType::Interval => ScalarExpr::Binary {
                op: BinOp::Plus,
                left: Box::new(start.clone()),
                right: Box::new(end),
            },
            t if t == st => end,
            t => {
                return Err(Error::sql(
                    format!("OVERLAPS: a period of {st} cannot end with {t}"),
                    span,
                ))
            }
        };
        Ok((start, end, st))
    };
    let (a0, a1, at) = period(left)?;
    let (b0, b1, bt) = period(right)?;
    if at != bt {
        return Err(Error::sql(format!("OVERLAPS: periods of {at} and {bt}"), span));
    }
    let cmp = |op, l: &ScalarExpr, r: &ScalarExpr| ScalarExpr::Binary {
        op,
        left: Box::new(l.clone()),
        right: Box::new(r.clone()),
    };
    let pick = |first: bool, x: &ScalarExpr, y: &ScalarExpr| ScalarExpr::Case {
        operand: None,
        whens: vec![(cmp(BinOp::LtEq, x, y), if first { x.clone() } else { y.clone() })],
        otherwise: Some(Box::new(if first { y.clone() } else { x.clone() })),
    };
    let (s1, e1) = (pick(true, &a0, &a1), pick(false, &a0, &a1));
    let (s2, e2) = (pick(true, &b0, &b1), pick(false, &b0, &b1));
    let any_null = [&a0, &a1, &b0, &b1]
        .into_iter()
        .map(|x| ScalarExpr::IsNull {
            expr: Box::new(x.clone()),
            negated: false,
        })
        .reduce(|l, r| ScalarExpr::Binary {
            op: BinOp::Or,
            left: Box::new(l),
            right: Box::new(r),
        })
        .unwrap_or(ScalarExpr::Literal(Value::Bool(false)));
    let both = ScalarExpr::Binary {
        op: BinOp::And,
        left: Box::new(cmp(BinOp::LtEq, &s1, &e2)),
        right: Box::new(cmp(BinOp::LtEq, &s2, &e1)),
    };
    Ok((
        ScalarExpr::Case {
            operand: None,
            whens: vec![(any_null, ScalarExpr::Literal(Value::Null))],
            otherwise: Some(Box::new(both)),
        },
        DataType::Boolean,
    ))
}

/// Is `e` a column, a numeric literal or arithmetic over them (what TYPEOF can name with
/// Flink's nullability)? `Some(true)` if it reads a column.
fn typeof_shape(e: &ast::Expr) -> Option<bool> {
    use ast::BinaryOperator as B;
    match e {
        ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => Some(true),
        ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => Some(false),
        ast::Expr::Nested(x) => typeof_shape(x),
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus | ast::UnaryOperator::Plus,
            expr,
        } => typeof_shape(expr),
        ast::Expr::BinaryOp {
            left,
            op: B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo,
            right,
        } => Some(typeof_shape(left)? | typeof_shape(right)?),
        _ => None,
    }
}

/// Text compared with a TIME(p): `CAST(text AS TIME(p))`, failing the row when it is not a time.
fn time_of_text(x: ScalarExpr, p: u8, e: &ast::Expr) -> ScalarExpr {
    ScalarExpr::Cast {
        expr: Box::new(x),
        from: DataType::STRING,
        to: DataType::Time(p),
        fit: crate::cast::Fit::Any,
        on_error: OnError::Fail(Arc::from(format!("CAST({e} AS TIME({p}))"))),
    }
}

/// `ARRAY[a, b, …]`: the elements' common type (each element cast to it); Flink refuses
/// `ARRAY[NULL]` and elements with no common type.
fn compile_array(elems: &[ast::Expr], scope: &Scope, span: Span) -> Result<(ScalarExpr, DataType)> {
    if elems.is_empty() {
        return Err(Error::sql("ARRAY[] with no elements is not supported", span));
    }
    let mut compiled = Vec::with_capacity(elems.len());
    let mut t = DataType::Null;
    for x in elems {
        let (c, ct) = compile(x, scope)?;
        t = DataType::common(&t, &ct).ok_or_else(|| {
            Error::sql(
                format!("ARRAY[…]: elements of types {t} and {ct} have no common type"),
                span,
            )
        })?;
        compiled.push((c, ct));
    }
    match &t {
        DataType::Null => return Err(Error::sql("ARRAY[…] of NULLs only has no element type", span)),
        DataType::Array(_) => return Err(Error::sql("an ARRAY of ARRAY is not supported yet", span)),
        DataType::Interval => return Err(Error::sql("an ARRAY of INTERVAL is not supported", span)),
        _ => {}
    }
    let args = compiled
        .into_iter()
        .map(|(c, ct)| {
            let same = ct == t
                || ct == DataType::Null
                || matches!(
                    (&ct, &t),
                    (DataType::Varchar(_), DataType::Varchar(_))
                        | (DataType::Timestamp(_), DataType::Timestamp(_))
                        | (DataType::Time(_), DataType::Time(_))
                        | (DataType::Bytes(_), DataType::Bytes(_))
                );
            if same {
                c
            } else {
                // ARRAY[1, 2.5]: the 1 becomes 1.0, as Flink widens it
                ScalarExpr::Cast {
                    expr: Box::new(c),
                    from: ct,
                    to: t.clone(),
                    fit: crate::cast::Fit::Any,
                    on_error: OnError::Null,
                }
            }
        })
        .collect();
    let t = match t {
        DataType::Varchar(_) => DataType::STRING,
        DataType::Bytes(_) => DataType::Bytes(None),
        t => t,
    };
    Ok((
        ScalarExpr::Call {
            func: functions::Func::Builtin(&functions::array::MAKE_ARRAY),
            args,
        },
        DataType::Array(Box::new(t)),
    ))
}

/// `arr[i]`: 1-based, NULL when `i` is out of range; a constant `i` below 1 is refused, as
/// Flink does.
fn compile_element(root: &ast::Expr, index: &ast::Expr, scope: &Scope, span: Span) -> Result<(ScalarExpr, DataType)> {
    let (a, at) = compile(root, scope)?;
    let DataType::Array(et) = at else {
        return Err(Error::sql(
            format!("{root}[…]: only an ARRAY can be indexed, got {at}"),
            span,
        ));
    };
    let (i, it) = compile(index, scope)?;
    if !it.is_integer() && it != DataType::Null {
        return Err(Error::sql(format!("an array index must be an INT, got {it}"), span));
    }
    let constant = match &i {
        ScalarExpr::Literal(v) => v.as_i64(),
        ScalarExpr::Negate(x) => match x.as_ref() {
            ScalarExpr::Literal(v) => v.as_i64().map(|n| -n),
            _ => None,
        },
        _ => None,
    };
    if let Some(n) = constant.filter(|n| *n < 1) {
        return Err(Error::sql(
            format!("Array element access needs an index starting at 1 but was {n}"),
            span,
        ));
    }
    Ok((
        ScalarExpr::Call {
            func: functions::Func::Builtin(&functions::array::ELEMENT_AT),
            args: vec![a, i],
        },
        *et,
    ))
}

/// Compile an operand of a form that takes text: a BYTES, TIME or ARRAY one is refused.
fn string_operand(what: &str, e: &ast::Expr, scope: &Scope) -> Result<ScalarExpr> {
    let (x, t) = compile(e, scope)?;
    no_new_types(what, &t, span_of(e))?;
    Ok(x)
}

/// Refuse a BYTES, TIME or ARRAY operand where `what` takes none (Flink refuses most such
/// calls; the rest newsflow has not checked against Flink).
fn no_new_types(what: &str, t: &DataType, span: Span) -> Result<()> {
    if t.is_bytes_time_or_array() {
        return Err(Error::sql(format!("{what} does not take a {t} argument"), span));
    }
    Ok(())
}

/// `a / b` or `a % b` on integers, failing on a zero divisor (see [`ScalarExpr::IntDivide`]).
fn int_divide(op: BinOp, l: ScalarExpr, r: ScalarExpr, t: &DataType, text: String) -> ScalarExpr {
    ScalarExpr::IntDivide {
        op,
        left: Box::new(l),
        right: Box::new(r),
        int: *t == DataType::Int,
        text: Arc::from(text),
    }
}

/// Compile an expression against a scope.
pub fn compile(e: &ast::Expr, scope: &Scope) -> Result<(ScalarExpr, DataType)> {
    if let Some(sub) = scope.substitute {
        if let Some(hit) = sub(e)? {
            return Ok(hit);
        }
    }
    let span = span_of(e);
    use ast::Expr as E;
    Ok(match e {
        E::Identifier(id) => {
            let i = scope.schema.resolve(None, &id.value, ident_span(id))?;
            (ScalarExpr::Column(i), scope.schema.fields[i].data_type.clone())
        }
        E::CompoundIdentifier(parts) if parts.len() == 2 => {
            let i = scope
                .schema
                .resolve(Some(&parts[0].value), &parts[1].value, ident_span(&parts[0]))?;
            (ScalarExpr::Column(i), scope.schema.fields[i].data_type.clone())
        }
        E::CompoundIdentifier(_) => return Err(Error::sql(format!("unsupported name {e}"), span)),
        E::Value(v) => literal(&v.value, span)?,
        E::Nested(inner) => compile(inner, scope)?,
        E::Interval(iv) => (
            ScalarExpr::Literal(Value::Interval(interval_value(iv)?)),
            DataType::Interval,
        ),
        E::TypedString(ts) => {
            let text = match &ts.value.value {
                ast::Value::SingleQuotedString(s) => s.clone(),
                other => other.to_string(),
            };
            let mut t = sql_type(&ts.data_type, span)?;
            if let DataType::Time(_) = t {
                // `TIME 'H:m:s[.f]'`, typed TIME(number of fraction digits); Flink refuses
                // `TIME '12:34'` and `TIME '24:00:00'`
                let Some((ms, p)) = newsflow_common::time::parse_time_literal(&text) else {
                    return Err(Error::sql(
                        format!("Illegal TIME literal '{text}': not in format 'HH:mm:ss'"),
                        span,
                    ));
                };
                return Ok((ScalarExpr::Literal(Value::Time(ms)), DataType::Time(p)));
            }
            if t.is_bytes_time_or_array() {
                return Err(Error::sql(format!("a {t} literal '{text}' is not supported"), span));
            }
            // Flink types `TIMESTAMP '… 10:00:00.5'` as TIMESTAMP(1): its fraction digits.
            if let (DataType::Timestamp(p), ast::DataType::Timestamp(None, _)) = (&mut t, &ts.data_type) {
                *p = text
                    .split_once('.')
                    .map(|(_, f)| f.trim().len().min(9) as u8)
                    .unwrap_or(0);
            }
            let v = crate::cast::cast(Value::str(&text), &t);
            if v.is_null() {
                return Err(Error::sql(format!("'{text}' is not a valid {t} literal"), span));
            }
            (ScalarExpr::Literal(v), t)
        }
        E::BinaryOp {
            left,
            op: ast::BinaryOperator::Overlaps,
            right,
        } => compile_overlaps(left, right, scope, span)?,
        E::BinaryOp { left, op, right } => {
            let Some(bop) = bin_op(op) else {
                return Err(Error::sql(format!("unsupported operator {op}"), span));
            };
            if matches!(bop, BinOp::Plus | BinOp::Minus) {
                // ts ± INTERVAL 'n' MONTH / YEAR: calendar months, as TIMESTAMPADD(MONTH, …)
                let (base, iv, negate) = match (interval_months(right), interval_months(left)) {
                    (Some(m), _) => (left, m?, bop == BinOp::Minus),
                    (None, Some(m)) if bop == BinOp::Plus => (right, m?, false),
                    _ => (left, i64::MIN, false),
                };
                if iv != i64::MIN {
                    let (x, xt) = compile(base, scope)?;
                    if !matches!(xt, DataType::Timestamp(_) | DataType::TimestampLtz(_) | DataType::Date) {
                        return Err(Error::sql(format!("cannot add a year-month interval to {xt}"), span));
                    }
                    let n = if negate { -iv } else { iv };
                    return Ok((
                        call_builtin(
                            "TIMESTAMPADD",
                            vec![
                                ScalarExpr::Literal(Value::str("MONTH")),
                                ScalarExpr::Literal(Value::BigInt(n)),
                                x,
                            ],
                        ),
                        xt,
                    ));
                }
            }
            let (mut l, lt) = compile(left, scope)?;
            let (mut r, rt) = compile(right, scope)?;
            let t = binary_type(bop, &lt, &rt, span)?;
            // TIME compared with text: the text is read as a TIME (as Flink casts it)
            if t == DataType::Boolean && !matches!(bop, BinOp::And | BinOp::Or) {
                match (&lt, &rt) {
                    (DataType::Time(p), DataType::Varchar(_)) => r = time_of_text(r, *p, right),
                    (DataType::Varchar(_), DataType::Time(p)) => l = time_of_text(l, *p, left),
                    _ => {}
                }
            }
            match (&t, bop) {
                (
                    DataType::Decimal(precision, scale),
                    BinOp::Plus | BinOp::Minus | BinOp::Multiply | BinOp::Divide | BinOp::Modulo,
                ) => (
                    ScalarExpr::Decimal {
                        op: bop,
                        left: Box::new(l),
                        right: Box::new(r),
                        precision: *precision,
                        scale: *scale,
                        text: Arc::from(e.to_string()),
                    },
                    t,
                ),
                (DataType::Int | DataType::BigInt, BinOp::Divide | BinOp::Modulo) => {
                    (int_divide(bop, l, r, &t, e.to_string()), t)
                }
                _ => (
                    ScalarExpr::Binary {
                        op: bop,
                        left: Box::new(l),
                        right: Box::new(r),
                    },
                    t,
                ),
            }
        }
        E::UnaryOp { op, expr } => {
            let (x, t) = compile(expr, scope)?;
            match op {
                ast::UnaryOperator::Not => (ScalarExpr::Not(Box::new(x)), DataType::Boolean),
                ast::UnaryOperator::Minus => {
                    no_new_types("unary -", &t, span)?;
                    (ScalarExpr::Negate(Box::new(x)), t)
                }
                ast::UnaryOperator::Plus => (x, t),
                other => return Err(Error::sql(format!("unsupported operator {other}"), span)),
            }
        }
        E::IsNull(x) | E::IsNotNull(x) => {
            let (x, _) = compile(x, scope)?;
            (
                ScalarExpr::IsNull {
                    expr: Box::new(x),
                    negated: matches!(e, E::IsNotNull(_)),
                },
                DataType::Boolean,
            )
        }
        E::IsUnknown(x) | E::IsNotUnknown(x) => {
            let (x, xt) = compile(x, scope)?;
            if !matches!(xt, DataType::Boolean | DataType::Null) {
                return Err(Error::sql(format!("IS UNKNOWN expects a BOOLEAN, got {xt}"), span));
            }
            (
                ScalarExpr::IsNull {
                    expr: Box::new(x),
                    negated: matches!(e, E::IsNotUnknown(_)),
                },
                DataType::Boolean,
            )
        }
        E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => {
            if let Some(done) = compile_is_json(a, b, matches!(e, E::IsDistinctFrom(..)), scope, span)? {
                return Ok(done);
            }
            let (a, at) = compile(a, scope)?;
            let (b, bt) = compile(b, scope)?;
            binary_type(BinOp::Eq, &at, &bt, span)?;
            if matches!(
                (&at, &bt),
                (DataType::Time(_), DataType::Varchar(_)) | (DataType::Varchar(_), DataType::Time(_))
            ) {
                return Err(Error::sql(
                    "IS [NOT] DISTINCT FROM between a TIME and text is not supported (CAST the text AS TIME)",
                    span,
                ));
            }
            if matches!(at, DataType::Array(_)) {
                return Err(Error::sql(
                    "IS [NOT] DISTINCT FROM on arrays is not supported yet",
                    span,
                ));
            }
            // a IS NOT DISTINCT FROM b ⇔ CASE WHEN a IS NULL THEN b IS NULL
            //                                  WHEN b IS NULL THEN FALSE ELSE a = b END
            let is_null = |x: &ScalarExpr| ScalarExpr::IsNull {
                expr: Box::new(x.clone()),
                negated: false,
            };
            let same = ScalarExpr::Case {
                operand: None,
                whens: vec![
                    (is_null(&a), is_null(&b)),
                    (is_null(&b), ScalarExpr::Literal(Value::Bool(false))),
                ],
                otherwise: Some(Box::new(ScalarExpr::Binary {
                    op: BinOp::Eq,
                    left: Box::new(a),
                    right: Box::new(b),
                })),
            };
            (
                if matches!(e, E::IsDistinctFrom(..)) {
                    ScalarExpr::Not(Box::new(same))
                } else {
                    same
                },
                DataType::Boolean,
            )
        }
        E::SimilarTo {
            negated,
            expr,
            pattern,
            escape_char,
        } => {
            if escape_char.is_some() {
                return Err(Error::sql("SIMILAR TO … ESCAPE is not supported yet", span));
            }
            let (x, xt) = compile(expr, scope)?;
            no_new_types("SIMILAR TO", &xt, span)?;
            let regex = match pattern.as_ref() {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::SingleQuotedString(p) => similar_to_regex(p),
                    _ => return Err(Error::sql("SIMILAR TO: the pattern must be a string literal", span)),
                },
                _ => return Err(Error::sql("SIMILAR TO: the pattern must be a string literal", span)),
            };
            functions::string::regex_ok(&regex)
                .map_err(|m| Error::sql(format!("SIMILAR TO: pattern not supported: {m}"), span))?;
            let test = call_builtin("REGEXP", vec![x, ScalarExpr::Literal(Value::str(&regex))]);
            (
                if *negated {
                    ScalarExpr::Not(Box::new(test))
                } else {
                    test
                },
                DataType::Boolean,
            )
        }
        E::Overlay {
            expr,
            overlay_what,
            overlay_from,
            overlay_for,
        } => {
            let mut args = vec![
                string_operand("OVERLAY", expr, scope)?,
                string_operand("OVERLAY", overlay_what, scope)?,
                compile(overlay_from, scope)?.0,
            ];
            if let Some(f) = overlay_for {
                args.push(compile(f, scope)?.0);
            }
            (call_builtin("OVERLAY", args), DataType::STRING)
        }
        E::IsTrue(x) | E::IsFalse(x) | E::IsNotTrue(x) | E::IsNotFalse(x) => {
            // x IS TRUE ⇔ COALESCE(x, FALSE) = TRUE; IS NOT TRUE is its negation.
            let (x, _) = compile(x, scope)?;
            let want = matches!(e, E::IsTrue(_) | E::IsNotTrue(_));
            let test = ScalarExpr::Binary {
                op: BinOp::Eq,
                left: Box::new(ScalarExpr::Call {
                    func: functions::Func::Coalesce,
                    args: vec![x, ScalarExpr::Literal(Value::Bool(!want))],
                }),
                right: Box::new(ScalarExpr::Literal(Value::Bool(want))),
            };
            let negated = matches!(e, E::IsNotTrue(_) | E::IsNotFalse(_));
            (
                if negated { ScalarExpr::Not(Box::new(test)) } else { test },
                DataType::Boolean,
            )
        }
        E::Between {
            expr,
            negated,
            low,
            high,
        } => {
            // the parser marks `BETWEEN SYMMETRIC lo AND hi` as `BETWEEN __SYMMETRIC(lo) AND hi`
            let (low, symmetric) = match low.as_ref() {
                ast::Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case(SYMMETRIC_MARK) => {
                    match function_args(f)?.as_slice() {
                        [inner] => (*inner, true),
                        _ => return Err(Error::sql("bad BETWEEN SYMMETRIC", span)),
                    }
                }
                other => (other, false),
            };
            let (mut x, xt) = compile(expr, scope)?;
            let (mut lo, lot) = compile(low, scope)?;
            let (mut hi, hit) = compile(high, scope)?;
            binary_type(BinOp::GtEq, &xt, &lot, span)?;
            binary_type(BinOp::LtEq, &xt, &hit, span)?;
            // text next to a TIME is read as a TIME
            match (&xt, &lot, &hit) {
                (DataType::Time(p), _, _) => {
                    if lot.is_string() {
                        lo = time_of_text(lo, *p, low);
                    }
                    if hit.is_string() {
                        hi = time_of_text(hi, *p, high);
                    }
                }
                (DataType::Varchar(_), DataType::Time(p), _) | (DataType::Varchar(_), _, DataType::Time(p)) => {
                    if matches!((&lot, &hit), (DataType::Time(_), DataType::Time(_))) {
                        x = time_of_text(x, *p, expr);
                    } else {
                        return Err(Error::sql(
                            "BETWEEN: text between a TIME and text is not supported",
                            span,
                        ));
                    }
                }
                _ => {}
            }
            let range = |lo: ScalarExpr, hi: ScalarExpr| ScalarExpr::Binary {
                op: BinOp::And,
                left: Box::new(ScalarExpr::Binary {
                    op: BinOp::GtEq,
                    left: Box::new(x.clone()),
                    right: Box::new(lo),
                }),
                right: Box::new(ScalarExpr::Binary {
                    op: BinOp::LtEq,
                    left: Box::new(x.clone()),
                    right: Box::new(hi),
                }),
            };
            let both = if symmetric {
                ScalarExpr::Binary {
                    op: BinOp::Or,
                    left: Box::new(range(lo.clone(), hi.clone())),
                    right: Box::new(range(hi, lo)),
                }
            } else {
                range(lo, hi)
            };
            (
                if *negated {
                    ScalarExpr::Not(Box::new(both))
                } else {
                    both
                },
                DataType::Boolean,
            )
        }
        E::InList { expr, list, negated } => {
            let (x, xt) = compile(expr, scope)?;
            let list = list
                .iter()
                .map(|i| {
                    let (c, t) = compile(i, scope)?;
                    // a TIME or BYTES value is looked for among values of its own type only
                    // (Flink refuses `TIME '…' IN ('…')`)
                    if (xt.is_bytes_time_or_array() || t.is_bytes_time_or_array())
                        && std::mem::discriminant(&xt) != std::mem::discriminant(&t)
                        && t != DataType::Null
                    {
                        return Err(Error::sql(
                            format!("IN: a {xt} cannot be looked for among {t} values"),
                            span,
                        ));
                    }
                    Ok(c)
                })
                .collect::<Result<Vec<_>>>()?;
            if matches!(xt, DataType::Array(_)) {
                return Err(Error::sql("IN on arrays is not supported yet", span));
            }
            (
                ScalarExpr::InList {
                    expr: Box::new(x),
                    list,
                    negated: *negated,
                },
                DataType::Boolean,
            )
        }
        E::Like {
            negated,
            expr,
            pattern,
            escape_char,
            any,
        } => {
            if *any {
                return Err(Error::sql("LIKE ANY is not supported", span));
            }
            let escape = match escape_char {
                None => None,
                Some(ast::Value::SingleQuotedString(c)) if c.chars().count() == 1 => c.chars().next(),
                Some(other) => {
                    return Err(Error::sql(
                        format!("LIKE … ESCAPE takes one character, got {other}"),
                        span,
                    ))
                }
            };
            let x = string_operand("LIKE", expr, scope)?;
            let p = string_operand("LIKE", pattern, scope)?;
            if let (Some(c), ScalarExpr::Literal(Value::Str(text))) = (escape, &p) {
                crate::time_unit::like_escape("", text, c).map_err(|m| Error::sql(m, span))?;
            }
            (
                ScalarExpr::Like {
                    expr: Box::new(x),
                    pattern: Box::new(p),
                    negated: *negated,
                    escape,
                },
                DataType::Boolean,
            )
        }
        E::Cast {
            expr, data_type, kind, ..
        } => {
            let (x, xt) = compile(expr, scope)?;
            let t = sql_type(data_type, span)?;
            crate::cast::check_cast(&xt, &t).map_err(|m| Error::sql(m, span))?;
            let on_error = match kind {
                ast::CastKind::TryCast | ast::CastKind::SafeCast if crate::cast::may_be_unsupported(&xt, &t) => {
                    OnError::TryFail(Arc::from(e.to_string()))
                }
                ast::CastKind::TryCast | ast::CastKind::SafeCast => OnError::Null,
                _ if crate::cast::can_fail(&xt, &t) => OnError::Fail(Arc::from(e.to_string())),
                _ => OnError::Null,
            };
            (
                ScalarExpr::Cast {
                    expr: Box::new(x),
                    from: xt,
                    to: t.clone(),
                    fit: text_fit(data_type),
                    on_error,
                },
                t,
            )
        }
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut operand_type = DataType::Null;
            let operand = match operand {
                Some(o) => {
                    let (c, ot) = compile(o, scope)?;
                    if matches!(ot, DataType::Array(_)) {
                        return Err(Error::sql(
                            format!("CASE {ot} WHEN …: comparing arrays is not supported"),
                            span,
                        ));
                    }
                    operand_type = ot;
                    Some(c)
                }
                None => None,
            };
            let mut t = DataType::Null;
            let mut whens = Vec::new();
            let widen = |t: &mut DataType, rt: &DataType| -> Result<()> {
                *t = DataType::common(t, rt).ok_or_else(|| {
                    Error::sql(format!("CASE branches of types {t} and {rt} have no common type"), span)
                })?;
                Ok(())
            };
            // A simple CASE is compiled as a searched one (operand = value): the parser marks
            // `WHEN a, b THEN` as `WHEN __ANY_OF(a, b) THEN`, one test per value.
            for c in conditions {
                let (r, rt) = compile(&c.result, scope)?;
                widen(&mut t, &rt)?;
                let values: Vec<&ast::Expr> = match (&operand, &c.condition) {
                    (Some(_), ast::Expr::Function(f)) if f.name.to_string().eq_ignore_ascii_case(ANY_OF_MARK) => {
                        function_args(f)?
                    }
                    _ => vec![&c.condition],
                };
                for v in values {
                    let (w, wt) = compile(v, scope)?;
                    if operand.is_some()
                        && (operand_type.is_bytes_time_or_array() || wt.is_bytes_time_or_array())
                        && !operand_type.same_values(&wt)
                    {
                        return Err(Error::sql(
                            format!("CASE {operand_type} WHEN {wt}: values of different types are not supported"),
                            span,
                        ));
                    }
                    let test = match &operand {
                        // NULL = x is never a hit, as in CASE NULL WHEN NULL
                        Some(op) => ScalarExpr::Binary {
                            op: BinOp::Eq,
                            left: Box::new(op.clone()),
                            right: Box::new(w),
                        },
                        None => w,
                    };
                    whens.push((test, r.clone()));
                }
            }
            let otherwise = match else_result {
                Some(x) => {
                    let (r, rt) = compile(x, scope)?;
                    widen(&mut t, &rt)?;
                    Some(Box::new(r))
                }
                None => None,
            };
            (
                ScalarExpr::Case {
                    operand: None,
                    whens,
                    otherwise,
                },
                t,
            )
        }
        E::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            let mut args = vec![string_operand("SUBSTRING", expr, scope)?];
            args.push(match substring_from {
                Some(f) => compile(f, scope)?.0,
                None => ScalarExpr::Literal(Value::Int(1)),
            });
            if let Some(f) = substring_for {
                args.push(compile(f, scope)?.0);
            }
            (
                ScalarExpr::Call {
                    func: functions::Func::Substring,
                    args,
                },
                DataType::STRING,
            )
        }
        E::Trim {
            expr,
            trim_where,
            trim_what,
            ..
        } => {
            if let Some(what) = trim_what {
                let name = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "LTRIM",
                    Some(ast::TrimWhereField::Trailing) => "RTRIM",
                    _ => "BTRIM",
                };
                return Ok((
                    call_builtin(
                        name,
                        vec![
                            string_operand("TRIM", expr, scope)?,
                            string_operand("TRIM", what, scope)?,
                        ],
                    ),
                    DataType::STRING,
                ));
            }
            let func = match trim_where {
                Some(ast::TrimWhereField::Leading) => functions::Func::Ltrim,
                Some(ast::TrimWhereField::Trailing) => functions::Func::Rtrim,
                _ => functions::Func::Trim,
            };
            (
                ScalarExpr::Call {
                    func,
                    args: vec![string_operand("TRIM", expr, scope)?],
                },
                DataType::STRING,
            )
        }
        E::Position { expr, r#in } => (
            ScalarExpr::Call {
                func: functions::Func::Position,
                args: vec![
                    string_operand("POSITION", expr, scope)?,
                    string_operand("POSITION", r#in, scope)?,
                ],
            },
            DataType::Int,
        ),
        E::Ceil {
            expr,
            field: ast::CeilFloorKind::DateTimeField(unit),
        }
        | E::Floor {
            expr,
            field: ast::CeilFloorKind::DateTimeField(unit),
        } if !matches!(unit, ast::DateTimeField::NoDateTime) => {
            let (x, t) = compile(expr, scope)?;
            let unit = crate::time_unit::TimeUnit::parse(&unit.to_string()).map_err(|m| Error::sql(m, span))?;
            let ceil = matches!(e, E::Ceil { .. });
            match &t {
                DataType::Timestamp(_) | DataType::TimestampLtz(_) => {}
                DataType::Date if unit.for_date() => {}
                DataType::Date => {
                    return Err(Error::sql(
                        format!("FLOOR/CEIL of a DATE to {unit:?} is not supported"),
                        span,
                    ))
                }
                other => {
                    return Err(Error::sql(
                        format!("FLOOR/CEIL(… TO unit) expects a TIMESTAMP or DATE, got {other}"),
                        span,
                    ))
                }
            }
            (
                ScalarExpr::TimeFloor {
                    arg: Box::new(x),
                    unit,
                    ceil,
                },
                t,
            )
        }
        E::Ceil { expr, .. } | E::Floor { expr, .. } => {
            let (x, t) = compile(expr, scope)?;
            no_new_types("FLOOR/CEIL", &t, span)?;
            let func = if matches!(e, E::Ceil { .. }) {
                functions::Func::Ceil
            } else {
                functions::Func::Floor
            };
            let t = match t {
                DataType::Decimal(p, _) => DataType::Decimal(p, 0),
                t => t,
            };
            (ScalarExpr::Call { func, args: vec![x] }, t)
        }
        E::Extract { field, expr, .. } => {
            let (x, xt) = compile(expr, scope)?;
            let f = field.to_string().to_ascii_uppercase();
            match &xt {
                // Flink: the fields of a time of day (MILLISECOND is the part below a second)
                DataType::Time(_) if matches!(f.as_str(), "HOUR" | "MINUTE" | "SECOND" | "MILLISECOND") => {}
                DataType::Time(_) => {
                    return Err(Error::sql(
                        format!("EXTRACT({f} FROM …) of a {xt} is not supported"),
                        span,
                    ))
                }
                t => no_new_types("EXTRACT", t, span)?,
            }
            let func = match f.as_str() {
                "YEAR" => functions::Func::Year,
                "MONTH" => functions::Func::Month,
                "DAY" => functions::Func::DayOfMonth,
                "HOUR" => functions::Func::Hour,
                "MINUTE" => functions::Func::Minute,
                "SECOND" => functions::Func::Second,
                other => match functions::temporal::extract_function(other) {
                    Some(b) => functions::Func::Builtin(b),
                    None => return Err(Error::sql(format!("EXTRACT({other} …) is not supported yet"), span)),
                },
            };
            (ScalarExpr::Call { func, args: vec![x] }, DataType::BigInt)
        }
        E::Function(f) => compile_function(f, scope, span)?,
        E::Array(a) => compile_array(&a.elem, scope, span)?,
        E::CompoundFieldAccess { root, access_chain } => match access_chain.as_slice() {
            [ast::AccessExpr::Subscript(ast::Subscript::Index { index })] => compile_element(root, index, scope, span)?,
            _ => {
                return Err(Error::sql(
                    format!("unsupported expression {e}: only arr[i] is supported"),
                    span,
                ))
            }
        },
        other => return Err(Error::sql(format!("unsupported expression {other}"), span)),
    })
}

/// The plain argument expressions of a function call.
pub fn function_args(f: &ast::Function) -> Result<Vec<&ast::Expr>> {
    let span = Span::new(f.name.span().start.line, f.name.span().start.column);
    match &f.args {
        ast::FunctionArguments::None => Ok(vec![]),
        ast::FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Ok(x),
                other => Err(Error::sql(format!("unsupported function argument {other}"), span)),
            })
            .collect(),
        ast::FunctionArguments::Subquery(_) => Err(Error::sql("subquery arguments are not supported", span)),
    }
}

/// The name the parser gives `lo` in `BETWEEN SYMMETRIC lo AND hi`.
pub const SYMMETRIC_MARK: &str = "__SYMMETRIC";
/// The name the parser gives the list in a simple CASE's `WHEN a, b, c THEN`.
pub const ANY_OF_MARK: &str = "__ANY_OF";

/// Functions `compile_function` handles itself (not in the function tables).
pub const SPECIAL_FUNCTIONS: &[&str] = &[
    "DATE_FORMAT",
    "JSON_ARRAY",
    "JSON_EXISTS",
    "JSON_OBJECT",
    "JSON_QUERY",
    "JSON_STRING",
    "JSON_VALUE",
    "TO_TIMESTAMP",
    "TO_TIMESTAMP_LTZ",
    "TYPEOF",
];

/// SQL `SIMILAR TO` pattern → a regex matching the whole string: `%` is `.*`, `_` is `.`,
/// the rest is regex syntax as in SQL (`|`, `*`, `+`, `?`, `{m,n}`, `( )`, `[ ]`).
fn similar_to_regex(p: &str) -> String {
    let mut out = String::from("^(?:");
    let mut in_class = false;
    for c in p.chars() {
        match c {
            '%' if !in_class => out.push_str(".*"),
            '_' if !in_class => out.push('.'),
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            '.' | '^' | '$' | '\\' if !in_class => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push_str(")$");
    out
}

const AGGREGATES: &[&str] = &[
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "STDDEV_POP",
    "STDDEV_SAMP",
    "STDDEV",
    "VAR_POP",
    "VAR_SAMP",
    "VARIANCE",
    "FIRST_VALUE",
    "LAST_VALUE",
    "LISTAGG",
    "PERCENTILE",
    "ARRAY_AGG",
];
const WINDOW_FUNCS: &[&str] = &[
    "TUMBLE",
    "HOP",
    "SESSION",
    "TUMBLE_START",
    "TUMBLE_END",
    "TUMBLE_ROWTIME",
    "HOP_START",
    "HOP_END",
    "HOP_ROWTIME",
    "SESSION_START",
    "SESSION_END",
    "SESSION_ROWTIME",
];

fn constant_format(arg: Option<&&ast::Expr>, what: &str, span: Span) -> Result<Option<Arc<JavaDateFormat>>> {
    match arg {
        None => Ok(None),
        Some(ast::Expr::Value(v)) => match &v.value {
            ast::Value::SingleQuotedString(p) => JavaDateFormat::compile(p)
                .map(|f| Some(Arc::new(f)))
                .map_err(|m| Error::sql(format!("{what}: bad date pattern '{p}': {m}"), span)),
            _ => Err(Error::sql(
                format!("{what}: the pattern must be a string literal"),
                span,
            )),
        },
        Some(_) => Err(Error::sql(
            format!("{what}: the pattern must be a string literal"),
            span,
        )),
    }
}

/// The JSON functions (see `functions::json`): their arguments carry `k VALUE v` pairs,
/// `NULL ON NULL` / `ABSENT ON NULL` and `RETURNING type`.
fn compile_json(name: &str, f: &ast::Function, scope: &Scope, span: Span) -> Result<Option<(ScalarExpr, DataType)>> {
    use functions::json::{self as js, JsonOp, PathArg};
    if !matches!(
        name,
        "JSON_VALUE" | "JSON_QUERY" | "JSON_EXISTS" | "JSON_OBJECT" | "JSON_ARRAY" | "JSON_STRING"
    ) {
        return Ok(None);
    }
    let err = |m: String| Error::sql(format!("{name}: {m}"), span);
    let list = match &f.args {
        ast::FunctionArguments::List(list) => list,
        ast::FunctionArguments::None => return Err(err("expects arguments in parentheses".into())),
        ast::FunctionArguments::Subquery(_) => return Err(err("subquery arguments are not supported".into())),
    };
    if list.duplicate_treatment.is_some() {
        return Err(err("DISTINCT / ALL is not allowed here".into()));
    }
    let mut absent_on_null = None;
    let mut returning = None;
    for c in &list.clauses {
        match c {
            ast::FunctionArgumentClause::JsonNullClause(n) if matches!(name, "JSON_OBJECT" | "JSON_ARRAY") => {
                absent_on_null = Some(matches!(n, ast::JsonNullClause::AbsentOnNull));
            }
            ast::FunctionArgumentClause::JsonReturningClause(r) if name == "JSON_VALUE" => {
                returning = Some(&r.data_type);
            }
            other => return Err(err(format!("{other} is not supported"))),
        }
    }
    let unnamed = || -> Result<Vec<&ast::Expr>> {
        list.args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Ok(x),
                other => Err(err(format!("unsupported argument {other}"))),
            })
            .collect()
    };
    // a value that is itself JSON_OBJECT / JSON_ARRAY goes in as JSON, not as a string
    let is_json_call = |x: &ast::Expr| {
        matches!(x, ast::Expr::Function(g)
            if matches!(g.name.to_string().to_ascii_uppercase().as_str(), "JSON_OBJECT" | "JSON_ARRAY"))
    };
    let json_value_arg = |x: &ast::Expr| -> Result<ScalarExpr> {
        let (c, t) = compile(x, scope)?;
        if !js::convertible(&t) {
            let why = if t.is_timestamp() || t.is_bytes_time_or_array() {
                "is not supported yet"
            } else {
                "cannot be converted into JSON (as in Flink)"
            };
            return Err(err(format!("a {t} value {why}")));
        }
        Ok(c)
    };
    let text: Arc<str> = Arc::from(f.to_string());
    let (op, args, t) = match name {
        "JSON_VALUE" | "JSON_QUERY" | "JSON_EXISTS" => {
            let a = unnamed()?;
            if a.len() != 2 {
                return Err(err(format!(
                    "takes 2 arguments (a document and a path), got {}",
                    a.len()
                )));
            }
            let (doc, dt) = compile(a[0], scope)?;
            if !dt.is_string() && dt != DataType::Null {
                return Err(err(format!("the document must be a STRING, got {dt}")));
            }
            let mut args = vec![doc];
            let path = match a[1] {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::SingleQuotedString(p) => PathArg::Const(js::parse_path(p).map_err(err)?),
                    _ => return Err(err("the path must be a string".into())),
                },
                other if name == "JSON_EXISTS" => {
                    return Err(err(format!(
                        "the path must be a string literal (Flink refuses {other})"
                    )));
                }
                other => {
                    let (p, pt) = compile(other, scope)?;
                    if !pt.is_string() {
                        return Err(err(format!("the path must be a STRING, got {pt}")));
                    }
                    args.push(p);
                    PathArg::PerRow
                }
            };
            match name {
                "JSON_VALUE" => {
                    let rt = match returning {
                        None => DataType::STRING,
                        Some(dt) => match sql_type(dt, span)? {
                            t @ (DataType::Varchar(_) | DataType::Int | DataType::Double | DataType::Boolean) => t,
                            t => {
                                return Err(err(format!(
                                    "RETURNING {t} is not supported (newsflow takes STRING, INT, DOUBLE and BOOLEAN; Flink refuses BIGINT, DECIMAL and DATE)"
                                )))
                            }
                        },
                    };
                    let rt = if rt.is_string() { DataType::STRING } else { rt };
                    let op = JsonOp::Value {
                        path,
                        returning: rt.clone(),
                    };
                    // RETURNING VARCHAR(n) does not cut the text (Flink 2.3: `12` stays `12`)
                    (op, args, rt)
                }
                "JSON_QUERY" => (JsonOp::Query { path }, args, DataType::STRING),
                _ => (JsonOp::Exists { path }, args, DataType::Boolean),
            }
        }
        "JSON_OBJECT" => {
            let mut args = Vec::new();
            let mut raw = Vec::new();
            for a in &list.args {
                // sqlparser reads `'k' VALUE v` as a named argument whose name is quoted
                let (key, value) = match a {
                    ast::FunctionArg::Named {
                        name: k,
                        arg: ast::FunctionArgExpr::Expr(v),
                        operator: ast::FunctionArgOperator::Value,
                    } if k.quote_style == Some('\'') => (k.value.clone(), v),
                    ast::FunctionArg::ExprNamed {
                        name: ast::Expr::Value(k),
                        arg: ast::FunctionArgExpr::Expr(v),
                        operator: ast::FunctionArgOperator::Value,
                    } if matches!(k.value, ast::Value::SingleQuotedString(_)) => match &k.value {
                        ast::Value::SingleQuotedString(k) => (k.clone(), v),
                        _ => continue,
                    },
                    other => {
                        return Err(err(format!(
                            "expects KEY 'k' VALUE v pairs with a string literal key (Flink needs a NOT NULL key), \
                             got {other}"
                        )))
                    }
                };
                args.push(ScalarExpr::Literal(Value::str(&key)));
                args.push(json_value_arg(value)?);
                raw.push(is_json_call(value));
            }
            let op = JsonOp::Object {
                raw,
                absent_on_null: absent_on_null.unwrap_or(false),
            };
            (op, args, DataType::STRING)
        }
        "JSON_ARRAY" => {
            let a = unnamed()?;
            let raw = a.iter().map(|x| is_json_call(x)).collect();
            let args = a.iter().map(|x| json_value_arg(x)).collect::<Result<Vec<_>>>()?;
            let op = JsonOp::Array {
                raw,
                absent_on_null: absent_on_null.unwrap_or(true),
            };
            (op, args, DataType::STRING)
        }
        _ => {
            let a = unnamed()?;
            if a.len() != 1 {
                return Err(err(format!("takes 1 argument, got {}", a.len())));
            }
            (JsonOp::String, vec![json_value_arg(a[0])?], DataType::STRING)
        }
    };
    Ok(Some((
        ScalarExpr::Json {
            op: Arc::new(op),
            args,
            text,
        },
        t,
    )))
}

/// `x IS [NOT] JSON [kind]`, which the parser writes as `x IS [NOT] DISTINCT FROM
/// __IS_JSON_<KIND>()` (IS NOT DISTINCT FROM for IS JSON).
fn compile_is_json(
    x: &ast::Expr,
    mark: &ast::Expr,
    negated: bool,
    scope: &Scope,
    span: Span,
) -> Result<Option<(ScalarExpr, DataType)>> {
    use functions::json::{JsonKind, JsonOp};
    let ast::Expr::Function(g) = mark else { return Ok(None) };
    let kind = match g.name.to_string().as_str() {
        "__IS_JSON_VALUE" => JsonKind::Value,
        "__IS_JSON_SCALAR" => JsonKind::Scalar,
        "__IS_JSON_ARRAY" => JsonKind::Array,
        "__IS_JSON_OBJECT" => JsonKind::Object,
        _ => return Ok(None),
    };
    let (c, t) = compile(x, scope)?;
    if !t.is_string() && t != DataType::Null {
        return Err(Error::sql(format!("IS JSON expects a STRING, got {t}"), span));
    }
    Ok(Some((
        ScalarExpr::Json {
            op: Arc::new(JsonOp::IsJson { kind, negated }),
            args: vec![c],
            text: Arc::from(format!("{x} IS JSON")),
        },
        DataType::Boolean,
    )))
}

fn compile_function(f: &ast::Function, scope: &Scope, span: Span) -> Result<(ScalarExpr, DataType)> {
    let name = f.name.to_string().to_ascii_uppercase();
    if let Some(done) = compile_json(&name, f, scope, span)? {
        return Ok(done);
    }
    let args = function_args(f)?;
    match name.as_str() {
        "TO_TIMESTAMP_LTZ" if args.len() == 3 => {
            let mut compiled = Vec::with_capacity(3);
            for a in &args {
                let (c, t) = compile(a, scope)?;
                if !t.is_string() && t != DataType::Null {
                    return Err(Error::sql(
                        format!("TO_TIMESTAMP_LTZ(str, format, zone) expects STRING arguments, got {t}"),
                        span,
                    ));
                }
                compiled.push(c);
            }
            // a literal zone is checked when planning, as Flink does
            if let ScalarExpr::Literal(Value::Str(z)) = &compiled[2] {
                if functions::zone::Zone::zone_id(z).is_none() {
                    return Err(Error::sql(
                        format!("Invalid timezone for parsing TIMESTAMP_LTZ: Unknown time-zone ID: {z}"),
                        span,
                    ));
                }
            }
            return Ok((
                ScalarExpr::Call {
                    func: functions::Func::Builtin(&functions::temporal::TO_TIMESTAMP_LTZ_ZONE),
                    args: compiled,
                },
                DataType::TimestampLtz(3),
            ));
        }
        "TO_TIMESTAMP_LTZ"
            if !args.is_empty() && args.len() <= 2 && compile(args[0], scope).is_ok_and(|(_, t)| t.is_numeric()) =>
        {
            let (x, _) = compile(args[0], scope)?;
            {
                let mut compiled = vec![x];
                if let Some(p) = args.get(1) {
                    let (p, pt) = compile(p, scope)?;
                    if !pt.is_integer() {
                        return Err(Error::sql(
                            format!("{name}: the precision must be an integer, got {pt}"),
                            span,
                        ));
                    }
                    compiled.push(p);
                }
                return Ok((
                    ScalarExpr::Call {
                        func: functions::Func::Builtin(&functions::temporal::TO_TIMESTAMP_LTZ_NUMERIC),
                        args: compiled,
                    },
                    DataType::TimestampLtz(3),
                ));
            }
        }
        "TIMESTAMPADD" | "TIMESTAMPDIFF" if args.len() == 3 => {
            // the unit is a keyword: pass it on as text
            let unit = match args[0] {
                ast::Expr::Identifier(id) => id.value.to_ascii_uppercase(),
                other => other.to_string().to_ascii_uppercase(),
            };
            if !functions::temporal::is_time_unit(&unit) {
                return Err(Error::sql(format!("{name}: unknown time unit {unit}"), span));
            }
            let mut compiled = vec![ScalarExpr::Literal(Value::str(&unit))];
            let mut types = vec![DataType::STRING];
            for a in &args[1..] {
                let (x, t) = compile(a, scope)?;
                compiled.push(x);
                types.push(t);
            }
            if name == "TIMESTAMPADD" {
                if !types[1].is_integer() {
                    return Err(Error::sql(
                        format!("TIMESTAMPADD: the count must be an integer, got {}", types[1]),
                        span,
                    ));
                }
                if types[2] == DataType::Date
                    && matches!(
                        unit.trim_start_matches("SQL_TSI_"),
                        "HOUR" | "MINUTE" | "SECOND" | "MILLISECOND"
                    )
                {
                    return Err(Error::sql(
                        format!("TIMESTAMPADD({unit}, …) of a DATE is not supported yet"),
                        span,
                    ));
                }
            } else {
                for t in &types[1..] {
                    if !matches!(
                        t,
                        DataType::Timestamp(_) | DataType::TimestampLtz(_) | DataType::Date | DataType::Null
                    ) {
                        return Err(Error::sql(
                            format!("TIMESTAMPDIFF expects TIMESTAMP or DATE arguments, got {t}"),
                            span,
                        ));
                    }
                }
            }
            let b = builtin(&name);
            let t = (b.ret)(&types).map_err(|m| Error::sql(format!("{name}: {m}"), span))?;
            return Ok((
                ScalarExpr::Call {
                    func: functions::Func::Builtin(b),
                    args: compiled,
                },
                t,
            ));
        }
        "TYPEOF" if args.len() == 1 || args.len() == 2 => {
            let (_, t) = compile(args[0], scope)?;
            if t.is_bytes_time_or_array() {
                return Err(Error::sql(format!("TYPEOF of a {t} is not supported yet"), span));
            }
            // Flink's type text needs its nullability: newsflow knows it for columns (taken
            // as nullable), numeric literals (NOT NULL) and arithmetic over them.
            let reads_column = typeof_shape(args[0]);
            let Some(reads_column) = reads_column.filter(|_| !matches!(t, DataType::Interval | DataType::Null)) else {
                return Err(Error::sql(
                    "TYPEOF is supported only on a column, a number, or arithmetic (+ - * / %) over them so far \
                     (newsflow does not derive Flink's nullability for other expressions yet)",
                    span,
                ));
            };
            let text = if reads_column {
                t.to_string()
            } else {
                format!("{t} NOT NULL")
            };
            return Ok((ScalarExpr::Literal(Value::str(&text)), DataType::STRING));
        }
        "TO_TIMESTAMP" | "TO_TIMESTAMP_LTZ" if !args.is_empty() && args.len() <= 2 => {
            let (x, xt) = compile(args[0], scope)?;
            if !xt.is_string() && xt != DataType::Null {
                return Err(Error::sql(format!("{name} expects a STRING, got {xt}"), span));
            }
            let format = constant_format(args.get(1), &name, span)?;
            let t = if name == "TO_TIMESTAMP" {
                DataType::Timestamp(3)
            } else {
                DataType::TimestampLtz(3)
            };
            return Ok((
                ScalarExpr::ToTimestamp {
                    arg: Box::new(x),
                    format,
                },
                t,
            ));
        }
        "DATE_FORMAT" if args.len() == 2 => {
            let (x, xt) = compile(args[0], scope)?;
            no_new_types(&name, &xt, span)?;
            let format = constant_format(args.get(1), &name, span)?
                .ok_or_else(|| Error::sql("DATE_FORMAT needs a pattern", span))?;
            return Ok((
                ScalarExpr::DateFormat {
                    arg: Box::new(x),
                    format,
                },
                DataType::STRING,
            ));
        }
        n if AGGREGATES.contains(&n) => {
            return Err(Error::sql(
                format!("aggregate {n}(…) is only allowed in the SELECT list of a GROUP BY query"),
                span,
            ))
        }
        n if WINDOW_FUNCS.contains(&n) => {
            return Err(Error::sql(
                format!(
                    "{n}(…) is only allowed with GROUP BY {}(…)",
                    n.split('_').next().unwrap_or(n)
                ),
                span,
            ))
        }
        _ => {}
    }
    let Some((func, lo, hi)) = functions::lookup(&name) else {
        if functions::NOT_YET.contains(&name.as_str()) || crate::aggregate::NOT_YET.contains(&name.as_str()) {
            return Err(Error::sql(format!("{name} is not supported yet"), span));
        }
        return Err(Error::sql(
            format!(
                "unknown function {name} (README.md lists the supported functions{})",
                match crate::registry::names() {
                    n if n.is_empty() => String::new(),
                    n => format!("; registered: {}", n.join(", ")),
                }
            ),
            span,
        ));
    };
    if args.len() < lo || args.len() > hi {
        let want = if lo == hi {
            format!("{lo}")
        } else {
            format!("{lo} to {hi}")
        };
        return Err(Error::sql(
            format!("{name} takes {want} arguments, got {}", args.len()),
            span,
        ));
    }
    let mut compiled = Vec::new();
    let mut types = Vec::new();
    for a in &args {
        let (x, t) = compile(a, scope)?;
        compiled.push(x);
        types.push(t);
    }
    takes_new_types(&name, &types).map_err(|m| Error::sql(m, span))?;
    if matches!(name.as_str(), "ENCODE" | "DECODE") {
        // the charset is resolved when planning: a literal, one of the six Java has everywhere
        let cs = match args.get(1) {
            Some(ast::Expr::Value(v)) => match &v.value {
                ast::Value::SingleQuotedString(c) => Some(c.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(cs) = cs else {
            return Err(Error::sql(
                format!("{name}: the charset must be a string literal"),
                span,
            ));
        };
        if newsflow_common::charset::Charset::by_name(&cs).is_none() {
            return Err(Error::sql(
                format!(
                    "{name}: charset '{cs}' is not supported (newsflow has {})",
                    newsflow_common::charset::SUPPORTED
                ),
                span,
            ));
        }
    }
    if matches!(func, functions::Func::Mod) {
        // MOD(a, b) is a % b: exact numbers only, a zero divisor fails the row
        let t = binary_type(BinOp::Modulo, &types[0], &types[1], span)?;
        let text = format!("MOD({}, {})", args[0], args[1]);
        let mut it = compiled.into_iter();
        let (Some(l), Some(r)) = (it.next(), it.next()) else {
            return Err(Error::sql("MOD takes 2 arguments", span));
        };
        return Ok(match t {
            DataType::Decimal(precision, scale) => (
                ScalarExpr::Decimal {
                    op: BinOp::Modulo,
                    left: Box::new(l),
                    right: Box::new(r),
                    precision,
                    scale,
                    text: Arc::from(text),
                },
                t,
            ),
            DataType::Int | DataType::BigInt => (int_divide(BinOp::Modulo, l, r, &t, text), t),
            _ => (
                ScalarExpr::Binary {
                    op: BinOp::Modulo,
                    left: Box::new(l),
                    right: Box::new(r),
                },
                t,
            ),
        });
    }
    let t = functions::return_type(func, &types).map_err(|m| Error::sql(format!("{name}: {m}"), span))?;
    let t = decimal_result_type(func, &types, &compiled, t).map_err(|m| Error::sql(format!("{name}: {m}"), span))?;
    // a constant regex that Rust's regex cannot take is refused here, not NULL per row
    if let functions::Func::Builtin(b) = func {
        if b.name.starts_with("REGEXP") {
            if let Some(ast::Expr::Value(v)) = args.get(1) {
                if let ast::Value::SingleQuotedString(p) = &v.value {
                    functions::string::regex_ok(p)
                        .map_err(|m| Error::sql(format!("{name}: pattern not supported: {m}"), span))?;
                }
            }
        }
    }
    Ok((ScalarExpr::Call { func, args: compiled }, t))
}

/// Which functions take a BYTES, TIME or ARRAY argument: the array functions (their result
/// types check the rest), DECODE and the digests and TO_BASE64 of BYTES, HOUR / MINUTE /
/// SECOND of a TIME, and COALESCE. Flink refuses the others (UPPER, CONCAT, HEX of BYTES,
/// …) or newsflow has not checked them against Flink.
fn takes_new_types(name: &str, types: &[DataType]) -> std::result::Result<(), String> {
    let Some(t) = types.iter().find(|t| t.is_bytes_time_or_array()) else {
        return Ok(());
    };
    let ok = match name {
        "CARDINALITY" | "ARRAY_JOIN" | "ARRAY_CONTAINS" | "ARRAY_DISTINCT" | "COALESCE" | "IFNULL" => true,
        "DECODE" | "TO_BASE64" | "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512" | "SHA2" => {
            types[0].is_bytes() && !types[1..].iter().any(DataType::is_bytes_time_or_array)
        }
        "HOUR" | "MINUTE" | "SECOND" => matches!(types[0], DataType::Time(_)),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{name} does not take a {t} argument"))
    }
}

/// Flink's result types of functions over a DECIMAL whose type depends on more than the
/// argument types: ROUND(m, r) and TRUNCATE(m, r) on the constant `r`, MOD on both scales.
fn decimal_result_type(
    func: functions::Func,
    types: &[DataType],
    args: &[ScalarExpr],
    t: DataType,
) -> std::result::Result<DataType, String> {
    use functions::Func;
    let Some(DataType::Decimal(p, s)) = types.first() else {
        return Ok(t);
    };
    Ok(match func {
        Func::Builtin(b) if b.name == "ROUND" || b.name == "TRUNCATE" => {
            let r = match args.get(1) {
                None => 0,
                Some(ScalarExpr::Literal(v)) => match v.as_i64() {
                    Some(r) => r as i32,
                    None => return Err("the number of digits must be an integer literal".into()),
                },
                Some(ScalarExpr::Negate(inner)) => match inner.as_ref() {
                    ScalarExpr::Literal(v) if v.as_i64().is_some() => -(v.as_i64().unwrap_or(0) as i32),
                    _ => return Err("the number of digits must be an integer literal".into()),
                },
                Some(_) => {
                    return Err(
                        "rounding a DECIMAL needs a constant number of digits (its result type depends on it)".into(),
                    )
                }
            };
            let (p, s) = decimal::round_type(*p, *s, r);
            DataType::Decimal(p, s)
        }
        Func::Mod => match types.get(1).and_then(DataType::as_decimal) {
            Some((p2, s2)) => {
                let (p, s) = decimal::mod_type(*p, *s, p2, s2);
                DataType::Decimal(p, s)
            }
            None => t,
        },
        _ => t,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_common::{Field, Schema};
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;

    fn compiled(sql: &str) -> (ScalarExpr, DataType) {
        let schema = Schema::new(vec![Field::new("x", DataType::Int), Field::new("y", DataType::BigInt)]);
        let e = Parser::new(&GenericDialect {})
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .expect("parses");
        compile(&e, &Scope::new(&schema)).expect("compiles")
    }

    #[test]
    fn integer_division_fails_only_on_a_divisor_that_can_be_zero() {
        assert!(!compiled("x / 2").0.can_fail());
        assert!(!compiled("x % -3").0.can_fail());
        assert!(compiled("x / y").0.can_fail());
        assert!(compiled("MOD(x, y - 1)").0.can_fail());
        let (e, t) = compiled("y % x");
        assert_eq!(t, DataType::Int);
        let err = e.try_eval(&[Value::Int(0), Value::BigInt(5)]).unwrap_err();
        assert_eq!(err.reason, "division by zero");
        assert_eq!(e.try_eval(&[Value::Int(-3), Value::BigInt(7)]).unwrap(), Value::Int(1));
        let (e, _) = compiled("y / x");
        assert_eq!(
            e.try_eval(&[Value::Int(-1), Value::BigInt(i64::MIN)]).unwrap(),
            Value::BigInt(i64::MIN)
        );
    }
}
