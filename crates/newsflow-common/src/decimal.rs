//! Exact DECIMAL(p, s) values, as Flink's `DecimalData` (a Java `BigDecimal` limited to 38
//! digits): an `i128` unscaled integer and a scale. The type of an expression fixes its
//! precision and scale; a value in a DECIMAL(p, s) column always has scale `s` and fewer
//! than `p` digits (an operation whose result does not fit gives NULL, as Flink's
//! `DecimalData.fromBigDecimal`).
//!
//! Rounding is HALF_UP wherever Flink rounds to a scale (casts, results of `*`, `/`, ROUND);
//! division first rounds to 34 significant digits HALF_EVEN (`MathContext.DECIMAL128`) as
//! Flink's `DecimalDataUtils.divide` does, then to the result scale HALF_UP.
//!
//! The result types of arithmetic follow Flink's `LogicalTypeMerging` (see the `*_type`
//! functions), which the golden `functions_math` case pins down.

use std::cmp::Ordering;
use std::fmt;

/// The largest precision (Flink's `DecimalType.MAX_PRECISION`).
pub const MAX_PRECISION: u8 = 38;
/// Flink's `MINIMUM_ADJUSTED_SCALE`: a result whose precision is cut to 38 keeps at least
/// this many fraction digits.
const MIN_ADJUSTED_SCALE: u8 = 6;

/// 10^n for n in 0..=38.
const fn pow10_table() -> [u128; 39] {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
}
const POW10: [u128; 39] = pow10_table();

/// 10^n as u128 (n <= 38).
#[inline]
pub fn pow10(n: u32) -> u128 {
    POW10[n as usize]
}

/// An exact decimal number. Stored as bytes (alignment 1) so that a [`crate::Value`] stays
/// 24 bytes: an `i128` field would raise the enum's alignment to 16 and its size to 48.
#[derive(Clone, Copy)]
pub struct Decimal {
    unscaled: [u8; 16],
    scale: u8,
}

impl Decimal {
    /// `unscaled × 10^-scale`. The caller keeps |unscaled| < 10^38 and scale <= 38.
    #[inline]
    pub fn new(unscaled: i128, scale: u8) -> Decimal {
        Decimal {
            unscaled: unscaled.to_le_bytes(),
            scale,
        }
    }
    #[inline]
    pub fn unscaled(&self) -> i128 {
        i128::from_le_bytes(self.unscaled)
    }
    #[inline]
    pub fn scale(&self) -> u8 {
        self.scale
    }
    pub fn signum(&self) -> i32 {
        self.unscaled().signum() as i32
    }

    /// The number of digits of the unscaled value (Java's `precision()`; 1 for zero).
    pub fn digits(&self) -> u32 {
        digit_count(self.unscaled().unsigned_abs())
    }

    /// Does this value fit DECIMAL(precision, its scale)?
    #[inline]
    pub fn fits(&self, precision: u8) -> bool {
        self.unscaled().unsigned_abs() < pow10(precision.min(MAX_PRECISION) as u32)
    }

    /// This value at scale `scale`, rounded HALF_UP, if it fits DECIMAL(precision, scale)
    /// (Flink's `DecimalData.fromBigDecimal`); `None` when it does not.
    pub fn rescale(&self, precision: u8, scale: u8) -> Option<Decimal> {
        let u = rescale_half_up(self.unscaled(), self.scale, scale)?;
        let d = Decimal::new(u, scale);
        d.fits(precision).then_some(d)
    }

    pub fn from_i64(v: i64) -> Decimal {
        Decimal::new(v as i128, 0)
    }

    /// A double the way Flink casts one (`BigDecimal.valueOf`: its shortest decimal text),
    /// then to DECIMAL(precision, scale). `None` for NaN and infinities (Flink fails) — the
    /// caller tells them apart with `is_finite` — and when it does not fit.
    pub fn from_f64(v: f64, precision: u8, scale: u8) -> Option<Decimal> {
        if !v.is_finite() {
            return None;
        }
        let (u, s) = parse_exact(&format!("{v:e}")).ok()?;
        // `{:e}` gives the shortest round-trip digits: "1.005e0" -> 1005 scale 3.
        let u = rescale_half_up_wide(u, s, scale as i32)?;
        let d = Decimal::new(u, scale);
        d.fits(precision).then_some(d)
    }

