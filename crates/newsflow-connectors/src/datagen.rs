//! `datagen`: generated rows.
//!
//! * `'generator' = 'news' | 'stock' | 'sensor'`: the built-in realistic generators of
//!   `newsflow-generators` (seeded, deterministic). Table columns are matched to the
//!   generator's columns by name. Generator options (`seed`, `number-of-rows`, `rate`,
//!   `symbols`, `start`, `news-per-day`, `korean-ratio`, `max-out-of-order-ms`, …) pass
//!   through. `'speed-up' = 'N'` paces rows by event time, N seconds of event time per
//!   wall-clock second (a replay, like the source documents' producer); without it rows
//!   come as fast as the job takes them.
//! * No `generator`: Flink's random datagen: `'rows-per-second'` (wall-clock pacing,
//!   default 10000), `'number-of-rows'`, and per field `'fields.<f>.kind'`
//!   (`random`/`sequence`), `'.min'`, `'.max'`, `'.length'`, `'.start'`, `'.end'`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use newsflow_common::{DataType, Error, Result, Row, Value};
use newsflow_generators::{by_name, canonical_option, columns_by_name, options_used_by, GenOptions, Generator};

use crate::{DeadLetters, Poll, Progress, ProgressUnit, Source, TableSpec};

pub fn create(t: &TableSpec) -> Result<Box<dyn Source>> {
    match t.options.get("generator") {
        Some(name) => create_generator(t, name),
        None => create_random(t),
    }
}

