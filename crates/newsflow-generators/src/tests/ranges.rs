use super::{f, i, parse_ts, s};
use crate::{news, sensor, stock, Generator, NewsConfig, SensorConfig, StockConfig, DEFAULT_SYMBOLS};
use newsflow_common::{DataType, Value};

#[test]
fn stock_fields_are_in_range() {
    let g = stock(StockConfig {
        rows: Some(50_000),
        ..StockConfig::default()
    });
    assert_eq!(g.columns().len(), 4);
    assert_eq!(g.columns()[2], ("price", DataType::Double));
    let mut seen = std::collections::HashSet::new();
    for row in g {
        assert_eq!(row.fields.len(), 4);
        let sym = s(&row, 0);
        assert!(DEFAULT_SYMBOLS.contains(&sym), "{sym}");
        seen.insert(sym.to_string());
        let ts = s(&row, 1);
        assert_eq!(ts.len(), 19, "{ts}");
        assert_eq!(parse_ts(ts), row.event_time_ms.div_euclid(1000) * 1000);
        let p = f(&row, 2);
        assert!(p > 0.0 && p < 5_000.0, "{p}");
        assert!(((p * 100.0).round() - p * 100.0).abs() < 1e-6, "two decimals: {p}");
        let v = i(&row, 3);
        assert!((1..=10_000).contains(&v), "{v}");
    }
    assert_eq!(seen.len(), 20);
}

#[test]
fn start_prices_differ_per_symbol_and_lie_in_30_500() {
    let prices: Vec<f64> = DEFAULT_SYMBOLS.iter().map(|s| crate::start_price(42, s)).collect();
    for p in &prices {
        assert!((30.0..=500.0).contains(p), "{p}");
    }
    let mut sorted = prices.clone();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    assert_eq!(sorted.len(), prices.len());
}

#[test]
fn news_fields_are_well_formed() {
    let g = news(NewsConfig {
        days: Some(3),
        ..NewsConfig::default()
    });
    assert_eq!(g.columns()[1], ("news_id", DataType::Int));
    let rows: Vec<_> = g.collect();
    assert_eq!(rows.len(), 300);
    for (k, row) in rows.iter().enumerate() {
        assert!(DEFAULT_SYMBOLS.contains(&s(row, 0)));
        assert_eq!(i(row, 1), 1001 + k as i32);
        assert_eq!(parse_ts(s(row, 2)), row.event_time_ms);
        let content = s(row, 3);
        assert!(content.len() > 20, "{content}");
        assert!(!content.contains('{') && !content.contains('}'), "{content}");
    }
    // Irregular: not evenly spaced.
    let gaps: std::collections::HashSet<i64> = rows
        .windows(2)
        .map(|w| w[1].event_time_ms - w[0].event_time_ms)
        .collect();
    assert!(gaps.len() > 50);
}

#[test]
fn sensor_fields_are_in_range() {
    let g = sensor(SensorConfig {
        rows: Some(20_000),
        ..SensorConfig::default()
    });
    assert_eq!(g.columns()[3], ("event_time", DataType::Timestamp(3)));
    let mut ids = std::collections::HashSet::new();
    let mut hot = 0;
    for row in g {
        let id = i(&row, 0);
        assert!((1..=10).contains(&id));
        ids.insert(id);
        let t = f(&row, 1);
        assert!((10.0..=180.0).contains(&t), "{t}");
        assert!(((t * 100.0).round() - t * 100.0).abs() < 1e-6);
        if t > 140.0 {
            hot += 1;
        }
        assert_eq!(row.fields[3], Value::Timestamp(row.event_time_ms));
    }
    assert_eq!(ids.len(), 10);
    assert!(hot > 0, "some overheating readings expected");
}
