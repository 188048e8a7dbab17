//! Building a job from SQL text: statements → catalog → plans → operator trees.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use newsflow_common::{Error, Result, Schema};
use newsflow_connectors::options::parse_duration_ms;
use newsflow_connectors::{
    connector_name, create_sink, create_source, ConnectorContext, DeadLetters, Options, Sink, TableSpec, Topics,
};
use newsflow_llm::CacheSetting;
use newsflow_sql::models::check_llm_setting;
use newsflow_sql::{parse_statements, plan_insert, plan_query, Catalog, Plan, Statement, LLM_SETTING_PREFIX};

use newsflow_state::{Backend, CheckpointStore, S3Options};

use crate::checkpointing::Checkpointing;
use crate::executor::{Executor, JobReport, LiveReport, LiveState, Pipeline, SourceSlot};
use crate::operators::analyze::AnalyzeExec;
use crate::operators::calc::CalcExec;
use crate::operators::interval_join::IntervalJoinExec;
use crate::operators::news_impact::NewsImpactExec;
use crate::operators::sink::SinkExec;
use crate::operators::source::SourceExec;
use crate::operators::union::UnionExec;
use crate::operators::window_aggregate::WindowAggregateExec;

/// Where a bare `SELECT`'s rows go: a factory given the query's schema.
pub type QueryOutput = Box<dyn Fn(&Schema) -> Box<dyn Sink>>;

/// A bare `SELECT` as [`QueryWatch`] sees it.
pub struct QueryInfo<'a> {
    /// `SELECT (line N)`, as the job's report names its pipeline.
    pub name: String,
    /// The query's SQL, as parsed (normalised spacing).
    pub sql: String,
    pub schema: &'a Schema,
}

/// Wraps the sink of each bare `SELECT` (after [`JobOptions::query_output`] chose it), so
/// its rows can also be watched elsewhere (the dashboard's live tables).
pub type QueryWatch = Box<dyn Fn(&QueryInfo<'_>, Box<dyn Sink>) -> Box<dyn Sink>>;

pub struct JobOptions {
    /// Relative connector paths resolve against this directory.
    pub base_dir: PathBuf,
    /// Dead letters go to `<dir>/<table>.jsonl`.
    pub dead_letter_dir: PathBuf,
    pub batch_size: usize,
    /// Sink for bare SELECT statements (default: print).
    pub query_output: Option<QueryOutput>,
    /// Wraps each bare SELECT's sink (see [`QueryWatch`]).
    pub query_watch: Option<QueryWatch>,
    /// Stop the job after this long (for demos over unbounded sources).
    pub max_duration: Option<Duration>,
    /// Parse and plan only: create no source, sink or LLM client (for `newsflow explain`,
    /// which must not need a broker or credentials).
    pub plan_only: bool,
    /// Ignore (and delete) the checkpoints in `'state.checkpoints.dir'`: start over.
    pub fresh: bool,
    /// Restore this savepoint or checkpoint directory (overrides
    /// `'execution.savepoint.path'`).
    pub from_savepoint: Option<PathBuf>,
    /// Set to take a savepoint and stop (e.g. from a signal handler).
    pub savepoint_request: Option<Arc<AtomicBool>>,
    /// For tests of recovery: simulate a crash `loops` executor loops after checkpoint
    /// `checkpoint` is published (0: before its sinks commit). `run` then returns
    /// [`CRASHED`] as an error without flushing, finishing or committing anything, as if
    /// the process had been killed there.
    pub crash_after_checkpoint: Option<(u64, u32)>,
    /// For tests: with checkpoints on, take one every this many executor loops instead of
    /// by the wall clock, so how many a run takes does not depend on the machine's speed.
    pub checkpoint_every_loops: Option<u32>,
    /// Publish the job's figures here while it runs (the dashboard reads them).
    pub live_report: Option<LiveReport>,
}

/// The error text of a simulated crash (see [`JobOptions::crash_after_checkpoint`]).
pub const CRASHED: &str = "simulated crash";

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            base_dir: PathBuf::from("."),
            dead_letter_dir: PathBuf::from("dead-letter"),
            batch_size: 1024,
            query_output: None,
            query_watch: None,
            max_duration: None,
            plan_only: false,
            fresh: false,
            from_savepoint: None,
            savepoint_request: None,
            crash_after_checkpoint: None,
            checkpoint_every_loops: None,
            live_report: None,
        }
    }
}

