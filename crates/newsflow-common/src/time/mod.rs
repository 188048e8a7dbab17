//! Calendar arithmetic on epoch milliseconds (proleptic Gregorian, no time zone), and the
//! timestamp text formats Flink reads and writes. Java `SimpleDateFormat` patterns live in
//! [`java_format`].

mod duration;
pub mod java_format;
mod time_of_day;

pub use duration::parse_duration;
pub use time_of_day::{
    format_time, format_time_json, parse_time, parse_time_literal, time_of_timestamp, truncate_time,
};

pub use java_format::JavaDateFormat;

pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Broken-down fields of an epoch-millisecond timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

pub fn to_civil(ms: i64) -> Civil {
    let days = ms.div_euclid(MILLIS_PER_DAY);
    let rem = ms.rem_euclid(MILLIS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3_600_000) as u32,
        minute: (rem / 60_000 % 60) as u32,
        second: (rem / 1000 % 60) as u32,
        millis: (rem % 1000) as u32,
    }
}

pub fn from_civil(c: &Civil) -> i64 {
    days_from_civil(c.year, c.month, c.day) * MILLIS_PER_DAY
        + c.hour as i64 * 3_600_000
        + c.minute as i64 * 60_000
        + c.second as i64 * 1000
        + c.millis as i64
}

fn push_fraction(out: &mut String, millis: u32) {
    // Flink prints the fraction without trailing zeros: .999, .12, .5; none when zero.
    if millis != 0 {
        let mut s = format!(".{millis:03}");
        while s.ends_with('0') {
            s.pop();
        }
        out.push_str(&s);
    }
}

/// `yyyy-MM-dd HH:mm:ss[.fff]`, the text Flink's JSON format and CAST(ts AS STRING) write.
/// `precision` 0 drops the fraction.
pub fn format_timestamp_sql(ms: i64, precision: u8) -> String {
    format_timestamp(ms, precision, ' ')
}

/// `yyyy-MM-ddTHH:mm:ss[.fff]` (json.timestamp-format.standard = ISO-8601).
pub fn format_timestamp_iso(ms: i64, precision: u8) -> String {
    format_timestamp(ms, precision, 'T')
}

fn format_timestamp(ms: i64, precision: u8, sep: char) -> String {
    let c = to_civil(ms);
    let mut s = format!(
        "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    if precision > 0 {
        push_fraction(&mut s, c.millis);
    }
    s
}

pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days as i64);
    // Java's LocalDate writes a sign on years past 9999.
    let sign = if y > 9999 { "+" } else { "" };
    format!("{sign}{y:04}-{m:02}-{d:02}")
}

pub fn format_interval(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "+" };
    let a = ms.unsigned_abs();
    format!(
        "{sign}{} {:02}:{:02}:{:02}.{:03}",
        a / 86_400_000,
        a / 3_600_000 % 24,
        a / 60_000 % 60,
        a / 1000 % 60,
        a % 1000
    )
}

#[inline]
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for i in at..at + n {
        let c = *b.get(i)?;
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Parse `yyyy-MM-dd[ T]HH:mm[:ss[.f…]]` or `yyyy-MM-dd` into epoch milliseconds.
/// `sep` restricts the date/time separator (`Some(' ')` for Flink's SQL standard,
/// `Some('T')` for ISO-8601); `None` accepts either. Fractions beyond milliseconds are
/// truncated. A trailing `Z` is accepted in ISO mode.
pub fn parse_timestamp(s: &str, sep: Option<u8>) -> Option<i64> {
    let b = s.trim().as_bytes();
    let year = digits(b, 0, 4)? as i64;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut c = Civil {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
    };
    if b.len() == 10 {
        return Some(from_civil(&c));
    }
    let s10 = *b.get(10)?;
    match sep {
        Some(x) if x != s10 => return None,
        None if s10 != b' ' && s10 != b'T' => return None,
        _ => {}
    }
    c.hour = digits(b, 11, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    c.minute = digits(b, 14, 2)?;
    let mut i = 16;
    if b.get(16) == Some(&b':') {
        c.second = digits(b, 17, 2)?;
        i = 19;
        if b.get(19) == Some(&b'.') {
            i = 20;
            let mut scale = 100;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                c.millis += (d - b'0') as u32 * scale;
                scale /= 10;
                i += 1;
            }
            if i == 20 {
                return None;
            }
        }
    }
    if c.hour > 23 || c.minute > 59 || c.second > 59 {
        return None;
    }
    match &b[i..] {
        [] => Some(from_civil(&c)),
        [b'Z'] if sep != Some(b' ') => Some(from_civil(&c)),
        _ => None,
    }
}

pub fn parse_date(s: &str) -> Option<i32> {
    let b = s.trim().as_bytes();
    if b.len() != 10 {
        return None;
    }
    parse_timestamp(s, None).map(|ms| (ms / MILLIS_PER_DAY) as i32)
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for d in [-800_000i64, -1, 0, 1, 19_000, 20_270, 2_000_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(days_from_civil(2025, 7, 1), 20_270);
    }

    #[test]
    fn sql_timestamps() {
        let t = parse_timestamp("2025-07-01 09:10:09.999", Some(b' ')).unwrap();
        assert_eq!(format_timestamp_sql(t, 3), "2025-07-01 09:10:09.999");
        let t = parse_timestamp("2025-07-01T09:00:00.120", Some(b'T')).unwrap();
        assert_eq!(format_timestamp_sql(t, 3), "2025-07-01 09:00:00.12");
        let t = parse_timestamp("2025-07-01 14:43:00.000", None).unwrap();
        assert_eq!(format_timestamp_sql(t, 3), "2025-07-01 14:43:00");
        assert!(parse_timestamp("2025-13-01 00:00:00", None).is_none());
        assert!(parse_timestamp("2025-02-30 00:00:00", None).is_none());
        assert!(parse_timestamp("2025-07-01T09:00:00", Some(b' ')).is_none());
        assert!(parse_timestamp("garbage", None).is_none());
    }
}
