//! # newsflow-connectors
//!
//! Where rows come from and go to. One module per connector behind two traits:
//!
//! ```text
//!   Source::poll ──► Poll::Data { partition, rows }   rows = physical columns, table order
//!                    Poll::PartitionEnd(p) / Released(p) / Pending(wake_at) / Finished
//!   Source::position() / seek(position)               where the next read starts (checkpoints)
//!   Sink::write(rows) … Sink::finish()                 rows already in the sink's column types
//!   Sink::pre_commit(checkpoint) → committable         two-phase commit per checkpoint:
//!   Sink::commit(committable) / recover(committable)   visible only once the checkpoint is
//! ```
//!
//! Checkpoints (see `newsflow-runtime`): a source's *position* is where its next poll
//! starts, covering exactly the rows it has handed out (a file: byte offset and line per
//! file; a generator: rows emitted; an in-process topic: the reader's offset). A sink's
//! *pre-commit* makes what it wrote durable but not visible and returns what its *commit*
//! needs to make it visible; commit runs once the checkpoint is published, and again on
//! restore (so it must be idempotent); *recover* also discards whatever was written after
//! the checkpoint. [`Guarantee`] says what a sink gives with checkpoints.
//!
//! | connector    | source | sink | module |
//! |--------------|--------|------|--------|
//! | `datagen`    | yes    |      | [`datagen`]: built-in `news` / `stock` / `sensor` generators, or Flink-style random fields |
//! | `filesystem` | yes    | yes  | [`filesystem`]: a file or directory of JSON lines / CSV; one partition per file |
//! | `topic`      | yes    | yes  | [`topic`]: an in-process, append-only log shared by the statements of one job (Kafka without a broker) |
//! | `kafka`      | yes    | yes  | [`kafka`] (feature `kafka`, on by default): Apache Kafka with Flink's options, consumer groups, bounded modes, MSK IAM |
//! | `print`      |        | yes  | [`print`]: `+I[…]` lines on stdout, like Flink |
//! | `blackhole`  |        | yes  | [`blackhole`]: discards rows |
//!
//! Formats: `json`, `csv`, `raw`.
//!
//! Options are validated when a job is built ([`options::Options::check`]): an unknown key is
//! an error that names it and lists the valid ones; a valid key that nothing read once the
//! connector and format are built is refused as not supported yet ([`refuse_unread`]). Formats live in [`format`]. Records a
//! format cannot decode are never dropped silently: they go to the job's [`DeadLetters`]
//! with the reason.
//!
//! Invariant: connectors know nothing of SQL or plans; they move rows. (A sink hears the
//! watermark as a number: the filesystem sink's partition-time commits need it.)

pub mod blackhole;
pub mod datagen;
pub mod dead_letter;
pub mod filesystem;
pub mod format;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod options;
pub mod print;
pub mod topic;

use std::path::PathBuf;
use std::time::Instant;

use newsflow_common::{Error, Result, Row, Schema};

pub use dead_letter::DeadLetters;
pub use options::Options;
pub use topic::{TopicTap, Topics};

/// What a poll of a source gives.
#[derive(Debug)]
pub enum Poll {
    /// Rows of one partition, in that partition's order.
    Data { partition: usize, rows: Vec<Row> },
    /// A partition has no more data (bounded input).
    PartitionEnd(usize),
    /// Nothing now; poll again at (or before) the given instant.
    Pending(Option<Instant>),
    /// Every partition has ended.
    Finished,
    /// This process no longer reads the partition (another consumer-group member does):
    /// it stops holding the watermark back until rows of it arrive again.
    Released(usize),
    /// This process reads the partition again (after a rebalance): it holds the watermark
    /// back from now on.
    Acquired(usize),
}

pub trait Source: Send {
    /// Number of partitions; the runtime keeps a watermark per partition.
    fn partitions(&self) -> usize;
    /// Read up to `max_rows` rows. Undecodable records go to `dead`.
    fn poll(&mut self, max_rows: usize, dead: &mut DeadLetters) -> Result<Poll>;
    /// Is this source bounded (will it finish by itself)?
    fn bounded(&self) -> bool;
    /// Where the next poll starts: every row handed out so far lies before it. Stored in
    /// checkpoints; a source that cannot resume says so (the job then refuses checkpoints).
    fn position(&self) -> Result<serde_json::Value> {
        Err(Error::config("this source cannot resume from a checkpoint yet"))
    }
    /// Resume at a position [`Source::position`] returned, before the first poll.
    fn seek(&mut self, _position: &serde_json::Value) -> Result<()> {
        Err(Error::config("this source cannot resume from a checkpoint yet"))
    }
    /// How far a bounded source has got (for progress bars); `None` when it cannot say.
    fn progress(&self) -> Option<Progress> {
        None
    }
}

/// How far a bounded source has read: `done` of `total`, in `unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub unit: ProgressUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressUnit {
    /// Bytes of files read.
    Bytes,
    /// Rows handed out of a row count (`'number-of-rows'`).
    Rows,
    /// Milliseconds of event time generated of the sessions or days asked for.
    EventTimeMs,
}

impl Progress {
    /// `done / total` in [0, 1] (1 for an empty total).
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        }
    }
}

/// What a sink delivers when the job restarts from a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarantee {
    /// Nothing written after the restored checkpoint stays visible: no duplicates.
    ExactlyOnce,
    /// Rows written after the restored checkpoint are written again: duplicates possible,
    /// never a loss.
    AtLeastOnce,
}

