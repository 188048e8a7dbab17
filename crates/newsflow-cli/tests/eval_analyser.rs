//! `newsflow eval-analyser`: the binary on a small labelled file with the offline
//! analyser (scores checked against the analyser itself), against a local
//! OpenAI-compatible server whose labels are known (`support/`), and against an endpoint
//! nothing listens on (every row an error, counted as wrong and apart, never `bad`).

#[allow(dead_code)] // the server's other helpers serve the pipeline tests
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use newsflow_llm::Label;
use support::{dead_endpoint, label_for, Delay, MockOpenAi};

const ITEMS: [(&str, &str, &str, &str); 9] = [
    ("Intel to lay off 15% of its workforce", "bad", "en", "corporate"),
    (
        "Microsoft beats estimates, raises dividend 10%",
        "good",
        "en",
        "earnings",
    ),
    (
        "Samsung to hold its shareholder meeting on March 20",
        "good",
        "en",
        "corporate",
    ),
    ("Tesla recalls 2 million vehicles", "bad", "en", "product"),
    ("Apple unveils a $110 billion share buyback", "good", "en", "capital"),
    ("현대차, 주가 3% 하락…관세 우려", "bad", "ko", "market"),
    ("삼성전자, 2분기 영업이익 10조 돌파", "good", "ko", "earnings"),
    ("포스코홀딩스, 정기 주주총회 개최", "neutral", "ko", "corporate"),
    ("카카오, 주가 급락", "neutral", "ko", "market"),
];

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("newsflow-eval-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write_set(dir: &Path) -> PathBuf {
    let text: String = ITEMS
        .iter()
        .map(|(t, l, lang, kind)| {
            format!(
                "{}\n",
                serde_json::json!({"text": t, "label": l, "lang": lang, "kind": kind})
            )
        })
        .collect();
    let path = dir.join("set.jsonl");
    std::fs::write(&path, text).expect("write set");
    path
}

fn eval(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join("user-cache"))
        .arg("eval-analyser")
        .args(args)
        .output()
        .expect("run newsflow eval-analyser")
}

fn json_report(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn label_str(l: Label) -> &'static str {
    l.as_str()
}

