//! Date and time functions, with Flink 2.3's answers (checked on the `functions_temporal`
//! golden case, session time zone UTC).
//!
//! Some answers are Flink's quirks, kept because they are what Flink writes:
//! * `UNIX_TIMESTAMP(str [, fmt])` parses as `SimpleDateFormat` does (the start of the text
//!   must match; the rest is ignored) and gives `-9223372036854775808` (Java's
//!   `Long.MIN_VALUE`) for text that does not parse; `TO_DATE(str, fmt)` then turns that
//!   value into the date `+1705471-09-27`.
//! * `TIMESTAMPDIFF(SECOND …)` wraps around as a Java `int`, and `WEEK` divides that
//!   wrapped number of seconds.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use newsflow_common::time::{self, days_from_civil, days_in_month, JavaDateFormat, MILLIS_PER_DAY};
use newsflow_common::{DataType, Value};

use super::{ret_bigint, ret_int, ret_string, Builtin};

pub const FUNCS: &[Builtin] = &[
    Builtin::strict("QUARTER", 1, 1, ret_bigint, |a| field(a, Field::Quarter)),
    Builtin::strict("WEEK", 1, 1, ret_bigint, |a| field(a, Field::Week)),
    Builtin::strict("DAYOFYEAR", 1, 1, ret_bigint, |a| field(a, Field::DayOfYear)),
    Builtin::strict("DAYOFWEEK", 1, 1, ret_bigint, |a| field(a, Field::DayOfWeek)),
    Builtin::strict("TIMESTAMPADD", 3, 3, ret_timestampadd, timestampadd),
    Builtin::strict("TIMESTAMPDIFF", 3, 3, ret_int, timestampdiff),
    Builtin::strict("UNIX_TIMESTAMP", 1, 2, ret_bigint, unix_timestamp),
    Builtin::strict("FROM_UNIXTIME", 1, 2, ret_string, from_unixtime),
    Builtin::strict("TO_DATE", 1, 2, ret_date, to_date),
    Builtin::strict("CONVERT_TZ", 3, 3, ret_string, convert_tz),
];

/// EXTRACT units that have no function of their own.
pub const EXTRACT_ONLY: &[Builtin] = &[
    Builtin::strict("EXTRACT_MILLISECOND", 1, 1, ret_bigint, |a| {
        field(a, Field::Millisecond)
    }),
    Builtin::strict("EXTRACT_EPOCH", 1, 1, ret_bigint, |a| field(a, Field::Epoch)),
    Builtin::strict("EXTRACT_CENTURY", 1, 1, ret_bigint, |a| field(a, Field::Century)),
];

/// TO_TIMESTAMP_LTZ(epoch, precision) with a number: precision 0 reads seconds, 3
/// milliseconds.
pub const TO_TIMESTAMP_LTZ_NUMERIC: Builtin =
    Builtin::strict("TO_TIMESTAMP_LTZ", 1, 2, ret_ltz, to_timestamp_ltz_numeric);

/// TO_TIMESTAMP_LTZ(str, format, zone): the wall-clock time `str` in `zone`.
pub const TO_TIMESTAMP_LTZ_ZONE: Builtin = Builtin::strict("TO_TIMESTAMP_LTZ", 3, 3, ret_ltz, to_timestamp_ltz_zone);

/// The function EXTRACT(unit FROM x) maps to, by unit name.
pub fn extract_function(unit: &str) -> Option<&'static Builtin> {
    let name = match unit {
        "QUARTER" => "QUARTER",
        "WEEK" => "WEEK",
        "DOW" | "DAYOFWEEK" => "DAYOFWEEK",
        "DOY" | "DAYOFYEAR" => "DAYOFYEAR",
        "MILLISECOND" => "EXTRACT_MILLISECOND",
        "EPOCH" => "EXTRACT_EPOCH",
        "CENTURY" => "EXTRACT_CENTURY",
        _ => return None,
    };
    FUNCS.iter().chain(EXTRACT_ONLY).find(|b| b.name == name)
}

fn ret_date(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::Date)
}

fn ret_ltz(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::TimestampLtz(3))
}

fn ret_timestampadd(args: &[DataType]) -> Result<DataType, String> {
    match &args[2] {
        t @ (DataType::Timestamp(_) | DataType::TimestampLtz(_) | DataType::Date) => Ok(t.clone()),
        DataType::Null => Ok(DataType::Timestamp(3)),
        t => Err(format!("expects a TIMESTAMP or DATE as third argument, got {t}")),
    }
}

#[derive(Clone, Copy)]
enum Field {
    Quarter,
    Week,
    DayOfYear,
    DayOfWeek,
    Millisecond,
    Epoch,
    Century,
}

