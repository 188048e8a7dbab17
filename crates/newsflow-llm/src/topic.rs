//! `news_topic(text)`: what a news item is about, for per-topic breakdowns of its impact.
//! A keyword classifier over English and Korean (no model, deterministic): the topic whose
//! cue appears first in the text wins, so a headline's lead decides ("Apple beats
//! estimates; Morgan Stanley raises target" is `earnings`).
//!
//! | topic | cues (a few) |
//! |---|---|
//! | `earnings` | earnings, revenue, profit, EPS, quarter, guidance, 실적, 영업이익, 매출, 순이익 |
//! | `analyst` | upgrade, downgrade, price target, rating, 목표주가, 투자의견, 상향, 하향 조정 |
//! | `deal` | acquire, merger, takeover, buyout, stake, 인수, 합병, 지분 |
//! | `legal` | lawsuit, probe, regulator, antitrust, FDA, fine, court, 소송, 규제, 과징금, 승인, 조사 |
//! | `capital` | buyback, dividend, share offering, 자사주, 배당, 유상증자 |
//! | `product` | launch, unveil, recall, product, 출시, 공개, 리콜 |
//! | `management` | CEO, CFO, resigns, appoints, steps down, 대표, 사임, 선임 |
//! | `operations` | layoffs, plant, factory, strike, outage, contract, order, 공장, 파업, 수주, 계약, 감원 |
//! | `index` | S&P 500, Nasdaq-100, KOSPI 200, index inclusion, 편입, 편출 |
//! | `other` | none of these |

/// The topics `news_topic` returns.
pub const TOPICS: [&str; 10] = [
    "earnings",
    "analyst",
    "deal",
    "legal",
    "capital",
    "product",
    "management",
    "operations",
    "index",
    "other",
];

/// (topic, cues): English cues are matched on lower-cased word starts, Korean ones anywhere.
const CUES: &[(&str, &[&str])] = &[
    (
        "earnings",
        &[
            "earnings",
            "revenue",
            "profit",
            "eps",
            "quarter",
            "q1",
            "q2",
            "q3",
            "q4",
            "guidance",
            "outlook",
            "forecast",
            "sales",
            "loss",
            "실적",
            "영업이익",
            "매출",
            "순이익",
            "영업손실",
            "적자",
            "흑자",
            "분기",
            "가이던스",
            "전망치",
        ],
    ),
    (
        "analyst",
        &[
            "upgrade",
            "downgrade",
            "price target",
            "target price",
            "rating",
            "overweight",
            "underweight",
            "outperform",
            "underperform",
            "initiates coverage",
            "목표주가",
            "투자의견",
            "매수 의견",
            "커버리지",
        ],
    ),
    (
        "deal",
        &[
            "acquire",
            "acquisition",
            "merger",
            "merge",
            "takeover",
            "buyout",
            "bid for",
            "stake",
            "deal to buy",
            "인수",
            "합병",
            "지분",
            "매각",
            "공개매수",
        ],
    ),
    (
        "legal",
        &[
            "lawsuit",
            "sued",
            "sues",
            "probe",
            "investigation",
            "regulator",
            "antitrust",
            "fda",
            "ftc",
            "sec ",
            "fine",
            "fined",
            "court",
            "judge",
            "ruling",
            "settlement",
            "approval",
            "소송",
            "규제",
            "과징금",
            "승인",
            "조사",
            "제재",
            "판결",
            "당국",
        ],
    ),
    (
        "capital",
        &[
            "buyback",
            "repurchase",
            "dividend",
            "share offering",
            "stock offering",
            "share sale",
            "bond",
            "자사주",
            "배당",
            "유상증자",
            "무상증자",
            "회사채",
        ],
    ),
    (
        "product",
        &[
            "launch",
            "unveil",
            "recall",
            "release",
            "product",
            "model",
            "출시",
            "공개",
            "리콜",
            "신제품",
            "선보",
        ],
    ),
    (
        "management",
        &[
            "ceo",
            "cfo",
            "chief executive",
            "resign",
            "appoint",
            "steps down",
            "step down",
            "board",
            "대표",
            "사임",
            "선임",
            "경영진",
            "회장",
            "퇴진",
        ],
    ),
    (
        "operations",
        &[
            "layoff",
            "job cuts",
            "plant",
            "factory",
            "strike",
            "outage",
            "contract",
            "order",
            "supply",
            "production",
            "공장",
            "파업",
            "수주",
            "계약",
            "감원",
            "생산",
            "공급",
        ],
    ),
    (
        "index",
        &[
            "s&p 500",
            "nasdaq-100",
            "nasdaq 100",
            "kospi 200",
            "kospi200",
            "msci",
            "index inclusion",
            "편입",
            "편출",
        ],
    ),
];

fn is_word_start(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric())
}

/// The topic of a news item (one of [`TOPICS`]).
pub fn news_topic(text: &str) -> &'static str {
    let lower = text.to_lowercase();
    let mut best: Option<(usize, &'static str)> = None;
    for (topic, cues) in CUES {
        for cue in *cues {
            let ascii = cue.is_ascii();
            let mut from = 0;
            while let Some(i) = lower[from..].find(cue) {
                let at = from + i;
                if !ascii || is_word_start(&lower, at) {
                    if best.is_none_or(|(b, _)| at < b) {
                        best = Some((at, topic));
                    }
                    break;
                }
                from = at + cue.len();
            }
        }
    }
    best.map_or("other", |(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lead_cue_decides_in_both_languages() {
        assert_eq!(
            news_topic("Apple beats Q3 estimates; Morgan Stanley raises price target to $250"),
            "earnings"
        );
        assert_eq!(news_topic("Goldman Sachs upgrades Nvidia to Buy"), "analyst");
        assert_eq!(news_topic("삼성전자, 2분기 영업이익 10조…시장 예상 상회"), "earnings");
        assert_eq!(news_topic("카카오, 금융당국 제재에 과징금 부과"), "legal");
        assert_eq!(news_topic("현대차, 美 공장 파업 장기화"), "operations");
        assert_eq!(news_topic("Tesla to join the S&P 500 index"), "index");
        assert_eq!(news_topic("Microsoft agrees to acquire Activision"), "deal");
        assert_eq!(
            news_topic("The weather was fine"),
            "legal",
            "a cue is a word, not meaning"
        );
        assert_eq!(news_topic("Nothing to see here"), "other");
        assert_eq!(news_topic(""), "other");
    }

    #[test]
    fn english_cues_match_whole_word_starts_only() {
        // "model" must not fire inside "remodel", nor "eps" inside "steps".
        assert_eq!(news_topic("Firm remodels steps"), "other");
    }
}
