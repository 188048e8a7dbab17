//! The Kafka sink: a producer writing each row as one message (value format, and a key
//! from `key.fields` in `key.format`), partitioned by `sink.partitioner`. Delivery is
//! at-least-once: librdkafka retries; `finish` flushes and fails if anything was not
//! delivered, so a job never reports success with rows missing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use newsflow_common::{Error, Result, Row, Schema};
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;

use super::config::{self, SINK_OPTIONS};
use crate::format::{self, Encoder};
use crate::{ConnectorContext, Sink, TableSpec};

const FLUSH_TIMEOUT: Duration = Duration::from_secs(120);

/// Counts failed deliveries (librdkafka reports them after its own retries).
#[derive(Clone, Default)]
pub(crate) struct Delivery {
    failed: Arc<Mutex<(u64, Option<String>)>>,
}

impl Delivery {
    pub(crate) fn check(&self, topic: &str) -> Result<()> {
        let f = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        match &f.1 {
            Some(e) => Err(Error::runtime(format!(
                "kafka: {} message(s) to '{topic}' were not delivered: {e}",
                f.0
            ))),
            None => Ok(()),
        }
    }
}

impl ClientContext for Delivery {}

impl ProducerContext for Delivery {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            let mut f = self.failed.lock().unwrap_or_else(|p| p.into_inner());
            f.0 += 1;
            f.1.get_or_insert_with(|| e.to_string());
        }
    }
}

enum Partitioner {
    /// librdkafka's default: by key hash when there is a key, else sticky.
    Default,
    /// Everything to partition 0 (Flink: each sink subtask to one partition).
    Fixed,
    RoundRobin {
        partitions: i32,
        next: i32,
    },
}

pub struct KafkaSink {
    table: String,
    topic: String,
    producer: ThreadedProducer<Delivery>,
    delivery: Delivery,
    encoder: Box<dyn Encoder>,
    /// The columns the value carries, when not all of them.
    value_cols: Option<Vec<usize>>,
    key: Option<(Box<dyn Encoder>, Vec<usize>)>,
    partitioner: Partitioner,
    value: Vec<u8>,
    key_buf: Vec<u8>,
}

/// A sink table's options, checked before any connection is made: each option is read
/// by what honours it, and any other is refused ([`crate::refuse_unread`]).
pub(crate) struct Checked {
    topic: String,
    encoder: Box<dyn Encoder>,
    value_cols: Option<Vec<usize>>,
    key: Option<(Box<dyn Encoder>, Vec<usize>)>,
    cfg: rdkafka::config::ClientConfig,
    partitioner: &'static str,
}

pub(crate) fn check_options(t: &TableSpec) -> Result<Checked> {
    let mut valid: Vec<&str> = SINK_OPTIONS.to_vec();
    valid.extend(config::format_keys(t.options));
    t.options.check(t.name, "kafka", &valid, &["properties."])?;
    let topic = t.options.require(t.name, "topic")?.to_string();
    if topic.contains(';') {
        return Err(Error::config(format!(
            "table `{}`: a kafka sink writes to one 'topic'",
            t.name
        )));
    }
    match t.options.get("sink.delivery-guarantee").unwrap_or("at-least-once") {
        "at-least-once" | "none" => {}
        "exactly-once" => {
            return Err(Error::config(format!(
                "table `{}`: 'sink.delivery-guarantee' = 'exactly-once' needs Kafka transactions and checkpoints, which newsflow does not have yet; use 'at-least-once'",
                t.name
            )))
        }
        other => {
            return Err(Error::config(format!(
                "table `{}`: unknown 'sink.delivery-guarantee' '{other}'; valid: at-least-once, none, exactly-once",
                t.name
            )))
        }
    }
    let keys = config::key_columns(t)?;
    // The value carries every column, or all but the key's ('value.fields-include').
    let value_cols: Option<Vec<usize>> = match (&keys, config::value_excludes_key(t)?) {
        (Some((key_cols, _)), true) => Some((0..t.schema.len()).filter(|i| !key_cols.contains(i)).collect()),
        _ => None,
    };
    let value_schema = match &value_cols {
        Some(cols) => Schema::new(cols.iter().map(|i| t.schema.fields[*i].clone()).collect()),
        None => t.schema.clone(),
    };
    let encoder = format::encoder(t.name, &value_schema, &config::value_format_options(t.options))?;
    let key = match keys {
        None => None,
        Some((cols, kschema)) => {
            let kopts = config::key_format_options(t.options)
                .ok_or_else(|| Error::config(format!("table `{}`: 'key.fields' needs 'key.format'", t.name)))?;
            Some((format::encoder(t.name, &kschema, &kopts)?, cols))
        }
    };
    let partitioner = match t.options.get("sink.partitioner").unwrap_or("default") {
        "default" => "default",
        "fixed" => "fixed",
        "round-robin" => "round-robin",
        other => {
            return Err(Error::config(format!(
                "table `{}`: unknown 'sink.partitioner' '{other}'; valid: default, fixed, round-robin",
                t.name
            )))
        }
    };
    config::check_properties(t.name, t.options, config::Role::Sink)?;
    let (cfg, _msk) = config::client_config(t.name, t.options)?;
    crate::refuse_unread(t, "kafka")?;
    Ok(Checked {
        topic,
        encoder,
        value_cols,
        key,
        cfg,
        partitioner,
    })
}

