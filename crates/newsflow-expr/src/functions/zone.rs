//! Time zones by name, for CONVERT_TZ and TO_TIMESTAMP_LTZ(str, fmt, zone): IANA names
//! through `chrono-tz` (its rules compiled in), and the fixed offsets Java's `TimeZone` reads
//! (`GMT+08:00`, `GMT-5`) and `ZoneId` reads (`UTC+3`, `+05:30`). CONVERT_TZ reads zones as
//! `TimeZone` (an unknown name is GMT); TO_TIMESTAMP_LTZ as `ZoneId` (an unknown name is an
//! error), as Flink does (checked on Flink 2.3).

use chrono::{NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

const MILLIS_PER_DAY: i64 = 86_400_000;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Zone {
    /// Seconds east of UTC.
    Fixed(i32),
    Named(Tz),
}

impl Zone {
    /// The zone as Java's `TimeZone.getTimeZone(id)` reads it (CONVERT_TZ): an IANA name,
    /// one of Java's three-letter ids (`PST`), or `GMT+hh[[:]mm]`; anything else is GMT.
    pub fn java_time_zone(id: &str) -> Zone {
        if let Some(z) = named(id) {
            return z;
        }
        if let Some(tz) = SHORT_IDS
            .iter()
            .find(|(k, _)| *k == id)
            .and_then(|(_, v)| v.parse::<Tz>().ok())
        {
            return Zone::Named(tz);
        }
        match id.strip_prefix("GMT") {
            Some(rest) if !rest.is_empty() => fixed_offset(rest).map(Zone::Fixed).unwrap_or(Zone::Fixed(0)),
            _ => Zone::Fixed(0),
        }
    }

    /// The zone as Java's `ZoneId.of(id)` reads it (TO_TIMESTAMP_LTZ): an IANA name, `Z`, an
    /// offset `+hh[:mm]`, or `UTC`/`GMT`/`UT` followed by one; None if it names none.
    pub fn zone_id(id: &str) -> Option<Zone> {
        if let Some(z) = named(id) {
            return Some(z);
        }
        if id == "Z" {
            return Some(Zone::Fixed(0));
        }
        if id.starts_with(['+', '-']) {
            return fixed_offset(id).map(Zone::Fixed);
        }
        for prefix in ["UTC", "GMT", "UT"] {
            if let Some(rest) = id.strip_prefix(prefix) {
                if rest.is_empty() {
                    return Some(Zone::Fixed(0));
                }
                return fixed_offset(rest).map(Zone::Fixed);
            }
        }
        None
    }

    /// Seconds east of UTC at the instant `utc_ms`.
    fn offset_at(&self, utc_ms: i64) -> i64 {
        match self {
            Zone::Fixed(s) => *s as i64,
            Zone::Named(tz) => match naive(utc_ms) {
                Some(n) => tz.offset_from_utc_datetime(&n).fix().local_minus_utc() as i64,
                None => 0,
            },
        }
    }

    /// The wall-clock time (as epoch milliseconds of a UTC clock) at the instant `utc_ms`.
    pub fn to_local(&self, utc_ms: i64) -> i64 {
        utc_ms + self.offset_at(utc_ms) * 1000
    }

    /// The instant a wall-clock time (epoch milliseconds of a UTC clock) names. A time that
    /// happens twice is the earlier instant if `earlier` (java.time), else the later one
    /// (Java's `Calendar`, which takes standard time); a skipped time takes the offset
    /// before the change (both).
    pub fn to_utc(&self, local_ms: i64, earlier: bool) -> i64 {
        let tz = match self {
            Zone::Fixed(s) => return local_ms - *s as i64 * 1000,
            Zone::Named(tz) => tz,
        };
        let Some(n) = naive(local_ms) else { return local_ms };
        match tz.offset_from_local_datetime(&n) {
            chrono::LocalResult::Single(o) => local_ms - o.fix().local_minus_utc() as i64 * 1000,
            chrono::LocalResult::Ambiguous(a, b) => {
                let (a, b) = (a.fix().local_minus_utc() as i64, b.fix().local_minus_utc() as i64);
                let off = if earlier { a.max(b) } else { a.min(b) };
                local_ms - off * 1000
            }
            // in a gap: the offset in force before it (a day earlier)
            chrono::LocalResult::None => local_ms - self.offset_at(local_ms - MILLIS_PER_DAY) * 1000,
        }
    }
}

/// IANA names (as `chrono-tz` spells them; Java's are case-sensitive too).
fn named(id: &str) -> Option<Zone> {
    id.parse::<Tz>().ok().map(Zone::Named)
}

/// Java's `ZoneId.SHORT_IDS`, which `TimeZone.getTimeZone` also reads (EST, MST and HST are
/// IANA names already).
const SHORT_IDS: &[(&str, &str)] = &[
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Asia/Dhaka"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
];

fn naive(ms: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.naive_utc())
}

