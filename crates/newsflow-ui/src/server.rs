//! The HTTP server: its own thread with a one-thread tokio runtime, so the executor's
//! thread never waits on it. A task there reads the topics' new records and the job's
//! newest live report a few times a second and turns them into events for the pages.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream};
use newsflow_connectors::{TopicTap, Topics};
use newsflow_runtime::{LiveReport, LiveSnapshot};
use serde_json::{json, Value as Json};
use tokio::sync::{broadcast, oneshot};

use crate::assets;
use crate::metrics::{pipeline_json, prometheus};
use crate::model::{Change, Model};
use crate::queries::QueryBoard;

/// Where and how the dashboard listens.
#[derive(Debug, Clone)]
pub struct UiOptions {
    /// Default 127.0.0.1; another address needs `token`.
    pub bind: IpAddr,
    /// 0: any free port (the chosen one is [`Dashboard::addr`]).
    pub port: u16,
    /// Required on every request except `/healthz` when set (and it must be set to bind
    /// elsewhere than loopback): `Authorization: Bearer T`, `?token=T`, or the cookie the
    /// page gets from `/?token=T`.
    pub token: Option<String>,
    /// The job's name in the page and in the `job` label of `/metrics`.
    pub job: String,
    /// The topics the flagship writes: news summaries and per-minute rows.
    pub news_topic: String,
    pub analysis_topic: String,
    /// The script's bare SELECTs, as live tables (hand [`QueryBoard::watch`] to the job).
    pub queries: QueryBoard,
}

impl Default for UiOptions {
    fn default() -> Self {
        UiOptions {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 8088,
            token: None,
            job: "newsflow".to_string(),
            news_topic: "n-summary".to_string(),
            analysis_topic: "analysis".to_string(),
            queries: QueryBoard::default(),
        }
    }
}

/// Events kept for a slow page before it is told to re-read everything.
const EVENT_BACKLOG: usize = 4096;
/// News items the page gets when it connects.
const INITIAL_NEWS: usize = 300;

struct PipelineView {
    latest: Option<LiveSnapshot>,
    json: Json,
}

struct Shared {
    opts: UiOptions,
    model: Mutex<Model>,
    pipeline: Mutex<PipelineView>,
    events: broadcast::Sender<(&'static str, Arc<str>)>,
    live: LiveReport,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running dashboard; dropping it stops the server.
pub struct Dashboard {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Dashboard {
    /// The address it listens on (the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start serving. `topics`: the job's topics (tapped here, before the job runs); `live`:
/// where the job publishes its figures ([`newsflow_runtime::JobOptions::live_report`]).
pub fn start(opts: UiOptions, topics: &Topics, live: LiveReport) -> anyhow::Result<Dashboard> {
    if !opts.bind.is_loopback() && opts.token.as_deref().is_none_or(str::is_empty) {
        anyhow::bail!(
            "the dashboard binds to {} (not loopback), so it needs an access token: --ui-token or NEWSFLOW_UI_TOKEN",
            opts.bind
        );
    }
    let listener = std::net::TcpListener::bind((opts.bind, opts.port)).with_context(|| {
        format!(
            "dashboard: binding {}:{} (--ui-port 0 picks a free port)",
            opts.bind, opts.port
        )
    })?;
    listener
        .set_nonblocking(true)
        .context("dashboard: setting the socket non-blocking")?;
    let addr = listener.local_addr().context("dashboard: reading the bound address")?;
    let mut news_tap = topics.tap(&opts.news_topic);
    let mut analysis_tap = topics.tap(&opts.analysis_topic);
    let (events, _) = broadcast::channel(EVENT_BACKLOG);
    let shared = Arc::new(Shared {
        opts,
        model: Mutex::new(Model::default()),
        pipeline: Mutex::new(PipelineView {
            latest: None,
            json: Json::Null,
        }),
        events,
        live,
    });
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("dashboard: starting its runtime")?;
    let thread = std::thread::Builder::new()
        .name("newsflow-ui".into())
        .spawn(move || {
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!("dashboard: {e}");
                        return;
                    }
                };
                let feeder = shared.clone();
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_millis(200));
                    loop {
                        tick.tick().await;
                        ingest(&feeder, &mut news_tap, &mut analysis_tap);
                    }
                });
                let app = router(shared);
                // Stop at once, not gracefully: open event streams never end by themselves.
                // Returning drops the runtime, and with it every connection.
                tokio::select! {
                    served = axum::serve(listener, app).into_future() => {
                        if let Err(e) = served {
                            tracing::error!("dashboard: {e}");
                        }
                    }
                    _ = stop_rx => {}
                }
            })
        })
        .context("dashboard: starting its thread")?;
    Ok(Dashboard {
        addr,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

/// Read what the topics have new, and the newest live report; send the changes.
fn ingest(s: &Shared, news: &mut TopicTap, analysis: &mut TopicTap) {
    let mut reaction_changed = false;
    {
        let mut model = lock(&s.model);
        for r in news.read(10_000) {
            if let Some(Change::News(item)) = model.add_news(&r) {
                send(s, "news", &item);
            }
        }
        for r in analysis.read(10_000) {
            if let Some(Change::Minute { id, row }) = model.add_minute(&r) {
                reaction_changed = true;
                send(s, "minute", &json!({ "id": id, "row": row }));
            }
        }
        if reaction_changed {
            send(s, "reaction", &model.reaction());
        }
    }
    for q in s.opts.queries.take_new() {
        send(s, "rows", &q);
    }
    // The pipeline view, when the job has published a new snapshot.
    if let Some(snap) = s.live.latest() {
        let mut p = lock(&s.pipeline);
        if p.latest.as_ref().is_none_or(|l| l.seq != snap.seq) {
            p.json = pipeline_json(&s.opts.job, &snap, p.latest.as_ref());
            p.latest = Some(snap);
            let _ = s.events.send(("pipeline", p.json.to_string().into()));
        }
    }
}

fn send(s: &Shared, kind: &'static str, v: &impl serde::Serialize) {
    match serde_json::to_string(v) {
        // No receiver is not an error: nobody has the page open.
        Ok(text) => {
            let _ = s.events.send((kind, text.into()));
        }
        Err(e) => tracing::warn!("dashboard: encoding a {kind} event: {e}"),
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
        .route("/api/news", get(api_news))
        .route("/api/news/{id}/minutes", get(api_minutes))
        .route("/api/reaction", get(api_reaction))
        .route("/api/pipeline", get(api_pipeline))
        .route("/api/queries", get(api_queries))
        .route("/api/events", get(api_events))
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(shared.clone(), auth))
        .route("/healthz", get(healthz))
        .with_state(shared)
}

const COOKIE: &str = "newsflow_token";

/// Constant-time comparison (the token is a secret).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn presented(headers: &HeaderMap, query: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(t) = v.strip_prefix("Bearer ") {
            out.push(t.trim().to_string());
        }
    }
    for c in headers.get_all(header::COOKIE) {
        for part in c.to_str().unwrap_or("").split(';') {
            if let Some(t) = part.trim().strip_prefix(COOKIE).and_then(|r| r.strip_prefix('=')) {
                out.push(t.to_string());
            }
        }
    }
    for pair in query.unwrap_or("").split('&') {
        if let Some(t) = pair.strip_prefix("token=") {
            out.push(t.to_string());
        }
    }
    out
}