pub trait Sink: Send {
    fn write(&mut self, rows: &[Row]) -> Result<()>;
    /// End of a job that runs without checkpoints: make everything written durable and
    /// visible.
    fn finish(&mut self) -> Result<()>;
    /// Checkpoint `checkpoint` is being taken: make what was written so far durable (not
    /// necessarily visible) and return what [`Sink::commit`] needs to make it visible.
    fn pre_commit(&mut self, _checkpoint: u64) -> Result<serde_json::Value> {
        self.flush()?;
        Ok(serde_json::Value::Null)
    }
    /// The checkpoint whose pre-commit returned `committable` is published: make its data
    /// visible. Called again after a restore, so it must be idempotent.
    fn commit(&mut self, _committable: &serde_json::Value) -> Result<()> {
        Ok(())
    }
    /// The job restarts from a checkpoint (`committable` is what this sink pre-committed in
    /// it, if anything): commit that, and discard what was written after it where the
    /// sink can.
    fn recover(&mut self, committable: Option<&serde_json::Value>) -> Result<()> {
        match committable {
            Some(c) => self.commit(c),
            None => Ok(()),
        }
    }
    /// Push buffered writes out (at-least-once sinks at a checkpoint).
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
    /// What a restart from a checkpoint gives.
    fn guarantee(&self) -> Guarantee {
        Guarantee::AtLeastOnce
    }
    /// Checkpoints are taken: make data visible only through [`Sink::commit`].
    fn enable_two_phase_commit(&mut self) {}
    /// End of input in a job with checkpoints: the final checkpoint follows.
    fn end_of_input(&mut self) -> Result<()> {
        self.flush()
    }
    /// The job's watermark at the sink (event-time milliseconds).
    fn watermark(&mut self, _wm: i64) {}
    /// Called on every executor loop (rolling files by age).
    fn tick(&mut self, _now: Instant) -> Result<()> {
        Ok(())
    }
    /// Rows the sink could not write and set aside, and where they went (the filesystem
    /// sink's error output).
    fn rejected(&self) -> Option<(u64, String)> {
        None
    }
}

/// Everything a connector needs from the job that creates it.
#[derive(Clone)]
pub struct ConnectorContext {
    /// Relative paths resolve against this directory (the SQL file's working directory).
    pub base_dir: PathBuf,
    pub topics: Topics,
    /// The job's `s3.*` settings (a table's own `s3.endpoint` wins).
    pub s3: newsflow_state::S3Options,
}

/// A table as a connector sees it: name, physical columns, WITH options.
pub struct TableSpec<'a> {
    pub name: &'a str,
    pub schema: &'a Schema,
    pub options: &'a Options,
    /// `PARTITIONED BY` columns (only the filesystem connector takes them).
    pub partition_keys: &'a [String],
}

fn refuse_partitions(t: &TableSpec, connector: &str) -> Result<()> {
    if t.partition_keys.is_empty() || connector == "filesystem" {
        return Ok(());
    }
    Err(Error::config(format!(
        "table `{}`: PARTITIONED BY ({}) is only honoured by the 'filesystem' connector; \
         the '{connector}' connector would ignore it, so it is refused",
        t.name,
        t.partition_keys.join(", ")
    )))
}

#[cfg(feature = "kafka")]
pub const CONNECTORS: &[&str] = &["datagen", "filesystem", "topic", "kafka", "print", "blackhole"];
#[cfg(not(feature = "kafka"))]
pub const CONNECTORS: &[&str] = &["datagen", "filesystem", "topic", "print", "blackhole"];

/// The table's connector name, checked against the connectors this build has.
pub fn connector_name<'a>(t: &'a TableSpec) -> Result<&'a str> {
    let c = t.options.get("connector").ok_or_else(|| {
        Error::config(format!(
            "table `{}` has no 'connector' option; valid connectors: {}",
            t.name,
            CONNECTORS.join(", ")
        ))
    })?;
    if (c == "kafka" && !cfg!(feature = "kafka")) || c == "upsert-kafka" || c == "kinesis" {
        return Err(Error::config(format!(
            "table `{}`: the '{c}' connector is not available in this build yet; for a job on one machine use \
             'connector' = 'topic' (an in-process topic with the same 'topic' option), or 'filesystem'",
            t.name
        )));
    }
    if !CONNECTORS.contains(&c) {
        return Err(Error::config(format!(
            "table `{}`: unknown connector '{c}'; valid connectors: {}",
            t.name,
            CONNECTORS.join(", ")
        )));
    }
    Ok(c)
}

pub fn create_source(t: &TableSpec, ctx: &ConnectorContext) -> Result<Box<dyn Source>> {
    let c = connector_name(t)?;
    refuse_partitions(t, c)?;
    let source = match c {
        "datagen" => datagen::create(t),
        "filesystem" => filesystem::create_source(t, ctx),
        "topic" => topic::create_source(t, ctx),
        #[cfg(feature = "kafka")]
        "kafka" => kafka::create_source(t, ctx),
        c => Err(Error::config(format!(
            "table `{}`: the '{c}' connector can only be written to (it is a sink), but the job reads from it",
            t.name
        ))),
    }?;
    refuse_unread(t, c)?;
    Ok(source)
}