    /// Text (Java `BigDecimal` syntax: sign, digits, point, exponent) to DECIMAL(p, s).
    /// `Err` when the text is not a number; `Ok(None)` when it does not fit.
    pub fn parse(text: &str, precision: u8, scale: u8) -> Result<Option<Decimal>, String> {
        Ok(parse_at_scale(text, scale as i32)?.and_then(|u| {
            let d = Decimal::new(u, scale);
            d.fits(precision).then_some(d)
        }))
    }

    /// The nearest double (correctly rounded, as Java's `BigDecimal.doubleValue`).
    pub fn to_f64(&self) -> f64 {
        let u = self.unscaled();
        if u.unsigned_abs() < (1u128 << 53) && self.scale <= 22 {
            // Both exact in an f64: one division rounds once.
            return u as f64 / 10f64.powi(self.scale as i32);
        }
        format!("{u}e-{}", self.scale).parse().unwrap_or(f64::NAN)
    }

    /// Toward zero to an integer (Java's `longValue()` keeps the low 64 bits).
    pub fn trunc_i64(&self) -> i64 {
        (self.unscaled() / pow10(self.scale as u32) as i128) as i64
    }

    pub fn neg(&self) -> Decimal {
        Decimal::new(-self.unscaled(), self.scale)
    }
    pub fn abs(&self) -> Decimal {
        Decimal::new(self.unscaled().abs(), self.scale)
    }

    /// ROUND(x, digits), HALF_UP. The result has scale `min(scale, max(digits, 0))`.
    pub fn round(&self, digits: i32) -> Decimal {
        self.at_digits(digits, true)
    }
    /// TRUNCATE(x, digits): toward zero; scale as [`Decimal::round`].
    pub fn truncate(&self, digits: i32) -> Decimal {
        self.at_digits(digits, false)
    }

    fn at_digits(&self, digits: i32, half_up: bool) -> Decimal {
        let s = self.scale as i32;
        if digits >= s {
            return *self;
        }
        let u = self.unscaled();
        let drop = (s - digits) as u32;
        let new_scale = digits.max(0) as u8;
        if drop > 38 {
            return Decimal::new(0, new_scale);
        }
        let m = pow10(drop) as i128;
        let mut q = u / m;
        let r = u % m;
        if half_up && r.unsigned_abs() * 2 >= m as u128 {
            q += u.signum();
        }
        // q is at scale `digits`; a negative `digits` is brought back to scale 0.
        if digits < 0 {
            let up = (-digits) as u32;
            q = q.checked_mul(pow10(up.min(38)) as i128).unwrap_or(0);
        }
        Decimal::new(q, new_scale)
    }

    /// FLOOR / CEIL to scale 0.
    pub fn floor(&self) -> Decimal {
        let m = pow10(self.scale as u32) as i128;
        Decimal::new(self.unscaled().div_euclid(m), 0)
    }
    pub fn ceil(&self) -> Decimal {
        let m = pow10(self.scale as u32) as i128;
        let u = self.unscaled();
        Decimal::new(-((-u).div_euclid(m)), 0)
    }

    /// Exact comparison of two decimals of any scales.
    pub fn cmp_exact(&self, other: &Decimal) -> Ordering {
        let (a, b) = (self.unscaled(), other.unscaled());
        if self.scale == other.scale {
            return a.cmp(&b);
        }
        // Integer parts first, then the fractions at the larger scale (< 10^38).
        let (ma, mb) = (pow10(self.scale as u32) as i128, pow10(other.scale as u32) as i128);
        let (ia, ib) = (a.div_euclid(ma), b.div_euclid(mb));
        if ia != ib {
            return ia.cmp(&ib);
        }
        let s = self.scale.max(other.scale) as u32;
        let fa = a.rem_euclid(ma) * pow10(s - self.scale as u32) as i128;
        let fb = b.rem_euclid(mb) * pow10(s - other.scale as u32) as i128;
        fa.cmp(&fb)
    }

