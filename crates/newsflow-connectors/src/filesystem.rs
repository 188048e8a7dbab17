//! `filesystem`: read a file or a directory of files (JSON lines or CSV); write part files
//! into a directory.
//!
//! Source: every file is one partition with its own watermark, and files are read
//! round-robin a batch at a time, so rows of one file are not made late by another file
//! that happens to be read first. (Apache Flink reads the files of one split sequentially
//! under one watermark; see ARCHITECTURE.md.)
//!
//! Position (checkpoints): per file, the byte offset and line number after the last row
//! handed to the job. The reader thread reads ahead, so every batch carries the position
//! after it and the source reports the position of the last batch it gave out.
//!
//! Sink: rows go to `<path>/.part-<run>-<n>.<ext>.inprogress`, renamed to
//! `part-<run>-<n>.<ext>` when the job finishes or, with checkpoints, when the checkpoint
//! that covers them is published (two-phase commit: readers never see half-written files
//! and a restart neither loses nor repeats a row; see [`FileSink`]).

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::{SystemTime, UNIX_EPOCH};

use newsflow_common::{Error, Result, Row};

use crate::format::{self, Decoder, Encoder};
use serde::{Deserialize, Serialize};

use crate::{ConnectorContext, DeadLetters, Guarantee, Poll, Sink, Source, TableSpec};

const SOURCE_OPTIONS: &[&str] = &[
    "connector",
    "path",
    "source.monitor-interval",
    "source.path.regex-pattern",
];
const SINK_OPTIONS: &[&str] = &[
    "connector",
    "path",
    "sink.rolling-policy.file-size",
    "sink.rolling-policy.rollover-interval",
    "sink.rolling-policy.check-interval",
    "sink.parallelism",
    "partition.default-name",
];

fn resolve(ctx: &ConnectorContext, p: &str) -> PathBuf {
    let p = p.strip_prefix("file://").unwrap_or(p);
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        ctx.base_dir.join(path)
    }
}

fn check(t: &TableSpec, base: &[&str]) -> Result<()> {
    let mut valid: Vec<&str> = base.to_vec();
    valid.extend(format::allowed_format_keys(t.options));
    t.options.check(t.name, "filesystem", &valid, &[])
}

struct FilePart {
    path: PathBuf,
    input: Input,
    line: u64,
    done: bool,
}

/// A file read in large chunks; lines are found in place (no copy per line). (Memory-
/// mapping was measured: no faster here, and the mapped file counts towards the process's
/// resident memory.)
struct Input {
    file: File,
    /// File offset of `buf[0]`.
    file_pos: u64,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
}

const CHUNK: usize = 1 << 20;

impl Input {
    fn open(path: &Path) -> Result<Input> {
        let file = File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        // Small files get small buffers (a directory may hold many files).
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let size = usize::try_from(len)
            .unwrap_or(CHUNK)
            .saturating_add(1)
            .clamp(4096, CHUNK);
        Ok(Input {
            file,
            file_pos: 0,
            buf: vec![0; size],
            start: 0,
            end: 0,
            eof: false,
        })
    }

    /// The next line without its line ending, or `None` at the end of the file. A last
    /// line without a newline still counts.
    fn next_line(&mut self, path: &Path) -> Result<Option<&[u8]>> {
        let mut searched = self.start;
        let nl = loop {
            if let Some(p) = memchr::memchr(b'\n', &self.buf[searched..self.end]) {
                break Some(searched + p);
            }
            if self.eof {
                break None;
            }
            searched = self.end;
            // Make room: move the partial line to the front, grow for a very long line.
            if self.start > 0 {
                self.file_pos += self.start as u64;
                self.buf.copy_within(self.start..self.end, 0);
                searched -= self.start;
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let n = loop {
                match self.file.read(&mut self.buf[self.end..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
                }
            };
            if n == 0 {
                self.eof = true;
            }
            self.end += n;
        };
        let (line_end, next) = match nl {
            Some(p) => (p, p + 1),
            None if self.start < self.end => (self.end, self.end),
            None => return Ok(None),
        };
        let mut rec = &self.buf[self.start..line_end];
        self.start = next;
        if let Some(r) = rec.strip_suffix(b"\r") {
            rec = r;
        }
        Ok(Some(rec))
    }

    /// The file offset of the next unread line.
    fn offset(&self) -> u64 {
        self.file_pos + self.start as u64
    }

    /// Continue reading at `offset` (nothing read yet).
    fn seek(&mut self, offset: u64, path: &Path) -> Result<()> {
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io(format!("seeking {} to {offset}", path.display()), e))?;
        self.file_pos = offset;
        self.start = 0;
        self.end = 0;
        self.eof = false;
        Ok(())
    }
}

/// Where reading a file resumes: the byte offset of the next line and its line number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FilePosition {
    file: String,
    offset: u64,
    line: u64,
}

