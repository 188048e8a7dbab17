//! `topic`: an in-process, append-only log, shared by all statements of one job — what a
//! Kafka topic is to the source documents' jobs, without a broker. One statement writes
//! (`INSERT INTO news_summary_sink`), another reads (`FROM news_summary_source`) with the
//! same `'topic'`. Records are stored encoded (as on Kafka), so the reading table decodes
//! them with its own schema and format.
//!
//! A reader waits while any writer of its topic is still running and ends when all writers
//! have finished and it has read everything. Records every reader has read are dropped,
//! so memory stays bounded by the slowest reader's lag.
//!
//! Checkpoints: the records still buffered are part of the job's state
//! ([`Topics::snapshot`] / [`Topics::restore`]); a reader's position is its offset. So a
//! restored job neither loses a record that was written but not yet read nor reads one
//! twice: the topic is exactly-once inside the job.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use newsflow_common::{Error, Result, Row};

use crate::format::{self, Decoder, Encoder};
use crate::{ConnectorContext, DeadLetters, Poll, Sink, Source, TableSpec};

pub(crate) const SOURCE_OPTIONS: &[&str] = &["connector", "topic", "scan.startup.mode"];
pub(crate) const SINK_OPTIONS: &[&str] = &["connector", "topic", "sink.partitioner"];

#[derive(Default)]
struct Log {
    base: u64,
    records: VecDeque<Vec<u8>>,
    writers: usize,
    readers: HashMap<usize, u64>,
    next_reader: usize,
}

impl Log {
    fn trim(&mut self) {
        let min = self
            .readers
            .values()
            .copied()
            .min()
            .unwrap_or(self.base + self.records.len() as u64);
        while self.base < min && !self.records.is_empty() {
            self.records.pop_front();
            self.base += 1;
        }
    }
}

/// A topic's buffered records at a checkpoint: `records[0]` has offset `base`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TopicState {
    pub base: u64,
    pub records: Vec<Vec<u8>>,
}

/// The topics of one job.
#[derive(Clone, Default)]
pub struct Topics {
    inner: Arc<Mutex<HashMap<String, Log>>>,
}

impl Topics {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Log>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every topic's buffered records, for a checkpoint.
    pub fn snapshot(&self) -> std::collections::BTreeMap<String, TopicState> {
        self.lock()
            .iter()
            .map(|(name, log)| {
                (
                    name.clone(),
                    TopicState {
                        base: log.base,
                        records: log.records.iter().cloned().collect(),
                    },
                )
            })
            .collect()
    }

    /// Put back the records of a checkpoint (before any reader or writer runs; readers
    /// then seek to their own offsets).
    pub fn restore(&self, state: std::collections::BTreeMap<String, TopicState>) {
        let mut logs = self.lock();
        for (name, t) in state {
            let log = logs.entry(name).or_default();
            log.base = t.base;
            log.records = t.records.into();
            for off in log.readers.values_mut() {
                *off = t.base;
            }
        }
    }

    /// A reader of `topic` outside the job's statements (the dashboard's): it gets every
    /// record from the oldest still buffered on, as written (encoded). It counts as a reader,
    /// so records stay buffered until it has read them: read it regularly; dropping it lets
    /// them go.
    pub fn tap(&self, topic: &str) -> TopicTap {
        let mut logs = self.lock();
        let log = logs.entry(topic.to_string()).or_default();
        let reader = log.next_reader;
        log.next_reader += 1;
        let start = log.base;
        log.readers.insert(reader, start);
        TopicTap {
            topic: topic.to_string(),
            topics: self.clone(),
            reader,
        }
    }

    /// Records currently buffered in a topic (for tests and metrics).
    pub fn buffered(&self, topic: &str) -> usize {
        self.lock().get(topic).map(|l| l.records.len()).unwrap_or(0)
    }
}

/// The topic a table names, once the table's keys are checked against `base`, the
/// format's and `properties.*`.
///
/// `properties.*` (Kafka client settings: bootstrap servers, group id, security) are
/// accepted so that a Kafka table's `WITH` runs by changing only `'connector'`; they have
/// nothing to act on (there is no broker, and the topic's one partition is read whole by
/// every reading table), so no value of them could change a result.
fn topic_name(t: &TableSpec, base: &[&str]) -> Result<String> {
    let mut valid = base.to_vec();
    valid.extend(format::allowed_format_keys(t.options));
    t.options.check(t.name, "topic", &valid, &["properties."])?;
    t.options.mark_prefix("properties.");
    Ok(t.options.require(t.name, "topic")?.to_string())
}

