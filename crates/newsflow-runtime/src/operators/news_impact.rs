//! NewsImpactExec: `NEWS_IMPACT` — per news row, once the watermark says the ten minutes
//! after it are complete, the row followed by what its stock did around it (the figures
//! and their definitions are in [`super::impact_metrics`]).
//!
//! * Input 0 is the news, input 1 the trades. Trades are kept per symbol, sorted by time,
//!   as far back as a news item that is not yet final can read: `W − 10 min − lookback`
//!   (`lookback` = the larger of the estimation window and 5 minutes, `W` the watermark).
//!   Memory is bounded by the trades of that span, whatever the stream's length.
//! * A news item at `t0` is final when `W ≥ t0 + 10 min − 1 ms` (its last bar is complete);
//!   it is emitted then, exactly once, in time order. News that arrives already final is
//!   late: counted (and sent to the dead letters with `'newsflow.late-rows' =
//!   'dead-letter'`), never emitted with figures read from evicted trades.
//! * A trade older than what is kept is late and counted the same way; a trade behind the
//!   watermark but still kept counts for every news item not yet final, as in an interval
//!   join.
//! * A trade with a NULL time, price or volume, or a news row with a NULL time, goes to
//!   the dead letters with the reason.
//! * The output watermark is the input's minus 10 minutes, so an emitted row is never
//!   late downstream and the news time stays a time attribute.
//! * Snapshot: the watermark, the kept trades, the pending news and the late count.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use newsflow_common::{Chunk, Result, Row, Value};
use newsflow_sql::{Benchmark, ImpactColumns, ImpactConfig};
use newsflow_state::codec;

use super::impact_metrics::{compute, Bars, BenchmarkSeries, Impact, ImpactParams, Trade, MINUTE_MS, POST_BARS};
use super::{Operator, OperatorSnapshot, Rejected};
use crate::watermark::{MAX_WATERMARK, MIN_WATERMARK};

