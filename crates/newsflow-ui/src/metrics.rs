//! The pipeline figures of a [`LiveSnapshot`]: as JSON for the page (with rates from the
//! previous snapshot) and as Prometheus text for `/metrics`.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use newsflow_runtime::{JobReport, LiveSnapshot, MetricsSnapshot};
use serde_json::{json, Value as Json};

fn epoch_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// LLM calls started and not yet ended.
pub fn in_flight(m: &MetricsSnapshot) -> u64 {
    m.calls.saturating_sub(m.succeeded + m.failed)
}

fn has_wm(wm: i64) -> bool {
    wm != i64::MIN && wm != i64::MAX
}

/// The page's pipeline view. `prev`: the snapshot before, for rows per second.
pub fn pipeline_json(job: &str, snap: &LiveSnapshot, prev: Option<&LiveSnapshot>) -> Json {
    let r = &snap.report;
    let now_ms = epoch_ms(snap.taken_at);
    let dt = prev
        .and_then(|p| snap.taken_at.duration_since(p.taken_at).ok())
        .map(|d| d.as_secs_f64())
        .filter(|s| *s > 0.0);
    let before = |id: &str| prev.and_then(|p| p.report.operators.iter().find(|o| o.id == id));
    let operators: Vec<Json> = r
        .operators
        .iter()
        .map(|o| {
            let rate = |now: u64, then: Option<u64>| match (dt, then) {
                (Some(dt), Some(then)) => json!(now.saturating_sub(then) as f64 / dt),
                _ => Json::Null,
            };
            let b = before(&o.id);
            json!({
                "pipeline": o.pipeline,
                "operator": o.operator,
                "id": o.id,
                "rows_in": o.rows_in,
                "rows_out": o.rows_out,
                "rows_in_per_s": rate(o.rows_in, b.map(|b| b.rows_in)),
                "rows_out_per_s": rate(o.rows_out, b.map(|b| b.rows_out)),
                "watermark_ms": has_wm(o.watermark).then_some(o.watermark),
                "watermark_lag_s": has_wm(o.watermark).then(|| (now_ms - o.watermark) as f64 / 1000.0),
                "late_rows": o.late_rows,
                "state": o.state,
                "max_state": o.max_state,
            })
        })
        .collect();
    let llm: Vec<Json> = r
        .llm
        .iter()
        .map(|l| {
            let m = &l.metrics;
            json!({
                "pipeline": l.pipeline,
                "operator": l.operator,
                "provider": m.provider,
                "model": m.model,
                "calls": m.calls,
                "in_flight": in_flight(m),
                "in_flight_limit": m.in_flight_limit,
                "in_flight_peak": m.in_flight_peak,
                "succeeded": m.succeeded,
                "failed": m.failed,
                "errors": m.errors,
                "requests": m.requests,
                "retries": m.retries,
                "cache_hits": m.cache_hits,
                "input_tokens": m.input_tokens,
                "output_tokens": m.output_tokens,
                "latency_mean_ms": m.latency.mean_ms,
                "latency_max_ms": m.latency.max_ms,
                "cost_usd": m.estimated_cost_usd,
            })
        })
        .collect();
    let c = &r.checkpoints;
    json!({
        "job": job,
        "seq": snap.seq,
        "finished": snap.finished,
        "taken_at_ms": now_ms,
        "elapsed_s": r.elapsed.as_secs_f64(),
        "rows_read": r.rows_read.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>(),
        "rows_written": r.rows_written.iter().map(|(p, n)| json!({"pipeline": p, "rows": n})).collect::<Vec<_>>(),
        "dead_letters": r.dead_letters.iter().map(|(t, n, at)| json!({"table": t, "rows": n, "path": at})).collect::<Vec<_>>(),
        "late_rows": r.late_rows(),
        "operators": operators,
        "llm": llm,
        "checkpoints": {
            "completed": c.completed,
            "last_id": c.last_id,
            "last_bytes": c.last_bytes,
            "last_duration_ms": c.last_duration.as_secs_f64() * 1000.0,
            "age_s": c.last_completed_at.and_then(|t| snap.taken_at.duration_since(t).ok()).map(|d| d.as_secs_f64()),
        },
    })
}

/// A label value in Prometheus text: `\`, `"` and newlines escaped.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

