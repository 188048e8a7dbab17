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
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
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
    reader: BufReader<File>,
    line: u64,
    done: bool,
}

pub struct FileSource {
    table: String,
    parts: Vec<FilePart>,
    decoder: Box<dyn Decoder>,
    next: usize,
    buf: Vec<u8>,
    pending_ends: Vec<usize>,
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
        let file = File::open(&f).map_err(|e| Error::io(format!("opening {}", f.display()), e))?;
        parts.push(FilePart {
            path: f,
            reader: BufReader::with_capacity(1 << 20, file),
            line: 0,
            done: false,
        });
    }
    Ok(Box::new(FileSource {
        table: t.name.to_string(),
        parts,
        decoder,
        next: 0,
        buf: Vec::with_capacity(1024),
        pending_ends: vec![],
    }))
}

impl Source for FileSource {
    fn partitions(&self) -> usize {
        self.parts.len().max(1)
    }
    fn bounded(&self) -> bool {
        true
    }
    fn poll(&mut self, max_rows: usize, dead: &mut DeadLetters) -> Result<Poll> {
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
            dead.set_table(&self.table);
            let part = &mut self.parts[pi];
            while rows.len() < max_rows {
                self.buf.clear();
                let read = part
                    .reader
                    .read_until(b'\n', &mut self.buf)
                    .map_err(|e| Error::io(format!("reading {}", part.path.display()), e))?;
                if read == 0 {
                    part.done = true;
                    self.pending_ends.push(pi);
                    break;
                }
                part.line += 1;
                let mut rec: &[u8] = &self.buf;
                while let Some((last, rest)) = rec.split_last() {
                    if *last == b'\n' || *last == b'\r' {
                        rec = rest;
                    } else {
                        break;
                    }
                }
                if rec.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                match self.decoder.decode(rec) {
                    Ok(row) => rows.push(row),
                    Err(reason) => {
                        dead.record(rec, &format!("{}:{}: {reason}", part.path.display(), part.line))?;
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
