//! `NEWS_IMPACT` end to end: the figures checked against the generators' ground truth
//! (injected jumps recovered, no abnormal return where nothing happened), against an
//! independent pandas reference (`support/impact_reference.py`), and through crashes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use super::{manifest_dir, run_in, temp_dir, through_crashes_from};

const SEED: u64 = 7;
const MINUTE: i64 = 60_000;

/// The generators' market: the 20 default symbols, 100 news a day, 10 trades a second.
const FULL_MARKET: &str = "'rate' = '10'";
/// A smaller market for the runs through crashes: 8 symbols, 40 news a day, 4 trades a second.
const SMALL_MARKET: &str = "'rate' = '4', 'news-per-day' = '40', 'symbols' = 'AAPL,AMZN,NVDA,TSLA,META,GOOG,MSFT,NFLX'";

/// Generate `days` sessions of news (labelled by the offline analyser), trades with a 2 %
/// market factor, and the ground truth into `dir/in/{news,trades,truth}`; `market` is
/// generator options (`rate` applies to the trades only).
fn generate(dir: &Path, days: u32, market: &str) {
    let shared = market
        .split(", ")
        .filter(|o| !o.starts_with("'rate'"))
        .map(|o| format!(", {o}"))
        .collect::<String>();
    let sql = format!(
        "CREATE TABLE news_src (symbol STRING, news_id INT, news_time STRING, news_content STRING,
           event_time AS TO_TIMESTAMP(news_time, 'yyyy-MM-dd HH:mm:ss'),
           WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
         ) WITH ('connector' = 'datagen', 'generator' = 'news', 'seed' = '{SEED}', 'days' = '{days}'{shared});
         CREATE TABLE stock_src (symbol STRING, stock_time STRING, price DOUBLE, volume INT,
           event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
           WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
         ) WITH ('connector' = 'datagen', 'generator' = 'stock', 'seed' = '{SEED}', 'days' = '{days}',
                 {market}, 'market-volatility' = '0.02');
         CREATE TABLE truth_src (symbol STRING, news_id INT, news_time STRING, sentiment STRING,
           price_impact DOUBLE, impact_seconds DOUBLE, volume_multiplier DOUBLE, market_beta DOUBLE
         ) WITH ('connector' = 'datagen', 'generator' = 'news-truth', 'seed' = '{SEED}', 'days' = '{days}'{shared});
         CREATE TABLE trades_out (symbol STRING, event_time TIMESTAMP(3), price DOUBLE, volume INT)
           WITH ('connector' = 'filesystem', 'path' = 'in/trades', 'format' = 'json');
         CREATE TABLE news_out (symbol STRING, news_id INT, event_time TIMESTAMP(3), label STRING)
           WITH ('connector' = 'filesystem', 'path' = 'in/news', 'format' = 'json');
         CREATE TABLE truth_out (symbol STRING, news_id INT, news_time STRING, sentiment STRING,
           price_impact DOUBLE, impact_seconds DOUBLE, volume_multiplier DOUBLE, market_beta DOUBLE)
           WITH ('connector' = 'filesystem', 'path' = 'in/truth', 'format' = 'json');
         INSERT INTO trades_out SELECT symbol, event_time, price, volume FROM stock_src;
         INSERT INTO news_out SELECT symbol, news_id, event_time,
           JSON_VALUE(analyze_news(news_content), '$.label') FROM news_src;
         INSERT INTO truth_out SELECT * FROM truth_src;"
    );
    let report = run_in(dir, &sql, 1024);
    assert_eq!(report.dead_letter_total(), 0);
}

/// The impact job over the files `generate` wrote, into `dir/out`.
const IMPACT_SQL: &str = include_str!("../support/impact.sql");

fn rows(path: &Path) -> Vec<Json> {
    let mut files: Vec<_> = std::fs::read_dir(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(['.', '_']))
        })
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()))
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
                .collect::<Vec<Json>>()
        })
        .collect()
}

fn millis(text: &str) -> i64 {
    newsflow_common::time::parse_timestamp(text, None).unwrap_or_else(|| panic!("timestamp {text}"))
}

fn num(row: &Json, key: &str) -> Option<f64> {
    row.get(key).and_then(Json::as_f64)
}

