//! `newsflow demo`: examples/flagship.sql on generated data, results live in the terminal
//! and archived as JSON lines. `--llm PROVIDER [--llm-endpoint URL] [--llm-model M]`
//! analyses the news with an LLM (`SET 'newsflow.llm.*'` statements before the script).

use std::path::{Path, PathBuf};
use std::time::Duration;

use newsflow_runtime::{Job, JobOptions};

use crate::llm_args::LlmArgs;
use crate::table::TableSink;

const FLAGSHIP: &str = include_str!("../../../examples/flagship.sql");

/// The demo's own statements after the flagship script: read the `analysis` topic twice,
/// once into an archive directory, once onto the screen.
fn demo_tail(out: &Path) -> String {
    let cols = "symbol STRING, news_id STRING, news_time TIMESTAMP(3), summary STRING, window_start TIMESTAMP(3), \
                window_end TIMESTAMP(3), avg_price DOUBLE, avg_volume DOUBLE, event_count BIGINT";
    format!(
        "CREATE TABLE analysis ({cols}) WITH ('connector' = 'topic', 'topic' = 'analysis', 'format' = 'json');\n\
         CREATE TABLE analysis_archive ({cols}) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');\n\
         INSERT INTO analysis_archive SELECT * FROM analysis;\n\
         SELECT symbol, news_id, news_time, window_start, avg_price, avg_volume, event_count, summary FROM analysis;\n",
        out.display().to_string().replace('\'', "''")
    )
}

/// `newsflow demo` options.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Where results are written (JSON lines).
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    /// Event-time seconds per wall-clock second.
    #[arg(long, default_value_t = 60.0)]
    pub speed_up: f64,
    #[command(flatten)]
    pub llm: LlmArgs,
    #[command(flatten)]
    pub ui: crate::ui::UiArgs,
    /// Do not serve the web dashboard.
    #[arg(long, conflicts_with_all = ["ui_port", "ui_bind", "ui_token"])]
    pub no_ui: bool,
}

/// The dashboard's port in the demo unless --ui-port says otherwise.
pub const DEMO_UI_PORT: u16 = 8088;

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs {
        duration,
        ref out,
        speed_up,
        ..
    } = args;
    let sql = args.llm.set_statements()?
        + &FLAGSHIP.replace("'speed-up' = '60'", &format!("'speed-up' = '{speed_up}'"))
        + "\n"
        + &demo_tail(out);
    let analyser = args.llm.describe();
    let ui_port = (!args.no_ui).then(|| args.ui.ui_port.unwrap_or(DEMO_UI_PORT));
    let mut opts = JobOptions {
        query_output: Some(Box::new(|schema| {
            Box::new(TableSink::new(schema, &[6, 6, 19, 19, 9, 9, 5, 60]))
        })),
        max_duration: duration.map(Duration::from_secs_f64),
        ..Default::default()
    };
    let hooks = crate::ui::hooks(ui_port, &mut opts);
    let mut job = Job::build(&sql, opts)?;
    let ui = match (hooks, ui_port) {
        (Some(hooks), Some(port)) => match crate::ui::start(&args.ui, port, &job, hooks.clone(), "demo") {
            Ok(ui) => Some(ui),
            // The default port is taken (another demo?): any free one will do.
            Err(e) if args.ui.ui_port.is_none() => {
                eprintln!("{e:#}; using another port");
                Some(crate::ui::start(&args.ui, 0, &job, hooks, "demo")?)
            }
            Err(e) => return Err(e),
        },
        _ => None,
    };
    if let Some(ui) = &ui {
        eprintln!(
            "Dashboard: {}  (news, price paths, reaction curves, pipeline metrics; /metrics for Prometheus)\n",
            ui.url
        );
    }
    eprintln!(
        "newsflow demo: the flagship pipeline on generated news and trades at {speed_up}x.\n\
         News is analysed by {analyser}.\n\
         Each row: one minute of trading around a news item (5 min before to 10 min after).\n\
         Results appear once the watermark passes a window end plus the join's 10-minute bound.\n\
         Archive: {}/  (Ctrl-C to stop)\n",
        out.display()
    );
    let report = job.run()?;
    crate::print_report(&report);
    Ok(())
}
