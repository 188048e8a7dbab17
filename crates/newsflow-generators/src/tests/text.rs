use super::s;
use crate::text::{company, render_for_test, templates};
use crate::{news, NewsConfig, Sentiment};

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

#[test]
fn korean_ratio_one_gives_korean_text() {
    let rows: Vec<_> = news(NewsConfig {
        korean_ratio: 1.0,
        rows: Some(300),
        ..Default::default()
    })
    .collect();
    assert_eq!(rows.len(), 300);
    assert!(rows.iter().all(|r| has_hangul(s(r, 3))), "all Korean");
    let rows: Vec<_> = news(NewsConfig {
        korean_ratio: 0.0,
        rows: Some(300),
        ..Default::default()
    })
    .collect();
    assert!(rows.iter().all(|r| !has_hangul(s(r, 3))), "all English");
}

#[test]
fn default_ratio_mixes_languages() {
    let rows: Vec<_> = news(NewsConfig {
        rows: Some(1_000),
        ..Default::default()
    })
    .collect();
    let korean = rows.iter().filter(|r| has_hangul(s(r, 3))).count();
    assert!((400..600).contains(&korean), "{korean}");
    let distinct: std::collections::HashSet<&str> = rows.iter().map(|r| s(r, 3)).collect();
    assert!(distinct.len() > 850, "{}", distinct.len());
}

#[test]
fn enough_templates_and_all_placeholders_known() {
    for korean in [false, true] {
        for sentiment in [Sentiment::Good, Sentiment::Bad, Sentiment::Neutral] {
            let list = templates(korean, sentiment);
            assert!(list.len() >= 15, "{korean} {sentiment:?}");
            for t in list {
                assert!(t.contains("{co}") || t.contains("{co_pos}"), "{t}");
                let out = render_for_test(t);
                assert!(!out.contains('{') && !out.contains('}'), "{out}");
                assert_eq!(has_hangul(&out), korean, "{out}");
            }
        }
    }
    assert_eq!(render_for_test("Probe into {co_pos} unit"), "Probe into Apple's unit");
    assert_eq!(
        render_for_test(
            "{co} beats Q{q} estimates; {bank} raises price target to ${pt}. Shares up {move}% after hours."
        ),
        "Apple beats Q2 estimates; UBS raises price target to $1,250. Shares up 3.2% after hours."
    );
}

#[test]
fn headlines_name_the_company_in_the_right_language() {
    let cfg = NewsConfig {
        rows: Some(400),
        ..Default::default()
    };
    for row in news(cfg) {
        let c = company(s(&row, 0)).unwrap();
        let text = s(&row, 3);
        assert!(text.contains(c.name_en) || text.contains(c.name_ko), "{text}");
    }
}

#[test]
fn unknown_symbols_use_the_ticker() {
    let mut cfg = NewsConfig {
        rows: Some(20),
        korean_ratio: 0.0,
        ..Default::default()
    };
    cfg.market.symbols = vec!["ZZZ".into()];
    for row in news(cfg) {
        assert!(s(&row, 3).contains("ZZZ"));
    }
    assert_eq!(company("005930.KS").unwrap().name_ko, "삼성전자");
}
