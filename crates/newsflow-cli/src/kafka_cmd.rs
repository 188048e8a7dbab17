//! `newsflow produce` and `newsflow consume`: put a generator's rows or a file's lines
//! into a Kafka topic (paced like the source documents' replay producer), and look at a
//! topic.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use newsflow_common::{Field, Schema};
use newsflow_connectors::format::json::JsonEncoder;
use newsflow_connectors::format::Encoder;
use newsflow_connectors::kafka::{ensure_topic, tools};
use newsflow_connectors::Options;
use newsflow_generators::{by_name, columns_by_name, GenOptions};

#[derive(Args)]
pub struct ProduceArgs {
    /// Kafka bootstrap servers (host:port,…).
    #[arg(long, default_value = "127.0.0.1:9092")]
    pub bootstrap_servers: String,
    /// Topic to write.
    #[arg(long)]
    pub topic: String,
    /// A built-in generator: news, stock or sensor.
    #[arg(long, conflicts_with = "file")]
    pub generator: Option<String>,
    /// Generator options as key=value (seed, rows, days, rate, symbols, start, news-per-day, …).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A JSON-lines file; each line is one message, sent as it is.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// The field whose value is the message key (messages with one key go to one partition).
    #[arg(long)]
    pub key_field: Option<String>,
    /// Replay in event time: this many event-time seconds per wall-clock second
    /// (0: as fast as possible). Needs --time-field for files.
    #[arg(long, default_value_t = 0.0)]
    pub speed_up: f64,
    /// The field holding a file record's event time (`yyyy-MM-dd HH:mm:ss[.SSS]`).
    #[arg(long)]
    pub time_field: Option<String>,
    /// At most this many messages per second (0: no limit).
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Create the topic with this many partitions if the broker does not have it.
    #[arg(long)]
    pub create_partitions: Option<i32>,
    /// librdkafka properties as key=value.
    #[arg(long = "property", short = 'X', value_name = "KEY=VALUE")]
    pub properties: Vec<String>,
}

#[derive(Args)]
pub struct ConsumeArgs {
    /// Kafka bootstrap servers (host:port,…).
    #[arg(long, default_value = "127.0.0.1:9092")]
    pub bootstrap_servers: String,
    /// Topic to read.
    #[arg(long)]
    pub topic: String,
    /// Start at the beginning of each partition (default: only new messages).
    #[arg(long)]
    pub from_beginning: bool,
    /// Stop after this many messages.
    #[arg(long)]
    pub max_messages: Option<u64>,
    /// Stop at the end of every partition (as it was when reading started).
    #[arg(long)]
    pub to_end: bool,
    /// Stop after this many seconds without a message.
    #[arg(long)]
    pub idle_timeout: Option<f64>,
    /// Print partition, offset, timestamp and key before each value.
    #[arg(long)]
    pub verbose: bool,
    /// librdkafka properties as key=value.
    #[arg(long = "property", short = 'X', value_name = "KEY=VALUE")]
    pub properties: Vec<String>,
}

fn key_values(list: &[String], what: &str) -> anyhow::Result<Vec<(String, String)>> {
    list.iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .with_context(|| format!("{what} '{kv}' is not KEY=VALUE"))
        })
        .collect()
}

/// Sleeps so that `sent` messages at `rate`/s and event time `t` at `speed_up` are kept.
struct Pacer {
    start: Instant,
    first_event: Option<i64>,
    rate: f64,
    speed_up: f64,
}

impl Pacer {
    fn wait(&mut self, sent: u64, event_ms: Option<i64>) {
        let mut due = Duration::ZERO;
        if self.rate > 0.0 {
            due = due.max(Duration::from_secs_f64(sent as f64 / self.rate));
        }
        if let (true, Some(t)) = (self.speed_up > 0.0, event_ms) {
            let first = *self.first_event.get_or_insert(t);
            let ahead = (t - first).max(0) as f64 / 1000.0 / self.speed_up;
            due = due.max(Duration::from_secs_f64(ahead));
        }
        let elapsed = self.start.elapsed();
        if due > elapsed {
            std::thread::sleep(due - elapsed);
        }
    }
}

