//! Java date-time patterns (`SimpleDateFormat` / `DateTimeFormatter.ofPattern` letters), as
//! Flink's `TO_TIMESTAMP(str, fmt)` and `DATE_FORMAT(ts, fmt)` take them.
//!
//! A pattern is compiled once into a token vector ([`JavaDateFormat::compile`]); parsing
//! then walks the tokens over the input bytes without allocating. Timestamps are epoch
//! milliseconds of a wall clock with no time zone (read as if it were UTC).
//!
//! Supported letters (English names only):
//!
//! | letter | meaning | forms |
//! |--------|---------|-------|
//! | `y` | year | `yy` two digits, read as 2000 + yy; `yyyy` exactly 4 digits; `y`/`yyy` 1–9 digits |
//! | `M` `L` | month | `M` 1–2 digits, `MM` 2 digits, `MMM` `Jul`, `MMMM` `July` |
//! | `d` | day of month | `d` 1–2 digits, `dd` 2 digits |
//! | `D` | day of year | `D` 1–3 digits, `DD` 2–3, `DDD` 3 |
//! | `E` | day of week | `E`..`EEE` `Tue`, `EEEE` `Tuesday` (checked against the date when parsing) |
//! | `H` `k` `K` `h` | hour 0–23, 1–24, 0–11, 1–12 | 1 letter = 1–2 digits, 2 letters = 2 digits |
//! | `a` | `AM` / `PM` | |
//! | `m` `s` | minute, second | as for hours |
//! | `S` | fraction of a second | exactly as many digits as letters, scaled to milliseconds (`SSS` = ms) |
//! | `G` | era | `AD` / `BC` |
//! | `X` `x` `Z` | zone offset | parsed as `Z`, `+HH`, `+HHMM`, `+HH:MM` (optionally with seconds) and converted to UTC; formatted as the zero offset (`Z`, `+0000`, …) |
//!
//! `'text'` is a literal, `''` a single quote, `[ … ]` an optional section (as in
//! `DateTimeFormatter`); any other non-letter character (including non-ASCII) is a
//! literal. Any other ASCII letter, or too many repetitions of one, is a compile error.
//!
//! Parsing is strict: the whole input (leading/trailing whitespace trimmed) must match,
//! fields are range-checked (Feb 30 is rejected), and missing parts default to 1970-01-01
//! 00:00:00.000. Names and `AM`/`PM` match ASCII case-insensitively.
//!
//! Not supported: week-based fields (`Y`, `w`, `W`, `u`, `e`, `c`, `F`), quarters (`Q`),
//! zone names and ids (`z`, `V`, `O`), nano/milli-of-day (`n`, `N`, `A`), narrow text forms
//! (5 letters), localized names, and Flink's fallback that re-reads a string which does not
//! match the pattern as `yyyy-[M]M-[d]d[ hh:mm:ss[.f]]` (see `parse`).

use std::fmt::Write as _;

use super::{
    civil_from_days, days_from_civil, days_in_month, from_civil, is_leap, parse_timestamp, to_civil, Civil,
    MILLIS_PER_DAY,
};