/// Reads and decodes the files; runs on its own thread once the source is first polled,
/// so that decoding (most of a file-fed job's work) overlaps with the operators.
struct FileReader {
    parts: Vec<FilePart>,
    decoder: Box<dyn Decoder>,
    next: usize,
    pending_ends: Vec<usize>,
}

/// One batch from the reader thread: a poll result, the records it could not decode, and
/// the position after it in the file it read (part, offset, line).
type Batch = (Result<Poll>, Vec<(Vec<u8>, String)>, Option<(usize, u64, u64)>);

/// Batches read ahead of the operators; bounds the memory the reader may use.
const READ_AHEAD: usize = 4;

pub struct FileSource {
    table: String,
    partitions: usize,
    reader: Option<FileReader>,
    batches: Option<Receiver<Batch>>,
    /// Per file: the position after the last batch handed out.
    positions: Vec<FilePosition>,
    finished: bool,
}
fn list_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))? {
            let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Hidden and in-progress files are not data (as in Flink).
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    Ok(files)
}

pub fn create_source(t: &TableSpec, ctx: &ConnectorContext) -> Result<Box<dyn Source>> {
    check(t, SOURCE_OPTIONS)?;
    let path = resolve(ctx, t.options.require(t.name, "path")?);
    let decoder = format::decoder(t.name, t.schema, t.options)?;
    let mut parts = Vec::new();
    let mut positions = Vec::new();
    for f in list_files(&path).map_err(|e| Error::config(format!("table `{}`: {e}", t.name)))? {
        positions.push(FilePosition {
            file: f.display().to_string(),
            offset: 0,
            line: 0,
        });
        parts.push(FilePart {
            input: Input::open(&f)?,
            path: f,
            line: 0,
            done: false,
        });
    }
    Ok(Box::new(FileSource {
        table: t.name.to_string(),
        partitions: parts.len().max(1),
        reader: Some(FileReader {
            parts,
            decoder,
            next: 0,
            pending_ends: vec![],
        }),
        batches: None,
        positions,
        finished: false,
    }))
}

impl FileReader {
    /// Read up to `max_rows` rows of the next unfinished file (round-robin).
    fn read_batch(&mut self, max_rows: usize, dead: &mut Vec<(Vec<u8>, String)>) -> Result<Poll> {
        if let Some(p) = self.pending_ends.pop() {
            return Ok(Poll::PartitionEnd(p));
        }
        let n = self.parts.len();
        if n == 0 {
            return Ok(Poll::Finished);
        }
        for _ in 0..n {
            let pi = self.next;
            self.next = (self.next + 1) % n;
            if self.parts[pi].done {
                continue;
            }
            let mut rows = Vec::with_capacity(max_rows.min(4096));
            let Self {
                parts,
                decoder,
                pending_ends,
                ..
            } = self;
            let part = &mut parts[pi];
            while rows.len() < max_rows {
                let Some(rec) = part.input.next_line(&part.path)? else {
                    part.done = true;
                    pending_ends.push(pi);
                    break;
                };
                part.line += 1;
                if rec.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                match decoder.decode(rec) {
                    Ok(row) => rows.push(row),
                    Err(reason) => {
                        dead.push((rec.to_vec(), format!("{}:{}: {reason}", part.path.display(), part.line)))
                    }
                }
            }
            if !rows.is_empty() {
                return Ok(Poll::Data { partition: pi, rows });
            }
            if let Some(p) = self.pending_ends.pop() {
                return Ok(Poll::PartitionEnd(p));
            }
        }
        if self.parts.iter().all(|p| p.done) {
            return Ok(Poll::Finished);
        }
        Ok(Poll::Pending(None))
    }

