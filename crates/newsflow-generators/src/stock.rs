//! `stock`: a continuous stream of trades with per-symbol random-walk prices that react to
//! the news schedule.

use std::sync::Arc;

use newsflow_common::time;
use newsflow_common::{DataType, Value};

use crate::market::{market_beta, schedule_for, start_price, MarketConfig, ScheduledNews, Session, VOLUME_SPIKE_MS};
use crate::rng::{Rng, STREAM_MARKET, STREAM_STOCK};
use crate::{GenRow, Generator};

/// Default trades per second of event time, across all symbols.
pub const DEFAULT_STOCK_RATE: f64 = 20.0;
/// Daily volatility of the random walk (standard deviation of a session's log return
/// without news).
const DAILY_VOLATILITY: f64 = 0.015;
/// Standard deviation of the overnight gap.
const OVERNIGHT_VOLATILITY: f64 = 0.006;
/// Largest trade size before news spikes; spikes (×5 at most) keep volumes within 10 000.
const BASE_VOLUME_MAX: f64 = 2_000.0;
const VOLUME_MAX: f64 = 10_000.0;

pub const STOCK_COLUMNS: &[(&str, DataType)] = &[
    ("symbol", DataType::STRING),
    ("stock_time", DataType::STRING),
    ("price", DataType::Double),
    ("volume", DataType::Int),
];

/// Configuration of the `stock` generator.
#[derive(Debug, Clone, PartialEq)]
pub struct StockConfig {
    pub market: MarketConfig,
    /// Trades per second of event time across all symbols (default 20).
    pub rate: f64,
    /// Out-of-orderness bound in ms (default 0: event-time ordered). Each trade's event time
    /// is moved back by less than this, so a trade is never more than
    /// `max_out_of_order_ms - 1` ms older than one emitted before it; the bound also holds
    /// for the second-precision `stock_time` text.
    pub max_out_of_order_ms: i64,
    /// Daily volatility of a market factor (default 0: none). Each symbol's price is its own
    /// walk times `exp(beta × m(t))`, `m` a random walk with this standard deviation per
    /// session, restarting flat at each open, and `beta` the symbol's
    /// [`crate::market_beta`]. Its draws come from their own random stream, so the other
    /// draws (and the output with 0) do not change.
    pub market_volatility: f64,
    /// Stop after this many trades.
    pub rows: Option<u64>,
    /// Stop after this many trading sessions.
    pub days: Option<u64>,
}

impl Default for StockConfig {
    fn default() -> Self {
        StockConfig {
            market: MarketConfig::default(),
            rate: DEFAULT_STOCK_RATE,
            max_out_of_order_ms: 0,
            market_volatility: 0.0,
            rows: None,
            days: None,
        }
    }
}

impl StockConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.market.validate()?;
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(format!("rate must be a positive number (got {})", self.rate));
        }
        if self.max_out_of_order_ms < 0 {
            return Err("max_out_of_order_ms must not be negative".into());
        }
        if !(0.0..=1.0).contains(&self.market_volatility) {
            return Err(format!(
                "market_volatility must be between 0 and 1 (got {})",
                self.market_volatility
            ));
        }
        Ok(())
    }
}

struct PriceEffect {
    start_ms: i64,
    len_ms: i64,
    impact: f64,
}

struct VolumeSpike {
    start_ms: i64,
    extra: f64,
}

struct SymbolState {
    symbol: Arc<str>,
    /// The random-walk price with every completed news effect folded in.
    walk: f64,
    effects: Vec<PriceEffect>,
    spikes: Vec<VolumeSpike>,
    /// How strongly the symbol follows the market factor.
    beta: f64,
}

/// The market factor: a random walk of the log level, advanced to each trade's time.
struct MarketFactor {
    rng: Rng,
    /// Variance of the log level per ms of elapsed time.
    variance_per_ms: f64,
    log_level: f64,
    at_ms: i64,
}

impl MarketFactor {
    fn advance(&mut self, t: i64) -> f64 {
        let dt = t - self.at_ms;
        if dt > 0 {
            self.log_level += (self.variance_per_ms * dt as f64).sqrt() * self.rng.approx_normal();
            self.at_ms = t;
        }
        self.log_level
    }
}