fn millis_of(v: &Value) -> Option<i64> {
    match v {
        Value::Timestamp(t) => Some(*t),
        Value::Date(d) => Some(*d as i64 * MILLIS_PER_DAY),
        // EXTRACT(MILLISECOND FROM t) of a TIME (the only field the compiler lets through)
        Value::Time(t) => Some(*t as i64),
        _ => None,
    }
}

/// ISO-8601 week of the year (weeks start on Monday; week 1 holds the year's first Thursday).
fn iso_week(days: i64) -> i64 {
    let dow = (days + 3).rem_euclid(7); // Monday = 0
    let thursday = days - dow + 3;
    let (y, _, _) = time::civil_from_days(thursday);
    let jan1 = days_from_civil(y, 1, 1);
    (thursday - jan1) / 7 + 1
}

fn field(a: &[Value], f: Field) -> Value {
    let Some(ms) = millis_of(&a[0]) else { return Value::Null };
    let days = ms.div_euclid(MILLIS_PER_DAY);
    let c = time::to_civil(ms);
    Value::BigInt(match f {
        Field::Quarter => (c.month as i64 - 1) / 3 + 1,
        Field::Week => iso_week(days),
        Field::DayOfYear => days - days_from_civil(c.year, 1, 1) + 1,
        // Sunday = 1 … Saturday = 7
        Field::DayOfWeek => (days + 4).rem_euclid(7) + 1,
        Field::Millisecond => c.millis as i64,
        // Java's integer division: toward zero
        Field::Epoch => ms / 1000,
        Field::Century => {
            if c.year > 0 {
                (c.year + 99) / 100
            } else {
                (c.year - 99) / 100
            }
        }
    })
}

/// Add months to epoch milliseconds, keeping the time of day and clamping the day to the
/// end of the month (Jan 31 + 1 month = Feb 28/29).
fn add_months(ms: i64, months: i64) -> i64 {
    let days = ms.div_euclid(MILLIS_PER_DAY);
    let rem = ms.rem_euclid(MILLIS_PER_DAY);
    add_months_days(days, months) * MILLIS_PER_DAY + rem
}

fn add_months_days(days: i64, months: i64) -> i64 {
    let (y, m, d) = time::civil_from_days(days);
    let total = y * 12 + (m as i64 - 1) + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    days_from_civil(ny, nm, d.min(days_in_month(ny, nm)))
}

fn unit_of(v: &Value) -> Option<String> {
    v.as_str().map(|u| u.trim().to_ascii_uppercase())
}

/// Months in a unit, or milliseconds in a unit.
enum Step {
    Months(i64),
    Millis(i64),
}

fn step(unit: &str) -> Option<Step> {
    Some(match unit.trim_start_matches("SQL_TSI_") {
        "YEAR" => Step::Months(12),
        "QUARTER" => Step::Months(3),
        "MONTH" => Step::Months(1),
        "WEEK" => Step::Millis(7 * MILLIS_PER_DAY),
        "DAY" => Step::Millis(MILLIS_PER_DAY),
        "HOUR" => Step::Millis(3_600_000),
        "MINUTE" => Step::Millis(60_000),
        "SECOND" => Step::Millis(1000),
        "MILLISECOND" => Step::Millis(1),
        _ => return None,
    })
}

/// Whether `unit` is a TIMESTAMPADD/TIMESTAMPDIFF unit (checked when planning).
pub fn is_time_unit(unit: &str) -> bool {
    step(&unit.to_ascii_uppercase()).is_some()
}

/// TIMESTAMPADD(unit, n, t): a DATE stays a DATE (a DATE plus hours is still whole days in
/// Flink only for DAY and longer units; shorter units are refused when planning).
fn timestampadd(a: &[Value]) -> Value {
    let (Some(unit), Some(n)) = (unit_of(&a[0]), a[1].as_i64()) else {
        return Value::Null;
    };
    let Some(st) = step(&unit) else { return Value::Null };
    match (&a[2], st) {
        (Value::Timestamp(t), Step::Months(m)) => Value::Timestamp(add_months(*t, n * m)),
        (Value::Timestamp(t), Step::Millis(u)) => Value::Timestamp(t + n * u),
        (Value::Date(d), Step::Months(m)) => Value::Date(add_months_days(*d as i64, n * m) as i32),
        (Value::Date(d), Step::Millis(u)) => {
            Value::Date((*d as i64 * MILLIS_PER_DAY + n * u).div_euclid(MILLIS_PER_DAY) as i32)
        }
        _ => Value::Null,
    }
}

/// Calcite's `subtractMonths` on days: whole months from `d1` to `d0` (d0 >= d1).
fn months_between_days(d0: i64, d1: i64) -> i64 {
    if d0 < d1 {
        return -months_between_days(d1, d0);
    }
    let mut m = (d0 - d1) / 31;
    loop {
        if add_months_days(d1, m) >= d0 {
            return m;
        }
        if add_months_days(d1, m + 1) > d0 {
            return m;
        }
        m += 1;
    }
}

