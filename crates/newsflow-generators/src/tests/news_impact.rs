use std::collections::HashMap;

use super::{f, i, s};
use crate::{news_schedule, stock, Sentiment, StockConfig};

/// Per symbol: (event time, price, volume), in time order.
fn trades(cfg: &StockConfig) -> HashMap<String, Vec<(i64, f64, i32)>> {
    let mut by_symbol: HashMap<String, Vec<(i64, f64, i32)>> = HashMap::new();
    for row in stock(cfg.clone()) {
        by_symbol
            .entry(s(&row, 0).to_string())
            .or_default()
            .push((row.event_time_ms, f(&row, 2), i(&row, 3)));
    }
    by_symbol
}

#[test]
fn prices_and_volumes_follow_the_news() {
    let days = 4;
    let cfg = StockConfig {
        rate: 10.0,
        days: Some(days),
        ..StockConfig::default()
    };
    let by_symbol = trades(&cfg);
    let mut returns: HashMap<Sentiment, Vec<f64>> = HashMap::new();
    let (mut vol_before, mut vol_after) = (0f64, 0f64);
    let mut items = 0;
    for day in 0..days {
        let session = cfg.market.session(day).unwrap();
        for n in news_schedule(&cfg.market, day) {
            let t = &by_symbol[&*n.symbol];
            let before = t.partition_point(|x| x.0 < n.event_time_ms);
            let settled = t.partition_point(|x| x.0 < n.event_time_ms + n.impact_ms + 30_000);
            if before == 0 || settled >= t.len() || t[settled].0 >= session.close_ms {
                continue; // No trade before, or the reaction runs past the close.
            }
            items += 1;
            let r = t[settled].1 / t[before - 1].1 - 1.0;
            returns.entry(n.sentiment).or_default().push(r);
            let window = 5 * 60_000;
            let lo = t.partition_point(|x| x.0 < n.event_time_ms - window);
            let hi = t.partition_point(|x| x.0 < n.event_time_ms + window);
            vol_before += t[lo..before].iter().map(|x| x.2 as f64).sum::<f64>() / (before - lo).max(1) as f64;
            vol_after += t[before..hi].iter().map(|x| x.2 as f64).sum::<f64>() / (hi - before).max(1) as f64;
        }
    }
    assert!(items > 300, "{items}");
    let mean = |v: &Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let good = &returns[&Sentiment::Good];
    let bad = &returns[&Sentiment::Bad];
    let neutral = &returns[&Sentiment::Neutral];
    assert!(mean(good) > 0.01, "good news mean return {}", mean(good));
    assert!(mean(bad) < -0.01, "bad news mean return {}", mean(bad));
    assert!(
        mean(neutral).abs() < 0.005,
        "neutral news mean return {}",
        mean(neutral)
    );
    let hit = |v: &Vec<f64>, up: bool| v.iter().filter(|r| (**r > 0.0) == up).count() as f64 / v.len() as f64;
    assert!(hit(good, true) > 0.85, "{}", hit(good, true));
    assert!(hit(bad, false) > 0.85, "{}", hit(bad, false));
    assert!(
        vol_after > 1.5 * vol_before,
        "volume after news {vol_after} vs before {vol_before}"
    );
}

#[test]
fn news_schedule_matches_the_news_stream() {
    let cfg = crate::NewsConfig {
        days: Some(2),
        ..crate::NewsConfig::default()
    };
    let rows: Vec<_> = crate::news(cfg.clone()).collect();
    let sched: Vec<_> = (0..2).flat_map(|d| news_schedule(&cfg.market, d)).collect();
    assert_eq!(rows.len(), sched.len());
    for (row, n) in rows.iter().zip(&sched) {
        assert_eq!(s(row, 0), &*n.symbol);
        assert_eq!(i(row, 1), n.news_id);
        assert_eq!(row.event_time_ms, n.event_time_ms);
    }
}