    /// The reader thread: read batches until every file has ended, an error occurs or the
    /// source is dropped (the channel closes).
    fn run(mut self, max_rows: usize, tx: SyncSender<Batch>) {
        loop {
            let mut dead = Vec::new();
            let poll = self.read_batch(max_rows, &mut dead);
            let last = matches!(poll, Ok(Poll::Finished) | Err(_));
            let at = match &poll {
                Ok(Poll::Data { partition, .. }) | Ok(Poll::PartitionEnd(partition)) => self
                    .parts
                    .get(*partition)
                    .map(|p| (*partition, p.input.offset(), p.line)),
                _ => None,
            };
            if tx.send((poll, dead, at)).is_err() || last {
                return;
            }
        }
    }
}

impl Source for FileSource {
    fn partitions(&self) -> usize {
        self.partitions
    }
    fn bounded(&self) -> bool {
        true
    }
    fn poll(&mut self, max_rows: usize, dead: &mut DeadLetters) -> Result<Poll> {
        if self.finished {
            return Ok(Poll::Finished);
        }
        if self.batches.is_none() {
            let reader = self
                .reader
                .take()
                .ok_or_else(|| Error::runtime(format!("table `{}`: file reader is gone", self.table)))?;
            let (tx, rx) = sync_channel(READ_AHEAD);
            std::thread::Builder::new()
                .name(format!("read-{}", self.table))
                .spawn(move || reader.run(max_rows.max(1), tx))
                .map_err(|e| Error::io(format!("table `{}`: starting the file reader", self.table), e))?;
            self.batches = Some(rx);
        }
        let Some(rx) = &self.batches else {
            return Ok(Poll::Finished);
        };
        let (poll, bad, at) = rx
            .recv()
            .map_err(|_| Error::runtime(format!("table `{}`: the file reader stopped unexpectedly", self.table)))?;
        if let Some((part, offset, line)) = at {
            if let Some(p) = self.positions.get_mut(part) {
                p.offset = offset;
                p.line = line;
            }
        }
        if !bad.is_empty() {
            dead.set_table(&self.table);
            for (rec, reason) in bad {
                dead.record(&rec, &reason)?;
            }
        }
        if matches!(poll, Ok(Poll::Finished)) {
            self.finished = true;
        }
        poll
    }

    fn position(&self) -> Result<serde_json::Value> {
        serde_json::to_value(&self.positions).map_err(|e| Error::runtime(format!("table `{}`: {e}", self.table)))
    }

    fn seek(&mut self, position: &serde_json::Value) -> Result<()> {
        let saved: Vec<FilePosition> = serde_json::from_value(position.clone()).map_err(|e| {
            Error::runtime(format!(
                "table `{}`: a checkpointed file position is unreadable: {e}",
                self.table
            ))
        })?;
        let Some(reader) = self.reader.as_mut() else {
            return Err(Error::runtime(format!(
                "table `{}`: seek after reading started",
                self.table
            )));
        };
        for s in saved {
            let Some(i) = self.positions.iter().position(|p| p.file == s.file) else {
                return Err(Error::config(format!(
                    "the checkpoint read {} up to byte {}, but that file is gone; \
                     restore needs the same input files (or start over with --fresh)",
                    s.file, s.offset
                )));
            };
            let part = &mut reader.parts[i];
            let len = std::fs::metadata(&part.path).map(|m| m.len()).unwrap_or(0);
            if s.offset > len {
                return Err(Error::config(format!(
                    "the checkpoint read {} up to byte {}, but it now has only {len} bytes",
                    s.file, s.offset
                )));
            }
            part.input.seek(s.offset, &part.path)?;
            part.line = s.line;
            self.positions[i] = s;
        }
        Ok(())
    }
}