/// Calcite's `subtractMonths` on timestamps: as on days, one less when the end day is
/// reached but its time of day is earlier.
fn months_between(t0: i64, t1: i64) -> i64 {
    let (m0, m1) = (t0.rem_euclid(MILLIS_PER_DAY), t1.rem_euclid(MILLIS_PER_DAY));
    let (d0, d1) = (t0.div_euclid(MILLIS_PER_DAY), t1.div_euclid(MILLIS_PER_DAY));
    let mut x = months_between_days(d0, d1);
    if add_months_days(d1, x) == d0 && m0 < m1 {
        x -= 1;
    }
    x
}

/// TIMESTAMPDIFF(unit, a, b): whole units from a to b, as an INT.
fn timestampdiff(a: &[Value]) -> Value {
    let Some(unit) = unit_of(&a[0]) else { return Value::Null };
    let (Some(t1), Some(t2)) = (millis_of(&a[1]), millis_of(&a[2])) else {
        return Value::Null;
    };
    let Some(st) = step(&unit) else { return Value::Null };
    let v = match st {
        Step::Months(per) => months_between(t2, t1) / per,
        Step::Millis(_) => {
            let diff = t2 - t1;
            match unit.trim_start_matches("SQL_TSI_") {
                "SECOND" => (diff / 1000) as i32 as i64,
                "WEEK" => ((diff / 1000) as i32 / 604_800) as i64,
                "MILLISECOND" => diff,
                "MINUTE" => diff / 60_000,
                "HOUR" => diff / 3_600_000,
                _ => diff / MILLIS_PER_DAY,
            }
        }
    };
    Value::Int(v as i32)
}

thread_local! {
    static FORMATS: RefCell<HashMap<String, Option<Arc<JavaDateFormat>>>> = RefCell::new(HashMap::new());
}

/// A compiled Java date pattern, cached per thread; `None` if the pattern is not supported.
fn format_of(pattern: &str) -> Option<Arc<JavaDateFormat>> {
    FORMATS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 64 {
            c.clear();
        }
        c.entry(pattern.to_string())
            .or_insert_with(|| JavaDateFormat::compile(pattern).ok().map(Arc::new))
            .clone()
    })
}

const DEFAULT_PATTERN: &str = "yyyy-MM-dd HH:mm:ss";

/// `SimpleDateFormat`-style parse of the start of `s` (see the module comment).
pub fn parse_like_simple_date_format(s: &str, pattern: &str) -> Option<i64> {
    format_of(pattern)?.parse_prefix(s)
}

/// UNIX_TIMESTAMP(str [, fmt]): seconds since the epoch (UTC), Long.MIN_VALUE for text that
/// does not parse.
fn unix_timestamp(a: &[Value]) -> Value {
    let Some(x) = a[0].as_str() else { return Value::Null };
    let pattern = match a.get(1) {
        Some(p) => match p.as_str() {
            Some(p) => p,
            None => return Value::Null,
        },
        None => DEFAULT_PATTERN,
    };
    Value::BigInt(
        parse_like_simple_date_format(x, pattern)
            .map(|ms| ms.div_euclid(1000))
            .unwrap_or(i64::MIN),
    )
}

/// FROM_UNIXTIME(seconds [, fmt]): the UTC time as text (default `yyyy-MM-dd HH:mm:ss`).
fn from_unixtime(a: &[Value]) -> Value {
    let Some(secs) = a[0].as_i64() else { return Value::Null };
    let pattern = match a.get(1) {
        Some(p) => match p.as_str() {
            Some(p) => p,
            None => return Value::Null,
        },
        None => DEFAULT_PATTERN,
    };
    match format_of(pattern) {
        Some(f) => Value::str(&f.format(secs.saturating_mul(1000))),
        None => Value::Null,
    }
}

/// TO_DATE(str [, fmt]): without a pattern an ISO date (`yyyy-MM-dd`), NULL if it is not one;
/// with one, the day of the parsed time, and Flink's odd `+1705471-09-27` when it does not parse.
fn to_date(a: &[Value]) -> Value {
    match (&a[0], a.get(1)) {
        (Value::Str(x), None) => time::parse_date(x).map(Value::Date).unwrap_or(Value::Null),
        (Value::Timestamp(t), None) => Value::Date(t.div_euclid(MILLIS_PER_DAY) as i32),
        (Value::Date(_), None) => a[0].clone(),
        (Value::Str(x), Some(Value::Str(p))) => match parse_like_simple_date_format(x, p) {
            Some(ms) => Value::Date(ms.div_euclid(MILLIS_PER_DAY) as i32),
            // Flink's answer for text that does not parse: its Long.MIN_VALUE marker read as
            // milliseconds, i.e. (int) (Long.MIN_VALUE / 86400000)
            None => Value::Date((i64::MIN / MILLIS_PER_DAY) as i32),
        },
        _ => Value::Null,
    }
}

