//! `filesystem`: read a file or a directory of files (JSON lines or CSV); write part files
//! into a directory.
//!
//! Source: every file is one partition with its own watermark, and files are read
//! round-robin a batch at a time, so rows of one file are not made late by another file
//! that happens to be read first. (Apache Flink reads the files of one split sequentially
//! under one watermark; see ARCHITECTURE.md.)
//!
//! Sink: rows go to `<path>/.part-<run>-0.inprogress` and the file is renamed to
//! `part-<run>-0.<ext>` when the job finishes, so readers never see half-written files.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::{SystemTime, UNIX_EPOCH};

use newsflow_common::{Error, Result, Row};

use crate::format::{self, Decoder, Encoder};
use crate::{ConnectorContext, DeadLetters, Poll, Sink, Source, TableSpec};

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
}

/// Reads and decodes the files; runs on its own thread once the source is first polled,
/// so that decoding (most of a file-fed job's work) overlaps with the operators.
struct FileReader {
    parts: Vec<FilePart>,
    decoder: Box<dyn Decoder>,
    next: usize,
    pending_ends: Vec<usize>,
}

/// One batch from the reader thread: a poll result and the records it could not decode.
type Batch = (Result<Poll>, Vec<(Vec<u8>, String)>);

/// Batches read ahead of the operators; bounds the memory the reader may use.
const READ_AHEAD: usize = 4;

pub struct FileSource {
    table: String,
    partitions: usize,
    reader: Option<FileReader>,
    batches: Option<Receiver<Batch>>,
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
    for f in list_files(&path).map_err(|e| Error::config(format!("table `{}`: {e}", t.name)))? {
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
            if tx.send((poll, dead)).is_err() || last {
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
        let (poll, bad) = rx
            .recv()
            .map_err(|_| Error::runtime(format!("table `{}`: the file reader stopped unexpectedly", self.table)))?;
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
}

pub struct FileSink {
    dir: PathBuf,
    encoder: Box<dyn Encoder>,
    writer: Option<BufWriter<File>>,
    tmp: PathBuf,
    fin: PathBuf,
    line: Vec<u8>,
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
        tmp: dir.join(format!(".part-{run}-0.inprogress")),
        fin: dir.join(format!("part-{run}-0.{ext}")),
        dir,
        encoder,
        writer: None,
        line: Vec::with_capacity(512),
    }))
}

impl Sink for FileSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        if self.writer.is_none() {
            std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(format!("creating {}", self.dir.display()), e))?;
            let f = File::create(&self.tmp).map_err(|e| Error::io(format!("creating {}", self.tmp.display()), e))?;
            self.writer = Some(BufWriter::with_capacity(1 << 16, f));
        }
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        for row in rows {
            self.line.clear();
            self.encoder.encode(row, &mut self.line);
            self.line.push(b'\n');
            w.write_all(&self.line)
                .map_err(|e| Error::io(format!("writing {}", self.tmp.display()), e))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(mut w) = self.writer.take() {
            w.flush()
                .map_err(|e| Error::io(format!("writing {}", self.tmp.display()), e))?;
            drop(w);
            std::fs::rename(&self.tmp, &self.fin)
                .map_err(|e| Error::io(format!("committing {}", self.fin.display()), e))?;
        }
        Ok(())
    }
}