/// `+8`, `+08`, `+0800`, `+08:00`, `-5:30` as seconds east of UTC (Java's custom ids).
fn fixed_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() <= 2 => (rest, "0"),
        None if rest.len() == 4 => rest.split_at(2),
        None => return None,
    };
    if h.is_empty() || h.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_common::time::parse_timestamp;

    fn ts(s: &str) -> i64 {
        parse_timestamp(s, Some(b' ')).unwrap_or_default()
    }

    #[test]
    fn named_and_fixed() {
        let seoul = Zone::java_time_zone("Asia/Seoul");
        assert_eq!(seoul.to_local(ts("2025-07-01 09:01:02")), ts("2025-07-01 18:01:02"));
        assert_eq!(seoul.to_utc(ts("2025-07-01 18:01:02"), true), ts("2025-07-01 09:01:02"));
        assert_eq!(Zone::java_time_zone("GMT+08:00"), Zone::Fixed(8 * 3600));
        assert_eq!(Zone::java_time_zone("GMT+0800"), Zone::Fixed(8 * 3600));
        // TimeZone: only GMT takes an offset; an unknown id is GMT
        assert_eq!(Zone::java_time_zone("UTC+3"), Zone::Fixed(0));
        assert_eq!(Zone::java_time_zone("Nowhere/Zone"), Zone::Fixed(0));
        let pst = Zone::java_time_zone("PST");
        assert_eq!(pst.to_local(ts("2025-01-01 00:00:00")), ts("2024-12-31 16:00:00"));
        // ZoneId
        assert_eq!(Zone::zone_id("UTC-5"), Some(Zone::Fixed(-5 * 3600)));
        assert_eq!(Zone::zone_id("+05:30"), Some(Zone::Fixed(5 * 3600 + 1800)));
        assert_eq!(Zone::zone_id("Nowhere/Zone"), None);
        assert_eq!(Zone::zone_id("PST"), None);
        // Seoul's local mean time before 1908
        assert_eq!(seoul.to_local(ts("1900-01-01 00:00:00")), ts("1900-01-01 08:27:52"));
    }

    #[test]
    fn gaps_and_overlaps() {
        let la = Zone::java_time_zone("America/Los_Angeles");
        // 02:30 does not happen on 2025-03-09: read with PST (-8), either way
        assert_eq!(la.to_utc(ts("2025-03-09 02:30:00"), true), ts("2025-03-09 10:30:00"));
        assert_eq!(la.to_utc(ts("2025-03-09 02:30:00"), false), ts("2025-03-09 10:30:00"));
        // 01:30 happens twice on 2025-11-02: PDT (-7) for java.time, PST (-8) for Calendar
        assert_eq!(la.to_utc(ts("2025-11-02 01:30:00"), true), ts("2025-11-02 08:30:00"));
        assert_eq!(la.to_utc(ts("2025-11-02 01:30:00"), false), ts("2025-11-02 09:30:00"));
        assert_eq!(la.to_local(ts("2025-01-01 00:00:00")), ts("2024-12-31 16:00:00"));
    }
}
