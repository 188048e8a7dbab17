//! Aggregate functions with Flink's result types, as mergeable accumulators (windows that
//! share panes, e.g. HOP, merge pane accumulators).

use std::collections::HashSet;

use newsflow_common::decimal::{self, Decimal};
use newsflow_common::{DataType, Error, Result, Schema, Value};
use sqlparser::ast;

use crate::compile::{compile, function_args, span_of, Scope};
use crate::expr::EvalError;
use crate::ScalarExpr;

/// The aggregate functions newsflow has (with DISTINCT for COUNT/SUM/AVG/MIN/MAX, and
/// `FILTER (WHERE …)` for all).
pub const SUPPORTED: &[&str] = &[
    "ARRAY_AGG",
    "AVG",
    "COUNT",
    "FIRST_VALUE",
    "LAST_VALUE",
    "LISTAGG",
    "MAX",
    "MIN",
    "PERCENTILE",
    "STDDEV",
    "STDDEV_POP",
    "STDDEV_SAMP",
    "SUM",
    "VARIANCE",
    "VAR_POP",
    "VAR_SAMP",
];

/// Flink aggregate functions newsflow does not have yet (refused when planning).
pub const NOT_YET: &[&str] = &[
    "COLLECT",
    "BOOL_AND",
    "BOOL_OR",
    "JSON_OBJECTAGG",
    "JSON_ARRAYAGG",
    "LISTAGG_DISTINCT",
    "APPROX_COUNT_DISTINCT",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggKind {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    StddevPop,
    StddevSamp,
    VarPop,
    VarSamp,
    FirstValue,
    LastValue,
    ListAgg,
    Percentile,
    /// ARRAY_AGG([DISTINCT] x [IGNORE NULLS | RESPECT NULLS]): the values in arrival order.
    ArrayAgg,
}

impl AggKind {
    pub fn from_name(name: &str) -> Option<AggKind> {
        Some(match name.to_ascii_uppercase().as_str() {
            "COUNT" => AggKind::Count,
            "SUM" => AggKind::Sum,
            "AVG" => AggKind::Avg,
            "MIN" => AggKind::Min,
            "MAX" => AggKind::Max,
            "STDDEV_POP" => AggKind::StddevPop,
            "STDDEV_SAMP" | "STDDEV" => AggKind::StddevSamp,
            "VAR_POP" => AggKind::VarPop,
            "VAR_SAMP" | "VARIANCE" => AggKind::VarSamp,
            "FIRST_VALUE" => AggKind::FirstValue,
            "LAST_VALUE" => AggKind::LastValue,
            "LISTAGG" => AggKind::ListAgg,
            "PERCENTILE" => AggKind::Percentile,
            "ARRAY_AGG" => AggKind::ArrayAgg,
            _ => return None,
        })
    }

    /// Flink's result type: COUNT is BIGINT; SUM/AVG keep the input type (AVG(INT) is INT),
    /// but SUM(DECIMAL(p, s)) is DECIMAL(38, s) and AVG of it DECIMAL(38, max(6, s));
    /// MIN/MAX keep the input type.
    pub fn result_type(self, input: &DataType) -> Result<DataType, String> {
        // Flink 2.3 refuses MIN/MAX of BYTES; the rest is not checked against Flink
        let refuse = matches!(
            (self, input),
            (AggKind::Min | AggKind::Max, DataType::Bytes(_) | DataType::Array(_))
                | (AggKind::FirstValue | AggKind::LastValue, DataType::Bytes(_))
                | (
                    AggKind::ArrayAgg,
                    DataType::Array(_) | DataType::Interval | DataType::Null
                )
        );
        if refuse {
            return Err(format!("a {input} argument is not supported"));
        }
        match self {
            AggKind::CountStar | AggKind::Count => Ok(DataType::BigInt),
            AggKind::Sum | AggKind::Avg if matches!(input, DataType::Decimal(..)) => {
                let (p, s) = input.as_decimal().unwrap_or((10, 0));
                let (p, s) = if self == AggKind::Sum {
                    decimal::sum_type(p, s)
                } else {
                    decimal::avg_type(p, s)
                };
                Ok(DataType::Decimal(p, s))
            }
            AggKind::Sum | AggKind::Avg => {
                if input.is_numeric() {
                    Ok(input.clone())
                } else {
                    Err(format!("expects a numeric argument, got {input}"))
                }
            }
            AggKind::Min | AggKind::Max | AggKind::FirstValue | AggKind::LastValue => Ok(input.clone()),
            AggKind::StddevPop | AggKind::StddevSamp | AggKind::VarPop | AggKind::VarSamp => match input {
                // Flink: DECIMAL(p, s) gives DECIMAL(38, 6); other numbers keep their type
                DataType::Decimal(..) => Ok(DataType::Decimal(38, 6)),
                t if t.is_numeric() => Ok(t.clone()),
                t => Err(format!("expects a numeric argument, got {t}")),
            },
            // Flink: DOUBLE, whatever the number type
            AggKind::Percentile => match input {
                t if t.is_numeric() || *t == DataType::Null => Ok(DataType::Double),
                t => Err(format!("expects a numeric argument, got {t}")),
            },
            AggKind::ListAgg => match input {
                t if t.is_string() || *t == DataType::Null => Ok(DataType::STRING),
                t => Err(format!("expects a STRING argument, got {t}")),
            },
            AggKind::ArrayAgg => Ok(DataType::Array(Box::new(match input {
                DataType::Varchar(_) => DataType::STRING,
                DataType::Bytes(_) => DataType::Bytes(None),
                t => t.clone(),
            }))),
        }
    }
}

/// Build an aggregate call from `f(…)` in a query over `schema`: `COUNT(*)`, DISTINCT,
/// `FILTER (WHERE …)`, and LISTAGG's separator.
pub fn aggregate_call(f: &ast::Function, kind: AggKind, schema: &Schema) -> Result<AggregateCall> {
    let span = span_of(&ast::Expr::Function(f.clone()));
    let name = f.name.to_string().to_ascii_uppercase();
    let distinct = matches!(&f.args, ast::FunctionArguments::List(l) if matches!(l.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct)));
    if f.over.is_some() {
        return Err(Error::plan("OVER windows are not supported yet", span));
    }
    if !f.within_group.is_empty() {
        return Err(Error::plan(
            format!("{name}(…) WITHIN GROUP is not supported yet"),
            span,
        ));
    }
    let filter = match &f.filter {
        Some(cond) => {
            let (x, t) = compile(cond, &Scope::new(schema))?;
            if !matches!(t, DataType::Boolean | DataType::Null) {
                return Err(Error::plan(
                    format!("the FILTER condition of {} must be BOOLEAN, got {t}", f.name),
                    span_of(cond),
                ));
            }
            Some(x)
        }
        None => None,
    };
    let star = matches!(&f.args, ast::FunctionArguments::List(l)
        if matches!(l.args.as_slice(), [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)]));
    if star {
        if kind != AggKind::Count {
            return Err(Error::plan(format!("{}(*) is not valid", f.name), span));
        }
        return Ok(AggregateCall {
            filter,
            ..AggregateCall::plain(AggKind::CountStar, None, DataType::Null, DataType::BigInt)
        });
    }
    // ARRAY_AGG(x IGNORE NULLS | RESPECT NULLS): the only clause an aggregate takes
    let mut ignore_nulls = false;
    if let ast::FunctionArguments::List(l) = &f.args {
        for c in &l.clauses {
            match c {
                ast::FunctionArgumentClause::IgnoreOrRespectNulls(n) if kind == AggKind::ArrayAgg => {
                    ignore_nulls = matches!(n, ast::NullTreatment::IgnoreNulls);
                }
                other => {
                    return Err(Error::plan(
                        format!("{name}: `{other}` inside an aggregate's arguments is not supported"),
                        span,
                    ))
                }
            }
        }
    }
    let args = function_args(f)?;
    let mut percentage = None;
    let (arg, separator) = match (kind, args.as_slice()) {
        (AggKind::Percentile, [arg, p]) => {
            percentage = Some(constant_percentage(p).map_err(|m| Error::plan(format!("{name}: {m}"), span))?);
            (*arg, None)
        }
        (AggKind::Percentile, _) => {
            return Err(Error::plan(
                format!(
                "{name} takes a value and one percentage (a frequency or an array of percentages is not supported yet)"
            ),
                span,
            ))
        }
        (_, [arg]) => (*arg, None),
        (AggKind::ListAgg, [arg, sep]) => match sep {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => (*arg, Some(s.clone())),
                _ => return Err(Error::plan("LISTAGG: the separator must be a string literal", span)),
            },
            _ => return Err(Error::plan("LISTAGG: the separator must be a string literal", span)),
        },
        _ => return Err(Error::plan(format!("{} takes one argument", f.name), span)),
    };
    if distinct
        && !matches!(
            kind,
            AggKind::Count | AggKind::Sum | AggKind::Avg | AggKind::Min | AggKind::Max | AggKind::ArrayAgg
        )
    {
        return Err(Error::plan(format!("{name}(DISTINCT …) is not supported yet"), span));
    }
    let (x, t) = compile(arg, &Scope::new(schema))?;
    if distinct && matches!(t, DataType::Bytes(_) | DataType::Array(_)) {
        // Flink 2.3: "Distinct aggregate function does not support type: VARBINARY"
        return Err(Error::plan(
            format!("{name}(DISTINCT …) of a {t} is not supported (as in Flink)"),
            span,
        ));
    }
    let output_type = kind
        .result_type(&t)
        .map_err(|m| Error::plan(format!("{}: {m}", f.name), span))?;
    Ok(AggregateCall {
        kind,
        arg: Some(x),
        distinct,
        input_type: t,
        output_type,
        filter,
        separator,
        percentage,
        ignore_nulls,
    })
}