struct Out {
    text: String,
    job: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        let mut l = format!("job=\"{}\"", self.job);
        for (k, v) in labels {
            let _ = write!(l, ",{k}=\"{}\"", esc(v));
        }
        let _ = writeln!(self.text, "{name}{{{l}}} {value}");
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The Prometheus text exposition of a report (counters in base units: rows, bytes,
/// seconds, US dollars).
pub fn prometheus(job: &str, r: &JobReport, taken_at: SystemTime, finished: bool) -> String {
    let mut o = Out {
        text: String::new(),
        job: esc(job),
    };
    o.family("newsflow_job_elapsed_seconds", "gauge", "Time since the job started.");
    o.sample("newsflow_job_elapsed_seconds", &[], secs(r.elapsed));
    o.family("newsflow_job_finished", "gauge", "1 once the job has ended.");
    o.sample("newsflow_job_finished", &[], if finished { 1.0 } else { 0.0 });
    o.family(
        "newsflow_source_rows_read_total",
        "counter",
        "Rows read per source table.",
    );
    for (t, n) in &r.rows_read {
        o.sample("newsflow_source_rows_read_total", &[("table", t)], *n as f64);
    }
    o.family(
        "newsflow_sink_rows_written_total",
        "counter",
        "Rows that reached each pipeline's sink.",
    );
    for (p, n) in &r.rows_written {
        o.sample("newsflow_sink_rows_written_total", &[("pipeline", p)], *n as f64);
    }
    o.family(
        "newsflow_dead_letters_total",
        "counter",
        "Rows set aside as dead letters, per table or sink.",
    );
    for (t, n, _) in &r.dead_letters {
        o.sample("newsflow_dead_letters_total", &[("table", t)], *n as f64);
    }
    let ops = |o: &mut Out,
               name: &str,
               kind: &str,
               help: &str,
               f: &dyn Fn(&newsflow_runtime::OperatorStats) -> Option<f64>| {
        o.family(name, kind, help);
        for s in &r.operators {
            if let Some(v) = f(s) {
                o.sample(
                    name,
                    &[
                        ("pipeline", s.pipeline.as_str()),
                        ("operator", s.operator.as_str()),
                        ("id", s.id.as_str()),
                    ],
                    v,
                );
            }
        }
    };
    ops(
        &mut o,
        "newsflow_operator_rows_in_total",
        "counter",
        "Rows into the operator.",
        &|s| Some(s.rows_in as f64),
    );
    ops(
        &mut o,
        "newsflow_operator_rows_out_total",
        "counter",
        "Rows out of the operator.",
        &|s| Some(s.rows_out as f64),
    );
    ops(
        &mut o,
        "newsflow_operator_late_rows_total",
        "counter",
        "Rows dropped as late for their window.",
        &|s| Some(s.late_rows as f64),
    );
    ops(
        &mut o,
        "newsflow_operator_state_rows",
        "gauge",
        "Rows or window keys held in state now.",
        &|s| Some(s.state as f64),
    );
    ops(
        &mut o,
        "newsflow_operator_max_state_rows",
        "gauge",
        "Largest state sampled.",
        &|s| Some(s.max_state as f64),
    );
    ops(
        &mut o,
        "newsflow_operator_watermark_seconds",
        "gauge",
        "Output watermark, event time in seconds since the epoch.",
        &|s| has_wm(s.watermark).then(|| s.watermark as f64 / 1000.0),
    );
    let now_ms = epoch_ms(taken_at);
    ops(
        &mut o,
        "newsflow_operator_watermark_lag_seconds",
        "gauge",
        "Wall clock minus the output watermark.",
        &|s| has_wm(s.watermark).then(|| (now_ms - s.watermark) as f64 / 1000.0),
    );
    let llm = |o: &mut Out, name: &str, kind: &str, help: &str, f: &dyn Fn(&MetricsSnapshot) -> f64| {
        o.family(name, kind, help);
        for l in &r.llm {
            let m = &l.metrics;
            let labels = [
                ("pipeline", l.pipeline.as_str()),
                ("operator", l.operator.as_str()),
                ("provider", m.provider.as_str()),
                ("model", m.model.as_str()),
            ];
            o.sample(name, &labels, f(m));
        }
    };
    llm(
        &mut o,
        "newsflow_llm_calls_total",
        "counter",
        "News items analysed (cache hits included).",
        &|m| m.calls as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_calls_failed_total",
        "counter",
        "Calls that ended with an error.",
        &|m| m.failed as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_requests_total",
        "counter",
        "Requests sent to the provider.",
        &|m| m.requests as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_retries_total",
        "counter",
        "Requests that were retries.",
        &|m| m.retries as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_cache_hits_total",
        "counter",
        "Calls answered from the cache.",
        &|m| m.cache_hits as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_input_tokens_total",
        "counter",
        "Input tokens reported by the provider.",
        &|m| m.input_tokens as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_output_tokens_total",
        "counter",
        "Output tokens reported by the provider.",
        &|m| m.output_tokens as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_request_seconds_total",
        "counter",
        "Summed request latency.",
        &|m| m.latency.sum_ms / 1000.0,
    );
    llm(
        &mut o,
        "newsflow_llm_cost_usd_total",
        "counter",
        "Estimated cost in US dollars.",
        &|m| m.estimated_cost_usd,
    );
    llm(
        &mut o,
        "newsflow_llm_in_flight",
        "gauge",
        "Calls started and not ended.",
        &|m| in_flight(m) as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_in_flight_limit",
        "gauge",
        "The limit on provider calls in flight now (adaptive: it moves with the server's latency).",
        &|m| m.in_flight_limit as f64,
    );
    llm(
        &mut o,
        "newsflow_llm_in_flight_peak",
        "gauge",
        "Most provider calls in flight at once so far.",
        &|m| m.in_flight_peak as f64,
    );
    let c = &r.checkpoints;
    o.family("newsflow_checkpoints_total", "counter", "Checkpoints completed.");
    o.sample("newsflow_checkpoints_total", &[], c.completed as f64);
    o.family(
        "newsflow_checkpoint_seconds_total",
        "counter",
        "Time spent taking checkpoints.",
    );
    o.sample("newsflow_checkpoint_seconds_total", &[], secs(c.total_duration));
    o.family(
        "newsflow_checkpoint_last_bytes",
        "gauge",
        "Size of the last checkpoint's state.",
    );
    o.sample("newsflow_checkpoint_last_bytes", &[], c.last_bytes as f64);
    o.family(
        "newsflow_checkpoint_last_duration_seconds",
        "gauge",
        "How long the last checkpoint took.",
    );
    o.sample("newsflow_checkpoint_last_duration_seconds", &[], secs(c.last_duration));
    if let Some(t) = c.last_completed_at {
        o.family(
            "newsflow_checkpoint_last_completed_seconds",
            "gauge",
            "When the last checkpoint completed (seconds since the epoch).",
        );
        o.sample(
            "newsflow_checkpoint_last_completed_seconds",
            &[],
            epoch_ms(t) as f64 / 1000.0,
        );
    }
    o.text
}
