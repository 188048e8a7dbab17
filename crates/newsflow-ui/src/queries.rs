//! Live tables: every bare `SELECT` of the script, watched as it writes (the sources'
//! Studio-notebook `SELECT * FROM sensor_data`). Its sink is wrapped ([`QueryBoard::watch`]);
//! the wrapper hands each batch on unchanged and keeps the newest [`MAX_QUERY_ROWS`] rows.
//! The dashboard thread turns what is new into `rows` events a few times a second.
//!
//! The executor's cost per batch is a lock and a clone of at most [`MAX_QUERY_ROWS`] rows
//! (values share their strings); the rows become JSON on the dashboard's thread.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use newsflow_common::{Result, Row, Value};
use newsflow_connectors::{Guarantee, Sink};
use newsflow_runtime::{QueryInfo, QueryWatch};
use serde_json::{json, Value as Json};

/// Rows kept per query, server and page side; older ones are dropped (counted in `total`).
pub const MAX_QUERY_ROWS: usize = 500;

struct Column {
    name: String,
    data_type: String,
}

struct Table {
    name: String,
    sql: String,
    columns: Vec<Column>,
    /// The newest rows, oldest first.
    rows: VecDeque<Row>,
    /// Rows written in total.
    total: u64,
    /// Rows at the back of `rows` not sent to the pages yet (≤ `rows.len()`).
    unsent: usize,
    /// The sink finished: no more rows will come.
    finished: bool,
    finished_sent: bool,
}

/// The live tables of one job, shared by the wrapped sinks and the dashboard.
#[derive(Clone, Default)]
pub struct QueryBoard {
    tables: Arc<Mutex<Vec<Table>>>,
}

impl std::fmt::Debug for QueryBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QueryBoard({} queries)", self.len())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A cell as JSON: numbers that JSON holds exactly as numbers, everything else as the text
/// Flink's `CAST(x AS STRING)` gives, NULL as `null`.
pub fn cell(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::BigInt(i) if i.unsigned_abs() <= 1 << 53 => json!(i),
        Value::Double(d) if d.is_finite() => json!(d),
        Value::Float(f) if f.is_finite() => json!(f64::from(*f)),
        other => Json::String(other.to_string()),
    }
}

fn rows_json<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<Json> {
    rows.map(|r| Json::Array(r.iter().map(cell).collect())).collect()
}

impl Table {
    fn describe(&self, id: usize) -> Json {
        json!({
            "id": id,
            "name": self.name,
            "sql": self.sql,
            "columns": self.columns.iter().map(|c| json!({"name": c.name, "type": c.data_type})).collect::<Vec<_>>(),
            "total": self.total,
            "finished": self.finished,
        })
    }
}

impl QueryBoard {
    pub fn new() -> Self {
        Self::default()
    }