/// Writes part files with a two-phase commit.
///
/// * Rows go to the current in-progress file `.part-<run>-<n>.<ext>.inprogress`.
/// * Without checkpoints, [`Sink::finish`] renames it to `part-<run>-<n>.<ext>`.
/// * With checkpoints, [`Sink::pre_commit`] syncs and closes the current file and returns
///   the list of in-progress files with their final names (the *committable*); the next
///   row opens file `n + 1`. [`Sink::commit`] renames them once the checkpoint is
///   published; a rename whose target already exists was done before (idempotent).
/// * [`Sink::recover`] (restart from a checkpoint) adopts the checkpoint's `run` and
///   counter, completes its renames and deletes every in-progress file of that run that
///   the checkpoint does not cover: what the crashed process wrote after it. So a restart
///   neither loses nor duplicates a row.
pub struct FileSink {
    dir: PathBuf,
    ext: &'static str,
    encoder: Box<dyn Encoder>,
    writer: Option<BufWriter<File>>,
    /// Names files: the first process's run id, kept across restores.
    run: String,
    /// Number of the current (or next) part file.
    part: u64,
    line: Vec<u8>,
}

/// What a file sink's commit makes visible: in-progress file → final file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FileCommit {
    run: String,
    /// The next part number after this checkpoint.
    next_part: u64,
    files: Vec<(String, String)>,
}

pub fn create_sink(t: &TableSpec, ctx: &ConnectorContext) -> Result<Box<dyn Sink>> {
    check(t, SINK_OPTIONS)?;
    let dir = resolve(ctx, t.options.require(t.name, "path")?);
    let encoder = format::encoder(t.name, t.schema, t.options)?;
    let ext = match format::format_name(t.name, t.options)? {
        "csv" => "csv",
        _ => "json",
    };
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let run = format!("{:x}", run ^ (std::process::id() as u128) << 64);
    Ok(Box::new(FileSink {
        dir,
        ext,
        encoder,
        writer: None,
        run,
        part: 0,
        line: Vec::with_capacity(512),
    }))
}

impl FileSink {
    fn tmp_name(&self, part: u64) -> String {
        format!(".part-{}-{part}.{}.inprogress", self.run, self.ext)
    }
    fn final_name(&self, part: u64) -> String {
        format!("part-{}-{part}.{}", self.run, self.ext)
    }

    /// Sync and close the current file; returns its (in-progress, final) names.
    fn close_current(&mut self) -> Result<Option<(String, String)>> {
        let Some(w) = self.writer.take() else { return Ok(None) };
        let tmp = self.tmp_name(self.part);
        let path = self.dir.join(&tmp);
        let f = w
            .into_inner()
            .map_err(|e| Error::io(format!("writing {}", path.display()), e.into_error()))?;
        f.sync_all()
            .map_err(|e| Error::io(format!("syncing {}", path.display()), e))?;
        let names = (tmp, self.final_name(self.part));
        self.part += 1;
        Ok(Some(names))
    }

    fn parse_commit(&self, committable: &serde_json::Value) -> Result<FileCommit> {
        serde_json::from_value(committable.clone())
            .map_err(|e| Error::runtime(format!("file sink {}: unreadable commit: {e}", self.dir.display())))
    }

    fn rename(&self, tmp: &str, fin: &str) -> Result<()> {
        let (from, to) = (self.dir.join(tmp), self.dir.join(fin));
        if from.exists() {
            std::fs::rename(&from, &to).map_err(|e| Error::io(format!("committing {}", to.display()), e))?;
        } else if !to.exists() {
            return Err(Error::runtime(format!(
                "committing {}: neither it nor its in-progress file {} exists (were files removed from the sink directory?)",
                to.display(),
                from.display()
            )));
        }
        Ok(())
    }
}

