//! Math functions, with Flink 2.3's answers (checked on the `functions_math` golden case).
//!
//! Floating-point functions are Java's `Math` ones (the same IEEE results as Rust's, for the
//! functions here). `ROUND`/`TRUNCATE` of a DOUBLE go through Java's
//! `BigDecimal.valueOf(d)`, i.e. the shortest decimal text of the double, so
//! `ROUND(-1.005, 2)` is `-1.01` (not `-1.0` as binary arithmetic would give); of an
//! INT/BIGINT they work on the exact integer and wrap on overflow as Java's `intValue()`.

use newsflow_common::{DataType, Value};

use super::{ret_double, ret_string, Builtin};

pub const FUNCS: &[Builtin] = &[
    Builtin::strict("LOG10", 1, 1, ret_numeric_double, |a| f1(a, f64::log10)),
    Builtin::strict("LOG2", 1, 1, ret_numeric_double, |a| f1(a, |x| x.ln() / 2f64.ln())),
    Builtin::strict("LOG", 1, 2, ret_numeric_double, log),
    Builtin::strict("LN", 1, 1, ret_numeric_double, |a| f1(a, f64::ln)),
    Builtin::strict("EXP", 1, 1, ret_numeric_double, |a| f1(a, f64::exp)),
    Builtin::strict("SQRT", 1, 1, ret_numeric_double, |a| f1(a, f64::sqrt)),
    Builtin::strict("SIN", 1, 1, ret_numeric_double, |a| f1(a, f64::sin)),
    Builtin::strict("COS", 1, 1, ret_numeric_double, |a| f1(a, f64::cos)),
    Builtin::strict("TAN", 1, 1, ret_numeric_double, |a| f1(a, f64::tan)),
    Builtin::strict("COT", 1, 1, ret_numeric_double, |a| f1(a, |x| 1.0 / x.tan())),
    Builtin::strict("ASIN", 1, 1, ret_numeric_double, |a| f1(a, f64::asin)),
    Builtin::strict("ACOS", 1, 1, ret_numeric_double, |a| f1(a, f64::acos)),
    Builtin::strict("ATAN", 1, 1, ret_numeric_double, |a| f1(a, f64::atan)),
    Builtin::strict("ATAN2", 2, 2, ret_numeric_double, atan2),
    Builtin::strict("SINH", 1, 1, ret_numeric_double, |a| f1(a, f64::sinh)),
    Builtin::strict("COSH", 1, 1, ret_numeric_double, |a| f1(a, f64::cosh)),
    Builtin::strict("TANH", 1, 1, ret_numeric_double, |a| f1(a, f64::tanh)),
    Builtin::strict("DEGREES", 1, 1, ret_numeric_double, |a| f1(a, f64::to_degrees)),
    Builtin::strict("RADIANS", 1, 1, ret_numeric_double, |a| f1(a, f64::to_radians)),
    Builtin::strict("PI", 0, 0, ret_double, |_| Value::Double(std::f64::consts::PI)),
    Builtin::strict("E", 0, 0, ret_double, |_| Value::Double(std::f64::consts::E)),
    Builtin::strict("BIN", 1, 1, ret_string, bin),
    Builtin::strict("ROUND", 1, 2, ret_round, round),
    Builtin::strict("TRUNCATE", 1, 2, ret_round, truncate),
];

fn ret_numeric_double(args: &[DataType]) -> Result<DataType, String> {
    for t in args {
        if !(t.is_numeric() || *t == DataType::Null) {
            return Err(format!("expects numeric arguments, got {t}"));
        }
    }
    Ok(DataType::Double)
}

/// ROUND/TRUNCATE keep the type of their first argument (a DECIMAL's scale becomes the
/// digits asked for; values are carried as f64 either way).
fn ret_round(args: &[DataType]) -> Result<DataType, String> {
    let t = args[0].clone();
    if !(t.is_numeric() || t == DataType::Null) {
        return Err(format!("expects a numeric argument, got {t}"));
    }
    if let Some(d) = args.get(1) {
        if !(d.is_integer() || *d == DataType::Null) {
            return Err(format!("expects an integer number of digits, got {d}"));
        }
    }
    Ok(t)
}

fn f1(a: &[Value], f: fn(f64) -> f64) -> Value {
    a[0].as_f64().map(|x| Value::Double(f(x))).unwrap_or(Value::Null)
}

