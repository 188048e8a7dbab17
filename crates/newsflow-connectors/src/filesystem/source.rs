//! Reading a file or a directory of files (JSON lines or CSV, plain or gzip-compressed).
//!
//! Every file is one partition with its own watermark, and files are read round-robin a
//! batch at a time, so rows of one file are not made late by another file that happens to
//! be read first. (Apache Flink reads the files of one split sequentially under one
//! watermark; see ARCHITECTURE.md.)
//!
//! Position (checkpoints): per file, the byte offset and line number after the last row
//! handed to the job. The reader thread reads ahead, so every batch carries the position
//! after it and the source reports the position of the last batch it gave out.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use newsflow_common::{DataType, Error, Result, Row, Value};
use serde::{Deserialize, Serialize};

use crate::format::Decoder;
use crate::{DeadLetters, Poll, Progress, ProgressUnit, Source};

struct FilePart {
    path: PathBuf,
    input: Input,
    line: u64,
    done: bool,
    /// `PARTITIONED BY` columns: their values from the file's `k=v/` directories, put at
    /// their positions in each decoded row (the file holds the other columns).
    partition_values: Vec<(usize, Value)>,
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
    /// The files' sizes when the source was opened (for progress).
    total_bytes: u64,
    finished: bool,
}
pub(super) fn list_files(path: &Path) -> Result<Vec<PathBuf>> {
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

/// The file source over `path`; `data_schema` is what a file holds, `partitions` the
/// `PARTITIONED BY` columns (name, index in the table's row, type).
pub(super) fn open(
    table: &str,
    path: &Path,
    decoder: Box<dyn Decoder>,
    partitions: &[(String, usize, DataType)],
) -> Result<Box<dyn Source>> {
    let mut parts = Vec::new();
    let mut positions = Vec::new();
    let mut total_bytes = 0;
    for f in list_files(path).map_err(|e| Error::config(format!("table `{table}`: {e}")))? {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if [".gz", ".zst", ".bz2", ".xz", ".parquet"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            return Err(Error::config(format!(
                "table `{table}`: {} is compressed or Parquet, which the filesystem source cannot read yet \
                 (it reads plain JSON lines and CSV); query such files with `newsflow query`",
                f.display()
            )));
        }
        let partition_values = if partitions.is_empty() {
            Vec::new()
        } else {
            let rel = f
                .parent()
                .and_then(|d| d.strip_prefix(path).ok())
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut v = partition_values(table, &f, &super::partition::parse_directory(&rel), partitions)?;
            v.sort_by_key(|(i, _)| *i);
            v
        };
        total_bytes += std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
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
            partition_values,
        });
    }
    Ok(Box::new(FileSource {
        table: table.to_string(),
        partitions: parts.len().max(1),
        reader: Some(FileReader {
            parts,
            decoder,
            next: 0,
            pending_ends: vec![],
        }),
        batches: None,
        positions,
        total_bytes,
        finished: false,
    }))
}

/// The partition columns' values of a file, from its directories.
fn partition_values(
    table: &str,
    file: &Path,
    found: &[(String, String)],
    partitions: &[(String, usize, DataType)],
) -> Result<Vec<(usize, Value)>> {
    partitions
        .iter()
        .map(|(name, idx, ty)| {
            let Some((_, text)) = found.iter().find(|(k, _)| k == name) else {
                return Err(Error::config(format!(
                    "table `{table}`: {} is not under a `{name}=…` directory (the table is PARTITIONED BY `{name}`)",
                    file.display()
                )));
            };
            let v = parse_partition_value(text, ty).ok_or_else(|| {
                Error::config(format!(
                    "table `{table}`: {}: partition value `{name}={text}` is not a {ty}",
                    file.display()
                ))
            })?;
            Ok((*idx, v))
        })
        .collect()
}

/// A partition column types the source can read from a directory name.
pub(super) fn partition_type_supported(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Varchar(_) | DataType::Int | DataType::BigInt | DataType::Boolean | DataType::Date
    )
}

fn parse_partition_value(text: &str, ty: &DataType) -> Option<Value> {
    if text == super::partition::DEFAULT_PARTITION_NAME {
        return Some(Value::Null);
    }
    Some(match ty {
        DataType::Varchar(_) => Value::str(text),
        DataType::Int => Value::Int(text.trim().parse().ok()?),
        DataType::BigInt => Value::BigInt(text.trim().parse().ok()?),
        DataType::Boolean => Value::Bool(text.trim().parse().ok()?),
        DataType::Date => Value::Date(newsflow_common::time::parse_date(text.trim())?),
        _ => return None,
    })
}

fn with_partition_values(data: Row, values: &[(usize, Value)]) -> Row {
    let total = data.len() + values.len();
    let mut row = Vec::with_capacity(total);
    let mut data = data.into_iter();
    let mut vi = 0;
    for i in 0..total {
        if let Some((at, v)) = values.get(vi) {
            if *at == i {
                row.push(v.clone());
                vi += 1;
                continue;
            }
        }
        if let Some(d) = data.next() {
            row.push(d);
        }
    }
    row
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
                    Ok(row) if part.partition_values.is_empty() => rows.push(row),
                    Ok(data) => rows.push(with_partition_values(data, &part.partition_values)),
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

    fn progress(&self) -> Option<Progress> {
        let done: u64 = self.positions.iter().map(|p| p.offset).sum();
        Some(Progress {
            done: if self.finished {
                self.total_bytes
            } else {
                done.min(self.total_bytes)
            },
            total: self.total_bytes,
            unit: ProgressUnit::Bytes,
        })
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