fn progress(total: Option<u64>) -> indicatif::ProgressBar {
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    let template = match total {
        Some(_) => "{spinner} {pos}/{len} messages sent ({per_sec}) {elapsed_precise} {wide_bar} eta {eta}",
        None => "{spinner} {pos} messages sent ({per_sec}) {elapsed_precise}",
    };
    let style =
        indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

pub fn produce(a: ProduceArgs) -> anyhow::Result<()> {
    let props = key_values(&a.properties, "--property")?;
    if let Some(n) = a.create_partitions {
        ensure_topic(&a.bootstrap_servers, &a.topic, n)?;
    }
    let mut writer = tools::TopicWriter::new(&a.bootstrap_servers, &a.topic, &props)?;
    let mut pacer = Pacer {
        start: Instant::now(),
        first_event: None,
        rate: a.rate,
        speed_up: a.speed_up,
    };
    match (&a.generator, &a.file) {
        (Some(g), None) => {
            let mut opts = GenOptions::default();
            for (k, v) in key_values(&a.set, "--set")? {
                if !opts.set(&k, &v).map_err(anyhow::Error::msg)? {
                    bail!("unknown generator option '{k}'");
                }
            }
            let cols = columns_by_name(g).map_err(anyhow::Error::msg)?;
            let schema = Schema::new(cols.iter().map(|(n, t)| Field::new(*n, t.clone())).collect());
            let key_col = match &a.key_field {
                Some(k) => Some(schema.fields.iter().position(|f| &f.name == k).with_context(|| {
                    format!(
                        "--key-field {k}: the {g} generator's columns are {}",
                        schema.names().join(", ")
                    )
                })?),
                None => None,
            };
            let mut enc = JsonEncoder::new(&schema, &Options::default())?;
            let gen = by_name(g, &opts).map_err(anyhow::Error::msg)?;
            let bar = progress(None);
            let mut buf = Vec::new();
            for row in gen {
                pacer.wait(writer.sent, Some(row.event_time_ms));
                buf.clear();
                enc.encode(&row.fields, &mut buf);
                let key = key_col.map(|c| row.fields[c].to_string());
                writer.send(key.as_deref().map(str::as_bytes), &buf, Some(row.event_time_ms))?;
                bar.inc(1);
            }
            writer.flush()?;
            bar.finish();
        }
        (None, Some(path)) => {
            let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            let bar = progress(None);
            for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
                let line = line.with_context(|| format!("reading {}", path.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                let need_json = a.key_field.is_some() || a.time_field.is_some();
                let v: Option<serde_json::Value> = if need_json {
                    Some(
                        serde_json::from_str(&line)
                            .with_context(|| format!("{}:{}: not JSON", path.display(), i + 1))?,
                    )
                } else {
                    None
                };
                let field = |name: &Option<String>| -> Option<String> {
                    let v = v.as_ref()?.get(name.as_deref()?)?;
                    Some(v.as_str().map_or_else(|| v.to_string(), str::to_string))
                };
                let key = field(&a.key_field);
                let ts = field(&a.time_field).and_then(|t| newsflow_common::time::parse_timestamp(&t, None));
                pacer.wait(writer.sent, ts);
                writer.send(key.as_deref().map(str::as_bytes), line.as_bytes(), ts)?;
                bar.inc(1);
            }
            writer.flush()?;
            bar.finish();
        }
        _ => bail!("give either --generator NAME or --file PATH"),
    }
    eprintln!("sent {} messages to '{}'", writer.sent, a.topic);
    Ok(())
}

pub fn consume(a: ConsumeArgs) -> anyhow::Result<()> {
    let props = key_values(&a.properties, "--property")?;
    let opts = tools::ReadOptions {
        from_beginning: a.from_beginning,
        max_messages: a.max_messages,
        to_end: a.to_end,
        idle_timeout: a.idle_timeout.map(Duration::from_secs_f64),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let n = tools::read_topic(&a.bootstrap_servers, &a.topic, &props, &opts, |r| {
        let res = if a.verbose {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                r.partition,
                r.offset,
                r.timestamp_ms.map_or_else(|| "-".to_string(), |t| t.to_string()),
                r.key
                    .map_or_else(|| "-".to_string(), |k| String::from_utf8_lossy(k).into_owned()),
                String::from_utf8_lossy(r.value)
            )
        } else {
            writeln!(out, "{}", String::from_utf8_lossy(r.value))
        };
        res.map_err(|e| newsflow_common::Error::io("writing to stdout", e))
    })?;
    eprintln!("read {n} messages from '{}'", a.topic);
    Ok(())
}
