//! The Kafka source: a consumer-group member when `properties.group.id` is set, else a
//! consumer that reads every partition itself.
//!
//! **One group member per process and group.** Every source table of a job that names the
//! same group (and bootstrap servers) shares one consumer ([`Conn`]), subscribed to the
//! union of their topics; messages are routed to each table's queue by topic. The group's
//! range assignor then gives each member the same partition numbers of every topic, so
//! topics keyed by the join key with equal partition counts (co-partitioned) are joined
//! in one process: several processes with the same group together produce the rows one
//! process produces.
//!
//! Every partition of a table's topics is a watermark partition of the source, numbered in
//! (topic, partition) order. A partition another member reads is *released*: it does not
//! hold this process's watermark back. Offsets are stored when a message reaches the job
//! and committed by librdkafka (auto-commit), when a partition ends and on every revoke, so
//! a partition that moves to another member resumes where this one stopped.
//!
//! Bounded modes resolve each partition's stop offset when the source starts; a partition
//! ends when its next offset reaches the stop offset, and the source finishes when every
//! partition has ended, here or (per the group's committed offsets) in another member.
//!
//! **Checkpoints.** The position is, per partition, the offset after the last message the
//! source has *handed out*: a row returned by `poll` or a message sent to the dead
//! letters. Decoded batches wait in `ready` before they are returned, so each carries its
//! end offset (`batch_ends`) and the position moves only when the batch is returned. A
//! partition nothing was handed out of yet reports where reading will start (its oldest
//! queued message, else the consumer's position), or nothing when that is not known yet
//! (a restore then applies the startup mode). On restore (`seek`, before the first poll)
//! the checkpoint's offsets override the startup mode and the group's committed offsets:
//! without a group the partitions are assigned at them on the first poll; with a group
//! the rebalance callback starts each at its offset the first time it is assigned (see
//! context.rs). As in Flink, committed group offsets are then only for monitoring.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use newsflow_common::{Error, Result, Row};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

use super::config::{self, Bounded, Role, SourceSettings, Startup};
use super::context::{self, AssignEvent, NfContext};
use super::record::RecordDecoder;
use crate::{ConnectorContext, DeadLetters, Poll, Source, TableSpec};

const METADATA_TIMEOUT: Duration = Duration::from_secs(10);
/// A table's queue above this pauses its partitions until it drains (another table of the
/// same consumer may be read faster than this one is polled).
const QUEUE_LIMIT: usize = 50_000;
/// How soon to poll again when nothing is waiting: messages reach the job within this
/// (the consumer fetches in the background; a poll only hands over what it has).
const IDLE_POLL: Duration = Duration::from_millis(2);

/// One consumer shared by the source tables of one group in this process.
pub struct Conn {
    consumer: BaseConsumer<NfContext>,
    group: bool,
    subscribed: bool,
    /// Topic → member table slot.
    routes: HashMap<String, usize>,
    queues: Vec<VecDeque<OwnedMessage>>,
    /// Group events each member table has not seen yet.
    events: Vec<Vec<AssignEvent>>,
    errors: Vec<String>,
}

impl Conn {
    fn ensure_subscribed(&mut self) -> std::result::Result<(), String> {
        if self.subscribed || !self.group {
            return Ok(());
        }
        let mut topics: Vec<&str> = self.routes.keys().map(String::as_str).collect();
        topics.sort();
        self.consumer
            .subscribe(&topics)
            .map_err(|e| format!("subscribing to {topics:?}: {e}"))?;
        self.subscribed = true;
        Ok(())
    }

    /// Poll up to `max` messages into the member queues and hand out group events.
    fn pump(&mut self, max: usize) {
        for _ in 0..max {
            match self.consumer.poll(Duration::ZERO) {
                Some(Ok(m)) => {
                    if let Some(&slot) = self.routes.get(m.topic()) {
                        self.queues[slot].push_back(m.detach());
                    }
                }
                Some(Err(e)) => {
                    // Broker and network errors are retried by librdkafka.
                    tracing::warn!("kafka: {e}");
                    break;
                }
                None => break,
            }
        }
        let (events, errors) = {
            let mut st = context::lock(&self.consumer.context().state);
            (std::mem::take(&mut st.events), std::mem::take(&mut st.errors))
        };
        for ev in events {
            tracing::debug!("kafka group event: {ev:?}");
            for q in &mut self.events {
                q.push(ev.clone());
            }
        }
        self.errors.extend(errors);
    }
}