/// SET keys newsflow understands. Any other key is refused: Flink accepts every
/// configuration key, but a key newsflow would not honour must not look as if it did.
pub const KNOWN_SETTINGS: &[&str] = &[
    "table.exec.source.idle-timeout",
    "execution.runtime-mode",
    "parallelism.default",
    "pipeline.name",
    "sql-client.execution.result-mode",
    "table.local-time-zone",
    CHECKPOINT_INTERVAL,
    CHECKPOINT_DIR,
    CHECKPOINT_RETAINED,
    SAVEPOINT_DIR,
    SAVEPOINT_PATH,
    S3_ENDPOINT,
    S3_PATH_STYLE,
    LATE_ROWS,
];

/// newsflow's own: what a window does with a row that arrives after its window fired —
/// `drop` (Flink's behaviour; counted as late) or `dead-letter` (also written to the
/// pipeline's dead letters with the reason, a late-data side output).
pub const LATE_ROWS: &str = "newsflow.late-rows";

/// Check a SET before it is recorded: known keys with values newsflow honours.
fn check_setting(key: &str, value: &str) -> std::result::Result<(), String> {
    let v = value.trim();
    match key {
        "table.exec.source.idle-timeout" | CHECKPOINT_INTERVAL if parse_duration_ms(v).is_none() => {
            Err(format!("must be a duration like '5 s' or '500 ms', got '{value}'"))
        }
        CHECKPOINT_RETAINED if v.parse::<usize>().map_or(true, |n| n == 0) => {
            Err(format!("must be a whole number of at least 1, got '{value}'"))
        }
        "table.local-time-zone" if !matches!(v.to_ascii_uppercase().as_str(), "UTC" | "GMT" | "Z" | "+00:00" | "ETC/UTC") => Err(
            format!("newsflow runs with the session time zone UTC; '{value}' is not supported yet"),
        ),
        "execution.runtime-mode" if !v.eq_ignore_ascii_case("streaming") => Err(format!(
            "newsflow runs in streaming mode; '{value}' is not supported yet (bounded inputs still end)"
        )),
        "parallelism.default" if v.parse::<u32>().map_or(true, |n| n == 0) => {
            Err(format!("must be a whole number of at least 1, got '{value}'"))
        }
        LATE_ROWS if !matches!(v, "drop" | "dead-letter") => {
            Err(format!("must be 'drop' or 'dead-letter', got '{value}'"))
        }
        k if !KNOWN_SETTINGS.contains(&k) && !k.starts_with(LLM_SETTING_PREFIX) => Err(format!(
            "newsflow does not honour this key, so it refuses it rather than ignore it; it knows {} and {LLM_SETTING_PREFIX}*",
            KNOWN_SETTINGS.join(", ")
        )),
        _ => Ok(()),
    }
}

pub const CHECKPOINT_INTERVAL: &str = "execution.checkpointing.interval";
pub const CHECKPOINT_DIR: &str = "state.checkpoints.dir";
pub const CHECKPOINT_RETAINED: &str = "state.checkpoints.num-retained";
pub const SAVEPOINT_DIR: &str = "state.savepoints.dir";
pub const SAVEPOINT_PATH: &str = "execution.savepoint.path";
/// An S3-compatible server for `s3://` checkpoint locations (Flink's key).
pub const S3_ENDPOINT: &str = "s3.endpoint";
pub const S3_PATH_STYLE: &str = "s3.path.style.access";

pub struct Job {
    exec: Executor,
    pub catalog: Catalog,
    plans: Vec<(String, Plan)>,
    started: Option<Instant>,
}

