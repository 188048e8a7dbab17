//! The figures `NEWS_IMPACT` computes for one news item, from the trades around it: pure
//! functions over time-sorted trades, so the operator (`news_impact.rs`) only decides
//! *when* and the reference script (`tests/support/impact_reference.py`) checks *what*.
//!
//! Times are on the news item's own grid: bar `k` holds the trades in
//! `[t0 + k min, t0 + (k + 1) min)`, `t0` the news time. `P_k` is bar k's VWAP
//! (Σ price·volume / Σ volume; none when the bar has no volume). With `ref = P_-1`:
//!
//! | figure | definition |
//! |---|---|
//! | `ref_price` | `P_-1`, the VWAP of the minute before the news |
//! | `ret_1m`, `ret_5m`, `ret_10m` | `P_0 / ref − 1`, `P_4 / ref − 1`, `P_9 / ref − 1` (the VWAP of the 1st, 5th, 10th minute after) |
//! | `curve` | `P_k / ref − 1` for k = −5 … 9 (15 values; NULL for a bar without trades) |
//! | direction `d` | +1 for a `good` label, −1 for `bad`; otherwise the sign of `ret_10m` (+1 when 0 or NULL) |
//! | `max_favourable`, `max_adverse` | max and min of `d · (price / ref − 1)` over the trades in `[t0, t0 + 10 min)` |
//! | `peak_seconds` | seconds from `t0` to the first of those trades reaching `max_favourable` |
//! | benchmark `R_m(k)` | equal-weighted: the mean of `P_s,k / P_s,-1 − 1` over every other symbol `s` with both bars; or that of the benchmark symbol |
//! | `benchmark_ret_10m` | `R_m(9)` |
//! | `beta` | OLS slope of the stock's one-minute returns `P_k / P_k-1 − 1` on the benchmark's (same definition per symbol, then averaged) over the bars of the estimation window `[t0 − W, t0)`, pairs where both are defined; NULL below `min_beta_pairs` pairs or with a constant benchmark |
//! | `abnormal_ret_h` | `ret_h − β · R_m(h − 1)`, β = `beta`, or 1 when `beta` is NULL (the market-adjusted model) |
//! | `volume_before`, `volume_after` | Σ volume in `[t0 − 5 min, t0)` and `[t0, t0 + 10 min)` |
//! | `volume_ratio` | `(volume_after / 10) / (volume_before / 5)`, per-minute volume after over before; NULL when nothing traded before |
//! | `volatility_before`, `volatility_after` | root mean square of the one-minute log returns `ln(P_k / P_k-1)`, k = −4 … −1 and k = 0 … 9 (pairs with both bars) |
//! | `move` | `good` when `abnormal_ret_10m` > band, `bad` when < −band, else `neutral` |
//! | `agrees` | `label = move`, NULL when the label is not good/bad/neutral or `move` is NULL |

use std::collections::VecDeque;

/// One trade: event time (ms), price, volume.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trade {
    pub t: i64,
    pub price: f64,
    pub volume: f64,
}

pub const MINUTE_MS: i64 = 60_000;
/// Bars before the news in `curve`, `volume_before` and `volatility_before`.
pub const PRE_BARS: i64 = 5;
/// Bars after the news (the last complete at `t0 + 10 min`).
pub const POST_BARS: i64 = 10;

/// What one news item did to its stock; `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Impact {
    pub ref_price: Option<f64>,
    pub ret_1m: Option<f64>,
    pub ret_5m: Option<f64>,
    pub ret_10m: Option<f64>,
    pub max_favourable: Option<f64>,
    pub max_adverse: Option<f64>,
    pub peak_seconds: Option<f64>,
    pub benchmark_ret_10m: Option<f64>,
    pub beta: Option<f64>,
    pub abnormal_ret_1m: Option<f64>,
    pub abnormal_ret_5m: Option<f64>,
    pub abnormal_ret_10m: Option<f64>,
    pub volume_before: f64,
    pub volume_after: f64,
    pub volume_ratio: Option<f64>,
    pub volatility_before: Option<f64>,
    pub volatility_after: Option<f64>,
    pub curve: Vec<Option<f64>>,
    pub movement: Option<&'static str>,
    pub agrees: Option<bool>,
}