    /// Without trailing fraction zeros (Java's `stripTrailingZeros`, but never below scale 0):
    /// the canonical form used for hashing.
    pub fn normalized(&self) -> Decimal {
        let (mut u, mut s) = (self.unscaled(), self.scale);
        while s > 0 && u % 10 == 0 {
            u /= 10;
            s -= 1;
        }
        Decimal::new(u, s)
    }

    /// Java `BigDecimal.toPlainString()`: what Flink's `CAST(d AS STRING)` gives ("1.500").
    pub fn to_plain_string(&self) -> String {
        plain(self.unscaled(), self.scale as i32)
    }

    /// How Flink's JSON (and CSV) format writes a DECIMAL: Jackson normalizes the
    /// `BigDecimal` (`stripTrailingZeros`) and prints it with `BigDecimal.toString()`, which
    /// switches to scientific notation for a negative scale: `1E+7`, `-1.5E+2`, `0.00001`.
    pub fn to_json_string(&self) -> String {
        let (mut u, mut s) = (self.unscaled(), self.scale as i32);
        if u == 0 {
            return "0".into();
        }
        while u % 10 == 0 {
            u /= 10;
            s -= 1;
        }
        java_to_string(u, s)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp_exact(other) == Ordering::Equal
    }
}
impl Eq for Decimal {}

impl std::hash::Hash for Decimal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.unscaled().hash(state);
        n.scale.hash(state);
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({})", self.to_plain_string())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_plain_string())
    }
}

/// Checkpoints keep the unscaled integer and the scale.
impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.unscaled(), self.scale).serialize(s)
    }
}
impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (u, s) = <(i128, u8)>::deserialize(d)?;
        Ok(Decimal::new(u, s))
    }
}

fn digit_count(mut v: u128) -> u32 {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

fn plain(u: i128, scale: i32) -> String {
    let neg = u < 0;
    let digits = u.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 3);
    if neg {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(&digits);
        for _ in 0..(-scale) {
            out.push('0');
        }
        return out;
    }
    let scale = scale as usize;
    if digits.len() > scale {
        out.push_str(&digits[..digits.len() - scale]);
        out.push('.');
        out.push_str(&digits[digits.len() - scale..]);
    } else {
        out.push_str("0.");
        for _ in 0..(scale - digits.len()) {
            out.push('0');
        }
        out.push_str(&digits);
    }
    out
}