impl Job {
    /// Parse, plan and wire every statement of a script. Nothing runs yet.
    pub fn build(sql: &str, opts: JobOptions) -> Result<Job> {
        let statements = parse_statements(sql)?;
        let mut catalog = Catalog::default();
        let mut ctx = ConnectorContext {
            base_dir: opts.base_dir.clone(),
            topics: Topics::default(),
            s3: S3Options::default(),
        };
        let mut exec = Executor {
            nodes: Vec::new(),
            topics: ctx.topics.clone(),
            checkpointing: None,
            async_nodes: Vec::new(),
            sources: Vec::new(),
            pipelines: Vec::new(),
            dead: DeadLetters::new(if opts.dead_letter_dir.is_absolute() {
                opts.dead_letter_dir.clone()
            } else {
                opts.base_dir.join(&opts.dead_letter_dir)
            }),
            batch_size: opts.batch_size.max(1),
            stats_every: 16,
            stop: None,
            live: opts.live_report.clone().map(|sink| LiveState {
                sink,
                next: Instant::now(),
            }),
        };
        let mut plans = Vec::new();
        // Pipelines of each kind so far (`insert:<table>`, `select`), for stable ids.
        let mut pipeline_kinds: std::collections::HashMap<String, usize> = Default::default();
        for stmt in &statements {
            match stmt {
                Statement::CreateTable(ct) => {
                    catalog.add_table(ct)?;
                    // An unknown connector is reported at its line now; the connector's own
                    // options are checked when a statement uses the table (as in Flink).
                    let def = &catalog.tables[&ct.name];
                    let opts = Options::new(def.options.clone());
                    let spec = TableSpec {
                        name: &def.name,
                        schema: &def.physical_schema(),
                        options: &opts,
                        partition_keys: &def.partitioned_by,
                    };
                    if let Err(e) = connector_name(&spec) {
                        return Err(e.at(def.option_spans.get("connector").copied().unwrap_or(def.span)));
                    }
                }
                Statement::CreateView { name, query, span } => {
                    if catalog.tables.contains_key(name) || catalog.views.contains_key(name) {
                        return Err(Error::sql(format!("`{name}` already exists"), *span));
                    }
                    // Plan once now so errors point at the view.
                    plan_query(&catalog, query)?;
                    catalog.views.insert(name.clone(), (**query).clone());
                }
                Statement::CreateModel(cm) => catalog.add_model(cm)?,
                Statement::CreateFunction(cf) => {
                    if let Some(note) = catalog.add_function(cf)? {
                        tracing::warn!("line {}: {note}", cf.span.line);
                    }
                }
                Statement::Set { key, value, span } => {
                    check_setting(key, value).map_err(|m| Error::sql(format!("'{key}' {m}"), *span))?;
                    check_llm_setting(key, value).map_err(|m| Error::sql(format!("SET '{key}': {m}"), *span))?;
                    catalog.settings.insert(key.clone(), value.clone());
                }
                Statement::Insert {
                    table,
                    columns,
                    query,
                    span,
                } => {
                    let mut planned = plan_insert(&catalog, table, columns, query, *span)?;
                    planned.plan.prune_columns();
                    if opts.plan_only {
                        plans.push((format!("INSERT INTO {table}"), planned.plan));
                        continue;
                    }
                    let def = catalog.table(table, *span)?;
                    let sink_schema = def.physical_schema();
                    let opts = Options::new(def.options.clone());
                    let spec = TableSpec {
                        name: table,
                        schema: &sink_schema,
                        options: &opts,
                        partition_keys: &def.partitioned_by,
                    };
                    ctx.s3 = s3_options(&catalog);
                    let sink = create_sink(&spec, &ctx).map_err(|e| e.at(*span))?;
                    let sink_exec = SinkExec::new(table, sink, sink_schema.types(), &planned.schema().types());
                    let name = format!("INSERT INTO {table}");
                    let key = pipeline_key(&mut pipeline_kinds, &format!("insert:{table}"));
                    wire(&mut exec, &catalog, &ctx, &planned.plan, sink_exec, &name, &key, *span)?;
                    plans.push((name, planned.plan));
                }
                Statement::Query { query, span } => {
                    let mut planned = plan_query(&catalog, query)?;
                    planned.plan.prune_columns();
                    if opts.plan_only {
                        plans.push((format!("SELECT (line {})", span.line), planned.plan));
                        continue;
                    }
                    let sink: Box<dyn Sink> = match &opts.query_output {
                        Some(f) => f(planned.schema()),
                        None => {
                            let o =
                                Options::new([("connector".to_string(), "print".to_string())].into_iter().collect());
                            let spec = TableSpec {
                                name: "select",
                                schema: planned.schema(),
                                options: &o,
                                partition_keys: &[],
                            };
                            create_sink(&spec, &ctx)?
                        }
                    };
                    let name = format!("SELECT (line {})", span.line);
                    let sink = match &opts.query_watch {
                        Some(watch) => {
                            let info = QueryInfo {
                                name: name.clone(),
                                sql: query.to_string(),
                                schema: planned.schema(),
                            };
                            watch(&info, sink)
                        }
                        None => sink,
                    };
                    let types = planned.schema().types();
                    let sink_exec = SinkExec::new("select", sink, types.clone(), &types);
                    let key = pipeline_key(&mut pipeline_kinds, "select");
                    wire(&mut exec, &catalog, &ctx, &planned.plan, sink_exec, &name, &key, *span)?;
                    plans.push((name, planned.plan));
                }
            }
        }
        if plans.is_empty() {
            return Err(Error::plan(
                "the script has no INSERT INTO or SELECT statement, so there is nothing to run",
                Default::default(),
            ));
        }
        if let Some(d) = opts.max_duration {
            let start = Instant::now();
            exec.stop = Some(Box::new(move || start.elapsed() >= d));
        }
        if !opts.plan_only {
            setup_checkpoints(&mut exec, &catalog, &opts)?;
        }
        Ok(Job {
            exec,
            catalog,
            plans,
            started: None,
        })
    }