impl SymbolState {
    fn price_at(&mut self, t: i64) -> f64 {
        let mut p = self.walk;
        let mut i = 0;
        while i < self.effects.len() {
            let e = &self.effects[i];
            let elapsed = t - e.start_ms;
            if elapsed >= e.len_ms {
                self.walk *= 1.0 + e.impact;
                p *= 1.0 + e.impact;
                self.effects.swap_remove(i);
            } else {
                if elapsed > 0 {
                    p *= 1.0 + e.impact * (elapsed as f64 / e.len_ms as f64);
                }
                i += 1;
            }
        }
        p
    }

    fn volume_multiplier(&mut self, t: i64) -> f64 {
        let mut m = 1.0;
        let mut i = 0;
        while i < self.spikes.len() {
            let s = &self.spikes[i];
            let elapsed = t - s.start_ms;
            if elapsed >= VOLUME_SPIKE_MS {
                self.spikes.swap_remove(i);
            } else {
                if elapsed >= 0 {
                    m += s.extra * (1.0 - elapsed as f64 / VOLUME_SPIKE_MS as f64);
                }
                i += 1;
            }
        }
        m
    }
}

/// Iterator of trades; see [`crate::stock`].
pub struct StockGenerator {
    cfg: StockConfig,
    rng: Rng,
    mean_gap_ms: f64,
    sigma: f64,
    states: Vec<SymbolState>,
    session: Option<Session>,
    /// Base (un-jittered) event time of the next trade.
    t: f64,
    news: Vec<ScheduledNews>,
    news_pos: usize,
    /// Whole seconds of backward jitter allowed past the trade's own second.
    jitter_secs: i64,
    ts_cache: Vec<(i64, Arc<str>)>,
    /// `None` without `market_volatility`.
    market: Option<MarketFactor>,
    emitted: u64,
    done: bool,
}

/// Builds the `stock` generator. Invalid configurations (see [`StockConfig::validate`])
/// yield an empty stream.
pub fn stock(cfg: StockConfig) -> StockGenerator {
    let valid = cfg.validate().is_ok();
    let rng = Rng::new(cfg.market.seed, STREAM_STOCK, 0);
    let n = cfg.market.symbols.len().max(1) as f64;
    let rate = if valid { cfg.rate } else { 1.0 };
    let trades_per_symbol_session = rate * cfg.market.full_session_ms() as f64 / 1000.0 / n;
    let sigma = DAILY_VOLATILITY / trades_per_symbol_session.max(1.0).sqrt();
    let states = cfg
        .market
        .symbols
        .iter()
        .map(|s| SymbolState {
            symbol: Arc::from(s.as_str()),
            walk: start_price(cfg.market.seed, s),
            effects: Vec::new(),
            spikes: Vec::new(),
            beta: market_beta(cfg.market.seed, s),
        })
        .collect();
    let market = (cfg.market_volatility > 0.0).then(|| MarketFactor {
        rng: Rng::new(cfg.market.seed, STREAM_MARKET, 0),
        variance_per_ms: cfg.market_volatility * cfg.market_volatility / cfg.market.full_session_ms() as f64,
        log_level: 0.0,
        at_ms: 0,
    });
    let jitter_secs = (cfg.max_out_of_order_ms - 1).max(0) / 1000;
    let cache_len = (jitter_secs + 2).min(64) as usize;
    let mut g = StockGenerator {
        mean_gap_ms: 1000.0 / rate,
        sigma,
        states,
        session: None,
        t: 0.0,
        news: Vec::new(),
        news_pos: 0,
        jitter_secs,
        ts_cache: vec![(i64::MIN, Arc::from("")); cache_len],
        market,
        emitted: 0,
        done: !valid,
        rng,
        cfg,
    };
    if !g.done {
        g.enter_session(0);
    }
    g
}