const MONTHS_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_FULL: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Monday first (ISO), matching [`day_of_week`].
const DAYS_SHORT: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAYS_FULL: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Largest year (of era) accepted when parsing, so that epoch milliseconds cannot overflow.
const MAX_YEAR: u32 = 99_999_999;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumField {
    Year,
    Month,
    Day,
    DayOfYear,
    /// `H`: 0–23.
    Hour23,
    /// `k`: 1–24 (24 is midnight).
    Hour24,
    /// `K`: 0–11.
    Hour11,
    /// `h`: 1–12.
    Hour12,
    Minute,
    Second,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(String),
    /// A number of `min..=max` digits when parsing, zero-padded to `pad` when formatting.
    Num {
        field: NumField,
        min: u8,
        max: u8,
        pad: u8,
    },
    /// `yy`: exactly two digits, 2000 + yy.
    Year2,
    MonthName {
        full: bool,
    },
    DayName {
        full: bool,
    },
    Era,
    AmPm,
    /// `S…`: exactly `digits` fraction digits.
    Fraction {
        digits: u8,
    },
    /// A zone offset; `zero` is what formatting prints (timestamps carry no zone).
    Offset {
        zero: &'static str,
    },
    Optional(Vec<Tok>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fast {
    None,
    /// `yyyy-MM-dd HH:mm:ss`
    DateTime,
    /// `yyyy-MM-dd`
    Date,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct JavaDateFormat {
    pattern: String,
    toks: Vec<Tok>,
    fast: Fast,
}

impl JavaDateFormat {
    /// Compile `pattern`; `Err` names the offending letter or construct.
    pub fn compile(pattern: &str) -> Result<Self, String> {
        let toks = compile_tokens(pattern)?;
        let fast = match pattern {
            "yyyy-MM-dd HH:mm:ss" => Fast::DateTime,
            "yyyy-MM-dd" => Fast::Date,
            _ => Fast::None,
        };
        Ok(JavaDateFormat {
            pattern: pattern.to_string(),
            toks,
            fast,
        })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Parse text into epoch milliseconds; `None` when it does not match the whole pattern.
    ///
    /// Unlike Flink, a string that does not match is not retried as `yyyy-[M]M-[d]d …`
    /// (Flink's `Timestamp.valueOf` fallback); callers that want it must do it themselves.
    pub fn parse(&self, s: &str) -> Option<i64> {
        let s = s.trim();
        match self.fast {
            // `parse_timestamp` also takes `HH:mm`, a fraction or a date alone; the exact
            // length rules those out, leaving exactly the strict pattern.
            Fast::DateTime if s.len() == 19 => return parse_timestamp(s, Some(b' ')),
            Fast::Date if s.len() == 10 => return parse_timestamp(s, Some(b' ')),
            Fast::DateTime | Fast::Date => return None,
            Fast::None => {}
        }
        let b = s.as_bytes();
        let mut pos = 0;
        let mut p = Parsed::default();
        parse_toks(&self.toks, b, &mut pos, &mut p)?;
        if pos != b.len() {
            return None;
        }
        p.resolve()
    }

    /// Parse the start of `s` as Java's `SimpleDateFormat.parse(String)` does (what Flink's
    /// `UNIX_TIMESTAMP(str, fmt)` and `DATE_FORMAT(str, …)` use): text after the pattern is
    /// ignored, so `2025-04-01 00:00:00.001` reads as `2025-04-01 00:00:00` with
    /// `yyyy-MM-dd HH:mm:ss`. Leading whitespace is not skipped.
    pub fn parse_prefix(&self, s: &str) -> Option<i64> {
        let b = s.as_bytes();
        let mut pos = 0;
        let mut p = Parsed::default();
        parse_toks(&self.toks, b, &mut pos, &mut p)?;
        p.resolve()
    }

    /// Format epoch milliseconds with the pattern.
    pub fn format(&self, ms: i64) -> String {
        let c = to_civil(ms);
        let days = ms.div_euclid(MILLIS_PER_DAY);
        let mut out = String::with_capacity(self.pattern.len() + 8);
        format_toks(&self.toks, &c, days, &mut out);
        out
    }
}

// ---------------------------------------------------------------------------------------
// Compiling

fn compile_tokens(pattern: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut cur: Vec<Tok> = Vec::new();
    // Enclosing sections while inside `[ … ]`.
    let mut outer: Vec<Vec<Tok>> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                let mut lit = String::new();
                let mut j = i + 1;
                if chars.get(j) == Some(&'\'') {
                    // `''` outside quotes: one quote.
                    lit.push('\'');
                    j += 1;
                } else {
                    loop {
                        match chars.get(j) {
                            None => return Err(format!("unterminated quoted literal in date format '{pattern}'")),
                            Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                                lit.push('\'');
                                j += 2;
                            }
                            Some('\'') => {
                                j += 1;
                                break;
                            }
                            Some(&ch) => {
                                lit.push(ch);
                                j += 1;
                            }
                        }
                    }
                }
                push_lit(&mut cur, &lit);
                i = j;
            }
            '[' => {
                outer.push(std::mem::take(&mut cur));
                i += 1;
            }
            ']' => {
                let Some(parent) = outer.pop() else {
                    return Err(format!("']' without a matching '[' in date format '{pattern}'"));
                };
                let inner = std::mem::replace(&mut cur, parent);
                cur.push(Tok::Optional(inner));
                i += 1;
            }
            '#' | '{' | '}' => return Err(format!("reserved character '{c}' in date format '{pattern}'")),
            c if c.is_ascii_alphabetic() => {
                let mut n = 1;
                while chars.get(i + n) == Some(&c) {
                    n += 1;
                }
                cur.push(letter_token(c, n, pattern)?);
                i += n;
            }
            c => {
                let mut buf = [0u8; 4];
                push_lit(&mut cur, c.encode_utf8(&mut buf));
                i += 1;
            }
        }
    }
    // An unclosed `[` runs to the end of the pattern, as in DateTimeFormatter.
    while let Some(parent) = outer.pop() {
        let inner = std::mem::replace(&mut cur, parent);
        cur.push(Tok::Optional(inner));
    }
    Ok(cur)
}

fn push_lit(toks: &mut Vec<Tok>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Tok::Lit(prev)) = toks.last_mut() {
        prev.push_str(s);
    } else {
        toks.push(Tok::Lit(s.to_string()));
    }
}