pub struct TopicSource {
    table: String,
    topic: String,
    topics: Topics,
    reader: usize,
    decoder: Box<dyn Decoder>,
}

pub fn create_source(t: &TableSpec, ctx: &ConnectorContext) -> Result<Box<dyn Source>> {
    let topic = topic_name(t, SOURCE_OPTIONS)?;
    match t.options.get("scan.startup.mode") {
        None | Some("earliest-offset") => {}
        Some(other) => {
            return Err(Error::config(format!(
                "table `{}`: an in-process topic starts empty, so only 'scan.startup.mode' = 'earliest-offset' applies (got '{other}')",
                t.name
            )))
        }
    }
    let decoder = format::decoder(t.name, t.schema, t.options)?;
    let mut logs = ctx.topics.lock();
    let log = logs.entry(topic.clone()).or_default();
    let reader = log.next_reader;
    log.next_reader += 1;
    let start = log.base;
    log.readers.insert(reader, start);
    drop(logs);
    Ok(Box::new(TopicSource {
        table: t.name.to_string(),
        topic,
        topics: ctx.topics.clone(),
        reader,
        decoder,
    }))
}

impl Source for TopicSource {
    fn partitions(&self) -> usize {
        1
    }
    fn bounded(&self) -> bool {
        false
    }
    fn poll(&mut self, max_rows: usize, dead: &mut DeadLetters) -> Result<Poll> {
        let records: Vec<Vec<u8>>;
        let writers;
        {
            let mut logs = self.topics.lock();
            let Some(log) = logs.get_mut(&self.topic) else {
                return Ok(Poll::Finished);
            };
            let off = log.readers.get(&self.reader).copied().unwrap_or(log.base);
            let from = (off - log.base) as usize;
            let to = (from + max_rows).min(log.records.len());
            records = log.records.range(from..to).cloned().collect();
            log.readers.insert(self.reader, off + records.len() as u64);
            writers = log.writers;
            log.trim();
        }
        if records.is_empty() {
            return Ok(if writers == 0 {
                Poll::Finished
            } else {
                Poll::Pending(None)
            });
        }
        dead.set_table(&self.table);
        let mut rows = Vec::with_capacity(records.len());
        for r in &records {
            match self.decoder.decode(r) {
                Ok(row) => rows.push(row),
                Err(reason) => dead.record(r, &format!("topic {}: {reason}", self.topic))?,
            }
        }
        Ok(Poll::Data { partition: 0, rows })
    }

    fn position(&self) -> Result<serde_json::Value> {
        let logs = self.topics.lock();
        let off = logs
            .get(&self.topic)
            .and_then(|l| l.readers.get(&self.reader).copied())
            .unwrap_or(0);
        Ok(serde_json::json!({ "offset": off }))
    }

    fn seek(&mut self, position: &serde_json::Value) -> Result<()> {
        let off = position.get("offset").and_then(|v| v.as_u64()).ok_or_else(|| {
            Error::runtime(format!(
                "table `{}`: unreadable checkpointed position {position}",
                self.table
            ))
        })?;
        let mut logs = self.topics.lock();
        let log = logs.entry(self.topic.clone()).or_default();
        let end = log.base + log.records.len() as u64;
        if off < log.base || off > end {
            return Err(Error::runtime(format!(
                "table `{}`: the checkpoint's offset {off} in topic '{}' is outside what it holds ({}..{end})",
                self.table, self.topic, log.base
            )));
        }
        log.readers.insert(self.reader, off);
        Ok(())
    }
}

impl Drop for TopicSource {
    fn drop(&mut self) {
        let mut logs = self.topics.lock();
        if let Some(log) = logs.get_mut(&self.topic) {
            log.readers.remove(&self.reader);
            log.trim();
        }
    }
}

/// See [`Topics::tap`].
pub struct TopicTap {
    topic: String,
    topics: Topics,
    reader: usize,
}

