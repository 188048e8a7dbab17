//! TIME(p) values (milliseconds since midnight) as Flink 2.3 writes and reads them.
//!
//! Like Flink, a TIME value keeps whatever milliseconds it was given: the precision only
//! decides how `CAST(t AS STRING)` writes it and what a CAST to TIME(p) cuts off.

const MILLIS_PER_DAY: i64 = 86_400_000;

/// `CAST(t AS STRING)` of a TIME(p), as Flink's `DateTimeUtils.formatTimestampMillis(t, p)`:
/// `HH:mm:ss`, and for p > 0 a `.` with at most p fraction digits that stops after the
/// last non-zero one but keeps at least one (`09:01:02.0`, `12:00:00.5`, `12:34:56.07`).
/// A negative value is taken as a time before midnight (a day is added).
pub fn format_time(ms: i32, precision: u8) -> String {
    let mut t = ms as i64;
    while t < 0 {
        t += MILLIS_PER_DAY;
    }
    let (h, m, s) = (t / 3_600_000, t % 3_600_000 / 60_000, t % 60_000 / 1000);
    let mut out = format!("{:02}:{:02}:{:02}", h % 100, m, s);
    if precision > 0 {
        out.push('.');
        let mut frac = t % 1000;
        let mut p = precision;
        while p > 0 {
            out.push((b'0' + (frac / 100) as u8) as char);
            frac = frac % 100 * 10;
            if frac == 0 {
                break;
            }
            p -= 1;
        }
    }
    out
}

/// A TIME as Flink's JSON format writes it (a `LocalTime`): `HH:mm:ss` and the fraction
/// without trailing zeros, none when it is zero (`09:01:02.345`, `12:00:00.5`, `00:00:00`).
pub fn format_time_json(ms: i32) -> String {
    format_time(ms, if ms % 1000 == 0 { 0 } else { 3 })
}

/// Truncate a TIME value to `precision` fraction digits (toward zero, as Flink's casts).
pub fn truncate_time(ms: i32, precision: u8) -> i32 {
    match precision {
        0 => ms / 1000 * 1000,
        1 => ms / 100 * 100,
        2 => ms / 10 * 10,
        _ => ms,
    }
}

