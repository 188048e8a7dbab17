//! The filesystem sink: part files per partition directory, rolled by size and age, made
//! visible with a two-phase commit, partitions announced by the commit policy.
//!
//! * A row goes to its partition's open file (`PARTITIONED BY` columns become
//!   `k=v/` directories and are not written into the file, as in Flink and Hive). Files are
//!   named `part-<run>-<n>.<ext>`; `run` is fixed at the job's first start and kept across
//!   restores, `n` counts files.
//! * A file rolls (closes; the next row opens a new one) when it reaches
//!   `sink.rolling-policy.file-size`, when it has been open for
//!   `sink.rolling-policy.rollover-interval` or unwritten for
//!   `sink.rolling-policy.inactivity-interval` (checked every
//!   `sink.rolling-policy.check-interval`), and at every checkpoint.
//! * Closed files are invisible ([`super::store`]). With checkpoints, the checkpoint's
//!   pre-commit lists them with the partitions they touched; when the checkpoint completes
//!   they are committed and the partition commit policy runs ([`super::commit`]); a restore
//!   commits the restored checkpoint's list again (idempotent) and deletes in-progress files
//!   written after it. Without checkpoints a file is committed as soon as it rolls, and the
//!   end of input commits the rest.
//! * A row that cannot be written (its partition directory would be an impossible path, or
//!   the format cannot hold a value) goes to the error output `_errors/` under the sink's
//!   path as a JSON line `{"reason": …, "row": {…}}`, committed like data. Readers skip
//!   `_`-prefixed directories.

use std::collections::{BTreeMap, HashMap};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use newsflow_common::{Error, Result, Row, Schema};
use serde::{Deserialize, Serialize};

use super::commit::{PartitionCommitter, PendingPartitions};
use super::partition;
use super::store::{PartOutput, Pending, Store};
use super::writer::{FileFormat, FileWriter};
use crate::format::json::{write_json_string, JsonEncoder};
use crate::format::Encoder;
use crate::{Guarantee, Options, Sink};

/// The error output's directory under the sink's path.
pub const ERRORS_DIR: &str = "_errors";

/// When files roll. Defaults are Firehose's buffering hints (128 MB or 5 minutes, whichever
/// comes first); Flink's are 128 MB and 30 minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollingPolicy {
    pub file_size: u64,
    pub rollover_ms: u64,
    pub inactivity_ms: u64,
    pub check_ms: u64,
}

impl Default for RollingPolicy {
    fn default() -> Self {
        RollingPolicy {
            file_size: 128 << 20,
            rollover_ms: 5 * 60_000,
            inactivity_ms: 5 * 60_000,
            check_ms: 60_000,
        }
    }
}

struct OpenFile {
    writer: FileWriter,
    name: String,
    opened: Instant,
    last_write: Instant,
}

/// What a checkpoint of the sink holds: files to commit, where numbering continues, and
/// the partitions waiting for their commit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FileCommit {
    run: String,
    next_part: u64,
    files: Vec<Pending>,
    #[serde(default)]
    partitions: PendingPartitions,
}

pub struct FileSink {
    table: String,
    store: Store,
    format: FileFormat,
    /// `PARTITIONED BY` columns: (index in the row, name).
    part_cols: Vec<(usize, String)>,
    /// The columns written into files, when partition columns are left out.
    data_cols: Option<Vec<usize>>,
    default_name: String,
    rolling: RollingPolicy,
    last_check: Instant,
    open: HashMap<String, OpenFile>,
    /// Rolled since the last pre-commit, waiting for it.
    closed: Vec<Pending>,
    run: String,
    next_part: u64,
    committer: PartitionCommitter,
    watermark: i64,
    two_phase: bool,
    ended: bool,
    /// The error output's encoder (JSON of the whole row) and what it holds.
    error_encoder: JsonEncoder,
    error_file: Option<(Box<dyn PartOutput>, String)>,
    pub error_rows: u64,
    scratch: Row,
    line: Vec<u8>,
}