/// Flink's `parseTimestampData(str, format)`: the text as the pattern reads it, else (as
/// Flink falls back to `Timestamp.valueOf` / `Date.valueOf`) an ISO date with an optional
/// time of day and fraction, whatever the pattern.
pub fn parse_with_fallback(s: &str, format: Option<&JavaDateFormat>) -> Option<i64> {
    format
        .and_then(|f| f.parse(s))
        .or_else(|| time::parse_timestamp(s.trim(), Some(b' ')))
}

fn to_timestamp_ltz_zone(a: &[Value]) -> Value {
    let (Some(s), Some(pattern), Some(zone)) = (a[0].as_str(), a[1].as_str(), a[2].as_str()) else {
        return Value::Null;
    };
    let Some(zone) = super::zone::Zone::zone_id(zone) else {
        return Value::Null;
    };
    match parse_with_fallback(s, format_of(pattern).as_deref()) {
        Some(local) => Value::Timestamp(zone.to_utc(local, true)),
        None => Value::Null,
    }
}

/// CONVERT_TZ(str, from, to): `str` read as `yyyy-MM-dd HH:mm:ss` (as `SimpleDateFormat`
/// does: the start must match) in zone `from`, written in zone `to`. Zones are read as
/// Java's `TimeZone` (an unknown one is GMT).
fn convert_tz(a: &[Value]) -> Value {
    let (Some(s), Some(from), Some(to)) = (a[0].as_str(), a[1].as_str(), a[2].as_str()) else {
        return Value::Null;
    };
    let Some(f) = format_of(DEFAULT_PATTERN) else {
        return Value::Null;
    };
    let Some(local) = f.parse_prefix(s) else {
        return Value::Null;
    };
    let (from, to) = (
        super::zone::Zone::java_time_zone(from),
        super::zone::Zone::java_time_zone(to),
    );
    Value::str(&f.format(to.to_local(from.to_utc(local, false))))
}

fn to_timestamp_ltz_numeric(a: &[Value]) -> Value {
    let precision = a.get(1).and_then(Value::as_i64).unwrap_or(3);
    let scale = match precision {
        0 => 1000.0,
        3 => 1.0,
        _ => return Value::Null,
    };
    match &a[0] {
        Value::Int(_) | Value::BigInt(_) => {
            let v = a[0].as_i64().unwrap_or(0);
            if precision == 0 {
                v.checked_mul(1000).map(Value::Timestamp).unwrap_or(Value::Null)
            } else {
                Value::Timestamp(v)
            }
        }
        v => v
            .as_f64()
            .map(|x| Value::Timestamp((x * scale).floor() as i64))
            .unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        time::parse_timestamp(s, None).unwrap()
    }

    #[test]
    fn weeks_and_days() {
        let d = |s: &str| Value::Date(time::parse_date(s).unwrap());
        assert_eq!(field(&[d("2023-01-01")], Field::Week), Value::BigInt(52));
        assert_eq!(field(&[d("2024-12-30")], Field::Week), Value::BigInt(1));
        assert_eq!(field(&[d("2099-12-31")], Field::Week), Value::BigInt(53));
        assert_eq!(field(&[d("1969-12-31")], Field::DayOfWeek), Value::BigInt(4));
        assert_eq!(field(&[d("2025-03-30")], Field::DayOfWeek), Value::BigInt(1));
    }

    #[test]
    fn months_as_calcite() {
        assert_eq!(months_between(ts("2025-02-28 08:00:00"), ts("2025-01-31 08:00:00")), 1);
        assert_eq!(
            months_between(ts("2000-01-01 00:00:00"), ts("2099-12-31 23:59:59")),
            -1199
        );
        assert_eq!(months_between(ts("2025-02-28 07:00:00"), ts("2025-01-28 08:00:00")), 0);
        assert_eq!(add_months(ts("2024-01-31 10:00:00"), 1), ts("2024-02-29 10:00:00"));
    }

    #[test]
    fn unix_timestamp_quirks() {
        let v = |s: &str| Value::str(s);
        assert_eq!(
            unix_timestamp(&[v("2025-04-01 00:00:00.001")]),
            Value::BigInt(1743465600)
        );
        assert_eq!(unix_timestamp(&[v("2025-10-05")]), Value::BigInt(i64::MIN));
        assert_eq!(
            to_date(&[v("05/10/2025"), v("dd/MM/yyyy HH:mm")]),
            Value::Date(622191233)
        );
    }
}