impl TopicTap {
    /// Up to `max` records not read yet, oldest first.
    pub fn read(&mut self, max: usize) -> Vec<Vec<u8>> {
        let mut logs = self.topics.lock();
        let Some(log) = logs.get_mut(&self.topic) else {
            return Vec::new();
        };
        // A restore moves every reader back to the topic's base; never read before it.
        let off = log.readers.get(&self.reader).copied().unwrap_or(log.base).max(log.base);
        let from = (off - log.base) as usize;
        let to = (from + max).min(log.records.len());
        let records: Vec<Vec<u8>> = log.records.range(from..to).cloned().collect();
        log.readers.insert(self.reader, off + records.len() as u64);
        log.trim();
        records
    }
}

impl Drop for TopicTap {
    fn drop(&mut self) {
        let mut logs = self.topics.lock();
        if let Some(log) = logs.get_mut(&self.topic) {
            log.readers.remove(&self.reader);
            log.trim();
        }
    }
}

pub struct TopicSink {
    topic: String,
    topics: Topics,
    encoder: Box<dyn Encoder>,
    open: bool,
}

pub fn create_sink(t: &TableSpec, ctx: &ConnectorContext) -> Result<Box<dyn Sink>> {
    let topic = topic_name(t, SINK_OPTIONS)?;
    // One partition: every partitioner puts every record in it.
    match t.options.get("sink.partitioner").unwrap_or("default") {
        "default" | "fixed" | "round-robin" => {}
        other => {
            return Err(Error::config(format!(
                "table `{}`: unknown 'sink.partitioner' '{other}'; valid: default, fixed, round-robin",
                t.name
            )))
        }
    }
    let encoder = format::encoder(t.name, t.schema, t.options)?;
    ctx.topics.lock().entry(topic.clone()).or_default().writers += 1;
    Ok(Box::new(TopicSink {
        topic,
        topics: ctx.topics.clone(),
        encoder,
        open: true,
    }))
}

impl Sink for TopicSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        let encoded: Vec<Vec<u8>> = rows
            .iter()
            .map(|r| {
                let mut out = Vec::with_capacity(128);
                self.encoder.encode(r, &mut out);
                out
            })
            .collect();
        let mut logs = self.topics.lock();
        let log = logs.entry(self.topic.clone()).or_default();
        log.records.extend(encoded);
        if log.readers.is_empty() {
            log.trim();
        }
        Ok(())
    }
    fn guarantee(&self) -> crate::Guarantee {
        // Its records are checkpointed with the job.
        crate::Guarantee::ExactlyOnce
    }
    fn finish(&mut self) -> Result<()> {
        if self.open {
            self.open = false;
            if let Some(log) = self.topics.lock().get_mut(&self.topic) {
                log.writers = log.writers.saturating_sub(1);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `TopicSink::write` does with encoded records.
    fn write(t: &Topics, topic: &str, records: &[&str]) {
        let mut logs = t.lock();
        let log = logs.entry(topic.to_string()).or_default();
        log.records.extend(records.iter().map(|r| r.as_bytes().to_vec()));
        if log.readers.is_empty() {
            log.trim();
        }
    }

    fn texts(records: Vec<Vec<u8>>) -> Vec<String> {
        records.into_iter().map(|r| String::from_utf8(r).unwrap()).collect()
    }

    #[test]
    fn a_tap_reads_every_record_once_and_holds_them_only_until_read() {
        let t = Topics::default();
        let mut tap = t.tap("x");
        write(&t, "x", &["a", "b", "c"]);
        assert_eq!(t.buffered("x"), 3);
        assert_eq!(texts(tap.read(2)), ["a", "b"]);
        // The tap is the only reader: what it has read is gone.
        assert_eq!(t.buffered("x"), 1);
        write(&t, "x", &["d"]);
        assert_eq!(texts(tap.read(10)), ["c", "d"]);
        assert!(tap.read(10).is_empty());
        assert_eq!(t.buffered("x"), 0);
        // A slower second tap keeps records until it has read them too.
        let mut slow = t.tap("x");
        write(&t, "x", &["e"]);
        assert_eq!(texts(tap.read(10)), ["e"]);
        assert_eq!(t.buffered("x"), 1);
        assert_eq!(texts(slow.read(10)), ["e"]);
        assert_eq!(t.buffered("x"), 0);
        // Dropped, a tap holds nothing back.
        write(&t, "x", &["f"]);
        drop(slow);
        assert_eq!(t.buffered("x"), 1);
        drop(tap);
        assert_eq!(t.buffered("x"), 0);
    }
}