pub fn create(t: &TableSpec, _ctx: &ConnectorContext) -> Result<Box<dyn Sink>> {
    let Checked {
        topic,
        encoder,
        value_cols,
        key,
        cfg,
        partitioner,
    } = check_options(t)?;
    let delivery = Delivery::default();
    let producer: ThreadedProducer<Delivery> = cfg
        .create_with_context(delivery.clone())
        .map_err(|e| Error::config(format!("table `{}`: kafka: creating the producer: {e}", t.name)))?;
    let partitioner = match partitioner {
        "fixed" => Partitioner::Fixed,
        "round-robin" => {
            let probe: BaseConsumer = config::client_config(t.name, t.options)?
                .0
                .create()
                .map_err(|e| Error::config(format!("table `{}`: kafka: {e}", t.name)))?;
            let md = probe
                .fetch_metadata(Some(&topic), Duration::from_secs(10))
                .map_err(|e| Error::config(format!("table `{}`: kafka: reading metadata of '{topic}': {e}", t.name)))?;
            let partitions = md.topics().first().map_or(0, |t| t.partitions().len() as i32);
            if partitions == 0 {
                return Err(Error::config(format!(
                    "table `{}`: kafka topic '{topic}' does not exist on the broker",
                    t.name
                )));
            }
            Partitioner::RoundRobin { partitions, next: 0 }
        }
        _ => Partitioner::Default,
    };
    Ok(Box::new(KafkaSink {
        table: t.name.to_string(),
        topic,
        producer,
        delivery,
        encoder,
        value_cols,
        key,
        partitioner,
        value: Vec::new(),
        key_buf: Vec::new(),
    }))
}

/// Send one record; while librdkafka's local queue is full (broker slow or away), wait
/// for room instead of dropping the record.
pub(crate) fn send_waiting<'a>(
    producer: &ThreadedProducer<Delivery>,
    mut rec: BaseRecord<'a, [u8], [u8]>,
) -> std::result::Result<(), rdkafka::error::KafkaError> {
    loop {
        match producer.send(rec) {
            Ok(()) => return Ok(()),
            Err((e, r)) if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) => {
                std::thread::sleep(Duration::from_millis(5));
                rec = r;
            }
            Err((e, _)) => return Err(e),
        }
    }
}

impl KafkaSink {
    fn check_failures(&self) -> Result<()> {
        self.delivery
            .check(&self.topic)
            .map_err(|e| Error::runtime(format!("table `{}`: {e}", self.table)))
    }
}

impl Sink for KafkaSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        for row in rows {
            self.value.clear();
            match &self.value_cols {
                Some(cols) => {
                    let projected: Row = cols.iter().map(|c| row[*c].clone()).collect();
                    self.encoder.encode(&projected, &mut self.value);
                }
                None => self.encoder.encode(row, &mut self.value),
            }
            let has_key = if let Some((enc, cols)) = &mut self.key {
                self.key_buf.clear();
                let krow: Row = cols.iter().map(|c| row[*c].clone()).collect();
                enc.encode(&krow, &mut self.key_buf);
                true
            } else {
                false
            };
            let mut rec = BaseRecord::<[u8], [u8]>::to(&self.topic).payload(&self.value);
            if has_key {
                rec = rec.key(&self.key_buf);
            }
            match &mut self.partitioner {
                Partitioner::Default => {}
                Partitioner::Fixed => rec = rec.partition(0),
                Partitioner::RoundRobin { partitions, next } => {
                    rec = rec.partition(*next);
                    *next = (*next + 1) % *partitions;
                }
            }
            send_waiting(&self.producer, rec).map_err(|e| {
                Error::runtime(format!(
                    "table `{}`: kafka: sending to '{}': {e}",
                    self.table, self.topic
                ))
            })?;
        }
        self.check_failures()
    }

    fn finish(&mut self) -> Result<()> {
        self.flush()
    }

    /// At a checkpoint: wait until every message sent so far is acknowledged, so a restore
    /// can only repeat messages sent after the checkpoint (at-least-once; the test broker
    /// has no transactions, so exactly-once delivery is not offered).
    fn flush(&mut self) -> Result<()> {
        self.producer.flush(FLUSH_TIMEOUT).map_err(|e| {
            Error::runtime(format!(
                "table `{}`: kafka: flushing to '{}' (still {} message(s) in flight): {e}",
                self.table,
                self.topic,
                self.producer.in_flight_count()
            ))
        })?;
        self.check_failures()
    }
}