/// Java's `BigDecimal.toString()`: plain when the scale is >= 0 and the adjusted exponent
/// is >= -6, else `d.dddE±n`.
fn java_to_string(u: i128, scale: i32) -> String {
    let digits = u.unsigned_abs().to_string();
    let adjusted = digits.len() as i32 - 1 - scale;
    if scale >= 0 && adjusted >= -6 {
        return plain(u, scale);
    }
    let mut out = String::new();
    if u < 0 {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('E');
    if adjusted >= 0 {
        out.push('+');
    }
    out.push_str(&adjusted.to_string());
    out
}

/// Java `BigDecimal` text: `[+-]digits[.digits][(e|E)[+-]digits]` (or `[+-].digits…`),
/// read exactly up to 38 significant digits.
struct Parsed {
    /// The first 38-odd significant digits.
    unscaled: i128,
    /// May be negative (`1e3`).
    scale: i32,
    /// The first digit dropped past what `unscaled` holds, and whether any dropped digit
    /// was not zero (then a value rounded to `scale` or finer needs more than 38 digits).
    dropped: Option<(u8, bool)>,
    /// The integer part alone has more digits than an i128 holds.
    too_big: bool,
}

fn parse_parts(text: &str) -> Result<Parsed, String> {
    let bad = || format!("'{text}' is not a number");
    let t = text.as_bytes();
    let mut i = 0;
    let mut neg = false;
    if let Some(&c) = t.first() {
        if c == b'+' || c == b'-' {
            neg = c == b'-';
            i = 1;
        }
    }
    let mut u: i128 = 0;
    let mut scale: i32 = 0;
    let mut any = false;
    let mut point = false;
    let mut dropped: Option<(u8, bool)> = None;
    let mut too_big = false;
    while i < t.len() {
        match t[i] {
            c @ b'0'..=b'9' => {
                any = true;
                let digit = c - b'0';
                if too_big {
                    // only syntax is checked from here on
                } else if let Some((_, nonzero)) = dropped.as_mut() {
                    *nonzero |= digit != 0;
                } else {
                    match u.checked_mul(10).and_then(|x| x.checked_add(digit as i128)) {
                        Some(x) => {
                            u = x;
                            if point {
                                scale += 1;
                            }
                        }
                        None if point => dropped = Some((digit, digit != 0)),
                        None => too_big = true,
                    }
                }
            }
            b'.' if !point => point = true,
            b'e' | b'E' => break,
            _ => return Err(bad()),
        }
        i += 1;
    }
    if !any {
        return Err(bad());
    }
    if i < t.len() {
        let exp: i32 = std::str::from_utf8(&t[i + 1..])
            .ok()
            .and_then(|e| e.strip_prefix('+').unwrap_or(e).parse().ok())
            .ok_or_else(bad)?;
        if !(-10_000..=10_000).contains(&exp) {
            too_big |= exp > 0 && u != 0;
            if exp < 0 {
                return Ok(Parsed {
                    unscaled: 0,
                    scale: 0,
                    dropped: None,
                    too_big: false,
                });
            }
        } else {
            scale -= exp;
        }
    }
    Ok(Parsed {
        unscaled: if neg { -u } else { u },
        scale,
        dropped,
        too_big,
    })
}

/// Parse Java `BigDecimal` text to (unscaled, scale), exactly; `Err` when it is not a
/// number or has more than 38 significant digits.
pub fn parse_exact(text: &str) -> Result<(i128, i32), String> {
    let p = parse_parts(text)?;
    if p.too_big || p.dropped.is_some() {
        return Err(format!("'{text}' has more than 38 digits"));
    }
    Ok((p.unscaled, p.scale))
}

/// Text to an unscaled value at `scale`, HALF_UP; `None` when it does not fit 38 digits.
fn parse_at_scale(text: &str, scale: i32) -> Result<Option<i128>, String> {
    let p = parse_parts(text)?;
    if p.too_big {
        return Ok(None);
    }
    Ok(match p.dropped {
        None => rescale_half_up_wide(p.unscaled, p.scale, scale),
        Some((first, nonzero)) => {
            if scale > p.scale && nonzero {
                None
            } else if scale == p.scale {
                let up = if first >= 5 { p.unscaled.signum() } else { 0 };
                p.unscaled.checked_add(up)
            } else {
                rescale_half_up_wide(p.unscaled, p.scale, scale)
            }
        }
    })
}

/// Round HALF_UP from one scale to another (both 0..=38); `None` on i128 overflow.
fn rescale_half_up(u: i128, from: u8, to: u8) -> Option<i128> {
    rescale_half_up_wide(u, from as i32, to as i32)
}

fn rescale_half_up_wide(u: i128, from: i32, to: i32) -> Option<i128> {
    if to >= from {
        let up = (to - from) as u32;
        if u == 0 {
            return Some(0);
        }
        if up > 38 {
            return None;
        }
        return u.checked_mul(pow10(up) as i128);
    }
    let down = (from - to) as u32;
    if down > 39 {
        return Some(0);
    }
    // Drop `down - 1` digits, then round on the last dropped one.
    let q = if down - 1 > 38 { 0 } else { u / pow10(down - 1) as i128 };
    let last = q % 10;
    let mut r = q / 10;
    if last.abs() >= 5 {
        r += u.signum();
    }
    Some(r)
}

/// Flink's `adjustPrecisionScale`: a precision over 38 is cut to 38, keeping the integer
/// digits and at least 6 fraction digits (or all, when there were fewer).
fn adjust(precision: u32, scale: u32) -> (u8, u8) {
    if precision <= MAX_PRECISION as u32 {
        return (precision.max(1) as u8, scale as u8);
    }
    let int_digits = precision - scale;
    let min_scale = scale.min(MIN_ADJUSTED_SCALE as u32);
    let scale = (MAX_PRECISION as u32).saturating_sub(int_digits).max(min_scale);
    (MAX_PRECISION, scale as u8)
}

/// DECIMAL(p1, s1) + or − DECIMAL(p2, s2).
pub fn add_type(p1: u8, s1: u8, p2: u8, s2: u8) -> (u8, u8) {
    let s = s1.max(s2) as u32;
    let p = (p1 - s1).max(p2 - s2) as u32 + s + 1;
    adjust(p, s)
}
/// DECIMAL(p1, s1) × DECIMAL(p2, s2): Flink's `p1 + p2 + 1`, `s1 + s2`.
pub fn mul_type(p1: u8, s1: u8, p2: u8, s2: u8) -> (u8, u8) {
    adjust(p1 as u32 + p2 as u32 + 1, s1 as u32 + s2 as u32)
}
/// DECIMAL(p1, s1) ÷ DECIMAL(p2, s2): scale `max(6, s1 + p2 + 1)`, precision
/// `p1 - s1 + s2 + scale` (INT / 2.0 is DECIMAL(17, 6)).
pub fn div_type(p1: u8, s1: u8, p2: u8, s2: u8) -> (u8, u8) {
    let s = (MIN_ADJUSTED_SCALE as u32).max(s1 as u32 + p2 as u32 + 1);
    let p = p1 as u32 - s1 as u32 + s2 as u32 + s;
    adjust(p, s)
}
/// MOD / % : scale `max(s1, s2)`, precision `min(p1 - s1, p2 - s2) + scale`.
pub fn mod_type(p1: u8, s1: u8, p2: u8, s2: u8) -> (u8, u8) {
    let s = s1.max(s2) as u32;
    let p = (p1 - s1).min(p2 - s2) as u32 + s;
    adjust(p, s)
}
/// The common type of two decimals (comparison, CASE, COALESCE, LEAST…).
pub fn common_type(p1: u8, s1: u8, p2: u8, s2: u8) -> (u8, u8) {
    let s = s1.max(s2) as u32;
    let p = ((p1 - s1).max(p2 - s2) as u32 + s).min(MAX_PRECISION as u32);
    (p as u8, s.min(p) as u8)
}
/// ROUND(DECIMAL(p, s), r) and TRUNCATE: Flink's `findRoundDecimalType`.
pub fn round_type(p: u8, s: u8, r: i32) -> (u8, u8) {
    if r >= s as i32 {
        (p, s)
    } else if r < 0 {
        ((1 + p as i32 - s as i32).clamp(1, MAX_PRECISION as i32) as u8, 0)
    } else {
        (
            (1 + p as i32 - s as i32 + r).clamp(1, MAX_PRECISION as i32) as u8,
            r as u8,
        )
    }
}
/// SUM(DECIMAL(p, s)) is DECIMAL(38, s).
pub fn sum_type(_p: u8, s: u8) -> (u8, u8) {
    (MAX_PRECISION, s)
}
/// AVG(DECIMAL(p, s)): the SUM type divided by a DECIMAL(20, 0) count: DECIMAL(38, max(6, s)).
pub fn avg_type(p: u8, s: u8) -> (u8, u8) {
    let (sp, ss) = sum_type(p, s);
    div_type(sp, ss, 20, 0)
}

/// The DECIMAL type an integer type is widened to (INT → DECIMAL(10, 0), BIGINT → DECIMAL(19, 0)).
pub const INT_DIGITS: u8 = 10;
pub const BIGINT_DIGITS: u8 = 19;

/// `a + b` (or `a - b` with `b` negated) at DECIMAL(p, s); `None` when it does not fit.
pub fn add(a: &Decimal, b: &Decimal, p: u8, s: u8) -> Option<Decimal> {
    let x = rescale_half_up(a.unscaled(), a.scale, s)?;
    let y = rescale_half_up(b.unscaled(), b.scale, s)?;
    let d = Decimal::new(x.checked_add(y)?, s);
    d.fits(p).then_some(d)
}
pub fn sub(a: &Decimal, b: &Decimal, p: u8, s: u8) -> Option<Decimal> {
    add(a, &b.neg(), p, s)
}

/// `a × b` at DECIMAL(p, s): the exact product rounded HALF_UP to scale `s`.
pub fn mul(a: &Decimal, b: &Decimal, p: u8, s: u8) -> Option<Decimal> {
    let exact_scale = a.scale as u32 + b.scale as u32;
    let neg = (a.unscaled() < 0) != (b.unscaled() < 0);
    let prod = U256::mul(a.unscaled().unsigned_abs(), b.unscaled().unsigned_abs());
    let mag = if s as u32 >= exact_scale {
        prod.to_u128()?.checked_mul(pow10(s as u32 - exact_scale))?
    } else {
        round_half_up_div_pow10(prod, exact_scale - s as u32)?
    };
    finish(mag, neg, p, s)
}

/// `a ÷ b` at DECIMAL(p, s), as Flink: the quotient to 34 significant digits (HALF_EVEN),
/// then HALF_UP to scale `s`. `Err` on division by zero (Flink fails the job).
pub fn div(a: &Decimal, b: &Decimal, p: u8, s: u8) -> Result<Option<Decimal>, &'static str> {
    let (ua, ub) = (a.unscaled().unsigned_abs(), b.unscaled().unsigned_abs());
    if ub == 0 {
        return Err("division by zero");
    }
    let neg = (a.unscaled() < 0) != (b.unscaled() < 0);
    if ua == 0 {
        return Ok(Some(Decimal::new(0, s)));
    }
    // value = ua / ub × 10^(sb - sa); E = floor(log10(ua / ub)).
    let mut e = digit_count(ua) as i32 - digit_count(ub) as i32;
    if !ge_scaled(ua, ub, e) {
        e -= 1;
    }
    // q34 = round_half_even(ua × 10^(33 - e) / ub): 34 significant digits.
    let k = 33 - e;
    let (q, r, d) = if k >= 0 {
        let n = U256::from(ua).mul_pow10(k as u32);
        let (q, r) = n.divrem(ub);
        (q, r, ub)
    } else {
        let d = ub.checked_mul(pow10((-k) as u32)).ok_or("quotient out of range")?;
        (U256::from(ua / d), ua % d, d)
    };
    let mut q34 = q.to_u128().ok_or("quotient out of range")?;
    // HALF_EVEN on the remainder: r / d against 1/2 (2r may not fit: compare r with d - r).
    let rest = d - r;
    if r > rest || (r == rest && q34 % 2 == 1) {
        q34 += 1;
    }
    // a / b = q34 × 10^-(k + sa - sb): q34 is the value at scale t.
    let t = k + a.scale as i32 - b.scale as i32;
    let s32 = s as i32;
    let mag = if t > s32 {
        round_half_up_div_pow10(U256::from(q34), (t - s32) as u32)
    } else {
        let up = (s32 - t) as u32;
        if up > 38 {
            None
        } else {
            q34.checked_mul(pow10(up))
        }
    };
    Ok(mag.and_then(|m| finish(m, neg, p, s)))
}