pub struct SinkConfig {
    pub table: String,
    pub store: Store,
    pub format: FileFormat,
    pub schema: Schema,
    /// `PARTITIONED BY` columns: (index in the row, name).
    pub partitions: Vec<(usize, String)>,
    pub default_name: String,
    pub rolling: RollingPolicy,
    pub committer: PartitionCommitter,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl FileSink {
    pub fn new(c: SinkConfig) -> Result<FileSink> {
        let part_cols = c.partitions;
        let data_cols = (!part_cols.is_empty()).then(|| {
            (0..c.schema.len())
                .filter(|i| !part_cols.iter().any(|(p, _)| p == i))
                .collect()
        });
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let run = format!("{:x}", run ^ (std::process::id() as u128) << 64);
        let error_encoder = JsonEncoder::new(&c.schema, &Options::default())?;
        Ok(FileSink {
            table: c.table,
            store: c.store,
            format: c.format,
            part_cols,
            data_cols,
            default_name: c.default_name,
            rolling: c.rolling,
            last_check: Instant::now(),
            open: HashMap::new(),
            closed: Vec::new(),
            run,
            next_part: 0,
            committer: c.committer,
            watermark: i64::MIN,
            two_phase: false,
            ended: false,
            error_encoder,
            error_file: None,
            error_rows: 0,
            scratch: Vec::new(),
            line: Vec::new(),
        })
    }

    fn file_name(&mut self, dir: &str) -> String {
        let name = format!("part-{}-{}.{}", self.run, self.next_part, self.format.extension());
        self.next_part += 1;
        if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        }
    }

    fn roll(&mut self, dir: &str) -> Result<()> {
        if let Some(f) = self.open.remove(dir) {
            let what = self.store.describe(&f.name);
            let pending = f.writer.close(&what)?;
            self.closed.push(pending);
        }
        Ok(())
    }

    fn roll_all(&mut self) -> Result<()> {
        let dirs: Vec<String> = self.open.keys().cloned().collect();
        for d in dirs {
            self.roll(&d)?;
        }
        if let Some((out, _)) = self.error_file.take() {
            self.closed.push(out.close()?);
        }
        Ok(())
    }

    /// Without checkpoints: make rolled files visible now, and commit due partitions.
    fn commit_closed_now(&mut self) -> Result<()> {
        for p in std::mem::take(&mut self.closed) {
            self.store.commit(&p)?;
        }
        let candidates = self.committer.pending().clone();
        self.commit_partitions(&candidates, self.watermark, self.ended)
    }

    fn commit_partitions(&mut self, candidates: &BTreeMap<String, i64>, wm: i64, end: bool) -> Result<()> {
        let files = self
            .committer
            .due(candidates, wm, end, now_ms())
            .map_err(|e| Error::runtime(format!("table `{}`: {e}", self.table)))?;
        for f in files {
            self.store.put(&f, b"")?;
        }
        Ok(())
    }

    fn write_error(&mut self, row: &Row, reason: &str) -> Result<()> {
        use std::io::Write;
        self.error_rows += 1;
        if self.error_file.is_none() {
            let name = format!("{ERRORS_DIR}/part-{}-{}.json", self.run, self.next_part);
            self.next_part += 1;
            let out = self.store.create(&name)?;
            self.error_file = Some((out, name));
        }
        self.line.clear();
        self.line.extend_from_slice(b"{\"reason\":");
        write_json_string(&mut self.line, reason);
        self.line.extend_from_slice(b",\"row\":");
        self.error_encoder.encode(row, &mut self.line);
        self.line.extend_from_slice(b"}\n");
        if let Some((out, name)) = self.error_file.as_mut() {
            out.write_all(&self.line)
                .map_err(|e| Error::io(format!("writing {}", self.store.describe(name)), e))?;
        }
        tracing::warn!("table `{}`: a row went to {ERRORS_DIR}/: {reason}", self.table);
        Ok(())
    }

    fn parse_commit(&self, committable: &serde_json::Value) -> Result<FileCommit> {
        serde_json::from_value(committable.clone())
            .map_err(|e| Error::runtime(format!("file sink {}: unreadable commit: {e}", self.store.describe(""))))
    }
}

