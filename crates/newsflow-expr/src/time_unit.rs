//! `FLOOR(t TO unit)` and `CEIL(t TO unit)` on TIMESTAMP and DATE, as Flink: a TIMESTAMP
//! floors to the start of its unit (calendar units YEAR, QUARTER, MONTH, WEEK; fixed ones
//! DAY, HOUR, MINUTE, SECOND, MILLISECOND); CEIL gives the next unit start unless the value
//! is already one (for calendar units: unless its day is one; QUARTER keeps only January 1). A DATE takes YEAR, QUARTER,
//! MONTH, WEEK and DAY.

use newsflow_common::time::{self, Civil, MILLIS_PER_DAY};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
}

impl TimeUnit {
    /// The unit named in SQL; `Err` names the units supported.
    pub fn parse(name: &str) -> Result<TimeUnit, String> {
        Ok(match name.to_ascii_uppercase().as_str() {
            "YEAR" => TimeUnit::Year,
            "QUARTER" => TimeUnit::Quarter,
            "MONTH" => TimeUnit::Month,
            "WEEK" => TimeUnit::Week,
            "DAY" => TimeUnit::Day,
            "HOUR" => TimeUnit::Hour,
            "MINUTE" => TimeUnit::Minute,
            "SECOND" => TimeUnit::Second,
            "MILLISECOND" => TimeUnit::Millisecond,
            other => {
                return Err(format!(
                    "FLOOR/CEIL(… TO {other}) is not supported; units: YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, \
                     SECOND, MILLISECOND"
                ))
            }
        })
    }

    fn fixed_millis(self) -> Option<i64> {
        Some(match self {
            TimeUnit::Day => MILLIS_PER_DAY,
            TimeUnit::Hour => 3_600_000,
            TimeUnit::Minute => 60_000,
            TimeUnit::Second => 1000,
            TimeUnit::Millisecond => 1,
            _ => return None,
        })
    }

    /// Does this unit apply to a DATE (no time of day)?
    pub fn for_date(self) -> bool {
        matches!(
            self,
            TimeUnit::Year | TimeUnit::Quarter | TimeUnit::Month | TimeUnit::Week | TimeUnit::Day
        )
    }
}

/// Floor or ceil epoch milliseconds (a TIMESTAMP without zone) to `unit`.
///
/// The calendar units (YEAR, QUARTER, MONTH, WEEK) work on the day of the timestamp as
/// Flink's `DateTimeUtils.timestampFloor/Ceil` computes it: the epoch milliseconds divided
/// by a day with Java's truncating division (so `1969-12-31 12:00` is day 0, 1970-01-01),
/// and CEIL ignores the time of day (`CEIL(TIMESTAMP '2025-07-01 09:00' TO MONTH)` is
/// 2025-07-01). Flink 2.3 gives exactly these answers.
pub fn floor_ceil_millis(ms: i64, unit: TimeUnit, ceil: bool) -> i64 {
    if let Some(step) = unit.fixed_millis() {
        let floor = ms - ms.rem_euclid(step);
        return if ceil && floor != ms { floor + step } else { floor };
    }
    let days = (ms / MILLIS_PER_DAY) as i32;
    calendar_days(days, unit, ceil) as i64 * MILLIS_PER_DAY
}

/// Floor or ceil a day number to the start of a calendar unit (Calcite's
/// `julianDateFloor`): a day already at the start of its unit is its own ceiling. WEEK
/// starts on Sunday.
fn calendar_days(days: i32, unit: TimeUnit, ceil: bool) -> i32 {
    if unit == TimeUnit::Week {
        let dow = (days as i64 + 4).rem_euclid(7) as i32; // 0 = Sunday (1970-01-01 was a Thursday)
        let floor = days - dow;
        return if ceil && floor != days { floor + 7 } else { floor };
    }
    let c = time::to_civil(days as i64 * MILLIS_PER_DAY);
    let first_month = match unit {
        TimeUnit::Year => 1,
        TimeUnit::Quarter => (c.month - 1) / 3 * 3 + 1,
        _ => c.month,
    };
    let start = |year: i64, month: u32| {
        (time::from_civil(&Civil {
            year,
            month,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            millis: 0,
        }) / MILLIS_PER_DAY) as i32
    };
    let floor = start(c.year, first_month);
    // Calcite's test for "already at the start": for QUARTER it is month > 1 || day > 1, so
    // Flink's CEIL(… TO QUARTER) of 2025-07-01 is 2025-10-01 (only January 1 stays).
    let at_start = match unit {
        TimeUnit::Quarter => c.month == 1 && c.day == 1,
        _ => floor == days,
    };
    if !ceil || at_start {
        return floor;
    }
    let months = match unit {
        TimeUnit::Year => 12,
        TimeUnit::Quarter => 3,
        _ => 1,
    };
    let total = c.year * 12 + (first_month as i64 - 1) + months;
    start(total.div_euclid(12), (total.rem_euclid(12) + 1) as u32)
}