/// Run `impact_reference.py` over the case in `dir` (its `out`): it must agree on every figure.
fn check_with_reference(dir: &Path, what: &str) {
    let out = Command::new("python3")
        .arg(Path::new(&manifest_dir()).join("tests/support/impact_reference.py"))
        .arg(dir.join("in/trades"))
        .arg(dir.join("in/news"))
        .arg(dir.join("out"))
        .output()
        .expect("python3 runs the reference");
    assert!(
        out.status.success(),
        "NEWS_IMPACT ({what}) differs from the pandas reference:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Placebo news: for every symbol, times with no real news on it within 20 minutes, where
/// the generator injected nothing (ids from 900 000, label neutral).
fn placebo_news(news: &[Json]) -> Vec<Json> {
    let mut by_symbol: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for n in news {
        let s = n["symbol"].as_str().unwrap_or_default().to_string();
        by_symbol
            .entry(s)
            .or_default()
            .push(millis(n["event_time"].as_str().unwrap_or_default()));
    }
    let (first, last) = news.iter().fold((i64::MAX, i64::MIN), |(lo, hi), n| {
        let t = millis(n["event_time"].as_str().unwrap_or_default());
        (lo.min(t), hi.max(t))
    });
    let mut out = Vec::new();
    let mut id = 900_000;
    for (symbol, times) in &by_symbol {
        // Every 37 minutes from the first news time; skip those near any real news of the
        // symbol and those outside a session (the gap between sessions has no trades).
        let mut t = first + 17 * MINUTE;
        while t < last {
            let quiet = times.iter().all(|x| (x - t).abs() > 20 * MINUTE);
            let day_ms = t.rem_euclid(86_400_000);
            let in_session = (10 * 3_600_000..15 * 3_600_000 + 15 * MINUTE).contains(&day_ms);
            if quiet && in_session {
                out.push(serde_json::json!({
                    "symbol": symbol,
                    "news_id": id,
                    "event_time": newsflow_common::time::format_timestamp_sql(t, 0),
                    "label": "neutral",
                }));
                id += 1;
            }
            t += 37 * MINUTE;
        }
    }
    out
}

fn write_jsonl(path: &Path, rows: &[Json]) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn rms(v: &[f64]) -> f64 {
    (v.iter().map(|x| x * x).sum::<f64>() / v.len().max(1) as f64).sqrt()
}

/// Over three seeded sessions (300 news items, 20 symbols, a 2 % market factor):
/// * every good or bad item (an injected jump of 1–4 %) that no other item on its symbol
///   overlaps (±11 min) gets an abnormal 10-minute return of the jump's sign, within
///   1.5 percentage points of its size, 0.4 points RMS (the stock's own noise over ten
///   minutes is about 0.25 points);
/// * the abnormal return is nearer the truth than the raw return (the market factor is
///   taken out);
/// * placebo items at quiet times (nothing injected) get abnormal returns of mean ≈ 0
///   (|mean| < 0.1 points) and RMS < 0.4 points;
/// * the fitted betas follow the generator's (correlation > 0.5);
/// * volume after news is above volume before (every item injects a ×2–5 spike);
/// * the operator holds at most 70 minutes of trades, however long the stream.
#[test]
fn news_impact_recovers_the_generators_ground_truth() {
    let dir = temp_dir("impact-truth");
    generate(&dir, 3, FULL_MARKET);
    let news = rows(&dir.join("in/news"));
    assert_eq!(news.len(), 300);
    let placebo = placebo_news(&news);
    assert!(placebo.len() > 100, "only {} placebo items", placebo.len());
    write_jsonl(&dir.join("in/news/placebo.json"), &placebo);
    let report = run_in(&dir, IMPACT_SQL, 1024);
    assert_eq!(report.dead_letter_total(), 0);
    assert_eq!(report.late_rows(), 0);
    // State stays bounded: the trades of the last 70 minutes (10 a second) and the pending
    // news, of 700 000 trades in all.
    let state = report
        .operators
        .iter()
        .find(|o| o.operator.contains("NewsImpact"))
        .map(|o| o.max_state)
        .expect("the report lists NEWS_IMPACT's operator");
    assert!(state < 50_000, "NEWS_IMPACT held {state} rows at most");

    let truth: BTreeMap<i64, Json> = rows(&dir.join("in/truth"))
        .into_iter()
        .map(|t| (t["news_id"].as_i64().unwrap_or_default(), t))
        .collect();
    let impact: BTreeMap<i64, Json> = rows(&dir.join("out"))
        .into_iter()
        .map(|r| (r["news_id"].as_i64().unwrap_or_default(), r))
        .collect();
    assert_eq!(impact.len(), 300 + placebo.len(), "one row per news item, exactly once");

    let time_of = |t: &Json| millis(t["news_time"].as_str().unwrap_or_default());
    let (mut abnormal_err, mut raw_err, mut betas, mut checked) = (vec![], vec![], vec![], 0);
    for (id, t) in &truth {
        let t0 = time_of(t);
        let overlapped = truth.values().any(|o| {
            o["symbol"] == t["symbol"] && o["news_id"] != t["news_id"] && (time_of(o) - t0).abs() < 11 * MINUTE
        });
        let row = &impact[id];
        let (Some(ar), Some(r)) = (num(row, "abnormal_ret_10m"), num(row, "ret_10m")) else {
            continue;
        };
        if overlapped {
            continue;
        }
        let jump = num(t, "price_impact").unwrap_or_default();
        if t["sentiment"] != "neutral" {
            assert_eq!(ar > 0.0, jump > 0.0, "news {id}: injected {jump}, abnormal return {ar}");
        }
        assert!(
            (ar - jump).abs() < 0.015,
            "news {id}: injected {jump}, abnormal return {ar}"
        );
        abnormal_err.push(ar - jump);
        raw_err.push(r - jump);
        if let Some(b) = num(row, "beta") {
            betas.push((b, num(t, "market_beta").unwrap_or_default()));
        }
        let (before, after) = (num(row, "volume_before"), num(row, "volume_after"));
        if let (Some(b), Some(a)) = (before, after) {
            if b > 0.0 {
                assert!(
                    a / 10.0 > b / 5.0,
                    "news {id}: volume per minute {} after, {} before",
                    a / 10.0,
                    b / 5.0
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 150, "only {checked} items without overlap");
    let (ar_rms, raw_rms) = (rms(&abnormal_err), rms(&raw_err));
    assert!(ar_rms < 0.004, "abnormal return error RMS {ar_rms}");
    assert!(
        ar_rms < raw_rms,
        "the market model did not help: {ar_rms} vs raw {raw_rms}"
    );

    let placebo_ar: Vec<f64> = placebo
        .iter()
        .filter_map(|p| num(&impact[&p["news_id"].as_i64().unwrap_or_default()], "abnormal_ret_10m"))
        .collect();
    assert!(placebo_ar.len() > 100);
    let mean = placebo_ar.iter().sum::<f64>() / placebo_ar.len() as f64;
    assert!(mean.abs() < 0.001, "placebo mean abnormal return {mean}");
    assert!(
        rms(&placebo_ar) < 0.004,
        "placebo abnormal return RMS {}",
        rms(&placebo_ar)
    );

    let n = betas.len() as f64;
    let (mx, my) = (
        betas.iter().map(|b| b.0).sum::<f64>() / n,
        betas.iter().map(|b| b.1).sum::<f64>() / n,
    );
    let cov: f64 = betas.iter().map(|b| (b.0 - mx) * (b.1 - my)).sum();
    let (vx, vy): (f64, f64) = (
        betas.iter().map(|b| (b.0 - mx).powi(2)).sum(),
        betas.iter().map(|b| (b.1 - my).powi(2)).sum(),
    );
    let corr = cov / (vx * vy).sqrt();
    assert!(corr > 0.5, "fitted betas correlate {corr} with the generator's");
    println!(
        "checked {checked} items: abnormal error RMS {ar_rms:.5}, raw {raw_rms:.5}; placebo mean {mean:.5} RMS {:.5}; \
         beta correlation {corr:.3}",
        rms(&placebo_ar)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// One session of a smaller market through `NEWS_IMPACT` at two batch sizes and through two crashes: every
/// run's figures equal the pandas reference's.
#[test]
fn news_impact_matches_an_independent_pandas_reference_through_crashes() {
    let src = temp_dir("impact-case");
    generate(&src, 1, SMALL_MARKET);
    std::fs::write(src.join("case.sql"), IMPACT_SQL).expect("write case.sql");
    for batch in [1, 1024] {
        let dir = temp_dir(&format!("impact-batch-{batch}"));
        super::copy_dir(&src, &dir);
        let report = run_in(&dir, IMPACT_SQL, batch);
        assert_eq!(report.dead_letter_total(), 0);
        check_with_reference(&dir, &format!("batch {batch}"));
        let _ = std::fs::remove_dir_all(&dir);
    }
    through_crashes_from(
        &src,
        "impact",
        "local",
        "SET 'state.checkpoints.dir' = 'checkpoints';",
        &|_, sql| sql,
        &|_, dir, what| check_with_reference(dir, what),
    );
    let _ = std::fs::remove_dir_all(&src);
}
