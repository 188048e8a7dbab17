use super::parse_ts;
use crate::{news, stock, weekday, MarketConfig, NewsConfig, StockConfig};
use newsflow_common::time::MILLIS_PER_DAY;

fn in_hours(cfg: &MarketConfig, t: i64) -> bool {
    let day = t.div_euclid(MILLIS_PER_DAY);
    let tod = t.rem_euclid(MILLIS_PER_DAY);
    (cfg.weekends || weekday(day) < 5) && tod >= cfg.open_ms_of_day && tod < cfg.close_ms_of_day
}

#[test]
fn trades_and_news_stay_inside_market_hours() {
    // A high rate over several days, with jitter, starting on a Friday so the weekend is
    // skipped.
    let market = MarketConfig {
        start_ms: parse_ts("2025-07-04 15:00:00"),
        ..MarketConfig::default()
    };
    let cfg = StockConfig {
        market: market.clone(),
        rate: 2.0,
        days: Some(4),
        max_out_of_order_ms: 3_000,
        ..Default::default()
    };
    let mut days = std::collections::BTreeSet::new();
    let mut n = 0;
    for row in stock(cfg) {
        assert!(in_hours(&market, row.event_time_ms), "{}", super::s(&row, 1));
        assert!(row.event_time_ms >= market.start_ms);
        days.insert(row.event_time_ms.div_euclid(MILLIS_PER_DAY));
        n += 1;
    }
    assert!(n > 3 * 2 * 23_400 * 9 / 10, "{n}");
    // Friday (partial), Monday, Tuesday, Wednesday.
    assert_eq!(days.len(), 4);
    for row in news(NewsConfig {
        market: market.clone(),
        days: Some(4),
        ..Default::default()
    }) {
        assert!(in_hours(&market, row.event_time_ms));
        assert!(row.event_time_ms >= market.start_ms);
    }
}

#[test]
fn sessions_skip_weekends_unless_enabled() {
    let mut m = MarketConfig::default(); // Tuesday 2025-07-01 09:00.
    let days: Vec<i64> = (0..10).map(|k| m.session(k).unwrap().day).collect();
    let wd: Vec<i64> = days.iter().map(|d| weekday(*d)).collect();
    assert_eq!(wd, vec![1, 2, 3, 4, 0, 1, 2, 3, 4, 0]);
    assert!(days.windows(2).all(|w| w[0] < w[1]));
    m.weekends = true;
    let days: Vec<i64> = (0..10).map(|k| m.session(k).unwrap().day).collect();
    assert!(days.windows(2).all(|w| w[1] == w[0] + 1));
}

#[test]
fn a_start_after_the_close_begins_the_next_day() {
    let mut m = MarketConfig {
        start_ms: parse_ts("2025-07-01 16:00:00"),
        ..MarketConfig::default()
    };
    let s0 = m.session(0).unwrap();
    assert_eq!(s0.open_ms, parse_ts("2025-07-02 09:00:00"));
    m.start_ms = parse_ts("2025-07-01 12:34:56");
    let s0 = m.session(0).unwrap();
    assert_eq!(s0.open_ms, m.start_ms);
    assert_eq!(s0.close_ms, parse_ts("2025-07-01 15:30:00"));
}

#[test]
fn custom_market_hours_are_respected() {
    let market = MarketConfig {
        open_ms_of_day: 22 * 3_600_000 + 30 * 60_000,
        close_ms_of_day: 24 * 3_600_000,
        start_ms: parse_ts("2025-07-01 00:00:00"),
        ..MarketConfig::default()
    };
    let cfg = StockConfig {
        market: market.clone(),
        days: Some(2),
        ..Default::default()
    };
    let mut count = 0;
    for row in stock(cfg) {
        assert!(in_hours(&market, row.event_time_ms));
        count += 1;
    }
    assert!(count > 2 * 20 * 5_400 * 9 / 10);
}
