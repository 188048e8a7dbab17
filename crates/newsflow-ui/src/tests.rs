//! The server against a real job: the API serves every row the job wrote, the reaction
//! curves agree with those rows, `/metrics` after the end equals the job's report, and the
//! token is enforced.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use newsflow_runtime::{Job, JobOptions, JobReport, LiveReport};
use serde_json::Value as Json;

use crate::{start, UiOptions};

/// One day of generated news and trades through the flagship's two statements, into the
/// topics the dashboard reads.
const SQL: &str = r#"
CREATE TABLE news_stream_source (symbol STRING, news_id INT, news_time STRING, news_content STRING,
  event_time AS TO_TIMESTAMP(news_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND)
WITH ('connector' = 'datagen', 'generator' = 'news', 'seed' = '11', 'days' = '1', 'news-per-day' = '60',
      'start' = '2025-07-01 00:00:00', 'market-open' = '09:00', 'market-close' = '12:00');
CREATE TABLE stock_transaction_source (symbol STRING, stock_time STRING, price DOUBLE, volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND)
WITH ('connector' = 'datagen', 'generator' = 'stock', 'seed' = '11', 'days' = '1', 'rate' = '1',
      'news-per-day' = '60', 'start' = '2025-07-01 00:00:00', 'market-open' = '09:00', 'market-close' = '12:00');
CREATE TABLE news_summary_sink (symbol STRING, news_id INT, event_time TIMESTAMP(3), summary STRING)
WITH ('connector' = 'topic', 'topic' = 'n-summary', 'format' = 'json');
CREATE TABLE news_summary_source (symbol STRING, news_id INT, event_time TIMESTAMP(3), summary STRING,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND)
WITH ('connector' = 'topic', 'topic' = 'n-summary', 'format' = 'json');
CREATE TABLE news_result_sink (symbol STRING, news_id STRING, news_time TIMESTAMP(3), summary STRING,
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), avg_price DOUBLE, avg_volume DOUBLE, event_count BIGINT)
WITH ('connector' = 'topic', 'topic' = 'analysis', 'format' = 'json');
INSERT INTO news_summary_sink SELECT symbol, news_id, event_time, analyze_news(news_content) FROM news_stream_source;
INSERT INTO news_result_sink
SELECT n.symbol, n.news_id, n.event_time, n.summary,
  TUMBLE_START(s.event_time, INTERVAL '1' MINUTE), TUMBLE_END(s.event_time, INTERVAL '1' MINUTE),
  AVG(s.price), AVG(s.volume), COUNT(*)
FROM news_summary_source n JOIN stock_transaction_source s ON n.symbol = s.symbol
WHERE s.event_time BETWEEN n.event_time - INTERVAL '5' MINUTE AND n.event_time + INTERVAL '10' MINUTE
GROUP BY n.symbol, n.news_id, n.event_time, n.summary, TUMBLE(s.event_time, INTERVAL '1' MINUTE);
"#;

/// A plain HTTP/1.1 GET: status, headers, body.
fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect to the dashboard");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).expect("a UTF-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    (status, head.to_string(), body.to_string())
}

/// Opens an event stream: its status and what arrived within a moment (the stream does not end).
fn stream_head(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect to the dashboard");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    // Until the first event is complete (the head, then `event: …`, `data: …`, a blank line).
    while !String::from_utf8_lossy(&got).contains("\n\n") {
        let n = s.read(&mut buf).expect("read the event stream");
        assert!(n > 0, "the stream ended early: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    (status, text)
}

fn get_json(addr: SocketAddr, path: &str) -> Json {
    let (status, _, body) = get(addr, path, &[]);
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// `name{labels} value` lines → value by `name{labels}`.
fn parse_prometheus(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line}"));
        let v: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line}"));
        assert!(out.insert(key.to_string(), v).is_none(), "duplicate sample {key}");
    }
    out
}

fn sample(m: &BTreeMap<String, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut key = format!("{name}{{job=\"test\"");
    for (k, v) in labels {
        let v = v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        key.push_str(&format!(",{k}=\"{v}\""));
    }
    key.push('}');
    *m.get(&key).unwrap_or_else(|| panic!("no sample {key}"))
}

fn run_job() -> (crate::Dashboard, JobReport) {
    let live = LiveReport::new(Duration::from_millis(50));
    let opts = JobOptions {
        live_report: Some(live.clone()),
        batch_size: 256,
        ..Default::default()
    };
    let mut job = Job::build(SQL, opts).expect("build the job");
    let ui = start(
        UiOptions {
            port: 0,
            job: "test".into(),
            ..Default::default()
        },
        &job.topics(),
        live,
    )
    .expect("start the dashboard");
    let report = job.run().expect("run the job");
    (ui, report)
}

