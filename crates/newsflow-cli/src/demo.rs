//! `newsflow demo`: examples/flagship.sql on generated data, results live in the terminal
//! and archived as JSON lines. `--llm PROVIDER [--llm-endpoint URL] [--llm-model M]`
//! analyses the news with an LLM (`SET 'newsflow.llm.*'` statements before the script).

use std::path::{Path, PathBuf};
use std::time::Duration;

use newsflow_runtime::{Job, JobOptions};

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
    /// Analyse the news with this LLM provider (openai, anthropic, bedrock) instead of the
    /// offline analyser; the same as SET 'newsflow.llm.provider' in the SQL.
    #[arg(long, value_name = "PROVIDER")]
    pub llm: Option<String>,
    /// The provider's base URL, e.g. an OpenAI-compatible server (vLLM, Ollama, llama.cpp,
    /// LM Studio): http://127.0.0.1:8000.
    #[arg(long, value_name = "URL", requires = "llm")]
    pub llm_endpoint: Option<String>,
    /// The model id (default: the provider's, e.g. gpt-4o-mini).
    #[arg(long, value_name = "MODEL", requires = "llm")]
    pub llm_model: Option<String>,
    /// Another provider option, KEY=VALUE (max-in-flight=32, timeout=10s, max-retries=1,
    /// cache=off, …); repeatable. API keys are read from the environment only.
    #[arg(long = "llm-option", value_name = "KEY=VALUE", requires = "llm")]
    pub llm_options: Vec<String>,
    #[command(flatten)]
    pub ui: crate::ui::UiArgs,
    /// Do not serve the web dashboard.
    #[arg(long, conflicts_with_all = ["ui_port", "ui_bind", "ui_token"])]
    pub no_ui: bool,
}

/// The dashboard's port in the demo unless --ui-port says otherwise.
pub const DEMO_UI_PORT: u16 = 8088;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `SET 'newsflow.llm.<key>' = '<value>';` lines for the `--llm*` options.
fn llm_settings(args: &DemoArgs) -> anyhow::Result<String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(p) = &args.llm {
        pairs.push(("provider".into(), p.clone()));
    }
    if let Some(e) = &args.llm_endpoint {
        pairs.push(("endpoint".into(), e.clone()));
    }
    if let Some(m) = &args.llm_model {
        pairs.push(("model".into(), m.clone()));
    }
    for o in &args.llm_options {
        let (k, v) = o
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--llm-option expects KEY=VALUE, got '{o}'"))?;
        pairs.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(pairs
        .iter()
        .map(|(k, v)| format!("SET {} = {};\n", quote(&format!("newsflow.llm.{k}")), quote(v)))
        .collect())
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs {
        duration,
        ref out,
        speed_up,
        ..
    } = args;
    let sql = llm_settings(&args)?
        + &FLAGSHIP.replace("'speed-up' = '60'", &format!("'speed-up' = '{speed_up}'"))
        + "\n"
        + &demo_tail(out);
    let analyser = match (&args.llm, &args.llm_endpoint) {
        (Some(p), Some(e)) => format!("LLM provider {p} at {e}"),
        (Some(p), None) => format!("LLM provider {p}"),
        (None, _) => "the offline analyser (--llm openai --llm-endpoint URL for an LLM)".to_string(),
    };
    let ui_port = (!args.no_ui).then(|| args.ui.ui_port.unwrap_or(DEMO_UI_PORT));
    let live = crate::ui::live_report(ui_port);
    let opts = JobOptions {
        query_output: Some(Box::new(|schema| {
            Box::new(TableSink::new(schema, &[6, 6, 19, 19, 9, 9, 5, 60]))
        })),
        max_duration: duration.map(Duration::from_secs_f64),
        live_report: live.clone(),
        ..Default::default()
    };
    let mut job = Job::build(&sql, opts)?;
    let ui = match (live, ui_port) {
        (Some(live), Some(port)) => match crate::ui::start(&args.ui, port, &job, live.clone(), "demo") {
            Ok(ui) => Some(ui),
            // The default port is taken (another demo?): any free one will do.
            Err(e) if args.ui.ui_port.is_none() => {
                eprintln!("{e:#}; using another port");
                Some(crate::ui::start(&args.ui, 0, &job, live, "demo")?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llm_flags_become_set_statements() {
        let args = DemoArgs {
            duration: None,
            out: PathBuf::from("o"),
            speed_up: 60.0,
            llm: Some("openai".into()),
            llm_endpoint: Some("http://127.0.0.1:8000".into()),
            llm_model: Some("it's".into()),
            llm_options: vec!["max-in-flight=32".into()],
            ui: Default::default(),
            no_ui: true,
        };
        assert_eq!(
            llm_settings(&args).unwrap(),
            "SET 'newsflow.llm.provider' = 'openai';\nSET 'newsflow.llm.endpoint' = 'http://127.0.0.1:8000';\n\
             SET 'newsflow.llm.model' = 'it''s';\nSET 'newsflow.llm.max-in-flight' = '32';\n"
        );
    }
}