type SharedConn = Arc<Mutex<Conn>>;

fn lock(conn: &SharedConn) -> MutexGuard<'_, Conn> {
    conn.lock().unwrap_or_else(|p| p.into_inner())
}

/// Consumers of this process by (bootstrap servers, group id).
static CONNS: Mutex<Vec<(String, Weak<Mutex<Conn>>)>> = Mutex::new(Vec::new());

/// A client id for this process's consumers.
fn process_client_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("newsflow-{nanos}-{}", std::process::id())
    })
    .clone()
}

pub struct KafkaSource {
    table: String,
    conn: SharedConn,
    slot: usize,
    decoder: RecordDecoder,
    parts: Vec<(String, i32)>,
    index: HashMap<(String, i32), usize>,
    /// Exclusive stop offset per partition (bounded modes).
    stop: Option<Vec<i64>>,
    ended: Vec<bool>,
    /// Partitions this process reads now.
    mine: Vec<bool>,
    /// Partitions this source has paused (settling, backlog, ended).
    paused: Vec<bool>,
    group: bool,
    got_assignment: bool,
    settle: Duration,
    settle_until: Option<Instant>,
    ready: VecDeque<Poll>,
    /// Per partition: the end offset of each `Poll::Data` batch waiting in `ready`.
    batch_ends: Vec<VecDeque<i64>>,
    /// Per partition: the offset after the last message handed out (see the module docs).
    handed: Vec<Option<i64>>,
    /// Without a group: the start offsets to assign on the first poll (after a restore's
    /// `seek` has put the checkpoint's offsets in).
    pending_assign: Option<Vec<((String, i32), Offset)>>,
    polled: bool,
    dead_letter: Option<(BaseProducer, String)>,
    finished: bool,
    last_group_check: Option<Instant>,
}

fn kafka_err(table: &str, what: &str, e: impl std::fmt::Display) -> Error {
    Error::config(format!("table `{table}`: kafka: {what}: {e}"))
}

/// A source table's options, checked before any connection is made: each option is
/// read by what honours it, and any other is refused ([`crate::refuse_unread`]).
pub(crate) struct Checked {
    settings: SourceSettings,
    decoder: RecordDecoder,
    cfg: ClientConfig,
    msk: Option<config::MskIam>,
}

pub(crate) fn check_options(t: &TableSpec) -> Result<Checked> {
    let settings = config::source_settings(t.name, t.options)?;
    let decoder = RecordDecoder::new(t)?;
    let group = t.options.get("properties.group.id").is_some();
    config::check_properties(
        t.name,
        t.options,
        Role::Source {
            group,
            startup: &settings.startup,
        },
    )?;
    let (cfg, msk) = config::client_config(t.name, t.options)?;
    crate::refuse_unread(t, "kafka")?;
    Ok(Checked {
        settings,
        decoder,
        cfg,
        msk,
    })
}

