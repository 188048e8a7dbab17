//! The dashboard flags of `newsflow run` and `newsflow demo`, and starting it
//! (`newsflow-ui`, cargo feature `ui`).

use std::net::IpAddr;
use std::time::Duration;

use newsflow_runtime::{Job, JobOptions, LiveReport};

/// How often the executor publishes its figures for the dashboard.
pub const LIVE_INTERVAL: Duration = Duration::from_millis(500);

#[derive(clap::Args, Debug, Clone, Default)]
pub struct UiArgs {
    /// Serve the web dashboard on this port (0: any free port; the address is printed).
    /// `newsflow demo` serves it on 8088 unless --no-ui.
    #[arg(long, value_name = "PORT")]
    pub ui_port: Option<u16>,
    /// Bind the dashboard to this address instead of 127.0.0.1. Any address other than
    /// loopback needs an access token (--ui-token or NEWSFLOW_UI_TOKEN).
    #[arg(long, value_name = "ADDR")]
    pub ui_bind: Option<IpAddr>,
    /// The dashboard's access token (also read from NEWSFLOW_UI_TOKEN). With it, every
    /// request but /healthz needs it: open /?token=TOKEN, or send Authorization: Bearer.
    #[arg(long, value_name = "TOKEN")]
    pub ui_token: Option<String>,
    /// Keep serving the dashboard after the job ends (a bounded job's final figures and
    /// tables stay on the page) until Ctrl-C.
    #[arg(long, requires = "ui_port")]
    pub ui_linger: bool,
}

impl UiArgs {
    fn token(&self) -> Option<String> {
        self.ui_token
            .clone()
            .or_else(|| std::env::var("NEWSFLOW_UI_TOKEN").ok())
            .filter(|t| !t.is_empty())
    }
}

/// A running dashboard (nothing without the `ui` feature).
pub struct Ui {
    #[cfg(feature = "ui")]
    _dashboard: newsflow_ui::Dashboard,
    pub url: String,
}

/// What the job must be built with for the dashboard to see it: where it publishes its
/// figures, and (with the `ui` feature) the board its bare SELECTs write to.
#[derive(Clone)]
pub struct Hooks {
    pub live: LiveReport,
    #[cfg(feature = "ui")]
    queries: newsflow_ui::QueryBoard,
}

/// When the dashboard will be served (`port` is set): its hooks, installed in `opts`.
pub fn hooks(port: Option<u16>, opts: &mut JobOptions) -> Option<Hooks> {
    port?;
    let hooks = Hooks {
        live: LiveReport::new(LIVE_INTERVAL),
        #[cfg(feature = "ui")]
        queries: newsflow_ui::QueryBoard::new(),
    };
    opts.live_report = Some(hooks.live.clone());
    #[cfg(feature = "ui")]
    {
        opts.query_watch = Some(hooks.queries.watch());
    }
    Some(hooks)
}

/// Serve the dashboard of `job` (built with `hooks`) on `port`.
#[cfg(feature = "ui")]
pub fn start(args: &UiArgs, port: u16, job: &Job, hooks: Hooks, name: &str) -> anyhow::Result<Ui> {
    let opts = newsflow_ui::UiOptions {
        bind: args.ui_bind.unwrap_or(IpAddr::from([127, 0, 0, 1])),
        port,
        token: args.token(),
        job: name.to_string(),
        queries: hooks.queries,
        ..Default::default()
    };
    let d = newsflow_ui::start(opts, &job.topics(), hooks.live)?;
    let url = d.url();
    Ok(Ui { _dashboard: d, url })
}

#[cfg(not(feature = "ui"))]
pub fn start(args: &UiArgs, _port: u16, _job: &Job, _hooks: Hooks, _name: &str) -> anyhow::Result<Ui> {
    let _ = (args.token(), args.ui_bind);
    anyhow::bail!("this newsflow was built without the dashboard (cargo feature 'ui')")
}