fn letter_token(c: char, n: usize, pattern: &str) -> Result<Tok, String> {
    use NumField::*;
    let num = |field, min: usize, max: usize, pad: usize| {
        Ok(Tok::Num {
            field,
            min: min as u8,
            max: max as u8,
            pad: pad as u8,
        })
    };
    let too_many = || {
        Err(format!(
            "too many pattern letters '{c}' ({n}) in date format '{pattern}'"
        ))
    };
    match c {
        'y' => match n {
            2 => Ok(Tok::Year2),
            1 | 3 => num(Year, n, 9, n),
            4..=9 => num(Year, n, n, n),
            _ => too_many(),
        },
        'M' | 'L' => match n {
            1 => num(Month, 1, 2, 1),
            2 => num(Month, 2, 2, 2),
            3 => Ok(Tok::MonthName { full: false }),
            4 => Ok(Tok::MonthName { full: true }),
            _ => too_many(),
        },
        'D' => match n {
            1..=3 => num(DayOfYear, n, 3, n),
            _ => too_many(),
        },
        'd' | 'H' | 'k' | 'K' | 'h' | 'm' | 's' => {
            let field = match c {
                'd' => Day,
                'H' => Hour23,
                'k' => Hour24,
                'K' => Hour11,
                'h' => Hour12,
                'm' => Minute,
                _ => Second,
            };
            match n {
                1 => num(field, 1, 2, 1),
                2 => num(field, 2, 2, 2),
                _ => too_many(),
            }
        }
        'S' => match n {
            1..=9 => Ok(Tok::Fraction { digits: n as u8 }),
            _ => too_many(),
        },
        'E' => match n {
            1..=3 => Ok(Tok::DayName { full: false }),
            4 => Ok(Tok::DayName { full: true }),
            _ => too_many(),
        },
        'a' => match n {
            1 => Ok(Tok::AmPm),
            _ => too_many(),
        },
        'G' => match n {
            1..=3 => Ok(Tok::Era),
            _ => too_many(),
        },
        'X' => match n {
            1..=3 => Ok(Tok::Offset { zero: "Z" }),
            _ => too_many(),
        },
        'x' => match n {
            1 => Ok(Tok::Offset { zero: "+00" }),
            2 => Ok(Tok::Offset { zero: "+0000" }),
            3 => Ok(Tok::Offset { zero: "+00:00" }),
            _ => too_many(),
        },
        'Z' => match n {
            1..=3 => Ok(Tok::Offset { zero: "+0000" }),
            5 => Ok(Tok::Offset { zero: "Z" }),
            _ => too_many(),
        },
        _ => Err(format!("unsupported pattern letter '{c}' in date format '{pattern}'")),
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

/// Fields seen so far; a field given twice must agree with itself.
#[derive(Debug, Clone, Copy, Default)]
struct Parsed {
    /// Year of era (or the `yy` year).
    year: Option<u32>,
    bc: Option<bool>,
    month: Option<u32>,
    day: Option<u32>,
    day_of_year: Option<u32>,
    /// 0 = Monday.
    day_of_week: Option<u32>,
    /// From `H`/`k`, 0–23.
    hour: Option<u32>,
    /// From `h`/`K`, 0–11.
    hour_of_ampm: Option<u32>,
    pm: Option<bool>,
    minute: Option<u32>,
    second: Option<u32>,
    millis: Option<u32>,
    /// Seconds east of UTC.
    offset: Option<i32>,
}

#[inline]
fn set<T: PartialEq + Copy>(slot: &mut Option<T>, v: T) -> Option<()> {
    match *slot {
        Some(old) if old != v => None,
        _ => {
            *slot = Some(v);
            Some(())
        }
    }
}

impl Parsed {
    fn resolve(&self) -> Option<i64> {
        let year = match (self.year, self.bc) {
            (Some(y), Some(true)) => 1 - y as i64,
            (Some(y), _) => y as i64,
            (None, _) => 1970,
        };
        let year_start = days_from_civil(year, 1, 1);
        let (month, day) = match (self.month, self.day, self.day_of_year) {
            (None, None, Some(doy)) => {
                if doy > if is_leap(year) { 366 } else { 365 } {
                    return None;
                }
                let (_, m, d) = civil_from_days(year_start + doy as i64 - 1);
                (m, d)
            }
            (m, d, doy) => {
                let m = m.unwrap_or(1);
                let d = d.unwrap_or(1);
                if d > days_in_month(year, m) {
                    return None;
                }
                if let Some(doy) = doy {
                    if days_from_civil(year, m, d) - year_start + 1 != doy as i64 {
                        return None;
                    }
                }
                (m, d)
            }
        };
        if let Some(dow) = self.day_of_week {
            if day_of_week(days_from_civil(year, month, day)) != dow as usize {
                return None;
            }
        }
        let hour = match (self.hour, self.hour_of_ampm, self.pm) {
            (Some(h), h12, pm) => {
                if h12.is_some_and(|x| x != h % 12) || pm.is_some_and(|pm| pm != (h >= 12)) {
                    return None;
                }
                h
            }
            (None, Some(h12), pm) => h12 + if pm == Some(true) { 12 } else { 0 },
            (None, None, pm) => {
                if pm == Some(true) {
                    12
                } else {
                    0
                }
            }
        };
        let c = Civil {
            year,
            month,
            day,
            hour,
            minute: self.minute.unwrap_or(0),
            second: self.second.unwrap_or(0),
            millis: self.millis.unwrap_or(0),
        };
        Some(from_civil(&c) - self.offset.unwrap_or(0) as i64 * 1000)
    }
}

/// Between `min` and `max` (≤ 9) ASCII digits, greedily.
#[inline]
fn number(b: &[u8], pos: &mut usize, min: u8, max: u8) -> Option<u32> {
    let start = *pos;
    let mut i = start;
    let mut v = 0u32;
    while i - start < max as usize {
        match b.get(i) {
            Some(&d) if d.is_ascii_digit() => {
                v = v * 10 + (d - b'0') as u32;
                i += 1;
            }
            _ => break,
        }
    }
    if i - start < min as usize {
        return None;
    }
    *pos = i;
    Some(v)
}

/// The first of `names` that the input continues with, ASCII case-insensitively.
fn name(b: &[u8], pos: &mut usize, names: &[&str]) -> Option<usize> {
    let rest = b.get(*pos..)?;
    for (i, n) in names.iter().enumerate() {
        let n = n.as_bytes();
        if rest.len() >= n.len() && rest[..n.len()].eq_ignore_ascii_case(n) {
            *pos += n.len();
            return Some(i);
        }
    }
    None
}

/// `Z`, or `±HH[[:]MM[[:]SS]]`, in seconds east of UTC.
fn offset(b: &[u8], pos: &mut usize) -> Option<i32> {
    let sign = match b.get(*pos)? {
        b'Z' | b'z' => {
            *pos += 1;
            return Some(0);
        }
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let mut i = *pos + 1;
    let hours = number(b, &mut i, 2, 2)?;
    let mut secs = hours * 3600;
    // Minutes, then seconds, each optionally after a colon.
    for (unit, limit) in [(60, 59), (1, 59)] {
        let mut j = i;
        if b.get(j) == Some(&b':') {
            j += 1;
        }
        match number(b, &mut j, 2, 2) {
            Some(v) if v <= limit => {
                secs += v * unit;
                i = j;
            }
            Some(_) => return None,
            None => break,
        }
    }
    if hours > 18 {
        return None;
    }
    *pos = i;
    Some(sign * secs as i32)
}

fn parse_toks(toks: &[Tok], b: &[u8], pos: &mut usize, p: &mut Parsed) -> Option<()> {
    for t in toks {
        match t {
            Tok::Lit(lit) => {
                let lit = lit.as_bytes();
                if !b.get(*pos..)?.starts_with(lit) {
                    return None;
                }
                *pos += lit.len();
            }
            Tok::Num { field, min, max, .. } => {
                let v = number(b, pos, *min, *max)?;
                match field {
                    NumField::Year if v <= MAX_YEAR => set(&mut p.year, v)?,
                    NumField::Month if (1..=12).contains(&v) => set(&mut p.month, v)?,
                    NumField::Day if (1..=31).contains(&v) => set(&mut p.day, v)?,
                    NumField::DayOfYear if (1..=366).contains(&v) => set(&mut p.day_of_year, v)?,
                    NumField::Hour23 if v <= 23 => set(&mut p.hour, v)?,
                    NumField::Hour24 if (1..=24).contains(&v) => set(&mut p.hour, v % 24)?,
                    NumField::Hour11 if v <= 11 => set(&mut p.hour_of_ampm, v)?,
                    NumField::Hour12 if (1..=12).contains(&v) => set(&mut p.hour_of_ampm, v % 12)?,
                    NumField::Minute if v <= 59 => set(&mut p.minute, v)?,
                    NumField::Second if v <= 59 => set(&mut p.second, v)?,
                    _ => return None,
                }
            }
            Tok::Year2 => {
                let v = number(b, pos, 2, 2)?;
                set(&mut p.year, 2000 + v)?;
            }
            Tok::MonthName { full } => {
                let names = if *full { &MONTHS_FULL } else { &MONTHS_SHORT };
                let m = name(b, pos, names)?;
                set(&mut p.month, m as u32 + 1)?;
            }
            Tok::DayName { full } => {
                let names = if *full { &DAYS_FULL } else { &DAYS_SHORT };
                let d = name(b, pos, names)?;
                set(&mut p.day_of_week, d as u32)?;
            }
            Tok::Era => {
                let e = name(b, pos, &["AD", "BC"])?;
                set(&mut p.bc, e == 1)?;
            }
            Tok::AmPm => {
                let a = name(b, pos, &["AM", "PM"])?;
                set(&mut p.pm, a == 1)?;
            }
            Tok::Fraction { digits } => {
                let v = number(b, pos, *digits, *digits)?;
                let ms = if *digits <= 3 {
                    v * 10u32.pow(3 - *digits as u32)
                } else {
                    v / 10u32.pow(*digits as u32 - 3)
                };
                set(&mut p.millis, ms)?;
            }
            Tok::Offset { .. } => {
                let o = offset(b, pos)?;
                set(&mut p.offset, o)?;
            }
            Tok::Optional(inner) => {
                let (saved_pos, saved) = (*pos, *p);
                if parse_toks(inner, b, pos, p).is_none() {
                    *pos = saved_pos;
                    *p = saved;
                }
            }
        }
    }
    Some(())
}

// ---------------------------------------------------------------------------------------
// Formatting

/// 0 = Monday; 1970-01-01 was a Thursday.
#[inline]
fn day_of_week(days: i64) -> usize {
    (days + 3).rem_euclid(7) as usize
}

/// Java's year of era: 1 BC is year 0 in the proleptic calendar.
#[inline]
fn year_of_era(year: i64) -> i64 {
    if year <= 0 {
        1 - year
    } else {
        year
    }
}

fn format_toks(toks: &[Tok], c: &Civil, days: i64, out: &mut String) {
    for t in toks {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Num { field, pad, .. } => {
                let v: i64 = match field {
                    NumField::Year => year_of_era(c.year),
                    NumField::Month => c.month as i64,
                    NumField::Day => c.day as i64,
                    NumField::DayOfYear => days - days_from_civil(c.year, 1, 1) + 1,
                    NumField::Hour23 => c.hour as i64,
                    NumField::Hour24 => {
                        if c.hour == 0 {
                            24
                        } else {
                            c.hour as i64
                        }
                    }
                    NumField::Hour11 => (c.hour % 12) as i64,
                    NumField::Hour12 => match c.hour % 12 {
                        0 => 12,
                        h => h as i64,
                    },
                    NumField::Minute => c.minute as i64,
                    NumField::Second => c.second as i64,
                };
                // DateTimeFormatter prints a '+' when a 4+ letter year overflows its width.
                if *field == NumField::Year && *pad >= 4 && v >= 10i64.pow(*pad as u32) {
                    out.push('+');
                }
                let _ = write!(out, "{v:0w$}", w = *pad as usize);
            }
            Tok::Year2 => {
                let _ = write!(out, "{:02}", year_of_era(c.year) % 100);
            }
            Tok::MonthName { full } => {
                let i = (c.month as usize + 11) % 12;
                out.push_str(if *full { MONTHS_FULL[i] } else { MONTHS_SHORT[i] });
            }
            Tok::DayName { full } => {
                let i = day_of_week(days);
                out.push_str(if *full { DAYS_FULL[i] } else { DAYS_SHORT[i] });
            }
            Tok::Era => out.push_str(if c.year <= 0 { "BC" } else { "AD" }),
            Tok::AmPm => out.push_str(if c.hour < 12 { "AM" } else { "PM" }),
            Tok::Fraction { digits } => {
                let n = *digits as u32;
                let v = if n <= 3 {
                    c.millis as u64 / 10u64.pow(3 - n)
                } else {
                    c.millis as u64 * 10u64.pow(n - 3)
                };
                let _ = write!(out, "{v:0w$}", w = n as usize);
            }
            Tok::Offset { zero } => out.push_str(zero),
            Tok::Optional(inner) => format_toks(inner, c, days, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> i64 {
        from_civil(&Civil {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            millis: ms,
        })
    }

    fn f(p: &str) -> JavaDateFormat {
        JavaDateFormat::compile(p).unwrap()
    }

    /// The same pattern without the fast path.
    fn general(p: &str) -> JavaDateFormat {
        JavaDateFormat {
            fast: Fast::None,
            ..f(p)
        }
    }

    #[test]
    fn flagship_pattern() {
        let p = f("yyyy-MM-dd HH:mm:ss");
        assert_eq!(p.pattern(), "yyyy-MM-dd HH:mm:ss");
        assert_eq!(p.parse("2025-07-01 09:10:09"), Some(ts(2025, 7, 1, 9, 10, 9, 0)));
        assert_eq!(p.parse("  2025-07-01 09:10:09 \n"), Some(ts(2025, 7, 1, 9, 10, 9, 0)));
        assert_eq!(p.parse("2024-02-29 23:59:59"), Some(ts(2024, 2, 29, 23, 59, 59, 0)));
        for bad in [
            "2025-13-01 00:00:00",
            "2025-00-01 00:00:00",
            "2025-02-30 00:00:00",
            "2025-02-29 00:00:00",
            "2025-04-31 00:00:00",
            "2025-07-01 24:00:00",
            "2025-07-01 09:60:00",
            "2025-07-01 09:00:60",
            "2025-07-01 09:00:00x",
            "2025-07-01 09:00:00 x",
            "2025-07-01 09:00:00.123",
            "2025-07-01 09:00:00.",
            "2025-07-01T09:00:00",
            "2025-07-01T09:00:00Z",
            "2025-07-01 09:00",
            "2025-07-01",
            "2025-7-1 09:00:00",
            "2025-07-01  9:00:00",
            "20250-07-01 09:00:00",
            "",
            "garbage",
        ] {
            assert_eq!(p.parse(bad), None, "{bad}");
            assert_eq!(general("yyyy-MM-dd HH:mm:ss").parse(bad), None, "{bad}");
        }
        assert_eq!(p.format(ts(2025, 7, 1, 9, 10, 9, 999)), "2025-07-01 09:10:09");
        assert_eq!(p.format(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn fast_paths_agree_with_general_path() {
        for pat in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"] {
            let (fast, slow) = (f(pat), general(pat));
            assert_ne!(fast.fast, Fast::None);
            for s in [
                "2025-07-01 09:10:09",
                "2025-07-01",
                "0001-01-01 00:00:00",
                "9999-12-31 23:59:59",
                "1900-02-29 00:00:00",
                "2000-02-29",
                "2025-07-01 09:10:09.5",
                "2025-07-01 09:10",
                " 2025-07-01 ",
                "2025-07-01 09:10:0a",
                "2025/07/01",
            ] {
                assert_eq!(fast.parse(s), slow.parse(s), "{pat} on {s}");
            }
        }
        assert_eq!(f("yyyy-MM-dd").parse("2025-07-01"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
    }

    #[test]
    fn slashes() {
        let p = f("yyyy/MM/dd");
        assert_eq!(p.parse("2025/07/01"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
        assert_eq!(p.parse("2025/7/01"), None);
        assert_eq!(p.parse("2025-07-01"), None);
        assert_eq!(p.parse("2025/07/01 00:00"), None);
        assert_eq!(p.format(ts(2025, 7, 1, 23, 0, 0, 0)), "2025/07/01");
    }

    #[test]
    fn month_names() {
        let p = f("dd-MMM-yyyy HH:mm");
        let t = ts(2025, 7, 1, 9, 30, 0, 0);
        assert_eq!(p.parse("01-Jul-2025 09:30"), Some(t));
        assert_eq!(p.parse("01-JUL-2025 09:30"), Some(t));
        assert_eq!(p.parse("01-July-2025 09:30"), None);
        assert_eq!(p.parse("01-Foo-2025 09:30"), None);
        assert_eq!(p.parse("31-Jun-2025 09:30"), None);
        assert_eq!(p.format(t), "01-Jul-2025 09:30");
        let full = f("MMMM d, yyyy");
        assert_eq!(full.format(t), "July 1, 2025");
        assert_eq!(full.parse("July 1, 2025"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
        assert_eq!(full.parse("September 30, 2025"), Some(ts(2025, 9, 30, 0, 0, 0, 0)));
    }

    #[test]
    fn iso_with_millis() {
        let p = f("yyyy-MM-dd'T'HH:mm:ss.SSS");
        let t = ts(2025, 7, 1, 9, 0, 0, 123);
        assert_eq!(p.parse("2025-07-01T09:00:00.123"), Some(t));
        assert_eq!(p.parse("2025-07-01T09:00:00.12"), None);
        assert_eq!(p.parse("2025-07-01T09:00:00.1234"), None);
        assert_eq!(p.parse("2025-07-01T09:00:00"), None);
        assert_eq!(p.parse("2025-07-01 09:00:00.123"), None);
        assert_eq!(p.format(t), "2025-07-01T09:00:00.123");
        assert_eq!(p.format(ts(2025, 7, 1, 9, 0, 0, 5)), "2025-07-01T09:00:00.005");
    }

    #[test]
    fn fractions() {
        let one = f("ss.S");
        assert_eq!(one.parse("05.5"), Some(5_500));
        assert_eq!(one.parse("05.55"), None);
        assert_eq!(one.format(5_567), "05.5");
        let six = f("ss.SSSSSS");
        assert_eq!(six.parse("05.123456"), Some(5_123));
        assert_eq!(six.format(5_123), "05.123000");
    }

    #[test]
    fn compact_digits() {
        let p = f("yyyyMMddHHmmss");
        let t = ts(2025, 7, 1, 9, 10, 9, 0);
        assert_eq!(p.parse("20250701091009"), Some(t));
        assert_eq!(p.parse("2025070109100"), None);
        assert_eq!(p.parse("202507010910090"), None);
        assert_eq!(p.parse("20251301091009"), None);
        assert_eq!(p.format(t), "20250701091009");
    }

    #[test]
    fn twelve_hour_clock() {
        let p = f("hh:mm a");
        assert_eq!(p.parse("09:30 PM"), Some(ts(1970, 1, 1, 21, 30, 0, 0)));
        assert_eq!(p.parse("09:30 am"), Some(ts(1970, 1, 1, 9, 30, 0, 0)));
        assert_eq!(p.parse("12:00 AM"), Some(0));
        assert_eq!(p.parse("12:00 PM"), Some(ts(1970, 1, 1, 12, 0, 0, 0)));
        assert_eq!(p.parse("13:00 PM"), None);
        assert_eq!(p.parse("00:00 AM"), None);
        assert_eq!(p.parse("09:30"), None);
        assert_eq!(p.format(ts(2025, 7, 1, 21, 30, 0, 0)), "09:30 PM");
        assert_eq!(p.format(ts(2025, 7, 1, 0, 5, 0, 0)), "12:05 AM");
        assert_eq!(p.format(ts(2025, 7, 1, 12, 5, 0, 0)), "12:05 PM");
        let q = f("h:mm a");
        assert_eq!(q.parse("9:05 pm"), Some(ts(1970, 1, 1, 21, 5, 0, 0)));
        assert_eq!(q.format(ts(1970, 1, 1, 21, 5, 0, 0)), "9:05 PM");
        // H and a must agree.
        assert_eq!(f("HH a").parse("21 PM"), Some(ts(1970, 1, 1, 21, 0, 0, 0)));
        assert_eq!(f("HH a").parse("21 AM"), None);
        assert_eq!(f("k:mm").format(0), "24:00");
        assert_eq!(f("k:mm").parse("24:00"), Some(0));
        assert_eq!(f("K:mm a").format(ts(1970, 1, 1, 12, 0, 0, 0)), "0:00 PM");
    }

    #[test]
    fn one_letter_fields_take_one_or_two_digits() {
        let p = f("M/d/yyyy H:m:s");
        let t = ts(2025, 7, 1, 9, 5, 3, 0);
        assert_eq!(p.parse("7/1/2025 9:5:3"), Some(t));
        assert_eq!(p.parse("07/01/2025 09:05:03"), Some(t));
        assert_eq!(p.parse("123/1/2025 9:5:3"), None);
        assert_eq!(p.parse("7/1/25 9:5:3"), None);
        assert_eq!(p.format(t), "7/1/2025 9:5:3");
        assert_eq!(p.format(ts(2025, 12, 31, 23, 59, 59, 0)), "12/31/2025 23:59:59");
    }

    #[test]
    fn defaults_for_missing_parts() {
        assert_eq!(f("HH:mm").parse("09:30"), Some(ts(1970, 1, 1, 9, 30, 0, 0)));
        assert_eq!(f("yyyy").parse("2025"), Some(ts(2025, 1, 1, 0, 0, 0, 0)));
        assert_eq!(f("yyyy-MM").parse("2025-07"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
        assert_eq!(f("").parse(""), Some(0));
        assert_eq!(f("").parse("x"), None);
    }

    #[test]
    fn two_digit_year() {
        let p = f("yy-MM-dd");
        assert_eq!(p.parse("25-07-01"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
        assert_eq!(p.parse("99-07-01"), Some(ts(2099, 7, 1, 0, 0, 0, 0)));
        assert_eq!(p.parse("2025-07-01"), None);
        assert_eq!(p.format(ts(1999, 7, 1, 0, 0, 0, 0)), "99-07-01");
    }

    #[test]
    fn quotes_and_literals() {
        let p = f("yyyy''MM");
        assert_eq!(p.format(ts(2025, 7, 1, 0, 0, 0, 0)), "2025'07");
        assert_eq!(p.parse("2025'07"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
        let q = f("h 'o''clock' a");
        assert_eq!(q.format(ts(1970, 1, 1, 15, 0, 0, 0)), "3 o'clock PM");
        assert_eq!(q.parse("3 o'clock PM"), Some(ts(1970, 1, 1, 15, 0, 0, 0)));
        let cn = f("yyyy年MM月dd日");
        let t = ts(2025, 7, 1, 0, 0, 0, 0);
        assert_eq!(cn.format(t), "2025年07月01日");
        assert_eq!(cn.parse("2025年07月01日"), Some(t));
        assert_eq!(cn.parse("2025-07-01"), None);
    }

    #[test]
    fn day_of_year_and_week() {
        let t = ts(2025, 7, 1, 0, 0, 0, 0);
        assert_eq!(f("yyyy-DDD").parse("2025-182"), Some(t));
        assert_eq!(f("yyyy-DDD").format(t), "2025-182");
        assert_eq!(f("yyyy-D").format(ts(2025, 1, 9, 0, 0, 0, 0)), "2025-9");
        assert_eq!(f("yyyy-DDD").parse("2025-366"), None);
        assert_eq!(f("yyyy-DDD").parse("2024-366"), Some(ts(2024, 12, 31, 0, 0, 0, 0)));
        assert_eq!(f("yyyy-MM-dd DDD").parse("2025-07-01 182"), Some(t));
        assert_eq!(f("yyyy-MM-dd DDD").parse("2025-07-01 183"), None);
        let e = f("EEE, dd MMM yyyy HH:mm:ss");
        assert_eq!(e.format(t), "Tue, 01 Jul 2025 00:00:00");
        assert_eq!(e.parse("Tue, 01 Jul 2025 00:00:00"), Some(t));
        assert_eq!(e.parse("Wed, 01 Jul 2025 00:00:00"), None);
        assert_eq!(f("EEEE").format(0), "Thursday");
        assert_eq!(f("EEEE").format(-1), "Wednesday");
    }

    #[test]
    fn zone_offsets() {
        let p = f("yyyy-MM-dd'T'HH:mm:ssXXX");
        let utc = ts(2025, 7, 1, 0, 0, 0, 0);
        assert_eq!(p.parse("2025-07-01T09:00:00+09:00"), Some(utc));
        assert_eq!(p.parse("2025-06-30T19:30:00-04:30"), Some(utc));
        assert_eq!(p.parse("2025-07-01T00:00:00Z"), Some(utc));
        assert_eq!(p.parse("2025-07-01T00:00:00"), None);
        assert_eq!(p.parse("2025-07-01T00:00:00+9:00"), None);
        assert_eq!(p.parse("2025-07-01T00:00:00+19:00"), None);
        assert_eq!(p.format(utc), "2025-07-01T00:00:00Z");
        let z = f("yyyy-MM-dd HH:mm:ss Z");
        assert_eq!(z.parse("2025-07-01 09:00:00 +0900"), Some(utc));
        assert_eq!(z.format(utc), "2025-07-01 00:00:00 +0000");
        assert_eq!(f("HHX").parse("09+09"), Some(0));
    }

    #[test]
    fn optional_sections() {
        let p = f("yyyy-MM-dd[ HH:mm[:ss]]");
        assert_eq!(p.parse("2025-07-01"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
        assert_eq!(p.parse("2025-07-01 09:30"), Some(ts(2025, 7, 1, 9, 30, 0, 0)));
        assert_eq!(p.parse("2025-07-01 09:30:15"), Some(ts(2025, 7, 1, 9, 30, 15, 0)));
        assert_eq!(p.parse("2025-07-01 09"), None);
        assert_eq!(p.format(ts(2025, 7, 1, 9, 30, 15, 0)), "2025-07-01 09:30:15");
        assert_eq!(f("yyyy[-MM").parse("2025-07"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
    }

    #[test]
    fn repeated_fields_must_agree() {
        let p = f("yyyy-MM-dd (yyyy)");
        assert_eq!(p.parse("2025-07-01 (2025)"), Some(ts(2025, 7, 1, 0, 0, 0, 0)));
        assert_eq!(p.parse("2025-07-01 (2026)"), None);
    }

    #[test]
    fn eras_and_large_years() {
        let p = f("yyyy-MM-dd G");
        assert_eq!(p.format(ts(2025, 7, 1, 0, 0, 0, 0)), "2025-07-01 AD");
        assert_eq!(p.format(ts(0, 7, 1, 0, 0, 0, 0)), "0001-07-01 BC");
        assert_eq!(p.parse("0001-07-01 BC"), Some(ts(0, 7, 1, 0, 0, 0, 0)));
        assert_eq!(f("yyyy-MM-dd").format(ts(12025, 7, 1, 0, 0, 0, 0)), "+12025-07-01");
        assert_eq!(f("y").format(ts(12025, 7, 1, 0, 0, 0, 0)), "12025");
        assert_eq!(f("y").parse("12025"), Some(ts(12025, 1, 1, 0, 0, 0, 0)));
        assert_eq!(f("y").parse("999999999"), None);
        assert!(!f("yyyy").format(i64::MIN).is_empty());
        assert!(!f("yyyy").format(i64::MAX).is_empty());
    }

    #[test]
    fn round_trips() {
        let patterns = [
            ("yyyy-MM-dd HH:mm:ss", 1000),
            ("yyyy-MM-dd'T'HH:mm:ss.SSS", 1),
            ("yyyyMMddHHmmssSSS", 1),
            ("dd-MMM-yyyy HH:mm", 60_000),
            ("EEEE, MMMM d, yyyy h:mm:ss.SS a", 10),
            ("yyyy-DDD HH:mm:ss.SSSSSS", 1),
            ("M/d/yy k:m:s", 1000),
            ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 1),
            ("yyyy-MM-dd HH:mm:ss.SSS Z", 1),
        ];
        let values = [
            0,
            1,
            ts(2025, 7, 1, 9, 10, 9, 999),
            ts(2024, 2, 29, 23, 59, 59, 1),
            ts(2000, 12, 31, 12, 0, 0, 500),
            ts(2099, 1, 1, 0, 0, 0, 0),
            ts(2001, 11, 11, 11, 11, 11, 111),
        ];
        for (pat, unit) in patterns {
            let p = f(pat);
            for v in values {
                if pat.contains("yy ") && !(2000..2100).contains(&to_civil(v).year) {
                    continue; // `yy` reads back as 20yy
                }
                let text = p.format(v);
                assert_eq!(p.parse(&text), Some(v - v % unit), "{pat}: {text}");
            }
        }
        // Before 1970 too, for patterns with four-digit years.
        let p = f("yyyy-MM-dd HH:mm:ss.SSS");
        for v in [-1, -86_400_001, ts(1900, 3, 1, 1, 2, 3, 4)] {
            assert_eq!(p.parse(&p.format(v)), Some(v));
        }
    }

    #[test]
    fn compile_errors() {
        let e = JavaDateFormat::compile("yyyy-qq").unwrap_err();
        assert!(e.contains("'q'"), "{e}");
        for bad in [
            "yyyy-MM-dd 'T",
            "yyyy]",
            "ddd",
            "HHH",
            "MMMMM",
            "aa",
            "Y",
            "w",
            "z",
            "yyyy#",
        ] {
            assert!(JavaDateFormat::compile(bad).is_err(), "{bad}");
        }
    }
}