/// Whether the request's Host names this machine by a loopback name (no Host: yes).
fn host_is_local(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else { return false };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

async fn auth(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(token) = s.opts.token.as_deref() else {
        // Without a token only this machine can connect; refuse pages of other sites that
        // reach it through a name resolving to 127.0.0.1 (DNS rebinding).
        if !host_is_local(req.headers()) {
            return (
                StatusCode::FORBIDDEN,
                "the dashboard answers only to localhost / 127.0.0.1 / [::1] without a token\n",
            )
                .into_response();
        }
        return next.run(req).await;
    };
    let given = presented(req.headers(), req.uri().query());
    if !given.iter().any(|g| same(g, token)) {
        return (
            StatusCode::UNAUTHORIZED,
            "this dashboard needs its access token: open /?token=TOKEN or send Authorization: Bearer TOKEN\n",
        )
            .into_response();
    }
    let from_query = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p.starts_with("token=")));
    let mut resp = next.run(req).await;
    if from_query {
        // The page's own requests (EventSource cannot send headers) then carry the cookie.
        if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/")) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], assets::INDEX_HTML).into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    match assets::get(&name) {
        Some((mime, body)) => (
            [(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "max-age=3600")],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    }
}

fn json_response(v: &Json) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

async fn api_news(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100usize);
    let items = lock(&s.model).news(limit);
    json_response(&json!(items))
}

async fn api_minutes(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    match lock(&s.model).minutes(&id) {
        Some((item, rows)) => json_response(&json!({ "item": item, "rows": rows })),
        None => (StatusCode::NOT_FOUND, format!("no news item '{id}' is kept\n")).into_response(),
    }
}

async fn api_reaction(State(s): State<Arc<Shared>>) -> Response {
    let r = lock(&s.model).reaction();
    json_response(&r)
}

async fn api_pipeline(State(s): State<Arc<Shared>>) -> Response {
    let p = lock(&s.pipeline).json.clone();
    json_response(&p)
}

async fn api_queries(State(s): State<Arc<Shared>>) -> Response {
    json_response(&s.opts.queries.snapshot())
}

async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    // The newest report, also when the feeder has not picked it up yet.
    let body = match s.live.latest() {
        Some(snap) => prometheus(&s.opts.job, &snap.report, snap.taken_at, snap.finished),
        None => String::new(),
    };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Everything a page needs to draw itself: what it gets first, and again after it fell
/// too far behind the events.
fn state_event(s: &Shared) -> Event {
    let (news, reaction) = {
        let m = lock(&s.model);
        (m.news(INITIAL_NEWS), m.reaction())
    };
    let pipeline = lock(&s.pipeline).json.clone();
    let queries = s.opts.queries.snapshot();
    Event::default().event("state").data(
        json!({ "job": s.opts.job, "news": news, "reaction": reaction, "pipeline": pipeline, "queries": queries })
            .to_string(),
    )
}

async fn api_events(State(s): State<Arc<Shared>>) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    // Subscribe under the model's lock, so no change falls between the state and the events.
    let rx = {
        let _m = lock(&s.model);
        s.events.subscribe()
    };
    let first = state_event(&s);
    let stream = stream::unfold((rx, Some(first), s), |(mut rx, first, s)| async move {
        if let Some(ev) = first {
            return Some((Ok(ev), (rx, None, s)));
        }
        let ev = match rx.recv().await {
            Ok((kind, data)) => Event::default().event(kind).data(&*data),
            // Behind by more than the backlog: start over from the whole state.
            Err(broadcast::error::RecvError::Lagged(_)) => state_event(&s),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(ev), (rx, None, s)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
