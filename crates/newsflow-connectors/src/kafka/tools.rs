//! Plain topic reading and writing for `newsflow produce` / `newsflow consume` (no SQL).

use std::time::{Duration, Instant};

use newsflow_common::{Error, Result};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

use super::sink::{send_waiting, Delivery};

fn config(bootstrap: &str, extra: &[(String, String)]) -> ClientConfig {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", bootstrap);
    for (k, v) in extra {
        cfg.set(k.as_str(), v.as_str());
    }
    cfg
}

/// Writes messages to one topic, at least once.
pub struct TopicWriter {
    producer: ThreadedProducer<Delivery>,
    delivery: Delivery,
    topic: String,
    pub sent: u64,
}

impl TopicWriter {
    pub fn new(bootstrap: &str, topic: &str, extra: &[(String, String)]) -> Result<Self> {
        let delivery = Delivery::default();
        let producer = config(bootstrap, extra)
            .create_with_context(delivery.clone())
            .map_err(|e| Error::config(format!("kafka: creating a producer for {bootstrap}: {e}")))?;
        Ok(TopicWriter {
            producer,
            delivery,
            topic: topic.to_string(),
            sent: 0,
        })
    }

    pub fn send(&mut self, key: Option<&[u8]>, value: &[u8], timestamp_ms: Option<i64>) -> Result<()> {
        let mut rec = BaseRecord::<[u8], [u8]>::to(&self.topic).payload(value);
        if let Some(k) = key {
            rec = rec.key(k);
        }
        if let Some(ts) = timestamp_ms {
            rec = rec.timestamp(ts);
        }
        send_waiting(&self.producer, rec)
            .map_err(|e| Error::runtime(format!("kafka: sending to '{}': {e}", self.topic)))?;
        self.sent += 1;
        self.delivery.check(&self.topic)
    }

    pub fn flush(&mut self) -> Result<()> {
        self.producer
            .flush(Duration::from_secs(120))
            .map_err(|e| Error::runtime(format!("kafka: flushing to '{}': {e}", self.topic)))?;
        self.delivery.check(&self.topic)
    }
}

/// One message read from a topic.
pub struct Record<'a> {
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    pub key: Option<&'a [u8]>,
    pub value: &'a [u8],
}

/// How `read_topic` reads.
pub struct ReadOptions {
    pub from_beginning: bool,
    /// Stop after this many messages.
    pub max_messages: Option<u64>,
    /// Stop once every partition is at its end (as it was when reading started).
    pub to_end: bool,
    /// Stop after this long without a message.
    pub idle_timeout: Option<Duration>,
}

/// Read `topic` (all partitions, no consumer group) and call `f` per message.
pub fn read_topic(
    bootstrap: &str,
    topic: &str,
    extra: &[(String, String)],
    opts: &ReadOptions,
    mut f: impl FnMut(&Record) -> Result<()>,
) -> Result<u64> {
    let mut cfg = config(bootstrap, extra);
    cfg.set("group.id", "newsflow-consume");
    cfg.set("enable.auto.commit", "false");
    let consumer: BaseConsumer = cfg
        .create()
        .map_err(|e| Error::config(format!("kafka: creating a consumer for {bootstrap}: {e}")))?;
    let md = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|e| Error::config(format!("kafka: reading metadata of '{topic}': {e}")))?;
    let parts: Vec<i32> = md
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if parts.is_empty() {
        return Err(Error::config(format!(
            "kafka: topic '{topic}' does not exist on {bootstrap}"
        )));
    }
    let mut ends = Vec::new();
    let mut tpl = TopicPartitionList::new();
    for p in &parts {
        let (low, high) = consumer
            .fetch_watermarks(topic, *p, Duration::from_secs(10))
            .map_err(|e| Error::runtime(format!("kafka: offsets of {topic}/{p}: {e}")))?;
        let start = if opts.from_beginning { low } else { high };
        ends.push((*p, high, start >= high));
        tpl.add_partition_offset(topic, *p, Offset::Offset(start))
            .map_err(|e| Error::runtime(format!("kafka: {e}")))?;
    }
    consumer
        .assign(&tpl)
        .map_err(|e| Error::runtime(format!("kafka: assigning {topic}: {e}")))?;
    let mut n = 0u64;
    let mut last = Instant::now();
    loop {
        if opts.max_messages.is_some_and(|m| n >= m) {
            break;
        }
        if opts.to_end && ends.iter().all(|(_, _, done)| *done) {
            break;
        }
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                last = Instant::now();
                let rec = Record {
                    partition: m.partition(),
                    offset: m.offset(),
                    timestamp_ms: m.timestamp().to_millis(),
                    key: m.key(),
                    value: m.payload().unwrap_or_default(),
                };
                f(&rec)?;
                n += 1;
                for e in ends.iter_mut() {
                    if e.0 == m.partition() && m.offset() + 1 >= e.1 {
                        e.2 = true;
                    }
                }
            }
            Some(Err(e)) => tracing::warn!("kafka: {e}"),
            None => {
                if opts.idle_timeout.is_some_and(|t| last.elapsed() >= t) {
                    break;
                }
            }
        }
    }
    Ok(n)
}