    /// The hook for [`newsflow_runtime::JobOptions::query_watch`].
    pub fn watch(&self) -> QueryWatch {
        let board = self.clone();
        Box::new(move |info: &QueryInfo<'_>, inner: Box<dyn Sink>| {
            let id = board.register(info);
            Box::new(WatchedSink {
                inner,
                board: board.clone(),
                id,
            }) as Box<dyn Sink>
        })
    }

    fn register(&self, info: &QueryInfo<'_>) -> usize {
        let mut t = lock(&self.tables);
        t.push(Table {
            name: info.name.clone(),
            sql: info.sql.clone(),
            columns: info
                .schema
                .fields
                .iter()
                .map(|f| Column {
                    name: f.name.clone(),
                    data_type: f.data_type.to_string(),
                })
                .collect(),
            rows: VecDeque::new(),
            total: 0,
            unsent: 0,
            finished: false,
            finished_sent: false,
        });
        t.len() - 1
    }

    fn push(&self, id: usize, rows: &[Row]) {
        let mut tables = lock(&self.tables);
        let Some(t) = tables.get_mut(id) else { return };
        t.total += rows.len() as u64;
        let keep = &rows[rows.len().saturating_sub(MAX_QUERY_ROWS)..];
        t.rows.extend(keep.iter().cloned());
        t.unsent += keep.len();
        while t.rows.len() > MAX_QUERY_ROWS {
            t.rows.pop_front();
        }
        t.unsent = t.unsent.min(t.rows.len());
    }

    fn finish(&self, id: usize) {
        if let Some(t) = lock(&self.tables).get_mut(id) {
            t.finished = true;
        }
    }

    /// How many queries are watched.
    pub fn len(&self) -> usize {
        lock(&self.tables).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every query with its kept rows (oldest first, numbered from `first_seq`): what a page
    /// gets when it connects, and `/api/queries`.
    pub fn snapshot(&self) -> Json {
        let tables = lock(&self.tables);
        Json::Array(
            tables
                .iter()
                .enumerate()
                .map(|(id, t)| {
                    let mut d = t.describe(id);
                    d["first_seq"] = json!(t.total + 1 - t.rows.len() as u64);
                    d["rows"] = Json::Array(rows_json(t.rows.iter()));
                    d
                })
                .collect(),
        )
    }

    /// What is new since the last call, one event per query with new rows (or that has
    /// finished): `{id, total, finished, first_seq, rows}` with the new rows, oldest first
    /// (`first_seq`: the first one's number, 1 for the query's first row, so a page that
    /// got some of them in a snapshot skips those). Marks them sent.
    pub fn take_new(&self) -> Vec<Json> {
        let mut tables = lock(&self.tables);
        let mut out = Vec::new();
        for (id, t) in tables.iter_mut().enumerate() {
            if t.unsent == 0 && (!t.finished || t.finished_sent) {
                continue;
            }
            let skip = t.rows.len() - t.unsent;
            out.push(json!({
                "id": id,
                "total": t.total,
                "finished": t.finished,
                "first_seq": t.total + 1 - t.unsent as u64,
                "rows": rows_json(t.rows.iter().skip(skip)),
            }));
            t.unsent = 0;
            t.finished_sent = t.finished;
        }
        out
    }
}

/// A bare SELECT's sink, watched: every call goes to the sink it wraps.
struct WatchedSink {
    inner: Box<dyn Sink>,
    board: QueryBoard,
    id: usize,
}