/// LOG(x) is the natural logarithm; LOG(base, x) is `ln(x) / ln(base)`.
fn log(a: &[Value]) -> Value {
    match a {
        [x] => f1(std::slice::from_ref(x), f64::ln),
        [b, x] => match (b.as_f64(), x.as_f64()) {
            (Some(b), Some(x)) => Value::Double(x.ln() / b.ln()),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

fn atan2(a: &[Value]) -> Value {
    match (a[0].as_f64(), a[1].as_f64()) {
        (Some(y), Some(x)) => Value::Double(y.atan2(x)),
        _ => Value::Null,
    }
}

/// BIN(n): Java's `Long.toBinaryString` (two's complement for negatives).
fn bin(a: &[Value]) -> Value {
    match &a[0] {
        Value::Int(v) => Value::str(&format!("{:b}", *v as i64)),
        Value::BigInt(v) => Value::str(&format!("{v:b}")),
        _ => Value::Null,
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    HalfUp,
    Down,
}

fn round(a: &[Value]) -> Value {
    scale_value(a, Mode::HalfUp)
}

fn truncate(a: &[Value]) -> Value {
    scale_value(a, Mode::Down)
}

fn scale_value(a: &[Value], mode: Mode) -> Value {
    let digits = match a.get(1) {
        Some(v) => match v.as_i64() {
            Some(d) => d.clamp(-400, 400) as i32,
            None => return Value::Null,
        },
        None => 0,
    };
    match &a[0] {
        Value::Int(v) => Value::Int(scale_int(*v as i128, digits, mode) as i32),
        Value::BigInt(v) => Value::BigInt(scale_int(*v as i128, digits, mode) as i64),
        Value::Double(x) => Value::Double(scale_decimal_text(*x, digits, mode)),
        Value::Float(x) => Value::Float(scale_decimal_text(*x as f64, digits, mode) as f32),
        Value::Decimal(d) => Value::Decimal(match mode {
            Mode::HalfUp => d.round(digits),
            Mode::Down => d.truncate(digits),
        }),
        _ => Value::Null,
    }
}

/// Round (half away from zero) or truncate an integer to `digits` decimal places; only a
/// negative `digits` changes it.
fn scale_int(v: i128, digits: i32, mode: Mode) -> i128 {
    if digits >= 0 {
        return v;
    }
    if -digits > 38 {
        return 0;
    }
    let m = 10i128.pow((-digits) as u32);
    let q = v / m;
    let r = v % m;
    let q = if mode == Mode::HalfUp && r.abs() * 2 >= m {
        q + v.signum()
    } else {
        q
    };
    q.wrapping_mul(m)
}

/// Round or truncate `x` to `digits` decimal places on its shortest decimal text (Java's
/// `BigDecimal.valueOf(double)`), half away from zero.
pub fn scale_decimal_text(x: f64, digits: i32, mode: Mode) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // "d.ddddde±n": the significant digits and the exponent of the first one.
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let ds: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    // Digit i has place value 10^(exp - i); keep those with exp - i >= -digits.
    let keep = exp + digits + 1;
    if keep >= ds.len() as i32 {
        return x;
    }
    let mut kept: Vec<u8> = if keep > 0 {
        ds[..keep as usize].to_vec()
    } else {
        Vec::new()
    };
    let first_dropped = if keep >= 0 { ds[keep as usize] } else { 0 };
    let mut lead_exp = exp;
    if mode == Mode::HalfUp && first_dropped >= 5 {
        // add one unit in the last kept place
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                lead_exp += 1;
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
        if keep <= 0 && kept.len() == 1 {
            // rounding up from nothing kept: the unit is 10^-digits
            lead_exp = -digits;
        }
    }
    if kept.is_empty() {
        return 0.0;
    }
    let text: String = kept.iter().map(|d| (b'0' + d) as char).collect();
    let value: f64 = format!("{}e{}", text, lead_exp - kept.len() as i32 + 1)
        .parse()
        .unwrap_or(0.0);
    value * x.signum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_like_bigdecimal_value_of() {
        assert_eq!(scale_decimal_text(-1.005, 2, Mode::HalfUp), -1.01);
        assert_eq!(scale_decimal_text(2.5, 0, Mode::HalfUp), 3.0);
        assert_eq!(scale_decimal_text(-2.5, 0, Mode::HalfUp), -3.0);
        assert_eq!(scale_decimal_text(1234.5678, -2, Mode::HalfUp), 1200.0);
        assert_eq!(scale_decimal_text(99.96, 1, Mode::HalfUp), 100.0);
        assert_eq!(scale_decimal_text(0.004, 2, Mode::HalfUp), 0.0);
        assert_eq!(scale_decimal_text(0.005, 2, Mode::HalfUp), 0.01);
        assert_eq!(scale_decimal_text(0.6, -1, Mode::HalfUp), 0.0);
        assert_eq!(scale_decimal_text(5.0, -1, Mode::HalfUp), 10.0);
        assert_eq!(scale_decimal_text(-1.239, 2, Mode::Down), -1.23);
        assert_eq!(scale_decimal_text(1e300, 2, Mode::Down), 1e300);
    }

    #[test]
    fn integers_wrap_like_java() {
        assert_eq!(round(&[Value::Int(i32::MAX), Value::Int(-1)]), Value::Int(-2147483646));
        assert_eq!(round(&[Value::Int(-15), Value::Int(-1)]), Value::Int(-20));
        assert_eq!(truncate(&[Value::Int(-19), Value::Int(-1)]), Value::Int(-10));
        assert_eq!(bin(&[Value::Int(-1)]), Value::str(&"1".repeat(64)));
    }
}
