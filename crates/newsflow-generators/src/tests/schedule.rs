use crate::{news_schedule, MarketConfig, Sentiment};

#[test]
fn schedule_is_deterministic_sorted_and_numbered() {
    let m = MarketConfig::default();
    let a = news_schedule(&m, 3);
    assert_eq!(a, news_schedule(&m, 3));
    assert_eq!(a.len(), 100);
    assert!(a.windows(2).all(|w| w[0].event_time_ms <= w[1].event_time_ms));
    for (k, n) in a.iter().enumerate() {
        assert_eq!(n.news_id, 1001 + 300 + k as i32);
        assert_eq!(n.event_time_ms % 1000, 0);
        assert_eq!(&*n.symbol, m.symbols[n.symbol_index]);
        match n.sentiment {
            Sentiment::Good => assert!((0.01..=0.04).contains(&n.price_impact)),
            Sentiment::Bad => assert!((-0.04..=-0.01).contains(&n.price_impact)),
            Sentiment::Neutral => assert!(n.price_impact.abs() <= 0.003),
        }
        assert!((60_000..=180_000).contains(&n.impact_ms));
        assert!((2.0..=5.0).contains(&n.volume_multiplier));
    }
    let other = news_schedule(
        &MarketConfig {
            seed: 1,
            ..MarketConfig::default()
        },
        3,
    );
    assert_ne!(a, other);
}

#[test]
fn all_sentiments_and_symbols_appear() {
    let m = MarketConfig::default();
    let all: Vec<_> = (0..5).flat_map(|d| news_schedule(&m, d)).collect();
    for s in [Sentiment::Good, Sentiment::Bad, Sentiment::Neutral] {
        let c = all.iter().filter(|n| n.sentiment == s).count();
        assert!(c > 50, "{s:?} {c}");
    }
    let syms: std::collections::HashSet<_> = all.iter().map(|n| n.symbol_index).collect();
    assert_eq!(syms.len(), 20);
}