/// The settings the figures depend on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImpactParams {
    /// Estimation window of the market model, in whole minutes.
    pub beta_bars: i64,
    pub min_beta_pairs: usize,
    pub neutral_band: f64,
}

impl ImpactParams {
    /// The first bar any figure reads.
    pub fn first_bar(&self) -> i64 {
        -self.beta_bars.max(PRE_BARS)
    }

    /// How far before the news the figures read, ms.
    pub fn lookback_ms(&self) -> i64 {
        -self.first_bar() * MINUTE_MS
    }
}

/// Volume-weighted bars of one symbol on a news item's grid, bars `first..POST_BARS`.
pub struct Bars {
    first: i64,
    pv: Vec<f64>,
    v: Vec<f64>,
}

impl Bars {
    /// The bars of `trades` (sorted by time) around `t0`.
    pub fn new(trades: &VecDeque<Trade>, t0: i64, first: i64) -> Bars {
        let n = (POST_BARS - first) as usize;
        let mut bars = Bars {
            first,
            pv: vec![0.0; n],
            v: vec![0.0; n],
        };
        let start = t0 + first * MINUTE_MS;
        let end = t0 + POST_BARS * MINUTE_MS;
        let from = trades.partition_point(|tr| tr.t < start);
        for tr in trades.range(from..) {
            if tr.t >= end {
                break;
            }
            let k = (tr.t - t0).div_euclid(MINUTE_MS);
            let i = (k - first) as usize;
            bars.pv[i] += tr.price * tr.volume;
            bars.v[i] += tr.volume;
        }
        bars
    }

    /// Bar k's VWAP.
    pub fn vwap(&self, k: i64) -> Option<f64> {
        let i = usize::try_from(k - self.first).ok()?;
        match (self.pv.get(i), self.v.get(i)) {
            (Some(pv), Some(v)) if *v > 0.0 => Some(pv / v),
            _ => None,
        }
    }

