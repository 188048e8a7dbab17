//! [`GenOptions`]: the generator options a SQL table definition can set.

use newsflow_common::time::{self, MILLIS_PER_DAY};

use crate::market::MarketConfig;
use crate::news::NewsConfig;
use crate::sensor::SensorConfig;
use crate::stock::StockConfig;

/// Options shared by all generators; `None` means the documented default. Which
/// generator uses which: [`options_used_by`] (the `datagen` connector refuses the others).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenOptions {
    /// Random seed (default 42).
    pub seed: Option<u64>,
    /// Stop after this many rows (default: unbounded).
    pub rows: Option<u64>,
    /// Stop after this many trading sessions (`news`, `stock`) or 24-hour days (`sensor`)
    /// (default: unbounded).
    pub days: Option<u64>,
    /// Rows per second of event time: trades across all symbols for `stock` (default 20),
    /// readings across all sensors for `sensor` (default 10). Not used by `news`.
    pub rate: Option<f64>,
    /// Ticker symbols (default the 20 US tickers of [`crate::DEFAULT_SYMBOLS`]).
    pub symbols: Option<Vec<String>>,
    /// First event time, epoch ms (default 2025-07-01 09:00:00).
    pub start: Option<i64>,
    /// News items per trading session across all symbols (default 100).
    pub news_per_day: Option<u32>,
    /// Share of Korean headlines, 0..=1 (default 0.5).
    pub korean_ratio: Option<f64>,
    /// Out-of-orderness bound of `stock` and `sensor` in ms (default 0).
    pub max_out_of_order_ms: Option<i64>,
    /// Market open, ms after midnight (default 09:00).
    pub market_open: Option<i64>,
    /// Market close, ms after midnight (default 15:30).
    pub market_close: Option<i64>,
    /// Whether Saturdays and Sundays are trading days (default false).
    pub weekends: Option<bool>,
    /// Number of sensors for `sensor` (default 10).
    pub sensors: Option<u32>,
    /// Daily volatility of a market factor every `stock` symbol moves with (default 0: none).
    pub market_volatility: Option<f64>,
}

fn parse<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, String> {
    value
        .trim()
        .parse::<T>()
        .map_err(|_| format!("invalid value '{value}' for generator option '{key}'"))
}

/// The name [`GenOptions::set`] knows `key` by (keys are case-insensitive, `-`, `_` and
/// `.` are interchangeable, and some have aliases), or `None` if it is no generator option.
pub fn canonical(key: &str) -> Option<&'static str> {
    let norm: String = key
        .trim()
        .chars()
        .map(|c| {
            if c == '_' || c == '.' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    Some(match norm.as_str() {
        "seed" => "seed",
        "rows" | "number-of-rows" => "number-of-rows",
        "days" => "days",
        "rate" | "rows-per-second" => "rate",
        "symbols" => "symbols",
        "start" => "start",
        "news-per-day" => "news-per-day",
        "korean-ratio" => "korean-ratio",
        "max-out-of-order-ms" | "max-out-of-orderness" | "max-out-of-order" => "max-out-of-order-ms",
        "market-open" => "market-open",
        "market-close" => "market-close",
        "weekends" => "weekends",
        "sensors" => "sensors",
        "market-volatility" => "market-volatility",
        _ => return None,
    })
}

/// The options (by their [`canonical`] names) a generator uses; `None` for an unknown
/// generator. An option outside its list would have no effect on that generator.
pub fn options_used_by(generator: &str) -> Option<&'static [&'static str]> {
    const MARKET: [&str; 8] = [
        "seed",
        "number-of-rows",
        "days",
        "symbols",
        "start",
        "market-open",
        "market-close",
        "weekends",
    ];
    const NEWS: &[&str] = &[
        MARKET[0],
        MARKET[1],
        MARKET[2],
        MARKET[3],
        MARKET[4],
        MARKET[5],
        MARKET[6],
        MARKET[7],
        "news-per-day",
        "korean-ratio",
    ];
    const TRUTH: &[&str] = &[
        MARKET[0],
        MARKET[1],
        MARKET[2],
        MARKET[3],
        MARKET[4],
        MARKET[5],
        MARKET[6],
        MARKET[7],
        "news-per-day",
    ];
    // Trades follow the news schedule (prices jump after news), so `news-per-day` counts.
    const STOCK: &[&str] = &[
        MARKET[0],
        MARKET[1],
        MARKET[2],
        MARKET[3],
        MARKET[4],
        MARKET[5],
        MARKET[6],
        MARKET[7],
        "news-per-day",
        "rate",
        "max-out-of-order-ms",
        "market-volatility",
    ];
    const SENSOR: &[&str] = &[
        "seed",
        "number-of-rows",
        "days",
        "rate",
        "start",
        "max-out-of-order-ms",
        "sensors",
    ];
    match generator.trim().to_ascii_lowercase().as_str() {
        "news" => Some(NEWS),
        "news-truth" => Some(TRUTH),
        "stock" => Some(STOCK),
        "sensor" => Some(SENSOR),
        _ => None,
    }
}

