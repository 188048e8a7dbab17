//! Kafka integration tests against a real Kafka-compatible broker (tansu), with an
//! independent client (`confluent-kafka` from PyPI, `tests/kafka/client.py`) producing the
//! inputs and reading the outputs.
//!
//! `scripts/test` installs and starts the broker and sets `NEWSFLOW_KAFKA_BOOTSTRAP` (and
//! `NEWSFLOW_TANSU_BIN` for the restart test, which runs its own broker). Without them
//! these tests fail: they are never silently skipped.
//!
//! Topics are named per test run (tansu cannot delete a topic without deleting all).

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use newsflow_runtime::{Job, JobOptions};

fn manifest_dir() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    manifest_dir().join("../../tests/golden")
}

fn bootstrap() -> String {
    std::env::var("NEWSFLOW_KAFKA_BOOTSTRAP")
        .expect("NEWSFLOW_KAFKA_BOOTSTRAP is not set: run the Kafka tests through scripts/test, which starts a broker")
}

fn run_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        format!("{}-{t}", std::process::id())
    })
    .clone()
}

fn topic(name: &str) -> String {
    format!("t{}-{name}", run_id())
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("newsflow-kafka-{}-{name}", run_id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run the Python client; returns its stdout.
fn client(bootstrap: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(manifest_dir().join("tests/kafka/client.py"))
        .arg(bootstrap)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "client.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn consume(bootstrap: &str, topic: &str, count: usize, idle_s: f64) -> Vec<String> {
    client(bootstrap, &["consume", topic, &count.to_string(), &idle_s.to_string()])
        .lines()
        .map(str::to_string)
        .collect()
}

/// The golden flagship case with every table on Kafka: only the WITH options change.
fn flagship_sql(news: &str, stock: &str, sink: Option<&str>, group: &str, extra_source: &str) -> String {
    let golden = std::fs::read_to_string(golden_dir().join("flagship_small/case.sql")).unwrap();
    let insert = &golden[golden.find("INSERT INTO").expect("the golden case has an INSERT")..];
    let bs = bootstrap();
    let source_with = |t: &str| {
        format!(
            "'connector' = 'kafka', 'topic' = '{t}', 'properties.bootstrap.servers' = '{bs}', \
             'properties.group.id' = '{group}', 'scan.startup.mode' = 'earliest-offset', \
             'scan.bounded.mode' = 'latest-offset', 'format' = 'json'{extra_source}"
        )
    };
    let sink_with = match sink {
        Some(t) => format!(
            "'connector' = 'kafka', 'topic' = '{t}', 'properties.bootstrap.servers' = '{bs}', 'format' = 'json'"
        ),
        None => "'connector' = 'filesystem', 'path' = 'out', 'format' = 'json'".to_string(),
    };
    format!(
        "CREATE TABLE stock_transaction_source (
  symbol STRING, stock_time STRING, price DOUBLE, volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ({});
CREATE TABLE news_summary_source (
  symbol STRING, news_id INT, event_time TIMESTAMP(3), summary STRING,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ({});
CREATE TABLE news_result_sink (
  symbol STRING, news_id STRING, news_time TIMESTAMP(3), summary STRING,
  window_start TIMESTAMP(3), window_end TIMESTAMP(3),
  avg_price DOUBLE, avg_volume DOUBLE, event_count BIGINT
) WITH ({sink_with});
{insert}",
        source_with(stock),
        source_with(news),
    )
}

fn produce_flagship_inputs(bs: &str, news: &str, stock: &str, partitions: u32) {
    let input = golden_dir().join("flagship_small/input");
    for t in [news, stock] {
        client(bs, &["create", t, &partitions.to_string()]);
    }
    let n = client(
        bs,
        &[
            "produce",
            news,
            "symbol",
            input.join("news_summary.jsonl").to_str().unwrap(),
        ],
    );
    assert_eq!(n.trim(), "10");
    client(bs, &["produce", stock, "symbol", input.join("stock").to_str().unwrap()]);
}

fn compare_with_flink(out_dir: &Path) {
    let out = Command::new("python3")
        .arg(golden_dir().join("compare.py"))
        .arg(golden_dir().join("flagship_small/expected.jsonl"))
        .arg(out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rows differ from Flink's:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn flagship_on_kafka_gives_flinks_rows() {
    let bs = bootstrap();
    let (news, stock, analysis) = (topic("news"), topic("stock"), topic("analysis"));
    produce_flagship_inputs(&bs, &news, &stock, 4);
    client(&bs, &["create", &analysis, "1"]);
    let dir = temp_dir("flagship");
    let sql = flagship_sql(&news, &stock, Some(&analysis), &format!("g-{}", run_id()), "");
    let report = run_job(&sql, job_opts(&dir));
    assert_eq!(report.dead_letter_total(), 0);
    let read: u64 = report.rows_read.iter().map(|r| r.1).sum();
    assert_eq!(
        read, 20_010,
        "every trade and news item is read once: {:?}",
        report.rows_read
    );
    // Read the results back with the independent client and compare with Flink's.
    let expected = std::fs::read_to_string(golden_dir().join("flagship_small/expected.jsonl"))
        .unwrap()
        .lines()
        .count();
    let rows = consume(&bs, &analysis, expected + 10, 5.0);
    assert_eq!(rows.len(), expected, "analysis topic rows");
    let out = dir.join("from-kafka");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("rows.jsonl"), rows.join("\n") + "\n").unwrap();
    compare_with_flink(&out);
}

/// Start `newsflow run` in `dir`; its log (with the Kafka group events) goes to `dir/log`.
fn job_opts(dir: &Path) -> JobOptions {
    JobOptions {
        base_dir: dir.to_path_buf(),
        max_duration: Some(Duration::from_secs(120)),
        ..Default::default()
    }
}

/// Build and run a job in this process; panics with the error.
fn run_job(sql: &str, opts: JobOptions) -> newsflow_runtime::JobReport {
    let mut job = Job::build(sql, opts).unwrap_or_else(|e| panic!("{e}"));
    job.run().unwrap_or_else(|e| panic!("{e}"))
}

fn newsflow(dir: &Path, sql_file: &str) -> Child {
    newsflow_logged(dir, sql_file, "120", "log")
}

/// `newsflow run SQL_FILE --duration SECS` in `dir`, its log in `dir/LOG`.
fn newsflow_logged(dir: &Path, sql_file: &str, secs: &str, log: &str) -> Child {
    let log = std::fs::File::create(dir.join(log)).unwrap();
    Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .args(["run", sql_file, "--duration", secs])
        .env("NEWSFLOW_LOG", "newsflow_connectors=debug")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("newsflow starts")
}

#[test]
fn two_processes_in_one_group_give_the_rows_of_one() {
    let bs = bootstrap();
    let (news, stock) = (topic("news2"), topic("stock2"));
    produce_flagship_inputs(&bs, &news, &stock, 4);
    let group = format!("g2-{}", run_id());
    // Both members wait for the group to settle before reading, so no partition moves
    // between them after rows of it were read.
    let extra = ", 'scan.group.settle-time' = '6 s', 'properties.heartbeat.interval.ms' = '300', \
                 'properties.session.timeout.ms' = '6000'";
    let sql = flagship_sql(&news, &stock, None, &group, extra);
    let (a, b) = (temp_dir("member-a"), temp_dir("member-b"));
    for d in [&a, &b] {
        std::fs::write(d.join("job.sql"), &sql).unwrap();
    }
    let pa = newsflow(&a, "job.sql");
    let pb = newsflow(&b, "job.sql");
    for (name, mut p, d) in [("a", pa, &a), ("b", pb, &b)] {
        let status = p.wait().unwrap();
        let log = std::fs::read_to_string(d.join("log")).unwrap_or_default();
        assert!(status.success(), "member {name} failed: {log}");
    }
    // Each member wrote the windows of its own symbols; together they are Flink's rows.
    let both = temp_dir("members-out");
    for (name, d) in [("a", &a), ("b", &b)] {
        let mut n = 0;
        if let Ok(entries) = std::fs::read_dir(d.join("out")) {
            for e in entries {
                let e = e.unwrap();
                std::fs::copy(
                    e.path(),
                    both.join(format!("{name}-{}", e.file_name().to_string_lossy())),
                )
                .unwrap();
                n += std::fs::read_to_string(e.path()).unwrap().lines().count();
            }
        }
        assert!(n > 0, "member {name} produced no rows: the partitions were not shared");
    }
    compare_with_flink(&both);
}

#[test]
fn malformed_messages_go_to_a_dead_letter_topic() {
    let bs = bootstrap();
    let (src, dlt) = (topic("raw-trades"), topic("dead-letters"));
    client(&bs, &["create", &src, "2"]);
    client(&bs, &["create", &dlt, "1"]);
    let dir = temp_dir("dlt");
    let lines = [
        r#"{"symbol": "A", "stock_time": "2025-07-01 09:00:01", "price": 1.5, "volume": 10}"#,
        r#"{"symbol": "A", "stock_time": "2025-07-01 09:00:02", "price": 1.5"#,
        r#"{"symbol": "B", "stock_time": "2025-07-01 09:00:03", "price": "cheap", "volume": 1}"#,
        r#"{"symbol": "B", "stock_time": "2025-07-01 09:00:04", "price": 2.5, "volume": 20}"#,
    ];
    std::fs::write(dir.join("in.jsonl"), lines.join("\n")).unwrap();
    client(&bs, &["produce-raw", &src, dir.join("in.jsonl").to_str().unwrap()]);
    let sql = format!(
        "CREATE TABLE trades (symbol STRING, stock_time STRING, price DOUBLE, volume INT) WITH (
  'connector' = 'kafka', 'topic' = '{src}', 'properties.bootstrap.servers' = '{bs}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
  'format' = 'json', 'dead-letter.topic' = '{dlt}');
CREATE TABLE good (symbol STRING, volume INT) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
INSERT INTO good SELECT symbol, volume FROM trades;"
    );
    let report = run_job(
        &sql,
        JobOptions {
            dead_letter_dir: dir.join("dead-letter"),
            ..job_opts(&dir)
        },
    );
    assert_eq!(report.dead_letter_total(), 2, "counted");
    let dead = consume(&bs, &dlt, 10, 5.0);
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert!(dead.iter().any(|d| d.contains("malformed JSON")), "{dead:?}");
    assert!(dead.iter().any(|d| d.contains("cannot read string value")), "{dead:?}");
    assert!(
        dead.iter().all(|d| d.contains(&src)),
        "reasons name the topic: {dead:?}"
    );
    let good: usize = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap().lines().count())
        .sum();
    assert_eq!(good, 2);
}

struct Broker {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Broker {
    fn start(dir: &Path, port: u16) -> Broker {
        let bin = std::env::var("NEWSFLOW_TANSU_BIN")
            .expect("NEWSFLOW_TANSU_BIN is not set: run the Kafka tests through scripts/test");
        let child = Command::new(manifest_dir().join("../../scripts/kafka-broker"))
            .args(["run", dir.to_str().unwrap(), &port.to_string()])
            .env("NEWSFLOW_TANSU_BIN", bin)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the broker starts");
        let b = Broker {
            child,
            port,
            dir: dir.to_path_buf(),
        };
        b.wait_ready();
        b
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "broker did not come up on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_secs(2));
        *self = Broker::start(&self.dir.clone(), self.port);
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_broker_restart_loses_nothing() {
    let dir = temp_dir("restart");
    let port = free_port();
    let mut broker = Broker::start(&dir.join("broker"), port);
    let bs = format!("127.0.0.1:{port}");
    let (src, dst) = ("events", "copied");
    client(&bs, &["create", src, "2"]);
    client(&bs, &["create", dst, "1"]);
    let batch = |from: usize, to: usize| -> PathBuf {
        let p = dir.join(format!("in-{from}.jsonl"));
        let lines: Vec<String> = (from..to)
            .map(|i| format!(r#"{{"id": {i}, "body": "event {i}"}}"#))
            .collect();
        std::fs::write(&p, lines.join("\n")).unwrap();
        p
    };
    client(&bs, &["produce-raw", src, batch(0, 500).to_str().unwrap()]);
    let sql = format!(
        "CREATE TABLE src (id INT, body STRING) WITH ('connector' = 'kafka', 'topic' = '{src}',
  'properties.bootstrap.servers' = '{bs}', 'properties.group.id' = 'copier',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json',
  'properties.reconnect.backoff.max.ms' = '1000');
CREATE TABLE dst (id INT, body STRING) WITH ('connector' = 'kafka', 'topic' = '{dst}',
  'properties.bootstrap.servers' = '{bs}', 'format' = 'json');
INSERT INTO dst SELECT id, body FROM src;"
    );
    std::fs::write(dir.join("copy.sql"), sql).unwrap();
    let job = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .args(["run", "copy.sql", "--duration", "90"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = consume(&bs, dst, 500, 20.0);
    assert_eq!(first.len(), 500, "the job copies the first batch");
    broker.restart();
    client(&bs, &["produce-raw", src, batch(500, 1000).to_str().unwrap()]);
    let all = consume(&bs, dst, 2000, 20.0);
    let mut ids: Vec<i64> = all
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    let mut job = job;
    let _ = job.kill();
    let out = job.wait_with_output().unwrap();
    assert_eq!(
        ids,
        (0..1000).collect::<Vec<i64>>(),
        "every event arrives after the restart ({total} messages with duplicates); job log:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The two Kafka examples differ only in connection options: the MSK one is the source
/// documents' text with the broker filled in.
#[test]
fn the_kafka_examples_differ_only_in_connection_options() {
    let strip = |file: &str| -> Vec<String> {
        let text = std::fs::read_to_string(manifest_dir().join("../../examples").join(file)).unwrap();
        let mut out = Vec::new();
        let mut skip_next = false;
        for line in text.lines() {
            if skip_next {
                skip_next = false;
                continue;
            }
            let l = line.trim();
            if l.starts_with("--") || l.is_empty() || l.starts_with("'properties.bootstrap.servers'") {
                continue;
            }
            if l.starts_with("'properties.security.protocol'") || l.starts_with("'properties.sasl.mechanism'") {
                continue;
            }
            if l.starts_with("'properties.sasl.jaas.config'")
                || l.starts_with("'properties.sasl.client.callback.handler.class'")
            {
                skip_next = true;
                continue;
            }
            out.push(l.to_string());
        }
        out
    };
    let (msk, local) = (strip("flagship-kafka.sql"), strip("flagship-kafka-local.sql"));
    assert!(msk.len() > 60, "the MSK example holds the sources' statements");
    assert_eq!(msk, local);
    let msk_text = std::fs::read_to_string(manifest_dir().join("../../examples/flagship-kafka.sql")).unwrap();
    assert_eq!(
        msk_text.matches("'properties.sasl.mechanism' = 'AWS_MSK_IAM'").count(),
        5
    );
}

/// `examples/flagship-kafka-local.sql` (the sources' statements) on the broker, fed by
/// `newsflow produce` from the built-in generators; only the broker address is changed.
#[test]
fn the_source_documents_flagship_runs_on_kafka() {
    let bs = bootstrap();
    for t in ["news", "stock", "n-summary", "analysis"] {
        client(&bs, &["create", t, "4"]);
    }
    let gen = [
        "--set",
        "seed=5",
        "--set",
        "days=1",
        "--set",
        "news-per-day=40",
        "--set",
        "market-open=09:00",
        "--set",
        "market-close=10:00",
        "--set",
        "start=2025-07-01 00:00:00",
    ];
    for (topic, generator, extra) in [("news", "news", None), ("stock", "stock", Some("rate=4"))] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsflow"));
        cmd.args([
            "produce",
            "--bootstrap-servers",
            &bs,
            "--topic",
            topic,
            "--generator",
            generator,
            "--key-field",
            "symbol",
        ])
        .args(gen);
        if let Some(e) = extra {
            cmd.args(["--set", e]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "produce {topic}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dir = temp_dir("example");
    let sql = std::fs::read_to_string(manifest_dir().join("../../examples/flagship-kafka-local.sql"))
        .unwrap()
        .replace("127.0.0.1:9092", &bs);
    std::fs::write(dir.join("flagship.sql"), sql).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .args(["run", "flagship.sql", "--duration", "20"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let rows = consume(&bs, "analysis", 1_000_000, 5.0);
    assert!(!rows.is_empty(), "no analysis rows; job log:\n{log}");
    let first: serde_json::Value = serde_json::from_str(&rows[0]).unwrap();
    for k in [
        "symbol",
        "news_id",
        "news_time",
        "summary",
        "window_start",
        "avg_price",
        "event_count",
    ] {
        assert!(first.get(k).is_some(), "{k} missing in {first}");
    }
    assert!(
        first["summary"].as_str().unwrap_or_default().contains("\"label\""),
        "the summary is analyze_news's JSON: {first}"
    );
}

/// Run `INSERT INTO out SELECT id FROM src` once with `src`'s WITH options; the ids read.
fn ids_read(with: &str, name: &str) -> Vec<i64> {
    let dir = temp_dir(name);
    let sql = format!(
        "CREATE TABLE src (id INT) WITH ({with}, 'format' = 'json');
CREATE TABLE out_t (id INT) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
INSERT INTO out_t SELECT id FROM src;"
    );
    run_job(&sql, job_opts(&dir));
    let mut ids: Vec<i64> = std::fs::read_dir(dir.join("out"))
        .map(|d| {
            d.flat_map(|e| {
                std::fs::read_to_string(e.unwrap().path())
                    .unwrap()
                    .lines()
                    .map(|l| {
                        serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                            .as_i64()
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[test]
fn startup_modes_topic_lists_and_patterns() {
    let bs = bootstrap();
    let (a, b) = (topic("pat-a"), topic("pat-b"));
    let dir = temp_dir("modes");
    for (t, from) in [(&a, 0), (&b, 100)] {
        client(&bs, &["create", t, "1"]);
        let p = dir.join(format!("{from}.jsonl"));
        let lines: Vec<String> = (from..from + 10).map(|i| format!(r#"{{"id": {i}}}"#)).collect();
        std::fs::write(&p, lines.join("\n")).unwrap();
        client(&bs, &["produce-raw", t, p.to_str().unwrap()]);
    }
    let base = format!(
        "'connector' = 'kafka', 'properties.bootstrap.servers' = '{bs}', 'scan.bounded.mode' = 'latest-offset'"
    );
    assert_eq!(
        ids_read(
            &format!("{base}, 'topic' = '{a}', 'scan.startup.mode' = 'earliest-offset'"),
            "earliest"
        ),
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(
        ids_read(
            &format!(
                "{base}, 'topic' = '{a}', 'scan.startup.mode' = 'specific-offsets', 'scan.startup.specific-offsets' = 'partition:0,offset:4', 'properties.group.id' = 'g-spec-{}'",
                run_id()
            ),
            "specific"
        ),
        (4..10).collect::<Vec<_>>()
    );
    assert_eq!(
        ids_read(
            &format!("{base}, 'topic' = '{a}', 'scan.startup.mode' = 'latest-offset'"),
            "latest"
        ),
        Vec::<i64>::new(),
        "latest-offset up to latest-offset reads nothing and ends"
    );
    let both: Vec<i64> = (0..10).chain(100..110).collect();
    assert_eq!(
        ids_read(
            &format!("{base}, 'topic' = '{a};{b}', 'scan.startup.mode' = 'earliest-offset'"),
            "list"
        ),
        both
    );
    assert_eq!(
        ids_read(
            &format!(
                "{base}, 'topic-pattern' = 't{}-pat-.*', 'scan.startup.mode' = 'earliest-offset'",
                run_id()
            ),
            "pattern"
        ),
        both
    );
    assert_eq!(
        ids_read(
            &format!(
                "'connector' = 'kafka', 'properties.bootstrap.servers' = '{bs}', 'topic' = '{a}', \
                 'scan.bounded.mode' = 'specific-offsets', 'scan.bounded.specific-offsets' = 'partition:0,offset:3', \
                 'scan.startup.mode' = 'earliest-offset'"
            ),
            "bounded-specific"
        ),
        vec![0, 1, 2]
    );
}

#[test]
fn sink_keys_and_partitioners() {
    let bs = bootstrap();
    let (src, keyed, rr) = (topic("k-src"), topic("keyed"), topic("rr"));
    client(&bs, &["create", &src, "1"]);
    client(&bs, &["create", &keyed, "3"]);
    client(&bs, &["create", &rr, "3"]);
    let dir = temp_dir("keys");
    let lines: Vec<String> = (0..30)
        .map(|i| format!(r#"{{"id": {i}, "symbol": "S{}"}}"#, i % 3))
        .collect();
    std::fs::write(dir.join("in.jsonl"), lines.join("\n")).unwrap();
    client(&bs, &["produce-raw", &src, dir.join("in.jsonl").to_str().unwrap()]);
    let sql = format!(
        "CREATE TABLE s (id INT, symbol STRING) WITH ('connector' = 'kafka', 'topic' = '{src}',
  'properties.bootstrap.servers' = '{bs}', 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE k (id INT, symbol STRING) WITH ('connector' = 'kafka', 'topic' = '{keyed}',
  'properties.bootstrap.servers' = '{bs}', 'key.format' = 'raw', 'key.fields' = 'symbol',
  'value.format' = 'json');
CREATE TABLE r (id INT, symbol STRING) WITH ('connector' = 'kafka', 'topic' = '{rr}',
  'properties.bootstrap.servers' = '{bs}', 'sink.partitioner' = 'round-robin', 'format' = 'json');
INSERT INTO k SELECT id, symbol FROM s;
INSERT INTO r SELECT id, symbol FROM s;"
    );
    run_job(&sql, job_opts(&dir));
    // Keyed: every message of one symbol is in one partition, and the key is the symbol.
    let keyed_rows = client(&bs, &["consume-verbose", &keyed, "100", "5"]);
    let mut part_of: std::collections::HashMap<String, String> = Default::default();
    let mut n = 0;
    for l in keyed_rows.lines() {
        let (partition, key, value) = {
            let mut f = l.splitn(3, '\t');
            (f.next().unwrap(), f.next().unwrap(), f.next().unwrap())
        };
        let v: serde_json::Value = serde_json::from_str(value).unwrap();
        assert_eq!(v["symbol"].as_str(), Some(key), "{l}");
        let p = part_of.entry(key.to_string()).or_insert_with(|| partition.to_string());
        assert_eq!(p, partition, "one partition per key");
        n += 1;
    }
    assert_eq!(n, 30);
    // Round-robin: 10 messages in each of the 3 partitions.
    let rr_rows = client(&bs, &["consume-verbose", &rr, "100", "5"]);
    let mut per: std::collections::BTreeMap<String, usize> = Default::default();
    for l in rr_rows.lines() {
        *per.entry(l.split('\t').next().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(per.values().copied().collect::<Vec<_>>(), vec![10, 10, 10], "{per:?}");
}

#[test]
fn timestamp_startup_and_bounded_modes() {
    let bs = bootstrap();
    let t = topic("stamped");
    client(&bs, &["create", &t, "1"]);
    let dir = temp_dir("stamped");
    // Ten records one minute apart; `newsflow produce --time-field` stamps each message
    // with its record's time.
    let lines: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"id": {i}, "ts": "2025-07-01 09:{i:02}:00"}}"#))
        .collect();
    std::fs::write(dir.join("in.jsonl"), lines.join("\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .args([
            "produce",
            "--bootstrap-servers",
            &bs,
            "--topic",
            &t,
            "--time-field",
            "ts",
            "--file",
        ])
        .arg(dir.join("in.jsonl"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let at = |minute: i64| 1_751_360_400_000i64 + minute * 60_000; // 2025-07-01 09:MM:00 UTC
    let base = format!("'connector' = 'kafka', 'properties.bootstrap.servers' = '{bs}', 'topic' = '{t}'");
    assert_eq!(
        ids_read(
            &format!(
                "{base}, 'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '{}', 'scan.bounded.mode' = 'latest-offset'",
                at(4)
            ),
            "from-ts"
        ),
        (4..10).collect::<Vec<_>>()
    );
    assert_eq!(
        ids_read(
            &format!(
                "{base}, 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'timestamp', 'scan.bounded.timestamp-millis' = '{}'",
                at(7)
            ),
            "to-ts"
        ),
        (0..7).collect::<Vec<_>>()
    );
}

/// `'value.fields-include' = 'EXCEPT_KEY'`: a sink writes the key fields only into the
/// message key, and a source reads them back from it.
#[test]
fn key_fields_travel_in_the_message_key() {
    let bs = bootstrap();
    let t = topic("except-key");
    client(&bs, &["create", &t, "2"]);
    let dir = temp_dir("except-key");
    let keyed = format!(
        "'connector' = 'kafka', 'topic' = '{t}', 'properties.bootstrap.servers' = '{bs}',
  'key.format' = 'raw', 'key.fields' = 'symbol', 'value.format' = 'json', 'value.fields-include' = 'EXCEPT_KEY'"
    );
    let write = format!(
        "CREATE TABLE gen (symbol STRING, id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '20',
  'fields.symbol.kind' = 'sequence', 'fields.symbol.start' = '1', 'fields.symbol.end' = '20',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20');
CREATE TABLE out_k (symbol STRING, id INT) WITH ({keyed});
INSERT INTO out_k SELECT symbol, id FROM gen;"
    );
    run_job(&write, job_opts(&dir));
    let raw = client(&bs, &["consume-verbose", &t, "100", "5"]);
    let mut n = 0;
    for l in raw.lines() {
        let mut f = l.splitn(3, '\t');
        let (_, key, value) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        let v: serde_json::Value = serde_json::from_str(value).unwrap();
        assert!(v.get("symbol").is_none(), "the value leaves the key out: {l}");
        assert_eq!(key, v["id"].to_string(), "{l}");
        n += 1;
    }
    assert_eq!(n, 20);
    let read = format!(
        "CREATE TABLE in_k (symbol STRING, id INT) WITH ({keyed}, 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset');
CREATE TABLE back (symbol STRING, id INT) WITH ('connector' = 'filesystem', 'path' = 'back', 'format' = 'json');
INSERT INTO back SELECT symbol, id FROM in_k;"
    );
    run_job(&read, job_opts(&dir));
    let mut rows: Vec<String> = std::fs::read_dir(dir.join("back"))
        .unwrap()
        .flat_map(|e| {
            std::fs::read_to_string(e.unwrap().path())
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    rows.sort();
    assert_eq!(rows.len(), 20);
    for r in rows {
        let v: serde_json::Value = serde_json::from_str(&r).unwrap();
        assert_eq!(
            v["symbol"].as_str().map(str::to_string),
            Some(v["id"].to_string()),
            "{r}"
        );
    }
}

/// `2025-07-01` plus `secs` seconds after 09:00:00, as `yyyy-MM-dd HH:mm:ss`.
fn clock(secs: u64) -> String {
    let s = 9 * 3600 + secs;
    format!("2025-07-01 {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `trades` trades and `news` news summaries of 20 symbols over two hours, each symbol's
/// in event-time order (so no row is late, whatever the partitions' interleaving).
fn write_chaos_inputs(dir: &Path, rng: &mut Rng, trades: u64, news: u64) -> (PathBuf, PathBuf) {
    const SPAN: u64 = 2 * 3600;
    let symbol = |rng: &mut Rng| format!("S{:02}", rng.range(0, 20));
    let mut t = String::new();
    for k in 0..trades {
        t.push_str(&format!(
            "{{\"symbol\": \"{}\", \"stock_time\": \"{}\", \"price\": {}.{}, \"volume\": {}}}\n",
            symbol(rng),
            clock(k * SPAN / trades),
            rng.range(50, 500),
            rng.range(0, 100),
            rng.range(1, 1000)
        ));
    }
    let mut n = String::new();
    for k in 0..news {
        let sym = symbol(rng);
        n.push_str(&format!(
            "{{\"symbol\": \"{sym}\", \"news_id\": {}, \"event_time\": \"{}.000\", \"summary\": \"{sym} story {k}\"}}\n",
            1000 + k,
            clock(k * SPAN / news + rng.range(0, SPAN / news))
        ));
    }
    let (tp, np) = (dir.join("trades.jsonl"), dir.join("news.jsonl"));
    std::fs::write(&tp, t).unwrap();
    std::fs::write(&np, n).unwrap();
    (tp, np)
}

/// The committed rows of a filesystem sink's directory (`part-*` files), sorted.
fn committed_rows(out: &Path) -> Vec<String> {
    let mut rows = Vec::new();
    for e in std::fs::read_dir(out).unwrap_or_else(|e| panic!("{}: {e}", out.display())) {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.starts_with("part-") {
            continue;
        }
        rows.extend(
            std::fs::read_to_string(e.path())
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        );
    }
    rows.sort();
    rows
}

/// How far the newest checkpoint in `dir` is: the sum of its sources' Kafka offsets
/// (0: no checkpoint yet).
fn checkpoint_progress(dir: &Path) -> i64 {
    let newest = std::fs::read_dir(dir).ok().and_then(|d| {
        d.filter_map(|e| {
            let name = e.ok()?.file_name().to_str()?.to_string();
            Some((name.strip_prefix("chk-")?.parse::<u64>().ok()?, name))
        })
        .max()
    });
    let Some((_, name)) = newest else { return 0 };
    let Ok(text) = std::fs::read_to_string(dir.join(name).join("_metadata")) else {
        return 0;
    };
    let meta: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let mut sum = 0;
    if let Some(sources) = meta["sources"].as_object() {
        for s in sources.values() {
            for o in s["position"]["offsets"].as_array().into_iter().flatten() {
                sum += o[2].as_i64().unwrap_or(0);
            }
        }
    }
    sum
}

/// `newsflow run job.sql` in `dir`, its log in `dir/log-{attempt}`.
fn spawn_run(dir: &Path, attempt: u32) -> Child {
    newsflow_logged(dir, "job.sql", "600", &format!("log-{attempt}"))
}

/// Kafka sources → interval join + TUMBLE → filesystem sink with checkpoints every 200 ms,
/// killed with SIGKILL at random moments and restarted until it finishes: the committed
/// rows are exactly those of an undisturbed run, and the last run reads only what the
/// checkpoint it restored had not handed out (the sources resume at the checkpoint's
/// offsets: attempts alternate between a new consumer group and no group).
#[test]
fn kafka_to_file_survives_sigkill_with_checkpoints() {
    let bs = bootstrap();
    let seed = std::env::var("NEWSFLOW_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("chaos seed: {seed} (rerun with NEWSFLOW_CHAOS_SEED={seed})");
    let mut rng = Rng(seed);
    let (news, stock) = (topic("chaos-news"), topic("chaos-stock"));
    let dir = temp_dir("chaos");
    let (trades_file, news_file) = write_chaos_inputs(&dir, &mut rng, 300_000, 400);
    for t in [&news, &stock] {
        client(&bs, &["create", t, "4"]);
    }
    let n = client(&bs, &["produce", &news, "symbol", news_file.to_str().unwrap()]);
    assert_eq!(n.trim(), "400");
    let n = client(&bs, &["produce", &stock, "symbol", trades_file.to_str().unwrap()]);
    assert_eq!(n.trim(), "300000");

    // The reference: one undisturbed run without checkpoints.
    let reference = dir.join("reference");
    std::fs::create_dir_all(&reference).unwrap();
    let sql = flagship_sql(&news, &stock, None, &format!("chaos-ref-{}", run_id()), "");
    std::fs::write(reference.join("job.sql"), &sql).unwrap();
    let started = Instant::now();
    let status = spawn_run(&reference, 0).wait().unwrap();
    let ref_time = started.elapsed();
    let log = std::fs::read_to_string(reference.join("log-0")).unwrap_or_default();
    assert!(status.success(), "the reference run failed: {log}");
    let expected = committed_rows(&reference.join("out"));
    assert!(!expected.is_empty(), "the reference run wrote no rows: {log}");
    eprintln!("reference: {} rows in {ref_time:?}", expected.len());

    // The same job with checkpoints, killed and restarted.
    let chaos = dir.join("chaos");
    std::fs::create_dir_all(&chaos).unwrap();
    let checkpoints = chaos.join("checkpoints");
    let kills_wanted = rng.range(5, 9);
    let (mut kills, mut attempt) = (0u64, 0u32);
    let final_log = loop {
        assert!(attempt < 60, "no successful run after {attempt} attempts");
        // Even attempts join a new group (its committed offsets never say where to resume:
        // the rebalance callback must), odd ones read without a group (manual assignment).
        let group = format!("chaos-{}-{attempt}", run_id());
        let mut job = flagship_sql(&news, &stock, None, &group, "");
        if attempt % 2 == 1 {
            job = job.replace(&format!("'properties.group.id' = '{group}', "), "");
            assert!(!job.contains("properties.group.id"), "{job}");
        }
        let sql = format!(
            "SET 'execution.checkpointing.interval' = '200 ms';\nSET 'state.checkpoints.dir' = '{}';\n{job}",
            checkpoints.display(),
        );
        std::fs::write(chaos.join("job.sql"), sql).unwrap();
        let before = checkpoint_progress(&checkpoints);
        let mut child = spawn_run(&chaos, attempt);
        // Kill at a random moment once this attempt has checkpointed reading further than
        // where it started (so every attempt makes progress and kills land mid-stream).
        // The moment falls within a share of the undisturbed run's time small enough that
        // the wanted kills come before the input ends, however fast this machine is now.
        let window_ms = (ref_time.as_millis() as u64 / (2 * kills_wanted)).clamp(50, 2000);
        let delay = Duration::from_millis(rng.range(0, window_ms));
        let mut kill_at: Option<Instant> = None;
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if kills < kills_wanted && kill_at.is_none() && checkpoint_progress(&checkpoints) > before {
                kill_at = Some(Instant::now() + delay);
            }
            if kill_at.is_some_and(|k| Instant::now() >= k) {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let log = std::fs::read_to_string(chaos.join(format!("log-{attempt}"))).unwrap_or_default();
        match status {
            None => kills += 1,
            Some(s) if s.success() => break log,
            Some(s) => panic!("attempt {attempt} failed ({s}): {log}"),
        }
        attempt += 1;
    };
    // The last run resumed inside the topics: it read only what the restored checkpoint
    // had not handed out (all of it again means the offsets were not restored).
    let trades_read: u64 = final_log
        .lines()
        .find(|l| l.starts_with("read") && l.ends_with("rows from stock_transaction_source"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no read count for the trades in the last run's log: {final_log}"));
    eprintln!(
        "chaos: {kills} kills, {} runs (seed {seed}); the last read {trades_read} of 300000 trades; reference {} rows",
        attempt + 1,
        expected.len()
    );
    assert!(kills >= 5, "only {kills} kills before the job finished (seed {seed})");
    assert!(
        trades_read < 300_000,
        "the last run read every trade again: it did not resume at the checkpoint's offsets (seed {seed})"
    );
    let got = committed_rows(&chaos.join("out"));
    if got != expected {
        let first = got.iter().zip(&expected).position(|(a, b)| a != b);
        panic!(
            "seed {seed}: {} rows after {kills} kills, {} in the reference; first difference at sorted row {first:?}: {:?} vs {:?}",
            got.len(),
            expected.len(),
            first.map(|i| &got[i]),
            first.map(|i| &expected[i]),
        );
    }
}
