//! What the dashboard keeps: the newest news items with their per-minute rows, and the
//! reaction curves by label (running sums, so they outlive the items they came from).
//! Everything is capped: [`MAX_NEWS`] items, [`MINUTES`] rows each.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;
use serde_json::Value as Json;

/// News items kept (oldest dropped first); the page keeps as many.
pub const MAX_NEWS: usize = 300;
/// Minutes from the news minute: −5 … +10 (the flagship's join bounds).
pub const FIRST_MINUTE: i64 = -5;
pub const LAST_MINUTE: i64 = 10;
pub const MINUTES: usize = (LAST_MINUTE - FIRST_MINUTE + 1) as usize;
/// The labels that get a reaction curve.
pub const LABELS: [&str; 3] = ["good", "bad", "neutral"];

/// One news item as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NewsItem {
    /// `symbol:news_id`, the key the API and the page use.
    pub id: String,
    pub symbol: String,
    pub news_id: String,
    /// Event time as written (`YYYY-MM-DD HH:MM:SS[.fff]`) and in ms since the epoch.
    pub time: String,
    pub time_ms: i64,
    pub label: String,
    pub summary: String,
    /// Arrival order (1 for the first item seen).
    pub seq: u64,
}

/// One minute of trading around a news item (a row of the `analysis` topic).
#[derive(Debug, Clone, Serialize)]
pub struct MinuteRow {
    /// Minutes from the news minute (the minute the news time falls in is 0).
    pub minute: i64,
    pub window_start: String,
    pub avg_price: f64,
    pub avg_volume: f64,
    pub trades: i64,
    /// Shares traded in the minute: `avg_volume × trades`.
    pub volume: f64,
}

struct Entry {
    item: NewsItem,
    minutes: [Option<MinuteRow>; MINUTES],
    /// Which minutes already went into the reaction sums.
    counted: [bool; MINUTES],
    /// Whether the item was counted in its label's curve.
    in_curve: bool,
}

#[derive(Default, Clone, Copy)]
struct Sum {
    total: f64,
    n: u64,
}

/// The running model.
pub struct Model {
    order: VecDeque<String>,
    entries: HashMap<String, Entry>,
    next_seq: u64,
    /// Per label: sum of returns and count per minute, and items counted.
    curves: HashMap<&'static str, ([Sum; MINUTES], u64)>,
    /// Rows seen in total (also those of items no longer kept).
    pub rows_seen: u64,
    pub news_seen: u64,
    /// Records that could not be read (not JSON, missing fields).
    pub unreadable: u64,
}

/// What changed with one record, for the live stream.
pub enum Change {
    News(NewsItem),
    Minute { id: String, row: MinuteRow },
}