impl Sink for WatchedSink {
    fn write(&mut self, rows: &[Row]) -> Result<()> {
        self.inner.write(rows)?;
        self.board.push(self.id, rows);
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        self.inner.finish()?;
        self.board.finish(self.id);
        Ok(())
    }
    fn pre_commit(&mut self, checkpoint: u64) -> Result<Json> {
        self.inner.pre_commit(checkpoint)
    }
    fn commit(&mut self, committable: &Json) -> Result<()> {
        self.inner.commit(committable)
    }
    fn recover(&mut self, committable: Option<&Json>) -> Result<()> {
        self.inner.recover(committable)
    }
    fn flush(&mut self) -> Result<()> {
        self.inner.flush()
    }
    fn guarantee(&self) -> Guarantee {
        self.inner.guarantee()
    }
    fn enable_two_phase_commit(&mut self) {
        self.inner.enable_two_phase_commit()
    }
    fn end_of_input(&mut self) -> Result<()> {
        self.inner.end_of_input()?;
        self.board.finish(self.id);
        Ok(())
    }
    fn watermark(&mut self, wm: i64) {
        self.inner.watermark(wm)
    }
    fn tick(&mut self, now: Instant) -> Result<()> {
        self.inner.tick(now)
    }
    fn rejected(&self) -> Option<(u64, String)> {
        self.inner.rejected()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_common::{DataType, Field, Schema};

    /// A sink that keeps what it is given, to check the wrapper hands everything on.
    struct Keep(Kept);

    impl Sink for Keep {
        fn write(&mut self, rows: &[Row]) -> Result<()> {
            lock(&self.0).0.extend(rows.iter().cloned());
            Ok(())
        }
        fn finish(&mut self) -> Result<()> {
            lock(&self.0).1.push("finish");
            Ok(())
        }
        fn pre_commit(&mut self, _: u64) -> Result<Json> {
            lock(&self.0).1.push("pre_commit");
            Ok(json!("c"))
        }
        fn commit(&mut self, c: &Json) -> Result<()> {
            assert_eq!(c, &json!("c"));
            lock(&self.0).1.push("commit");
            Ok(())
        }
        fn guarantee(&self) -> Guarantee {
            Guarantee::ExactlyOnce
        }
    }

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("sensor", DataType::Varchar(None)),
            Field::new("reading", DataType::Double),
        ])
    }

    fn row(i: u64) -> Row {
        vec![Value::str(&format!("s{}", i % 3)), Value::Double(i as f64)]
    }

    type Kept = Arc<Mutex<(Vec<Row>, Vec<&'static str>)>>;

    fn watched(board: &QueryBoard) -> (Box<dyn Sink>, Kept) {
        let kept = Arc::new(Mutex::new((Vec::new(), Vec::new())));
        let schema = schema();
        let info = QueryInfo {
            name: "SELECT (line 3)".into(),
            sql: "SELECT * FROM sensor_data".into(),
            schema: &schema,
        };
        (board.watch()(&info, Box::new(Keep(kept.clone()))), kept)
    }

    #[test]
    fn every_call_reaches_the_wrapped_sink_and_the_board_keeps_the_newest_rows() {
        let board = QueryBoard::new();
        let (mut sink, kept) = watched(&board);
        assert_eq!(sink.guarantee(), Guarantee::ExactlyOnce);
        for start in (0..1200u64).step_by(100) {
            let rows: Vec<Row> = (start..start + 100).map(row).collect();
            sink.write(&rows).unwrap();
        }
        assert_eq!(sink.pre_commit(1).unwrap(), json!("c"));
        sink.commit(&json!("c")).unwrap();
        sink.finish().unwrap();
        let (rows, calls) = &*lock(&kept);
        assert_eq!(rows.len(), 1200);
        assert_eq!(calls, &["pre_commit", "commit", "finish"]);

        let snap = board.snapshot();
        let q = &snap[0];
        assert_eq!(q["name"], "SELECT (line 3)");
        assert_eq!(q["sql"], "SELECT * FROM sensor_data");
        assert_eq!(q["columns"][1], json!({"name": "reading", "type": "DOUBLE"}));
        assert_eq!(q["total"], 1200);
        assert_eq!(q["finished"], true);
        let kept_rows = q["rows"].as_array().unwrap();
        assert_eq!(kept_rows.len(), MAX_QUERY_ROWS);
        assert_eq!(q["first_seq"], 1200 - MAX_QUERY_ROWS as u64 + 1);
        assert_eq!(kept_rows[0], json!(["s1", 700.0]));
        assert_eq!(kept_rows[MAX_QUERY_ROWS - 1], json!(["s2", 1199.0]));
    }

    #[test]
    fn new_rows_are_sent_once_numbered_and_a_large_batch_keeps_only_its_tail() {
        let board = QueryBoard::new();
        let (mut sink, _) = watched(&board);
        assert!(board.take_new().is_empty());
        sink.write(&[row(0), row(1)]).unwrap();
        let ev = board.take_new();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0]["first_seq"], 1);
        assert_eq!(ev[0]["rows"], json!([["s0", 0.0], ["s1", 1.0]]));
        assert!(board.take_new().is_empty(), "sent twice");
        // 2 000 rows in one batch: the newest 500, numbered 1 503…2 002.
        let big: Vec<Row> = (2..2002).map(row).collect();
        sink.write(&big).unwrap();
        let ev = board.take_new();
        assert_eq!(ev[0]["total"], 2002);
        assert_eq!(ev[0]["first_seq"], 1503);
        assert_eq!(ev[0]["rows"].as_array().unwrap().len(), MAX_QUERY_ROWS);
        assert_eq!(ev[0]["rows"][0], json!(["s2", 1502.0]));
        // The end is announced once, without rows.
        sink.finish().unwrap();
        let ev = board.take_new();
        assert_eq!(ev[0]["finished"], true);
        assert_eq!(ev[0]["rows"], json!([]));
        assert!(board.take_new().is_empty());
    }

    #[test]
    fn cells_are_json_numbers_only_where_json_holds_them_exactly() {
        assert_eq!(cell(&Value::Null), Json::Null);
        assert_eq!(cell(&Value::Int(-3)), json!(-3));
        assert_eq!(cell(&Value::BigInt(1 << 53)), json!(1u64 << 53));
        assert_eq!(cell(&Value::BigInt((1 << 53) + 1)), json!("9007199254740993"));
        assert_eq!(cell(&Value::Double(f64::NAN)), json!("NaN"));
        assert_eq!(cell(&Value::Double(2.5)), json!(2.5));
        assert_eq!(cell(&Value::Bool(true)), json!(true));
        assert_eq!(
            cell(&Value::Timestamp(1_500)),
            json!(Value::Timestamp(1_500).to_string())
        );
    }
}
