//! # newsflow-generators
//!
//! Deterministic, realistic synthetic streams for the `datagen` connector. Every generator
//! is an iterator of [`GenRow`]s (the row plus its event time, for pacing), seeded from a
//! `u64`: the same seed and options always give the same rows, on every platform and `rand`
//! version (draws are built on `Pcg64Mcg::next_u64` only).
//!
//! ```text
//!   news    symbol STRING, news_id INT, news_time STRING, news_content STRING
//!           ~news_per_day items per trading session at random seconds in market hours;
//!           Korean or English headlines written with a true sentiment (good/bad/neutral)
//!   stock   symbol STRING, stock_time STRING, price DOUBLE, volume INT
//!           `rate` trades/s of event time in market hours; per-symbol random walks that
//!           jump with the news sentiment (±1–4 % over 1–3 min) and volume spikes (×2–5,
//!           decaying over 10 min); optional bounded out-of-orderness
//!   sensor  sensor_id INT, current_temperature DOUBLE, status STRING, event_time TIMESTAMP(3)
//!           `rate` readings/s around the clock from sensors 1..=10
//! ```
//!
//! The news and stock generators share one schedule, [`news_schedule`]: with the same
//! [`MarketConfig`] the trades react to exactly the news the news stream publishes (a join
//! of the two streams sees prices move in the direction of the headline's sentiment).
//! Schedules are computed one trading session at a time, so unbounded streams run in
//! constant memory.
//!
//! Entry points: [`news`], [`stock`], [`sensor`] with their config structs, or
//! [`by_name`] with [`GenOptions`] (what a SQL `WITH (...)` clause can set; see
//! [`GenOptions::set`] for the option keys). Times are epoch milliseconds with no time zone;
//! `news_time` / `stock_time` are `yyyy-MM-dd HH:mm:ss` text of the event time.
//!
//! ```
//! use newsflow_generators::{by_name, GenOptions};
//! let opts = GenOptions { rows: Some(3), ..GenOptions::default() };
//! let rows: Vec<_> = by_name("stock", &opts).expect("valid options").collect();
//! assert_eq!(rows.len(), 3);
//! ```

mod market;
mod news;
mod options;
mod rng;
mod sensor;
mod stock;
pub mod text;
mod truth;

#[cfg(test)]
mod tests;

use newsflow_common::{DataType, Value};

pub use market::{
    default_start_ms, market_beta, news_schedule, start_price, weekday, MarketConfig, ScheduledNews, Sentiment,
    Session, DEFAULT_NEWS_PER_DAY, DEFAULT_SEED, DEFAULT_SYMBOLS, FIRST_NEWS_ID, VOLUME_SPIKE_MS,
};
pub use news::{news, render_news, NewsConfig, NewsGenerator, NewsItem, DEFAULT_KOREAN_RATIO, NEWS_COLUMNS};
pub use options::{canonical as canonical_option, options_used_by, GenOptions};
pub use sensor::{
    sensor, status_for, SensorConfig, SensorGenerator, DEFAULT_SENSORS, DEFAULT_SENSOR_RATE, MAX_TEMPERATURE,
    MIN_TEMPERATURE, SENSOR_COLUMNS,
};
pub use stock::{stock, StockConfig, StockGenerator, DEFAULT_STOCK_RATE, STOCK_COLUMNS};
pub use truth::{truth, TruthGenerator, TRUTH_COLUMNS};

/// One generated row.
#[derive(Debug, Clone, PartialEq)]
pub struct GenRow {
    /// The row's event time, epoch ms: what a source paces on. Equal to the row's own time
    /// column (for `news`/`stock`, to within the second the text shows).
    pub event_time_ms: i64,
    /// Values in the generator's column order ([`Generator::columns`]).
    pub fields: Vec<Value>,
}

/// A synthetic stream. Rows come in event-time order except for the generator's declared
/// out-of-orderness: a row's event time is never `max_out_of_order_ms()` or more below the
/// largest event time emitted before it.
pub trait Generator: Iterator<Item = GenRow> + Send {
    /// `"news"`, `"stock"` or `"sensor"`.
    fn name(&self) -> &'static str;
    /// Column names and types, in row order.
    fn columns(&self) -> &[(&'static str, DataType)];
    /// The out-of-orderness bound in ms (0: rows are in event-time order).
    fn max_out_of_order_ms(&self) -> i64 {
        0
    }
}

/// The generator names [`by_name`] accepts.
pub const GENERATOR_NAMES: [&str; 4] = ["news", "news-truth", "stock", "sensor"];

fn unknown(name: &str) -> String {
    format!(
        "unknown generator '{name}'; valid generators are: {}",
        GENERATOR_NAMES.join(", ")
    )
}

/// The columns of a generator, without building it.
pub fn columns_by_name(name: &str) -> Result<&'static [(&'static str, DataType)], String> {
    match name.trim().to_ascii_lowercase().as_str() {
        "news" => Ok(NEWS_COLUMNS),
        "news-truth" => Ok(TRUTH_COLUMNS),
        "stock" => Ok(STOCK_COLUMNS),
        "sensor" => Ok(SENSOR_COLUMNS),
        _ => Err(unknown(name)),
    }
}

/// Builds a generator by name (`news`, `stock`, `sensor`; case-insensitive) from options.
/// Errors name the invalid option, or list the valid generator names.
pub fn by_name(name: &str, opts: &GenOptions) -> Result<Box<dyn Generator>, String> {
    match name.trim().to_ascii_lowercase().as_str() {
        "news" => {
            let cfg = opts.news_config()?;
            cfg.validate()?;
            Ok(Box::new(news(cfg)))
        }
        "news-truth" => {
            let cfg = opts.news_config()?;
            cfg.validate()?;
            Ok(Box::new(truth(cfg.market, cfg.rows, cfg.days)))
        }
        "stock" => {
            let cfg = opts.stock_config()?;
            cfg.validate()?;
            Ok(Box::new(stock(cfg)))
        }
        "sensor" => {
            let cfg = opts.sensor_config()?;
            cfg.validate()?;
            Ok(Box::new(sensor(cfg)))
        }
        _ => Err(unknown(name)),
    }
}