impl StockGenerator {
    fn enter_session(&mut self, index: u64) {
        if self.cfg.days.is_some_and(|d| index >= d) {
            self.done = true;
            return;
        }
        let Some(s) = self.cfg.market.session(index) else {
            self.done = true;
            return;
        };
        if index > 0 {
            for st in &mut self.states {
                st.walk *= (1.0 + OVERNIGHT_VOLATILITY * self.rng.approx_normal()).max(0.5);
            }
        }
        if let Some(m) = &mut self.market {
            m.log_level = 0.0;
            m.at_ms = s.open_ms;
        }
        self.news = schedule_for(&self.cfg.market, &s);
        self.news_pos = 0;
        self.t = s.open_ms as f64 + self.rng.exponential(self.mean_gap_ms);
        self.session = Some(s);
    }

    fn timestamp_text(&mut self, ms: i64) -> Arc<str> {
        let sec = ms.div_euclid(1000);
        let slot = sec.rem_euclid(self.ts_cache.len() as i64) as usize;
        let entry = &mut self.ts_cache[slot];
        if entry.0 != sec {
            *entry = (sec, Arc::from(time::format_timestamp_sql(sec * 1000, 0)));
        }
        entry.1.clone()
    }
}

impl Iterator for StockGenerator {
    type Item = GenRow;

    fn next(&mut self) -> Option<GenRow> {
        if self.done || self.cfg.rows.is_some_and(|r| self.emitted >= r) {
            return None;
        }
        let session = loop {
            let s = self.session?;
            if self.t < s.close_ms as f64 {
                break s;
            }
            self.enter_session(s.index + 1);
            if self.done {
                return None;
            }
        };
        let base = self.t as i64;
        self.t += self.rng.exponential(self.mean_gap_ms);

        // News published up to now start moving their symbol.
        while let Some(n) = self.news.get(self.news_pos) {
            if n.event_time_ms > base {
                break;
            }
            if let Some(st) = self.states.get_mut(n.symbol_index) {
                st.effects.push(PriceEffect {
                    start_ms: n.event_time_ms,
                    len_ms: n.impact_ms,
                    impact: n.price_impact,
                });
                st.spikes.push(VolumeSpike {
                    start_ms: n.event_time_ms,
                    extra: n.volume_multiplier - 1.0,
                });
            }
            self.news_pos += 1;
        }

        let idx = self.rng.below(self.states.len() as u64) as usize;
        let noise = self.sigma * self.rng.approx_normal();
        let base_volume = (self.rng.f64() * BASE_VOLUME_MAX.ln()).exp();
        let round_lot = self.rng.chance(0.3);
        let jitter = if self.cfg.max_out_of_order_ms > 0 {
            self.rng.below(self.cfg.max_out_of_order_ms as u64) as i64
        } else {
            0
        };

        let market = self.market.as_mut().map_or(0.0, |m| m.advance(base));
        let st = &mut self.states[idx];
        st.walk = (st.walk * (1.0 + noise)).max(0.01);
        let price = ((st.price_at(base) * (st.beta * market).exp() * 100.0).round() / 100.0).max(0.01);
        let base_volume = if round_lot {
            ((base_volume / 100.0).round() * 100.0).max(100.0)
        } else {
            base_volume
        };
        let volume = (base_volume * st.volume_multiplier(base))
            .round()
            .clamp(1.0, VOLUME_MAX) as i32;
        let symbol = st.symbol.clone();

        // Jitter backward, but never past the whole-second bound (so stock_time respects
        // it too) nor before the session open.
        let event = if jitter > 0 {
            (base - jitter)
                .max(base.div_euclid(1000) * 1000 - self.jitter_secs * 1000)
                .max(session.open_ms)
        } else {
            base
        };
        let ts = self.timestamp_text(event);
        self.emitted += 1;
        Some(GenRow {
            event_time_ms: event,
            fields: vec![
                Value::Str(symbol),
                Value::Str(ts),
                Value::Double(price),
                Value::Int(volume),
            ],
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        let upper = self
            .cfg
            .rows
            .and_then(|r| usize::try_from(r.saturating_sub(self.emitted)).ok());
        (0, upper)
    }
}

impl Generator for StockGenerator {
    fn name(&self) -> &'static str {
        "stock"
    }
    fn columns(&self) -> &[(&'static str, DataType)] {
        STOCK_COLUMNS
    }
    fn max_out_of_order_ms(&self) -> i64 {
        self.cfg.max_out_of_order_ms
    }
}