/// `a % b` (the sign of `a`, as Java's `remainder`) at DECIMAL(p, s). `Err` on a zero divisor.
pub fn rem(a: &Decimal, b: &Decimal, p: u8, s: u8) -> Result<Option<Decimal>, &'static str> {
    if b.unscaled() == 0 {
        return Err("division by zero");
    }
    let sc = a.scale.max(b.scale);
    let (Some(x), Some(y)) = (
        rescale_half_up(a.unscaled(), a.scale, sc),
        rescale_half_up(b.unscaled(), b.scale, sc),
    ) else {
        return Ok(None);
    };
    Ok(Decimal::new(x % y, sc).rescale(p, s))
}

fn finish(mag: u128, neg: bool, p: u8, s: u8) -> Option<Decimal> {
    if mag >= pow10(p.min(MAX_PRECISION) as u32) {
        return None;
    }
    let u = mag as i128;
    Some(Decimal::new(if neg { -u } else { u }, s))
}

/// Is ua >= ub × 10^e (e may be negative)?
fn ge_scaled(ua: u128, ub: u128, e: i32) -> bool {
    if e >= 0 {
        U256::from(ua) >= U256::from(ub).mul_pow10(e as u32)
    } else {
        U256::from(ua).mul_pow10((-e) as u32) >= U256::from(ub)
    }
}