/// Waits until the dashboard has read what the job wrote (it reads every 200 ms).
fn wait_for_rows(addr: SocketAddr, rows: u64) -> Vec<Json> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let news = get_json(addr, "/api/news?limit=1000");
        let items = news.as_array().unwrap().clone();
        let seen: u64 = items
            .iter()
            .map(|i| {
                let id = i["id"].as_str().unwrap().replace(':', "%3A");
                get_json(addr, &format!("/api/news/{id}/minutes"))["rows"]
                    .as_array()
                    .unwrap()
                    .len() as u64
            })
            .sum();
        if seen == rows || Instant::now() > deadline {
            assert_eq!(seen, rows, "the API holds {seen} minute rows, the job wrote {rows}");
            return items;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_api_serves_what_the_job_wrote_and_metrics_equal_its_report() {
    let (ui, report) = run_job();
    let addr = ui.addr();
    let written = |p: &str| {
        report
            .rows_written
            .iter()
            .find(|(n, _)| n.contains(p))
            .map(|r| r.1)
            .unwrap()
    };
    let analysis_rows = written("news_result_sink");
    let news_rows = written("news_summary_sink");
    assert!(
        analysis_rows > 100,
        "only {analysis_rows} analysis rows: the test needs more"
    );

    // Every news item, every minute row.
    let items = wait_for_rows(addr, analysis_rows);
    assert_eq!(items.len() as u64, news_rows);
    for i in &items {
        assert!(
            ["good", "bad", "neutral"].contains(&i["label"].as_str().unwrap()),
            "{i}"
        );
        assert!(!i["summary"].as_str().unwrap().is_empty(), "{i}");
    }

    // The reaction curves are the mean returns of those rows against minute −1.
    let mut sums: BTreeMap<(String, i64), (f64, u64)> = BTreeMap::new();
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for i in &items {
        let id = i["id"].as_str().unwrap().replace(':', "%3A");
        let rows = get_json(addr, &format!("/api/news/{id}/minutes"))["rows"]
            .as_array()
            .unwrap()
            .clone();
        let Some(reference) = rows
            .iter()
            .find(|r| r["minute"] == -1)
            .map(|r| r["avg_price"].as_f64().unwrap())
        else {
            continue;
        };
        let label = i["label"].as_str().unwrap().to_string();
        *counted.entry(label.clone()).or_default() += 1;
        for r in &rows {
            let e = sums.entry((label.clone(), r["minute"].as_i64().unwrap())).or_default();
            e.0 += r["avg_price"].as_f64().unwrap() / reference - 1.0;
            e.1 += 1;
        }
    }
    let reaction = get_json(addr, "/api/reaction");
    for label in ["good", "bad", "neutral"] {
        assert_eq!(
            reaction[label]["items"].as_u64().unwrap(),
            counted.get(label).copied().unwrap_or(0),
            "{label}"
        );
        for p in reaction[label]["points"].as_array().unwrap() {
            let k = p["minute"].as_i64().unwrap();
            match sums.get(&(label.to_string(), k)) {
                Some((total, n)) => {
                    assert_eq!(p["n"].as_u64().unwrap(), *n);
                    assert!(
                        (p["mean_return"].as_f64().unwrap() - total / *n as f64).abs() < 1e-12,
                        "{label} {k}"
                    );
                }
                None => assert!(p["mean_return"].is_null(), "{label} {k}: {p}"),
            }
        }
    }
    assert!(counted.values().sum::<u64>() > 10, "{counted:?}");
    eprintln!("{news_rows} news items, {analysis_rows} minute rows, items per curve {counted:?}");

    // /metrics shows the final report, figure for figure.
    let (status, head, text) = get(addr, "/metrics", &[]);
    assert_eq!(status, 200);
    assert!(head.contains("text/plain"), "{head}");
    let m = parse_prometheus(&text);
    assert_eq!(sample(&m, "newsflow_job_finished", &[]), 1.0);
    for (table, n) in &report.rows_read {
        assert_eq!(
            sample(&m, "newsflow_source_rows_read_total", &[("table", table)]),
            *n as f64
        );
    }
    for (p, n) in &report.rows_written {
        assert_eq!(
            sample(&m, "newsflow_sink_rows_written_total", &[("pipeline", p)]),
            *n as f64
        );
    }
    for o in &report.operators {
        let l = [
            ("pipeline", o.pipeline.as_str()),
            ("operator", o.operator.as_str()),
            ("id", o.id.as_str()),
        ];
        assert_eq!(
            sample(&m, "newsflow_operator_rows_in_total", &l),
            o.rows_in as f64,
            "{}",
            o.id
        );
        assert_eq!(
            sample(&m, "newsflow_operator_rows_out_total", &l),
            o.rows_out as f64,
            "{}",
            o.id
        );
        assert_eq!(
            sample(&m, "newsflow_operator_late_rows_total", &l),
            o.late_rows as f64,
            "{}",
            o.id
        );
        assert_eq!(
            sample(&m, "newsflow_operator_max_state_rows", &l),
            o.max_state as f64,
            "{}",
            o.id
        );
    }
    let rows_in: f64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("newsflow_operator_rows_in_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(rows_in, report.operators.iter().map(|o| o.rows_in).sum::<u64>() as f64);
    assert!(rows_in > 0.0);
    assert_eq!(
        sample(&m, "newsflow_checkpoints_total", &[]),
        report.checkpoints.completed as f64
    );

    // A page that connects first gets the whole state: the same items as the API.
    let (status, text) = stream_head(addr, "/api/events", &[]);
    assert_eq!(status, 200);
    assert!(text.contains("text/event-stream"), "{text}");
    let state: Json = text
        .lines()
        .skip_while(|l| *l != "event: state")
        .nth(1)
        .and_then(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).expect("the state is JSON"))
        .expect("a state event first");
    let ids = |v: &Json| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&state["news"]), ids(&get_json(addr, "/api/news?limit=1000")));
    assert_eq!(state["reaction"], reaction);
    assert_eq!(state["pipeline"]["finished"], true);

    // The pipeline view says the same, and that the job has finished.
    let p = get_json(addr, "/api/pipeline");
    assert_eq!(p["finished"], true);
    assert_eq!(p["operators"].as_array().unwrap().len(), report.operators.len());
    assert_eq!(p["late_rows"].as_u64().unwrap(), report.late_rows());

    // The page and its assets come from the binary.
    let (status, _, html) = get(addr, "/", &[]);
    assert_eq!(status, 200);
    assert!(html.contains("/assets/uPlot.iife.min.js") && !html.contains("https://"));
    let (status, head, js) = get(addr, "/assets/uPlot.iife.min.js", &[]);
    assert_eq!(status, 200, "{head}");
    assert!(js.len() > 40_000 && js.contains("uPlot"));
    assert_eq!(get(addr, "/assets/nope.js", &[]).0, 404);
    assert_eq!(get(addr, "/api/news/nope/minutes", &[]).0, 404);
}

