use crate::{by_name, news, sensor, stock, GenOptions, NewsConfig, SensorConfig, StockConfig};

#[test]
fn rows_bounds_the_count() {
    for name in crate::GENERATOR_NAMES {
        for n in [0u64, 1, 7, 1_234] {
            let opts = GenOptions {
                rows: Some(n),
                ..GenOptions::default()
            };
            assert_eq!(by_name(name, &opts).unwrap().count() as u64, n, "{name} rows={n}");
        }
    }
}

#[test]
fn days_bounds_sessions() {
    assert_eq!(
        news(NewsConfig {
            days: Some(2),
            ..Default::default()
        })
        .count(),
        200
    );
    let mut cfg = NewsConfig {
        days: Some(1),
        ..Default::default()
    };
    cfg.market.news_per_day = 7;
    assert_eq!(news(cfg).count(), 7);
    let trades = stock(StockConfig {
        rate: 1.0,
        days: Some(1),
        ..Default::default()
    })
    .count();
    // ~1 trade/s over 6.5 hours.
    assert!((22_000..25_000).contains(&trades), "{trades}");
    let readings = sensor(SensorConfig {
        rate: 0.1,
        days: Some(1),
        ..Default::default()
    })
    .count();
    assert_eq!(readings, 8_640);
}

#[test]
fn both_bounds_stop_at_the_first_reached() {
    let n = stock(StockConfig {
        rate: 1.0,
        days: Some(1),
        rows: Some(10),
        ..Default::default()
    })
    .count();
    assert_eq!(n, 10);
}

#[test]
fn unbounded_streams_keep_going_across_days() {
    // Skip far into an unbounded news stream: ids keep counting, memory stays flat.
    let rows: Vec<_> = news(NewsConfig::default()).skip(2_500).take(3).collect();
    assert_eq!(super::i(&rows[0], 1), 1001 + 2_500);
    let none = news(NewsConfig {
        market: crate::MarketConfig {
            news_per_day: 0,
            ..Default::default()
        },
        ..Default::default()
    })
    .next();
    assert!(none.is_none());
}