/// After a connector and its format are built: refuse any option nobody read (a valid
/// Flink option newsflow does not implement yet) instead of ignoring it.
pub fn refuse_unread(t: &TableSpec, connector: &str) -> Result<()> {
    t.options.mark_read("connector");
    let unread = t.options.unread();
    if unread.is_empty() {
        return Ok(());
    }
    Err(Error::config(format!(
        "table `{}`: {} not supported by newsflow's '{connector}' connector yet (a valid Flink option, \
         but newsflow would ignore it, so it is refused); remove it",
        t.name,
        unread
            .iter()
            .map(|k| format!("option '{k}' is"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

pub fn create_sink(t: &TableSpec, ctx: &ConnectorContext) -> Result<Box<dyn Sink>> {
    let c = connector_name(t)?;
    refuse_partitions(t, c)?;
    let sink = match c {
        "filesystem" => filesystem::create_sink(t, ctx),
        "topic" => topic::create_sink(t, ctx),
        #[cfg(feature = "kafka")]
        "kafka" => kafka::create_sink(t, ctx),
        "print" => print::create(t),
        "blackhole" => blackhole::create(t),
        c => Err(Error::config(format!(
            "table `{}`: the '{c}' connector can only be read from (it is a source), but the job writes to it",
            t.name
        ))),
    }?;
    refuse_unread(t, c)?;
    Ok(sink)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use newsflow_common::{DataType, Field, Schema};

    use super::*;

    /// datagen's random integers cover [min, max] with both ends, as Flink's do.
    #[test]
    fn datagen_random_integers_include_both_bounds() {
        let schema = Schema::new(vec![Field::new("i", DataType::Int), Field::new("b", DataType::BigInt)]);
        let options = Options::new(
            [
                ("connector", "datagen"),
                ("number-of-rows", "4000"),
                ("fields.i.min", "1"),
                ("fields.i.max", "6"),
                ("fields.b.min", "-3"),
                ("fields.b.max", "3"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        let spec = TableSpec {
            name: "t",
            schema: &schema,
            options: &options,
            partition_keys: &[],
        };
        let ctx = ConnectorContext {
            base_dir: std::env::temp_dir(),
            topics: Default::default(),
            s3: Default::default(),
        };
        let mut source = create_source(&spec, &ctx).unwrap();
        let mut dead = DeadLetters::new(std::env::temp_dir());
        let (mut ints, mut bigs) = (BTreeMap::new(), BTreeMap::new());
        loop {
            match source.poll(1000, &mut dead).unwrap() {
                Poll::Data { rows, .. } => {
                    for r in rows {
                        *ints.entry(r[0].as_i64().unwrap()).or_insert(0) += 1;
                        *bigs.entry(r[1].as_i64().unwrap()).or_insert(0) += 1;
                    }
                }
                Poll::Finished => break,
                _ => {}
            }
        }
        assert_eq!(ints.keys().copied().collect::<Vec<_>>(), (1..=6).collect::<Vec<_>>());
        assert_eq!(bigs.keys().copied().collect::<Vec<_>>(), (-3..=3).collect::<Vec<_>>());
        // Roughly uniform: each of six values near 4000 / 6.
        assert!(ints.values().all(|&n| (500..=840).contains(&n)), "{ints:?}");
    }

    /// Every option key the filesystem connector and its formats accept is either read
    /// (honoured) or refused as not supported yet: none is accepted and then ignored. The
    /// table pins which is which, so a key that stops being read fails here.
    #[test]
    fn every_accepted_option_is_honoured_or_refused() {
        let dir = std::env::temp_dir().join(format!("nf-options-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("in.jsonl"), "{\"id\": 1}\n").unwrap();
        let schema = Schema::new(vec![Field::new("id", DataType::Int)]);
        let ctx = ConnectorContext {
            base_dir: dir.clone(),
            topics: Default::default(),
            s3: Default::default(),
        };
        // (direction, format, key, value, honoured)
        let cases: &[(&str, &str, &str, &str, bool)] = &[
            ("source", "json", "source.monitor-interval", "10 s", false),
            ("source", "json", "source.path.regex-pattern", ".*", false),
            ("source", "json", "json.timestamp-format.standard", "ISO-8601", true),
            ("source", "json", "json.fail-on-missing-field", "true", true),
            ("source", "json", "json.ignore-parse-errors", "true", false),
            ("source", "json", "json.encode.ignore-null-fields", "true", true),
            ("source", "json", "json.map-null-key.mode", "DROP", false),
            ("source", "csv", "csv.field-delimiter", ";", true),
            ("source", "csv", "csv.null-literal", "n/a", true),
            ("source", "csv", "csv.quote-character", "'", false),
            ("source", "csv", "csv.ignore-parse-errors", "true", false),
            ("sink", "json", "sink.rolling-policy.file-size", "128MB", true),
            ("sink", "json", "sink.rolling-policy.rollover-interval", "5 min", true),
            ("sink", "json", "sink.rolling-policy.inactivity-interval", "5 min", true),
            ("sink", "json", "sink.rolling-policy.check-interval", "1 min", true),
            ("sink", "json", "sink.compression", "gzip", true),
            ("sink", "json", "sink.partition-commit.trigger", "process-time", true),
            ("sink", "json", "sink.partition-commit.delay", "1 h", true),
            (
                "sink",
                "json",
                "sink.partition-commit.policy.kind",
                "success-file",
                true,
            ),
            ("sink", "json", "sink.partition-commit.success-file.name", "_DONE", true),
            ("sink", "json", "s3.endpoint", "http://localhost:9", true),
            ("sink", "json", "s3.path.style.access", "true", true),
            ("sink", "json", "sink.parallelism", "2", false),
            ("sink", "json", "partition.default-name", "x", true),
            ("sink", "parquet", "parquet.compression", "ZSTD", true),
            ("sink", "parquet", "parquet.block.size", "64 mb", true),
            ("sink", "parquet", "parquet.enable.dictionary", "false", true),
            ("sink", "json", "json.encode.ignore-null-fields", "true", true),
            ("sink", "json", "json.fail-on-missing-field", "true", true),
            ("sink", "csv", "csv.field-delimiter", ";", true),
            ("sink", "csv", "csv.null-literal", "n/a", false),
        ];
        for (direction, format, key, value, honoured) in cases {
            let options = Options::new(BTreeMap::from([
                ("connector".to_string(), "filesystem".to_string()),
                (
                    "path".to_string(),
                    if *direction == "source" { "in.jsonl" } else { "out" }.to_string(),
                ),
                ("format".to_string(), format.to_string()),
                (key.to_string(), value.to_string()),
            ]));
            let spec = TableSpec {
                name: "t",
                schema: &schema,
                options: &options,
                partition_keys: &[],
            };
            let result = if *direction == "source" {
                create_source(&spec, &ctx).map(|_| ())
            } else {
                create_sink(&spec, &ctx).map(|_| ())
            };
            match (result, honoured) {
                (Ok(()), true) => {}
                (Err(e), false) => assert!(
                    e.to_string()
                        .contains(&format!("option '{key}' is not supported by newsflow")),
                    "{direction} {key}: {e}"
                ),
                (Ok(()), false) => panic!("{direction} {key} is accepted but not read by anything"),
                (Err(e), true) => panic!("{direction} {key} should be honoured: {e}"),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// What building a table with one option gives.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Outcome {
        /// Built: the key is read by what honours it.
        Honoured,
        /// Refused by `refuse_unread`: a valid option newsflow does not implement yet.
        NotYet,
        /// Refused with an error that names the key (bad value, unknown key, a property
        /// newsflow overrides, a combination that would be ignored).
        Refused,
    }
    use Outcome::*;

    /// One case: extra options over the connector's base ("" removes a base key), the key
    /// under test, the outcome.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, Outcome);
    type OwnedCase<'a> = (Vec<(&'a str, &'a str)>, &'a str, Outcome);

    /// Build `direction` of `connector` with `base` and each case's options (Kafka only
    /// up to its option checks: no broker is contacted) and compare with the outcome.
    fn run(connector: &str, direction: &str, schema: &Schema, base: &[(&str, &str)], cases: &[Case]) -> Vec<String> {
        let dir = std::env::temp_dir().join(format!("nf-options-{connector}-{}", std::process::id()));
        let ctx = ConnectorContext {
            base_dir: dir,
            topics: Default::default(),
            s3: Default::default(),
        };
        let mut seen = Vec::new();
        for (extra, key, outcome) in cases {
            let mut map: BTreeMap<String, String> = [("connector", connector)]
                .iter()
                .chain(base)
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            for (k, v) in *extra {
                if v.is_empty() {
                    map.remove(*k);
                } else {
                    map.insert(k.to_string(), v.to_string());
                }
            }
            let options = Options::new(map);
            let spec = TableSpec {
                name: "t",
                schema,
                options: &options,
                partition_keys: &[],
            };
            let result = match (connector, direction) {
                #[cfg(feature = "kafka")]
                ("kafka", "source") => kafka::check_source_options(&spec).map(|_| ()),
                #[cfg(feature = "kafka")]
                ("kafka", _) => kafka::check_sink_options(&spec).map(|_| ()),
                (_, "source") => create_source(&spec, &ctx).map(|_| ()),
                _ => create_sink(&spec, &ctx).map(|_| ()),
            };
            let what = format!("{connector} {direction} {key} ({extra:?})");
            match (result, outcome) {
                (Ok(()), Honoured) => assert!(options.unread().is_empty(), "{what}: unread {:?}", options.unread()),
                (Err(e), NotYet) => assert!(
                    e.to_string()
                        .contains(&format!("option '{key}' is not supported by newsflow")),
                    "{what}: {e}"
                ),
                (Err(e), Refused) => {
                    let e = e.to_string();
                    assert!(
                        e.contains(&format!("'{key}'")),
                        "{what}: the error does not name the key: {e}"
                    );
                }
                (Ok(()), _) => panic!("{what} is accepted, expected {outcome:?}"),
                (Err(e), _) => panic!("{what}: expected {outcome:?}, got: {e}"),
            }
            seen.push(key.to_string());
        }
        seen
    }

    /// Every key a connector's key check lets through must have a case.
    fn all_covered(connector: &str, keys: &[&str], seen: &[String]) {
        for k in keys {
            assert!(
                *k == "connector" || seen.iter().any(|s| s == k),
                "{connector}: option '{k}' is accepted by the key check but has no case here"
            );
        }
    }

    fn two_columns() -> Schema {
        Schema::new(vec![
            Field::new("id", DataType::Int),
            Field::new("name", DataType::STRING),
        ])
    }

    /// Per connector, which keys are honoured, which are refused as not supported yet, and
    /// which are refused otherwise; a key the connector's check accepts without a case
    /// here, or a key accepted while nothing reads it, fails.
    #[cfg(feature = "kafka")]
    #[test]
    fn kafka_options_are_honoured_or_refused() {
        let schema = two_columns();
        let raw = Schema::new(vec![Field::new("line", DataType::STRING)]);
        let base = [
            ("properties.bootstrap.servers", "127.0.0.1:9"),
            ("topic", "n"),
            ("format", "json"),
            ("scan.startup.mode", "earliest-offset"),
        ];
        let src: &[Case] = &[
            (&[], "topic", Honoured),
            (&[("topic", "a;b")], "topic", Honoured),
            (&[("topic", ""), ("topic-pattern", "n.*")], "topic-pattern", Honoured),
            (&[("topic-pattern", "n.*")], "topic-pattern", Refused),
            (&[("format", ""), ("value.format", "json")], "value.format", Honoured),
            (&[("format", "csv")], "format", Honoured),
            (&[("key.format", "json"), ("key.fields", "id")], "key.format", Honoured),
            (&[("key.format", "json"), ("key.fields", "id")], "key.fields", Honoured),
            (&[("key.format", "json")], "key.format", Refused),
            (&[("key.format", "json"), ("key.fields", "nope")], "key.fields", Refused),
            (
                &[("key.format", "json"), ("key.fields", "id"), ("key.fields-prefix", "i")],
                "key.fields-prefix",
                Honoured,
            ),
            (&[("key.fields-prefix", "i")], "key.fields-prefix", Refused),
            (
                &[
                    ("key.format", "json"),
                    ("key.fields", "id"),
                    ("value.fields-include", "EXCEPT_KEY"),
                ],
                "value.fields-include",
                Honoured,
            ),
            (
                &[("value.fields-include", "EXCEPT_KEY")],
                "value.fields-include",
                Refused,
            ),
            (&[("scan.startup.mode", "latest-offset")], "scan.startup.mode", Honoured),
            (&[("scan.startup.mode", "newest")], "scan.startup.mode", Refused),
            (
                &[
                    ("scan.startup.mode", "timestamp"),
                    ("scan.startup.timestamp-millis", "1"),
                ],
                "scan.startup.timestamp-millis",
                Honoured,
            ),
            (
                &[("scan.startup.timestamp-millis", "1")],
                "scan.startup.timestamp-millis",
                Refused,
            ),
            (
                &[
                    ("scan.startup.mode", "specific-offsets"),
                    ("scan.startup.specific-offsets", "partition:0,offset:4"),
                ],
                "scan.startup.specific-offsets",
                Honoured,
            ),
            (
                &[("scan.startup.specific-offsets", "partition:0,offset:4")],
                "scan.startup.specific-offsets",
                Refused,
            ),
            (
                &[
                    ("topic", "a;b"),
                    ("scan.startup.mode", "specific-offsets"),
                    ("scan.startup.specific-offsets", "partition:0,offset:4"),
                ],
                "specific-offsets",
                Refused,
            ),
            (&[("scan.bounded.mode", "latest-offset")], "scan.bounded.mode", Honoured),
            (
                &[
                    ("scan.bounded.mode", "timestamp"),
                    ("scan.bounded.timestamp-millis", "1"),
                ],
                "scan.bounded.timestamp-millis",
                Honoured,
            ),
            (
                &[("scan.bounded.timestamp-millis", "1")],
                "scan.bounded.timestamp-millis",
                Refused,
            ),
            (
                &[
                    ("scan.bounded.mode", "specific-offsets"),
                    ("scan.bounded.specific-offsets", "partition:0,offset:4"),
                ],
                "scan.bounded.specific-offsets",
                Honoured,
            ),
            (
                &[("scan.bounded.specific-offsets", "partition:0,offset:4")],
                "scan.bounded.specific-offsets",
                Refused,
            ),
            (
                &[("scan.topic-partition-discovery.interval", "0")],
                "scan.topic-partition-discovery.interval",
                Honoured,
            ),
            (
                &[("scan.topic-partition-discovery.interval", "5 min")],
                "scan.topic-partition-discovery.interval",
                NotYet,
            ),
            (&[("scan.group.settle-time", "1 s")], "scan.group.settle-time", Honoured),
            (&[("dead-letter.topic", "dlq")], "dead-letter.topic", Honoured),
            (&[("scan.parallelism", "2")], "scan.parallelism", NotYet),
            (
                &[("scan.watermark.emit.strategy", "on-event")],
                "scan.watermark.emit.strategy",
                NotYet,
            ),
            (
                &[("scan.watermark.alignment.group", "g")],
                "scan.watermark.alignment.group",
                NotYet,
            ),
            (
                &[("scan.watermark.alignment.max-drift", "1 s")],
                "scan.watermark.alignment.max-drift",
                NotYet,
            ),
            (
                &[("scan.watermark.alignment.update-interval", "1 s")],
                "scan.watermark.alignment.update-interval",
                NotYet,
            ),
            (&[("sink.partitioner", "fixed")], "sink.partitioner", Refused),
            (
                &[("sink.transactional-id-prefix", "x")],
                "sink.transactional-id-prefix",
                Refused,
            ),
            // properties.*: passed to librdkafka, except what newsflow sets itself.
            (
                &[("properties.bootstrap.servers", "")],
                "properties.bootstrap.servers",
                Refused,
            ),
            (
                &[("scan.startup.mode", "group-offsets"), ("properties.group.id", "g")],
                "properties.group.id",
                Honoured,
            ),
            (
                &[("scan.startup.mode", "group-offsets")],
                "properties.group.id",
                Refused,
            ),
            (&[("properties.client.id", "me")], "properties.client.id", Honoured),
            (
                &[("properties.security.protocol", "PLAINTEXT")],
                "properties.security.protocol",
                Honoured,
            ),
            (
                &[("properties.isolation.level", "read_committed")],
                "properties.isolation.level",
                Honoured,
            ),
            (
                &[("properties.fetch.min.bytes", "lots")],
                "properties.fetch.min.bytes",
                Refused,
            ),
            (
                &[("properties.no.such.thing", "1")],
                "properties.no.such.thing",
                Refused,
            ),
            (
                &[("properties.group.id", "g"), ("properties.enable.auto.commit", "false")],
                "properties.enable.auto.commit",
                Honoured,
            ),
            (
                &[("properties.enable.auto.commit", "true")],
                "properties.enable.auto.commit",
                Refused,
            ),
            (
                &[("properties.enable.auto.offset.store", "true")],
                "properties.enable.auto.offset.store",
                Refused,
            ),
            (
                &[("properties.partition.assignment.strategy", "range")],
                "properties.partition.assignment.strategy",
                Honoured,
            ),
            (
                &[("properties.partition.assignment.strategy", "cooperative-sticky")],
                "properties.partition.assignment.strategy",
                Refused,
            ),
            (
                &[("properties.group.protocol", "consumer")],
                "properties.group.protocol",
                Refused,
            ),
            (
                &[
                    ("scan.startup.mode", "group-offsets"),
                    ("properties.group.id", "g"),
                    ("properties.auto.offset.reset", "latest"),
                ],
                "properties.auto.offset.reset",
                Honoured,
            ),
            (
                &[("properties.auto.offset.reset", "latest")],
                "properties.auto.offset.reset",
                Refused,
            ),
            (
                &[
                    ("scan.startup.mode", "group-offsets"),
                    ("properties.group.id", "g"),
                    ("properties.auto.offset.reset", "none"),
                ],
                "properties.auto.offset.reset",
                Refused,
            ),
            (
                &[("properties.partition.discovery.interval.ms", "1000")],
                "properties.partition.discovery.interval.ms",
                Refused,
            ),
            (
                &[("properties.commit.offsets.on.checkpoint", "true")],
                "properties.commit.offsets.on.checkpoint",
                Refused,
            ),
            (
                &[("properties.client.id.prefix", "x")],
                "properties.client.id.prefix",
                Refused,
            ),
            (
                &[("properties.value.deserializer", "x")],
                "properties.value.deserializer",
                Refused,
            ),
            (
                &[("properties.sasl.jaas.config", "x")],
                "properties.sasl.jaas.config",
                Refused,
            ),
            // The formats, through the same tracker.
            (
                &[("json.timestamp-format.standard", "ISO-8601")],
                "json.timestamp-format.standard",
                Honoured,
            ),
            (
                &[("json.fail-on-missing-field", "true")],
                "json.fail-on-missing-field",
                Honoured,
            ),
            (
                &[("json.encode.ignore-null-fields", "true")],
                "json.encode.ignore-null-fields",
                Honoured,
            ),
            (
                &[("json.ignore-parse-errors", "true")],
                "json.ignore-parse-errors",
                NotYet,
            ),
            (&[("json.map-null-key.mode", "DROP")], "json.map-null-key.mode", NotYet),
            (
                &[("format", "csv"), ("csv.field-delimiter", ";")],
                "csv.field-delimiter",
                Honoured,
            ),
            (
                &[("format", "csv"), ("csv.null-literal", "n/a")],
                "csv.null-literal",
                Honoured,
            ),
            (
                &[("format", "csv"), ("csv.quote-character", "'")],
                "csv.quote-character",
                NotYet,
            ),
            (
                &[("format", "csv"), ("csv.ignore-parse-errors", "true")],
                "csv.ignore-parse-errors",
                NotYet,
            ),
            (&[("format", "avro")], "avro", Refused),
            (&[("format", "debezium-json")], "debezium-json", Refused),
            (
                &[
                    ("key.format", "csv"),
                    ("key.fields", "id"),
                    ("csv.field-delimiter", ";"),
                ],
                "csv.field-delimiter",
                Honoured,
            ),
        ];
        let mut seen = run("kafka", "source", &schema, &base, src);
        let raw_cases: &[Case] = &[
            (&[("format", "raw")], "format", Honoured),
            (&[("format", "raw"), ("raw.charset", "UTF-8")], "raw.charset", NotYet),
            (
                &[("format", "raw"), ("raw.endianness", "big-endian")],
                "raw.endianness",
                NotYet,
            ),
        ];
        seen.extend(run("kafka", "source", &raw, &base, raw_cases));
        all_covered("kafka source", kafka::SOURCE_OPTIONS, &seen);
        all_covered("json", format::json::OPTIONS, &seen);
        all_covered("csv", format::csv::OPTIONS, &seen);
        all_covered("raw", format::raw::OPTIONS, &seen);

        let base = [
            ("properties.bootstrap.servers", "127.0.0.1:9"),
            ("topic", "out"),
            ("format", "json"),
        ];
        let sink: &[Case] = &[
            (&[], "topic", Honoured),
            (&[("topic", "a;b")], "topic", Refused),
            (&[("format", ""), ("value.format", "json")], "value.format", Honoured),
            (&[("format", "csv")], "format", Honoured),
            (&[("key.format", "json"), ("key.fields", "id")], "key.format", Honoured),
            (&[("key.format", "json"), ("key.fields", "id")], "key.fields", Honoured),
            (
                &[("key.format", "json"), ("key.fields", "id"), ("key.fields-prefix", "i")],
                "key.fields-prefix",
                Honoured,
            ),
            (
                &[
                    ("key.format", "json"),
                    ("key.fields", "id"),
                    ("value.fields-include", "EXCEPT_KEY"),
                ],
                "value.fields-include",
                Honoured,
            ),
            (&[("sink.partitioner", "fixed")], "sink.partitioner", Honoured),
            (&[("sink.partitioner", "round-robin")], "sink.partitioner", Honoured),
            (
                &[("sink.partitioner", "org.example.MyPartitioner")],
                "sink.partitioner",
                Refused,
            ),
            (
                &[("sink.delivery-guarantee", "at-least-once")],
                "sink.delivery-guarantee",
                Honoured,
            ),
            (
                &[("sink.delivery-guarantee", "none")],
                "sink.delivery-guarantee",
                Honoured,
            ),
            (
                &[("sink.delivery-guarantee", "exactly-once")],
                "sink.delivery-guarantee",
                Refused,
            ),
            (
                &[("sink.transactional-id-prefix", "x")],
                "sink.transactional-id-prefix",
                NotYet,
            ),
            (&[("sink.parallelism", "2")], "sink.parallelism", NotYet),
            (
                &[("scan.startup.mode", "earliest-offset")],
                "scan.startup.mode",
                Refused,
            ),
            (&[("properties.acks", "all")], "properties.acks", Honoured),
            (
                &[("properties.enable.idempotence", "true")],
                "properties.enable.idempotence",
                Honoured,
            ),
            (&[("properties.group.id", "g")], "properties.group.id", Honoured),
            (
                &[("properties.transactional.id", "x")],
                "properties.transactional.id",
                Refused,
            ),
            (
                &[("properties.value.serializer", "x")],
                "properties.value.serializer",
                Refused,
            ),
            (
                &[("json.encode.ignore-null-fields", "true")],
                "json.encode.ignore-null-fields",
                Honoured,
            ),
            (
                &[("json.fail-on-missing-field", "true")],
                "json.fail-on-missing-field",
                Honoured,
            ),
            (
                &[("format", "csv"), ("csv.field-delimiter", ";")],
                "csv.field-delimiter",
                Honoured,
            ),
            (
                &[("format", "csv"), ("csv.null-literal", "n/a")],
                "csv.null-literal",
                NotYet,
            ),
        ];
        let seen = run("kafka", "sink", &schema, &base, sink);
        all_covered("kafka sink", kafka::SINK_OPTIONS, &seen);
    }

    #[test]
    fn topic_print_blackhole_options_are_honoured_or_refused() {
        let schema = two_columns();
        let base = [("topic", "t"), ("format", "json")];
        let src: &[Case] = &[
            (&[], "topic", Honoured),
            (
                &[("scan.startup.mode", "earliest-offset")],
                "scan.startup.mode",
                Honoured,
            ),
            (&[("scan.startup.mode", "latest-offset")], "scan.startup.mode", Refused),
            (&[("properties.group.id", "g")], "properties.group.id", Honoured),
            (
                &[("properties.bootstrap.servers", "h:9092")],
                "properties.bootstrap.servers",
                Honoured,
            ),
            (&[("sink.partitioner", "fixed")], "sink.partitioner", Refused),
            (&[("scan.bounded.mode", "latest-offset")], "scan.bounded.mode", Refused),
            (
                &[("json.fail-on-missing-field", "true")],
                "json.fail-on-missing-field",
                Honoured,
            ),
            (
                &[("json.ignore-parse-errors", "true")],
                "json.ignore-parse-errors",
                NotYet,
            ),
        ];
        let seen = run("topic", "source", &schema, &base, src);
        all_covered("topic source", topic::SOURCE_OPTIONS, &seen);
        let sink: &[Case] = &[
            (&[], "topic", Honoured),
            (&[("sink.partitioner", "round-robin")], "sink.partitioner", Honoured),
            (&[("sink.partitioner", "hash")], "sink.partitioner", Refused),
            (
                &[("scan.startup.mode", "earliest-offset")],
                "scan.startup.mode",
                Refused,
            ),
            (
                &[("properties.bootstrap.servers", "h:9092")],
                "properties.bootstrap.servers",
                Honoured,
            ),
            (
                &[("json.encode.ignore-null-fields", "true")],
                "json.encode.ignore-null-fields",
                Honoured,
            ),
            (
                &[("format", "csv"), ("csv.null-literal", "n/a")],
                "csv.null-literal",
                NotYet,
            ),
        ];
        let seen = run("topic", "sink", &schema, &base, sink);
        all_covered("topic sink", topic::SINK_OPTIONS, &seen);

        let print: &[Case] = &[
            (&[("print-identifier", "p")], "print-identifier", Honoured),
            (&[("standard-error", "true")], "standard-error", Honoured),
            (&[("standard-error", "yes")], "standard-error", Refused),
            (&[("sink.parallelism", "2")], "sink.parallelism", NotYet),
            (&[("format", "json")], "format", Refused),
        ];
        let seen = run("print", "sink", &schema, &[], print);
        all_covered("print", print::OPTIONS, &seen);
        let blackhole: &[Case] = &[
            (&[("sink.parallelism", "2")], "sink.parallelism", NotYet),
            (&[("format", "json")], "format", Refused),
        ];
        let seen = run("blackhole", "sink", &schema, &[], blackhole);
        all_covered("blackhole", blackhole::OPTIONS, &seen);
    }

    #[test]
    fn datagen_options_are_honoured_or_refused() {
        let schema = two_columns();
        let random: &[Case] = &[
            (&[("rows-per-second", "5")], "rows-per-second", Honoured),
            (&[("number-of-rows", "5")], "number-of-rows", Honoured),
            (&[("scan.parallelism", "2")], "scan.parallelism", NotYet),
            (&[("fields.id.kind", "random")], "fields.id.kind", Honoured),
            (&[("fields.id.kind", "shuffled")], "fields.id.kind", Refused),
            (&[("fields.id.min", "1")], "fields.id.min", Honoured),
            (&[("fields.id.max", "9")], "fields.id.max", Honoured),
            (&[("fields.name.length", "3")], "fields.name.length", Honoured),
            (
                &[
                    ("fields.id.kind", "sequence"),
                    ("fields.id.start", "1"),
                    ("fields.id.end", "9"),
                ],
                "fields.id.start",
                Honoured,
            ),
            (
                &[
                    ("fields.id.kind", "sequence"),
                    ("fields.id.start", "1"),
                    ("fields.id.end", "9"),
                ],
                "fields.id.end",
                Honoured,
            ),
            (
                &[("fields.id.kind", "sequence"), ("fields.id.start", "1")],
                "fields.id.end",
                Refused,
            ),
            (
                &[
                    ("fields.id.kind", "sequence"),
                    ("fields.id.start", "1"),
                    ("fields.id.end", "9"),
                    ("fields.id.min", "1"),
                ],
                "fields.id.min",
                NotYet,
            ),
            (&[("fields.id.start", "1")], "fields.id.start", NotYet),
            (&[("fields.name.min", "1")], "fields.name.min", NotYet),
            (&[("fields.id.length", "3")], "fields.id.length", NotYet),
            (&[("fields.id.null-rate", "0.1")], "fields.id.null-rate", NotYet),
            (&[("fields.id.max-past", "1 h")], "fields.id.max-past", NotYet),
            (&[("fields.name.var-len", "true")], "fields.name.var-len", NotYet),
            (&[("fields.id.spread", "1")], "fields.id.spread", Refused),
            (&[("fields.nope.min", "1")], "fields.nope.min", Refused),
            (&[("rows", "5")], "rows", Refused),
        ];
        let seen = run("datagen", "source", &schema, &[], random);
        all_covered("datagen", datagen::RANDOM_OPTIONS, &seen);
        let fields: Vec<String> = seen
            .iter()
            .filter_map(|k| k.rsplit_once('.').map(|(_, o)| o.to_string()))
            .collect();
        all_covered("datagen fields", datagen::FIELD_OPTIONS, &fields);

        // The built-in generators: an option a generator does not use is refused.
        let none = Schema::new(vec![]);
        let mut seen = Vec::new();
        for (generator, honoured, refused) in [
            (
                "sensor",
                &[
                    "seed",
                    "number-of-rows",
                    "days",
                    "rate",
                    "start",
                    "max-out-of-order-ms",
                    "sensors",
                ][..],
                &[
                    "symbols",
                    "news-per-day",
                    "korean-ratio",
                    "market-open",
                    "market-close",
                    "weekends",
                    "market-volatility",
                ][..],
            ),
            (
                "news",
                &[
                    "seed",
                    "number-of-rows",
                    "days",
                    "symbols",
                    "start",
                    "news-per-day",
                    "korean-ratio",
                    "market-open",
                    "market-close",
                    "weekends",
                ][..],
                &["rate", "max-out-of-order-ms", "sensors", "market-volatility"][..],
            ),
            (
                "stock",
                &[
                    "seed",
                    "number-of-rows",
                    "days",
                    "rate",
                    "symbols",
                    "start",
                    "news-per-day",
                    "max-out-of-order-ms",
                    "market-open",
                    "market-close",
                    "weekends",
                    "market-volatility",
                ][..],
                &["korean-ratio", "sensors"][..],
            ),
            (
                "news-truth",
                &[
                    "seed",
                    "number-of-rows",
                    "days",
                    "symbols",
                    "start",
                    "news-per-day",
                    "market-open",
                    "market-close",
                    "weekends",
                ][..],
                &[
                    "korean-ratio",
                    "rate",
                    "max-out-of-order-ms",
                    "sensors",
                    "market-volatility",
                ][..],
            ),
        ] {
            let value = |k: &str| match k {
                "symbols" => "AAPL",
                "start" => "2025-07-01 09:00:00",
                "market-open" => "09:00",
                "market-close" => "15:00",
                "weekends" => "true",
                "korean-ratio" => "0.5",
                "market-volatility" => "0.01",
                _ => "3",
            };
            let mut cases: Vec<OwnedCase> = Vec::new();
            for k in honoured {
                cases.push((vec![(*k, value(k))], *k, Honoured));
            }
            for k in refused {
                cases.push((vec![(*k, value(k))], *k, Refused));
            }
            cases.push((vec![("speed-up", "60")], "speed-up", Honoured));
            cases.push((vec![("rows", "3")], "rows", Honoured));
            cases.push((vec![("fields.a.min", "1")], "fields.a.min", Refused));
            let cases: Vec<Case> = cases.iter().map(|(e, k, o)| (e.as_slice(), *k, *o)).collect();
            seen.extend(run("datagen", "source", &none, &[("generator", generator)], &cases));
            assert_eq!(
                newsflow_generators::options_used_by(generator).map(|u| u.len()),
                Some(honoured.len()),
                "{generator}"
            );
        }
    }
}
