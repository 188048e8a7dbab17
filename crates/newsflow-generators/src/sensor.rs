//! `sensor`: equipment temperature readings with a status derived from the reading.

use std::sync::Arc;

use newsflow_common::{DataType, Value};

use crate::market::{default_start_ms, DEFAULT_SEED};
use crate::rng::{Rng, STREAM_SENSOR};
use crate::{GenRow, Generator};

/// Default readings per second of event time, across all sensors.
pub const DEFAULT_SENSOR_RATE: f64 = 10.0;
/// Default number of sensors (ids `1..=10`).
pub const DEFAULT_SENSORS: u32 = 10;
pub const MIN_TEMPERATURE: f64 = 10.0;
pub const MAX_TEMPERATURE: f64 = 180.0;

pub const SENSOR_COLUMNS: &[(&str, DataType)] = &[
    ("sensor_id", DataType::Int),
    ("current_temperature", DataType::Double),
    ("status", DataType::STRING),
    ("event_time", DataType::Timestamp(3)),
];

/// Configuration of the `sensor` generator. Readings run around the clock.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorConfig {
    /// Default 42.
    pub seed: u64,
    /// First reading's time, epoch ms (default 2025-07-01 09:00:00).
    pub start_ms: i64,
    /// Readings per second of event time (default 10).
    pub rate: f64,
    /// Sensor ids are `1..=sensors` (default 10).
    pub sensors: u32,
    /// Out-of-orderness bound in ms (default 0); a reading is never `max_out_of_order_ms`
    /// or more older than one emitted before it.
    pub max_out_of_order_ms: i64,
    /// Stop after this many readings.
    pub rows: Option<u64>,
    /// Stop after this many 24-hour days.
    pub days: Option<u64>,
}

impl Default for SensorConfig {
    fn default() -> Self {
        SensorConfig {
            seed: DEFAULT_SEED,
            start_ms: default_start_ms(),
            rate: DEFAULT_SENSOR_RATE,
            sensors: DEFAULT_SENSORS,
            max_out_of_order_ms: 0,
            rows: None,
            days: None,
        }
    }
}

impl SensorConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(format!("rate must be a positive number (got {})", self.rate));
        }
        if self.sensors == 0 || self.sensors > i32::MAX as u32 {
            return Err("sensors must be at least 1".into());
        }
        if self.max_out_of_order_ms < 0 {
            return Err("max_out_of_order_ms must not be negative".into());
        }
        Ok(())
    }
}

/// The status rule: `ERROR` above 160 °; above 140 °, or otherwise with probability 0.2,
/// `WARNING` or `ERROR` at random; else `OK`. `coin` and `coin2` are uniform in [0, 1).
pub fn status_for(temperature: f64, coin: f64, coin2: f64) -> &'static str {
    if temperature > 160.0 {
        "ERROR"
    } else if temperature > 140.0 || coin < 0.2 {
        if coin2 < 0.5 {
            "WARNING"
        } else {
            "ERROR"
        }
    } else {
        "OK"
    }
}

struct SensorState {
    baseline: f64,
    temperature: f64,
}

/// Iterator of readings; see [`crate::sensor`].
pub struct SensorGenerator {
    cfg: SensorConfig,
    rng: Rng,
    states: Vec<SensorState>,
    gap_ms: f64,
    end_ms: Option<i64>,
    statuses: [Arc<str>; 3],
    emitted: u64,
    done: bool,
}

/// Builds the `sensor` generator. Invalid configurations (see [`SensorConfig::validate`])
/// yield an empty stream.
pub fn sensor(cfg: SensorConfig) -> SensorGenerator {
    let done = cfg.validate().is_err();
    let mut rng = Rng::new(cfg.seed, STREAM_SENSOR, 0);
    let count = if done { 0 } else { cfg.sensors as usize };
    let states = (0..count)
        .map(|_| {
            let baseline = rng.range_f64(40.0, 110.0);
            SensorState {
                baseline,
                temperature: baseline,
            }
        })
        .collect();
    let end_ms = cfg
        .days
        .map(|d| cfg.start_ms.saturating_add((d as i64).saturating_mul(86_400_000)));
    SensorGenerator {
        gap_ms: if done { 1.0 } else { 1000.0 / cfg.rate },
        statuses: [Arc::from("OK"), Arc::from("WARNING"), Arc::from("ERROR")],
        end_ms,
        states,
        rng,
        emitted: 0,
        done,
        cfg,
    }
}

impl Iterator for SensorGenerator {
    type Item = GenRow;

    fn next(&mut self) -> Option<GenRow> {
        if self.done || self.cfg.rows.is_some_and(|r| self.emitted >= r) {
            return None;
        }
        let base = self
            .cfg
            .start_ms
            .saturating_add((self.emitted as f64 * self.gap_ms) as i64);
        if self.end_ms.is_some_and(|e| base >= e) {
            self.done = true;
            return None;
        }
        let idx = self.rng.below(self.states.len() as u64) as usize;
        let st = &mut self.states[idx];
        // Mean-reverting walk with rare overheating episodes that cool down over time.
        let mut temp = st.baseline + 0.85 * (st.temperature - st.baseline) + 6.0 * self.rng.approx_normal();
        if self.rng.chance(0.03) {
            temp += self.rng.range_f64(30.0, 90.0);
        }
        temp = temp.clamp(MIN_TEMPERATURE, MAX_TEMPERATURE);
        st.temperature = temp;
        let temperature = (temp * 100.0).round() / 100.0;
        let coin = self.rng.f64();
        let coin2 = self.rng.f64();
        let status = match status_for(temperature, coin, coin2) {
            "OK" => self.statuses[0].clone(),
            "WARNING" => self.statuses[1].clone(),
            _ => self.statuses[2].clone(),
        };
        let event = if self.cfg.max_out_of_order_ms > 0 {
            let j = self.rng.below(self.cfg.max_out_of_order_ms as u64) as i64;
            (base - j).max(self.cfg.start_ms)
        } else {
            base
        };
        self.emitted += 1;
        Some(GenRow {
            event_time_ms: event,
            fields: vec![
                Value::Int(idx as i32 + 1),
                Value::Double(temperature),
                Value::Str(status),
                Value::Timestamp(event),
            ],
        })
    }
}

impl Generator for SensorGenerator {
    fn name(&self) -> &'static str {
        "sensor"
    }
    fn columns(&self) -> &[(&'static str, DataType)] {
        SENSOR_COLUMNS
    }
    fn max_out_of_order_ms(&self) -> i64 {
        self.cfg.max_out_of_order_ms
    }
}
