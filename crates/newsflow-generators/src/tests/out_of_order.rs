use super::{parse_ts, s};
use crate::{sensor, stock, Generator, SensorConfig, StockConfig};
use newsflow_common::Value;

/// Largest `max(previous event times) - event time` over the stream.
fn max_lateness(times: impl Iterator<Item = i64>) -> i64 {
    let mut max_seen = i64::MIN;
    let mut worst = 0;
    for t in times {
        if max_seen != i64::MIN {
            worst = worst.max(max_seen - t);
        }
        max_seen = max_seen.max(t);
    }
    worst
}

#[test]
fn stock_out_of_order_bound_holds_on_event_time_and_text() {
    for bound in [1, 500, 1_000, 2_500, 3_000, 10_000] {
        let g = stock(StockConfig {
            max_out_of_order_ms: bound,
            rows: Some(100_000),
            ..Default::default()
        });
        assert_eq!(g.max_out_of_order_ms(), bound);
        let rows: Vec<_> = g.collect();
        let ms = max_lateness(rows.iter().map(|r| r.event_time_ms));
        let text = max_lateness(rows.iter().map(|r| parse_ts(s(r, 1))));
        assert!(ms < bound, "bound {bound}: event-time lateness {ms}");
        assert!(text < bound, "bound {bound}: stock_time lateness {text}");
        if bound >= 2_500 {
            // Actually out of order, at second granularity too.
            assert!(ms > bound / 2, "bound {bound}: {ms}");
            assert!(text >= 1_000, "bound {bound}: {text}");
        }
    }
}

#[test]
fn default_streams_are_in_event_time_order() {
    let rows: Vec<_> = stock(StockConfig {
        rows: Some(50_000),
        ..Default::default()
    })
    .collect();
    assert_eq!(max_lateness(rows.iter().map(|r| r.event_time_ms)), 0);
    let rows: Vec<_> = sensor(SensorConfig {
        rows: Some(50_000),
        ..Default::default()
    })
    .collect();
    assert_eq!(max_lateness(rows.iter().map(|r| r.event_time_ms)), 0);
}

#[test]
fn sensor_out_of_order_bound_holds() {
    let rows: Vec<_> = sensor(SensorConfig {
        max_out_of_order_ms: 3_000,
        rows: Some(50_000),
        ..Default::default()
    })
    .collect();
    let ts = |r: &crate::GenRow| match r.fields[3] {
        Value::Timestamp(t) => t,
        _ => panic!("timestamp"),
    };
    let late = max_lateness(rows.iter().map(ts));
    assert!(late < 3_000 && late > 1_000, "{late}");
}
