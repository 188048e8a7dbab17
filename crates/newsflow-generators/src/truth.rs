//! `news-truth`: the ground truth behind the `news` and `stock` generators — per news item,
//! the sentiment it was written with and the move it injects into its stock's trades — so
//! that impact figures (`NEWS_IMPACT`) and labels can be checked against what really
//! happened. Same options and schedule as `news` (without `korean-ratio`, which only
//! changes the wording): the rows line up with the news stream's by `news_id`.

use std::sync::Arc;

use newsflow_common::time;
use newsflow_common::{DataType, Value};

use crate::market::{market_beta, schedule_for, MarketConfig, ScheduledNews};
use crate::{GenRow, Generator};

pub const TRUTH_COLUMNS: &[(&str, DataType)] = &[
    ("symbol", DataType::STRING),
    ("news_id", DataType::Int),
    ("news_time", DataType::STRING),
    // good, bad or neutral
    ("sentiment", DataType::STRING),
    // The relative price move the item causes (0.032 = +3.2 %), spread linearly over
    // `impact_seconds` after publication.
    ("price_impact", DataType::Double),
    ("impact_seconds", DataType::Double),
    // Trade volumes are multiplied by up to this, decaying linearly to 1 over 10 minutes.
    ("volume_multiplier", DataType::Double),
    // How strongly the symbol follows the stock generator's market factor (with its
    // `market-volatility` option; without it there is no market factor).
    ("market_beta", DataType::Double),
];

/// Iterator of ground-truth rows; see [`crate::truth`].
pub struct TruthGenerator {
    market: MarketConfig,
    rows: Option<u64>,
    days: Option<u64>,
    next_session: u64,
    pending: std::vec::IntoIter<ScheduledNews>,
    emitted: u64,
    done: bool,
}

/// Builds the `news-truth` generator; an invalid market configuration yields an empty stream.
pub fn truth(market: MarketConfig, rows: Option<u64>, days: Option<u64>) -> TruthGenerator {
    let done = market.validate().is_err() || market.news_per_day == 0;
    TruthGenerator {
        market,
        rows,
        days,
        next_session: 0,
        pending: Vec::new().into_iter(),
        emitted: 0,
        done,
    }
}

impl Iterator for TruthGenerator {
    type Item = GenRow;

    fn next(&mut self) -> Option<GenRow> {
        loop {
            if self.done || self.rows.is_some_and(|r| self.emitted >= r) {
                return None;
            }
            if let Some(n) = self.pending.next() {
                self.emitted += 1;
                let t = n.event_time_ms;
                let beta = market_beta(self.market.seed, &n.symbol);
                return Some(GenRow {
                    event_time_ms: t,
                    fields: vec![
                        Value::Str(n.symbol),
                        Value::Int(n.news_id),
                        Value::Str(Arc::from(time::format_timestamp_sql(t, 0))),
                        Value::str(n.sentiment.as_str()),
                        Value::Double(n.price_impact),
                        Value::Double(n.impact_ms as f64 / 1000.0),
                        Value::Double(n.volume_multiplier),
                        Value::Double(beta),
                    ],
                });
            }
            if self.days.is_some_and(|d| self.next_session >= d) {
                self.done = true;
                continue;
            }
            let Some(s) = self.market.session(self.next_session) else {
                self.done = true;
                continue;
            };
            self.pending = schedule_for(&self.market, &s).into_iter();
            self.next_session += 1;
        }
    }
}

impl Generator for TruthGenerator {
    fn name(&self) -> &'static str {
        "news-truth"
    }
    fn columns(&self) -> &[(&'static str, DataType)] {
        TRUTH_COLUMNS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::{news, NewsConfig};

    #[test]
    fn the_truth_lines_up_with_the_news_stream() {
        let market = MarketConfig::default();
        let cfg = NewsConfig {
            market: market.clone(),
            days: Some(2),
            ..NewsConfig::default()
        };
        let n: Vec<GenRow> = news(cfg).collect();
        let t: Vec<GenRow> = truth(market, None, Some(2)).collect();
        assert_eq!(n.len(), 200);
        assert_eq!(n.len(), t.len());
        for (a, b) in n.iter().zip(&t) {
            assert_eq!(a.event_time_ms, b.event_time_ms);
            assert_eq!(a.fields[..3], b.fields[..3]);
        }
        let impacts: Vec<f64> = t
            .iter()
            .filter_map(|r| match r.fields[4] {
                Value::Double(x) => Some(x),
                _ => None,
            })
            .collect();
        assert!(impacts.iter().any(|x| *x > 0.01) && impacts.iter().any(|x| *x < -0.01));
    }
}
