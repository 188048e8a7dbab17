//! The terminal progress bar of `newsflow run`: drawn when stderr is a terminal (the test
//! gives it one with util-linux `script`, which runs a command in a pseudo-terminal) and
//! every source is bounded; absent when stderr is a pipe, when a source has no end, and
//! when bare SELECTs print to the same terminal.

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// `newsflow ARGS` in `dir` inside a pseudo-terminal: everything it wrote there.
fn in_terminal(dir: &Path, args: &str) -> String {
    let log = dir.join("typescript");
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_newsflow"));
    let status = Command::new("script")
        .current_dir(dir)
        .args(["-qfec", &cmd])
        .arg(&log)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("util-linux `script` (Debian package bsdutils) runs the command in a terminal");
    assert!(status.success(), "{cmd}: {status}");
    String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned()
}

/// The bar's frames: what indicatif drew between carriage returns.
fn frames(terminal: &str) -> Vec<String> {
    terminal
        .split(['\r', '\n'])
        .filter(|f| f.contains("rows read"))
        .map(|f| f.replace("\u{1b}[2K", ""))
        .collect()
}

fn percent(frame: &str) -> Option<u32> {
    let at = frame.find('%')?;
    frame[..at].rsplit(' ').next()?.trim().parse().ok()
}

#[test]
fn a_bounded_job_in_a_terminal_shows_a_progress_bar_and_a_pipe_gets_none() {
    let dir = super::temp_dir("progress");
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("trades.jsonl")).unwrap());
    for i in 0..1_200_000u64 {
        writeln!(
            f,
            "{{\"symbol\": \"S{}\", \"price\": {}, \"volume\": {}}}",
            i % 7,
            100 + i % 13,
            i % 100
        )
        .unwrap();
    }
    f.flush().unwrap();
    drop(f);
    std::fs::write(
        dir.join("job.sql"),
        "CREATE TABLE trades (symbol STRING, price DOUBLE, volume INT)
  WITH ('connector' = 'filesystem', 'path' = 'trades.jsonl', 'format' = 'json');
CREATE TABLE out (symbol STRING, v DOUBLE) WITH ('connector' = 'blackhole');
INSERT INTO out SELECT symbol, price * volume FROM trades;
",
    )
    .unwrap();

    // In a terminal: frames with the fraction done, rows, rows/s and the time left.
    let shown = in_terminal(&dir, "run job.sql");
    let drawn = frames(&shown);
    assert!(drawn.len() >= 2, "no progress bar drawn: {shown:?}");
    let mid = drawn
        .iter()
        .filter_map(|f| percent(f))
        .filter(|p| (1..100).contains(p))
        .count();
    assert!(mid > 0, "no frame between 0 and 100 %: {drawn:?}");
    let percents: Vec<u32> = drawn.iter().filter_map(|f| percent(f)).collect();
    assert!(
        percents.windows(2).all(|w| w[0] <= w[1]),
        "progress went back: {percents:?}"
    );
    assert!(
        drawn.iter().all(|f| f.contains("rows/s") && f.contains("eta")),
        "{drawn:?}"
    );
    assert!(shown.contains("read       1200000 rows from trades"), "{shown}");

    // Piped: the same job draws nothing.
    let out = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .current_dir(&dir)
        .args(["run", "job.sql"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("rows/s") && !err.contains('\r'),
        "a bar on a pipe: {err:?}"
    );

    // A source without an end: no bar (there is no end to measure against).
    std::fs::write(
        dir.join("endless.sql"),
        "CREATE TABLE s (v INT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000');
CREATE TABLE out (v INT) WITH ('connector' = 'blackhole');
INSERT INTO out SELECT v FROM s;
",
    )
    .unwrap();
    let shown = in_terminal(&dir, "run endless.sql --duration 2");
    assert!(frames(&shown).is_empty(), "a bar for an unbounded source: {shown:?}");

    // A bare SELECT printing to the terminal: its rows, no bar tearing them.
    std::fs::write(
        dir.join("select.sql"),
        "CREATE TABLE trades (symbol STRING, price DOUBLE, volume INT)
  WITH ('connector' = 'filesystem', 'path' = 'trades.jsonl', 'format' = 'json');
SELECT symbol FROM trades WHERE volume = 0 AND price = 100;
",
    )
    .unwrap();
    let shown = in_terminal(&dir, "run select.sql");
    assert!(shown.contains("+I[S0]"), "{}", &shown[..shown.len().min(500)]);
    assert!(frames(&shown).is_empty(), "a bar over printed rows");
}
