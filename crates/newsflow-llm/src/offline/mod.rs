//! The offline analyser: lexicon + rules sentiment for Korean and English financial news,
//! checked by a small learned text model.
//!
//! [`analyze`] scores each sentence with the rules, sums and squashes the scores, then
//! lets the text model fill in or overrule the rules' label (`blend.rs`).
//!
//! * `lexicon.rs` — term lists with their cues and weights.
//! * `rules.rs` — the two scans (English tokens, Korean chars) and how matches combine
//!   into a sentence score (quantities, intensifiers, percentages, concession).
//! * `scope.rs` — how far negators, reversals and comparisons reach.
//! * `double_reversal.rs` — a reversal aimed at a proceeding that is itself a reversal
//!   (`denies request to dismiss lawsuit`, `소송 기각 요청 받아들이지 않아`): both cancel,
//!   the target stands.
//! * `negation.rs` — negators (`no longer expects a loss`, `우려 없다`).
//! * `reversal.rs` — terms that cancel what they attach to (`dismisses lawsuit`,
//!   `offer withdrawn`, `흑자전환 실패`, `소송 기각`).
//! * `expectation.rs` — results against expectations (`loss smaller than forecast`,
//!   `up 2% vs 8% expected`, `예상보다 적어`).
//! * `figures.rs` — a reported figure against an expected or prior figure written
//!   anywhere in the sentence (`$7.6B; Street was looking for $8.9B`, `700원…전년 1,700원`).
//! * `change.rs` — changes written as two values (`cut to $0.70 from $1.51`,
//!   `1만원에서 3천원으로`, `to equal weight from overweight`).
//! * `burden.rs` — capital raises and the assent that completes them (`wins approval to
//!   issue new shares`, `유상증자 성공적 마무리`).
//! * `costs.rs` — outlooks of costs (`raises its estimate of medical costs`).
//! * `routine.rs` — routine and flat-market markers and mixed verdicts, which pull toward
//!   neutral (`scheduled maintenance`, `shares unchanged`, `정기 보수`).
//! * `events.rs` — index inclusion/removal and takeover premiums.
//! * `levels.rs` — record levels of a quantity where more is worse (`cash burn hits a
//!   record high`, `재고 사상 최고치`), which are bad news.
//! * `ngrams.rs` — the text model's features: English word uni/bigrams, Korean char
//!   2/3-grams.
//! * `model.rs` — the text model: logistic-regression weights (`model_weights.bin`,
//!   compiled in, looked up by feature hash) and class probabilities.
//! * `blend.rs` — the final label from the rules' score and the model's probabilities.
//! * `train.rs` (tests only) — trains the model on `tests/data/*.jsonl`, checks that the
//!   committed weights are reproduced, and measures it leave-one-set-out. Names (English
//!   words never written in lower case, Korean n-grams mostly seen in a headline's
//!   subject) and bare numbers are not trained on, so they carry no weight: the model
//!   judged plain news by the company it was about (`Toyota to supply … to BMW`: bad).
//! * [`summary`] — the extractive one-line summary.
//! * `text.rs` — clipping, sentence splitting and tokenizing.

mod blend;
mod burden;
mod change;
mod costs;
mod double_reversal;
mod events;
mod expectation;
mod figures;
mod levels;
mod lexicon;
mod model;
mod negation;
mod ngrams;
mod reversal;
mod routine;
mod rules;
mod scope;
pub mod summary;
mod text;
#[cfg(test)]
mod train;

use serde::Serialize;

/// Scores above this are [`Label::Good`].
pub const GOOD_THRESHOLD: f64 = 0.15;
/// Scores below this are [`Label::Bad`].
pub const BAD_THRESHOLD: f64 = -0.15;
/// The raw (summed) sentence scores are squashed with `tanh(raw * SQUASH)`.
const SQUASH: f64 = 0.8;
/// Weight of sentences after the first (headline) one.
const BODY_WEIGHT: f64 = 0.8;

/// Direction of the news for the stock it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Good,
    Bad,
    Neutral,
}