/// Floor or ceil a DATE (days since the epoch) to `unit` (one that [`TimeUnit::for_date`]).
/// Flink 2.3's `CEIL(date TO DAY)` is always the next day (2024-02-29 → 2024-03-01, and
/// 2025-01-01 → 2025-01-02), while `CEIL(date TO MONTH)` keeps a first of the month: both kept.
pub fn floor_ceil_days(days: i32, unit: TimeUnit, ceil: bool) -> i32 {
    match unit {
        TimeUnit::Day if ceil => days + 1,
        TimeUnit::Day => days,
        _ => calendar_days(days, unit, ceil),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        time::parse_timestamp(s, None).unwrap()
    }

    #[test]
    fn floors_and_ceils() {
        let t = ts("2025-07-01 09:10:09.999");
        let f = |u, c| time::format_timestamp_sql(floor_ceil_millis(t, u, c), 3);
        assert_eq!(f(TimeUnit::Minute, false), "2025-07-01 09:10:00");
        assert_eq!(f(TimeUnit::Hour, true), "2025-07-01 10:00:00");
        assert_eq!(f(TimeUnit::Quarter, true), "2025-10-01 00:00:00");
        assert_eq!(f(TimeUnit::Year, false), "2025-01-01 00:00:00");
        let dec = ts("2025-12-31 23:00:00");
        assert_eq!(
            time::format_timestamp_sql(floor_ceil_millis(dec, TimeUnit::Month, true), 3),
            "2026-01-01 00:00:00"
        );
        let on = ts("2025-07-01 10:00:00");
        assert_eq!(floor_ceil_millis(on, TimeUnit::Hour, true), on);
    }

    #[test]
    fn calendar_units_as_flink() {
        // Answers of Flink 2.3: the day is the epoch millis / a day truncated, and CEIL of a
        // calendar unit ignores the time of day.
        let f = |s: &str, u, c| time::format_timestamp_sql(floor_ceil_millis(ts(s), u, c), 3);
        assert_eq!(
            f("2025-07-01 09:01:02.345", TimeUnit::Month, true),
            "2025-07-01 00:00:00"
        );
        assert_eq!(f("1969-12-31 12:00:00", TimeUnit::Month, false), "1970-01-01 00:00:00");
        assert_eq!(f("1969-01-01 10:00:00", TimeUnit::Month, true), "1969-02-01 00:00:00");
        assert_eq!(f("1969-12-31 12:00:00", TimeUnit::Week, false), "1969-12-28 00:00:00");
        assert_eq!(f("2025-01-01 09:00:00", TimeUnit::Week, true), "2025-01-05 00:00:00");
        assert_eq!(f("2025-04-06 00:00:00", TimeUnit::Week, true), "2025-04-06 00:00:00");
        assert_eq!(f("1969-12-31 12:00:00", TimeUnit::Day, false), "1969-12-31 00:00:00");
        assert_eq!(f("2025-07-01 00:00:00", TimeUnit::Quarter, true), "2025-10-01 00:00:00");
        assert_eq!(f("2025-01-01 09:00:00", TimeUnit::Quarter, true), "2025-01-01 00:00:00");
        assert_eq!(f("2025-02-01 09:00:00", TimeUnit::Quarter, true), "2025-04-01 00:00:00");
        let d = |s: &str, u, c| time::format_date(floor_ceil_days(time::parse_date(s).unwrap(), u, c));
        assert_eq!(d("2025-04-02", TimeUnit::Week, false), "2025-03-30");
        assert_eq!(d("1969-12-31", TimeUnit::Week, true), "1970-01-04");
        assert_eq!(d("1969-12-31", TimeUnit::Month, true), "1970-01-01");
    }
}

/// SQL `LIKE` with an escape character: `esc` before `%`, `_` or `esc` matches that
/// character literally; before anything else (or at the end) it is an error, as in Flink
/// ("Invalid escape sequence").
pub fn like_escape(s: &str, pattern: &str, esc: char) -> Result<bool, String> {
    enum Tok {
        Any,
        One,
        Lit(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        toks.push(if c == esc {
            match it.next() {
                Some(n) if n == '%' || n == '_' || n == esc => Tok::Lit(n),
                _ => {
                    return Err(format!(
                        "invalid escape sequence in LIKE pattern '{pattern}' (escape '{esc}')"
                    ))
                }
            }
        } else if c == '%' {
            Tok::Any
        } else if c == '_' {
            Tok::One
        } else {
            Tok::Lit(c)
        });
    }
    let s: Vec<char> = s.chars().collect();
    let (mut si, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        match toks.get(pi) {
            Some(Tok::One) => {
                si += 1;
                pi += 1;
            }
            Some(Tok::Lit(c)) if *c == s[si] => {
                si += 1;
                pi += 1;
            }
            Some(Tok::Any) => {
                star = Some(pi);
                mark = si;
                pi += 1;
            }
            _ => match star {
                Some(st) => {
                    pi = st + 1;
                    mark += 1;
                    si = mark;
                }
                None => return Ok(false),
            },
        }
    }
    while matches!(toks.get(pi), Some(Tok::Any)) {
        pi += 1;
    }
    Ok(pi == toks.len())
}

#[cfg(test)]
mod like_tests {
    use super::like_escape;

    #[test]
    fn escapes() {
        assert_eq!(like_escape("a_b", "a\\_b", '\\'), Ok(true));
        assert_eq!(like_escape("axb", "a\\_b", '\\'), Ok(false));
        assert_eq!(like_escape("10%", "10!%", '!'), Ok(true));
        assert_eq!(like_escape("100", "10!%", '!'), Ok(false));
        assert_eq!(like_escape("a!b", "a!!%", '!'), Ok(true));
        assert!(like_escape("ab", "a!b", '!').is_err());
    }
}
