//! The trading calendar and the news schedule shared by the `news` and `stock` generators.
//!
//! Both generators call [`news_schedule`] with the same [`MarketConfig`], so for a given
//! seed the trades react to exactly the news items the news stream publishes.

use std::sync::Arc;

use newsflow_common::time::{self, MILLIS_PER_DAY};

use crate::rng::{hash_str, Rng, STREAM_MARKET_BETA, STREAM_NEWS_SCHEDULE, STREAM_START_PRICE};

/// The default 20 US tickers.
pub const DEFAULT_SYMBOLS: [&str; 20] = [
    "AAPL", "AMZN", "NVDA", "TSLA", "META", "GOOG", "MSFT", "NFLX", "AMD", "ORCL", "CRM", "ADBE", "CSCO", "IBM", "TXN",
    "QCOM", "AVGO", "PYPL", "UBER", "INTC",
];

/// Default seed.
pub const DEFAULT_SEED: u64 = 42;
/// Default total number of news items per trading day (across all symbols).
pub const DEFAULT_NEWS_PER_DAY: u32 = 100;
/// The first news item's id.
pub const FIRST_NEWS_ID: i32 = 1001;

/// 2025-07-01 09:00:00 as epoch milliseconds.
pub fn default_start_ms() -> i64 {
    time::days_from_civil(2025, 7, 1) * MILLIS_PER_DAY + 9 * 3_600_000
}

/// Market calendar, symbols and news density: everything the news schedule depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketConfig {
    /// Seed of every random choice (default 42).
    pub seed: u64,
    /// First instant of the stream, epoch ms (default 2025-07-01 09:00:00). Sessions start at
    /// the later of this and the day's open.
    pub start_ms: i64,
    /// Market open, ms after midnight (default 09:00).
    pub open_ms_of_day: i64,
    /// Market close, ms after midnight, exclusive (default 15:30).
    pub close_ms_of_day: i64,
    /// Trade on Saturdays and Sundays too (default false: Monday–Friday only).
    pub weekends: bool,
    /// Ticker symbols (default [`DEFAULT_SYMBOLS`]).
    pub symbols: Vec<String>,
    /// Total news items per trading session across all symbols (default 100).
    pub news_per_day: u32,
}

impl Default for MarketConfig {
    fn default() -> Self {
        MarketConfig {
            seed: DEFAULT_SEED,
            start_ms: default_start_ms(),
            open_ms_of_day: 9 * 3_600_000,
            close_ms_of_day: 15 * 3_600_000 + 30 * 60_000,
            weekends: false,
            symbols: DEFAULT_SYMBOLS.iter().map(|s| s.to_string()).collect(),
            news_per_day: DEFAULT_NEWS_PER_DAY,
        }
    }
}

/// One trading session (one market day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// 0 for the first session at or after `start_ms`.
    pub index: u64,
    /// Days since 1970-01-01.
    pub day: i64,
    /// First instant of the session (the open, or `start_ms` when it falls inside the
    /// first session).
    pub open_ms: i64,
    /// End of the session, exclusive.
    pub close_ms: i64,
}

impl Session {
    pub fn len_ms(&self) -> i64 {
        self.close_ms - self.open_ms
    }
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

impl MarketConfig {
    /// Checks the invariants the generators rely on.
    pub fn validate(&self) -> Result<(), String> {
        if !(0..=MILLIS_PER_DAY).contains(&self.open_ms_of_day)
            || !(0..=MILLIS_PER_DAY).contains(&self.close_ms_of_day)
            || self.open_ms_of_day >= self.close_ms_of_day
        {
            return Err(format!(
                "market hours must satisfy 00:00 <= open < close <= 24:00 (got open {} ms, close {} ms)",
                self.open_ms_of_day, self.close_ms_of_day
            ));
        }
        if self.symbols.is_empty() {
            return Err("symbols must not be empty".into());
        }
        if self.symbols.iter().any(|s| s.trim().is_empty()) {
            return Err("symbols must not contain empty names".into());
        }
        Ok(())
    }

    fn is_trading_day(&self, day: i64) -> bool {
        self.weekends || weekday(day) < 5
    }

    fn first_session_day(&self) -> Option<i64> {
        if self.open_ms_of_day >= self.close_ms_of_day {
            return None;
        }
        let first = self.start_ms.div_euclid(MILLIS_PER_DAY);
        // At most a partial day plus a weekend to skip.
        (first..first + 8)
            .find(|&day| self.is_trading_day(day) && self.start_ms < day * MILLIS_PER_DAY + self.close_ms_of_day)
    }

    /// The `index`-th trading session at or after `start_ms`; `None` only when the market
    /// hours are invalid (open >= close).
    pub fn session(&self, index: u64) -> Option<Session> {
        let first = self.first_session_day()?;
        let day = if self.weekends {
            first + index as i64
        } else {
            let mut day = first + 7 * (index / 5) as i64;
            for _ in 0..index % 5 {
                day += 1;
                while weekday(day) >= 5 {
                    day += 1;
                }
            }
            day
        };
        let midnight = day * MILLIS_PER_DAY;
        let open = midnight + self.open_ms_of_day;
        Some(Session {
            index,
            day,
            open_ms: if index == 0 { open.max(self.start_ms) } else { open },
            close_ms: midnight + self.close_ms_of_day,
        })
    }