impl Sink for FileSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if self.writer.is_none() {
            std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(format!("creating {}", self.dir.display()), e))?;
            let tmp = self.dir.join(self.tmp_name(self.part));
            let f = File::create(&tmp).map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
            self.writer = Some(BufWriter::with_capacity(1 << 16, f));
        }
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        for row in rows {
            self.line.clear();
            self.encoder.encode(row, &mut self.line);
            self.line.push(b'\n');
            w.write_all(&self.line).map_err(|e| {
                Error::io(
                    format!(
                        "writing {}",
                        self.dir.join(format!(".part-{}-{}", self.run, self.part)).display()
                    ),
                    e,
                )
            })?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if let Some((tmp, fin)) = self.close_current()? {
            self.rename(&tmp, &fin)?;
        }
        Ok(())
    }

    fn pre_commit(&mut self, _checkpoint: u64) -> Result<serde_json::Value> {
        let files = self.close_current()?.into_iter().collect();
        let commit = FileCommit {
            run: self.run.clone(),
            next_part: self.part,
            files,
        };
        serde_json::to_value(&commit).map_err(|e| Error::runtime(format!("file sink {}: {e}", self.dir.display())))
    }

    fn commit(&mut self, committable: &serde_json::Value) -> Result<()> {
        let c = self.parse_commit(committable)?;
        for (tmp, fin) in &c.files {
            self.rename(tmp, fin)?;
        }
        Ok(())
    }

    fn recover(&mut self, committable: Option<&serde_json::Value>) -> Result<()> {
        let Some(committable) = committable else {
            return Ok(());
        };
        let c = self.parse_commit(committable)?;
        // Continue the checkpoint's numbering, so a file of a crashed attempt is replaced.
        self.run = c.run.clone();
        self.part = c.next_part;
        self.commit(committable)?;
        // Whatever this run wrote after the checkpoint is not covered by it: delete it.
        let prefix = format!(".part-{}-", self.run);
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with(&prefix) && name.ends_with(".inprogress") {
                    tracing::info!(
                        "removing {} (written after the restored checkpoint)",
                        e.path().display()
                    );
                    std::fs::remove_file(e.path())
                        .map_err(|err| Error::io(format!("removing {}", e.path().display()), err))?;
                }
            }
        }
        Ok(())
    }

    fn guarantee(&self) -> Guarantee {
        Guarantee::ExactlyOnce
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use newsflow_common::{DataType, Field, Schema, Value};

    use super::*;
    use crate::Options;

    fn sink(dir: &Path) -> Box<dyn Sink> {
        let schema = Schema::new(vec![Field::new("n", DataType::Int)]);
        let options = Options::new(BTreeMap::from([
            ("connector".to_string(), "filesystem".to_string()),
            ("path".to_string(), dir.display().to_string()),
            ("format".to_string(), "json".to_string()),
        ]));
        let spec = TableSpec {
            name: "t",
            schema: &schema,
            options: &options,
        };
        let ctx = ConnectorContext {
            base_dir: dir.to_path_buf(),
            topics: Default::default(),
        };
        create_sink(&spec, &ctx).unwrap()
    }

    fn rows(r: std::ops::Range<i32>) -> Vec<Row> {
        r.map(|i| vec![Value::Int(i)]).collect()
    }

    /// Visible rows: every line of the files readers see (not hidden, not in progress).
    fn visible(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = list_files(dir)
            .unwrap()
            .iter()
            .flat_map(|f| {
                std::fs::read_to_string(f)
                    .unwrap()
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn two_phase_commit_shows_only_checkpointed_rows_and_survives_a_crash() {
        let dir = std::env::temp_dir().join(format!("nf-filesink-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut s = sink(&dir);
        s.write(&rows(0..3)).unwrap();
        let c1 = s.pre_commit(1).unwrap();
        // Pre-committed, not yet visible.
        assert!(visible(&dir).is_empty());
        s.commit(&c1).unwrap();
        assert_eq!(visible(&dir).len(), 3);
        s.write(&rows(3..5)).unwrap();
        let c2 = s.pre_commit(2).unwrap();
        s.write(&rows(5..9)).unwrap();
        // Crash: checkpoint 2 was published but not committed; rows 5..9 were written
        // after it.
        drop(s);
        assert_eq!(visible(&dir).len(), 3);
        let mut s = sink(&dir);
        s.recover(Some(&c2)).unwrap();
        assert_eq!(visible(&dir).len(), 5);
        let hidden: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".inprogress"))
            .collect();
        assert!(hidden.is_empty(), "left in progress: {hidden:?}");
        // Recovering twice (a crash during recovery) changes nothing.
        s.recover(Some(&c2)).unwrap();
        // The replay writes rows 5..9 again, once.
        s.write(&rows(5..9)).unwrap();
        let c3 = s.pre_commit(3).unwrap();
        s.commit(&c3).unwrap();
        let got = visible(&dir);
        let want: Vec<String> = (0..9).map(|i| format!("{{\"n\":{i}}}")).collect();
        let mut want = want;
        want.sort();
        assert_eq!(got, want);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
