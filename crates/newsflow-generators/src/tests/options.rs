use crate::{by_name, columns_by_name, GenOptions, DEFAULT_SYMBOLS};

#[test]
fn unknown_generator_lists_valid_names() {
    let err = by_name("weather", &GenOptions::default()).err().unwrap();
    assert!(
        err.contains("news") && err.contains("stock") && err.contains("sensor"),
        "{err}"
    );
    assert!(columns_by_name("nope").is_err());
    assert_eq!(columns_by_name("STOCK").unwrap().len(), 4);
    assert_eq!(by_name("Sensor", &GenOptions::default()).unwrap().name(), "sensor");
}

#[test]
fn options_parse_from_text() {
    let mut o = GenOptions::default();
    assert!(o.set("seed", "7").unwrap());
    assert!(o.set("number-of-rows", "10").unwrap());
    assert!(o.set("rows_per_second", "5.5").unwrap());
    assert!(o.set("symbols", "AAPL, MSFT ,").unwrap());
    assert!(o.set("start", "2025-07-02 10:00:00").unwrap());
    assert!(o.set("news.per.day", "4").unwrap());
    assert!(o.set("KOREAN_RATIO", "1").unwrap());
    assert!(o.set("max-out-of-order-ms", "3000").unwrap());
    assert!(o.set("market-open", "09:30").unwrap());
    assert!(o.set("market-close", "16:00:00").unwrap());
    assert!(o.set("weekends", "TRUE").unwrap());
    assert!(o.set("days", "2").unwrap());
    assert!(!o.set("connector", "datagen").unwrap());
    assert_eq!(o.seed, Some(7));
    assert_eq!(o.rows, Some(10));
    assert_eq!(o.rate, Some(5.5));
    assert_eq!(o.symbols, Some(vec!["AAPL".to_string(), "MSFT".to_string()]));
    assert_eq!(o.start, Some(super::parse_ts("2025-07-02 10:00:00")));
    assert_eq!(o.market_open, Some(9 * 3_600_000 + 30 * 60_000));
    assert_eq!(o.market_close, Some(16 * 3_600_000));
    assert_eq!(o.weekends, Some(true));
    let m = o.market_config().unwrap();
    assert_eq!(m.symbols.len(), 2);
    o.set("start", "1751360400000").unwrap();
    assert_eq!(o.start, Some(1_751_360_400_000));
}

#[test]
fn bad_option_values_are_errors() {
    let mut o = GenOptions::default();
    assert!(o.set("seed", "-1").is_err());
    assert!(o.set("rate", "0").is_err());
    assert!(o.set("korean-ratio", "1.5").is_err());
    assert!(o.set("start", "yesterday").is_err());
    assert!(o.set("market-open", "9h").is_err());
    assert!(o.set("market-open", "25:00").is_err());
    assert!(o.set("symbols", " , ").is_err());
    assert!(o.set("max-out-of-order-ms", "-5").is_err());
    let o = GenOptions {
        market_open: Some(16 * 3_600_000),
        ..GenOptions::default()
    };
    assert!(by_name("stock", &o).is_err());
    let o = GenOptions {
        symbols: Some(vec![]),
        ..GenOptions::default()
    };
    assert!(by_name("news", &o).is_err());
    let o = GenOptions {
        rate: Some(f64::NAN),
        ..GenOptions::default()
    };
    assert!(by_name("sensor", &o).is_err());
}

#[test]
fn defaults_are_documented_values() {
    let m = GenOptions::default().market_config().unwrap();
    assert_eq!(m.seed, 42);
    assert_eq!(
        m.symbols,
        DEFAULT_SYMBOLS.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(m.start_ms, super::parse_ts("2025-07-01 09:00:00"));
    assert_eq!(m.news_per_day, 100);
    let st = GenOptions::default().stock_config().unwrap();
    assert_eq!(st.rate, 20.0);
    assert_eq!(st.max_out_of_order_ms, 0);
    let n = GenOptions::default().news_config().unwrap();
    assert_eq!(n.korean_ratio, 0.5);
    let se = GenOptions::default().sensor_config().unwrap();
    assert_eq!((se.rate, se.sensors), (10.0, 10));
}