/// PERCENTILE's percentage: a number literal from 0 to 1.
fn constant_percentage(p: &ast::Expr) -> Result<f64, String> {
    let text = match p {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.to_string(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    let x: f64 = text
        .parse()
        .map_err(|_| format!("the percentage must be a number literal, got {p}"))?;
    if !(0.0..=1.0).contains(&x) {
        return Err(format!("the percentage must be between 0.0 and 1.0, got {p}"));
    }
    Ok(x)
}

/// One aggregate in a query: the function, its argument, DISTINCT, and result type.
#[derive(Debug, Clone)]
pub struct AggregateCall {
    pub kind: AggKind,
    pub arg: Option<ScalarExpr>,
    pub distinct: bool,
    pub input_type: DataType,
    pub output_type: DataType,
    /// `FILTER (WHERE …)`: only rows where it is TRUE count.
    pub filter: Option<ScalarExpr>,
    /// LISTAGG's separator (default `,`).
    pub separator: Option<String>,
    /// PERCENTILE's percentage (0 to 1).
    pub percentage: Option<f64>,
    /// ARRAY_AGG(… IGNORE NULLS): leave NULLs out (by default ARRAY_AGG keeps them).
    pub ignore_nulls: bool,
}

impl AggregateCall {
    /// A call with no DISTINCT, FILTER, separator or percentage.
    pub fn plain(kind: AggKind, arg: Option<ScalarExpr>, input_type: DataType, output_type: DataType) -> Self {
        AggregateCall {
            kind,
            arg,
            distinct: false,
            input_type,
            output_type,
            filter: None,
            separator: None,
            percentage: None,
            ignore_nulls: false,
        }
    }

    pub fn new_accumulator(&self) -> Accumulator {
        if self.kind == AggKind::ArrayAgg {
            // DISTINCT keeps the first of each value, in order: checked as values come
            return Accumulator::Array(Vec::new());
        }
        if self.distinct {
            return Accumulator::Distinct(HashSet::new());
        }
        match (self.kind, &self.input_type) {
            (AggKind::CountStar | AggKind::Count, _) => Accumulator::Count(0),
            (AggKind::Sum | AggKind::Avg, t) if t.is_integer() => Accumulator::IntSum { sum: 0, count: 0 },
            (AggKind::Sum | AggKind::Avg, DataType::Decimal(..)) => Accumulator::DecimalSum { sum: Some(0), count: 0 },
            (AggKind::Sum | AggKind::Avg, _) => Accumulator::FloatSum { sum: 0.0, count: 0 },
            (AggKind::Min | AggKind::Max, _) => Accumulator::Extreme(None),
            (AggKind::StddevPop | AggKind::StddevSamp | AggKind::VarPop | AggKind::VarSamp, t) if t.is_integer() => {
                Accumulator::IntMoments {
                    count: 0,
                    sum: 0,
                    sum_sq: 0,
                }
            }
            (AggKind::StddevPop | AggKind::StddevSamp | AggKind::VarPop | AggKind::VarSamp, _) => {
                Accumulator::FloatMoments {
                    count: 0,
                    sum: 0.0,
                    sum_sq: 0.0,
                }
            }
            (AggKind::FirstValue | AggKind::LastValue, _) => Accumulator::Extreme(None),
            (AggKind::ListAgg, _) => Accumulator::List(None),
            (AggKind::Percentile, _) => Accumulator::Values(Vec::new()),
            (AggKind::ArrayAgg, _) => Accumulator::Array(Vec::new()),
        }
    }

    /// Evaluate the argument for one input row and fold it in. An argument that fails
    /// (a CAST that cannot convert its value) is an error: Flink fails the job there too.
    #[inline]
    pub fn update(&self, acc: &mut Accumulator, row: &[Value]) -> Result<(), EvalError> {
        if let Some(f) = &self.filter {
            if f.eval(row).as_bool() != Some(true) {
                return Ok(());
            }
        }
        match self.kind {
            AggKind::CountStar => {
                if let Accumulator::Count(n) = acc {
                    *n += 1;
                }
            }
            _ => {
                let v = match &self.arg {
                    Some(ScalarExpr::Column(i)) => match row.get(*i) {
                        Some(v) => v,
                        None => return Ok(()),
                    },
                    Some(e) => {
                        self.update_value(acc, e.try_eval(row)?);
                        return Ok(());
                    }
                    None => return Ok(()),
                };
                self.update_ref(acc, v)
            }
        }
        Ok(())
    }

    fn update_value(&self, acc: &mut Accumulator, v: Value) {
        self.update_ref(acc, &v)
    }

    #[inline]
    fn update_ref(&self, acc: &mut Accumulator, v: &Value) {
        if v.is_null() {
            if let Accumulator::Array(xs) = acc {
                self.push_element(xs, v);
            }
            return;
        }
        match acc {
            Accumulator::Count(n) => *n += 1,
            Accumulator::IntSum { sum, count } => {
                *sum = sum.wrapping_add(v.as_i64().unwrap_or(0));
                *count += 1;
            }
            Accumulator::FloatSum { sum, count } => {
                *sum += v.as_f64().unwrap_or(0.0);
                *count += 1;
            }
            Accumulator::DecimalSum { sum, count } => {
                add_decimal(sum, v, &self.input_type);
                *count += 1;
            }
            Accumulator::IntMoments { count, sum, sum_sq } => {
                let x = v.as_i64().unwrap_or(0) as i128;
                *count += 1;
                *sum += x;
                *sum_sq += x * x;
            }
            Accumulator::FloatMoments { count, sum, sum_sq } => {
                let x = v.as_f64().unwrap_or(0.0);
                *count += 1;
                *sum += x;
                *sum_sq += x * x;
            }
            Accumulator::List(cur) => {
                let text = v.to_string();
                match cur {
                    None => *cur = Some(text),
                    Some(s) => {
                        s.push_str(self.separator.as_deref().unwrap_or(","));
                        s.push_str(&text);
                    }
                }
            }
            Accumulator::Extreme(cur) if self.kind == AggKind::FirstValue => {
                if cur.is_none() {
                    *cur = Some(v.clone());
                }
            }
            Accumulator::Extreme(cur) if self.kind == AggKind::LastValue => *cur = Some(v.clone()),
            Accumulator::Extreme(cur) => {
                let replace = match cur {
                    None => true,
                    Some(c) => {
                        let ord = v.total_cmp(c);
                        if self.kind == AggKind::Min {
                            ord.is_lt()
                        } else {
                            ord.is_gt()
                        }
                    }
                };
                if replace {
                    *cur = Some(v.clone());
                }
            }
            Accumulator::Distinct(set) => {
                set.insert(v.clone());
            }
            Accumulator::Values(xs) => {
                if let Some(x) = v.as_f64() {
                    xs.push(x);
                }
            }
            Accumulator::Array(xs) => self.push_element(xs, v),
        }
    }

    /// ARRAY_AGG: keep `v` (a NULL too, unless IGNORE NULLS), once with DISTINCT.
    fn push_element(&self, xs: &mut Vec<Value>, v: &Value) {
        if (v.is_null() && self.ignore_nulls) || (self.distinct && xs.contains(v)) {
            return;
        }
        xs.push(v.clone());
    }

    /// Fold `other` (a pane's accumulator) into `acc`.
    pub fn merge(&self, acc: &mut Accumulator, other: &Accumulator) {
        match (acc, other) {
            (Accumulator::Count(a), Accumulator::Count(b)) => *a += b,
            (Accumulator::IntSum { sum, count }, Accumulator::IntSum { sum: s2, count: c2 }) => {
                *sum = sum.wrapping_add(*s2);
                *count += c2;
            }
            (Accumulator::FloatSum { sum, count }, Accumulator::FloatSum { sum: s2, count: c2 }) => {
                *sum += s2;
                *count += c2;
            }
            (Accumulator::DecimalSum { sum, count }, Accumulator::DecimalSum { sum: s2, count: c2 }) => {
                // Flink's SUM: an overflowed (NULL) side is skipped.
                *sum = match (*sum, *s2) {
                    (Some(a), Some(b)) => a.checked_add(b).filter(|x| x.unsigned_abs() < decimal::pow10(38)),
                    (None, b) => b,
                    (a, None) => a,
                };
                *count += c2;
            }
            (a @ Accumulator::Extreme(_), Accumulator::Extreme(Some(v))) => {
                let v = v.clone();
                self.update_ref(a, &v)
            }
            (Accumulator::Distinct(a), Accumulator::Distinct(b)) => a.extend(b.iter().cloned()),
            (Accumulator::Values(a), Accumulator::Values(b)) => a.extend_from_slice(b),
            (Accumulator::Array(a), Accumulator::Array(b)) => {
                for v in b {
                    self.push_element(a, v);
                }
            }
            (
                Accumulator::IntMoments { count, sum, sum_sq },
                Accumulator::IntMoments {
                    count: c2,
                    sum: s2,
                    sum_sq: q2,
                },
            ) => {
                *count += c2;
                *sum += s2;
                *sum_sq += q2;
            }
            (
                Accumulator::FloatMoments { count, sum, sum_sq },
                Accumulator::FloatMoments {
                    count: c2,
                    sum: s2,
                    sum_sq: q2,
                },
            ) => {
                *count += c2;
                *sum += s2;
                *sum_sq += q2;
            }
            (a @ Accumulator::List(_), Accumulator::List(Some(text))) => {
                let v = Value::str(text);
                self.update_ref(a, &v)
            }
            _ => {}
        }
    }

    /// The aggregate's value.
    pub fn finish(&self, acc: &Accumulator) -> Value {
        match acc {
            Accumulator::Count(n) => Value::BigInt(*n),
            Accumulator::IntSum { sum, count } => {
                if *count == 0 {
                    return Value::Null;
                }
                let v = if self.kind == AggKind::Avg {
                    // Flink sums an INT column as an INT (wrapping) before dividing
                    if self.input_type == DataType::Int {
                        (*sum as i32) as i64 / count
                    } else {
                        sum / count
                    }
                } else {
                    *sum
                };
                int_value(v, &self.output_type)
            }
            Accumulator::FloatSum { sum, count } => {
                if *count == 0 {
                    return Value::Null;
                }
                let v = if self.kind == AggKind::Avg {
                    sum / *count as f64
                } else {
                    *sum
                };
                float_value(v, &self.output_type)
            }
            Accumulator::DecimalSum { sum, count } => {
                let (Some(sum), DataType::Decimal(p, s)) = (sum, &self.output_type) else {
                    return Value::Null;
                };
                if *count == 0 {
                    return Value::Null;
                }
                let scale = self.input_type.as_decimal().map_or(0, |t| t.1);
                let total = Decimal::new(*sum, scale);
                if self.kind == AggKind::Sum {
                    return total.rescale(*p, *s).map(Value::Decimal).unwrap_or(Value::Null);
                }
                // AVG: the sum divided by the count, as Flink's DECIMAL division.
                match decimal::div(&total, &Decimal::from_i64(*count), *p, *s) {
                    Ok(Some(d)) => Value::Decimal(d),
                    _ => Value::Null,
                }
            }
            Accumulator::Extreme(v) => v.clone().unwrap_or(Value::Null),
            Accumulator::List(v) => v.as_deref().map(Value::str).unwrap_or(Value::Null),
            // Calcite's reduction: (SUM(x²) - SUM(x)² / COUNT) / COUNT (or COUNT - 1), then the
            // square root for STDDEV; integers in integer arithmetic (exact here), the result
            // cast back to the input type
            Accumulator::IntMoments { count, sum, sum_sq } => {
                let Some(var) = self.divisor(*count) else {
                    return Value::Null;
                };
                let v = (sum_sq - sum * sum / *count as i128) / var as i128;
                let v = if self.is_stddev() { (v as f64).sqrt() } else { v as f64 };
                int_value(v as i64, &self.output_type)
            }
            Accumulator::FloatMoments { count, sum, sum_sq } => {
                let Some(var) = self.divisor(*count) else {
                    return Value::Null;
                };
                let v = (sum_sq - sum * sum / *count as f64) / var as f64;
                let v = if self.is_stddev() { v.powf(0.5) } else { v };
                match &self.output_type {
                    DataType::Decimal(p, s) => Decimal::from_f64(v, *p, *s).map_or(Value::Null, Value::Decimal),
                    t => float_value(v, t),
                }
            }
            Accumulator::Values(xs) => percentile(xs, self.percentage.unwrap_or(0.5)),
            // no values (every row filtered out, or NULLs ignored): NULL, as Flink
            Accumulator::Array(xs) if xs.is_empty() => Value::Null,
            Accumulator::Array(xs) => Value::Array(xs.as_slice().into()),
            Accumulator::Distinct(set) => {
                let plain = AggregateCall {
                    distinct: false,
                    ..self.clone()
                };
                let mut inner = plain.new_accumulator();
                for v in set {
                    plain.update_ref(&mut inner, v);
                }
                plain.finish(&inner)
            }
        }
    }
}

impl AggregateCall {
    fn is_stddev(&self) -> bool {
        matches!(self.kind, AggKind::StddevPop | AggKind::StddevSamp)
    }

    /// COUNT for the population forms, COUNT - 1 for the sample ones; `None` when the result
    /// is NULL (no rows, or one row for a sample form).
    fn divisor(&self, count: i64) -> Option<i64> {
        let d = match self.kind {
            AggKind::StddevSamp | AggKind::VarSamp => count - 1,
            _ => count,
        };
        (count > 0 && d > 0).then_some(d)
    }
}

/// Flink's PERCENTILE: the values in order, and between the two around position
/// `p * (n - 1)` a straight line; NULL with no values.
fn percentile(xs: &[f64], p: f64) -> Value {
    if xs.is_empty() {
        return Value::Null;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let (a, b) = (sorted[lo.min(sorted.len() - 1)], sorted[hi.min(sorted.len() - 1)]);
    Value::Double(if lo == hi { a } else { a + (pos - lo as f64) * (b - a) })
}

fn int_value(v: i64, t: &DataType) -> Value {
    match t {
        DataType::Int => Value::Int(v as i32),
        _ => Value::BigInt(v),
    }
}

fn float_value(v: f64, t: &DataType) -> Value {
    match t {
        DataType::Float => Value::Float(v as f32),
        _ => Value::Double(v),
    }
}

/// SUM of DECIMAL: the unscaled sum at the input's scale, as Flink's `sum + operand` at
/// DECIMAL(38, s): a sum past 38 digits is NULL, and the next value starts it again.
fn add_decimal(sum: &mut Option<i128>, v: &Value, input: &DataType) {
    let scale = input.as_decimal().map_or(0, |t| t.1);
    let Some(x) = v
        .int_as_decimal()
        .and_then(|d| d.rescale(decimal::MAX_PRECISION, scale))
    else {
        return;
    };
    *sum = match *sum {
        Some(a) => a
            .checked_add(x.unscaled())
            .filter(|t| t.unsigned_abs() < decimal::pow10(38)),
        None => Some(x.unscaled()),
    };
}

/// The running state of one aggregate (serializable: it is checkpointed).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Accumulator {
    Count(i64),
    IntSum {
        sum: i64,
        count: i64,
    },
    FloatSum {
        sum: f64,
        count: i64,
    },
    /// SUM / AVG of DECIMAL: the unscaled sum at the input's scale (`None` once it
    /// overflowed 38 digits, as Flink's NULL sum).
    DecimalSum {
        sum: Option<i128>,
        count: i64,
    },
    Extreme(Option<Value>),
    Distinct(HashSet<Value>),
    /// STDDEV/VAR over integers: exact sums.
    IntMoments {
        count: i64,
        sum: i128,
        sum_sq: i128,
    },
    /// STDDEV/VAR over DOUBLE/DECIMAL.
    FloatMoments {
        count: i64,
        sum: f64,
        sum_sq: f64,
    },
    /// LISTAGG: the text so far.
    List(Option<String>),
    /// PERCENTILE: every value so far (as DOUBLE).
    Values(Vec<f64>),
    /// ARRAY_AGG: the values so far, in order (a new variant goes last: checkpoints name
    /// variants by position).
    Array(Vec<Value>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(kind: AggKind, t: DataType, distinct: bool) -> AggregateCall {
        let output = kind.result_type(&t).unwrap();
        AggregateCall {
            distinct,
            ..AggregateCall::plain(kind, Some(ScalarExpr::Column(0)), t, output)
        }
    }

    #[test]
    fn avg_of_int_truncates_like_flink() {
        let c = call(AggKind::Avg, DataType::Int, false);
        let mut a = c.new_accumulator();
        for v in [1, 2, 2] {
            c.update(&mut a, &[Value::Int(v)]).unwrap();
        }
        assert_eq!(c.finish(&a), Value::Int(1));
    }

    #[test]
    fn count_distinct_merges_panes() {
        let c = call(AggKind::Count, DataType::STRING, true);
        let (mut a, mut b) = (c.new_accumulator(), c.new_accumulator());
        c.update(&mut a, &[Value::str("x")]).unwrap();
        c.update(&mut b, &[Value::str("x")]).unwrap();
        c.update(&mut b, &[Value::str("y")]).unwrap();
        c.update(&mut b, &[Value::Null]).unwrap();
        c.merge(&mut a, &b);
        assert_eq!(c.finish(&a), Value::BigInt(2));
    }

    #[test]
    fn min_max_and_empty_sum() {
        let mn = call(AggKind::Min, DataType::Double, false);
        let mut a = mn.new_accumulator();
        for v in [3.0, -1.5, 2.0] {
            mn.update(&mut a, &[Value::Double(v)]).unwrap();
        }
        assert_eq!(mn.finish(&a), Value::Double(-1.5));
        let s = call(AggKind::Sum, DataType::Double, false);
        assert_eq!(s.finish(&s.new_accumulator()), Value::Null);
    }

    #[test]
    fn sum_and_avg_of_decimal_are_exact() {
        let t = DataType::Decimal(10, 3);
        let d = |x: &str| Value::Decimal(Decimal::parse(x, 10, 3).unwrap().unwrap());
        let (sum, avg) = (call(AggKind::Sum, t.clone(), false), call(AggKind::Avg, t, false));
        assert_eq!(sum.output_type, DataType::Decimal(38, 3));
        assert_eq!(avg.output_type, DataType::Decimal(38, 6));
        let (mut a, mut b) = (sum.new_accumulator(), avg.new_accumulator());
        for x in ["1.005", "-1.005", "1.495"] {
            sum.update(&mut a, &[d(x)]).unwrap();
            avg.update(&mut b, &[d(x)]).unwrap();
        }
        assert_eq!(sum.finish(&a).to_string(), "1.495");
        assert_eq!(avg.finish(&b).to_string(), "0.498333");
    }

    #[test]
    fn array_agg_as_flink() {
        // Flink 2.3: NULLs kept in arrival order, IGNORE NULLS leaves them out, DISTINCT keeps
        // the first of each (one NULL), no value at all is NULL; panes merge in order
        let s = |x: &str| Value::str(x);
        let rows = [s("x"), Value::Null, s("y"), s("x")];
        let run = |c: &AggregateCall| {
            let (mut a, mut b) = (c.new_accumulator(), c.new_accumulator());
            for v in &rows[..2] {
                c.update(&mut a, std::slice::from_ref(v)).unwrap();
            }
            for v in &rows[2..] {
                c.update(&mut b, std::slice::from_ref(v)).unwrap();
            }
            c.merge(&mut a, &b);
            c.finish(&a).to_string()
        };
        let plain = call(AggKind::ArrayAgg, DataType::STRING, false);
        assert_eq!(plain.output_type, DataType::Array(Box::new(DataType::STRING)));
        assert_eq!(run(&plain), "[x, NULL, y, x]");
        assert_eq!(run(&call(AggKind::ArrayAgg, DataType::STRING, true)), "[x, NULL, y]");
        let ignore = AggregateCall {
            ignore_nulls: true,
            ..plain.clone()
        };
        assert_eq!(run(&ignore), "[x, y, x]");
        assert_eq!(plain.finish(&plain.new_accumulator()), Value::Null);
        let mut only_null = ignore.new_accumulator();
        ignore.update(&mut only_null, &[Value::Null]).unwrap();
        assert_eq!(ignore.finish(&only_null), Value::Null);
        assert!(AggKind::ArrayAgg
            .result_type(&DataType::Array(Box::new(DataType::Int)))
            .is_err());
        assert!(AggKind::Min.result_type(&DataType::Bytes(None)).is_err());
        assert_eq!(AggKind::Max.result_type(&DataType::Time(3)), Ok(DataType::Time(3)));
    }

    #[test]
    fn percentile_interpolates() {
        let c = AggregateCall {
            percentage: Some(0.5),
            ..call(AggKind::Percentile, DataType::Double, false)
        };
        let (mut a, mut b) = (c.new_accumulator(), c.new_accumulator());
        assert_eq!(c.finish(&a), Value::Null);
        c.update(&mut a, &[Value::Double(3.25)]).unwrap();
        c.update(&mut b, &[Value::Null]).unwrap();
        c.update(&mut b, &[Value::Double(1.5)]).unwrap();
        c.merge(&mut a, &b);
        assert_eq!(c.finish(&a), Value::Double(2.375));
        assert_eq!(percentile(&[2.5, -0.5, 0.0], 0.5), Value::Double(0.0));
    }
}