/// Java's `String.trim()`: every char up to U+0020 off both ends.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Flink's `isInteger` then `Integer.parseInt`: ASCII digits only, at least one.
fn int_field(s: &str) -> Option<i32> {
    let t = java_trim(s);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Flink's `parseFraction`: the first three characters as milliseconds (a character that is
/// not a digit counts as 0), rounded half up on the fourth.
fn fraction(s: &str) -> i32 {
    let b = s.as_bytes();
    let mut r = 0;
    let mut mult = 100;
    for (i, &c) in b.iter().enumerate() {
        let x = if c.is_ascii_digit() { (c - b'0') as i32 } else { 0 };
        r += mult * x;
        if mult < 10 {
            if b.get(i + 1).is_some_and(|&n| n >= b'5') {
                r += 1;
            }
            break;
        }
        mult /= 10;
    }
    r
}

/// `CAST(s AS TIME)` as Flink 2.3 (`DateTimeUtils.parseTime`): `H[:m[:s[.fff]]]`, each field
/// trimmed, an optional `+h[:m]` / `-h[:m]` offset that is added to (`+`) or taken from (`-`)
/// the time, the fraction read to milliseconds and rounded on its fourth digit (so
/// `23:59:59.9999` is `24:00:00`). Hours past 23, minutes or seconds past 59 are not a time.
/// `None` when the text is not a time.
pub fn parse_time(v: &str) -> Option<i32> {
    let colon1 = v.find(':');
    let (mut tz_hour, mut tz_minute, mut sign) = (0, 0, -1);
    let mut end = v.len();
    let mut zone = v.find('-');
    if zone.is_none() {
        zone = v.find('+');
        sign = 1;
    }
    if let Some(z) = zone {
        end = z;
        match v[z..].find(':').map(|c| c + z) {
            None => tz_hour = int_field(&v[z + 1..])?,
            Some(c3) => {
                tz_hour = int_field(&v[z + 1..c3])?;
                tz_minute = int_field(&v[c3 + 1..])?;
            }
        }
    }
    let (hour, minute, second, milli);
    match colon1 {
        // (a ':' in the offset only, `12+01:00`, makes the hour `12+01`: not a number)
        Some(c1) => {
            hour = int_field(v.get(..c1)?)?;
            match v[c1 + 1..].find(':').map(|c| c + c1 + 1) {
                None => {
                    minute = int_field(v.get(c1 + 1..end)?)?;
                    second = 0;
                    milli = 0;
                }
                Some(c2) => {
                    minute = int_field(v.get(c1 + 1..c2)?)?;
                    match v[c2..].find('.').map(|d| d + c2) {
                        None => {
                            second = int_field(v.get(c2 + 1..end)?)?;
                            milli = 0;
                        }
                        Some(dot) => {
                            second = int_field(v.get(c2 + 1..dot)?)?;
                            milli = fraction(java_trim(v.get(dot + 1..end)?));
                        }
                    }
                }
            }
        }
        None => {
            hour = int_field(v.get(..end)?)?;
            minute = 0;
            second = 0;
            milli = 0;
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let hour = hour as i64 + sign * tz_hour as i64;
    let minute = minute as i64 + sign * tz_minute as i64;
    let t = hour * 3_600_000 + minute * 60_000 + second as i64 * 1000 + milli as i64;
    i32::try_from(t).ok()
}

/// A `TIME 'H:m:s[.f…]'` literal as Flink's parser takes it: three fields of one or two
/// digits in range, and an optional fraction. The value (milliseconds, the fraction cut to
/// three digits) and the precision (the number of fraction digits).
pub fn parse_time_literal(s: &str) -> Option<(i32, u8)> {
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() != 3 {
        return None;
    }
    let mut f = [0i32; 3];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        f[i] = p.parse().ok()?;
    }
    if f[0] > 23 || f[1] > 59 || f[2] > 59 {
        return None;
    }
    let (ms, precision) = match frac {
        None => (0, 0),
        Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => {
            let digits: String = d.chars().chain("00".chars()).take(3).collect();
            (digits.parse::<i32>().ok()?, d.len().min(9) as u8)
        }
        Some(_) => return None,
    };
    Some((f[0] * 3_600_000 + f[1] * 60_000 + f[2] * 1000 + ms, precision))
}

/// The time of day of a TIMESTAMP as Flink's `CAST(ts AS TIME(p))` computes it: the
/// remainder of the epoch milliseconds by a day (Java's `%`: negative before 1970), cut to
/// p digits toward zero. `Err` when Flink's answer is a negative time of day (a timestamp
/// before 1970 not on a whole day), which Flink prints as a time before midnight but cannot
/// write into a TIME column: not supported.
pub fn time_of_timestamp(ms: i64, precision: u8) -> Result<i32, String> {
    let t = truncate_time((ms % MILLIS_PER_DAY) as i32, precision);
    if t < 0 {
        return Err(format!(
            "the TIME of a TIMESTAMP before 1970 is negative in Flink 2.3 ({t} ms); not supported"
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_flink() {
        assert_eq!(format_time(32_462_345, 0), "09:01:02");
        assert_eq!(format_time(32_462_345, 3), "09:01:02.345");
        assert_eq!(format_time(32_462_345, 1), "09:01:02.3");
        assert_eq!(format_time(32_462_000, 3), "09:01:02.0");
        assert_eq!(format_time(43_200_500, 3), "12:00:00.5");
        assert_eq!(format_time(45_296_070, 3), "12:34:56.07");
        assert_eq!(format_time(-500, 3), "23:59:59.5");
        assert_eq!(format_time(86_400_000, 0), "24:00:00");
        assert_eq!(format_time_json(43_200_500), "12:00:00.5");
        assert_eq!(format_time_json(0), "00:00:00");
    }

    #[test]
    fn parses_as_flink() {
        let t = |s: &str| parse_time(s).map(|ms| format_time(ms, 3));
        assert_eq!(t("9:1:2").as_deref(), Some("09:01:02.0"));
        assert_eq!(t("12").as_deref(), Some("12:00:00.0"));
        assert_eq!(t("12:00").as_deref(), Some("12:00:00.0"));
        assert_eq!(t(" 9 : 1 : 2 ").as_deref(), Some("09:01:02.0"));
        assert_eq!(t("12:00:00-01:00").as_deref(), Some("11:00:00.0"));
        assert_eq!(t("12:00:00+01:00").as_deref(), Some("13:00:00.0"));
        assert_eq!(t("12:00:00.5-01:00").as_deref(), Some("11:00:00.5"));
        assert_eq!(t("12:00:00.-5").as_deref(), Some("07:00:00.0"));
        assert_eq!(t("12:00:00.1x").as_deref(), Some("12:00:00.1"));
        assert_eq!(t("12:00:00.1 2").as_deref(), Some("12:00:00.102"));
        assert_eq!(t("23:59:59.9999").as_deref(), Some("24:00:00.0"));
        assert_eq!(t("12:00:00.999999999").as_deref(), Some("12:00:01.0"));
        for bad in [
            "25:00:00",
            "24:00:00",
            "12:60:00",
            "12:00:60",
            "99",
            "",
            " ",
            "12::00",
            "12:00:00:00",
            "12.5",
            "T12:00:00",
            "-0:00:00",
            "+12:00:00",
            "1e1:00:00",
            "０1:00:00",
            "11:59:59 PM",
            "abc",
            "-1:00:00",
            "12:00:00Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn literals_and_timestamps() {
        assert_eq!(parse_time_literal("12:34:56"), Some((45_296_000, 0)));
        assert_eq!(parse_time_literal("1:2:3"), Some((3_723_000, 0)));
        assert_eq!(parse_time_literal("12:34:56.7"), Some((45_296_700, 1)));
        assert_eq!(parse_time_literal("12:34:56.700"), Some((45_296_700, 3)));
        assert_eq!(parse_time_literal("12:34"), None);
        assert_eq!(parse_time_literal("24:00:00"), None);
        assert_eq!(time_of_timestamp(1_751_360_462_345, 0), Ok(32_462_000));
        assert_eq!(time_of_timestamp(1_751_360_462_345, 1), Ok(32_462_300));
        assert_eq!(time_of_timestamp(-500, 0), Ok(0));
        assert!(time_of_timestamp(-500, 3).is_err());
        assert_eq!(time_of_timestamp(-86_400_000, 3), Ok(0));
    }
}