fn create_generator(t: &TableSpec, name: &str) -> Result<Box<dyn Source>> {
    let err = |m: String| Error::config(format!("table `{}`: {m}", t.name));
    let cols = columns_by_name(name).map_err(err)?;
    let mut opts = GenOptions::default();
    let mut speed_up = None;
    let used = options_used_by(name).unwrap_or(&[]);
    let valid = || {
        let mut all = vec!["'generator'".to_string(), "'speed-up'".to_string()];
        all.extend(used.iter().map(|k| format!("'{k}'")));
        all.join(", ")
    };
    for (k, v) in t.options.iter() {
        match k.as_str() {
            "connector" | "generator" => {}
            "speed-up" => {
                let f: f64 = v
                    .parse()
                    .map_err(|_| err(format!("option 'speed-up' must be a positive number, got '{v}'")))?;
                if !f.is_finite() || f <= 0.0 {
                    return Err(err(format!("option 'speed-up' must be a positive number, got '{v}'")));
                }
                speed_up = Some(f);
            }
            _ => match canonical_option(k) {
                None => {
                    return Err(err(format!(
                        "unknown option '{k}' for datagen generator '{name}'; valid options: {}",
                        valid()
                    )))
                }
                // A generator option this generator does not use would be ignored.
                Some(c) if !used.contains(&c) => {
                    return Err(err(format!(
                        "option '{k}' has no effect on datagen generator '{name}', so it is refused; valid options: {}",
                        valid()
                    )))
                }
                Some(_) => {
                    opts.set(k, v).map_err(err)?;
                }
            },
        }
        t.options.mark_read(k);
    }
    let mut mapping = Vec::new();
    for f in &t.schema.fields {
        let Some(gi) = cols.iter().position(|(n, _)| *n == f.name) else {
            return Err(err(format!(
                "column `{}` is not produced by generator '{name}'; it produces: {}",
                f.name,
                cols.iter()
                    .map(|(n, t)| format!("{n} {t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let gt = &cols[gi].1;
        if !convertible(gt, &f.data_type) {
            return Err(err(format!(
                "column `{}` is {} but generator '{name}' produces {gt}",
                f.name, f.data_type
            )));
        }
        mapping.push((gi, f.data_type.clone()));
    }
    let gen = by_name(name, &opts).map_err(err)?;
    let bounded = opts.rows.is_some() || opts.days.is_some();
    let plan = progress_plan(name, &opts);
    Ok(Box::new(GeneratorSource {
        gen,
        mapping,
        speed_up,
        started: None,
        first_event: None,
        pending: None,
        bounded,
        done: false,
        emitted: 0,
        plan,
        last_time: None,
    }))
}

/// What a generator's progress is measured against: its row count, else the event time
/// of the sessions (market generators) or 24-hour days (`sensor`) it was asked for.
enum ProgressPlan {
    Unbounded,
    Rows(u64),
    /// `[start, end)` spans of event time, in order.
    Spans(Vec<(i64, i64)>),
}

/// Progress is only shown up to this many sessions (a longer replay shows none).
const MAX_PROGRESS_SPANS: u64 = 100_000;

fn progress_plan(name: &str, opts: &GenOptions) -> ProgressPlan {
    if let Some(rows) = opts.rows {
        return ProgressPlan::Rows(rows);
    }
    let Some(days) = opts.days.filter(|d| *d <= MAX_PROGRESS_SPANS) else {
        return ProgressPlan::Unbounded;
    };
    if name == "sensor" {
        return match opts.sensor_config() {
            Ok(c) => ProgressPlan::Spans(vec![(c.start_ms, c.start_ms + days as i64 * 86_400_000)]),
            Err(_) => ProgressPlan::Unbounded,
        };
    }
    match opts.market_config() {
        Ok(m) => ProgressPlan::Spans(
            (0..days)
                .filter_map(|i| m.session(i))
                .map(|s| (s.open_ms, s.close_ms))
                .collect(),
        ),
        Err(_) => ProgressPlan::Unbounded,
    }
}

fn convertible(from: &DataType, to: &DataType) -> bool {
    from == to
        || matches!(
            (from, to),
            (DataType::Int, DataType::BigInt | DataType::Double)
                | (DataType::Varchar(_), DataType::Varchar(_))
                | (
                    DataType::Timestamp(_),
                    DataType::Timestamp(_) | DataType::TimestampLtz(_)
                )
        )
}

fn convert(v: Value, to: &DataType) -> Value {
    match (v, to) {
        (Value::Int(i), DataType::BigInt) => Value::BigInt(i as i64),
        (Value::Int(i), DataType::Double) => Value::Double(i as f64),
        (v, _) => v,
    }
}

pub struct GeneratorSource {
    gen: Box<dyn Generator>,
    mapping: Vec<(usize, DataType)>,
    speed_up: Option<f64>,
    started: Option<Instant>,
    first_event: Option<i64>,
    pending: Option<newsflow_generators::GenRow>,
    bounded: bool,
    done: bool,
    /// Rows handed out (the position: generators are deterministic, so a restore
    /// regenerates and skips this many).
    emitted: u64,
    plan: ProgressPlan,
    /// Event time of the last row handed out.
    last_time: Option<i64>,
}

impl Source for GeneratorSource {
    fn partitions(&self) -> usize {
        1
    }
    fn bounded(&self) -> bool {
        self.bounded
    }
    fn poll(&mut self, max_rows: usize, _dead: &mut DeadLetters) -> Result<Poll> {
        if self.done {
            return Ok(Poll::Finished);
        }
        let mut rows = Vec::with_capacity(max_rows.min(1024));
        let now = Instant::now();
        let mut wake = None;
        while rows.len() < max_rows {
            if let Some(speed) = self.speed_up {
                // Peek-free pacing: stop before a row whose event time is in the future.
                let started = *self.started.get_or_insert(now);
                if let Some(first) = self.first_event {
                    let allowed = first + (now.duration_since(started).as_secs_f64() * speed * 1000.0) as i64;
                    if let Some(next) = self.peek_time() {
                        if next > allowed {
                            let wait_ms = ((next - allowed) as f64 / speed).ceil() as u64;
                            wake = Some(now + Duration::from_millis(wait_ms.min(1000)));
                            break;
                        }
                    }
                }
            }
            match self.next_row() {
                Some(r) => rows.push(r),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        if !rows.is_empty() {
            self.emitted += rows.len() as u64;
            return Ok(Poll::Data { partition: 0, rows });
        }
        Ok(if self.done { Poll::Finished } else { Poll::Pending(wake) })
    }

    fn position(&self) -> Result<serde_json::Value> {
        Ok(serde_json::json!({ "rows": self.emitted }))
    }

    fn seek(&mut self, position: &serde_json::Value) -> Result<()> {
        let rows = position
            .get("rows")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| Error::runtime(format!("datagen: unreadable checkpointed position {position}")))?;
        // Deterministic: regenerate and skip. Pacing resumes from the next row's time.
        for _ in 0..rows {
            if self.pending.take().is_none() && self.gen.next().is_none() {
                self.done = true;
                break;
            }
        }
        self.emitted = rows;
        self.first_event = None;
        self.started = None;
        Ok(())
    }

    fn progress(&self) -> Option<Progress> {
        match &self.plan {
            ProgressPlan::Unbounded => None,
            ProgressPlan::Rows(total) => Some(Progress {
                done: if self.done { *total } else { self.emitted.min(*total) },
                total: *total,
                unit: ProgressUnit::Rows,
            }),
            ProgressPlan::Spans(spans) => {
                let total: i64 = spans.iter().map(|(a, b)| (b - a).max(0)).sum();
                let done = match (self.done, self.last_time) {
                    (true, _) => total,
                    (false, None) => 0,
                    (false, Some(t)) => spans.iter().map(|(a, b)| (t.min(*b) - a).max(0)).sum(),
                };
                Some(Progress {
                    done: done as u64,
                    total: total as u64,
                    unit: ProgressUnit::EventTimeMs,
                })
            }
        }
    }
}

impl GeneratorSource {
    fn peek_time(&mut self) -> Option<i64> {
        if self.pending.is_none() {
            self.pending = self.gen.next();
        }
        let t = self.pending.as_ref().map(|r| r.event_time_ms);
        if self.first_event.is_none() {
            self.first_event = t;
        }
        t
    }

    fn next_row(&mut self) -> Option<Row> {
        let r = match self.pending.take() {
            Some(r) => r,
            None => self.gen.next()?,
        };
        if self.first_event.is_none() {
            self.first_event = Some(r.event_time_ms);
        }
        self.last_time = Some(r.event_time_ms);
        let mut fields = r.fields;
        Some(
            self.mapping
                .iter()
                .map(|(gi, t)| convert(std::mem::take(&mut fields[*gi]), t))
                .collect(),
        )
    }
}

/// Flink's random datagen options newsflow honours; `scan.parallelism` is Flink's too,
/// accepted by the key check and refused as not supported yet.
pub(crate) const RANDOM_OPTIONS: &[&str] = &["connector", "rows-per-second", "number-of-rows", "scan.parallelism"];
/// Flink's per-field options (`fields.<column>.<option>`). Which of them a column honours
/// depends on its kind and type (see `create_random`); `max-past`, `var-len` and
/// `null-rate` are not supported yet.
pub(crate) const FIELD_OPTIONS: &[&str] = &[
    "kind",
    "min",
    "max",
    "max-past",
    "length",
    "var-len",
    "start",
    "end",
    "null-rate",
];

/// Flink's random datagen.
fn create_random(t: &TableSpec) -> Result<Box<dyn Source>> {
    let err = |m: String| Error::config(format!("table `{}`: {m}", t.name));
    t.options.check(
        t.name,
        "datagen",
        &[RANDOM_OPTIONS, &["generator"]].concat(),
        &["fields."],
    )?;
    let rate: f64 = t.options.parse(t.name, "rows-per-second")?.unwrap_or(10_000.0);
    let rows: Option<u64> = t.options.parse(t.name, "number-of-rows")?;
    let mut fields = Vec::new();
    for f in &t.schema.fields {
        if f.data_type.is_bytes_time_or_array() {
            return Err(err(format!(
                "datagen does not generate {} columns yet (column `{}`)",
                f.data_type, f.name
            )));
        }
        let get = |k: &str| t.options.get(&format!("fields.{}.{k}", f.name));
        let num = |k: &str| -> Result<Option<f64>> {
            get(k)
                .map(|v| {
                    v.trim()
                        .parse::<f64>()
                        .map_err(|_| err(format!("option 'fields.{}.{k}' must be a number, got '{v}'", f.name)))
                })
                .transpose()
        };
        let numeric = matches!(
            f.data_type,
            DataType::Int | DataType::BigInt | DataType::Double | DataType::Float | DataType::Decimal(..)
        );
        let kind = match get("kind").unwrap_or("random") {
            // Only the options the column's type uses are read: 'min'/'max' for numbers,
            // 'length' for strings (any other is refused as not supported).
            "random" => FieldKind::Random {
                min: if numeric { num("min")? } else { None },
                max: if numeric { num("max")? } else { None },
                length: if f.data_type.is_string() {
                    num("length")?.unwrap_or(10.0) as usize
                } else {
                    10
                },
            },
            "sequence" => {
                if !matches!(f.data_type, DataType::Int | DataType::BigInt | DataType::Varchar(_)) {
                    return Err(err(format!(
                        "'fields.{}.kind' = 'sequence' is not supported yet for a column of type {}; \
                         supported: INT, BIGINT, STRING",
                        f.name, f.data_type
                    )));
                }
                let start = num("start")?
                    .ok_or_else(|| err(format!("'fields.{}.start' is required for a sequence", f.name)))?
                    as i64;
                let end = num("end")?
                    .ok_or_else(|| err(format!("'fields.{}.end' is required for a sequence", f.name)))?
                    as i64;
                FieldKind::Sequence { next: start, end }
            }
            other => {
                return Err(err(format!(
                    "'fields.{}.kind' must be 'random' or 'sequence', got '{other}'",
                    f.name
                )))
            }
        };
        fields.push((f.data_type.clone(), kind));
    }
    for (k, _) in t.options.iter() {
        if let Some(rest) = k.strip_prefix("fields.") {
            let (name, option) = rest.rsplit_once('.').unwrap_or((rest, ""));
            if !FIELD_OPTIONS.contains(&option) {
                return Err(err(format!(
                    "unknown option '{k}' for connector 'datagen'; per column: {}",
                    FIELD_OPTIONS
                        .iter()
                        .map(|o| format!("'fields.<column>.{o}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            if !t.schema.fields.iter().any(|f| f.name == name) {
                return Err(err(format!(
                    "option '{k}' names unknown column `{name}`; columns: {}",
                    t.schema.names().join(", ")
                )));
            }
        }
    }
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    Ok(Box::new(RandomSource {
        fields,
        rate,
        remaining: rows,
        rows_total: rows,
        state: seed | 1,
        started: None,
        emitted: 0,
    }))
}

enum FieldKind {
    Random {
        min: Option<f64>,
        max: Option<f64>,
        length: usize,
    },
    Sequence {
        next: i64,
        end: i64,
    },
}

pub struct RandomSource {
    fields: Vec<(DataType, FieldKind)>,
    rate: f64,
    remaining: Option<u64>,
    /// `'number-of-rows'` (for progress).
    rows_total: Option<u64>,
    state: u64,
    started: Option<Instant>,
    emitted: u64,
}

/// A random datagen source's position: its generator state and counters.
#[derive(serde::Serialize, serde::Deserialize)]
struct RandomPosition {
    state: u64,
    emitted: u64,
    remaining: Option<u64>,
    /// The next value of each `sequence` field (in field order).
    sequences: Vec<i64>,
}

impl RandomSource {
    fn next_u64(&mut self) -> u64 {
        // SplitMix64: plenty for random test data.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn row(&mut self) -> Option<Row> {
        let mut row = Vec::with_capacity(self.fields.len());
        for i in 0..self.fields.len() {
            let u = self.unit();
            let r = self.next_u64();
            let (t, kind) = &mut self.fields[i];
            let v = match kind {
                FieldKind::Sequence { next, end } => {
                    if *next > *end {
                        return None;
                    }
                    *next += 1;
                    match t {
                        DataType::Varchar(_) => Value::str(&(*next - 1).to_string()),
                        DataType::Int => Value::Int((*next - 1) as i32),
                        _ => Value::BigInt(*next - 1),
                    }
                }
                FieldKind::Random { min, max, length } => {
                    let lo = min.unwrap_or(match t {
                        DataType::Int => i32::MIN as f64,
                        DataType::BigInt => i64::MIN as f64,
                        _ => 0.0,
                    });
                    let hi = max.unwrap_or(match t {
                        DataType::Int => i32::MAX as f64,
                        DataType::BigInt => i64::MAX as f64,
                        _ => 1.0,
                    });
                    let x = lo + u * (hi - lo);
                    // Integers: uniform over [min, max], both ends included (as Flink's
                    // RandomDataGenerator.nextInt/nextLong).
                    let whole = (lo + (u * (hi - lo + 1.0)).floor()).min(hi);
                    match t {
                        DataType::Int => Value::Int(whole as i32),
                        DataType::BigInt => Value::BigInt(whole as i64),
                        DataType::Double => Value::Double(x),
                        DataType::Decimal(p, s) => newsflow_common::Decimal::from_f64(x, *p, *s)
                            .map(Value::Decimal)
                            .unwrap_or(Value::Null),
                        DataType::Float => Value::Float(x as f32),
                        DataType::Boolean => Value::Bool(r & 1 == 1),
                        DataType::Varchar(_) => {
                            let s: String = (0..*length)
                                .map(|k| char::from(b'a' + ((r >> (k % 12 * 5)) % 26) as u8))
                                .collect();
                            Value::str(&s)
                        }
                        DataType::Timestamp(_) | DataType::TimestampLtz(_) => Value::Timestamp(
                            SystemTime::now()
                                .duration_since(UNIX_EPOCH)
                                .map(|d| d.as_millis() as i64)
                                .unwrap_or(0),
                        ),
                        DataType::Date => Value::Date(20_000 + (r % 1000) as i32),
                        // (BYTES, TIME and ARRAY columns are refused when the table is opened)
                        DataType::Interval
                        | DataType::Null
                        | DataType::Bytes(_)
                        | DataType::Time(_)
                        | DataType::Array(_) => Value::Null,
                    }
                }
            };
            row.push(v);
        }
        Some(row)
    }
}

impl Source for RandomSource {
    fn partitions(&self) -> usize {
        1
    }
    fn bounded(&self) -> bool {
        self.remaining.is_some() || self.fields.iter().any(|(_, k)| matches!(k, FieldKind::Sequence { .. }))
    }
    fn poll(&mut self, max_rows: usize, _dead: &mut DeadLetters) -> Result<Poll> {
        let now = Instant::now();
        let started = *self.started.get_or_insert(now);
        let due = (now.duration_since(started).as_secs_f64() * self.rate) as u64 + 1;
        let mut n = due.saturating_sub(self.emitted).min(max_rows as u64);
        if let Some(rem) = self.remaining {
            if rem == 0 {
                return Ok(Poll::Finished);
            }
            n = n.min(rem);
        }
        if n == 0 {
            return Ok(Poll::Pending(Some(
                now + Duration::from_secs_f64((1.0 / self.rate).min(0.1)),
            )));
        }
        let mut rows = Vec::with_capacity(n as usize);
        for _ in 0..n {
            match self.row() {
                Some(r) => rows.push(r),
                None => {
                    self.remaining = Some(0);
                    break;
                }
            }
        }
        self.emitted += rows.len() as u64;
        if let Some(rem) = self.remaining.as_mut() {
            *rem = rem.saturating_sub(rows.len() as u64);
        }
        if rows.is_empty() {
            return Ok(Poll::Finished);
        }
        Ok(Poll::Data { partition: 0, rows })
    }

    fn position(&self) -> Result<serde_json::Value> {
        let p = RandomPosition {
            state: self.state,
            emitted: self.emitted,
            remaining: self.remaining,
            sequences: self
                .fields
                .iter()
                .filter_map(|(_, k)| match k {
                    FieldKind::Sequence { next, .. } => Some(*next),
                    _ => None,
                })
                .collect(),
        };
        serde_json::to_value(p).map_err(|e| Error::runtime(format!("datagen: {e}")))
    }

    fn seek(&mut self, position: &serde_json::Value) -> Result<()> {
        let p: RandomPosition = serde_json::from_value(position.clone())
            .map_err(|e| Error::runtime(format!("datagen: unreadable checkpointed position: {e}")))?;
        self.state = p.state;
        self.remaining = p.remaining;
        let mut seq = p.sequences.into_iter();
        for (_, k) in self.fields.iter_mut() {
            if let FieldKind::Sequence { next, .. } = k {
                *next = seq.next().unwrap_or(*next);
            }
        }
        // Rate limiting restarts from now.
        self.emitted = 0;
        self.started = None;
        Ok(())
    }

    fn progress(&self) -> Option<Progress> {
        let total = self.rows_total?;
        Some(Progress {
            done: total - self.remaining.unwrap_or(0).min(total),
            total,
            unit: ProgressUnit::Rows,
        })
    }
}