/// `HH:mm[:ss]` → ms after midnight (`24:00` allowed).
fn parse_time_of_day(key: &str, value: &str) -> Result<i64, String> {
    let err = || format!("invalid time of day '{value}' for option '{key}' (expected HH:mm or HH:mm:ss)");
    let mut parts = value.trim().split(':');
    let mut field = |max: i64| -> Result<Option<i64>, String> {
        match parts.next() {
            None => Ok(None),
            Some(p) => match p.parse::<i64>() {
                Ok(v) if (0..=max).contains(&v) && !p.is_empty() && p.len() <= 2 => Ok(Some(v)),
                _ => Err(err()),
            },
        }
    };
    let h = field(24)?.ok_or_else(err)?;
    let m = field(59)?.ok_or_else(err)?;
    let s = field(59)?.unwrap_or(0);
    if parts.next().is_some() {
        return Err(err());
    }
    let ms = h * 3_600_000 + m * 60_000 + s * 1000;
    if ms > MILLIS_PER_DAY {
        return Err(err());
    }
    Ok(ms)
}

impl GenOptions {
    /// Sets one option from its text form, as written in a SQL `WITH` clause. Keys are
    /// case-insensitive and `-`, `_` and `.` are interchangeable:
    ///
    /// | key | value |
    /// |---|---|
    /// | `seed` | unsigned integer |
    /// | `rows`, `number-of-rows` | unsigned integer |
    /// | `days` | unsigned integer |
    /// | `rate`, `rows-per-second` | positive number |
    /// | `symbols` | comma-separated tickers |
    /// | `start` | `yyyy-MM-dd HH:mm:ss[.SSS]` (or ISO `T`), or epoch ms |
    /// | `news-per-day` | unsigned integer |
    /// | `korean-ratio` | number in 0..=1 |
    /// | `max-out-of-order-ms`, `max-out-of-orderness` | milliseconds |
    /// | `market-open`, `market-close` | `HH:mm[:ss]` |
    /// | `weekends` | `true` / `false` |
    /// | `sensors` | positive integer |
    /// | `market-volatility` | number in 0..=1 (a daily standard deviation: 0.02 = 2 %) |
    ///
    /// Returns `Ok(false)` for a key that is not a generator option (so callers can pass
    /// every table option through), `Err` for a bad value.
    pub fn set(&mut self, key: &str, value: &str) -> Result<bool, String> {
        let Some(name) = canonical(key) else {
            return Ok(false);
        };
        match name {
            "seed" => self.seed = Some(parse(key, value)?),
            "number-of-rows" => self.rows = Some(parse(key, value)?),
            "days" => self.days = Some(parse(key, value)?),
            "rate" => {
                let r: f64 = parse(key, value)?;
                if !(r.is_finite() && r > 0.0) {
                    return Err(format!("option '{key}' must be a positive number (got '{value}')"));
                }
                self.rate = Some(r);
            }
            "symbols" => {
                let list: Vec<String> = value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                if list.is_empty() {
                    return Err(format!("option '{key}' needs at least one symbol"));
                }
                self.symbols = Some(list);
            }
            "start" => {
                let v = value.trim();
                let ms = match v.parse::<i64>() {
                    Ok(ms) => ms,
                    Err(_) => time::parse_timestamp(v, None).ok_or_else(|| {
                        format!("invalid timestamp '{value}' for option '{key}' (expected yyyy-MM-dd HH:mm:ss)")
                    })?,
                };
                self.start = Some(ms);
            }
            "news-per-day" => self.news_per_day = Some(parse(key, value)?),
            "korean-ratio" => {
                let r: f64 = parse(key, value)?;
                if !(0.0..=1.0).contains(&r) {
                    return Err(format!("option '{key}' must be between 0 and 1 (got '{value}')"));
                }
                self.korean_ratio = Some(r);
            }
            "max-out-of-order-ms" => {
                let v: i64 = parse(key, value)?;
                if v < 0 {
                    return Err(format!("option '{key}' must not be negative"));
                }
                self.max_out_of_order_ms = Some(v);
            }
            "market-open" => self.market_open = Some(parse_time_of_day(key, value)?),
            "market-close" => self.market_close = Some(parse_time_of_day(key, value)?),
            "weekends" => self.weekends = Some(parse(key, &value.trim().to_ascii_lowercase())?),
            "sensors" => self.sensors = Some(parse(key, value)?),
            "market-volatility" => {
                let v: f64 = parse(key, value)?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("option '{key}' must be between 0 and 1 (got '{value}')"));
                }
                self.market_volatility = Some(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The market part of the options, with defaults filled in.
    pub fn market_config(&self) -> Result<MarketConfig, String> {
        let d = MarketConfig::default();
        let cfg = MarketConfig {
            seed: self.seed.unwrap_or(d.seed),
            start_ms: self.start.unwrap_or(d.start_ms),
            open_ms_of_day: self.market_open.unwrap_or(d.open_ms_of_day),
            close_ms_of_day: self.market_close.unwrap_or(d.close_ms_of_day),
            weekends: self.weekends.unwrap_or(d.weekends),
            symbols: self.symbols.clone().unwrap_or(d.symbols),
            news_per_day: self.news_per_day.unwrap_or(d.news_per_day),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn news_config(&self) -> Result<NewsConfig, String> {
        let d = NewsConfig::default();
        Ok(NewsConfig {
            market: self.market_config()?,
            korean_ratio: self.korean_ratio.unwrap_or(d.korean_ratio),
            rows: self.rows,
            days: self.days,
        })
    }

    pub fn stock_config(&self) -> Result<StockConfig, String> {
        let d = StockConfig::default();
        Ok(StockConfig {
            market: self.market_config()?,
            rate: self.rate.unwrap_or(d.rate),
            max_out_of_order_ms: self.max_out_of_order_ms.unwrap_or(d.max_out_of_order_ms),
            market_volatility: self.market_volatility.unwrap_or(d.market_volatility),
            rows: self.rows,
            days: self.days,
        })
    }

    pub fn sensor_config(&self) -> Result<SensorConfig, String> {
        let d = SensorConfig::default();
        Ok(SensorConfig {
            seed: self.seed.unwrap_or(d.seed),
            start_ms: self.start.unwrap_or(d.start_ms),
            rate: self.rate.unwrap_or(d.rate),
            sensors: self.sensors.unwrap_or(d.sensors),
            max_out_of_order_ms: self.max_out_of_order_ms.unwrap_or(d.max_out_of_order_ms),
            rows: self.rows,
            days: self.days,
        })
    }
}