const POST_MS: i64 = POST_BARS * MINUTE_MS;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct PendingNews {
    row: Row,
    symbol: Arc<str>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ImpactSnapshot {
    wm: i64,
    seq: u64,
    late: u64,
    trades: Vec<(Arc<str>, Vec<Trade>)>,
    pending: Vec<((i64, u64), PendingNews)>,
}

pub struct NewsImpactExec {
    columns: ImpactColumns,
    benchmark: Benchmark,
    params: ImpactParams,
    wm: i64,
    /// Where the last eviction cut (trades before it are gone).
    evicted_below: i64,
    /// Kept trades per symbol (ordered, so the benchmark sums in the same order every run).
    trades: BTreeMap<Arc<str>, VecDeque<Trade>>,
    /// News not yet final, by (time, arrival).
    pending: BTreeMap<(i64, u64), PendingNews>,
    seq: u64,
    late: u64,
    late_to_dead_letters: bool,
    rejected: Vec<Rejected>,
}

impl NewsImpactExec {
    pub fn new(columns: ImpactColumns, config: &ImpactConfig) -> Self {
        NewsImpactExec {
            columns,
            benchmark: config.benchmark.clone(),
            params: ImpactParams {
                beta_bars: config.beta_window_ms / MINUTE_MS,
                min_beta_pairs: config.min_beta_pairs,
                neutral_band: config.neutral_band,
            },
            wm: MIN_WATERMARK,
            evicted_below: MIN_WATERMARK,
            trades: BTreeMap::new(),
            pending: BTreeMap::new(),
            seq: 0,
            late: 0,
            late_to_dead_letters: false,
            rejected: Vec::new(),
        }
    }

    pub fn with_late_rows_to_dead_letters(mut self, on: bool) -> Self {
        self.late_to_dead_letters = on;
        self
    }

    fn reject(&mut self, row: &Row, column: &str, reason: String) {
        let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        self.rejected.push(Rejected {
            row: format!("[{}]", cells.join(", ")),
            column: column.to_string(),
            expr: "NEWS_IMPACT".into(),
            reason,
        });
    }

    #[cold]
    fn late_row(&mut self, row: &Row, why: &str) {
        self.late += 1;
        if self.late_to_dead_letters {
            let reason = format!("late: {why} (watermark {})", Value::Timestamp(self.wm));
            self.reject(row, "event time", reason);
        }
    }

    /// The oldest trade a news item that is not yet final may read.
    fn horizon(&self) -> i64 {
        self.wm
            .saturating_sub(POST_MS)
            .saturating_sub(self.params.lookback_ms())
    }

    fn add_news(&mut self, row: Row) {
        let c = self.columns;
        let Some(t0) = row.get(c.news_time).and_then(Value::timestamp) else {
            self.reject(&row, "event time", "the news time is NULL".into());
            return;
        };
        if t0.saturating_add(POST_MS - 1) <= self.wm {
            self.late_row(&row, "the news arrived after the ten minutes after it were complete");
            return;
        }
        let symbol: Arc<str> = match row.get(c.news_symbol) {
            Some(Value::Str(s)) => s.clone(),
            _ => Arc::from(""),
        };
        self.seq += 1;
        self.pending.insert((t0, self.seq), PendingNews { row, symbol });
    }

    fn add_trade(&mut self, row: Row) {
        let c = self.columns;
        let t = row.get(c.trade_time).and_then(Value::timestamp);
        let price = row.get(c.trade_price).and_then(number);
        let volume = row.get(c.trade_volume).and_then(number);
        let (t, price, volume) = match (t, price, volume) {
            (Some(t), Some(p), Some(v)) if p.is_finite() && v.is_finite() && v >= 0.0 => (t, p, v),
            (None, ..) => return self.reject(&row, "event time", "the trade time is NULL".into()),
            (_, None, _) | (_, _, None) => {
                return self.reject(&row, "price, volume", "a trade without a price or a volume".into())
            }
            _ => {
                return self.reject(
                    &row,
                    "price, volume",
                    "a trade with a negative volume or a non-finite price or volume".into(),
                )
            }
        };
        if t < self.evicted_below.max(self.horizon()) {
            self.late_row(&row, "the trade is older than every news item not yet final can read");
            return;
        }
        let Some(Value::Str(symbol)) = row.get(c.trade_symbol) else {
            return self.reject(&row, "symbol", "a trade without a symbol".into());
        };
        let deque = match self.trades.get_mut(&**symbol) {
            Some(d) => d,
            None => self.trades.entry(symbol.clone()).or_default(),
        };
        let trade = Trade { t, price, volume };
        if deque.back().is_none_or(|last| last.t <= t) {
            deque.push_back(trade);
        } else {
            let at = deque.partition_point(|x| x.t <= t);
            deque.insert(at, trade);
        }
    }

    /// Emit every news item the watermark made final, in time order.
    fn fire(&mut self, out: &mut Chunk) {
        let empty = VecDeque::new();
        while let Some(entry) = self.pending.first_entry() {
            let t0 = entry.key().0;
            if self.wm != MAX_WATERMARK && t0.saturating_add(POST_MS - 1) > self.wm {
                break;
            }
            let news = entry.remove();
            let first = self.params.first_bar();
            let mut benchmark = BenchmarkSeries::new(first);
            match &self.benchmark {
                Benchmark::EqualWeighted => {
                    for (s, trades) in &self.trades {
                        if **s != *news.symbol {
                            benchmark.add(&Bars::new(trades, t0, first));
                        }
                    }
                }
                Benchmark::Symbol(s) => {
                    if let Some(trades) = self.trades.get(s.as_str()) {
                        benchmark.add(&Bars::new(trades, t0, first));
                    }
                }
            }
            let label = match news.row.get(self.columns.news_label) {
                Some(Value::Str(l)) => Some(l.trim().to_ascii_lowercase()),
                _ => None,
            };
            let trades = self.trades.get(&*news.symbol).unwrap_or(&empty);
            let impact = compute(trades, t0, label.as_deref(), &benchmark, &self.params);
            let mut row = news.row;
            append_impact(&mut row, impact);
            out.push(row);
        }
    }

    fn evict(&mut self) {
        let horizon = self.horizon();
        // Cut at most once a second of event time: the cut walks every symbol.
        if horizon < self.evicted_below.saturating_add(1_000) {
            return;
        }
        self.evicted_below = horizon;
        self.trades.retain(|_, d| {
            while d.front().is_some_and(|t| t.t < horizon) {
                d.pop_front();
            }
            !d.is_empty()
        });
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::BigInt(i) => Some(*i as f64),
        Value::Float(f) => Some(*f as f64),
        Value::Double(d) => Some(*d),
        Value::Decimal(d) => Some(d.to_f64()),
        _ => None,
    }
}

fn append_impact(row: &mut Row, i: Impact) {
    let d = |v: Option<f64>| v.map_or(Value::Null, Value::Double);
    row.extend([
        d(i.ref_price),
        d(i.ret_1m),
        d(i.ret_5m),
        d(i.ret_10m),
        d(i.max_favourable),
        d(i.max_adverse),
        d(i.peak_seconds),
        d(i.benchmark_ret_10m),
        d(i.beta),
        d(i.abnormal_ret_1m),
        d(i.abnormal_ret_5m),
        d(i.abnormal_ret_10m),
        Value::Double(i.volume_before),
        Value::Double(i.volume_after),
        d(i.volume_ratio),
        d(i.volatility_before),
        d(i.volatility_after),
        Value::Array(i.curve.into_iter().map(d).collect()),
        i.movement.map_or(Value::Null, Value::str),
        i.agrees.map_or(Value::Null, Value::Bool),
    ]);
}

impl Operator for NewsImpactExec {
    fn name(&self) -> String {
        "NewsImpactExec".into()
    }

    fn process(&mut self, input: usize, chunk: Chunk, _out: &mut Chunk) -> Result<()> {
        let rows = chunk.into_inserts("NEWS_IMPACT")?;
        for row in rows {
            if input == 0 {
                self.add_news(row);
            } else {
                self.add_trade(row);
            }
        }
        Ok(())
    }

    fn on_watermark(&mut self, wm: i64, out: &mut Chunk) -> Result<i64> {
        self.wm = self.wm.max(wm);
        self.fire(out);
        self.evict();
        Ok(match self.wm {
            MAX_WATERMARK => MAX_WATERMARK,
            w => w.saturating_sub(POST_MS),
        })
    }

    fn state_size(&self) -> usize {
        self.trades.values().map(VecDeque::len).sum::<usize>() + self.pending.len()
    }

    fn late_rows(&self) -> u64 {
        self.late
    }

    fn take_rejected(&mut self) -> Vec<Rejected> {
        std::mem::take(&mut self.rejected)
    }

    fn snapshot(&mut self, _checkpoint: u64) -> Result<OperatorSnapshot> {
        let trades: Vec<(Arc<str>, Vec<Trade>)> = self
            .trades
            .iter()
            .map(|(s, d)| (s.clone(), d.iter().copied().collect()))
            .collect();
        let snap = ImpactSnapshot {
            wm: self.wm,
            seq: self.seq,
            late: self.late,
            trades,
            pending: self.pending.iter().map(|(k, v)| (*k, v.clone())).collect(),
        };
        Ok(OperatorSnapshot {
            state: Some(codec::encode("NewsImpactExec", &snap)?),
            commit: None,
        })
    }

    fn restore(&mut self, state: Option<&[u8]>, _commit: Option<&serde_json::Value>) -> Result<()> {
        let Some(bytes) = state else { return Ok(()) };
        let snap: ImpactSnapshot = codec::decode("NewsImpactExec", bytes)?;
        self.wm = snap.wm;
        self.seq = snap.seq;
        self.late = snap.late;
        self.evicted_below = self.horizon();
        self.trades = snap.trades.into_iter().map(|(s, t)| (s, t.into())).collect();
        self.pending = snap.pending.into_iter().collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_000 * MINUTE_MS;

    fn op() -> NewsImpactExec {
        let columns = ImpactColumns {
            news_symbol: 0,
            news_time: 1,
            news_label: 2,
            trade_symbol: 0,
            trade_time: 1,
            trade_price: 2,
            trade_volume: 3,
        };
        NewsImpactExec::new(columns, &ImpactConfig::default()).with_late_rows_to_dead_letters(true)
    }

    fn news(t: i64) -> Row {
        vec![Value::str("A"), Value::Timestamp(t), Value::str("good")]
    }

    fn trade(symbol: &str, t: i64, price: f64) -> Row {
        vec![
            Value::str(symbol),
            Value::Timestamp(t),
            Value::Double(price),
            Value::Int(100),
        ]
    }

    fn feed(op: &mut NewsImpactExec, input: usize, rows: Vec<Row>) {
        let mut out = Chunk::default();
        op.process(input, Chunk::inserts(rows), &mut out).expect("process");
        assert!(out.is_empty(), "rows are emitted on watermarks only");
    }

    #[test]
    fn a_news_item_is_emitted_once_when_its_ten_minutes_are_complete() {
        let mut op = op();
        feed(&mut op, 0, vec![news(T0)]);
        feed(
            &mut op,
            1,
            (-120..600)
                .map(|s| trade("A", T0 + s * 1000, if s >= 0 { 102.0 } else { 100.0 }))
                .collect(),
        );
        let mut out = Chunk::default();
        assert_eq!(op.on_watermark(T0 + POST_MS - 2, &mut out).expect("wm"), T0 - 2);
        assert!(out.is_empty(), "the last bar is not complete yet");
        op.on_watermark(T0 + POST_MS - 1, &mut out).expect("wm");
        assert_eq!(out.rows.len(), 1);
        let row = &out.rows[0];
        assert_eq!(row.len(), 3 + 20);
        assert_eq!(row[3], Value::Double(100.0), "ref_price");
        let mut again = Chunk::default();
        op.on_watermark(T0 + 2 * POST_MS, &mut again).expect("wm");
        assert!(again.is_empty(), "emitted exactly once");
    }

    #[test]
    fn late_news_and_bad_trades_go_to_the_dead_letters_and_state_stays_bounded() {
        let mut op = op();
        let mut out = Chunk::default();
        op.on_watermark(T0, &mut out).expect("wm");
        feed(&mut op, 0, vec![news(T0 - POST_MS)]);
        assert_eq!(op.late_rows(), 1);
        feed(
            &mut op,
            1,
            vec![vec![Value::str("A"), Value::Timestamp(T0), Value::Null, Value::Int(1)]],
        );
        let rejected = op.take_rejected();
        assert_eq!(rejected.len(), 2);
        assert!(rejected[0].reason.starts_with("late:"), "{:?}", rejected[0]);
        assert!(rejected[1].reason.contains("without a price"), "{:?}", rejected[1]);

        // Two hours of one trade a second: only the last 70 minutes stay.
        for s in 0..7_200 {
            feed(&mut op, 1, vec![trade("B", T0 + s * 1000, 50.0)]);
            if s % 60 == 0 {
                op.on_watermark(T0 + s * 1000, &mut out).expect("wm");
            }
        }
        let kept = op.state_size();
        assert!(kept <= 70 * 60 + 61, "kept {kept} trades");
    }

    #[test]
    fn a_snapshot_restores_the_pending_news_and_the_trades() {
        let mut a = op();
        feed(&mut a, 0, vec![news(T0)]);
        feed(
            &mut a,
            1,
            (-120..600)
                .map(|s| trade("A", T0 + s * 1000, 100.0 + s as f64 / 100.0))
                .collect(),
        );
        let snap = a.snapshot(1).expect("snapshot").state.expect("state");
        let mut b = op();
        b.restore(Some(&snap), None).expect("restore");
        let (mut out_a, mut out_b) = (Chunk::default(), Chunk::default());
        a.on_watermark(T0 + POST_MS, &mut out_a).expect("wm");
        b.on_watermark(T0 + POST_MS, &mut out_b).expect("wm");
        assert_eq!(out_a.rows.len(), 1);
        assert_eq!(format!("{:?}", out_a.rows), format!("{:?}", out_b.rows));
    }
}
