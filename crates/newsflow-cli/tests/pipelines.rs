//! End-to-end pipeline tests: the golden cases Apache Flink 2.3 produced, bad input routed
//! to dead letters, the flagship join's state staying bounded on a long stream, and news
//! analysis through an LLM provider (a local OpenAI-compatible server, `support/`): input
//! order, the held watermark, end of input, the demo's `--llm` switch, and the benchmark
//! of the asynchronous operator (ignored; run with `--release -- --ignored`).

#[path = "pipelines/dashboard.rs"]
mod dashboard;
#[path = "pipelines/impact.rs"]
mod impact;
#[path = "pipelines/progress.rs"]
mod progress;
#[path = "common/rng.rs"]
mod rng;
mod support;

use rng::Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use newsflow_runtime::{Job, JobOptions, JobReport};
use support::{dead_endpoint, label_for, summary_for, Delay, MockOpenAi};

fn golden_dir() -> PathBuf {
    Path::new(&manifest_dir()).join("../../tests/golden")
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
    run_with(
        sql,
        JobOptions {
            base_dir: dir.to_path_buf(),
            batch_size,
            ..Default::default()
        },
    )
}

fn run_with(sql: &str, opts: JobOptions) -> JobReport {
    let mut job = Job::build(sql, opts).unwrap_or_else(|e| panic!("build failed: {e}"));
    job.run().unwrap_or_else(|e| panic!("run failed: {e}"))
}

fn golden(case: &str) {
    golden_runs(case);
    golden_through_crashes(case, "local", "SET 'state.checkpoints.dir' = 'checkpoints';");
}