#[test]
fn off_loopback_needs_a_token_and_the_token_is_checked() {
    let topics = newsflow_connectors::Topics::default();
    let live = LiveReport::new(Duration::from_millis(50));
    let open = UiOptions {
        bind: [0, 0, 0, 0].into(),
        port: 0,
        ..Default::default()
    };
    let err = start(open, &topics, live.clone())
        .err()
        .expect("refused without a token");
    assert!(err.to_string().contains("token"), "{err}");

    let ui = start(
        UiOptions {
            port: 0,
            token: Some("s3cret".into()),
            ..Default::default()
        },
        &topics,
        live,
    )
    .unwrap();
    let addr = ui.addr();
    assert_eq!(get(addr, "/api/news", &[]).0, 401);
    assert_eq!(get(addr, "/metrics", &[]).0, 401);
    assert_eq!(get(addr, "/", &[("Authorization", "Bearer wrong")]).0, 401);
    assert_eq!(get(addr, "/healthz", &[]).0, 200);
    assert_eq!(get(addr, "/api/news", &[("Authorization", "Bearer s3cret")]).0, 200);
    // With a token, any Host name is fine (the token is the check).
    assert_eq!(
        get(
            addr,
            "/api/news",
            &[("Host", "dashboard.example"), ("Authorization", "Bearer s3cret")]
        )
        .0,
        200
    );
    let (status, head, _) = get(addr, "/?token=s3cret", &[]);
    assert_eq!(status, 200);
    assert!(head.contains("newsflow_token=s3cret; HttpOnly"), "{head}");
    let (status, head) = stream_head(addr, "/api/events", &[("Cookie", "a=b; newsflow_token=s3cret")]);
    assert_eq!(status, 200, "{head}");
}

