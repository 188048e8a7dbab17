//! The compiled expression tree and its evaluation.

use std::sync::Arc;

use newsflow_common::time::JavaDateFormat;
use newsflow_common::{DataType, Value};

use crate::{cast, functions};

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
        to: DataType,
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
}

impl ScalarExpr {
    pub fn col(i: usize) -> Self {
        ScalarExpr::Column(i)
    }

    /// Evaluate against one row.
    pub fn eval(&self, row: &[Value]) -> Value {
        match self {
            ScalarExpr::Column(i) => row.get(*i).cloned().unwrap_or(Value::Null),
            ScalarExpr::Literal(v) => v.clone(),
            ScalarExpr::Binary { op, left, right } => binary(*op, left, right, row),
            ScalarExpr::Not(e) => match e.eval(row) {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Null,
            },
            ScalarExpr::Negate(e) => match e.eval(row) {
                Value::Int(v) => Value::Int(v.wrapping_neg()),
                Value::BigInt(v) => Value::BigInt(v.wrapping_neg()),
                Value::Float(v) => Value::Float(-v),
                Value::Double(v) => Value::Double(-v),
                Value::Decimal(v) => Value::Decimal(-v),
                Value::Interval(v) => Value::Interval(-v),
                _ => Value::Null,
            },
            ScalarExpr::IsNull { expr, negated } => Value::Bool(expr.eval(row).is_null() != *negated),
            ScalarExpr::Case {
                operand,
                whens,
                otherwise,
            } => {
                let base = operand.as_ref().map(|o| o.eval(row));
                for (w, t) in whens {
                    let hit = match &base {
                        Some(b) => !b.is_null() && *b == w.eval(row),
                        None => w.eval(row).as_bool() == Some(true),
                    };
                    if hit {
                        return t.eval(row);
                    }
                }
                otherwise.as_ref().map(|e| e.eval(row)).unwrap_or(Value::Null)
            }
            ScalarExpr::Cast { expr, to } => cast::cast(expr.eval(row), to),
            ScalarExpr::InList { expr, list, negated } => {
                let v = expr.eval(row);
                if v.is_null() {
                    return Value::Null;
                }
                let found = list.iter().any(|e| compare_eq(&v, &e.eval(row)));
                Value::Bool(found != *negated)
            }
            ScalarExpr::Like { expr, pattern, negated } => match (expr.eval(row), pattern.eval(row)) {
                (Value::Str(s), Value::Str(p)) => Value::Bool(functions::like(&s, &p) != *negated),
                _ => Value::Null,
            },
            ScalarExpr::ToTimestamp { arg, format } => match arg.eval(row) {
                Value::Str(s) => {
                    let parsed = match format {
                        Some(f) => f.parse(&s),
                        // Flink's default: `yyyy-MM-dd[ HH:mm[:ss[.f]]]`, no ISO 'T'
                        None => newsflow_common::time::parse_timestamp(&s, Some(b' ')),
                    };
                    parsed.map(Value::Timestamp).unwrap_or(Value::Null)
                }
                _ => Value::Null,
            },
            ScalarExpr::DateFormat { arg, format } => match arg.eval(row) {
                Value::Timestamp(t) => Value::str(&format.format(t)),
                // text is read as SimpleDateFormat reads `yyyy-MM-dd HH:mm:ss` (the start must
                // match, the rest is ignored), as Flink does
                Value::Str(s) => functions::temporal::parse_like_simple_date_format(&s, "yyyy-MM-dd HH:mm:ss")
                    .map(|t| Value::str(&format.format(t)))
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            },
            ScalarExpr::Call { func, args } => {
                let vals: Vec<Value> = args.iter().map(|a| a.eval(row)).collect();
                functions::call(*func, &vals)
            }
        }
    }

