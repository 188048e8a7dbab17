//! End-to-end pipeline tests: the golden cases Apache Flink 2.3 produced, bad input routed
//! to dead letters, and the flagship join's state staying bounded on a long stream.

use std::path::{Path, PathBuf};
use std::process::Command;

use newsflow_runtime::{Job, JobOptions, JobReport};

fn golden_dir() -> PathBuf {
    Path::new(&manifest_dir()).join("../../../shared/golden")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            if e.file_name() != "out" {
                copy_dir(&p, &to.join(e.file_name()));
            }
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("newsflow-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run_in(dir: &Path, sql: &str, batch_size: usize) -> JobReport {
    let opts = JobOptions {
        base_dir: dir.to_path_buf(),
        batch_size,
        ..Default::default()
    };
    let mut job = Job::build(sql, opts).unwrap_or_else(|e| panic!("build failed: {e}"));
    job.run().unwrap_or_else(|e| panic!("run failed: {e}"))
}

fn golden(case: &str) {
    let src = golden_dir().join(case);
    assert!(
        src.exists(),
        "golden case {} not found (shared/ must sit beside the checkout)",
        src.display()
    );
    // Batch sizes change how watermarks interleave with rows; the result must not change.
    for batch in [1, 7, 1024] {
        let dir = temp_dir(&format!("{case}-{batch}"));
        copy_dir(&src, &dir);
        let sql = std::fs::read_to_string(dir.join("case.sql")).unwrap();
        let report = run_in(&dir, &sql, batch);
        assert_eq!(report.dead_letter_total(), 0, "{case}: unexpected dead letters");
        let out = Command::new("python3")
            .arg(golden_dir().join("compare.py"))
            .arg(dir.join("expected.jsonl"))
            .arg(dir.join("out"))
            .output()
            .expect("python3 must be installed to run compare.py");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{case} (batch {batch}) differs from Flink:\n{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn golden_flagship_small() {
    golden("flagship_small");
}

#[test]
fn golden_flagship_bounds() {
    golden("flagship_bounds");
}

#[test]
fn golden_sensor_hop() {
    golden("sensor_hop");
}

#[test]
fn the_source_documents_insert_runs_unchanged_with_an_implicit_int_to_string_cast() {
    // Flink 2.3 refuses n.news_id (INT) into news_id STRING; newsflow accepts the safe cast.
    let src = golden_dir().join("flagship_small");
    let dir = temp_dir("implicit-cast");
    copy_dir(&src, &dir);
    let sql = std::fs::read_to_string(dir.join("case.sql"))
        .unwrap()
        .replace("CAST(n.news_id AS STRING) AS news_id", "n.news_id");
    run_in(&dir, &sql, 1024);
    let out = Command::new("python3")
        .arg(golden_dir().join("compare.py"))
        .arg(dir.join("expected.jsonl"))
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

const STOCK_DDL: &str = "CREATE TABLE stock (
  symbol STRING, stock_time STRING, price DOUBLE, volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');
CREATE TABLE result (symbol STRING, n BIGINT, v INT, ws TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
INSERT INTO result SELECT symbol, COUNT(*), SUM(volume), TUMBLE_START(event_time, INTERVAL '1' MINUTE)
FROM stock GROUP BY symbol, TUMBLE(event_time, INTERVAL '1' MINUTE);";

#[test]
fn bad_records_go_to_dead_letters_with_a_reason_and_the_job_goes_on() {
    let dir = temp_dir("dead-letters");
    let input = [
        r#"{"symbol": "AAPL", "stock_time": "2025-07-01 09:00:01", "price": 1.5, "volume": 10}"#,
        r#"{"symbol": "AAPL", "stock_time": "2025-07-01 09:00:02", "price": 1.5"#, // truncated
        r#"{"symbol": "AAPL", "price": 1.5, "volume": 3}"#,                        // no stock_time
        r#"{"symbol": "AAPL", "stock_time": "2025-07-01 25:00:00", "price": 1.5, "volume": 3}"#, // bad hour
        r#"{"symbol": "AAPL", "stock_time": "2025-07-01 09:00:03", "price": "cheap", "volume": 3}"#, // bad type
        r#"{"symbol": "AAPL", "stock_time": "2025-07-01 09:00:04", "price": 2.5, "volume": 20}"#,
    ];
    std::fs::write(dir.join("in.jsonl"), input.join("\n")).unwrap();
    let report = run_in(&dir, STOCK_DDL, 1024);
    assert_eq!(report.dead_letter_total(), 4);
    let dl = std::fs::read_to_string(dir.join("dead-letter/stock.jsonl")).unwrap();
    let lines: Vec<&str> = dl.lines().collect();
    assert_eq!(lines.len(), 4, "{dl}");
    assert!(
        lines[0].contains("malformed JSON") && lines[0].contains("in.jsonl:2"),
        "{}",
        lines[0]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("cannot read string value \\\"cheap\\\" as DOUBLE")),
        "{dl}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("event time `event_time` is NULL"))
            .count(),
        2,
        "{dl}"
    );
    // `stock_time` is dropped after the scan (nothing downstream reads it), but a row that
    // goes to the dead letters keeps every column as it arrived.
    assert!(
        lines.iter().any(|l| l.contains("2025-07-01 25:00:00")),
        "the unparsable stock_time must be in its dead letter: {dl}"
    );
    let opts = JobOptions {
        base_dir: dir.clone(),
        ..Default::default()
    };
    let explained = Job::build(STOCK_DDL, opts).unwrap().explain();
    assert!(explained.contains("dropped after the scan: stock_time"), "{explained}");
    // The good rows still produce their window.
    let out: String = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(
        out.trim(),
        r#"{"symbol":"AAPL","n":2,"v":30,"ws":"2025-07-01 09:00:00"}"#
    );
}

#[test]
fn late_rows_are_counted_not_silently_dropped() {
    let dir = temp_dir("late");
    let input = [
        r#"{"symbol": "A", "stock_time": "2025-07-01 09:00:10", "price": 1, "volume": 1}"#,
        r#"{"symbol": "A", "stock_time": "2025-07-01 09:02:00", "price": 1, "volume": 1}"#,
        // the watermark is now 09:01:55: the 09:00 window has fired, so this row is late
        r#"{"symbol": "A", "stock_time": "2025-07-01 09:00:20", "price": 1, "volume": 1}"#,
    ];
    std::fs::write(dir.join("in.jsonl"), input.join("\n")).unwrap();
    let report = run_in(&dir, STOCK_DDL, 1);
    assert_eq!(report.late_rows(), 1);
}

#[test]
fn flagship_state_stays_bounded_over_24_hours_of_trades() {
    // 24 h of trades at 4/s (345 600 trades) around the clock, 200 news items, through the
    // source documents' two jobs. Join state must stay within what the 15-minute join range
    // needs (trades of the last 5 min + watermark delay), not grow with the stream.
    let dir = temp_dir("state-bound");
    let sql = r#"
CREATE TABLE news_stream_source (symbol STRING, news_id INT, news_time STRING, news_content STRING,
  event_time AS TO_TIMESTAMP(news_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND)
WITH ('connector' = 'datagen', 'generator' = 'news', 'seed' = '7', 'days' = '1', 'news-per-day' = '200',
      'start' = '2025-07-01 00:00:00', 'market-open' = '00:00', 'market-close' = '23:59:59');
CREATE TABLE stock_transaction_source (symbol STRING, stock_time STRING, price DOUBLE, volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND)
WITH ('connector' = 'datagen', 'generator' = 'stock', 'seed' = '7', 'days' = '1', 'rate' = '4',
      'news-per-day' = '200', 'start' = '2025-07-01 00:00:00', 'market-open' = '00:00', 'market-close' = '23:59:59', 'max-out-of-order-ms' = '2000');
CREATE TABLE news_summary_sink (symbol STRING, news_id INT, event_time TIMESTAMP(3), summary STRING)
WITH ('connector' = 'topic', 'topic' = 'n-summary', 'format' = 'json');
CREATE TABLE news_summary_source (symbol STRING, news_id INT, event_time TIMESTAMP(3), summary STRING,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND)
WITH ('connector' = 'topic', 'topic' = 'n-summary', 'format' = 'json');
CREATE TABLE news_result_sink (symbol STRING, news_id STRING, news_time TIMESTAMP(3), summary STRING,
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), avg_price DOUBLE, avg_volume DOUBLE, event_count BIGINT)
WITH ('connector' = 'blackhole');
INSERT INTO news_summary_sink SELECT symbol, news_id, event_time, analyze_news(news_content) FROM news_stream_source;
INSERT INTO news_result_sink
SELECT n.symbol, n.news_id, n.event_time, n.summary,
  TUMBLE_START(s.event_time, INTERVAL '1' MINUTE), TUMBLE_END(s.event_time, INTERVAL '1' MINUTE),
  AVG(s.price), AVG(s.volume), COUNT(*)
FROM news_summary_source n JOIN stock_transaction_source s ON n.symbol = s.symbol
WHERE s.event_time BETWEEN n.event_time - INTERVAL '5' MINUTE AND n.event_time + INTERVAL '10' MINUTE
GROUP BY n.symbol, n.news_id, n.event_time, n.summary, TUMBLE(s.event_time, INTERVAL '1' MINUTE);
"#;
    let report = run_in(&dir, sql, 256);
    let trades = report
        .rows_read
        .iter()
        .find(|(t, _)| t == "stock_transaction_source")
        .map(|r| r.1)
        .unwrap();
    assert!(trades > 300_000, "only {trades} trades generated");
    // Trades are cached while a future news item could still match them: 5 min of trades
    // (+5 s watermark delay, +2 s disorder) at 4/s on average ≈ 1 230, plus up to one batch
    // before the watermark moves, plus rate jitter and the few news rows of the last 10 min.
    // Twice the average leaves room for jitter; a leak would be hundreds of thousands.
    let join = report.max_state("IntervalJoinExec");
    assert!(
        join > 4 * 300 / 2,
        "the join held only {join} rows: is it caching trades at all?"
    );
    assert!(join < 2 * 4 * (300 + 5 + 2) + 256, "join state grew to {join} rows");
    // Open windows: each news item has ≤ 16 one-minute windows open, kept ≤ 10 min after
    // their end by the join's watermark delay; a handful of news items overlap.
    let windows = report.max_state("WindowAggregateExec");
    assert!(windows > 0 && windows < 400, "window state grew to {windows}");
    let written = report
        .operators
        .iter()
        .filter(|o| o.operator.starts_with("SinkExec(news_result_sink)"))
        .count();
    assert_eq!(written, 1);
}

/// The crate's directory, read when the test runs: a test binary reused from a build in
/// another checkout (CI shares one target directory) must not look in that checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}