/// n / 10^k rounded HALF_UP (n >= 0), if it fits a u128.
fn round_half_up_div_pow10(n: U256, k: u32) -> Option<u128> {
    if k == 0 {
        return n.to_u128();
    }
    // Drop k - 1 digits (floor), then round on the last one.
    let mut q = n;
    let mut left = k - 1;
    while left > 0 {
        let step = left.min(38);
        q = q.divrem(pow10(step)).0;
        left -= step;
    }
    let (q, last) = q.divrem(10);
    let q = q.to_u128()?;
    Some(if last >= 5 { q + 1 } else { q })
}

/// A 256-bit unsigned integer: just enough for exact products and quotients of 38-digit
/// decimals.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct U256 {
    hi: u128,
    lo: u128,
}

impl From<u128> for U256 {
    fn from(lo: u128) -> Self {
        U256 { hi: 0, lo }
    }
}

impl U256 {
    fn mul(a: u128, b: u128) -> U256 {
        let (a1, a0) = (a >> 64, a & u64::MAX as u128);
        let (b1, b0) = (b >> 64, b & u64::MAX as u128);
        let p00 = a0 * b0;
        let p01 = a0 * b1;
        let p10 = a1 * b0;
        let p11 = a1 * b1;
        let mid = (p00 >> 64) + (p01 & u64::MAX as u128) + (p10 & u64::MAX as u128);
        let lo = (p00 & u64::MAX as u128) | (mid << 64);
        let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
        U256 { hi, lo }
    }
    /// self × m (the caller keeps the product below 2^256).
    fn mul_u128(self, m: u128) -> U256 {
        let low = U256::mul(self.lo, m);
        let high = U256::mul(self.hi, m);
        U256 {
            hi: low.hi.wrapping_add(high.lo),
            lo: low.lo,
        }
    }
    fn mul_pow10(self, mut k: u32) -> U256 {
        let mut v = self;
        while k > 0 {
            let step = k.min(38);
            v = v.mul_u128(pow10(step));
            k -= step;
        }
        v
    }
    fn to_u128(self) -> Option<u128> {
        (self.hi == 0).then_some(self.lo)
    }
    /// (self / d, self % d), d > 0.
    fn divrem(self, d: u128) -> (U256, u128) {
        if self.hi == 0 {
            return (U256::from(self.lo / d), self.lo % d);
        }
        let mut q = U256 { hi: 0, lo: 0 };
        let mut r: u128 = 0;
        for i in (0..256).rev() {
            let bit = if i >= 128 {
                (self.hi >> (i - 128)) & 1
            } else {
                (self.lo >> i) & 1
            };
            let carry = r >> 127;
            r = (r << 1) | bit;
            if carry == 1 || r >= d {
                r = r.wrapping_sub(d);
                if i >= 128 {
                    q.hi |= 1 << (i - 128);
                } else {
                    q.lo |= 1 << i;
                }
            }
        }
        (q, r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str, s: u8) -> Decimal {
        Decimal::parse(text, 38, s).unwrap().unwrap()
    }

    #[test]
    fn result_types_follow_flink() {
        assert_eq!(add_type(10, 3, 10, 3), (11, 3));
        assert_eq!(add_type(10, 3, 10, 0), (14, 3));
        assert_eq!(mul_type(10, 3, 10, 3), (21, 6));
        assert_eq!(mul_type(10, 0, 2, 1), (13, 1));
        assert_eq!(div_type(10, 0, 2, 1), (17, 6));
        assert_eq!(div_type(10, 3, 10, 3), (24, 14));
        assert_eq!(div_type(10, 3, 10, 0), (21, 14));
        assert_eq!(mod_type(10, 3, 10, 3), (10, 3));
        assert_eq!(round_type(10, 3, 2), (10, 2));
        assert_eq!(round_type(10, 3, -1), (8, 0));
        assert_eq!(avg_type(10, 3), (38, 6));
        assert_eq!(avg_type(20, 10), (38, 10));
        assert_eq!(common_type(10, 3, 10, 0), (13, 3));
    }

    #[test]
    fn text_forms() {
        assert_eq!(d("1.5", 3).to_plain_string(), "1.500");
        assert_eq!(d("-0.001", 3).to_plain_string(), "-0.001");
        assert_eq!(d("10000000", 3).to_json_string(), "1E+7");
        assert_eq!(d("-150.0", 1).to_json_string(), "-1.5E+2");
        assert_eq!(d("0.00001", 6).to_json_string(), "0.00001");
        assert_eq!(d("0.0000001", 8).to_json_string(), "1E-7");
        assert_eq!(d("0", 3).to_json_string(), "0");
        assert_eq!(d("1230", 0).to_json_string(), "1.23E+3");
        assert_eq!(d("-1.45", 2).to_json_string(), "-1.45");
    }

    #[test]
    fn parse_and_casts() {
        assert_eq!(Decimal::parse("12.345", 10, 2).unwrap(), Some(d("12.35", 2)));
        assert_eq!(Decimal::parse("1e3", 10, 2).unwrap(), Some(d("1000", 2)));
        assert_eq!(Decimal::parse("+5", 10, 2).unwrap(), Some(d("5", 2)));
        assert_eq!(Decimal::parse("9999999999999", 10, 2).unwrap(), None);
        assert!(Decimal::parse("abc", 10, 2).is_err());
        assert!(Decimal::parse("NaN", 10, 2).is_err());
        assert_eq!(Decimal::from_f64(2.675, 10, 2), Some(d("2.68", 2)));
        assert_eq!(Decimal::from_f64(-2.675, 10, 2), Some(d("-2.68", 2)));
        assert_eq!(Decimal::from_f64(1e10, 10, 2), None);
        assert_eq!(d("1.005", 3).to_f64(), 1.005);
        assert_eq!(d("1.005", 3).rescale(3, 2), Some(d("1.01", 2)));
    }

    #[test]
    fn arithmetic_is_exact() {
        let (m, m2) = (d("-0.001", 3), d("0.5", 3));
        assert_eq!(mul(&m, &m2, 21, 6), Some(d("-0.0005", 6)));
        let three = d("3", 0);
        assert_eq!(
            div(&d("-0.001", 3), &three, 21, 14).unwrap(),
            Some(d("-0.00033333333333", 14))
        );
        assert_eq!(
            div(&d("99.995", 3), &three, 21, 14).unwrap(),
            Some(d("33.33166666666667", 14))
        );
        assert_eq!(
            div(&d("-3.7", 3), &d("0.7", 3), 24, 14).unwrap(),
            Some(d("-5.28571428571429", 14))
        );
        assert!(div(&three, &d("0", 3), 24, 14).is_err());
        assert_eq!(rem(&d("-3.7", 3), &d("0.7", 3), 10, 3).unwrap(), Some(d("-0.2", 3)));
        assert_eq!(add(&d("0.1", 1), &d("0.2", 1), 3, 1), Some(d("0.3", 1)));
        assert_eq!(add(&d("9.9", 1), &d("0.1", 1), 2, 1), None);
        // 1.005^15 at the adjusted scale 6 (Flink: 1.077684)
        let mut x = d("1.005", 3);
        let (mut p, mut s) = (10u8, 3u8);
        for _ in 0..14 {
            let (np, ns) = mul_type(p, s, 10, 3);
            x = mul(&x, &d("1.005", 3), np, ns).unwrap();
            (p, s) = (np, ns);
        }
        assert_eq!(x, d("1.077684", 6));
        // 38-digit operands
        let big = d("12345678901234567890123456789012345678", 0);
        assert_eq!(mul(&big, &d("1", 0), 38, 0), Some(big));
        assert_eq!(mul(&big, &d("10", 0), 38, 0), None);
        assert_eq!(div(&big, &big, 38, 6).unwrap(), Some(d("1", 6)));
    }

    #[test]
    fn round_floor_ceil() {
        assert_eq!(d("1.005", 3).round(2), d("1.01", 2));
        assert_eq!(d("-1.555", 3).round(2), d("-1.56", 2));
        assert_eq!(d("1234.567", 3).round(-1), d("1230", 0));
        assert_eq!(d("99.995", 3).round(-1), d("100", 0));
        assert_eq!(d("-3.7", 3).truncate(0), d("-3", 0));
        assert_eq!(d("-0.001", 3).floor(), d("-1", 0));
        assert_eq!(d("-0.001", 3).ceil(), d("0", 0));
        assert_eq!(d("2.5", 1).cmp_exact(&d("2.50", 2)), Ordering::Equal);
        assert_eq!(d("-2.5", 1).cmp_exact(&d("-2.49", 2)), Ordering::Less);
    }

    #[test]
    fn value_stays_small() {
        assert_eq!(std::mem::size_of::<crate::Value>(), 24);
    }
}