impl Default for Model {
    fn default() -> Self {
        Model {
            order: VecDeque::new(),
            entries: HashMap::new(),
            next_seq: 1,
            curves: LABELS.iter().map(|l| (*l, ([Sum::default(); MINUTES], 0))).collect(),
            rows_seen: 0,
            news_seen: 0,
            unreadable: 0,
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS[.fff]` (or with a `T`) as ms since the epoch, UTC.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = s.split_once([' ', 'T'])?;
    let mut d = date.splitn(3, '-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let time = time.trim_end_matches('Z');
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.splitn(3, ':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next()?.parse().ok()?;
    let sec: i64 = t.next().unwrap_or("0").parse().ok()?;
    let ms: i64 = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().take(3).collect();
        let v: i64 = digits.parse().ok()?;
        v * 10i64.pow(3 - digits.len() as u32)
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms)
}

/// A summary column: the analyser's `{"label": …, "summary": …}`, or plain text.
fn label_and_summary(raw: &str) -> (String, String) {
    if let Ok(Json::Object(o)) = serde_json::from_str::<Json>(raw) {
        let label = o.get("label").and_then(Json::as_str).unwrap_or("unknown");
        let summary = o.get("summary").and_then(Json::as_str).unwrap_or("");
        let summary = match o.get("error").and_then(Json::as_str) {
            Some(e) if summary.is_empty() => e,
            _ => summary,
        };
        return (label.to_string(), summary.to_string());
    }
    ("unknown".to_string(), raw.to_string())
}

fn text(o: &serde_json::Map<String, Json>, k: &str) -> Option<String> {
    match o.get(k)? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(o: &serde_json::Map<String, Json>, k: &str) -> Option<f64> {
    match o.get(k)? {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl Model {
    /// A record of the news-summary topic (`symbol`, `news_id`, `event_time`, `summary`).
    pub fn add_news(&mut self, record: &[u8]) -> Option<Change> {
        let Ok(Json::Object(o)) = serde_json::from_slice::<Json>(record) else {
            self.unreadable += 1;
            return None;
        };
        let (Some(symbol), Some(news_id), Some(time)) = (
            text(&o, "symbol"),
            text(&o, "news_id"),
            text(&o, "event_time").or_else(|| text(&o, "news_time")),
        ) else {
            self.unreadable += 1;
            return None;
        };
        let Some(time_ms) = parse_time(&time) else {
            self.unreadable += 1;
            return None;
        };
        let (label, summary) = label_and_summary(&text(&o, "summary").unwrap_or_default());
        self.news_seen += 1;
        let id = format!("{symbol}:{news_id}");
        let item = self.upsert(id, symbol, news_id, time, time_ms, label, summary);
        Some(Change::News(item))
    }

    #[allow(clippy::too_many_arguments)]
    fn upsert(
        &mut self,
        id: String,
        symbol: String,
        news_id: String,
        time: String,
        time_ms: i64,
        label: String,
        summary: String,
    ) -> NewsItem {
        if let Some(e) = self.entries.get_mut(&id) {
            // Known from its minute rows first: take the label and summary now.
            if e.item.label == "unknown" && label != "unknown" {
                e.item.label = label;
                e.item.summary = summary;
                Self::count_into(&mut self.curves, e);
            }
            return e.item.clone();
        }
        let item = NewsItem {
            id: id.clone(),
            symbol,
            news_id,
            time,
            time_ms,
            label,
            summary,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        self.entries.insert(
            id.clone(),
            Entry {
                item: item.clone(),
                minutes: Default::default(),
                counted: [false; MINUTES],
                in_curve: false,
            },
        );
        self.order.push_back(id);
        while self.order.len() > MAX_NEWS {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
        item
    }

    /// A record of the analysis topic (one minute around one news item).
    pub fn add_minute(&mut self, record: &[u8]) -> Option<Change> {
        let Ok(Json::Object(o)) = serde_json::from_slice::<Json>(record) else {
            self.unreadable += 1;
            return None;
        };
        let fields = (
            text(&o, "symbol"),
            text(&o, "news_id"),
            text(&o, "news_time"),
            text(&o, "window_start"),
            number(&o, "avg_price"),
        );
        let (Some(symbol), Some(news_id), Some(news_time), Some(window_start), Some(avg_price)) = fields else {
            self.unreadable += 1;
            return None;
        };
        let (Some(news_ms), Some(start_ms)) = (parse_time(&news_time), parse_time(&window_start)) else {
            self.unreadable += 1;
            return None;
        };
        self.rows_seen += 1;
        let minute = start_ms.div_euclid(60_000) - news_ms.div_euclid(60_000);
        if !(FIRST_MINUTE..=LAST_MINUTE).contains(&minute) {
            return None;
        }
        let avg_volume = number(&o, "avg_volume").unwrap_or(0.0);
        let trades = number(&o, "event_count").unwrap_or(0.0) as i64;
        let row = MinuteRow {
            minute,
            window_start,
            avg_price,
            avg_volume,
            trades,
            volume: avg_volume * trades as f64,
        };
        let id = format!("{symbol}:{news_id}");
        if !self.entries.contains_key(&id) {
            let (label, summary) = label_and_summary(&text(&o, "summary").unwrap_or_default());
            self.upsert(id.clone(), symbol, news_id, news_time, news_ms, label, summary);
        }
        let e = self.entries.get_mut(&id)?;
        e.minutes[(minute - FIRST_MINUTE) as usize] = Some(row.clone());
        Self::count_into(&mut self.curves, e);
        Some(Change::Minute { id, row })
    }

    /// Add what an item can add to its label's curve: every minute not counted yet, once
    /// its reference minute (−1, the minute before the news) is there.
    fn count_into(curves: &mut HashMap<&'static str, ([Sum; MINUTES], u64)>, e: &mut Entry) {
        let Some((sums, items)) = curves.get_mut(e.item.label.as_str()) else {
            return;
        };
        let Some(reference) = e.minutes[(-1 - FIRST_MINUTE) as usize].as_ref().map(|r| r.avg_price) else {
            return;
        };
        if reference <= 0.0 {
            return;
        }
        if !e.in_curve {
            e.in_curve = true;
            *items += 1;
        }
        for (i, m) in e.minutes.iter().enumerate() {
            if let (Some(m), false) = (m, e.counted[i]) {
                e.counted[i] = true;
                sums[i].total += m.avg_price / reference - 1.0;
                sums[i].n += 1;
            }
        }
    }

    /// Newest first, at most `limit`.
    pub fn news(&self, limit: usize) -> Vec<NewsItem> {
        self.order
            .iter()
            .rev()
            .take(limit)
            .filter_map(|id| self.entries.get(id).map(|e| e.item.clone()))
            .collect()
    }

    pub fn minutes(&self, id: &str) -> Option<(NewsItem, Vec<MinuteRow>)> {
        let e = self.entries.get(id)?;
        Some((e.item.clone(), e.minutes.iter().flatten().cloned().collect()))
    }

    /// The reaction curves: per label, the items behind it and per minute the mean return
    /// against the minute before the news (`null` where no item has that minute yet).
    pub fn reaction(&self) -> Json {
        let mut out = serde_json::Map::new();
        for label in LABELS {
            let Some((sums, items)) = self.curves.get(label) else {
                continue;
            };
            let points: Vec<Json> = sums
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    serde_json::json!({
                        "minute": i as i64 + FIRST_MINUTE,
                        "mean_return": (s.n > 0).then(|| s.total / s.n as f64),
                        "n": s.n,
                    })
                })
                .collect();
            out.insert(
                label.to_string(),
                serde_json::json!({ "items": items, "points": points }),
            );
        }
        Json::Object(out)
    }

    pub fn kept(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn news(symbol: &str, id: i64, time: &str, label: &str) -> Vec<u8> {
        let summary = serde_json::json!({"label": label, "summary": format!("story {id}")}).to_string();
        serde_json::json!({"symbol": symbol, "news_id": id, "event_time": time, "summary": summary})
            .to_string()
            .into_bytes()
    }

    fn minute(symbol: &str, id: i64, news_time: &str, start: &str, price: f64) -> Vec<u8> {
        serde_json::json!({"symbol": symbol, "news_id": id.to_string(), "news_time": news_time,
            "summary": "", "window_start": start, "window_end": start, "avg_price": price,
            "avg_volume": 10.0, "event_count": 3})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn times_parse_as_utc_milliseconds() {
        assert_eq!(parse_time("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_time("2025-07-01 14:47:57"), Some(1_751_381_277_000));
        assert_eq!(parse_time("2025-07-01T14:47:57.5"), Some(1_751_381_277_500));
        assert_eq!(parse_time("2025-13-01 00:00:00"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn minutes_are_placed_relative_to_the_news_minute_and_curves_average_returns() {
        let mut m = Model::default();
        m.add_news(&news("AAA", 1, "2025-07-01 10:00:30", "good"));
        m.add_news(&news("BBB", 2, "2025-07-01 10:00:10", "good"));
        // Item 1: reference 100 at 09:59, +2 % at 10:01.
        m.add_minute(&minute("AAA", 1, "2025-07-01 10:00:30", "2025-07-01 09:59:00", 100.0));
        m.add_minute(&minute("AAA", 1, "2025-07-01 10:00:30", "2025-07-01 10:01:00", 102.0));
        // Item 2: the −2 minute comes before its reference, then +4 % at 10:01.
        m.add_minute(&minute("BBB", 2, "2025-07-01 10:00:10", "2025-07-01 09:58:00", 49.0));
        m.add_minute(&minute("BBB", 2, "2025-07-01 10:00:10", "2025-07-01 09:59:00", 50.0));
        m.add_minute(&minute("BBB", 2, "2025-07-01 10:00:10", "2025-07-01 10:01:00", 52.0));
        let (_, rows) = m.minutes("AAA:1").unwrap();
        assert_eq!(rows.iter().map(|r| r.minute).collect::<Vec<_>>(), vec![-1, 1]);
        assert_eq!(rows[0].volume, 30.0);
        let r = m.reaction();
        assert_eq!(r["good"]["items"], 2);
        let p = &r["good"]["points"];
        // minute +1 is index 6: mean of 2 % and 4 %.
        assert_eq!(p[6]["minute"], 1);
        assert!((p[6]["mean_return"].as_f64().unwrap() - 0.03).abs() < 1e-12);
        assert_eq!(p[6]["n"], 2);
        assert!((p[3]["mean_return"].as_f64().unwrap() - (-0.02)).abs() < 1e-12);
        assert_eq!(p[4]["mean_return"], 0.0);
        assert_eq!(r["bad"]["items"], 0);
        assert!(r["bad"]["points"][6]["mean_return"].is_null());
    }

    #[test]
    fn what_is_kept_is_capped_but_the_curves_keep_counting() {
        let mut m = Model::default();
        for i in 0..(MAX_NEWS as i64 + 50) {
            m.add_news(&news("S", i, "2025-07-01 10:00:00", "bad"));
            m.add_minute(&minute("S", i, "2025-07-01 10:00:00", "2025-07-01 09:59:00", 10.0));
            m.add_minute(&minute("S", i, "2025-07-01 10:00:00", "2025-07-01 10:00:00", 9.0));
        }
        assert_eq!(m.kept(), MAX_NEWS);
        assert_eq!(m.news(10)[0].news_id, (MAX_NEWS + 49).to_string());
        assert!(m.minutes("S:0").is_none());
        assert_eq!(m.reaction()["bad"]["items"], MAX_NEWS as u64 + 50);
        // A row for an item no longer kept (or never seen) starts a new entry, unlabelled.
        assert!(m.add_minute(b"not json").is_none());
        assert_eq!(m.unreadable, 1);
    }
}
