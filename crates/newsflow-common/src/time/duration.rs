//! Durations in option values, written as Flink writes them: `10 s`, `10s`, `500 ms`,
//! `2 min`, `1 h`; a bare number is milliseconds (Flink's `TimeUtils.parseDuration`).
//! One parser for table options, `SET` values and LLM provider options.

use std::time::Duration;

/// Parses `"<number> <unit>"` (space optional). Units: `ms`/`milli`/`millis`/
/// `millisecond(s)`, `s`/`sec`/`secs`/`second(s)`, `m`/`min`/`mins`/`minute(s)`, `h`/`hour(s)`,
/// `d`/`day(s)`. No unit means milliseconds, as in Flink.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (examples: '10 s', '500 ms', '2 min')"))?;
    let millis_per_unit = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        other => {
            return Err(format!(
                "'{text}': unknown time unit '{other}' (use ms, s, min, h or d)"
            ))
        }
    };
    let millis = value * millis_per_unit;
    if !millis.is_finite() || millis > 1e12 {
        return Err(format!("'{text}' is too long a duration"));
    }
    Ok(Duration::from_micros((millis * 1000.0).round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_forms() {
        assert_eq!(parse_duration("10 s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500 ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("250"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2 min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration(" 1.5 s "), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1 h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2 m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("ten s").is_err());
        assert!(parse_duration("10 weeks").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-1 s").is_err());
    }
}