impl Label {
    /// `"good"`, `"bad"` or `"neutral"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Label::Good => "good",
            Label::Bad => "bad",
            Label::Neutral => "neutral",
        }
    }

    fn from_score(score: f64) -> Label {
        if score > GOOD_THRESHOLD {
            Label::Good
        } else if score < BAD_THRESHOLD {
            Label::Bad
        } else {
            Label::Neutral
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Result of [`analyze`].
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub label: Label,
    /// Sentiment in `[-1, 1]`; the sign gives the direction, the size the strength.
    pub score: f64,
    /// One sentence of the input, single line, at most
    /// [`summary::MAX_SUMMARY_CHARS`] chars.
    pub summary: String,
}

#[derive(Serialize)]
struct Wire<'a> {
    label: Label,
    summary: &'a str,
}

impl Analysis {
    /// The JSON text the source documents' UDF returns: `{"label":"good","summary":"…"}`
    /// — exactly the keys `label` and `summary`, in that order, compact, with standard
    /// JSON string escaping.
    pub fn to_json(&self) -> String {
        let wire = Wire {
            label: self.label,
            summary: &self.summary,
        };
        serde_json::to_string(&wire).unwrap_or_else(|_| {
            // Serialising a &str and a unit enum cannot fail; keep a valid fallback anyway.
            format!(r#"{{"label":"{}","summary":""}}"#, self.label.as_str())
        })
    }
}

/// Analyses one news item (Korean, English or mixed).
///
/// Deterministic and pure; never panics. Only the first
/// 32 KiB of the input are analysed.
pub fn analyze(text: &str) -> Analysis {
    let text = text::clip(text, text::MAX_ANALYSED_BYTES);
    let sentences = text::split_sentences(text);
    let scores: Vec<f64> = sentences.iter().map(|s| rules::score_sentence(s)).collect();
    let rule_score = squash(&scores);
    let label = blend::blend(rule_score, &model::probabilities(text));
    let score = score_for(label, rule_score);
    let direction = match label {
        Label::Good => 1.0,
        Label::Bad => -1.0,
        Label::Neutral => 0.0,
    };
    let summary = match sentences.get(summary::pick(&scores, direction)) {
        Some(s) => summary::truncate_chars(&summary::one_line(s), summary::MAX_SUMMARY_CHARS),
        None => summary::truncate_chars(&summary::one_line(text), summary::MAX_SUMMARY_CHARS),
    };
    Analysis { label, score, summary }
}

/// The rules' label and score alone, without the text model.
#[cfg(test)]
pub(crate) fn rule_analysis(text: &str) -> (Label, f64) {
    let text = text::clip(text, text::MAX_ANALYSED_BYTES);
    let scores: Vec<f64> = text::split_sentences(text)
        .iter()
        .map(|s| rules::score_sentence(s))
        .collect();
    let score = squash(&scores);
    (Label::from_score(score), score)
}

/// Sentence scores summed (the first at full weight, the rest at [`BODY_WEIGHT`]) and
/// squashed into `[-1, 1]`.
fn squash(scores: &[f64]) -> f64 {
    let raw: f64 = scores
        .iter()
        .enumerate()
        .map(|(i, s)| if i == 0 { *s } else { s * BODY_WEIGHT })
        .sum();
    if raw.is_finite() {
        (raw * SQUASH).tanh()
    } else {
        0.0
    }
}

/// The rules' score, moved into `label`'s band when the text model changed the label
/// (just inside the band, so the score stays consistent with the label).
fn score_for(label: Label, rule_score: f64) -> f64 {
    const INSIDE: f64 = 0.01;
    match label {
        Label::Good => rule_score.max(GOOD_THRESHOLD + INSIDE),
        Label::Bad => rule_score.min(BAD_THRESHOLD - INSIDE),
        Label::Neutral => rule_score.clamp(BAD_THRESHOLD, GOOD_THRESHOLD),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_examples() {
        let en = analyze(
            "Amazon announces $20B more cloud/AI investment; Morgan Stanley raises target price to $250; shares up 7% after hours",
        );
        assert_eq!(en.label, Label::Good, "{en:?}");
        assert!(en.score > 0.5);
        let ko = analyze(
            "아마존, 클라우드·AI 분야 200억 달러 투자 확대 발표 … 모건스탠리는 목표주가를 220달러에서 250달러로 상향 조정했다. 주가는 7% 급등했다.",
        );
        assert_eq!(ko.label, Label::Good, "{ko:?}");
        assert!(ko.score > 0.5);
        assert!(ko
            .summary
            .starts_with("아마존, 클라우드·AI 분야 200억 달러 투자 확대 발표"));
    }

    #[test]
    fn english_examples() {
        let bad = [
            "Apple shares fall 4% after iPhone sales miss estimates",
            "Tesla recalls 2 million vehicles over Autopilot safety concerns",
            "Intel to lay off 15% of its workforce",
            "Boeing hit with new lawsuit over 737 MAX",
            "Nvidia cut to underperform at Bernstein; price target lowered to $90 from $120",
        ];
        for t in bad {
            assert_eq!(analyze(t).label, Label::Bad, "{t}: {:?}", analyze(t));
        }
        let good = [
            "Microsoft beats estimates, raises dividend 10%",
            "Apple authorizes record $110 billion buyback",
            "Nvidia stock jumps 9% after guidance tops forecasts",
        ];
        for t in good {
            assert_eq!(analyze(t).label, Label::Good, "{t}: {:?}", analyze(t));
        }
        assert_eq!(
            analyze("Apple to hold its annual shareholder meeting on March 1").label,
            Label::Neutral
        );
    }

    #[test]
    fn korean_examples() {
        let cases = [
            ("삼성전자, 2분기 영업이익 시장 기대치 크게 상회", Label::Good),
            ("SK하이닉스, 4분기 흑자 전환", Label::Good),
            ("현대차, 주가 3% 하락…관세 우려", Label::Bad),
            ("카카오, 2분기 적자 전환", Label::Bad),
            ("네이버 목표주가 하향", Label::Bad),
            ("LG전자, 세탁기 리콜 실시", Label::Bad),
            ("테슬라, 집단 소송 피소", Label::Bad),
            ("현대차, 내달 신차 발표회 개최", Label::Neutral),
        ];
        for (t, want) in cases {
            assert_eq!(analyze(t).label, want, "{t}: {:?}", analyze(t));
        }
    }

    #[test]
    fn score_is_bounded_and_label_consistent() {
        let long_good = "Shares surge to record high after blowout earnings. ".repeat(500);
        let a = analyze(&long_good);
        assert!(a.score <= 1.0 && a.score > 0.9);
        assert_eq!(a.label, Label::Good);
        for t in ["", "x", "Profits fell", "이익 증가"] {
            let a = analyze(t);
            assert!((-1.0..=1.0).contains(&a.score));
            assert_eq!(a.label, Label::from_score(a.score));
        }
    }

    #[test]
    fn summary_picks_headline_or_strongest_sentence() {
        let a = analyze(
            "Company news for the week. Meta shares plunge 20% after a weak outlook. The CEO spoke at a conference.",
        );
        assert_eq!(a.label, Label::Bad);
        assert_eq!(a.summary, "Meta shares plunge 20% after a weak outlook.");
        let n = analyze("Apple to hold event.\nMore details later.");
        assert_eq!(n.summary, "Apple to hold event.");
    }

    #[test]
    fn summary_is_one_line_and_bounded_on_long_korean() {
        let text = format!(
            "{}\n둘째 문장입니다.",
            "삼성전자가 반도체 업황 회복과 고대역폭메모리 판매 확대에 힘입어 3분기 영업이익이 시장 전망치를 크게 웃돌았다고 밝혔고 주가는 급등했으며 "
                .repeat(8)
        );
        let a = analyze(&text);
        assert!(!a.summary.contains('\n'));
        assert!(a.summary.chars().count() <= summary::MAX_SUMMARY_CHARS);
        assert!(a.summary.ends_with('…'));
        assert_eq!(a.label, Label::Good);
    }

    #[test]
    fn to_json_shape_and_escaping() {
        let a = Analysis {
            label: Label::Good,
            score: 0.5,
            summary: "He said \"buy\"\nnow \\ 100% 👍 \u{1}".to_string(),
        };
        let j = a.to_json();
        assert_eq!(
            j,
            r#"{"label":"good","summary":"He said \"buy\"\nnow \\ 100% 👍 \u0001"}"#
        );
        let v: serde_json::Value = serde_json::from_str(&j).expect("valid json");
        assert_eq!(v["summary"], a.summary);
        let n = analyze("");
        assert_eq!(n.to_json(), r#"{"label":"neutral","summary":""}"#);
        assert_eq!(Label::Bad.as_str(), "bad");
        assert_eq!(
            serde_json::to_string(&Label::Neutral).expect("serialize"),
            r#""neutral""#
        );
    }

    #[test]
    fn supply_deals_and_added_buybacks_are_good_rules() {
        for t in [
            "Panasonic to supply battery cells to Lucid through 2028",
            "Corning signs supply agreement with Apple",
            "포스코퓨처엠, 자사주 500억원 추가 매입",
        ] {
            assert_eq!(rule_analysis(t).0, Label::Good, "{t}");
        }
        assert_eq!(
            rule_analysis("Arm CEO to deliver keynote at Computex").0,
            Label::Neutral
        );
    }

    #[test]
    fn is_deterministic() {
        let t = "엔비디아, 데이터센터 매출 급증에 주가 8% 급등. Nvidia beats estimates.";
        assert_eq!(analyze(t), analyze(t));
    }

    #[test]
    fn never_panics() {
        let mut inputs: Vec<String> = vec![
            String::new(),
            " ".into(),
            "\0\0\0".into(),
            "%%%%".into(),
            "+%".into(),
            "-".into(),
            "에서".into(),
            "에서로".into(),
            "1에서 2로".into(),
            "9.9.9.9%".into(),
            "....%".into(),
            "from to from to".into(),
            "to 5 from".into(),
            "from 1e999 to 1e999".into(),
            format!("{}에서 {}로", "9".repeat(400), "9".repeat(400)),
            format!("{}%", "9".repeat(400)),
            "🚀🚀🚀 to the moon 📈 +1000% 急騰".into(),
            "\u{FEFF}\u{200B}\u{202E}reversed".into(),
            "a\u{0301}\u{0301}\u{0301}".into(),
            "급".into(),
            "급급급급".into(),
            "않못없".into(),
            "not not not not".into(),
            "record record record".into(),
            "but but despite".into(),
            ".!?。\n\r".repeat(100),
            "가".repeat(100_000),
            "a".repeat(100_000),
            "up 7% ".repeat(20_000),
            "주가 7% 급등 ".repeat(20_000),
            // shapes of the phrase-level passes, cut short
            "than expected".into(),
            "smaller than".into(),
            "vs 5% expected".into(),
            "5 vs expected".into(),
            "not as as feared".into(),
            "to buy from".into(),
            "from hold to".into(),
            "premium".into(),
            "a % premium".into(),
            "take private".into(),
            "S&P".into(),
            "added to the S&P".into(),
            "보다".into(),
            "예상보다".into(),
            "보다 적어".into(),
            "프리미엄%".into(),
            "%프리미엄".into(),
            "지수에서".into(),
            "에서 로".into(),
            "1조에서 2조로".into(),
            "만원에서 천원으로".into(),
            "조억만천".into(),
            "9조9조9조9조9조9조9조9조9조9조9조9조9조9조9조9조9조9조9조9조에서 1원으로".into(),
            "매수에서".into(),
            "매수→".into(),
            "실패 실패 실패 철회 해소".into(),
            "및 및 및".into(),
            // shapes of the figure comparisons, cut short
            "추정치는 1원".into(),
            "1원…전년".into(),
            "전년 1원".into(),
            "0원…추정치는 0원".into(),
            "expected 5; analysts 6".into(),
            "the Street was at".into(),
            "loss of 0 cents, narrower than the 0-cent loss expected".into(),
            "1 2 3 analysts expected 4 5 6".into(),
            "시장은 %".into(),
        ];
        // binary-ish: every byte value through lossy UTF-8
        let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        // every char boundary prefix of a mixed string
        let mixed = "삼성전자 +3% 급등, Apple's shares fell 4%… 목표가 9만원에서 8만원으로";
        for (i, _) in mixed.char_indices() {
            inputs.push(mixed[..i].to_string());
        }
        for t in &inputs {
            let a = analyze(t);
            assert!(a.score.is_finite() && (-1.0..=1.0).contains(&a.score));
            assert!(a.summary.chars().count() <= summary::MAX_SUMMARY_CHARS);
            assert!(!a.summary.contains('\n'));
            let _: serde_json::Value = serde_json::from_str(&a.to_json()).expect("valid json");
        }
    }
}
