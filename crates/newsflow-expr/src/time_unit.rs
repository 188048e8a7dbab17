//! `FLOOR(t TO unit)` and `CEIL(t TO unit)` on TIMESTAMP and DATE, as Flink: a TIMESTAMP
//! floors to the start of its unit (calendar units YEAR, QUARTER, MONTH; fixed ones DAY,
//! HOUR, MINUTE, SECOND, MILLISECOND); CEIL gives the next unit start unless the value is
//! already one. A DATE takes YEAR, QUARTER, MONTH and DAY.

use newsflow_common::time::{self, Civil, MILLIS_PER_DAY};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Year,
    Quarter,
    Month,
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
            "DAY" => TimeUnit::Day,
            "HOUR" => TimeUnit::Hour,
            "MINUTE" => TimeUnit::Minute,
            "SECOND" => TimeUnit::Second,
            "MILLISECOND" => TimeUnit::Millisecond,
            other => {
                return Err(format!(
                    "FLOOR/CEIL(… TO {other}) is not supported; units: YEAR, QUARTER, MONTH, DAY, HOUR, MINUTE, \
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
            TimeUnit::Year | TimeUnit::Quarter | TimeUnit::Month | TimeUnit::Day
        )
    }
}

/// Floor or ceil epoch milliseconds (a TIMESTAMP without zone) to `unit`.
pub fn floor_ceil_millis(ms: i64, unit: TimeUnit, ceil: bool) -> i64 {
    if let Some(step) = unit.fixed_millis() {
        let floor = ms - ms.rem_euclid(step);
        return if ceil && floor != ms { floor + step } else { floor };
    }
    let c = time::to_civil(ms);
    let first_month = match unit {
        TimeUnit::Year => 1,
        TimeUnit::Quarter => (c.month - 1) / 3 * 3 + 1,
        _ => c.month,
    };
    let floor = time::from_civil(&Civil {
        year: c.year,
        month: first_month,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
    });
    if !ceil || floor == ms {
        return floor;
    }
    let months = match unit {
        TimeUnit::Year => 12,
        TimeUnit::Quarter => 3,
        _ => 1,
    };
    let total = c.year * 12 + (first_month as i64 - 1) + months;
    time::from_civil(&Civil {
        year: total.div_euclid(12),
        month: (total.rem_euclid(12) + 1) as u32,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
    })
}

/// Floor or ceil a DATE (days since the epoch) to `unit` (one that [`TimeUnit::for_date`]).
/// Flink 2.3's `CEIL(date TO DAY)` is always the next day (2024-02-29 → 2024-03-01, and
/// 2025-01-01 → 2025-01-02), while `CEIL(date TO MONTH)` keeps a first of the month: both kept.
pub fn floor_ceil_days(days: i32, unit: TimeUnit, ceil: bool) -> i32 {
    if ceil && unit == TimeUnit::Day {
        return days + 1;
    }
    (floor_ceil_millis(days as i64 * MILLIS_PER_DAY, unit, ceil) / MILLIS_PER_DAY) as i32
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
