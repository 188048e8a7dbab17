//! `news`: a rare, irregular stream of headlines with a known true sentiment.

use std::sync::Arc;

use newsflow_common::time;
use newsflow_common::{DataType, Value};

use crate::market::{schedule_for, start_price, MarketConfig, ScheduledNews};
use crate::rng::{Rng, STREAM_NEWS_TEXT};
use crate::text::headline;
use crate::{GenRow, Generator};

/// Default share of Korean headlines.
pub const DEFAULT_KOREAN_RATIO: f64 = 0.5;

pub const NEWS_COLUMNS: &[(&str, DataType)] = &[
    ("symbol", DataType::STRING),
    ("news_id", DataType::Int),
    ("news_time", DataType::STRING),
    ("news_content", DataType::STRING),
];

/// Configuration of the `news` generator.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsConfig {
    pub market: MarketConfig,
    /// Probability that a headline is Korean rather than English (default 0.5).
    pub korean_ratio: f64,
    /// Stop after this many news items.
    pub rows: Option<u64>,
    /// Stop after this many trading sessions.
    pub days: Option<u64>,
}

impl Default for NewsConfig {
    fn default() -> Self {
        NewsConfig {
            market: MarketConfig::default(),
            korean_ratio: DEFAULT_KOREAN_RATIO,
            rows: None,
            days: None,
        }
    }
}

impl NewsConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.market.validate()?;
        if !(0.0..=1.0).contains(&self.korean_ratio) {
            return Err(format!(
                "korean_ratio must be between 0 and 1 (got {})",
                self.korean_ratio
            ));
        }
        Ok(())
    }
}

/// A news item with its rendered headline.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsItem {
    pub scheduled: ScheduledNews,
    pub korean: bool,
    pub content: String,
}

/// Renders the headline of a scheduled item: language and wording are deterministic in
/// `(seed, news_id, korean_ratio)`.
pub fn render_news(cfg: &NewsConfig, item: &ScheduledNews) -> NewsItem {
    let mut rng = Rng::new(cfg.market.seed, STREAM_NEWS_TEXT, item.news_id as u64);
    let korean = rng.chance(cfg.korean_ratio);
    let reference = start_price(cfg.market.seed, &item.symbol);
    let content = headline(item, korean, reference, &mut rng);
    NewsItem {
        scheduled: item.clone(),
        korean,
        content,
    }
}

/// Iterator of news rows; see [`crate::news`].
pub struct NewsGenerator {
    cfg: NewsConfig,
    next_session: u64,
    pending: std::vec::IntoIter<ScheduledNews>,
    emitted: u64,
    done: bool,
}

/// Builds the `news` generator. Invalid configurations (see [`NewsConfig::validate`])
/// yield an empty stream.
pub fn news(cfg: NewsConfig) -> NewsGenerator {
    let done = cfg.validate().is_err() || cfg.market.news_per_day == 0;
    NewsGenerator {
        cfg,
        next_session: 0,
        pending: Vec::new().into_iter(),
        emitted: 0,
        done,
    }
}

impl Iterator for NewsGenerator {
    type Item = GenRow;

    fn next(&mut self) -> Option<GenRow> {
        loop {
            if self.done || self.cfg.rows.is_some_and(|r| self.emitted >= r) {
                return None;
            }
            if let Some(item) = self.pending.next() {
                self.emitted += 1;
                let rendered = render_news(&self.cfg, &item);
                let t = item.event_time_ms;
                return Some(GenRow {
                    event_time_ms: t,
                    fields: vec![
                        Value::Str(item.symbol),
                        Value::Int(item.news_id),
                        Value::Str(Arc::from(time::format_timestamp_sql(t, 0))),
                        Value::Str(Arc::from(rendered.content)),
                    ],
                });
            }
            if self.cfg.days.is_some_and(|d| self.next_session >= d) {
                self.done = true;
                continue;
            }
            let Some(s) = self.cfg.market.session(self.next_session) else {
                self.done = true;
                continue;
            };
            self.pending = schedule_for(&self.cfg.market, &s).into_iter();
            self.next_session += 1;
        }
    }
}

impl Generator for NewsGenerator {
    fn name(&self) -> &'static str {
        "news"
    }
    fn columns(&self) -> &[(&'static str, DataType)] {
        NEWS_COLUMNS
    }
}