/// A golden case at several batch sizes (without the crash runs, which need an input long
/// enough for six checkpoints).
fn golden_runs(case: &str) {
    let src = golden_dir().join(case);
    assert!(
        src.exists(),
        "golden case {} not found (scripts/refresh-golden copies it into tests/golden)",
        src.display()
    );
    // Batch sizes change how watermarks interleave with rows; the result must not change.
    for batch in [1, 7, 1024] {
        let dir = temp_dir(&format!("{case}-{batch}"));
        copy_dir(&src, &dir);
        let sql = std::fs::read_to_string(dir.join("case.sql")).unwrap();
        let report = run_in(&dir, &sql, batch);
        assert_eq!(report.dead_letter_total(), 0, "{case}: unexpected dead letters");
        compare_with_flink(case, &dir, &format!("batch {batch}"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Compare a case's `out/` with Flink's rows.
fn compare_with_flink(case: &str, dir: &Path, what: &str) {
    let out = Command::new("python3")
        .arg(golden_dir().join("compare.py"))
        .arg(dir.join("expected.jsonl"))
        .arg(dir.join("out"))
        .output()
        .expect("python3 must be installed to run compare.py");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{case} ({what}) differs from Flink:\n{text}");
}

/// The run-twice test (Arroyo's smoke-test idea, with crashes). With a checkpoint every
/// 2 ms, an undisturbed run takes N checkpoints and gives Flink's rows. Then, in a fresh
/// copy, the job "crashes" right after checkpoint N/3 is published but before its files
/// are committed; the restarted job restores it and crashes again a few loops after
/// checkpoint 2N/3 (files written after that checkpoint are left in progress); a third
/// run restores and finishes. The committed files must hold exactly Flink's rows: nothing
/// lost, nothing twice. `location` SETs where checkpoints go; `{run}` in it becomes the
/// run's directory name, so the two runs use separate checkpoints.
/// The crash tests take a checkpoint every this many executor loops (not every few
/// milliseconds), so where they crash does not depend on how busy the machine is.
const CHECKPOINT_EVERY_LOOPS: u32 = 40;

fn golden_through_crashes(case: &str, tag: &str, location: &str) {
    golden_through_crashes_with(case, tag, location, &|_, sql| sql, &|case, dir, what| {
        compare_with_flink(case, dir, what)
    });
}

/// [`golden_through_crashes`] with the case's SQL edited (`edit(dir, sql)`) and its output
/// checked by `check(case, dir, what)`.
type EditSql<'a> = &'a dyn Fn(&Path, String) -> String;
type CheckOut<'a> = &'a dyn Fn(&str, &Path, &str);

fn golden_through_crashes_with(case: &str, tag: &str, location: &str, edit: EditSql, check: CheckOut) {
    through_crashes_from(&golden_dir().join(case), case, tag, location, edit, check);
}

/// [`golden_through_crashes_with`] for a case directory `src` anywhere (one a test made).
fn through_crashes_from(src: &Path, case: &str, tag: &str, location: &str, edit: EditSql, check: CheckOut) {
    let sql = |dir: &Path| {
        let case_sql = edit(dir, std::fs::read_to_string(dir.join("case.sql")).unwrap());
        format!(
            "SET 'execution.checkpointing.interval' = '2 ms';\n{}\n{case_sql}",
            location.replace("{run}", &dir.file_name().unwrap().to_string_lossy()),
        )
    };
    let dir = temp_dir(&format!("{case}-{tag}-checkpointed"));
    copy_dir(src, &dir);
    let opts = |dir: &Path| JobOptions {
        base_dir: dir.to_path_buf(),
        batch_size: 7,
        checkpoint_every_loops: Some(CHECKPOINT_EVERY_LOOPS),
        ..Default::default()
    };
    let report = run_with(&sql(&dir), opts(&dir));
    check(case, &dir, "with checkpoints");
    let n = report.checkpoints.completed;
    assert!(n >= 6, "{case}: only {n} checkpoints in a whole run");
    let _ = std::fs::remove_dir_all(&dir);

    let dir = temp_dir(&format!("{case}-{tag}-crash"));
    copy_dir(src, &dir);
    let sql = sql(&dir);
    for crash in [(n / 3, 0), (2 * n / 3, 4)] {
        let opts = JobOptions {
            crash_after_checkpoint: Some(crash),
            ..opts(&dir)
        };
        let mut job = Job::build(&sql, opts).unwrap_or_else(|e| panic!("build failed: {e}"));
        match job.run() {
            Err(e) if e.to_string().contains(newsflow_runtime::CRASHED) => {}
            Err(e) => panic!("{case}: run failed: {e}"),
            Ok(_) => panic!(
                "{case}: the job ended before checkpoint {} (of {n} in a whole run)",
                crash.0
            ),
        }
    }
    let report = run_with(&sql, opts(&dir));
    assert!(
        report.checkpoints.restored_from.is_some_and(|id| id >= 2 * n / 3),
        "{case}: did not restore"
    );
    assert_eq!(report.dead_letter_total(), 0, "{case}: unexpected dead letters");
    check(case, &dir, "crashed twice, restored from checkpoints");
    // Nothing is left in progress, and running it again (already finished) adds nothing.
    let leftovers = in_progress_files(&dir.join("out"));
    assert!(leftovers.is_empty(), "{case}: in-progress files left: {leftovers:?}");
    run_with(&sql, opts(&dir));
    check(case, &dir, "run again after it finished");
    let _ = std::fs::remove_dir_all(&dir);
}

/// In-progress files anywhere under `dir`.
fn in_progress_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy().ends_with(".inprogress") {
                found.push(p);
            }
        }
    }
    found
}

/// The flagship case with its sink made an archive: Parquet in `symbol=…/` directories
/// at `path`, each partition announced by a `_SUCCESS` file.
fn as_archive(sql: String, path: &str, extra: &str) -> String {
    let sink =
        "  event_count BIGINT\n) WITH (\n  'connector' = 'filesystem',\n  'path' = 'out',\n  'format' = 'json'\n);";
    assert!(sql.contains(sink), "the case's sink is not the one expected");
    sql.replace(
        sink,
        &format!(
            "  event_count BIGINT\n) PARTITIONED BY (symbol) WITH (\n  'connector' = 'filesystem',\n  'path' = '{path}',\n  \
             'format' = 'parquet',\n  'sink.partition-commit.policy.kind' = 'success-file'{extra}\n);"
        ),
    )
}

/// Read an archive with pyarrow (not newsflow) into `dir/archive.jsonl` and compare it with
/// Flink's rows.
fn compare_archive_with_flink(case: &str, dir: &Path, what: &str, source: &str, endpoint: Option<&str>) {
    let jsonl = dir.join("archive.jsonl");
    let mut cmd = Command::new("python3");
    cmd.arg(Path::new(&manifest_dir()).join("tests/support/archive_to_jsonl.py"))
        .arg(source)
        .arg(&jsonl);
    if let Some(ep) = endpoint {
        cmd.args(["--endpoint", ep]);
    }
    let out = cmd.output().expect("python3 runs");
    assert!(
        out.status.success(),
        "{case} ({what}): pyarrow could not read the archive: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cmp = Command::new("python3")
        .arg(golden_dir().join("compare.py"))
        .arg(dir.join("expected.jsonl"))
        .arg(&jsonl)
        .output()
        .expect("python3 runs compare.py");
    assert!(
        cmp.status.success(),
        "{case} ({what}): the archive read by pyarrow differs from Flink:\n{}",
        String::from_utf8_lossy(&cmp.stdout)
    );
}

/// The flagship's results archived as partitioned Parquet: pyarrow reads Flink's rows
/// from the files, through two crashes and restores, and every partition has its
/// `_SUCCESS` file.
#[test]
fn archive_as_partitioned_parquet_reads_back_in_pyarrow_through_crashes() {
    golden_through_crashes_with(
        "flagship_small",
        "archive",
        "SET 'state.checkpoints.dir' = 'checkpoints';",
        &|_, sql| as_archive(sql, "out", ""),
        &|case, dir, what| {
            let out = dir.join("out");
            compare_archive_with_flink(case, dir, what, &out.display().to_string(), None);
            let parts: Vec<_> = std::fs::read_dir(&out)
                .unwrap()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("symbol="))
                .collect();
            assert!(parts.len() >= 2, "{case}: partitions {parts:?}");
            for p in parts {
                assert!(
                    p.path().join("_SUCCESS").exists(),
                    "{}: no _SUCCESS",
                    p.path().display()
                );
            }
        },
    );
}

#[test]
fn golden_flagship_small() {
    golden("flagship_small");
}

/// The flagship written as a comma join (`FROM n, s WHERE n.symbol = s.symbol AND s.event_time
/// BETWEEN …`) with another WHERE condition; expected rows from Flink 2.3.
#[test]
fn golden_flagship_comma() {
    golden("flagship_comma");
}

/// Aggregate FILTER (WHERE …) in a group window; expected rows from Flink 2.3.
#[test]
fn golden_agg_filter() {
    golden("agg_filter");
}

/// Window table-valued functions TUMBLE, HOP and CUMULATE per symbol, with UNION ALL.
#[test]
fn golden_window_tvf() {
    golden("window_tvf");
}

/// The SESSION window TVF with PARTITION BY and without (sessions over all trades); expected
/// rows from Flink 2.3.
#[test]
fn golden_session_tvf() {
    golden("session_tvf");
}

#[test]
fn golden_flagship_bounds() {
    golden("flagship_bounds");
}

/// SESSION(10 s) per symbol over out-of-order trades: sessions merge when a row bridges
/// two (touching windows merge too), as Flink's merging window set does.
#[test]
fn golden_session_gaps() {
    golden("session_gaps");
}

#[test]
fn golden_sensor_hop() {
    golden("sensor_hop");
}

/// Every 9th trade 120 s late: Flink's late-data rules (the join's per-operator expiration
/// time, its 10-minute watermark holdback, the window's lateness after it) row for row.
#[test]
fn golden_flagship_late_minutes() {
    golden("flagship_late_minutes");
}

/// `SET 'newsflow.late-rows' = 'dead-letter'`: the rows are Flink's as before, and every row
/// the window dropped as late is also in the sink's dead letters, with the reason. (Trades
/// 700 s late still join news the join holds; the window after it drops those rows.)
#[test]
fn late_rows_can_go_to_the_dead_letters() {
    let case = "flagship_late_far";
    let dir = temp_dir("late-rows-dead-letters");
    copy_dir(&golden_dir().join(case), &dir);
    let sql = format!(
        "SET 'newsflow.late-rows' = 'dead-letter';\n{}",
        std::fs::read_to_string(dir.join("case.sql")).unwrap()
    );
    let report = run_in(&dir, &sql, 7);
    compare_with_flink(case, &dir, "late rows to the dead letters");
    let late = report.late_rows();
    assert!(late > 0, "the case has late rows");
    assert_eq!(report.dead_letter_total(), late);
    let dead = std::fs::read_to_string(dir.join("dead-letter/news_result_sink.jsonl")).unwrap();
    assert_eq!(dead.lines().count() as u64, late);
    for line in dead.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let reason = v["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("late: its window had already fired"), "{line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every 13th trade 700 s late (past the join's 10-minute bound), plus trades on and just
/// outside each bound.
#[test]
fn golden_flagship_late_far() {
    golden("flagship_late_far");
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

/// A CAST that cannot convert its value (Flink fails the job) sends the row to the dead
/// letters of the table the query inserts into, with the column, the expression and the
/// value; TRY_CAST gives NULL; the other rows go on. A failing computed column of a source
/// sends its row to the source table's dead letters.
#[test]
fn failed_casts_go_to_dead_letters_with_the_column_and_the_value() {
    let dir = temp_dir("cast-dead-letters");
    let input = [
        r#"{"id": 1, "num": "42", "amount": "1.005"}"#,
        r#"{"id": 2, "num": "x", "amount": "2.5"}"#,
        r#"{"id": 3, "num": "7", "amount": "12345678.9"}"#,
        r#"{"id": 4, "num": null, "amount": null}"#,
        r#"{"id": 5, "num": "2147483648", "amount": "0"}"#,
    ];
    std::fs::write(dir.join("in.jsonl"), input.join("\n")).unwrap();
    let sql = "
CREATE TABLE src (id INT, num STRING, amount STRING, twice AS CAST(num AS INT) * 2)
WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');
CREATE TABLE res (id INT, n INT, a DECIMAL(5, 2), t INT)
WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
CREATE TABLE res2 (id INT, n INT, q DECIMAL(5, 2))
WITH ('connector' = 'filesystem', 'path' = 'out2', 'format' = 'json');
INSERT INTO res SELECT id, TRY_CAST(num AS INT), CAST(amount AS DECIMAL(5, 2)) AS a, twice FROM src WHERE id <> 2;
INSERT INTO res2 SELECT id, CAST(num AS INT), TRY_CAST(amount AS DECIMAL(5, 2)) FROM (SELECT id, num, amount FROM src) WHERE id <> 2 OR id = 2;";
    let report = run_in(&dir, sql, 1024);
    let read = |name: &str| std::fs::read_to_string(dir.join("dead-letter").join(name)).unwrap_or_default();
    // src: rows 2 ('x') and 5 (out of INT range) fail the computed column `twice`, for
    // both pipelines (each reads the table).
    let src = read("src.jsonl");
    assert_eq!(src.lines().count(), 4, "{src}");
    assert!(src.contains("\"column\":\"twice\""), "{src}");
    assert!(src.contains("cannot cast 'x' to INT"), "{src}");
    // res: row 3's amount does not fit DECIMAL(5, 2) (Flink fails: 'Overflow').
    let res = read("res.jsonl");
    assert_eq!(res.lines().count(), 1, "{res}");
    let line: serde_json::Value = serde_json::from_str(res.lines().next().unwrap()).unwrap();
    assert_eq!(line["column"], "a");
    assert_eq!(line["expression"], "CAST(amount AS DECIMAL(5,2))");
    assert!(
        line["reason"]
            .as_str()
            .unwrap()
            .contains("'12345678.9' does not fit DECIMAL(5, 2)"),
        "{line}"
    );
    assert!(
        line["record"].as_str().unwrap().starts_with("[3, 7, 12345678.9"),
        "{line}"
    );
    assert_eq!(report.dead_letter_total(), 5);
    let out = |d: &str| committed_rows(&dir.join(d));
    assert_eq!(
        out("out"),
        vec![
            r#"{"id":1,"n":42,"a":1.01,"t":84}"#.to_string(),
            r#"{"id":4,"n":null,"a":null,"t":null}"#.to_string(),
        ]
    );
    assert_eq!(
        out("out2"),
        vec![
            r#"{"id":1,"n":42,"q":1.01}"#.to_string(),
            r#"{"id":3,"n":7,"q":null}"#.to_string(),
            r#"{"id":4,"n":null,"q":null}"#.to_string(),
        ]
    );
}

/// SUM / AVG / MIN / MAX of DECIMAL(10, 3) per TUMBLE window: DECIMAL(38, 3) and
/// DECIMAL(38, 6) results, exactly Flink's text (made with `flink golden`).
#[test]
fn golden_decimal_agg() {
    golden_runs("decimal_agg");
}

/// Exact DECIMAL arithmetic, casts and rounding (made with `flink golden` on this case, not
/// from the shared cases): the rows must match Flink's, and so must their JSON text
/// (`1E+7`, `-0.00033333333333`), byte for byte.
/// Flink 2.3's math functions and operators (a shared case: 101 expressions over rows with
/// NULLs, edge values and DECIMAL), one sink column per expression. Too short an input for
/// the crash runs.
#[test]
fn golden_functions_math() {
    golden_runs("functions_math");
}

/// Flink 2.3's string, misc, temporal and aggregate functions (the shared cases, with the
/// BYTES, TIME and ARRAY expressions: `DECODE(ENCODE(s, 'UTF-8'), 'UTF-8')`,
/// `DECODE(UNHEX(HEX(s)), 'UTF-8')`, `CAST(CAST(ts AS TIME) AS STRING)`,
/// `ARRAY_JOIN(ARRAY_AGG(s), ',')`), one sink column per expression.
#[test]
fn golden_functions_string() {
    golden_runs("functions_string");
}

#[test]
fn golden_functions_misc() {
    golden_runs("functions_misc");
}

#[test]
fn golden_functions_temporal() {
    golden_runs("functions_temporal");
}

#[test]
fn golden_functions_agg() {
    golden_runs("functions_agg");
}

/// BYTES, TIME and ARRAY (local cases, made with `flink golden`): the functions and CASTs,
/// and how the json format reads and writes each type. The sink's lines must be Flink's
/// byte for byte in the cases that write no text outside the Basic Multilingual Plane
/// (newsflow writes it as UTF-8, Flink as a `\uD83D\uDE00` escape).
#[test]
fn golden_types_scalar() {
    golden_runs("types_scalar");
}

#[test]
fn golden_types_agg() {
    golden_runs("types_agg");
    golden_text("types_agg");
}

#[test]
fn golden_types_agg_windows() {
    golden_runs("types_agg_windows");
    golden_text("types_agg_windows");
}

#[test]
fn golden_types_decode_time_text() {
    golden_runs("types_decode_time_text");
}

#[test]
fn golden_types_time_cast() {
    golden_runs("types_time_cast");
    golden_text("types_time_cast");
}

#[test]
fn golden_decimal_exact() {
    golden_runs("decimal_exact");
    golden_text("decimal_exact");
}

/// Flink 2.3's JSON functions (a local case, made with `flink golden`): JSON_VALUE (with
/// RETURNING), JSON_QUERY, JSON_EXISTS, IS JSON, JSON_OBJECT, JSON_ARRAY, JSON_STRING. The
/// JSON text must match byte for byte (sorted keys, `1E+3`, `0.00010`, Jackson's escapes).
#[test]
fn golden_functions_json() {
    golden_runs("functions_json");
    golden_text("functions_json");
}

/// The sink's lines must be Flink's, byte for byte (sorted).
fn golden_text(case: &str) {
    let dir = temp_dir(&format!("{case}-text"));
    copy_dir(&golden_dir().join(case), &dir);
    let sql = std::fs::read_to_string(dir.join("case.sql")).unwrap();
    run_in(&dir, &sql, 1024);
    let got = committed_rows(&dir.join("out"));
    let expected: Vec<String> = std::fs::read_to_string(dir.join("expected.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(got, expected, "{case}: the JSON text differs from Flink's");
    let _ = std::fs::remove_dir_all(&dir);
}

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

// ---------------------------------------------------------------------------------------
// News analysis through an LLM provider (asynchronous operator)

/// A headline per news id, of varying length so the mock server's labels vary.
fn headline(i: usize) -> String {
    format!("Company {i} reports {}quarter", "strong ".repeat(i % 5))
}

/// `n` news rows `interval_s` seconds apart from 2024-01-01 10:00:00, in `dir/news.jsonl`.
fn write_news(dir: &Path, n: usize, interval_s: usize) -> Vec<(usize, String, String)> {
    let mut rows = Vec::new();
    let mut text = String::new();
    for i in 0..n {
        let t = i * interval_s;
        let ts = format!("2024-01-01 {:02}:{:02}:{:02}", 10 + t / 3600, (t / 60) % 60, t % 60);
        let h = headline(i);
        text.push_str(&format!(
            "{{\"symbol\": \"S{}\", \"news_id\": {i}, \"headline\": \"{h}\", \"news_ts\": \"{ts}\"}}\n",
            i % 3
        ));
        rows.push((i, h, ts));
    }
    std::fs::write(dir.join("news.jsonl"), text).unwrap();
    rows
}

const NEWS_DDL: &str = "CREATE TABLE news (symbol STRING, news_id INT, headline STRING, news_ts TIMESTAMP(3),
  WATERMARK FOR news_ts AS news_ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'news.jsonl', 'format' = 'json');
";

/// SET statements binding analyze_news to the mock server, with exactly `max_in_flight`
/// calls at once (a fixed limit: these tests are about order, watermarks and the end of
/// input; the adaptive limit has its own tests in newsflow-llm).
fn llm_settings(url: &str, max_in_flight: usize) -> String {
    format!(
        "SET 'newsflow.llm.provider' = 'openai';\nSET 'newsflow.llm.endpoint' = '{url}';\n\
         SET 'newsflow.llm.max-in-flight' = '{max_in_flight}';\nSET 'newsflow.llm.concurrency' = 'fixed';\n\
         SET 'newsflow.llm.cache' = 'off';\n"
    )
}

/// Every JSON line of the finished part files under `dir`, in file order.
fn read_json_rows(dir: &Path) -> Vec<serde_json::Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<serde_json::Value>>()
        })
        .collect()
}

/// The `{"label": …, "summary": …}` text analyze_news returned, parsed.
fn analysis(v: &serde_json::Value) -> serde_json::Value {
    serde_json::from_str(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}

#[test]
fn llm_rows_come_out_in_input_order_though_calls_finish_out_of_order() {
    let server = MockOpenAi::start(Delay::Random {
        min: Duration::from_millis(0),
        max: Duration::from_millis(120),
    });
    let n = 48;
    for batch in [1, 1024] {
        let dir = temp_dir(&format!("llm-order-{batch}"));
        let news = write_news(&dir, n, 10);
        let sql = format!(
            "{}{NEWS_DDL}CREATE TABLE out (news_id INT, summary STRING)
             WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
             INSERT INTO out SELECT news_id, analyze_news(headline) FROM news;",
            llm_settings(&server.url(), 8)
        );
        let report = run_in(&dir, &sql, batch);
        let rows = read_json_rows(&dir.join("out"));
        let ids: Vec<u64> = rows.iter().map(|r| r["news_id"].as_u64().unwrap()).collect();
        assert_eq!(
            ids,
            (0..n as u64).collect::<Vec<_>>(),
            "batch {batch}: rows out of input order"
        );
        for (r, (_, h, _)) in rows.iter().zip(&news) {
            let a = analysis(&r["summary"]);
            assert_eq!(a["label"], label_for(h), "{r}");
            assert_eq!(a["summary"], summary_for(h), "{r}");
        }
        let [llm] = report.llm.as_slice() else {
            panic!("expected one LLM operator: {:?}", report.llm)
        };
        assert_eq!((llm.metrics.calls, llm.metrics.succeeded), (n as u64, n as u64));
        assert_eq!(llm.metrics.provider, "openai");
        assert!(
            report.llm_summary()[0].contains("48 calls, 48 ok, 0 errors"),
            "{:?}",
            report.llm_summary()
        );
    }
    // The server answered out of input order, with several calls at once (≤ 8).
    let answered = server.answered();
    assert_eq!(answered.len(), 2 * n);
    let first_run: Vec<String> = answered[..n].to_vec();
    let in_order: Vec<String> = (0..n).map(headline).collect();
    assert_ne!(
        first_run, in_order,
        "the mock server's delays did not reorder completions"
    );
    assert!(
        (2..=8).contains(&server.max_concurrent()),
        "max concurrent {}",
        server.max_concurrent()
    );
}

#[test]
fn llm_watermark_is_held_so_a_window_after_the_analysis_gets_every_row() {
    // News 20 s apart: with batch size 1 the source's watermark passes a minute's end while
    // that minute's calls are still in flight. Were it not held back, the window would fire
    // without them and they would arrive late.
    let server = MockOpenAi::start(Delay::Random {
        min: Duration::from_millis(20),
        max: Duration::from_millis(150),
    });
    let dir = temp_dir("llm-watermark");
    let n = 36;
    let news = write_news(&dir, n, 20);
    let sql = format!(
        "{NEWS_DDL}CREATE MODEL sentiment INPUT (text STRING) OUTPUT (label STRING, score DOUBLE, summary STRING)
         WITH ('provider' = 'openai', 'endpoint' = '{}/v1/chat/completions', 'max-in-flight' = '8', 'cache' = 'off');
         CREATE TABLE counts (label STRING, ws TIMESTAMP(3), n BIGINT)
         WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
         INSERT INTO counts
         SELECT label, TUMBLE_START(news_ts, INTERVAL '1' MINUTE), COUNT(*)
         FROM ML_PREDICT(TABLE news, MODEL sentiment, DESCRIPTOR(headline))
         GROUP BY label, TUMBLE(news_ts, INTERVAL '1' MINUTE);",
        server.url()
    );
    let report = run_in(&dir, &sql, 1);
    assert_eq!(report.late_rows(), 0, "rows reached the window after it fired");
    let mut want: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (_, h, ts) in &news {
        let minute = format!("{}:00", &ts[..16]);
        *want.entry((label_for(h).to_string(), minute)).or_default() += 1;
    }
    let mut got: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in read_json_rows(&dir.join("out")) {
        let key = (
            r["label"].as_str().unwrap().to_string(),
            r["ws"].as_str().unwrap().to_string(),
        );
        *got.entry(key).or_default() += r["n"].as_u64().unwrap();
    }
    assert_eq!(got, want);
    assert_eq!(server.requests(), n);
}

#[test]
fn llm_end_of_input_waits_for_calls_in_flight_before_the_sink_commits() {
    // Two statements through a topic, as in the flagship: the analysis job's sink must not
    // close the topic (ending the reader) before its last calls have returned.
    let server = MockOpenAi::start(Delay::Fixed(Duration::from_millis(300)));
    let dir = temp_dir("llm-end");
    let n = 12;
    write_news(&dir, n, 30);
    let sql = format!(
        "{}{NEWS_DDL}CREATE TABLE summary_sink (news_id INT, news_ts TIMESTAMP(3), summary STRING)
         WITH ('connector' = 'topic', 'topic' = 'n-summary', 'format' = 'json');
         CREATE TABLE summary_source (news_id INT, news_ts TIMESTAMP(3), summary STRING,
           WATERMARK FOR news_ts AS news_ts - INTERVAL '5' SECOND)
         WITH ('connector' = 'topic', 'topic' = 'n-summary', 'format' = 'json');
         CREATE TABLE out (news_id INT, summary STRING)
         WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
         INSERT INTO summary_sink SELECT news_id, news_ts, analyze_news(headline) FROM news;
         INSERT INTO out SELECT news_id, summary FROM summary_source;",
        llm_settings(&server.url(), 4)
    );
    let started = Instant::now();
    let report = run_in(&dir, &sql, 1024);
    // 12 calls, 4 at a time, 300 ms each: at least 0.9 s.
    assert!(started.elapsed() >= Duration::from_millis(900));
    let rows = read_json_rows(&dir.join("out"));
    assert_eq!(rows.len(), n, "rows lost at the end of input");
    assert!(rows.iter().all(|r| analysis(&r["summary"])["summary"]
        .as_str()
        .is_some_and(|s| s.starts_with("mock: "))));
    let analysed = report
        .pipelines
        .iter()
        .find(|(name, _)| name.contains("summary_sink"))
        .and_then(|(_, t)| *t)
        .unwrap();
    assert!(
        analysed >= Duration::from_millis(900),
        "analysis committed after {analysed:?}"
    );
    assert_eq!(server.max_concurrent(), 4);
}

/// Runs `newsflow run job.sql` in `dir` with `XDG_CACHE_HOME` at `dir/user-cache`.
fn run_cli(dir: &Path, sql: &str, args: &[&str]) {
    std::fs::write(dir.join("job.sql"), sql).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join("user-cache"))
        .args(["run", "job.sql"])
        .args(args)
        .output()
        .expect("run newsflow");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn lines_in(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

/// Without a `cache` option the LLM cache lives beside the job's state: in its local
/// checkpoint directory, else in the per-user cache directory; a `cache` option wins.
#[test]
fn llm_cache_lives_beside_the_jobs_state() {
    let server = MockOpenAi::start(Delay::Fixed(Duration::from_millis(1)));
    let job = |settings: &str| {
        format!(
            "SET 'newsflow.llm.provider' = 'openai';\nSET 'newsflow.llm.endpoint' = '{}';\n{settings}{NEWS_DDL}\
             CREATE TABLE out (news_id INT, summary STRING) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');\n\
             INSERT INTO out SELECT news_id, analyze_news(headline) FROM news;",
            server.url()
        )
    };
    let checkpoints = "SET 'execution.checkpointing.interval' = '1 s';\nSET 'state.checkpoints.dir' = 'ckpt';\n";
    let user_cache = |dir: &Path| dir.join("user-cache/newsflow/llm-cache.jsonl");

    // With a checkpoint directory: the cache is in it, and a fresh run of the job is
    // answered from it without a request.
    let dir = temp_dir("llm-cache-ckpt");
    write_news(&dir, 6, 10);
    run_cli(&dir, &job(checkpoints), &[]);
    assert_eq!(lines_in(&dir.join("ckpt/llm-cache.jsonl")), 6);
    assert!(!user_cache(&dir).exists());
    assert_eq!(server.requests(), 6);
    run_cli(&dir, &job(checkpoints), &["--fresh"]);
    assert_eq!(server.requests(), 6, "the second run was answered from the cache");
    assert_eq!(read_json_rows(&dir.join("out")).len(), 12);

    // Without one: the per-user cache directory.
    let dir = temp_dir("llm-cache-user");
    write_news(&dir, 6, 10);
    run_cli(&dir, &job(""), &[]);
    assert_eq!(lines_in(&user_cache(&dir)), 6);
    assert!(!dir.join(".newsflow").exists() && !dir.join("llm-cache.jsonl").exists());

    // An explicit `cache` wins over the checkpoint directory.
    let dir = temp_dir("llm-cache-explicit");
    write_news(&dir, 6, 10);
    let explicit = format!("{checkpoints}SET 'newsflow.llm.cache' = 'mine.jsonl';\n");
    run_cli(&dir, &job(&explicit), &[]);
    assert_eq!(lines_in(&dir.join("mine.jsonl")), 6);
    assert!(!dir.join("ckpt/llm-cache.jsonl").exists());
    assert!(!user_cache(&dir).exists());
}

/// Runs `newsflow demo` for `secs` seconds in `dir` and returns the analysis rows it archived.
fn run_demo(dir: &Path, secs: &str, llm_args: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .current_dir(dir)
        .args(["demo", "--duration", secs, "--speed-up", "900", "--out", "out"])
        .args(llm_args)
        .output()
        .expect("run newsflow demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed: {stderr}");
    assert!(
        stderr.contains("llm     openai"),
        "no LLM metrics in the report: {stderr}"
    );
    read_json_rows(&dir.join("out"))
}

#[test]
fn demo_with_an_openai_provider_shows_the_servers_labels_and_errors_never_as_bad() {
    let server = MockOpenAi::start(Delay::Random {
        min: Duration::from_millis(5),
        max: Duration::from_millis(60),
    });
    let dir = temp_dir("demo-llm");
    let url = server.url();
    let rows = run_demo(
        &dir,
        "6",
        &["--llm", "openai", "--llm-endpoint", &url, "--llm-option", "cache=off"],
    );
    assert!(!rows.is_empty(), "the demo produced no analysis rows");
    for r in &rows {
        let a = analysis(&r["summary"]);
        assert!(
            ["good", "bad", "neutral"].contains(&a["label"].as_str().unwrap()),
            "{a}"
        );
        assert!(
            a["summary"].as_str().unwrap().starts_with("mock: "),
            "not the server's answer: {a}"
        );
    }
    assert!(server.requests() > 0);

    // The server is down: every news item is labelled `error` with the reason, never `bad`.
    let dir = temp_dir("demo-llm-down");
    let dead = dead_endpoint();
    let rows = run_demo(
        &dir,
        "6",
        &[
            "--llm",
            "openai",
            "--llm-endpoint",
            &dead,
            "--llm-option",
            "max-retries=0",
        ],
    );
    assert!(!rows.is_empty(), "the demo produced no analysis rows");
    for r in &rows {
        let a = analysis(&r["summary"]);
        assert_eq!(a["label"], "error", "{a}");
        assert!(a["error"].as_str().unwrap().starts_with("connect:"), "{a}");
    }
}

/// The LLM stage's benchmark (BENCHMARKS.md): 1 s provider latency, 32 calls in flight,
/// news through `analyze_news` while a trade stream (the built-in `stock` generator,
/// unpaced, into per-symbol one-minute windows) runs in the same job for longer than the
/// news does, compared with the same trade stream alone.
///
/// `cargo test --release -p newsflow-cli --test pipelines -- --ignored --nocapture bench_llm`
/// (`NEWS=…`, `TRADES=…` change the sizes).
#[test]
#[ignore]
fn bench_llm_operator_news_per_second_beside_the_trade_stream() {
    let env = |k: &str, d: usize| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let news_n = env("NEWS", 320);
    let trades_n = env("TRADES", 50_000_000);
    let server = MockOpenAi::start(Delay::Fixed(Duration::from_secs(1)));
    let dir = temp_dir("bench-llm");
    write_news(&dir, news_n, 1);
    let trades_sql = format!(
        "CREATE TABLE stock (symbol STRING, stock_time STRING, price DOUBLE, volume INT,
          event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
          WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND)
        WITH ('connector' = 'datagen', 'generator' = 'stock', 'seed' = '7', 'rate' = '400',
              'number-of-rows' = '{trades_n}');
        CREATE TABLE trade_stats (symbol STRING, ws TIMESTAMP(3), avg_price DOUBLE, n BIGINT)
        WITH ('connector' = 'blackhole');
        INSERT INTO trade_stats SELECT symbol, TUMBLE_START(event_time, INTERVAL '1' MINUTE), AVG(price), COUNT(*)
        FROM stock GROUP BY symbol, TUMBLE(event_time, INTERVAL '1' MINUTE);"
    );
    let news_sql = format!(
        "{}{NEWS_DDL}CREATE TABLE analysed (news_id INT, summary STRING) WITH ('connector' = 'blackhole');
         INSERT INTO analysed SELECT news_id, analyze_news(headline) FROM news;",
        llm_settings(&server.url(), 32)
    );
    let pipeline_secs = |report: &JobReport, table: &str| -> f64 {
        report
            .pipelines
            .iter()
            .find(|(n, _)| n.contains(table))
            .and_then(|(_, t)| *t)
            .map(|t| t.as_secs_f64())
            .unwrap()
    };
    let alone = run_in(&dir, &trades_sql, 1024);
    let alone_s = pipeline_secs(&alone, "trade_stats");
    let both = run_in(&dir, &format!("{news_sql}\n{trades_sql}"), 1024);
    let with_s = pipeline_secs(&both, "trade_stats");
    let news_s = pipeline_secs(&both, "analysed");
    let news_per_s = news_n as f64 / news_s;
    let m = &both.llm[0].metrics;
    println!(
        "machine: {} cores; provider latency 1 s, 32 in flight\n\
         news:   {news_n} in {news_s:.2} s = {news_per_s:.1} news/s ({} requests, max {} at once at the server, \
         latency mean {:.0} ms)\n\
         trades: {trades_n} alone in {alone_s:.2} s = {:.2} M/s; beside the LLM job in {with_s:.2} s = {:.2} M/s",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        m.requests,
        server.max_concurrent(),
        m.latency.mean_ms,
        trades_n as f64 / alone_s / 1e6,
        trades_n as f64 / with_s / 1e6,
    );
    assert_eq!(m.succeeded, news_n as u64);
    assert!(news_per_s >= 30.0, "{news_per_s:.1} news/s < 30");
    assert!(
        with_s >= news_s,
        "the trade stream ended before the news: raise TRADES for a fair comparison"
    );
}

/// The crate's directory, read when the test runs: a test binary reused from a build in
/// another checkout (CI shares one target directory) must not look in that checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}

/// The source documents' statements on MSK (only the broker filled in) parse and plan
/// without a broker or credentials: `newsflow explain` builds no connector.
#[test]
fn the_source_documents_msk_script_plans_without_a_broker() {
    let sql = std::fs::read_to_string(Path::new(&manifest_dir()).join("../../examples/flagship-kafka.sql")).unwrap();
    let job = Job::build(
        &sql,
        JobOptions {
            plan_only: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let plan = job.explain();
    assert!(plan.contains("== INSERT INTO news_summary_sink =="), "{plan}");
    assert!(
        plan.contains("IntervalJoin: keys [0] = [0], right.time - left.time in [-300000 ms, 600000 ms]"),
        "{plan}"
    );
    assert!(plan.contains("WindowAggregate: Tumble { size: 60000 }"), "{plan}");
}

fn clock(base: i64, secs: i64) -> String {
    let t = base + secs;
    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
    format!("2025-07-{:02} {:02}:{:02}:{:02}", 1 + h / 24, h % 24, m, s)
}

/// The flagship's analysis job over `trades` trades of 50 symbols (out of order by up to
/// 2 s, in two files) and 300 news items, plus 100 malformed trade lines.
fn write_flagship_input(dir: &Path, trades: usize) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    std::fs::create_dir_all(dir.join("input/stock")).unwrap();
    let base = 9 * 3600;
    let seconds = trades / 50;
    let mut files = [String::new(), String::new()];
    let mut price = [100.0f64; 50];
    let mut n = 0;
    for t in 0..seconds as i64 {
        for (s, p) in price.iter_mut().enumerate() {
            *p = (*p + (rng.range(0, 201) as f64 - 100.0) / 100.0).max(1.0);
            let late = rng.range(0, 3) as i64;
            let line = format!(
                "{{\"symbol\": \"S{s}\", \"stock_time\": \"{}\", \"price\": {:.2}, \"volume\": {}}}\n",
                clock(base, (t - late).max(0)),
                p,
                1 + rng.range(0, 5000)
            );
            files[s % 2].push_str(&line);
            n += 1;
            if n % (trades / 100).max(1) == 0 {
                files[s % 2].push_str("{\"symbol\": \"S1\", \"stock_time\": \"broken\n");
            }
        }
    }
    std::fs::write(dir.join("input/stock/a.jsonl"), &files[0]).unwrap();
    std::fs::write(dir.join("input/stock/b.jsonl"), &files[1]).unwrap();
    let mut news = String::new();
    for i in 0..300 {
        let t = (i as i64 * seconds as i64) / 300 + rng.range(0, 60) as i64;
        news.push_str(&format!(
            "{{\"symbol\": \"S{}\", \"news_id\": {}, \"event_time\": \"{}.000\", \"summary\": \"story {i}\"}}\n",
            rng.range(0, 50),
            1000 + i,
            clock(base, t)
        ));
    }
    std::fs::write(dir.join("input/news_summary.jsonl"), news).unwrap();
    std::fs::copy(golden_dir().join("flagship_small/case.sql"), dir.join("case.sql")).unwrap();
}

/// The newest completed checkpoint's id in `dir` (0 if none).
fn latest_checkpoint(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().join("_metadata").is_file())
                .filter_map(|e| e.file_name().to_string_lossy().strip_prefix("chk-")?.parse().ok())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// Every row of the committed part files (not in-progress ones), sorted.
fn committed_rows(out: &Path) -> Vec<String> {
    let mut rows = Vec::new();
    // No directory yet: nothing committed (a savepoint can come before the first row).
    let Ok(entries) = std::fs::read_dir(out) else {
        return rows;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        rows.extend(std::fs::read_to_string(e.path()).unwrap().lines().map(str::to_string));
    }
    rows.sort();
    rows
}

/// The chaos test: the flagship over 1M trades from files, with a checkpoint every 50 ms,
/// is killed with SIGKILL at 10 or more random moments and restarted each time; the
/// committed rows must be exactly those of the undisturbed run, and the dead letters
/// exactly the 100 malformed lines (none lost, none twice).
#[test]
fn flagship_survives_sigkill_at_random_moments() {
    let dir = temp_dir("chaos");
    write_flagship_input(&dir, 1_000_000);
    let bin = env!("CARGO_BIN_EXE_newsflow");
    let run = |args: &[&str]| {
        let start = Instant::now();
        let out = Command::new(bin).current_dir(&dir).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        start.elapsed()
    };
    // The undisturbed run.
    let took = run(&["run", "case.sql"]);
    let reference = committed_rows(&dir.join("out"));
    assert!(reference.len() > 1000, "only {} rows", reference.len());
    let dead = std::fs::read_to_string(dir.join("dead-letter/stock_transaction_source.jsonl")).unwrap();
    assert_eq!(dead.lines().count(), 100);
    std::fs::remove_dir_all(dir.join("out")).unwrap();
    std::fs::remove_dir_all(dir.join("dead-letter")).unwrap();
    let sql = format!(
        "SET 'execution.checkpointing.interval' = '50 ms';\nSET 'state.checkpoints.dir' = 'checkpoints';\n{}",
        std::fs::read_to_string(dir.join("case.sql")).unwrap()
    );
    std::fs::write(dir.join("chaos.sql"), sql).unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("chaos seed {seed}, undisturbed run {took:?}");
    let mut rng = Rng(seed);
    let mut kills = 0;
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(attempts < 200, "the job never finished");
        let mut child = Command::new(bin)
            .current_dir(&dir)
            .args(["run", "chaos.sql"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a random moment after the job has taken 1-3 checkpoints more than it
        // restored (so every attempt gets further, and the job is killed many times, at
        // every stage, before it finishes), plus up to 40 ms: inside a checkpoint's write,
        // between a checkpoint and its commit, or in the middle of processing.
        // After 12 kills the job is left to finish (on a slow or busy machine it would
        // otherwise need many more attempts than the 200 allowed).
        let target = if kills >= 12 {
            u64::MAX
        } else {
            latest_checkpoint(&dir.join("checkpoints")) + 1 + rng.range(0, 3)
        };
        let jitter = Duration::from_millis(rng.range(0, 40));
        let mut reached: Option<Instant> = None;
        let mut finished = None;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                finished = Some(status);
                break;
            }
            if reached.is_none() && latest_checkpoint(&dir.join("checkpoints")) >= target {
                reached = Some(Instant::now());
            }
            if reached.is_some_and(|t| t.elapsed() >= jitter) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        match finished {
            Some(status) => {
                assert!(status.success(), "attempt {attempts} failed");
                break;
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
            }
        }
    }
    eprintln!("killed {kills} times in {attempts} attempts");
    assert!(kills >= 10, "only {kills} kills before the job finished");
    let rows = committed_rows(&dir.join("out"));
    assert_eq!(rows.len(), reference.len(), "row count after {kills} kills");
    assert!(
        rows == reference,
        "rows differ from the undisturbed run after {kills} kills"
    );
    let dead = std::fs::read_to_string(dir.join("dead-letter/stock_transaction_source.jsonl")).unwrap();
    assert_eq!(dead.lines().count(), 100, "dead letters after {kills} kills");
    let _ = std::fs::remove_dir_all(&dir);
}

fn build_err(dir: &Path, sql: &str) -> String {
    let opts = JobOptions {
        base_dir: dir.to_path_buf(),
        ..Default::default()
    };
    match Job::build(sql, opts) {
        Ok(_) => panic!("expected an error for:\n{sql}"),
        Err(e) => e.to_string(),
    }
}

/// Checkpoint settings are checked; a checkpoint is refused by a query it does not fit,
/// naming the operator; `--fresh` starts over; a finished job's last checkpoint runs
/// nothing again.
#[test]
fn checkpoint_settings_and_changed_queries() {
    let dir = temp_dir("ckpt-settings");
    copy_dir(&golden_dir().join("flagship_small"), &dir);
    let case = std::fs::read_to_string(dir.join("case.sql")).unwrap();
    let err = build_err(
        &dir,
        &format!("SET 'execution.checkpointing.interval' = '1 s';\n{case}"),
    );
    assert!(err.contains("'state.checkpoints.dir' is not"), "{err}");
    let err = build_err(
        &dir,
        &format!("SET 'execution.checkpointing.interval' = 'often';\n{case}"),
    );
    assert!(err.contains("line 1") && err.contains("duration"), "{err}");
    let err = build_err(&dir, &format!("SET 'state.checkpoints.num-retained' = '0';\n{case}"));
    assert!(err.contains("at least 1"), "{err}");
    let err = build_err(
        &dir,
        &format!("SET 'execution.checkpointing.interval' = '1 s';\nSET 'state.checkpoints.dir' = 'gs://b/p';\n{case}"),
    );
    assert!(err.contains("'gs://' is not supported"), "{err}");

    let ckpt = "SET 'execution.checkpointing.interval' = '5 ms';\nSET 'state.checkpoints.dir' = 'checkpoints';\n";
    let sql = format!("{ckpt}{case}");
    let first = run_in(&dir, &sql, 64);
    assert!(first.checkpoints.completed > 1);
    assert_eq!(first.checkpoints.restored_from, None);
    assert!(first.rows_written_total() > 0);
    compare_with_flink("flagship_small", &dir, "checkpointed");
    // The same query again: restored from the final checkpoint, nothing more is written.
    let again = run_in(&dir, &sql, 64);
    assert!(again.checkpoints.restored_from.is_some());
    assert_eq!(again.rows_written_total(), 0);
    compare_with_flink("flagship_small", &dir, "restored after finishing");
    // A different window: the checkpoint's window state does not fit it.
    let changed = sql.replace("INTERVAL '1' MINUTE", "INTERVAL '2' MINUTE");
    let err = build_err(&dir, &changed);
    assert!(
        err.contains("operator `insert:news_result_sink@0") && err.contains("changed") && err.contains("--fresh"),
        "{err}"
    );
    // --fresh starts over (and drops the old checkpoints).
    std::fs::remove_dir_all(dir.join("out")).unwrap();
    let opts = JobOptions {
        base_dir: dir.clone(),
        fresh: true,
        ..Default::default()
    };
    let report = Job::build(&sql, opts).unwrap().run().unwrap();
    assert_eq!(report.checkpoints.restored_from, None);
    compare_with_flink("flagship_small", &dir, "--fresh");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `newsflow savepoint PID` makes a running job write a savepoint and stop; `--from-savepoint`
/// resumes it; together they give the rows of one undisturbed run.
#[test]
fn a_savepoint_on_request_stops_the_job_and_resumes_it() {
    let dir = temp_dir("savepoint");
    write_flagship_input(&dir, 400_000);
    let bin = env!("CARGO_BIN_EXE_newsflow");
    let out = Command::new(bin)
        .current_dir(&dir)
        .args(["run", "case.sql"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reference = committed_rows(&dir.join("out"));
    std::fs::remove_dir_all(dir.join("out")).unwrap();
    let sql = format!(
        "SET 'state.savepoints.dir' = 'savepoints';\n{}",
        std::fs::read_to_string(dir.join("case.sql")).unwrap()
    );
    std::fs::write(dir.join("sp.sql"), sql).unwrap();
    let child = Command::new(bin)
        .current_dir(&dir)
        .args(["run", "sp.sql"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let asked = Command::new(bin)
        .args(["savepoint", &child.id().to_string()])
        .output()
        .unwrap();
    assert!(asked.status.success(), "{}", String::from_utf8_lossy(&asked.stderr));
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let path = stderr
        .lines()
        .find_map(|l| l.strip_prefix("savepoint written to "))
        .unwrap_or_else(|| panic!("no savepoint path in:\n{stderr}"))
        .to_string();
    let partial = committed_rows(&dir.join("out")).len();
    assert!(partial < reference.len(), "the job finished before the savepoint");
    let out = Command::new(bin)
        .current_dir(&dir)
        .args(["run", "sp.sql", "--from-savepoint", &path])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        committed_rows(&dir.join("out")) == reference,
        "rows differ after the savepoint"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The S3-compatible server the test command starts (`scripts/test`), and a new bucket.
fn s3_bucket(name: &str) -> String {
    let endpoint = std::env::var("NEWSFLOW_S3_ENDPOINT").expect(
        "NEWSFLOW_S3_ENDPOINT is not set: the S3 tests need an S3-compatible server; scripts/test starts one (moto)",
    );
    let bucket = format!("{name}-{}", std::process::id());
    let script = format!(
        "import boto3; boto3.client('s3', endpoint_url='{endpoint}', region_name='us-east-1').create_bucket(Bucket='{bucket}')"
    );
    let out = Command::new("python3").args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "creating bucket: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    bucket
}

/// The keys under `s3://bucket/prefix`.
fn s3_keys(bucket: &str, prefix: &str) -> Vec<String> {
    let endpoint = std::env::var("NEWSFLOW_S3_ENDPOINT").unwrap();
    let script = format!(
        "import boto3\nc = boto3.client('s3', endpoint_url='{endpoint}', region_name='us-east-1')\n\
         for o in c.list_objects_v2(Bucket='{bucket}', Prefix='{prefix}').get('Contents', []): print(o['Key'])"
    );
    let out = Command::new("python3").args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "listing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Checkpoints on an S3-compatible server (`s3://`, `'s3.endpoint'`): the golden flagship
/// through two crashes gives Flink's rows, and the checkpoints are objects in the bucket
/// (a published one has its `_metadata`; only `num-retained` are kept).
#[test]
fn checkpoints_on_s3_survive_crashes() {
    let bucket = s3_bucket("nf-ckpt");
    let endpoint = std::env::var("NEWSFLOW_S3_ENDPOINT").unwrap();
    let location = format!(
        "SET 'state.checkpoints.dir' = 's3://{bucket}/jobs/{{run}}';\nSET 's3.endpoint' = '{endpoint}';\n\
         SET 'state.checkpoints.num-retained' = '2';"
    );
    golden_through_crashes("flagship_small", "s3", &location);
    let keys = s3_keys(&bucket, "jobs/");
    let metadata: Vec<&String> = keys.iter().filter(|k| k.ends_with("/_metadata")).collect();
    // Two runs (undisturbed, crashed), two checkpoints retained by each.
    assert_eq!(metadata.len(), 4, "retained checkpoints: {keys:?}");
    assert!(keys.iter().all(|k| k.contains("/chk-")), "{keys:?}");
}

/// The flagship's results archived as partitioned Parquet on an S3-compatible server (the
/// endpoint as a table option): through two crashes and restores pyarrow reads Flink's
/// rows from the bucket, and each partition has its `_SUCCESS` object.
#[test]
fn archive_on_s3_reads_back_in_pyarrow_through_crashes() {
    let bucket = s3_bucket("nf-archive");
    let endpoint = std::env::var("NEWSFLOW_S3_ENDPOINT").unwrap();
    let prefix = |dir: &Path| format!("archive/{}", dir.file_name().unwrap().to_string_lossy());
    golden_through_crashes_with(
        "flagship_small",
        "archive-s3",
        "SET 'state.checkpoints.dir' = 'checkpoints';",
        &|dir, sql| {
            as_archive(
                sql,
                &format!("s3://{bucket}/{}", prefix(dir)),
                &format!(",\n  's3.endpoint' = '{endpoint}'"),
            )
        },
        &|case, dir, what| {
            compare_archive_with_flink(
                case,
                dir,
                what,
                &format!("s3://{bucket}/{}", prefix(dir)),
                Some(&endpoint),
            );
            let keys = s3_keys(&bucket, &prefix(dir));
            let parts: std::collections::BTreeSet<&str> = keys
                .iter()
                .filter_map(|k| k.split('/').find(|s| s.starts_with("symbol=")))
                .collect();
            assert!(parts.len() >= 2, "{case}: partitions in {keys:?}");
            for p in parts {
                assert!(
                    keys.iter().any(|k| k.ends_with(&format!("{p}/_SUCCESS"))),
                    "{p} has no _SUCCESS: {keys:?}"
                );
            }
        },
    );
}

/// Ids read back from a Parquet archive with pyarrow.
fn archive_ids(source: &str, endpoint: &str, dir: &Path) -> Vec<i64> {
    let jsonl = dir.join("ids.jsonl");
    let out = Command::new("python3")
        .arg(Path::new(&manifest_dir()).join("tests/support/archive_to_jsonl.py"))
        .args([source, &jsonl.display().to_string(), "--endpoint", endpoint])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pyarrow could not read {source}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

/// A file larger than one upload part goes up as a multipart upload: S3's ETag of such an
/// object ends in `-<parts>`, and the object holds every row.
#[test]
fn a_large_archive_file_is_a_multipart_upload() {
    let bucket = s3_bucket("nf-multipart");
    let endpoint = std::env::var("NEWSFLOW_S3_ENDPOINT").unwrap();
    let dir = temp_dir("multipart");
    let sql = format!(
        "CREATE TABLE gen (id BIGINT, payload STRING) WITH ('connector' = 'datagen', \
         'rows-per-second' = '100000000', 'number-of-rows' = '120000', 'fields.id.kind' = 'sequence', \
         'fields.id.start' = '1', 'fields.id.end' = '120000', 'fields.payload.length' = '160');\n\
         CREATE TABLE big (id BIGINT, payload STRING) WITH ('connector' = 'filesystem', \
         'path' = 's3://{bucket}/big', 'format' = 'json', 's3.endpoint' = '{endpoint}');\n\
         INSERT INTO big SELECT id, payload FROM gen;"
    );
    run_in(&dir, &sql, 1024);
    let script = format!(
        "import boto3\nc = boto3.client('s3', endpoint_url='{endpoint}', region_name='us-east-1')\n\
         for o in c.list_objects_v2(Bucket='{bucket}', Prefix='big/').get('Contents', []):\n\
         \x20   body = c.get_object(Bucket='{bucket}', Key=o['Key'])['Body'].read()\n\
         \x20   print(o['Key'], o['ETag'].strip('\"'), o['Size'], body.count(b'\\n'))"
    );
    let out = Command::new("python3").args(["-c", &script]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let objects: Vec<Vec<&str>> = text.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(objects.len(), 1, "one file: {text}");
    let (etag, size, lines) = (objects[0][1], objects[0][2], objects[0][3]);
    assert!(size.parse::<u64>().unwrap() > 16 << 20, "bigger than two parts: {text}");
    assert!(etag.ends_with("-3"), "a three-part upload (8 MiB parts): {text}");
    assert_eq!(lines, "120000");
    let _ = std::fs::remove_dir_all(&dir);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `s3s-fs`: an S3-compatible server that keeps its objects (and unfinished multipart
/// uploads) in a directory, so it can restart without losing them. `scripts/test`
/// installs it.
fn s3s_fs(root: &Path, port: u16) -> std::process::Child {
    let bin = std::env::var("NEWSFLOW_S3S_FS_BIN").unwrap_or_else(|_| "s3s-fs".to_string());
    let mut child = Command::new(&bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", "testing", "--secret-key", "testing"])
        .arg(root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin} (scripts/test installs s3s-fs): {e}"));
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("s3s-fs did not start on port {port}");
}

/// The S3 server goes away for two seconds in the middle of a run that archives 120 000
/// rows as partitioned Parquet with checkpoints, and comes back: the uploads retry, the
/// job finishes, and the bucket holds every row exactly once.
#[test]
fn archive_on_s3_survives_the_server_restarting_mid_write() {
    let dir = temp_dir("s3-restart");
    let root = dir.join("s3-root");
    std::fs::create_dir_all(root.join("archive-bucket")).unwrap();
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut server = s3s_fs(&root, port);
    let rows = 120_000;
    let sql = format!(
        "SET 'execution.checkpointing.interval' = '300 ms';\n\
         SET 'state.checkpoints.dir' = 'checkpoints';\n\
         CREATE TABLE gen (id BIGINT, payload STRING) WITH ('connector' = 'datagen', \
         'rows-per-second' = '20000', 'number-of-rows' = '{rows}', 'fields.id.kind' = 'sequence', \
         'fields.id.start' = '1', 'fields.id.end' = '{rows}', 'fields.payload.length' = '40');\n\
         CREATE TABLE archive (id BIGINT, payload STRING, bucket STRING) PARTITIONED BY (bucket) WITH (\
         'connector' = 'filesystem', 'path' = 's3://archive-bucket/t', 'format' = 'parquet', \
         's3.endpoint' = '{endpoint}');\n\
         INSERT INTO archive SELECT id, payload, CAST(MOD(id, 4) AS STRING) FROM gen;"
    );
    std::fs::write(dir.join("job.sql"), sql).unwrap();
    let mut job = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .args(["run", "job.sql"])
        .current_dir(&dir)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    server.kill().unwrap();
    server.wait().unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    let mut server = s3s_fs(&root, port);
    let status = job.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(job.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "the job failed: {err}");
    let mut ids = archive_ids("s3://archive-bucket/t", &endpoint, &dir);
    server.kill().unwrap();
    let _ = server.wait();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(n, ids.len(), "duplicate rows");
    assert_eq!(ids, (1..=rows).collect::<Vec<i64>>(), "lost rows");
    let _ = std::fs::remove_dir_all(&dir);
}
