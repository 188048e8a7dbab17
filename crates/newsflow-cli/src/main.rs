//! # newsflow (the binary)
//!
//! ```text
//!   newsflow run FILE.sql      run every statement of a Flink SQL script as one job
//!   newsflow explain FILE.sql  show the plan of each INSERT / SELECT
//!   newsflow savepoint PID     ask a running job to write a savepoint and stop
//!   newsflow demo              the flagship pipeline on generated data, live in the terminal
//!                              and in the web dashboard (newsflow-ui, cargo feature `ui`)
//!   newsflow produce           a generator's rows or a file's lines into a Kafka topic
//!   newsflow consume           print a Kafka topic's messages
//!   newsflow query             SQL over archived Parquet/JSON/CSV (local or S3), DataFusion
//!   newsflow eval-analyser     accuracy of the offline analyser or an LLM on a labelled file
//! ```
//!
//! The CLI only parses arguments and prints; the engine lives in `newsflow-runtime`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod demo;
mod eval_cmd;
mod kafka_cmd;
mod llm_args;
mod progress;
mod table;
mod ui;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use newsflow_runtime::{Job, JobOptions, JobReport, LiveReport};

#[derive(Parser)]
#[command(
    name = "newsflow",
    version,
    about = "Real-time news-impact analysis: a Flink-SQL streaming engine in one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// SQL over Hive-partitioned Parquet, JSON-lines and CSV archives, local or on S3
    /// (what Athena is to a Firehose archive), with DataFusion. Without SQL: a prompt.
    ///
    /// Example:
    ///   newsflow query --table analysis=s3://bucket/analysis \
    ///       "SELECT day, count(*) FROM analysis WHERE month = 11 GROUP BY day"
    #[cfg(feature = "query")]
    Query(newsflow_query::QueryArgs),
    /// Aggregate NEWS_IMPACT rows (a run's output or an archive): the labels' hit rate,
    /// mean abnormal returns with 95 % confidence, reaction curves by label, and per-symbol
    /// and per-topic breakdowns; `--svg` draws the curves.
    ///
    /// Example:
    ///   newsflow impact-report --impact out/impact --svg reaction.svg
    #[cfg(feature = "query")]
    ImpactReport(newsflow_query::ImpactReportArgs),
    /// Run a Flink SQL script (CREATE TABLE / VIEW, SET, INSERT INTO, SELECT) as one job.
    ///
    /// Example:
    ///   newsflow run examples/flagship.sql
    ///   cd tests/golden/flagship_small && newsflow run case.sql
    Run {
        /// The SQL file.
        file: PathBuf,
        /// Directory for dead letters (records that could not be read), one file per table.
        #[arg(long, default_value = "dead-letter")]
        dead_letter_dir: PathBuf,
        /// Stop after this many seconds (for unbounded sources).
        #[arg(long)]
        duration: Option<f64>,
        /// Rows per source poll.
        #[arg(long, default_value_t = 1024)]
        batch_size: usize,
        /// Print the job report as JSON on stderr at the end.
        #[arg(long)]
        report_json: bool,
        /// Start over: delete the checkpoints in 'state.checkpoints.dir' instead of
        /// resuming from the newest.
        #[arg(long)]
        fresh: bool,
        /// Resume from this savepoint (or checkpoint) directory
        /// (like SET 'execution.savepoint.path').
        #[arg(long, value_name = "DIR")]
        from_savepoint: Option<PathBuf>,
        #[command(flatten)]
        ui: ui::UiArgs,
    },
    /// Ask a running `newsflow run` (by process id) to write a savepoint and stop.
    ///
    /// The savepoint goes to 'state.savepoints.dir' (or '<state.checkpoints.dir>/savepoints');
    /// the job prints its path. Resume with `newsflow run --from-savepoint DIR`.
    ///
    /// Example:
    ///   newsflow savepoint 12345
    Savepoint {
        /// Process id of the running job.
        pid: i32,
    },
    /// Write a generator's rows or a JSON-lines file into a Kafka topic, optionally paced.
    ///
    /// Example:
    ///   newsflow produce --topic stock --generator stock --set rows=100000 --key-field symbol --create-partitions 4
    ///   newsflow produce --topic news --file news.jsonl --time-field news_time --speed-up 60
    Produce(kafka_cmd::ProduceArgs),
    /// Print the messages of a Kafka topic (values, or with --verbose partition/offset/key too).
    ///
    /// Example:
    ///   newsflow consume --topic analysis --from-beginning --to-end
    Consume(kafka_cmd::ConsumeArgs),
    /// Show the streaming plan of each INSERT / SELECT in a script.
    ///
    /// Example:
    ///   newsflow explain examples/flagship.sql
    Explain { file: PathBuf },
    /// Run examples/flagship.sql on generated news and trades, showing results live.
    ///
    /// Example:
    ///   newsflow demo --duration 30
    ///   newsflow demo --llm openai --llm-endpoint http://127.0.0.1:8000 --llm-model qwen2.5
    Demo(demo::DemoArgs),
    /// Measure an analyser on a labelled JSON-lines file ({"text", "label"[, "lang",
    /// "kind", "category"]}): accuracy, macro-F1, per-label precision/recall, confusion
    /// matrix, breakdowns, error rows. The offline analyser, or any provider.
    ///
    /// Example:
    ///   newsflow eval-analyser headlines.jsonl
    ///   newsflow eval-analyser headlines.jsonl --llm openai --llm-endpoint http://127.0.0.1:8080 --misses
    ///   newsflow eval-analyser headlines.jsonl --llm anthropic --option max-in-flight=8 --format json
    #[command(name = "eval-analyser")]
    EvalAnalyser(eval_cmd::EvalArgs),
}

