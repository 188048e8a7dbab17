//! `newsflow eval-analyser FILE`: how well an analyser labels a labelled JSON-lines file —
//! the offline analyser, or any provider chosen with the same `--llm*` flags as
//! `newsflow demo` (`--llm openai --llm-endpoint URL --llm-model M --option KEY=VALUE`).
//! Prints accuracy, macro-F1, per-label precision/recall, the confusion matrix, per-lang
//! / per-kind / per-category breakdowns and the error rows (counted as wrong and apart),
//! as text or as one JSON object (`--format json`); `--misses` lists the misses. The
//! scoring is `newsflow_llm::eval`.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use newsflow_llm::eval::{evaluate, read_labelled, EvalReport, GroupScore};
use newsflow_llm::{Analyzer, ProviderConfig};

use crate::llm_args::LlmArgs;

/// How the report is printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Tables for people.
    Text,
    /// One JSON object (the scores, the breakdowns, the analyser's metrics).
    Json,
}

/// `newsflow eval-analyser` options.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// Labelled JSON lines: {"text": …, "label": "good"|"bad"|"neutral"} with optional
    /// "lang", "kind" and "category".
    pub file: PathBuf,
    #[command(flatten)]
    pub llm: LlmArgs,
    /// Print a readable report (text) or one JSON object (json).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// List every miss (a wrong label or an error) with its text.
    #[arg(long)]
    pub misses: bool,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let items = read_labelled(&args.file)?;
    let options = args.llm.options()?;
    let config = ProviderConfig::from_options(options.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .context("the --llm options")?;
    let mut analyzer = Analyzer::new(config).context("starting the analyser")?;
    if let Some(cache) = analyzer.cache_path() {
        eprintln!(
            "answers are cached in {} (--option cache=off asks the model again)",
            cache.display()
        );
    }
    let bar = progress(items.len() as u64);
    let mut report = evaluate(&mut analyzer, &items, &mut |done| bar.set_position(done as u64));
    bar.finish_and_clear();
    let file = args.file.display().to_string();
    match args.format {
        Format::Json => {
            if !args.misses {
                report.misses.clear();
            }
            let mut json = serde_json::to_value(&report).context("rendering the report")?;
            if let Some(o) = json.as_object_mut() {
                o.insert("file".into(), file.into());
            }
            println!("{json}");
        }
        Format::Text => print!("{}", render_text(&report, &file, args.misses)),
    }
    Ok(())
}

fn progress(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    // Drawn only when stderr is a terminal.
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    let style = indicatif::ProgressStyle::with_template("{pos}/{len} analysed {wide_bar} {elapsed_precise} eta {eta}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// The report as text (tables).
pub fn render_text(r: &EvalReport, file: &str, misses: bool) -> String {
    let mut out = String::new();
    let analyser = r
        .metrics
        .as_ref()
        .map_or_else(String::new, |m| format!(" by {} {}", m.provider, m.model));
    let _ = writeln!(
        out,
        "{file}: {} items analysed{analyser} in {:.1} s",
        r.items, r.elapsed_s
    );
    let _ = writeln!(
        out,
        "accuracy {:.3} ({} of {})   macro-F1 {:.3}   errors {} (counted as wrong)",
        r.accuracy, r.correct, r.items, r.macro_f1, r.errors
    );
    if !r.error_kinds.is_empty() {
        let kinds: Vec<String> = r.error_kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(out, "errors by kind: {}", kinds.join(", "));
    }
    let _ = writeln!(out, "\nlabel     precision  recall     F1   gold  predicted");
    for l in &r.labels {
        let _ = writeln!(
            out,
            "{:<9} {:>9.3} {:>7.3} {:>6.3} {:>6} {:>10}",
            l.label, l.precision, l.recall, l.f1, l.support, l.predicted
        );
    }
    let _ = writeln!(out, "\nconfusion (rows: gold, columns: predicted)");
    let _ = writeln!(
        out,
        "{:<9} {:>6} {:>6} {:>8} {:>6}",
        "", "good", "bad", "neutral", "error"
    );
    for c in &r.confusion {
        let _ = writeln!(
            out,
            "{:<9} {:>6} {:>6} {:>8} {:>6}",
            c.gold, c.good, c.bad, c.neutral, c.error
        );
    }
    for (name, groups) in [("lang", &r.by_lang), ("kind", &r.by_kind), ("category", &r.by_category)] {
        if let Some(groups) = groups {
            out.push('\n');
            render_groups(&mut out, name, groups);
        }
    }
    if let Some(m) = r.metrics.as_ref().filter(|m| m.requests > 0 || m.cache_hits > 0) {
        let _ = writeln!(
            out,
            "\n{} requests ({} retries, {} repairs, {} structured replies), {} cache hits, latency mean {:.0} ms \
             max {:.0} ms, in flight {} (peak {}), tokens {} in / {} out",
            m.requests,
            m.retries,
            m.repairs,
            m.structured_replies,
            m.cache_hits,
            m.latency.mean_ms,
            m.latency.max_ms,
            m.in_flight_limit,
            m.in_flight_peak,
            m.input_tokens,
            m.output_tokens
        );
    }
    if misses {
        let _ = writeln!(out, "\nmisses ({}):", r.misses.len());
        for m in &r.misses {
            let got = match (&m.error, m.score) {
                (Some(e), _) => format!("error ({e})"),
                (None, Some(s)) => format!("{} ({s:+.2})", m.predicted),
                (None, None) => m.predicted.to_string(),
            };
            let tags: Vec<&str> = [m.lang.as_deref(), m.kind.as_deref()].into_iter().flatten().collect();
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", tags.join(", "))
            };
            let _ = writeln!(
                out,
                "  line {:<4} gold {:<7} got {got}{tags}: {}",
                m.line, m.gold, m.text
            );
        }
    } else if r.missed > 0 {
        let _ = writeln!(out, "\n{} misses (--misses lists them)", r.missed);
    }
    out
}

fn render_groups(out: &mut String, name: &str, groups: &[GroupScore]) {
    let _ = writeln!(out, "by {name:<9} items  accuracy  macro-F1  errors");
    for g in groups {
        let _ = writeln!(
            out,
            "{:<12} {:>6} {:>9.3} {:>9.3} {:>7}",
            g.value, g.items, g.accuracy, g.macro_f1, g.errors
        );
    }
}