    /// Length of a full session in ms.
    pub fn full_session_ms(&self) -> i64 {
        (self.close_ms_of_day - self.open_ms_of_day).max(1)
    }
}

/// The true sentiment a news item was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sentiment {
    Good,
    Bad,
    Neutral,
}

impl Sentiment {
    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Good => "good",
            Sentiment::Bad => "bad",
            Sentiment::Neutral => "neutral",
        }
    }
}

/// One news item of the schedule: when, about whom, and how the market will react.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledNews {
    pub symbol: Arc<str>,
    /// Index of `symbol` in [`MarketConfig::symbols`].
    pub symbol_index: usize,
    /// Sequential from 1001 over the whole stream, in event-time order.
    pub news_id: i32,
    /// Publication time, epoch ms, a whole second inside the session.
    pub event_time_ms: i64,
    pub sentiment: Sentiment,
    /// Signed relative price move the news causes: +1..4 % good, −1..4 % bad, within
    /// ±0.3 % neutral (e.g. `0.032` = +3.2 %).
    pub price_impact: f64,
    /// The move is spread linearly over this many ms after publication (60–180 s).
    pub impact_ms: i64,
    /// Trade volumes are multiplied by up to this factor (2–5), decaying linearly to 1 over
    /// [`VOLUME_SPIKE_MS`].
    pub volume_multiplier: f64,
}

/// How long a news-driven volume spike lasts.
pub const VOLUME_SPIKE_MS: i64 = 10 * 60_000;

/// The news items of trading session `session` (see [`MarketConfig::session`]), sorted by
/// event time. Exactly `news_per_day` items per session, at random whole seconds inside the
/// session, each about a random symbol. Deterministic in `(seed, calendar day, config)`.
pub fn news_schedule(cfg: &MarketConfig, session: u64) -> Vec<ScheduledNews> {
    match cfg.session(session) {
        Some(s) => schedule_for(cfg, &s),
        None => Vec::new(),
    }
}

pub(crate) fn schedule_for(cfg: &MarketConfig, s: &Session) -> Vec<ScheduledNews> {
    let n = cfg.news_per_day as usize;
    if n == 0 || cfg.symbols.is_empty() {
        return Vec::new();
    }
    let first_sec = s.open_ms.div_euclid(1000) + i64::from(s.open_ms.rem_euclid(1000) != 0);
    let last_sec = (s.close_ms - 1).div_euclid(1000);
    if last_sec < first_sec {
        return Vec::new();
    }
    let symbols: Vec<Arc<str>> = cfg.symbols.iter().map(|s| Arc::from(s.as_str())).collect();
    let mut rng = Rng::new(cfg.seed, STREAM_NEWS_SCHEDULE, s.day as u64);
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        let t = rng.range_i64(first_sec, last_sec) * 1000;
        let symbol_index = rng.below(symbols.len() as u64) as usize;
        let u = rng.f64();
        let (sentiment, price_impact) = if u < 0.375 {
            (Sentiment::Good, rng.range_f64(0.01, 0.04))
        } else if u < 0.75 {
            (Sentiment::Bad, -rng.range_f64(0.01, 0.04))
        } else {
            (Sentiment::Neutral, rng.range_f64(-0.003, 0.003))
        };
        let impact_ms = rng.range_i64(60_000, 180_000);
        let volume_multiplier = rng.range_f64(2.0, 5.0);
        items.push(ScheduledNews {
            symbol: symbols[symbol_index].clone(),
            symbol_index,
            news_id: 0,
            event_time_ms: t,
            sentiment,
            price_impact,
            impact_ms,
            volume_multiplier,
        });
    }
    items.sort_by_key(|n| n.event_time_ms);
    let base = i64::from(FIRST_NEWS_ID) + (s.index as i64).saturating_mul(n as i64);
    for (i, item) in items.iter_mut().enumerate() {
        item.news_id = i32::try_from(base.saturating_add(i as i64)).unwrap_or(i32::MAX);
    }
    items
}

/// The opening price of `symbol` on the first session: log-uniform in 30..500, rounded to
/// cents. Deterministic in `(seed, symbol)`.
pub fn start_price(seed: u64, symbol: &str) -> f64 {
    let mut rng = Rng::new(seed, STREAM_START_PRICE, hash_str(symbol));
    let p = rng.range_f64(30f64.ln(), 500f64.ln()).exp();
    (p * 100.0).round() / 100.0
}

/// How strongly `symbol` moves with the market factor of the `stock` generator's
/// `market-volatility` option: uniform in 0.5..1.5. Deterministic in `(seed, symbol)`.
pub fn market_beta(seed: u64, symbol: &str) -> f64 {
    Rng::new(seed, STREAM_MARKET_BETA, hash_str(symbol)).range_f64(0.5, 1.5)
}
