use super::{f, s};
use crate::{sensor, status_for, SensorConfig};

#[test]
fn status_follows_the_rules() {
    let rows: Vec<_> = sensor(SensorConfig {
        rows: Some(100_000),
        ..SensorConfig::default()
    })
    .collect();
    let (mut ok, mut warn, mut err) = (0usize, 0usize, 0usize);
    let (mut low, mut low_flagged) = (0usize, 0usize);
    for row in &rows {
        let t = f(row, 1);
        let st = s(row, 2);
        match st {
            "OK" => ok += 1,
            "WARNING" => warn += 1,
            "ERROR" => err += 1,
            other => panic!("bad status {other}"),
        }
        if t > 160.0 {
            assert_eq!(st, "ERROR", "{t}");
        } else if t > 140.0 {
            assert_ne!(st, "OK", "{t}");
        } else {
            low += 1;
            if st != "OK" {
                low_flagged += 1;
            }
        }
    }
    assert!(ok > 0 && warn > 0 && err > 0);
    // 20 % of normal readings are flagged anyway.
    let share = low_flagged as f64 / low as f64;
    assert!((0.18..0.22).contains(&share), "{share}");
}

#[test]
fn status_function_edges() {
    assert_eq!(status_for(160.01, 0.9, 0.9), "ERROR");
    assert_eq!(status_for(160.0, 0.9, 0.1), "WARNING");
    assert_eq!(status_for(150.0, 0.9, 0.7), "ERROR");
    assert_eq!(status_for(140.0, 0.9, 0.1), "OK");
    assert_eq!(status_for(20.0, 0.1, 0.1), "WARNING");
    assert_eq!(status_for(20.0, 0.1, 0.6), "ERROR");
    assert_eq!(status_for(20.0, 0.5, 0.1), "OK");
}

#[test]
fn sensor_rate_and_count_are_configurable() {
    let rows: Vec<_> = sensor(SensorConfig {
        rate: 2.0,
        sensors: 3,
        rows: Some(100),
        ..SensorConfig::default()
    })
    .collect();
    assert_eq!(rows.len(), 100);
    let span = rows[99].event_time_ms - rows[0].event_time_ms;
    assert_eq!(span, 99 * 500);
    assert!(rows.iter().all(|r| (1..=3).contains(&super::i(r, 0))));
}
