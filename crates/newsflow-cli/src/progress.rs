//! The terminal progress bar of `newsflow run` when every source is bounded (files,
//! generators with `days`/`number-of-rows`, replays): how far the slowest source has got,
//! rows read and rows/s, and the time left (indicatif). Drawn on stderr only when it is a
//! terminal, and not when bare SELECTs print rows to the same terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use newsflow_runtime::{JobReport, LiveReport};

/// How often the job publishes its figures for the bar (without a dashboard).
pub const INTERVAL: Duration = Duration::from_millis(250);

/// The bar's length: the fraction done in thousandths.
const STEPS: u64 = 1000;

/// Whether stderr is a terminal (a bar could be drawn).
pub fn terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Whether `run` should draw the bar: stderr is a terminal, and no bare SELECT prints to
/// the same terminal (its rows would tear the bar).
pub fn wanted(prints_rows: bool) -> bool {
    terminal() && !(prints_rows && std::io::stdout().is_terminal())
}

/// The fraction done of a job whose sources are all bounded: that of the source furthest
/// behind (the job ends with it); `None` while a source is unbounded or cannot say.
pub fn fraction(report: &JobReport) -> Option<f64> {
    if report.sources.is_empty() {
        return None;
    }
    let mut least: f64 = 1.0;
    for s in &report.sources {
        if !s.bounded {
            return None;
        }
        if s.finished {
            continue;
        }
        least = least.min(s.progress?.fraction());
    }
    Some(least)
}

/// The bar, drawn by its own thread from the job's live reports until dropped.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template("{spinner} {percent:>3}% {wide_bar} {msg} · {elapsed_precise} eta {eta}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
}

/// Start drawing from `live` (which the job must have been built with).
pub fn start(live: LiveReport) -> Bar {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("newsflow-progress".into())
        .spawn(move || draw(live, &flag))
        .ok();
    Bar { stop, thread }
}

fn draw(live: LiveReport, stop: &AtomicBool) {
    let bar = indicatif::ProgressBar::with_draw_target(Some(STEPS), indicatif::ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(style());
    let mut seen = 0;
    // Rows/s over the last few seconds.
    let mut window: std::collections::VecDeque<(Instant, u64)> = Default::default();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(INTERVAL);
        let Some(snap) = live.latest() else { continue };
        if snap.seq == seen {
            continue;
        }
        seen = snap.seq;
        let Some(f) = fraction(&snap.report) else {
            // A source without an end (or that cannot tell): no bar at all.
            bar.finish_and_clear();
            return;
        };
        let rows: u64 = snap.report.rows_read.iter().map(|r| r.1).sum();
        let now = Instant::now();
        window.push_back((now, rows));
        while window.len() > 2 && now.duration_since(window[0].0) > Duration::from_secs(5) {
            window.pop_front();
        }
        let rate = match (window.front(), window.back()) {
            (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) as f64 / b.0.duration_since(a.0).as_secs_f64(),
            _ => 0.0,
        };
        bar.set_message(format!("{} rows read, {} rows/s", group(rows), group(rate as u64)));
        bar.set_position((f * STEPS as f64) as u64);
        if snap.finished {
            break;
        }
    }
    bar.finish_and_clear();
}

/// 1234567 → "1,234,567".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_connectors::{Progress, ProgressUnit};
    use newsflow_runtime::SourceProgress;

    fn source(bounded: bool, finished: bool, p: Option<(u64, u64)>) -> SourceProgress {
        SourceProgress {
            table: "t".into(),
            bounded,
            finished,
            progress: p.map(|(done, total)| Progress {
                done,
                total,
                unit: ProgressUnit::Bytes,
            }),
        }
    }

    #[test]
    fn the_fraction_is_the_slowest_sources_and_none_without_an_end() {
        let mut r = JobReport::default();
        assert_eq!(fraction(&r), None);
        r.sources = vec![
            source(true, false, Some((50, 100))),
            source(true, false, Some((10, 40))),
        ];
        assert_eq!(fraction(&r), Some(0.25));
        // A finished source no longer holds the job back.
        r.sources[1] = source(true, true, Some((10, 40)));
        assert_eq!(fraction(&r), Some(0.5));
        r.sources.push(source(false, false, None));
        assert_eq!(fraction(&r), None, "an unbounded source: no bar");
        r.sources[2] = source(true, false, None);
        assert_eq!(fraction(&r), None, "a source that cannot tell: no bar");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }
}