#[test]
fn without_a_token_only_loopback_host_names_are_answered() {
    let ui = start(
        UiOptions {
            port: 0,
            ..Default::default()
        },
        &newsflow_connectors::Topics::default(),
        LiveReport::new(Duration::from_millis(50)),
    )
    .unwrap();
    let addr = ui.addr();
    let port = addr.port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "localhost".into(),
    ] {
        assert_eq!(get(addr, "/api/news", &[("Host", host.as_str())]).0, 200, "{host}");
    }
    // A page of another site whose name resolves here (DNS rebinding) gets nothing.
    for host in [format!("evil.example:{port}"), "127.0.0.1.evil.example".to_string()] {
        assert_eq!(get(addr, "/api/news", &[("Host", host.as_str())]).0, 403, "{host}");
        assert_eq!(get(addr, "/metrics", &[("Host", host.as_str())]).0, 403, "{host}");
    }
    assert_eq!(get(addr, "/healthz", &[("Host", "evil.example")]).0, 200);
}

/// An open `/api/events` stream (HTTP/1.0, so the body is the events as written).
struct Events {
    s: TcpStream,
    buf: String,
}

impl Events {
    fn open(addr: SocketAddr) -> Events {
        let mut s = TcpStream::connect(addr).expect("connect to the dashboard");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        write!(s, "GET /api/events HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut e = Events { s, buf: String::new() };
        let head = e.until("\r\n\r\n");
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{head}"
        );
        e
    }

    /// Reads up to and including `end`; returns what came before it.
    fn until(&mut self, end: &str) -> String {
        let mut chunk = [0u8; 65536];
        loop {
            if let Some(i) = self.buf.find(end) {
                let out = self.buf[..i].to_string();
                self.buf.drain(..i + end.len());
                return out;
            }
            let n = self.s.read(&mut chunk).expect("read the event stream");
            assert!(n > 0, "the event stream ended");
            self.buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    }

    /// The next event: its kind and data (keep-alive comments skipped).
    fn next(&mut self) -> (String, Json) {
        loop {
            let block = self.until("\n\n");
            let mut kind = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(k) = line.strip_prefix("event:") {
                    kind = k.trim().to_string();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.strip_prefix(' ').unwrap_or(d));
                }
            }
            if !kind.is_empty() {
                let v = serde_json::from_str(&data).unwrap_or_else(|e| panic!("{kind}: {e}: {data}"));
                return (kind, v);
            }
        }
    }
}

/// A bounded job with a bare SELECT, its rows also collected from the sink the job chose.
const QUERY_SQL: &str = "
CREATE TABLE sensor_data (sensor_id INT, reading DOUBLE) WITH ('connector' = 'datagen',
  'number-of-rows' = '3000', 'fields.sensor_id.kind' = 'sequence', 'fields.sensor_id.start' = '1',
  'fields.sensor_id.end' = '3000', 'fields.reading.min' = '10', 'fields.reading.max' = '20');
SELECT sensor_id, CAST(sensor_id AS STRING) AS name, reading * 2 AS doubled FROM sensor_data;
";

/// Rows equal, numbers to 1e-12 relative (JSON text read back may differ in the last digit).
fn same_row(a: &Json, b: &Json) -> bool {
    let (Some(a), Some(b)) = (a.as_array(), b.as_array()) else {
        return false;
    };
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
            _ => x == y,
        })
}

struct Collect(std::sync::Arc<std::sync::Mutex<Vec<newsflow_common::Row>>>);

impl newsflow_connectors::Sink for Collect {
    fn write(&mut self, rows: &[newsflow_common::Row]) -> newsflow_common::Result<()> {
        self.0.lock().unwrap().extend(rows.iter().cloned());
        Ok(())
    }
    fn finish(&mut self) -> newsflow_common::Result<()> {
        Ok(())
    }
}