    /// Call `f` with every column index this expression reads.
    pub fn for_each_column(&self, f: &mut dyn FnMut(usize)) {
        match self {
            ScalarExpr::Column(i) => f(*i),
            ScalarExpr::Literal(_) => {}
            ScalarExpr::Binary { left, right, .. } => {
                left.for_each_column(f);
                right.for_each_column(f);
            }
            ScalarExpr::Not(e) | ScalarExpr::Negate(e) => e.for_each_column(f),
            ScalarExpr::IsNull { expr, .. } | ScalarExpr::Cast { expr, .. } => expr.for_each_column(f),
            ScalarExpr::Case {
                operand,
                whens,
                otherwise,
            } => {
                for e in operand.iter().chain(otherwise.iter()) {
                    e.for_each_column(f);
                }
                for (w, t) in whens {
                    w.for_each_column(f);
                    t.for_each_column(f);
                }
            }
            ScalarExpr::InList { expr, list, .. } => {
                expr.for_each_column(f);
                for e in list {
                    e.for_each_column(f);
                }
            }
            ScalarExpr::Like { expr, pattern, .. } => {
                expr.for_each_column(f);
                pattern.for_each_column(f);
            }
            ScalarExpr::ToTimestamp { arg, .. } | ScalarExpr::DateFormat { arg, .. } => arg.for_each_column(f),
            ScalarExpr::Call { args, .. } => {
                for a in args {
                    a.for_each_column(f);
                }
            }
        }
    }

    /// The column index if this expression is a plain column reference.
    pub fn as_column(&self) -> Option<usize> {
        match self {
            ScalarExpr::Column(i) => Some(*i),
            _ => None,
        }
    }
}

fn compare_eq(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if !matches!((a, b), (Value::Str(_), _) | (_, Value::Str(_))) => x == y,
        _ => a == b,
    }
}

fn binary(op: BinOp, left: &ScalarExpr, right: &ScalarExpr, row: &[Value]) -> Value {
    // AND/OR use three-valued logic with short-circuit.
    match op {
        BinOp::And => {
            let l = left.eval(row);
            if l.as_bool() == Some(false) {
                return Value::Bool(false);
            }
            let r = right.eval(row);
            return match (l.as_bool(), r.as_bool()) {
                (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            };
        }
        BinOp::Or => {
            let l = left.eval(row);
            if l.as_bool() == Some(true) {
                return Value::Bool(true);
            }
            let r = right.eval(row);
            return match (l.as_bool(), r.as_bool()) {
                (_, Some(true)) => Value::Bool(true),
                (Some(false), Some(false)) => Value::Bool(false),
                _ => Value::Null,
            };
        }
        _ => {}
    }
    let l = left.eval(row);
    let r = right.eval(row);
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
                (Str(_), Str(_)) | (Bool(_), Bool(_)) => l.total_cmp(r),
                (Timestamp(a), Timestamp(b)) => a.cmp(b),
                (Date(a), Date(b)) => a.cmp(b),
                (Int(a), Int(b)) => a.cmp(b),
                (BigInt(a), BigInt(b)) => a.cmp(b),
                (Interval(a), Interval(b)) => a.cmp(b),
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
    match (l, r) {
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
                if matches!(l, Decimal(_)) || matches!(r, Decimal(_)) {
                    if matches!(l, Double(_) | Float(_)) || matches!(r, Double(_) | Float(_)) {
                        Double(v)
                    } else {
                        Decimal(v)
                    }
                } else {
                    Double(v)
                }
            }
            _ => Null,
        },
    }
}

fn int_op(op: BinOp, a: i64, b: i64) -> Option<i64> {
    match op {
        BinOp::Plus => Some(a.wrapping_add(b)),
        BinOp::Minus => Some(a.wrapping_sub(b)),
        BinOp::Multiply => Some(a.wrapping_mul(b)),
        BinOp::Divide => a.checked_div(b),
        BinOp::Modulo => a.checked_rem(b),
        _ => None,
    }
}
