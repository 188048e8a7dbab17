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
//! Invariant: connectors know nothing of SQL, plans or watermarks; they move rows.

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
pub use topic::Topics;

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
}

/// Everything a connector needs from the job that creates it.
#[derive(Clone)]
pub struct ConnectorContext {
    /// Relative paths resolve against this directory (the SQL file's working directory).
    pub base_dir: PathBuf,
    pub topics: Topics,
}

/// A table as a connector sees it: name, physical columns, WITH options.
pub struct TableSpec<'a> {
    pub name: &'a str,
    pub schema: &'a Schema,
    pub options: &'a Options,
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
            ("sink", "json", "sink.rolling-policy.file-size", "128MB", false),
            ("sink", "json", "sink.rolling-policy.rollover-interval", "5 min", false),
            ("sink", "json", "sink.rolling-policy.check-interval", "1 min", false),
            ("sink", "json", "sink.parallelism", "2", false),
            ("sink", "json", "partition.default-name", "x", false),
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
}