    fn volume(&self, k: i64) -> f64 {
        usize::try_from(k - self.first)
            .ok()
            .and_then(|i| self.v.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// `P_to / P_from − 1`.
    fn ret(&self, from: i64, to: i64) -> Option<f64> {
        Some(self.vwap(to)? / self.vwap(from)? - 1.0)
    }
}

/// The benchmark on a news item's grid: cumulative returns from the reference bar, and
/// one-minute returns.
pub struct BenchmarkSeries {
    first: i64,
    /// Per bar: Σ of the symbols' `P_k / P_-1 − 1` and how many.
    cumulative: Vec<(f64, u32)>,
    /// Per bar: Σ of the symbols' `P_k / P_k-1 − 1` and how many.
    minute: Vec<(f64, u32)>,
}

impl BenchmarkSeries {
    pub fn new(first: i64) -> Self {
        let n = (POST_BARS - first) as usize;
        BenchmarkSeries {
            first,
            cumulative: vec![(0.0, 0); n],
            minute: vec![(0.0, 0); n],
        }
    }

    /// Add one symbol's bars (equally weighted with the others).
    pub fn add(&mut self, bars: &Bars) {
        for k in self.first..POST_BARS {
            let i = (k - self.first) as usize;
            if let Some(r) = bars.ret(-1, k) {
                self.cumulative[i].0 += r;
                self.cumulative[i].1 += 1;
            }
            if let Some(r) = bars.ret(k - 1, k) {
                self.minute[i].0 += r;
                self.minute[i].1 += 1;
            }
        }
    }

    fn mean(v: &[(f64, u32)], first: i64, k: i64) -> Option<f64> {
        let (s, n) = *v.get(usize::try_from(k - first).ok()?)?;
        (n > 0).then(|| s / n as f64)
    }

    /// `R_m(k)`: the benchmark's return from bar −1 to bar k.
    pub fn cumulative(&self, k: i64) -> Option<f64> {
        Self::mean(&self.cumulative, self.first, k)
    }

    /// The benchmark's return from bar k − 1 to bar k.
    pub fn minute(&self, k: i64) -> Option<f64> {
        Self::mean(&self.minute, self.first, k)
    }
}

/// The figures of one news item at `t0` with `label`, from its stock's trades (sorted by
/// time, at least those in `[t0 + first bar, t0 + 10 min)`) and the benchmark.
pub fn compute(
    trades: &VecDeque<Trade>,
    t0: i64,
    label: Option<&str>,
    benchmark: &BenchmarkSeries,
    params: &ImpactParams,
) -> Impact {
    let first = params.first_bar();
    let bars = Bars::new(trades, t0, first);
    let reference = bars.vwap(-1);
    let ret = |k: i64| Some(bars.vwap(k)? / reference? - 1.0);
    let (ret_1m, ret_5m, ret_10m) = (ret(0), ret(4), ret(9));
    let curve = (-PRE_BARS..POST_BARS).map(ret).collect();

    let direction = match label {
        Some("good") => 1.0,
        Some("bad") => -1.0,
        _ => match ret_10m {
            Some(r) if r < 0.0 => -1.0,
            _ => 1.0,
        },
    };
    let (mut max_favourable, mut max_adverse, mut peak_seconds) = (None::<f64>, None::<f64>, None);
    if let Some(reference) = reference {
        let from = trades.partition_point(|tr| tr.t < t0);
        for tr in trades.range(from..) {
            if tr.t >= t0 + POST_BARS * MINUTE_MS {
                break;
            }
            if tr.volume <= 0.0 {
                continue;
            }
            let r = direction * (tr.price / reference - 1.0);
            if max_favourable.is_none_or(|m| r > m) {
                max_favourable = Some(r);
                peak_seconds = Some((tr.t - t0) as f64 / 1000.0);
            }
            if max_adverse.is_none_or(|m| r < m) {
                max_adverse = Some(r);
            }
        }
    }

    let benchmark_ret_10m = benchmark.cumulative(POST_BARS - 1);
    let beta = fit_beta(&bars, benchmark, params);
    let abnormal = |r: Option<f64>, k: i64| Some(r? - beta.unwrap_or(1.0) * benchmark.cumulative(k)?);
    let (abnormal_ret_1m, abnormal_ret_5m, abnormal_ret_10m) =
        (abnormal(ret_1m, 0), abnormal(ret_5m, 4), abnormal(ret_10m, 9));

    let volume_before: f64 = (-PRE_BARS..0).map(|k| bars.volume(k)).sum();
    let volume_after: f64 = (0..POST_BARS).map(|k| bars.volume(k)).sum();
    let volume_ratio =
        (volume_before > 0.0).then(|| (volume_after / POST_BARS as f64) / (volume_before / PRE_BARS as f64));
    let volatility = |ks: std::ops::Range<i64>| {
        let logs: Vec<f64> = ks
            .filter_map(|k| Some((bars.vwap(k)? / bars.vwap(k - 1)?).ln()))
            .collect();
        (!logs.is_empty()).then(|| (logs.iter().map(|r| r * r).sum::<f64>() / logs.len() as f64).sqrt())
    };
    let movement = abnormal_ret_10m.map(|r| {
        if r > params.neutral_band {
            "good"
        } else if r < -params.neutral_band {
            "bad"
        } else {
            "neutral"
        }
    });
    let agrees = match (label, movement) {
        (Some(l @ ("good" | "bad" | "neutral")), Some(m)) => Some(l == m),
        _ => None,
    };
    Impact {
        ref_price: reference,
        ret_1m,
        ret_5m,
        ret_10m,
        max_favourable,
        max_adverse,
        peak_seconds,
        benchmark_ret_10m,
        beta,
        abnormal_ret_1m,
        abnormal_ret_5m,
        abnormal_ret_10m,
        volume_before,
        volume_after,
        volume_ratio,
        volatility_before: volatility(1 - PRE_BARS..0),
        volatility_after: volatility(0..POST_BARS),
        curve,
        movement,
        agrees,
    }
}

/// The market model's slope over the estimation window's one-minute returns.
fn fit_beta(bars: &Bars, benchmark: &BenchmarkSeries, params: &ImpactParams) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = (1 - params.beta_bars..0)
        .filter_map(|k| Some((benchmark.minute(k)?, bars.ret(k - 1, k)?)))
        .collect();
    if pairs.len() < params.min_beta_pairs {
        return None;
    }
    let n = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> ImpactParams {
        ImpactParams {
            beta_bars: 10,
            min_beta_pairs: 5,
            neutral_band: 0.005,
        }
    }

    /// One trade per 10 s from `from` to `to` minutes around `t0`, priced by `f(minute)`.
    fn series(t0: i64, from: i64, to: i64, f: impl Fn(i64) -> f64) -> VecDeque<Trade> {
        (from * 6..to * 6)
            .map(|i| Trade {
                t: t0 + i * 10_000,
                price: f(i.div_euclid(6)),
                volume: 100.0,
            })
            .collect()
    }

    #[test]
    fn a_step_after_the_news_is_its_return_and_an_empty_benchmark_leaves_no_abnormal_return() {
        let t0 = 1_000 * MINUTE_MS;
        let trades = series(t0, -20, 10, |k| if k >= 0 { 102.0 } else { 100.0 });
        let b = BenchmarkSeries::new(params().first_bar());
        let i = compute(&trades, t0, Some("good"), &b, &params());
        assert_eq!(i.ref_price, Some(100.0));
        assert!((i.ret_10m.unwrap() - 0.02).abs() < 1e-12);
        assert_eq!(i.abnormal_ret_10m, None, "no benchmark, no abnormal return");
        assert!((i.max_favourable.unwrap() - 0.02).abs() < 1e-12);
        assert_eq!(i.peak_seconds, Some(0.0));
        assert_eq!(i.volume_ratio, Some(1.0));
        assert_eq!(i.curve.len(), 15);
        assert_eq!(i.curve[4], Some(0.0));
    }

    #[test]
    fn the_market_model_removes_the_market_and_keeps_the_news() {
        let t0 = 1_000 * MINUTE_MS;
        // The market zigzags ±1 % a minute; the stock moves 1.5× the market, plus +3 % at the news.
        let market = |k: i64| 100.0 * (1.0 + if k.rem_euclid(2) == 0 { 0.01 } else { -0.01 });
        let stock = |k: i64| 1.5 * market(k) - 50.0 + if k >= 0 { 3.0 } else { 0.0 };
        let m = series(t0, -20, 10, market);
        let s = series(t0, -20, 10, stock);
        let p = params();
        let mut b = BenchmarkSeries::new(p.first_bar());
        b.add(&Bars::new(&m, t0, p.first_bar()));
        let i = compute(&s, t0, Some("good"), &b, &p);
        let beta = i.beta.expect("fitted");
        assert!(beta > 1.4 && beta < 3.2, "beta {beta}");
        // Bar 9 has the market at the same level as bar −1, so the abnormal return is the jump.
        assert!((i.abnormal_ret_10m.unwrap() - i.ret_10m.unwrap()).abs() < 1e-12);
        assert_eq!(i.movement, Some("good"));
        assert_eq!(i.agrees, Some(true));
    }

    #[test]
    fn a_bad_label_measures_favourable_moves_downwards() {
        let t0 = 1_000 * MINUTE_MS;
        let trades = series(t0, -6, 10, |k| {
            if k >= 3 {
                97.0
            } else if k >= 1 {
                101.0
            } else {
                100.0
            }
        });
        let b = BenchmarkSeries::new(params().first_bar());
        let i = compute(&trades, t0, Some("bad"), &b, &params());
        assert!((i.max_favourable.unwrap() - 0.03).abs() < 1e-12);
        assert!((i.max_adverse.unwrap() + 0.01).abs() < 1e-12);
        assert_eq!(i.peak_seconds, Some(180.0));
        assert_eq!(i.beta, None, "too few pairs");
    }

    #[test]
    fn no_trades_before_the_news_gives_nulls_not_numbers() {
        let t0 = 1_000 * MINUTE_MS;
        let trades = series(t0, 0, 10, |_| 100.0);
        let b = BenchmarkSeries::new(params().first_bar());
        let i = compute(&trades, t0, Some("good"), &b, &params());
        assert_eq!(i.ref_price, None);
        assert_eq!(i.ret_10m, None);
        assert_eq!(i.max_favourable, None);
        assert_eq!(i.volume_ratio, None);
        assert_eq!(i.agrees, None);
        assert_eq!(i.volume_after, 6_000.0);
    }
}