#[test]
fn the_offline_analyser_on_a_small_labelled_file() {
    let dir = temp_dir("offline");
    let set = write_set(&dir);
    let predicted: Vec<&str> = ITEMS
        .iter()
        .map(|(t, ..)| label_str(newsflow_llm::analyze(t).label))
        .collect();
    let want_correct = ITEMS.iter().zip(&predicted).filter(|((_, g, ..), p)| g == *p).count();
    let want_missed: Vec<u64> = ITEMS
        .iter()
        .zip(&predicted)
        .enumerate()
        .filter(|(_, ((_, g, ..), p))| g != *p)
        .map(|(i, _)| i as u64 + 1)
        .collect();
    assert!(
        want_correct > 0 && !want_missed.is_empty(),
        "the set should have hits and misses"
    );

    let text = eval(&dir, &[set.to_str().expect("utf-8")]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let accuracy = want_correct as f64 / ITEMS.len() as f64;
    assert!(
        stdout.contains(&format!("accuracy {accuracy:.3} ({want_correct} of 9)")),
        "{stdout}"
    );
    for heading in [
        "macro-F1",
        "errors 0",
        "confusion (rows: gold",
        "by lang",
        "by kind",
        "precision",
    ] {
        assert!(stdout.contains(heading), "no {heading:?} in {stdout}");
    }
    assert!(
        stdout.contains(&format!("{} misses (--misses lists them)", want_missed.len())),
        "{stdout}"
    );

    let r = json_report(&eval(
        &dir,
        &[set.to_str().expect("utf-8"), "--format", "json", "--misses"],
    ));
    assert_eq!(
        (r["items"].as_u64(), r["correct"].as_u64(), r["errors"].as_u64()),
        (Some(9), Some(want_correct as u64), Some(0))
    );
    assert_eq!(r["metrics"]["provider"], "offline");
    let lines: Vec<u64> = r["misses"]
        .as_array()
        .expect("misses")
        .iter()
        .filter_map(|m| m["line"].as_u64())
        .collect();
    assert_eq!(lines, want_missed);
    let confusion_total: u64 = r["confusion"]
        .as_array()
        .expect("confusion")
        .iter()
        .map(|row| {
            ["good", "bad", "neutral", "error"]
                .iter()
                .filter_map(|k| row[*k].as_u64())
                .sum::<u64>()
        })
        .sum();
    assert_eq!(confusion_total, 9);
    let langs: Vec<&str> = r["by_lang"]
        .as_array()
        .expect("by_lang")
        .iter()
        .filter_map(|g| g["value"].as_str())
        .collect();
    assert_eq!(langs, ["en", "ko"]);
    assert!(r["by_category"].is_null(), "no item has a category");
    // Without --misses the JSON has the count only.
    let r = json_report(&eval(&dir, &[set.to_str().expect("utf-8"), "--format", "json"]));
    assert_eq!(r["missed"].as_u64(), Some(want_missed.len() as u64));
    assert_eq!(r["misses"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_bad_labelled_file_is_refused_with_its_line() {
    let dir = temp_dir("bad-file");
    let path = dir.join("set.jsonl");
    std::fs::write(
        &path,
        "{\"text\":\"a\",\"label\":\"good\"}\n{\"text\":\"b\",\"label\":\"up\"}\n",
    )
    .expect("write");
    let out = eval(&dir, &[path.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("set.jsonl:2") && stderr.contains("\"up\""), "{stderr}");
    // An option newsflow would not honour is refused too.
    let good = write_set(&dir);
    let out = eval(
        &dir,
        &[
            good.to_str().expect("utf-8"),
            "--llm",
            "openai",
            "--option",
            "structured-output=maybe",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'auto' or 'off'"), "{stderr}");
}

#[test]
fn a_provider_is_scored_by_its_answers_and_an_unreachable_one_by_its_errors() {
    let server = MockOpenAi::start(Delay::Fixed(Duration::from_millis(5)));
    let dir = temp_dir("provider");
    let set = write_set(&dir);
    let set = set.to_str().expect("utf-8");
    let want_correct = ITEMS.iter().filter(|(t, g, ..)| label_for(t) == *g).count();
    let url = server.url();
    let r = json_report(&eval(
        &dir,
        &[
            set,
            "--llm",
            "openai",
            "--llm-endpoint",
            &url,
            "--llm-model",
            "mock",
            "--option",
            "cache=off",
            "--format",
            "json",
        ],
    ));
    assert_eq!(r["correct"].as_u64(), Some(want_correct as u64), "{r}");
    assert_eq!(r["errors"].as_u64(), Some(0), "{r}");
    assert_eq!(r["metrics"]["provider"], "openai");
    assert_eq!(r["metrics"]["model"], "mock");
    assert_eq!(server.requests(), ITEMS.len());

    // Nothing listens: nine errors, counted as wrong and on their own, none of them `bad`.
    let dead = dead_endpoint();
    let out = eval(
        &dir,
        &[
            set,
            "--llm",
            "openai",
            "--llm-endpoint",
            &dead,
            "--option",
            "max-retries=0",
            "--option",
            "cache=off",
            "--misses",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("accuracy 0.000 (0 of 9)") && stdout.contains("errors 9"),
        "{stdout}"
    );
    assert!(stdout.contains("errors by kind: connect 9"), "{stdout}");
    assert_eq!(stdout.matches("got error (connect:").count(), 9, "{stdout}");
    let r = json_report(&eval(
        &dir,
        &[
            set,
            "--llm",
            "openai",
            "--llm-endpoint",
            &dead,
            "--option",
            "max-retries=0",
            "--option",
            "cache=off",
            "--format",
            "json",
            "--misses",
        ],
    ));
    for row in r["confusion"].as_array().expect("confusion") {
        assert_eq!(
            (row["good"].as_u64(), row["bad"].as_u64(), row["neutral"].as_u64()),
            (Some(0), Some(0), Some(0)),
            "{row}"
        );
    }
    assert!(r["misses"]
        .as_array()
        .expect("misses")
        .iter()
        .all(|m| m["predicted"] == "error"));
    for l in r["labels"].as_array().expect("labels") {
        assert_eq!(l["predicted"].as_u64(), Some(0), "{l}");
        assert_eq!(l["recall"].as_f64(), Some(0.0), "{l}");
    }
}