pub fn create(t: &TableSpec, _ctx: &ConnectorContext) -> Result<Box<dyn Source>> {
    let Checked {
        settings,
        decoder,
        mut cfg,
        msk,
    } = check_options(t)?;
    let group = t.options.get("properties.group.id").map(str::to_string);
    if group.is_none() {
        // librdkafka wants a group id even for manual assignment; nothing is committed.
        cfg.set("group.id", format!("newsflow-{}", t.name));
        cfg.set("enable.auto.commit", "false");
    }
    if cfg.get("client.id").is_none() {
        cfg.set("client.id", process_client_id());
    }
    cfg.set("enable.auto.offset.store", "false");
    if cfg.get("auto.offset.reset").is_none() {
        // Where a partition without a usable offset starts, as Flink's offsets
        // initializers set it: 'latest-offset' and 'timestamp' at the end, the others at
        // the beginning ('properties.auto.offset.reset' is accepted only with
        // 'group-offsets' and 'specific-offsets').
        let reset = match settings.startup {
            Startup::Latest | Startup::Timestamp(_) => "latest",
            _ => "earliest",
        };
        cfg.set("auto.offset.reset", reset);
    }
    // Join the process's consumer for this group, or start one.
    let bootstrap = t.options.get("properties.bootstrap.servers").unwrap_or_default();
    let key = group.as_ref().map(|g| format!("{bootstrap}\u{0}{g}"));
    let existing = key.as_ref().and_then(|k| {
        let mut conns = CONNS.lock().unwrap_or_else(|p| p.into_inner());
        conns.retain(|(_, w)| w.strong_count() > 0);
        conns.iter().find(|(ck, _)| ck == k).and_then(|(_, w)| w.upgrade())
    });
    let conn = match existing {
        Some(c) => c,
        None => {
            let consumer: BaseConsumer<NfContext> = cfg
                .create_with_context(NfContext::new(msk))
                .map_err(|e| kafka_err(t.name, "creating the consumer", e))?;
            let c = Arc::new(Mutex::new(Conn {
                consumer,
                group: group.is_some(),
                subscribed: false,
                routes: HashMap::new(),
                queues: Vec::new(),
                events: Vec::new(),
                errors: Vec::new(),
            }));
            if let Some(k) = &key {
                CONNS
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((k.clone(), Arc::downgrade(&c)));
            }
            c
        }
    };
    let (slot, parts) = {
        let mut c = lock(&conn);
        if c.subscribed {
            return Err(Error::config(format!(
                "table `{}`: the consumer of group {group:?} is already reading; create every table of a group before the job starts",
                t.name
            )));
        }
        let parts = resolve_partitions(t.name, &c.consumer, &settings)?;
        let slot = c.queues.len();
        for (topic, _) in &parts {
            if let Some(other) = c.routes.insert(topic.clone(), slot) {
                if other != slot {
                    return Err(Error::config(format!(
                        "table `{}`: kafka topic '{topic}' is read by another table of group {group:?} in this job; give one of them its own 'properties.group.id'",
                        t.name
                    )));
                }
            }
            c.consumer
                .context()
                .startup
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(topic.clone(), settings.startup.clone());
        }
        if group.is_some() && !settings.settle.is_zero() {
            c.consumer
                .context()
                .pause_on_assign
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        c.queues.push(VecDeque::new());
        c.events.push(Vec::new());
        (slot, parts)
    };
    let index = parts.iter().enumerate().map(|(i, p)| (p.clone(), i)).collect();
    let n = parts.len();
    let mut src = KafkaSource {
        table: t.name.to_string(),
        conn,
        slot,
        decoder,
        ended: vec![false; n],
        mine: vec![group.is_none(); n],
        paused: vec![false; n],
        stop: None,
        parts,
        index,
        group: group.is_some(),
        got_assignment: group.is_none(),
        settle: if group.is_some() {
            settings.settle
        } else {
            Duration::ZERO
        },
        settle_until: None,
        ready: VecDeque::new(),
        batch_ends: vec![VecDeque::new(); n],
        handed: vec![None; n],
        pending_assign: None,
        polled: false,
        dead_letter: None,
        finished: false,
        last_group_check: None,
    };
    if let Some(topic) = &settings.dead_letter_topic {
        let (pcfg, _) = config::client_config(t.name, t.options)?;
        let producer: BaseProducer = producer_config(pcfg)
            .create()
            .map_err(|e| kafka_err(t.name, "creating the dead-letter producer", e))?;
        src.dead_letter = Some((producer, topic.clone()));
    }
    src.stop = src.resolve_stops(&settings, group.as_deref())?;
    if group.is_none() {
        // Assigned on the first poll: a restore may still move the start offsets.
        let c = lock(&src.conn);
        src.pending_assign = Some(context::startup_offsets(&c.consumer, &settings.startup, &src.parts));
    }
    Ok(Box::new(src))
}

fn producer_config(mut cfg: ClientConfig) -> ClientConfig {
    for k in [
        "group.id",
        "auto.offset.reset",
        "enable.auto.commit",
        "enable.auto.offset.store",
    ] {
        cfg.remove(k);
    }
    cfg
}

fn resolve_partitions(
    table: &str,
    consumer: &BaseConsumer<NfContext>,
    s: &SourceSettings,
) -> Result<Vec<(String, i32)>> {
    let md = consumer
        .fetch_metadata(None, METADATA_TIMEOUT)
        .map_err(|e| kafka_err(table, "reading topic metadata", e))?;
    let pattern = match &s.pattern {
        Some(p) => Some(regex_lite::Regex::new(&format!("^(?:{p})$")).map_err(|e| {
            Error::config(format!(
                "table `{table}`: 'topic-pattern' is not a valid regular expression: {e}"
            ))
        })?),
        None => None,
    };
    let mut parts = Vec::new();
    let mut found = Vec::new();
    for topic in md.topics() {
        let wanted = match &pattern {
            Some(re) => re.is_match(topic.name()),
            None => s.topics.iter().any(|t| t == topic.name()),
        };
        if wanted && topic.error().is_none() {
            found.push(topic.name().to_string());
            parts.extend(topic.partitions().iter().map(|p| (topic.name().to_string(), p.id())));
        }
    }
    for t in &s.topics {
        if !found.contains(t) {
            return Err(Error::config(format!(
                "table `{table}`: kafka topic '{t}' does not exist on the broker (create it first, e.g. `newsflow produce --create-partitions N`)"
            )));
        }
    }
    if parts.is_empty() {
        return Err(Error::config(format!(
            "table `{table}`: no kafka topic matches the table's topics"
        )));
    }
    parts.sort();
    Ok(parts)
}

impl KafkaSource {
    /// The next item of `ready`; a data batch moves the position to its end, a partition's
    /// end to its stop offset (at least: so a restore ends it again, also when the offsets
    /// before the stop hold no message).
    fn next_ready(&mut self) -> Option<Poll> {
        let p = self.ready.pop_front()?;
        match &p {
            Poll::Data { partition, .. } => {
                if let Some(end) = self.batch_ends.get_mut(*partition).and_then(VecDeque::pop_front) {
                    self.handed[*partition] = Some(end);
                }
            }
            Poll::PartitionEnd(i) => {
                if let Some(stop) = self.stop.as_ref().and_then(|s| s.get(*i)) {
                    self.handed[*i] = Some(self.handed[*i].map_or(*stop, |h| h.max(*stop)));
                }
            }
            _ => {}
        }
        Some(p)
    }

    /// Without a group: assign every partition at its start offset (once, first poll).
    fn assign_pending(&mut self, c: &Conn) -> Result<()> {
        let Some(starts) = self.pending_assign.take() else {
            return Ok(());
        };
        let mut tpl = TopicPartitionList::new();
        for ((topic, p), o) in starts {
            tpl.add_partition_offset(&topic, p, o)
                .map_err(|e| kafka_err(&self.table, &format!("setting the start offset of {topic}/{p}"), e))?;
        }
        c.consumer
            .assign(&tpl)
            .map_err(|e| kafka_err(&self.table, "assigning partitions", e))
    }

    /// Where reading of partitions `missing` (nothing handed out yet) will start, where
    /// known: the oldest queued message, else the consumer's position.
    fn unread_starts(&self, missing: &[usize]) -> HashMap<usize, i64> {
        let mut out: HashMap<usize, i64> = HashMap::new();
        if self.pending_assign.is_some() {
            // Not assigned yet: the startup mode still decides.
            return out;
        }
        let c = lock(&self.conn);
        for msg in &c.queues[self.slot] {
            let Some(&i) = self.index.get(&(msg.topic().to_string(), msg.partition())) else {
                continue;
            };
            if missing.contains(&i) {
                let o = out.entry(i).or_insert(msg.offset());
                *o = (*o).min(msg.offset());
            }
        }
        if let Ok(pos) = c.consumer.position() {
            for &i in missing {
                let (t, p) = &self.parts[i];
                if out.contains_key(&i) || !self.mine[i] {
                    continue;
                }
                if let Some(Offset::Offset(o)) = pos.find_partition(t, *p).map(|e| e.offset()) {
                    out.insert(i, o);
                }
            }
        }
        out
    }

    /// Stop offsets for a bounded source; partitions already at their stop end now.
    fn resolve_stops(&mut self, s: &SourceSettings, group: Option<&str>) -> Result<Option<Vec<i64>>> {
        let conn = self.conn.clone();
        let c = lock(&conn);
        if s.bounded == Bounded::Unbounded {
            return Ok(None);
        }
        let mut low = Vec::with_capacity(self.parts.len());
        let mut high = Vec::with_capacity(self.parts.len());
        for (t, p) in &self.parts {
            let (l, h) = c
                .consumer
                .fetch_watermarks(t, *p, METADATA_TIMEOUT)
                .map_err(|e| kafka_err(&self.table, &format!("reading offsets of {t}/{p}"), e))?;
            low.push(l);
            high.push(h);
        }
        let mut tpl = TopicPartitionList::new();
        for (t, p) in &self.parts {
            let _ = tpl.add_partition(t, *p);
        }
        let lookup = |tpl: &TopicPartitionList, t: &str, p: i32| match tpl.find_partition(t, p).map(|e| e.offset()) {
            Some(Offset::Offset(o)) => Some(o),
            _ => None,
        };
        let stops: Vec<i64> = match &s.bounded {
            Bounded::Unbounded => return Ok(None),
            Bounded::Latest => high.clone(),
            Bounded::Specific(map) => self
                .parts
                .iter()
                .enumerate()
                .map(|(i, (_, p))| map.get(p).copied().unwrap_or(high[i]))
                .collect(),
            Bounded::GroupOffsets => {
                let committed = c
                    .consumer
                    .committed_offsets(tpl, METADATA_TIMEOUT)
                    .map_err(|e| kafka_err(&self.table, &format!("reading group {group:?} offsets"), e))?;
                self.parts
                    .iter()
                    .enumerate()
                    .map(|(i, (t, p))| lookup(&committed, t, *p).unwrap_or(low[i]))
                    .collect()
            }
            Bounded::Timestamp(ts) => {
                let mut q = TopicPartitionList::new();
                for (t, p) in &self.parts {
                    let _ = q.add_partition_offset(t, *p, Offset::Offset(*ts));
                }
                let found = c
                    .consumer
                    .offsets_for_times(q, METADATA_TIMEOUT)
                    .map_err(|e| kafka_err(&self.table, "looking up offsets for 'scan.bounded.timestamp-millis'", e))?;
                self.parts
                    .iter()
                    .enumerate()
                    .map(|(i, (t, p))| lookup(&found, t, *p).unwrap_or(high[i]))
                    .collect()
            }
        };
        // Where reading starts, when the startup mode says so without the group.
        for (i, stop) in stops.iter().enumerate() {
            let start = match &s.startup {
                Startup::Earliest => Some(low[i]),
                Startup::Latest => Some(high[i]),
                Startup::Specific(map) => map.get(&self.parts[i].1).copied(),
                _ => None,
            };
            if *stop <= low[i] || start.is_some_and(|st| st >= *stop) {
                self.ended[i] = true;
                self.ready.push_back(Poll::PartitionEnd(i));
            }
        }
        Ok(Some(stops))
    }

    fn dead_letter(&mut self, dead: &mut DeadLetters, payload: &[u8], reason: &str) -> Result<()> {
        dead.set_table(&self.table);
        dead.record(payload, reason)?;
        if let Some((producer, topic)) = &self.dead_letter {
            let line = serde_json::json!({
                "table": self.table,
                "reason": reason,
                "record": String::from_utf8_lossy(payload),
            })
            .to_string();
            let mut rec = BaseRecord::<(), str>::to(topic).payload(&line);
            loop {
                match producer.send(rec) {
                    Ok(()) => break,
                    Err((e, r)) if e.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::QueueFull) => {
                        producer.poll(Duration::from_millis(10));
                        rec = r;
                    }
                    Err((e, _)) => {
                        return Err(Error::runtime(format!(
                            "table `{}`: kafka: sending a dead letter to '{topic}': {e}",
                            self.table
                        )))
                    }
                }
            }
            producer.poll(Duration::ZERO);
        }
        Ok(())
    }

    fn handle_events(&mut self) -> Result<()> {
        let conn = self.conn.clone();
        let (events, error, paused_on_assign) = {
            let mut c = lock(&conn);
            let events = std::mem::take(&mut c.events[self.slot]);
            // Set when any table of this group settles: the consumer then pauses every
            // newly assigned partition, this table's too.
            let paused = c
                .consumer
                .context()
                .pause_on_assign
                .load(std::sync::atomic::Ordering::Relaxed);
            (events, c.errors.first().cloned(), paused)
        };
        if let Some(e) = error {
            return Err(Error::runtime(format!("table `{}`: kafka: {e}", self.table)));
        }
        for ev in events {
            match ev {
                AssignEvent::Assigned(list) => {
                    self.got_assignment = true;
                    let now: Vec<usize> = list.iter().filter_map(|p| self.index.get(p).copied()).collect();
                    for i in 0..self.mine.len() {
                        let was = self.mine[i];
                        self.mine[i] = now.contains(&i);
                        if self.mine[i] && !was && !self.ended[i] {
                            // Read here (again): it holds the watermark back from now on.
                            self.ready.push_back(Poll::Acquired(i));
                        }
                        if self.mine[i] {
                            // As the consumer left it: `sync_pause` resumes it when due.
                            self.paused[i] = paused_on_assign;
                        }
                        if !self.mine[i] && !self.ended[i] {
                            // Read elsewhere: it must not hold the watermark back here.
                            self.ready.push_back(Poll::Released(i));
                        }
                    }
                    if !self.settle.is_zero() {
                        self.settle_until = Some(Instant::now() + self.settle);
                    }
                }
                AssignEvent::Revoked(list) => {
                    // Not released yet: most revoked partitions come straight back in the
                    // next assignment, and until then they keep holding the watermark (a
                    // released partition lets the other input race ahead, making its own
                    // rows late when they arrive). The next assignment releases the rest.
                    for p in list {
                        if let Some(&i) = self.index.get(&p) {
                            self.mine[i] = false;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Pause or resume this table's partitions: a partition is fetched while it is this
    /// process's, not ended, the group has settled and this table's queue has room.
    fn sync_pause(&mut self, c: &Conn) {
        let backlog = c.queues[self.slot].len() >= QUEUE_LIMIT;
        let settling = self.settle_until.is_some();
        let mut pause = TopicPartitionList::new();
        let mut resume = TopicPartitionList::new();
        for i in 0..self.parts.len() {
            if !self.mine[i] {
                continue;
            }
            let want = self.ended[i] || backlog || settling;
            if want != self.paused[i] {
                let (t, p) = &self.parts[i];
                let _ = if want {
                    pause.add_partition(t, *p)
                } else {
                    resume.add_partition(t, *p)
                };
                self.paused[i] = want;
            }
        }
        if pause.count() > 0 {
            let _ = c.consumer.pause(&pause);
        }
        if resume.count() > 0 {
            let _ = c.consumer.resume(&resume);
        }
    }

    fn end_partition(&mut self, i: usize, c: &Conn) {
        if self.ended[i] {
            return;
        }
        self.ended[i] = true;
        if self.group && self.mine[i] {
            // Other members decide they are done from the group's committed offsets.
            let _ = c.consumer.commit_consumer_state(CommitMode::Sync);
        }
        self.ready.push_back(Poll::PartitionEnd(i));
    }

    /// Every partition has reached its stop offset: read here, or committed by whichever
    /// group member read it (also one that has left). A member never finishes just because
    /// it was assigned little, so no partition is left unread when the group changes.
    fn all_done(&mut self, c: &Conn) -> bool {
        if !self.got_assignment {
            return false;
        }
        if self.ended.iter().all(|e| *e) {
            return true;
        }
        let Some(stop) = self.stop.clone() else { return false };
        if self
            .last_group_check
            .is_some_and(|t| t.elapsed() < Duration::from_millis(500))
        {
            return false;
        }
        self.last_group_check = Some(Instant::now());
        let open: Vec<usize> = (0..self.parts.len()).filter(|i| !self.ended[*i]).collect();
        let mut tpl = TopicPartitionList::new();
        for i in &open {
            let (t, p) = &self.parts[*i];
            let _ = tpl.add_partition(t, *p);
        }
        let committed = if self.group {
            c.consumer.committed_offsets(tpl, METADATA_TIMEOUT).ok()
        } else {
            None
        };
        let position = c.consumer.position().ok();
        let offset_in = |list: &Option<TopicPartitionList>, t: &str, p: i32| match list
            .as_ref()
            .and_then(|l| l.find_partition(t, p))
            .map(|e| e.offset())
        {
            Some(Offset::Offset(o)) => Some(o),
            _ => None,
        };
        for i in open {
            let (t, p) = self.parts[i].clone();
            let done = offset_in(&committed, &t, p).is_some_and(|o| o >= stop[i])
                || (self.mine[i] && offset_in(&position, &t, p).is_some_and(|o| o >= stop[i]));
            if done {
                self.end_partition(i, c);
            }
        }
        self.ended.iter().all(|e| *e)
    }
}

impl Source for KafkaSource {
    fn partitions(&self) -> usize {
        self.parts.len().max(1)
    }

    fn bounded(&self) -> bool {
        self.stop.is_some()
    }

    fn poll(&mut self, max_rows: usize, dead: &mut DeadLetters) -> Result<Poll> {
        self.polled = true;
        if let Some(p) = self.next_ready() {
            return Ok(p);
        }
        if self.finished {
            return Ok(Poll::Finished);
        }
        let conn = self.conn.clone();
        let mut msgs = Vec::new();
        {
            let mut c = lock(&conn);
            self.assign_pending(&c)?;
            c.ensure_subscribed()
                .map_err(|e| Error::runtime(format!("table `{}`: kafka: {e}", self.table)))?;
            if c.queues[self.slot].len() < max_rows {
                c.pump(max_rows);
            }
        }
        self.handle_events()?;
        {
            let mut c = lock(&conn);
            if self.settle_until.is_some_and(|u| Instant::now() >= u) {
                // The group has settled: no member reads a partition that is about to
                // move (its rows would be split between two processes' join state).
                self.settle_until = None;
            }
            self.sync_pause(&c);
            if self.settle_until.is_none() {
                let q = &mut c.queues[self.slot];
                let n = q.len().min(max_rows);
                msgs.extend(q.drain(..n));
            }
        }
        let mut batches: BTreeMap<usize, Vec<Row>> = BTreeMap::new();
        let mut ends = Vec::new();
        let mut bad = Vec::new();
        // Per partition: the offset after the last message handed out by this poll.
        let mut consumed: BTreeMap<usize, i64> = BTreeMap::new();
        {
            let c = lock(&conn);
            for msg in &msgs {
                let key = (msg.topic().to_string(), msg.partition());
                let Some(&i) = self.index.get(&key) else { continue };
                if self.ended[i] || !self.mine[i] {
                    // Ended, or revoked since it was fetched: another member reads it
                    // from the committed offset.
                    continue;
                }
                if let Some(stop) = &self.stop {
                    if msg.offset() >= stop[i] {
                        ends.push(i);
                        continue;
                    }
                    if msg.offset() + 1 >= stop[i] {
                        ends.push(i);
                    }
                }
                if self.handed[i].is_none() && self.batch_ends[i].is_empty() {
                    // Reading of this partition starts here.
                    self.handed[i] = Some(msg.offset());
                }
                consumed.insert(i, msg.offset() + 1);
                let _ = c.consumer.store_offset(&key.0, key.1, msg.offset() + 1);
                let payload = msg.payload().unwrap_or_default();
                match self.decoder.decode(msg.key(), payload) {
                    Ok(row) => batches.entry(i).or_default().push(row),
                    Err(reason) => bad.push((
                        payload.to_vec(),
                        format!("{}/{} offset {}: {reason}", key.0, key.1, msg.offset()),
                    )),
                }
            }
        }
        for (payload, reason) in bad {
            self.dead_letter(dead, &payload, &reason)?;
        }
        for (partition, rows) in batches {
            if let Some(end) = consumed.remove(&partition) {
                self.batch_ends[partition].push_back(end);
            }
            self.ready.push_back(Poll::Data { partition, rows });
        }
        // Partitions whose messages all went to the dead letters: handed out now, or with
        // the partition's last waiting batch.
        for (i, end) in consumed {
            match self.batch_ends[i].back_mut() {
                Some(b) => *b = (*b).max(end),
                None => self.handed[i] = Some(end),
            }
        }
        {
            let c = lock(&conn);
            for i in ends {
                self.end_partition(i, &c);
            }
            self.sync_pause(&c);
            if self.stop.is_some()
                && msgs.is_empty()
                && self.all_done(&c)
                && self.ready.iter().all(|p| !matches!(p, Poll::Data { .. }))
            {
                let _ = c.consumer.commit_consumer_state(CommitMode::Sync);
                if let Some((producer, _)) = &self.dead_letter {
                    let _ = producer.flush(Duration::from_secs(30));
                }
                self.finished = true;
                self.ready.push_back(Poll::Finished);
            }
        }
        Ok(self
            .next_ready()
            .unwrap_or(Poll::Pending(Some(Instant::now() + IDLE_POLL))))
    }

    fn position(&self) -> Result<serde_json::Value> {
        let missing: Vec<usize> = (0..self.parts.len()).filter(|i| self.handed[*i].is_none()).collect();
        let starts = if missing.is_empty() {
            HashMap::new()
        } else {
            self.unread_starts(&missing)
        };
        let offsets: Vec<serde_json::Value> = self
            .parts
            .iter()
            .enumerate()
            .filter_map(|(i, (t, p))| {
                let o = self.handed[i].or_else(|| starts.get(&i).copied())?;
                Some(serde_json::json!([t, p, o]))
            })
            .collect();
        Ok(serde_json::json!({ "offsets": offsets }))
    }

    fn seek(&mut self, position: &serde_json::Value) -> Result<()> {
        let unreadable = || {
            Error::runtime(format!(
                "table `{}`: unreadable checkpointed kafka position {position}",
                self.table
            ))
        };
        if self.polled {
            return Err(Error::runtime(format!(
                "table `{}`: seek after reading started",
                self.table
            )));
        }
        let list = position
            .get("offsets")
            .and_then(|v| v.as_array())
            .ok_or_else(unreadable)?;
        let mut restored: Vec<(usize, i64)> = Vec::new();
        for entry in list {
            let Some([t, p, o]) = entry.as_array().map(Vec::as_slice) else {
                return Err(unreadable());
            };
            let (Some(t), Some(p), Some(o)) = (t.as_str(), p.as_i64().and_then(|p| i32::try_from(p).ok()), o.as_i64())
            else {
                return Err(unreadable());
            };
            match self.index.get(&(t.to_string(), p)) {
                Some(&i) => restored.push((i, o)),
                None => tracing::warn!(
                    "table `{}`: the checkpoint's kafka partition {t}/{p} is no longer read; ignored",
                    self.table
                ),
            }
        }
        for &(i, o) in &restored {
            self.handed[i] = Some(o);
        }
        if let Some(stop) = &self.stop {
            // The checkpoint, not the startup mode, says which partitions are done.
            for &(i, o) in &restored {
                self.ended[i] = o >= stop[i];
            }
            self.ready.retain(|p| !matches!(p, Poll::PartitionEnd(_)));
            for i in 0..self.parts.len() {
                if self.ended[i] {
                    self.ready.push_back(Poll::PartitionEnd(i));
                }
            }
        }
        if self.group {
            let c = lock(&self.conn);
            if c.subscribed {
                return Err(Error::runtime(format!(
                    "table `{}`: seek after the group's consumer started reading",
                    self.table
                )));
            }
            c.consumer
                .context()
                .restore_offsets(restored.iter().map(|&(i, o)| (self.parts[i].clone(), o)));
        } else if let Some(starts) = &mut self.pending_assign {
            for (part, start) in starts.iter_mut() {
                if let Some(&(_, o)) = restored.iter().find(|(i, _)| self.parts[*i] == *part) {
                    *start = Offset::Offset(o);
                }
            }
        }
        Ok(())
    }
}

impl Drop for KafkaSource {
    fn drop(&mut self) {
        if self.group {
            let _ = lock(&self.conn).consumer.commit_consumer_state(CommitMode::Sync);
        }
        if let Some((producer, _)) = &self.dead_letter {
            let _ = producer.flush(Duration::from_secs(10));
        }
    }
}