fn read_sql(file: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
}

fn base_dir(file: &Path) -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| file.parent().map(Path::to_path_buf).unwrap_or_default())
}

pub fn print_report(report: &JobReport) {
    let secs = report.elapsed.as_secs_f64();
    for (t, n) in &report.rows_read {
        eprintln!("read    {n:>10} rows from {t}");
    }
    for o in &report.operators {
        if o.late_rows > 0 {
            eprintln!(
                "late    {:>10} rows dropped by {} in {}",
                o.late_rows, o.operator, o.pipeline
            );
        }
    }
    for (t, n, path) in &report.dead_letters {
        eprintln!("bad     {n:>10} records of {t} → {path}");
    }
    for line in report.llm_summary() {
        eprintln!("{line}");
    }
    let c = &report.checkpoints;
    if c.completed > 0 {
        eprintln!(
            "state   {:>10} checkpoints, last #{} of {} bytes, longest {:.1} ms",
            c.completed,
            c.last_id.unwrap_or(0),
            c.last_bytes,
            c.max_duration.as_secs_f64() * 1000.0
        );
    }
    eprintln!("done in {secs:.2} s");
}

fn run(file: &Path, mut opts: JobOptions, report_json: bool, ui_args: &ui::UiArgs) -> anyhow::Result<()> {
    let sql = read_sql(file)?;
    let hooks = ui::hooks(ui_args.ui_port, &mut opts);
    // The progress bar reads the same live reports as the dashboard (or its own, and only
    // when there is a terminal to draw on).
    if progress::terminal() {
        opts.live_report
            .get_or_insert_with(|| LiveReport::new(progress::INTERVAL));
    }
    let live = opts.live_report.clone();
    let mut job = Job::build(&sql, opts).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let prints_rows = job.pipeline_names().any(|n| n.starts_with("SELECT"));
    let bar = live.filter(|_| progress::wanted(prints_rows)).map(progress::start);
    let ui = match (hooks, ui_args.ui_port) {
        (Some(hooks), Some(port)) => {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ui = ui::start(ui_args, port, &job, hooks, &name)?;
            eprintln!("dashboard: {}", ui.url);
            Some(ui)
        }
        _ => None,
    };
    let report = job.run();
    drop(bar);
    let report = report?;
    print_report(&report);
    let linger = ui.as_ref().filter(|_| ui_args.ui_linger);
    if report_json {
        let json = serde_json::json!({
            "elapsed_s": report.elapsed.as_secs_f64(),
            "dead_letters": report.dead_letter_total(),
            "rows_read": report.rows_read.iter().map(|(t, n)| serde_json::json!({"table": t, "rows": n})).collect::<Vec<_>>(),
            "operators": report.operators.iter().map(|o| serde_json::json!({
                "pipeline": o.pipeline,
                "operator": o.operator,
                "id": o.id,
                "max_state": o.max_state,
                "late_rows": o.late_rows,
                "rows_in": o.rows_in,
                "rows_out": o.rows_out,
                "watermark": (o.watermark != i64::MIN).then_some(o.watermark),
            })).collect::<Vec<_>>(),
            "checkpoints": {
                "completed": report.checkpoints.completed,
                "restored_from": report.checkpoints.restored_from,
                "last_id": report.checkpoints.last_id,
                "last_bytes": report.checkpoints.last_bytes,
                "max_bytes": report.checkpoints.max_bytes,
                "last_ms": report.checkpoints.last_duration.as_secs_f64() * 1000.0,
                "max_ms": report.checkpoints.max_duration.as_secs_f64() * 1000.0,
                "total_ms": report.checkpoints.total_duration.as_secs_f64() * 1000.0,
                "savepoint": report.checkpoints.savepoint,
            },
            "llm": report.llm.iter().map(|l| serde_json::json!({
                "pipeline": l.pipeline,
                "operator": l.operator,
                "metrics": l.metrics,
            })).collect::<Vec<_>>(),
        });
        eprintln!("{json}");
    }
    if let Some(ui) = linger {
        eprintln!("the job has ended; the dashboard stays up at {} until Ctrl-C", ui.url);
        loop {
            std::thread::park();
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("NEWSFLOW_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            file,
            dead_letter_dir,
            duration,
            batch_size,
            report_json,
            fresh,
            from_savepoint,
            ui,
        } => {
            // SIGUSR1 (`newsflow savepoint PID`) asks for a savepoint and a stop.
            let request = Arc::new(AtomicBool::new(false));
            let registered = signal_hook::flag::register(signal_hook::consts::SIGUSR1, request.clone());
            let opts = JobOptions {
                base_dir: base_dir(&file),
                dead_letter_dir,
                batch_size,
                max_duration: duration.map(Duration::from_secs_f64),
                fresh,
                from_savepoint,
                savepoint_request: registered.ok().map(|_| request),
                ..Default::default()
            };
            run(&file, opts, report_json, &ui)
        }
        Command::Savepoint { pid } => {
            // SAFETY: kill(2) with a valid signal number has no memory-safety preconditions.
            let rc = unsafe { libc::kill(pid, libc::SIGUSR1) };
            if rc == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        }
        .with_context(|| format!("signalling process {pid}"))
        .map(|_| eprintln!("asked process {pid} for a savepoint; it prints the path and stops")),
        #[cfg(feature = "query")]
        Command::Query(a) => newsflow_query::run(a),
        #[cfg(feature = "query")]
        Command::ImpactReport(a) => newsflow_query::report::run(a),
        Command::Produce(a) => kafka_cmd::produce(a),
        Command::Consume(a) => kafka_cmd::consume(a),
        Command::Explain { file } => read_sql(&file).and_then(|sql| {
            let job = Job::build(
                &sql,
                JobOptions {
                    base_dir: base_dir(&file),
                    plan_only: true,
                    ..Default::default()
                },
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!("{}", job.explain());
            Ok(())
        }),
        Command::Demo(args) => demo::run(args),
        Command::EvalAnalyser(args) => eval_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