#[test]
fn a_bare_selects_rows_are_served_live_and_the_newest_are_kept() {
    let board = crate::QueryBoard::new();
    let rows = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let collected = rows.clone();
    let live = LiveReport::new(Duration::from_millis(50));
    let opts = JobOptions {
        live_report: Some(live.clone()),
        batch_size: 128,
        query_output: Some(Box::new(move |_: &newsflow_common::Schema| {
            Box::new(Collect(collected.clone())) as Box<dyn newsflow_connectors::Sink>
        })),
        query_watch: Some(board.watch()),
        ..Default::default()
    };
    let mut job = Job::build(QUERY_SQL, opts).expect("build the job");
    let ui = start(
        UiOptions {
            port: 0,
            job: "test".into(),
            queries: board,
            ..Default::default()
        },
        &job.topics(),
        live,
    )
    .unwrap();
    let addr = ui.addr();
    // A page open before the job runs: the query is there, without rows yet.
    let mut events = Events::open(addr);
    let (kind, state) = events.next();
    assert_eq!(kind, "state");
    assert_eq!(state["queries"][0]["name"], "SELECT (line 5)");
    assert_eq!(state["queries"][0]["total"], 0);
    let cols: Vec<&str> = state["queries"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["INT", "STRING", "DOUBLE"]);
    job.run().expect("run the job");

    let written = rows.lock().unwrap().clone();
    assert_eq!(written.len(), 3000, "the chosen sink got every row");
    let expect: Vec<Json> = written[3000 - crate::queries::MAX_QUERY_ROWS..]
        .iter()
        .map(|r| Json::Array(r.iter().map(crate::queries::cell).collect()))
        .collect();
    let api = get_json(addr, "/api/queries");
    assert_eq!(api[0]["total"], 3000);
    assert_eq!(api[0]["finished"], true);
    assert_eq!(api[0]["first_seq"], 2501);
    let api_rows = api[0]["rows"].as_array().unwrap();
    assert_eq!(api_rows.len(), expect.len());
    assert!(
        api_rows.iter().zip(&expect).all(|(a, b)| same_row(a, b)),
        "/api/queries: not the newest rows"
    );

    // The stream: numbered rows that end with the last one, then the end.
    let mut last_seq = 0u64;
    let mut tail: Vec<Json> = Vec::new();
    loop {
        let (kind, ev) = events.next();
        if kind != "rows" {
            continue;
        }
        let first = ev["first_seq"].as_u64().unwrap();
        assert!(first > last_seq, "rows sent twice: {first} after {last_seq}");
        let batch = ev["rows"].as_array().unwrap();
        last_seq = first + batch.len() as u64 - 1;
        tail.extend(batch.iter().cloned());
        if ev["finished"] == true {
            break;
        }
    }
    assert_eq!(last_seq, 3000);
    let tail = &tail[tail.len() - 500..];
    let differ = tail.iter().zip(&expect).position(|(a, b)| !same_row(a, b));
    assert!(
        differ.is_none(),
        "row {differ:?}: {:?}",
        differ.map(|i| (&tail[i], &expect[i]))
    );
}

#[test]
fn a_page_that_falls_behind_gets_the_whole_state_again_not_a_backlog() {
    // 30 000 news items: the dashboard reads 10 000 a tick, more than the 4 096 events a
    // page may fall behind, while the page reads nothing.
    let sql = "
CREATE TABLE src (news_id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '30000',
  'fields.news_id.kind' = 'sequence', 'fields.news_id.start' = '1', 'fields.news_id.end' = '30000');
CREATE TABLE news_summary_sink (symbol STRING, news_id INT, event_time TIMESTAMP(3), summary STRING)
WITH ('connector' = 'topic', 'topic' = 'n-summary', 'format' = 'json');
INSERT INTO news_summary_sink
SELECT 'AAA', news_id, TIMESTAMP '2025-07-01 10:00:00', '{\"label\": \"good\", \"summary\": \"s\"}' FROM src;
";
    let live = LiveReport::new(Duration::from_millis(50));
    let opts = JobOptions {
        live_report: Some(live.clone()),
        ..Default::default()
    };
    let mut job = Job::build(sql, opts).expect("build the job");
    let ui = start(
        UiOptions {
            port: 0,
            ..Default::default()
        },
        &job.topics(),
        live,
    )
    .unwrap();
    let mut events = Events::open(ui.addr());
    assert_eq!(events.next().0, "state");
    job.run().expect("run the job");
    let (mut news_events, mut states) = (0u64, Vec::new());
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let (kind, ev) = events.next();
        match kind.as_str() {
            "news" => news_events += 1,
            "state" => states.push(ev),
            _ => {}
        }
        let newest = states.last().map(|s| s["news"][0]["news_id"].clone());
        if newest == Some(Json::from("30000")) {
            break;
        }
    }
    assert!(
        !states.is_empty(),
        "no state again after falling behind ({news_events} news events)"
    );
    assert!(news_events < 30_000, "{news_events} news events: the whole backlog");
    let last = states.last().unwrap();
    assert_eq!(last["news"].as_array().unwrap().len(), crate::model::MAX_NEWS);
    assert_eq!(
        last["news"][0]["news_id"], "30000",
        "the state ends with the newest item"
    );
    let api = get_json(ui.addr(), "/api/news?limit=1000");
    assert_eq!(api.as_array().unwrap().len(), crate::model::MAX_NEWS);
}