impl Sink for FileSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        let now = Instant::now();
        let mut first_seen = None;
        for row in rows {
            let dir = match partition::directory(row, &self.part_cols, &self.default_name) {
                Ok(d) => d,
                Err(reason) => {
                    self.write_error(row, &reason)?;
                    continue;
                }
            };
            if !self.open.contains_key(&dir) {
                let name = self.file_name(&dir);
                let out = self.store.create(&name)?;
                let writer = self.format.open(out)?;
                self.open.insert(
                    dir.clone(),
                    OpenFile {
                        writer,
                        name,
                        opened: now,
                        last_write: now,
                    },
                );
            }
            let data: &Row = match &self.data_cols {
                None => row,
                Some(cols) => {
                    self.scratch.clear();
                    self.scratch.extend(cols.iter().map(|i| row[*i].clone()));
                    &self.scratch
                }
            };
            let Some(f) = self.open.get_mut(&dir) else { continue };
            match f.writer.write(data, &f.name)? {
                Ok(()) => {
                    f.last_write = now;
                    let full = f.writer.size() >= self.rolling.file_size;
                    let t = *first_seen.get_or_insert_with(now_ms);
                    self.committer.saw(&dir, t);
                    if full {
                        self.roll(&dir)?;
                        if !self.two_phase {
                            self.commit_closed_now()?;
                        }
                    }
                }
                Err(reason) => self.write_error(row, &reason)?,
            }
        }
        Ok(())
    }

    fn tick(&mut self, now: Instant) -> Result<()> {
        if now.duration_since(self.last_check).as_millis() < self.rolling.check_ms as u128 {
            return Ok(());
        }
        self.last_check = now;
        let due: Vec<String> = self
            .open
            .iter()
            .filter(|(_, f)| {
                now.duration_since(f.opened).as_millis() >= self.rolling.rollover_ms as u128
                    || now.duration_since(f.last_write).as_millis() >= self.rolling.inactivity_ms as u128
            })
            .map(|(d, _)| d.clone())
            .collect();
        for d in &due {
            self.roll(d)?;
        }
        if !self.two_phase {
            self.commit_closed_now()?;
        }
        Ok(())
    }

    fn watermark(&mut self, wm: i64) {
        self.watermark = self.watermark.max(wm);
    }

    fn enable_two_phase_commit(&mut self) {
        self.two_phase = true;
    }

    fn end_of_input(&mut self) -> Result<()> {
        self.ended = true;
        self.watermark = i64::MAX;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.ended = true;
        self.watermark = i64::MAX;
        self.roll_all()?;
        self.commit_closed_now()
    }

    fn pre_commit(&mut self, _checkpoint: u64) -> Result<serde_json::Value> {
        self.roll_all()?;
        let commit = FileCommit {
            run: self.run.clone(),
            next_part: self.next_part,
            files: std::mem::take(&mut self.closed),
            partitions: self.committer.snapshot(self.watermark, self.ended),
        };
        serde_json::to_value(&commit).map_err(|e| Error::runtime(format!("file sink {}: {e}", self.store.describe(""))))
    }

    fn commit(&mut self, committable: &serde_json::Value) -> Result<()> {
        let c = self.parse_commit(committable)?;
        for p in &c.files {
            self.store.commit(p)?;
        }
        let p = &c.partitions;
        self.commit_partitions(&p.partitions, p.watermark, p.end_of_input)
    }

    fn recover(&mut self, committable: Option<&serde_json::Value>) -> Result<()> {
        let Some(committable) = committable else {
            return Ok(());
        };
        let c = self.parse_commit(committable)?;
        // Continue the checkpoint's numbering, so a file of a crashed attempt is replaced.
        self.run = c.run.clone();
        self.next_part = c.next_part;
        self.committer.restore(&c.partitions);
        self.commit(committable)?;
        // Whatever this run wrote after the checkpoint is not covered by it: delete it.
        self.store.discard_in_progress(&format!("part-{}-", self.run))
    }

    fn guarantee(&self) -> Guarantee {
        Guarantee::ExactlyOnce
    }

    fn rejected(&self) -> Option<(u64, String)> {
        (self.error_rows > 0).then(|| (self.error_rows, self.store.describe(ERRORS_DIR)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Read;
    use std::path::{Path, PathBuf};

    use newsflow_common::{DataType, Field, Schema, Value};

    use crate::{create_sink, ConnectorContext, Options, Sink, TableSpec};

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("n", DataType::Int),
            Field::new("sym", DataType::STRING),
            Field::new("dt", DataType::STRING),
        ])
    }

    fn sink_with(dir: &Path, partitioned: bool, extra: &[(&str, &str)]) -> Box<dyn Sink> {
        let mut map = BTreeMap::from([
            ("connector".to_string(), "filesystem".to_string()),
            ("path".to_string(), dir.display().to_string()),
            ("format".to_string(), "json".to_string()),
        ]);
        for (k, v) in extra {
            map.insert(k.to_string(), v.to_string());
        }
        let options = Options::new(map);
        let keys = if partitioned { vec!["dt".to_string()] } else { vec![] };
        let schema = schema();
        let spec = TableSpec {
            name: "t",
            schema: &schema,
            options: &options,
            partition_keys: &keys,
        };
        let ctx = ConnectorContext {
            base_dir: dir.to_path_buf(),
            topics: Default::default(),
            s3: Default::default(),
        };
        create_sink(&spec, &ctx).unwrap()
    }

    fn rows(r: std::ops::Range<i32>) -> Vec<Vec<Value>> {
        r.map(|i| {
            vec![
                Value::Int(i),
                Value::str("A"),
                Value::str(&format!("2026-11-{:02}", 1 + i % 3)),
            ]
        })
        .collect()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nf-filesink-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// Every visible file (not hidden, not in progress, not `_`-prefixed) under `dir`,
    /// relative, with its lines (gzip files decompressed).
    fn visible(dir: &Path) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for f in super::super::source::list_files(dir).unwrap_or_default() {
            let rel = f.strip_prefix(dir).unwrap().display().to_string();
            let bytes = std::fs::read(&f).unwrap();
            let text = if rel.ends_with(".gz") {
                let mut s = String::new();
                flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut s).unwrap();
                s
            } else {
                String::from_utf8(bytes).unwrap()
            };
            out.push((rel, text.lines().map(str::to_string).collect()));
        }
        out.sort();
        out
    }

    fn lines(dir: &Path) -> Vec<String> {
        let mut l: Vec<String> = visible(dir).into_iter().flat_map(|(_, l)| l).collect();
        l.sort();
        l
    }

    fn in_progress(dir: &Path) -> usize {
        fn walk(d: &Path, n: &mut usize) {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    walk(&e.path(), n);
                } else if e.file_name().to_string_lossy().ends_with(".inprogress") {
                    *n += 1;
                }
            }
        }
        let mut n = 0;
        walk(dir, &mut n);
        n
    }

    #[test]
    fn two_phase_commit_shows_only_checkpointed_rows_and_survives_a_crash() {
        let dir = scratch("2pc");
        let mut s = sink_with(&dir, true, &[]);
        s.enable_two_phase_commit();
        s.write(&rows(0..3)).unwrap();
        let c1 = s.pre_commit(1).unwrap();
        // Pre-committed, not yet visible.
        assert!(visible(&dir).is_empty());
        s.commit(&c1).unwrap();
        assert_eq!(lines(&dir).len(), 3);
        s.write(&rows(3..5)).unwrap();
        let c2 = s.pre_commit(2).unwrap();
        s.write(&rows(5..9)).unwrap();
        // Crash: checkpoint 2 was published but not committed; rows 5..9 were written
        // after it.
        drop(s);
        assert_eq!(lines(&dir).len(), 3);
        let mut s = sink_with(&dir, true, &[]);
        s.enable_two_phase_commit();
        s.recover(Some(&c2)).unwrap();
        assert_eq!(lines(&dir).len(), 5);
        assert_eq!(in_progress(&dir), 0, "files written after the checkpoint are removed");
        // Recovering twice (a crash during recovery) changes nothing.
        s.recover(Some(&c2)).unwrap();
        // The replay writes rows 5..9 again, once.
        s.write(&rows(5..9)).unwrap();
        let c3 = s.pre_commit(3).unwrap();
        s.commit(&c3).unwrap();
        let mut want: Vec<String> = (0..9).map(|i| format!("{{\"n\":{i},\"sym\":\"A\"}}")).collect();
        want.sort();
        assert_eq!(lines(&dir), want);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn partitions_are_hive_directories_without_the_partition_column() {
        let dir = scratch("parts");
        let mut s = sink_with(
            &dir,
            true,
            &[
                ("sink.partition-commit.policy.kind", "success-file"),
                ("sink.compression", "gzip"),
            ],
        );
        s.write(&rows(0..6)).unwrap();
        let mut odd = rows(6..7);
        odd[0][2] = Value::Null;
        s.write(&odd).unwrap();
        s.finish().unwrap();
        let files = visible(&dir);
        let dirs: Vec<&str> = files.iter().map(|(f, _)| f.rsplit_once('/').unwrap().0).collect();
        assert_eq!(
            dirs,
            [
                "dt=2026-11-01",
                "dt=2026-11-02",
                "dt=2026-11-03",
                "dt=__DEFAULT_PARTITION__"
            ]
        );
        assert!(files.iter().all(|(f, _)| f.ends_with(".json.gz")), "{files:?}");
        assert_eq!(files[0].1, ["{\"n\":0,\"sym\":\"A\"}", "{\"n\":3,\"sym\":\"A\"}"]);
        for d in dirs {
            assert!(dir.join(d).join("_SUCCESS").exists(), "{d} has no _SUCCESS");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn files_roll_by_size_and_unwritable_rows_go_to_the_error_output() {
        let dir = scratch("roll");
        let mut s = sink_with(&dir, true, &[("sink.rolling-policy.file-size", "30")]);
        s.write(&rows(0..9)).unwrap();
        let mut long = rows(9..10);
        long[0][2] = Value::str(&"x".repeat(300));
        s.write(&long).unwrap();
        s.finish().unwrap();
        // 19 bytes a line: each file rolls after its second row.
        let files = visible(&dir);
        assert_eq!(files.len(), 6, "{files:?}");
        assert_eq!(lines(&dir).len(), 9);
        assert_eq!(s.rejected().map(|r| r.0), Some(1));
        let errors = std::fs::read_dir(dir.join("_errors"))
            .unwrap()
            .flatten()
            .collect::<Vec<_>>();
        assert_eq!(errors.len(), 1);
        let text = std::fs::read_to_string(errors[0].path()).unwrap();
        assert!(text.contains("more than the 255"), "{text}");
        assert!(text.contains("\"n\":9"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn partition_time_commit_waits_for_the_watermark() {
        let dir = scratch("ptime");
        let mut s = sink_with(
            &dir,
            true,
            &[
                ("sink.partition-commit.trigger", "partition-time"),
                ("sink.partition-commit.delay", "1 d"),
                ("sink.partition-commit.policy.kind", "success-file"),
            ],
        );
        s.enable_two_phase_commit();
        s.write(&rows(0..3)).unwrap();
        // 2026-11-02 23:00: only the first day is a day old.
        s.watermark(1_795_996_800_000 - 29 * 86_400_000 + 2 * 86_400_000 - 3_600_000);
        let c = s.pre_commit(1).unwrap();
        s.commit(&c).unwrap();
        assert_eq!(lines(&dir).len(), 3);
        let done: Vec<bool> = (1..=3)
            .map(|d| dir.join(format!("dt=2026-11-{d:02}/_SUCCESS")).exists())
            .collect();
        assert_eq!(done, [true, false, false]);
        s.end_of_input().unwrap();
        let c = s.pre_commit(2).unwrap();
        s.commit(&c).unwrap();
        assert!((1..=3).all(|d| dir.join(format!("dt=2026-11-{d:02}/_SUCCESS")).exists()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn parquet_files_hold_the_rows() {
        use arrow_array::{Array, Int32Array, StringArray};
        let dir = scratch("parquet");
        let mut s = sink_with(&dir, true, &[("format", "parquet"), ("parquet.compression", "zstd")]);
        s.write(&rows(0..20_000)).unwrap();
        s.finish().unwrap();
        let files = super::super::source::list_files(&dir).unwrap();
        assert_eq!(files.len(), 3);
        let mut total = 0;
        let mut sum = 0i64;
        for f in files {
            let file = std::fs::File::open(&f).unwrap();
            let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                assert_eq!(batch.num_columns(), 2, "the partition column is not in the file");
                let n = batch.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
                let sym = batch.column(1).as_any().downcast_ref::<StringArray>().unwrap();
                total += n.len();
                sum += n.iter().map(|v| v.unwrap_or(0) as i64).sum::<i64>();
                assert!(sym.iter().all(|v| v == Some("A")));
            }
        }
        assert_eq!(total, 20_000);
        assert_eq!(sum, (0..20_000i64).sum::<i64>());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
