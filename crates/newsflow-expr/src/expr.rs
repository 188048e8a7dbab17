//! The compiled expression tree and its evaluation.

use std::sync::Arc;

use newsflow_common::decimal;
use newsflow_common::time::JavaDateFormat;
use newsflow_common::{DataType, Value};

use crate::{cast, functions};

/// Why an expression could not be evaluated for a row (a CAST that cannot convert its
/// value, a DECIMAL division by zero): where Flink fails the job. `expr` is the failing
/// sub-expression's SQL text.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub expr: Arc<str>,
    pub reason: String,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.expr, self.reason)
    }
}

/// What a failing form does. A CAST that cannot fail for its input type, and `TRY_CAST`,
/// give NULL; a strict CAST reports an [`EvalError`] naming its text. `TryFail` is a
/// `TRY_CAST` that can meet a value newsflow does not convert where Flink would give one
/// (see [`crate::cast::UNSUPPORTED`]): NULL where the value cannot be converted, the row
/// fails where it is not supported.
#[derive(Debug, Clone, PartialEq)]
pub enum OnError {
    Null,
    Fail(Arc<str>),
    TryFail(Arc<str>),
}

/// Where evaluation reports a failure. [`ScalarExpr::eval`] uses [`Lenient`] (a no-op the
/// compiler removes, so the common path costs nothing); [`ScalarExpr::try_eval`] keeps the
/// first error.
trait Slot {
    fn fail(&mut self, make: impl FnOnce() -> EvalError);
}
struct Lenient;
impl Slot for Lenient {
    #[inline(always)]
    fn fail(&mut self, _make: impl FnOnce() -> EvalError) {}
}
impl Slot for Option<EvalError> {
    #[inline]
    fn fail(&mut self, make: impl FnOnce() -> EvalError) {
        if self.is_none() {
            *self = Some(make());
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Plus,
    Minus,
    Multiply,
    Divide,
    Modulo,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    Concat,
}

/// A typed, name-resolved scalar expression.
#[derive(Debug, Clone)]
pub enum ScalarExpr {
    Column(usize),
    Literal(Value),
    Binary {
        op: BinOp,
        left: Box<ScalarExpr>,
        right: Box<ScalarExpr>,
    },
    Not(Box<ScalarExpr>),
    Negate(Box<ScalarExpr>),
    IsNull {
        expr: Box<ScalarExpr>,
        negated: bool,
    },
    Case {
        operand: Option<Box<ScalarExpr>>,
        whens: Vec<(ScalarExpr, ScalarExpr)>,
        otherwise: Option<Box<ScalarExpr>>,
    },
    Cast {
        expr: Box<ScalarExpr>,
        /// The operand's type (a TIMESTAMP(p) is written with p fraction digits).
        from: DataType,
        to: DataType,
        /// CHAR(n) / VARCHAR(n): what happens to the text's length.
        fit: cast::Fit,
        on_error: OnError,
    },
    /// Arithmetic (+ − × ÷ %) with a DECIMAL(precision, scale) result (operands DECIMAL or INT/BIGINT):
    /// exact, rounded and checked as Flink (see `newsflow_common::decimal`). A result that
    /// does not fit is NULL; a division by zero fails (`text` names it).
    Decimal {
        op: BinOp,
        left: Box<ScalarExpr>,
        right: Box<ScalarExpr>,
        precision: u8,
        scale: u8,
        text: Arc<str>,
    },
    /// INT/BIGINT division or remainder (`/`, `%`, MOD): Java's (truncating, wrapping
    /// `MIN / -1`); a zero divisor fails the row, as Flink fails the job ("/ by zero").
    /// `int`: the result is an INT, else a BIGINT.
    IntDivide {
        op: BinOp,
        left: Box<ScalarExpr>,
        right: Box<ScalarExpr>,
        int: bool,
        text: Arc<str>,
    },
    InList {
        expr: Box<ScalarExpr>,
        list: Vec<ScalarExpr>,
        negated: bool,
    },
    Like {
        expr: Box<ScalarExpr>,
        pattern: Box<ScalarExpr>,
        negated: bool,
        /// `LIKE … ESCAPE 'c'`: `c` before `%`, `_` or itself makes it literal.
        escape: Option<char>,
    },
    /// `FLOOR(t TO unit)` / `CEIL(t TO unit)` of a TIMESTAMP or DATE.
    TimeFloor {
        arg: Box<ScalarExpr>,
        unit: crate::time_unit::TimeUnit,
        ceil: bool,
    },
    /// TO_TIMESTAMP / DATE_FORMAT / UNIX_TIMESTAMP with a constant pattern, compiled once.
    ToTimestamp {
        arg: Box<ScalarExpr>,
        format: Option<Arc<JavaDateFormat>>,
    },
    DateFormat {
        arg: Box<ScalarExpr>,
        format: Arc<JavaDateFormat>,
    },
    Call {
        func: functions::Func,
        args: Vec<ScalarExpr>,
    },
    /// A JSON function (see `functions::json`); `text` names it when it fails a row (a
    /// JSON_VALUE … RETURNING whose value does not convert).
    Json {
        op: Arc<functions::json::JsonOp>,
        args: Vec<ScalarExpr>,
        text: Arc<str>,
    },
}

impl ScalarExpr {
    pub fn col(i: usize) -> Self {
        ScalarExpr::Column(i)
    }

    /// Evaluate against one row. A form that fails (see [`ScalarExpr::can_fail`]) gives NULL
    /// here; callers that must not lose the failure use [`ScalarExpr::try_eval`].
    #[inline]
    pub fn eval(&self, row: &[Value]) -> Value {
        self.ev(row, &mut Lenient)
    }

    /// Evaluate against one row, reporting the first failing sub-expression.
    pub fn try_eval(&self, row: &[Value]) -> Result<Value, EvalError> {
        let mut slot: Option<EvalError> = None;
        let v = self.ev(row, &mut slot);
        match slot {
            None => Ok(v),
            Some(e) => Err(e),
        }
    }

    /// Does this expression contain a form that can fail on some row (a strict CAST that
    /// can, an integer or DECIMAL division or modulo, LIKE … ESCAPE, JSON_VALUE … RETURNING)?
    pub fn can_fail(&self) -> bool {
        let mut any = false;
        self.visit(&mut |e| {
            any |= match e {
                ScalarExpr::Cast {
                    on_error: OnError::Fail(_) | OnError::TryFail(_),
                    ..
                }
                | ScalarExpr::Decimal {
                    op: BinOp::Divide | BinOp::Modulo,
                    ..
                }
                | ScalarExpr::Like { escape: Some(_), .. } => true,
                ScalarExpr::IntDivide { right, .. } => !nonzero_constant(right),
                ScalarExpr::Json { op, .. } => op.can_fail(),
                _ => false,
            }
        });
        any
    }

    /// Call `f` on this expression and every sub-expression.
    pub fn visit(&self, f: &mut dyn FnMut(&ScalarExpr)) {
        f(self);
        match self {
            ScalarExpr::Column(_) | ScalarExpr::Literal(_) => {}
            ScalarExpr::Binary { left, right, .. }
            | ScalarExpr::Decimal { left, right, .. }
            | ScalarExpr::IntDivide { left, right, .. } => {
                left.visit(f);
                right.visit(f);
            }
            ScalarExpr::Not(e) | ScalarExpr::Negate(e) => e.visit(f),
            ScalarExpr::IsNull { expr, .. } | ScalarExpr::Cast { expr, .. } => expr.visit(f),
            ScalarExpr::Case {
                operand,
                whens,
                otherwise,
            } => {
                for e in operand.iter().chain(otherwise.iter()) {
                    e.visit(f);
                }
                for (w, t) in whens {
                    w.visit(f);
                    t.visit(f);
                }
            }
            ScalarExpr::InList { expr, list, .. } => {
                expr.visit(f);
                for e in list {
                    e.visit(f);
                }
            }
            ScalarExpr::Like { expr, pattern, .. } => {
                expr.visit(f);
                pattern.visit(f);
            }
            ScalarExpr::ToTimestamp { arg, .. }
            | ScalarExpr::DateFormat { arg, .. }
            | ScalarExpr::TimeFloor { arg, .. } => arg.visit(f),
            ScalarExpr::Call { args, .. } | ScalarExpr::Json { args, .. } => {
                for a in args {
                    a.visit(f);
                }
            }
        }
    }

    fn ev<S: Slot>(&self, row: &[Value], slot: &mut S) -> Value {
        match self {
            ScalarExpr::Column(i) => row.get(*i).cloned().unwrap_or(Value::Null),
            ScalarExpr::Literal(v) => v.clone(),
            ScalarExpr::Binary { op, left, right } => binary(*op, left, right, row, slot),
            ScalarExpr::Not(e) => match e.ev(row, slot) {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Null,
            },
            ScalarExpr::Negate(e) => match e.ev(row, slot) {
                Value::Int(v) => Value::Int(v.wrapping_neg()),
                Value::BigInt(v) => Value::BigInt(v.wrapping_neg()),
                Value::Float(v) => Value::Float(-v),
                Value::Double(v) => Value::Double(-v),
                Value::Decimal(v) => Value::Decimal(v.neg()),
                Value::Interval(v) => Value::Interval(-v),
                _ => Value::Null,
            },
            ScalarExpr::IsNull { expr, negated } => Value::Bool(expr.ev(row, slot).is_null() != *negated),
            ScalarExpr::Case {
                operand,
                whens,
                otherwise,
            } => {
                let base = operand.as_ref().map(|o| o.ev(row, slot));
                for (w, t) in whens {
                    let hit = match &base {
                        Some(b) => !b.is_null() && *b == w.ev(row, slot),
                        None => w.ev(row, slot).as_bool() == Some(true),
                    };
                    if hit {
                        return t.ev(row, slot);
                    }
                }
                otherwise.as_ref().map(|e| e.ev(row, slot)).unwrap_or(Value::Null)
            }
            ScalarExpr::Cast {
                expr,
                from,
                to,
                fit,
                on_error,
            } => {
                let v = expr.ev(row, slot);
                match on_error {
                    OnError::Null => cast::cast_from(v, from, to, *fit).unwrap_or(Value::Null),
                    OnError::Fail(text) => cast::cast_from(v, from, to, *fit).unwrap_or_else(|reason| {
                        slot.fail(|| EvalError {
                            expr: text.clone(),
                            reason,
                        });
                        Value::Null
                    }),
                    OnError::TryFail(text) => cast::cast_from(v, from, to, *fit).unwrap_or_else(|reason| {
                        if reason.starts_with(cast::UNSUPPORTED) {
                            slot.fail(|| EvalError {
                                expr: text.clone(),
                                reason,
                            });
                        }
                        Value::Null
                    }),
                }
            }
            ScalarExpr::Decimal {
                op,
                left,
                right,
                precision,
                scale,
                text,
            } => {
                let l = left.ev(row, slot);
                let r = right.ev(row, slot);
                match decimal_arith(*op, &l, &r, *precision, *scale) {
                    Ok(v) => v,
                    Err(reason) => {
                        slot.fail(|| EvalError {
                            expr: text.clone(),
                            reason: reason.to_string(),
                        });
                        Value::Null
                    }
                }
            }
            ScalarExpr::IntDivide {
                op,
                left,
                right,
                int,
                text,
            } => {
                let (Some(a), Some(b)) = (left.ev(row, slot).as_i64(), right.ev(row, slot).as_i64()) else {
                    return Value::Null;
                };
                if b == 0 {
                    slot.fail(|| EvalError {
                        expr: text.clone(),
                        reason: "division by zero".to_string(),
                    });
                    return Value::Null;
                }
                let v = match op {
                    BinOp::Modulo => a.wrapping_rem(b),
                    _ => a.wrapping_div(b),
                };
                if *int {
                    Value::Int(v as i32)
                } else {
                    Value::BigInt(v)
                }
            }
            ScalarExpr::InList { expr, list, negated } => {
                let v = expr.ev(row, slot);
                if v.is_null() {
                    return Value::Null;
                }
                let found = list.iter().any(|e| compare_eq(&v, &e.ev(row, slot)));
                Value::Bool(found != *negated)
            }
            ScalarExpr::Like {
                expr,
                pattern,
                negated,
                escape,
            } => match (expr.ev(row, slot), pattern.ev(row, slot)) {
                (Value::Str(s), Value::Str(p)) => match escape {
                    None => Value::Bool(functions::like(&s, &p) != *negated),
                    Some(c) => match crate::time_unit::like_escape(&s, &p, *c) {
                        Ok(m) => Value::Bool(m != *negated),
                        Err(reason) => {
                            slot.fail(|| EvalError {
                                expr: Arc::from(format!("LIKE '{p}' ESCAPE '{c}'")),
                                reason,
                            });
                            Value::Null
                        }
                    },
                },
                _ => Value::Null,
            },
            ScalarExpr::TimeFloor { arg, unit, ceil } => match arg.ev(row, slot) {
                Value::Timestamp(t) => Value::Timestamp(crate::time_unit::floor_ceil_millis(t, *unit, *ceil)),
                Value::Date(d) => Value::Date(crate::time_unit::floor_ceil_days(d, *unit, *ceil)),
                _ => Value::Null,
            },
            ScalarExpr::ToTimestamp { arg, format } => match arg.ev(row, slot) {
                Value::Str(s) => {
                    // the pattern, else Flink's default: `yyyy-MM-dd[ HH:mm[:ss[.f]]]`, no ISO 'T'
                    let parsed = functions::temporal::parse_with_fallback(&s, format.as_deref());
                    parsed.map(Value::Timestamp).unwrap_or(Value::Null)
                }
                _ => Value::Null,
            },
            ScalarExpr::DateFormat { arg, format } => match arg.ev(row, slot) {
                Value::Timestamp(t) => Value::str(&format.format(t)),
                // text is read as SimpleDateFormat reads `yyyy-MM-dd HH:mm:ss` (the start must
                // match, the rest is ignored), as Flink does
                Value::Str(s) => functions::temporal::parse_like_simple_date_format(&s, "yyyy-MM-dd HH:mm:ss")
                    .map(|t| Value::str(&format.format(t)))
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            },
            ScalarExpr::Call { func, args } => {
                let vals: Vec<Value> = args.iter().map(|a| a.ev(row, slot)).collect();
                functions::call(*func, &vals)
            }
            ScalarExpr::Json { op, args, text } => {
                let vals: Vec<Value> = args.iter().map(|a| a.ev(row, slot)).collect();
                functions::json::eval(op, &vals).unwrap_or_else(|reason| {
                    slot.fail(|| EvalError {
                        expr: text.clone(),
                        reason,
                    });
                    Value::Null
                })
            }
        }
    }

    /// Call `f` with every column index this expression reads.
    pub fn for_each_column(&self, f: &mut dyn FnMut(usize)) {
        self.visit(&mut |e| {
            if let ScalarExpr::Column(i) = e {
                f(*i)
            }
        });
    }

    /// The column index if this expression is a plain column reference.
    pub fn as_column(&self) -> Option<usize> {
        match self {
            ScalarExpr::Column(i) => Some(*i),
            _ => None,
        }
    }
}

pub(crate) fn compare_eq(a: &Value, b: &Value) -> bool {
    if matches!(a, Value::Decimal(_)) || matches!(b, Value::Decimal(_)) {
        if let (Some(x), Some(y)) = (a.int_as_decimal(), b.int_as_decimal()) {
            return x == y;
        }
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if !matches!((a, b), (Value::Str(_), _) | (_, Value::Str(_))) => x == y,
        _ => a == b,
    }
}

fn binary<S: Slot>(op: BinOp, left: &ScalarExpr, right: &ScalarExpr, row: &[Value], slot: &mut S) -> Value {
    // AND/OR use three-valued logic with short-circuit.
    match op {
        BinOp::And => {
            let l = left.ev(row, slot);
            if l.as_bool() == Some(false) {
                return Value::Bool(false);
            }
            let r = right.ev(row, slot);
            return match (l.as_bool(), r.as_bool()) {
                (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            };
        }
        BinOp::Or => {
            let l = left.ev(row, slot);
            if l.as_bool() == Some(true) {
                return Value::Bool(true);
            }
            let r = right.ev(row, slot);
            return match (l.as_bool(), r.as_bool()) {
                (_, Some(true)) => Value::Bool(true),
                (Some(false), Some(false)) => Value::Bool(false),
                _ => Value::Null,
            };
        }
        _ => {}
    }
    let l = left.ev(row, slot);
    let r = right.ev(row, slot);
    if l.is_null() || r.is_null() {
        return Value::Null;
    }
    apply_binary(op, &l, &r)
}

/// Apply a non-logical binary operator to two non-null values.
pub fn apply_binary(op: BinOp, l: &Value, r: &Value) -> Value {
    use Value::*;
    match op {
        BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq => {
            let ord = match (l, r) {
                (Str(_), Str(_)) | (Bool(_), Bool(_)) | (Bytes(_), Bytes(_)) => l.total_cmp(r),
                (Time(a), Time(b)) => a.cmp(b),

                (Timestamp(a), Timestamp(b)) => a.cmp(b),
                (Date(a), Date(b)) => a.cmp(b),
                (Int(a), Int(b)) => a.cmp(b),
                (BigInt(a), BigInt(b)) => a.cmp(b),
                (Interval(a), Interval(b)) => a.cmp(b),
                (Decimal(_), Decimal(_) | Int(_) | BigInt(_)) | (Int(_) | BigInt(_), Decimal(_)) => l.total_cmp(r),
                _ => match (l.as_f64(), r.as_f64()) {
                    (Some(a), Some(b)) => match a.partial_cmp(&b) {
                        Some(o) => o,
                        None => return Value::Null,
                    },
                    _ => return Value::Null,
                },
            };
            use std::cmp::Ordering::*;
            Bool(match op {
                BinOp::Eq => ord == Equal,
                BinOp::NotEq => ord != Equal,
                BinOp::Lt => ord == Less,
                BinOp::LtEq => ord != Greater,
                BinOp::Gt => ord == Greater,
                _ => ord != Less,
            })
        }
        BinOp::Concat => Value::str(&format!("{l}{r}")),
        _ => arithmetic(op, l, r),
    }
}

fn arithmetic(op: BinOp, l: &Value, r: &Value) -> Value {
    use Value::*;
    const DAY: i64 = newsflow_common::time::MILLIS_PER_DAY;
    match (l, r) {
        // TIME ± a day-time interval wraps around midnight
        (Time(t), Interval(i)) => match op {
            BinOp::Plus => Time((*t as i64 + i).rem_euclid(DAY) as i32),
            BinOp::Minus => Time((*t as i64 - i).rem_euclid(DAY) as i32),
            _ => Null,
        },
        (Interval(i), Time(t)) if op == BinOp::Plus => Time((*t as i64 + i).rem_euclid(DAY) as i32),
        (Timestamp(t), Interval(i)) => match op {
            BinOp::Plus => Timestamp(t + i),
            BinOp::Minus => Timestamp(t - i),
            _ => Null,
        },
        (Interval(i), Timestamp(t)) if op == BinOp::Plus => Timestamp(t + i),
        (Date(d), Interval(i)) => {
            let ms = *d as i64 * newsflow_common::time::MILLIS_PER_DAY;
            let ms = match op {
                BinOp::Plus => ms + i,
                BinOp::Minus => ms - i,
                _ => return Null,
            };
            Date(ms.div_euclid(newsflow_common::time::MILLIS_PER_DAY) as i32)
        }
        (Interval(i), Date(d)) if op == BinOp::Plus => Date(
            (*d as i64 * newsflow_common::time::MILLIS_PER_DAY + i).div_euclid(newsflow_common::time::MILLIS_PER_DAY)
                as i32,
        ),
        (Interval(a), Interval(b)) => match op {
            BinOp::Plus => Interval(a + b),
            BinOp::Minus => Interval(a - b),
            _ => Null,
        },
        (Int(a), Int(b)) => match int_op(op, *a as i64, *b as i64) {
            Some(v) => Int(v as i32),
            None => Null,
        },
        (Int(_) | BigInt(_), Int(_) | BigInt(_)) => match (l.as_i64(), r.as_i64()) {
            (Some(a), Some(b)) => int_op(op, a, b).map(BigInt).unwrap_or(Null),
            _ => Null,
        },
        (Decimal(_), Decimal(_) | Int(_) | BigInt(_)) | (Int(_) | BigInt(_), Decimal(_)) => {
            // No result type here (MOD(m, n) through the function table): the exact
            // result at the operands' scale, as Flink's types for + − % give it.
            let (Some(a), Some(b)) = (l.int_as_decimal(), r.int_as_decimal()) else {
                return Null;
            };
            let s = a.scale().max(b.scale());
            let (p, s) = match op {
                BinOp::Multiply => (
                    decimal::MAX_PRECISION,
                    (a.scale() + b.scale()).min(decimal::MAX_PRECISION),
                ),
                BinOp::Divide => {
                    decimal::div_type(decimal::MAX_PRECISION, a.scale(), decimal::MAX_PRECISION, b.scale())
                }
                _ => (decimal::MAX_PRECISION, s),
            };
            decimal_arith(op, l, r, p, s).unwrap_or(Null)
        }
        _ => match (l.as_f64(), r.as_f64()) {
            (Some(a), Some(b)) => {
                let v = match op {
                    BinOp::Plus => a + b,
                    BinOp::Minus => a - b,
                    BinOp::Multiply => a * b,
                    BinOp::Divide => a / b,
                    BinOp::Modulo => a % b,
                    _ => return Null,
                };
                Double(v)
            }
            _ => Null,
        },
    }
}

/// DECIMAL arithmetic at DECIMAL(p, s) on non-null DECIMAL / INT / BIGINT operands (NULL
/// in, NULL out). `Err` for a division by zero.
pub fn decimal_arith(op: BinOp, l: &Value, r: &Value, p: u8, s: u8) -> Result<Value, &'static str> {
    let (Some(a), Some(b)) = (l.int_as_decimal(), r.int_as_decimal()) else {
        return Ok(Value::Null);
    };
    let v = match op {
        BinOp::Plus => decimal::add(&a, &b, p, s),
        BinOp::Minus => decimal::sub(&a, &b, p, s),
        BinOp::Multiply => decimal::mul(&a, &b, p, s),
        BinOp::Divide => decimal::div(&a, &b, p, s)?,
        BinOp::Modulo => decimal::rem(&a, &b, p, s)?,
        _ => None,
    };
    Ok(v.map(Value::Decimal).unwrap_or(Value::Null))
}

/// A divisor that is a non-zero integer literal (`x / 2`, `x % -3`): that division cannot fail.
fn nonzero_constant(e: &ScalarExpr) -> bool {
    match e {
        ScalarExpr::Literal(v) => v.as_i64().is_some_and(|d| d != 0),
        ScalarExpr::Negate(x) => nonzero_constant(x),
        _ => false,
    }
}

fn int_op(op: BinOp, a: i64, b: i64) -> Option<i64> {
    match op {
        BinOp::Plus => Some(a.wrapping_add(b)),
        BinOp::Minus => Some(a.wrapping_sub(b)),
        BinOp::Multiply => Some(a.wrapping_mul(b)),
        BinOp::Divide if b != 0 => Some(a.wrapping_div(b)),
        BinOp::Modulo if b != 0 => Some(a.wrapping_rem(b)),
        _ => None,
    }
}