    /// The plans, as text (for `newsflow explain`).
    pub fn explain(&self) -> String {
        self.plans
            .iter()
            .map(|(n, p)| format!("== {n} ==\n{p}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stop when `f` returns true (checked between batches).
    /// The job's in-process topics, e.g. to tap one with [`Topics::tap`] before it runs.
    /// The job's pipelines: `INSERT INTO t` and `SELECT (line N)`, in script order.
    pub fn pipeline_names(&self) -> impl Iterator<Item = &str> {
        self.plans.iter().map(|(n, _)| n.as_str())
    }

    pub fn topics(&self) -> Topics {
        self.exec.topics.clone()
    }

    pub fn stop_when(&mut self, f: impl FnMut() -> bool + 'static) {
        self.exec.stop = Some(Box::new(f));
    }

    pub fn run(&mut self) -> Result<JobReport> {
        let start = *self.started.get_or_insert_with(Instant::now);
        self.exec.run(start)?;
        let report = self.exec.report(start);
        if let Some(live) = &self.exec.live {
            live.sink.publish(report.clone(), true);
        }
        Ok(report)
    }
}

/// A pipeline's stable key: `insert:<table>` or `select`, numbered from the second of
/// the same kind on (`insert:t#2`).
fn pipeline_key(seen: &mut std::collections::HashMap<String, usize>, base: &str) -> String {
    let n = seen.entry(base.to_string()).or_default();
    *n += 1;
    if *n == 1 {
        base.to_string()
    } else {
        format!("{base}#{n}")
    }
}

/// The first line of a plan node's text: what the operator is, without its inputs.
fn fingerprint(plan: &Plan) -> String {
    plan.to_string().lines().next().unwrap_or_default().trim().to_string()
}

/// The local directory of the job's checkpoints (`'state.checkpoints.dir'` as set so
/// far), where the LLM cache goes by default; `None` without one or on S3.
fn llm_state_dir(catalog: &Catalog, ctx: &ConnectorContext) -> Option<PathBuf> {
    let dir = catalog.settings.get(CHECKPOINT_DIR)?;
    match Backend::parse(dir, &ctx.base_dir, &s3_options(catalog)) {
        Ok(Backend::Local(path)) => Some(path),
        _ => None,
    }
}

/// The job's `s3.*` settings (checkpoints and S3 sinks).
fn s3_options(catalog: &Catalog) -> S3Options {
    let get = |k: &str| catalog.settings.get(k).map(String::as_str);
    S3Options {
        endpoint: get(S3_ENDPOINT).map(str::to_string),
        path_style: get(S3_PATH_STYLE).map(|v| v.trim().eq_ignore_ascii_case("true")),
    }
}

/// Checkpoint settings → `exec.checkpointing`; restore the latest checkpoint (or the
/// savepoint asked for) unless `fresh`.
fn setup_checkpoints(exec: &mut Executor, catalog: &Catalog, opts: &JobOptions) -> Result<()> {
    let get = |k: &str| catalog.settings.get(k).map(String::as_str);
    let interval = get(CHECKPOINT_INTERVAL)
        .and_then(parse_duration_ms)
        .filter(|ms| *ms > 0)
        .map(|ms| Duration::from_millis(ms as u64));
    let s3 = s3_options(catalog);
    let base = &opts.base_dir;
    let dir = get(CHECKPOINT_DIR);
    let retained = get(CHECKPOINT_RETAINED)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1);
    let savepoint_dir = match (get(SAVEPOINT_DIR), dir) {
        (Some(d), _) => Some(d.to_string()),
        (None, Some(d)) => Some(format!("{}/savepoints", d.trim_end_matches('/'))),
        (None, None) => None,
    };
    let from_savepoint = match &opts.from_savepoint {
        Some(p) => Some(p.to_string_lossy().into_owned()),
        None => get(SAVEPOINT_PATH).map(str::to_string),
    };
    if interval.is_some() && dir.is_none() {
        return Err(Error::config(format!(
            "'{CHECKPOINT_INTERVAL}' is set but '{CHECKPOINT_DIR}' is not: say where checkpoints go, e.g. \
             SET '{CHECKPOINT_DIR}' = 'file:///var/lib/newsflow/checkpoints' (or 's3://bucket/prefix')"
        )));
    }
    let configured = interval.is_some() || get(SAVEPOINT_DIR).is_some() || from_savepoint.is_some();
    if !configured && opts.savepoint_request.is_none() {
        return Ok(());
    }
    // Every source must be able to say where it is: checked up front when checkpoints are
    // configured (a savepoint asked of a job without them fails then, with the reason).
    if configured {
        for s in &exec.sources {
            s.exec
                .snapshot()
                .map_err(|e| Error::config(format!("checkpoints are on, but {e}")))?;
        }
    }
    let store = match (dir, interval) {
        (Some(d), Some(_)) => {
            let store = CheckpointStore::open(Backend::parse(d, base, &s3)?, retained)?;
            if opts.fresh {
                store.clear()?;
            }
            Some(store)
        }
        _ => None,
    };
    let savepoints = savepoint_dir
        .map(|d| Backend::parse(&d, base, &s3).map(Arc::new))
        .transpose()?;
    let periodic = store.is_some();
    exec.checkpointing = Some(Checkpointing {
        store: store.clone(),
        interval,
        next_due: interval
            .filter(|_| opts.checkpoint_every_loops.is_none())
            .map(|i| Instant::now() + i),
        next_id: 1,
        savepoints,
        savepoint_request: opts.savepoint_request.clone().unwrap_or_default(),
        stats: Default::default(),
        crash_after: opts.crash_after_checkpoint,
        every_loops: opts.checkpoint_every_loops.map(|n| (n.max(1), 0)),
    });
    if periodic {
        for n in &mut exec.nodes {
            n.op.enable_two_phase_commit();
        }
    }
    // What to restore: an explicit savepoint first, else the newest checkpoint.
    let snap = match (&from_savepoint, &store) {
        (Some(p), _) => {
            let (backend, name) = Backend::parse_entry(p, base, &s3)?;
            Some(backend.read(&name)?)
        }
        (None, Some(st)) if !opts.fresh => st.latest()?,
        _ => None,
    };
    if let Some(snap) = snap {
        exec.restore(&snap)?;
        let at = snap.location.clone().unwrap_or_default();
        if snap.meta.finished {
            eprintln!("restored {at}: the job had already finished there, so there is nothing left to do (--fresh starts over)");
        } else {
            eprintln!("restored {at}");
        }
        // Checkpoint numbering goes on after the newest one in the directory.
        if let (Some(c), Some(st)) = (exec.checkpointing.as_mut(), &store) {
            let newest = st.completed()?.last().copied().unwrap_or(0);
            c.next_id = c.next_id.max(newest + 1);
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn wire(
    exec: &mut Executor,
    catalog: &Catalog,
    ctx: &ConnectorContext,
    plan: &Plan,
    sink: SinkExec,
    name: &str,
    key: &str,
    span: newsflow_common::Span,
) -> Result<()> {
    let p = exec.pipelines.len();
    let base = key.split('#').next().unwrap_or(key);
    exec.pipelines.push(Pipeline {
        name: name.to_string(),
        dead_letter_table: base.strip_prefix("insert:").unwrap_or(base).to_string(),
        open_sources: 0,
        finished: false,
        finished_at: None,
    });
    let sink_node = exec.add_node(
        format!("{key}@sink"),
        format!("Sink: {name}"),
        Box::new(sink),
        None,
        1,
        p,
    );
    let idle = catalog
        .settings
        .get("table.exec.source.idle-timeout")
        .and_then(|v| parse_duration_ms(v))
        .filter(|ms| *ms > 0);
    let at = Place {
        key,
        path: "0".to_string(),
        parent: (sink_node, 0),
    };
    build(exec, catalog, ctx, plan, at, p, idle, span)
}

/// Where a plan node goes: under which parent, and its stable id (`<pipeline>@<path>`,
/// the path being the child indexes from the sink).
struct Place<'a> {
    key: &'a str,
    path: String,
    parent: (usize, usize),
}

impl Place<'_> {
    fn id(&self) -> String {
        format!("{}@{}", self.key, self.path)
    }
    fn child<'b>(&'b self, node: usize, port: usize) -> Place<'b> {
        Place {
            key: self.key,
            path: format!("{}.{port}", self.path),
            parent: (node, port),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    exec: &mut Executor,
    catalog: &Catalog,
    ctx: &ConnectorContext,
    plan: &Plan,
    at: Place,
    p: usize,
    idle_ms: Option<i64>,
    span: newsflow_common::Span,
) -> Result<()> {
    let parent = at.parent;
    let (id, fp) = (at.id(), fingerprint(plan));
    match plan {
        Plan::Scan { table, used, .. } => {
            let def = catalog.table(table, span)?;
            let physical = def.physical_schema();
            let mut opts = def.options.clone();
            // Per-table idle timeout (Flink's 'scan.watermark.idle-timeout') overrides SET.
            let table_idle = opts.remove("scan.watermark.idle-timeout");
            let idle = match table_idle {
                Some(v) => Some(parse_duration_ms(&v).ok_or_else(|| {
                    Error::config(format!(
                        "table `{table}`: 'scan.watermark.idle-timeout' must be a duration, got '{v}'"
                    ))
                })?),
                None => idle_ms,
            }
            .filter(|ms| *ms > 0)
            .map(|ms| Duration::from_millis(ms as u64));
            let options = Options::new(opts);
            let spec = TableSpec {
                name: table,
                schema: &physical,
                options: &options,
                partition_keys: &def.partitioned_by,
            };
            let source = create_source(&spec, ctx).map_err(|e| e.at(def.span))?;
            exec.sources.push(SourceSlot {
                id,
                exec: SourceExec::new(def, source, idle, used),
                parent,
                pipeline: p,
                done: false,
                wake: None,
            });
            exec.pipelines[p].open_sources += 1;
            Ok(())
        }
        Plan::Calc {
            input,
            filter,
            exprs,
            schema,
        } => {
            let node = exec.add_node(
                id,
                fp,
                Box::new(CalcExec::new(filter.clone(), exprs.clone()).with_names(schema.names())),
                Some(parent),
                1,
                p,
            );
            build(exec, catalog, ctx, input, at.child(node, 0), p, idle_ms, span)
        }
        Plan::IntervalJoin {
            left,
            right,
            left_keys,
            right_keys,
            left_time,
            right_time,
            bounds,
            residual,
            ..
        } => {
            if residual.as_ref().is_some_and(|r| r.can_fail()) {
                return Err(newsflow_common::Error::sql(
                    "a join condition that can fail on a value (a CAST, an integer or DECIMAL division) is not \
                     supported (a failing row cannot go to the dead letters from a join): compute it in a subquery \
                     before the join, or use TRY_CAST",
                    span,
                ));
            }
            let op = IntervalJoinExec::new(
                left_keys.clone(),
                right_keys.clone(),
                *left_time,
                *right_time,
                *bounds,
                residual.clone(),
            );
            let node = exec.add_node(id, fp, Box::new(op), Some(parent), 2, p);
            build(exec, catalog, ctx, left, at.child(node, 0), p, idle_ms, span)?;
            build(exec, catalog, ctx, right, at.child(node, 1), p, idle_ms, span)
        }
        Plan::Analyze {
            input,
            text,
            config,
            columns,
            call,
            ..
        } => {
            let mut config = (**config).clone();
            // No `cache` option: the cache lives beside the job's state (a local checkpoint
            // directory), else in the per-user cache directory. An explicit relative cache
            // file lives beside the job's other relative paths.
            config.cache = match config.cache.resolve(llm_state_dir(catalog, ctx).as_deref()) {
                CacheSetting::File(path) if path.is_relative() => CacheSetting::File(ctx.base_dir.join(path)),
                other => other,
            };
            if text.can_fail() {
                return Err(newsflow_common::Error::sql(
                    format!(
                        "{call}: an argument that can fail on a value (a CAST, an integer or DECIMAL division) is \
                         not supported: compute it in a subquery first (failing rows then go to the dead letters), \
                         or use TRY_CAST"
                    ),
                    span,
                ));
            }
            let op = AnalyzeExec::new(call, text.clone(), columns.clone(), config).map_err(|e| e.at(span))?;
            let node = exec.add_node(id, fp, Box::new(op), Some(parent), 1, p);
            build(exec, catalog, ctx, input, at.child(node, 0), p, idle_ms, span)
        }
        Plan::Union { inputs, .. } => {
            let node = exec.add_node(id, fp, Box::new(UnionExec), Some(parent), inputs.len(), p);
            for (i, input) in inputs.iter().enumerate() {
                build(exec, catalog, ctx, input, at.child(node, i), p, idle_ms, span)?;
            }
            Ok(())
        }
        Plan::NewsImpact {
            news,
            trades,
            columns,
            config,
            ..
        } => {
            let late_to_dead_letters = catalog
                .settings
                .get(LATE_ROWS)
                .is_some_and(|v| v.trim() == "dead-letter");
            let op = NewsImpactExec::new(*columns, config).with_late_rows_to_dead_letters(late_to_dead_letters);
            let node = exec.add_node(id, fp, Box::new(op), Some(parent), 2, p);
            build(exec, catalog, ctx, news, at.child(node, 0), p, idle_ms, span)?;
            build(exec, catalog, ctx, trades, at.child(node, 1), p, idle_ms, span)
        }
        Plan::WindowAggregate {
            input,
            window,
            keys,
            aggs,
            ..
        } => {
            let late_to_dead_letters = catalog
                .settings
                .get(LATE_ROWS)
                .is_some_and(|v| v.trim() == "dead-letter");
            let op = WindowAggregateExec::new(window.kind, window.time_col, keys.clone(), aggs.clone())
                .with_late_rows_to_dead_letters(late_to_dead_letters);
            let node = exec.add_node(id, fp, Box::new(op), Some(parent), 1, p);
            build(exec, catalog, ctx, input, at.child(node, 0), p, idle_ms, span)
        }
    }
}
