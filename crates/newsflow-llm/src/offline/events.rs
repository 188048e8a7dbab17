//! Corporate events whose words mislead a term list.
//!
//! * **Index inclusion and removal.** Joining a major index brings forced buying, leaving
//!   it forced selling: `to join the S&P 500`, `added to the Nasdaq-100`, `MSCI adds X to
//!   its index`, `to replace Intel in the Dow`, `selected for Nikkei 225` are good;
//!   `removed from`, `dropped from`, `relegated from the FTSE 100`, `loses its spot in`,
//!   `falls out of MDAX` bad — whatever `added`/`dropped` would mean as moves.
//!   Korean: `코스피200 편입` (term list) and `지수에서 제외`, `지수서 빠져`.
//! * **Takeover premiums.** The company being bought is paid above its market price: `at
//!   a 31% premium`, `a premium to its last close`, `take Nordstrom private`, `20%
//!   프리미엄`. (Passive forms — `to be acquired by`, `피인수` — are in the term lists.)
//!
//! Each pattern claims the tokens of its verb or noun, so the term lists do not read
//! them again.

use super::lexicon::Cue;
use super::rules::{ko_match_str, Claims, Hit};
use super::text::{is_num, word_at, Tok, TokKind};

/// Value of an index inclusion (positive) or removal (negative).
const INDEX_WEIGHT: f64 = 0.8;
/// Value of a takeover premium or take-private offer.
const PREMIUM_WEIGHT: f64 = 0.7;

const EN_INDEX_IN: &[&str] = &[
    "join",
    "joins",
    "joined",
    "joining",
    "rejoin",
    "rejoins",
    "rejoined",
    "add",
    "adds",
    "added",
    "adding",
    "addition",
    "include",
    "includes",
    "included",
    "inclusion",
    "enter",
    "enters",
    "entered",
    "entering",
    "promote",
    "promotes",
    "promoted",
    "promotion",
    "replace",
    "replaces",
    "replacing",
    "return",
    "returns",
    "returned",
    "returning",
    "select",
    "selects",
    "selected",
    "selection",
    "pick",
    "picks",
    "picked",
    "choose",
    "chooses",
    "chosen",
    "tapped",
];
const EN_INDEX_OUT: &[&str] = &[
    "remove",
    "removes",
    "removed",
    "removing",
    "removal",
    "drop",
    "drops",
    "dropped",
    "dropping",
    "delete",
    "deletes",
    "deleted",
    "deletion",
    "exit",
    "exits",
    "exited",
    "exiting",
    "relegate",
    "relegates",
    "relegated",
    "relegation",
    "demote",
    "demotes",
    "demoted",
    "demotion",
    "eject",
    "ejects",
    "ejected",
    "exclude",
    "excludes",
    "excluded",
    "exclusion",
    "leave",
    "leaves",
    "left",
    "leaving",
    "kicked",
    "booted",
    "ousted",
    "replaced",
    "lose",
    "loses",
    "lost",
    "losing",
];
/// Verbs that mean removal only with `out` after them (`falls out of the MDAX`).
const EN_INDEX_OUT_WITH_OUT: &[&str] = &[
    "fall", "falls", "fell", "falling", "drop", "drops", "dropped", "crash", "crashes", "crashed",
];
/// Nouns after an index name (`S&P 500 inclusion`).
const EN_INDEX_NOUN_IN: &[&str] = &["inclusion", "addition", "entry", "debut"];
const EN_INDEX_NOUN_OUT: &[&str] = &["deletion", "removal", "exit", "exclusion"];
/// Prepositions that tie a verb to an index (`added to`, `dropped from`).
const EN_INDEX_PREPOSITIONS: &[&str] = &["to", "into", "from", "in", "of", "out", "off", "back", "for"];
/// Words that end the stretch between a verb and an index (`shares added 2% as the S&P
/// 500 rose` is no inclusion).
const EN_INDEX_STOPS: &[&str] = &[
    "as", "after", "while", "amid", "because", "but", "and", "when", "since", "before", "despite",
];

const KO_INDEX_NAMES: &[&str] = &[
    "코스피 200",
    "코스닥 150",
    "KRX300",
    "KRX 300",
    "MSCI",
    "FTSE",
    "S&P 500",
    "S&P500",
    "나스닥 100",
    "다우",
    "지수",
];
const KO_INDEX_IN: &[&str] = &["편입", "입성", "합류", "진입", "포함"];
const KO_INDEX_OUT: &[&str] = &["제외", "빠져", "빠졌", "빠지", "빠진", "빠짐", "퇴출", "탈락", "편출"];
/// How far after an index name a Korean inclusion/removal word may be.
const KO_INDEX_REACH: usize = 10;

/// An index name at token `i` (`S&P 500`, `Nasdaq-100`, `Dow`, `FTSE 100`, `MSCI`,
/// `index`); returns the index after it.
fn index_name_at(toks: &[Tok], i: usize) -> Option<usize> {
    let numbered = |end: usize| if is_num(toks, end) { end + 1 } else { end };
    match word_at(toks, i)? {
        "s" if word_at(toks, i + 1) == Some("p") && is_num(toks, i + 2) => Some(i + 3),
        // `S&P/TSX 60`, `S&P SmallCap 600`, `S&P/ASX 200`: one word, then the number
        "s" if word_at(toks, i + 1) == Some("p") && word_at(toks, i + 2).is_some() && is_num(toks, i + 3) => {
            Some(i + 4)
        }
        "nasdaq" | "russell" if is_num(toks, i + 1) => Some(i + 2),
        "ftse" | "stoxx" | "kospi" | "kosdaq" => Some(numbered(i + 1)),
        "hang" if word_at(toks, i + 1) == Some("seng") => Some(i + 2),
        "dow" | "djia" | "msci" | "nikkei" | "index" | "indices" | "indexes" | "benchmark" => Some(numbered(i + 1)),
        "dax" | "mdax" | "sdax" | "tecdax" | "cac" | "ibex" | "aex" | "smi" | "tsx" | "asx" | "topix" | "sensex"
        | "nifty" => Some(numbered(i + 1)),
        _ => None,
    }
}

/// The signed value of an inclusion/removal verb.
fn index_verb(word: &str) -> Option<f64> {
    if EN_INDEX_IN.contains(&word) {
        Some(INDEX_WEIGHT)
    } else if EN_INDEX_OUT.contains(&word) {
        Some(-INDEX_WEIGHT)
    } else {
        None
    }
}

/// English index inclusion/removal: a verb up to eight tokens before an index name,
/// tied to it by a preposition or nothing but determiners, or a noun right after it.
pub(super) fn english_index(toks: &[Tok], claims: &mut Claims) {
    for m in 0..toks.len() {
        let Some(name_end) = index_name_at(toks, m) else {
            continue;
        };
        let clause = toks[m].clause;
        for v in (m.saturating_sub(8)..m).rev() {
            let out_verb = word_at(toks, v).is_some_and(|w| EN_INDEX_OUT_WITH_OUT.contains(&w))
                && word_at(toks, v + 1) == Some("out");
            let value = if out_verb {
                Some(-INDEX_WEIGHT)
            } else {
                word_at(toks, v).and_then(index_verb)
            };
            let Some(value) = value else {
                continue;
            };
            let between: Option<Vec<&str>> = (v + 1..m).map(|k| word_at(toks, k)).collect();
            // the numbers of an index name are no obstacle (`added to S&P/TSX 60 index`)
            let between = between.or_else(|| {
                let words: Vec<&str> = (v + 1..m).filter_map(|k| word_at(toks, k)).collect();
                words.contains(&"to").then_some(words)
            });
            let tied = between.is_some_and(|ws| {
                ws.iter().all(|w| !EN_INDEX_STOPS.contains(w))
                    && (ws.iter().all(|w| matches!(*w, "the" | "a" | "its"))
                        || ws.iter().any(|w| EN_INDEX_PREPOSITIONS.contains(w)))
            });
            if tied && toks[v].clause == clause && claims.is_free(v, v + 1) {
                claims.claim(v, v + 1);
                claims.hits.push(Hit::new(v, v + 1, clause, Cue::Polar(value)));
            }
            break;
        }
        let noun = word_at(toks, name_end).and_then(|w| {
            if EN_INDEX_NOUN_IN.contains(&w) {
                Some(INDEX_WEIGHT)
            } else if EN_INDEX_NOUN_OUT.contains(&w) {
                Some(-INDEX_WEIGHT)
            } else {
                None
            }
        });
        if let Some(value) = noun {
            if claims.is_free(name_end, name_end + 1) {
                claims.claim(name_end, name_end + 1);
                claims
                    .hits
                    .push(Hit::new(name_end, name_end + 1, clause, Cue::Polar(value)));
            }
        }
    }
}

/// English takeover premiums (`a 31% premium`, `at a premium to its last close`,
/// `premium of 30%`) and take-private offers (`take Nordstrom private`).
pub(super) fn english_takeover(toks: &[Tok], claims: &mut Claims) {
    for i in 0..toks.len() {
        match word_at(toks, i) {
            Some("premium") => {
                let pct_before = i > 0
                    && matches!(toks[i - 1].kind, TokKind::Num { percent: true, .. })
                    && toks[i - 1].clause == toks[i].clause;
                let article = i > 0 && matches!(word_at(toks, i - 1), Some("a" | "the"));
                let tied = matches!(word_at(toks, i + 1), Some("to" | "over" | "of"));
                let at_a = i > 1 && word_at(toks, i - 2) == Some("at") && word_at(toks, i - 1) == Some("a");
                if !(pct_before || (article && tied) || at_a) {
                    continue;
                }
                let start = if pct_before { i - 1 } else { i };
                if claims.is_free(start, i + 1) {
                    claims.claim(start, i + 1);
                    claims
                        .hits
                        .push(Hit::new(start, i + 1, toks[i].clause, Cue::Polar(PREMIUM_WEIGHT)));
                }
            }
            Some("take" | "takes" | "taking" | "took") => {
                let Some(end) = (i + 2..=i + 4).find(|&k| word_at(toks, k) == Some("private")) else {
                    continue;
                };
                let names_only = (i + 1..end).all(|k| word_at(toks, k).is_some());
                if names_only && toks[end].clause == toks[i].clause && claims.is_free(i, end + 1) {
                    claims.claim(i, end + 1);
                    claims
                        .hits
                        .push(Hit::new(i, end + 1, toks[i].clause, Cue::Polar(PREMIUM_WEIGHT)));
                }
            }
            _ => {}
        }
    }
}

/// Korean index removal/inclusion words shortly after an index name (`코스피200 지수에서
/// 제외`, `MSCI 한국지수서 빠져`, `나스닥 100 입성`).
pub(super) fn korean_index(chars: &[char], clauses: &[usize], claims: &mut Claims) {
    let mut k = 0;
    while k < chars.len() {
        let Some(name_end) = KO_INDEX_NAMES.iter().find_map(|p| ko_match_str(chars, k, p)) else {
            k += 1;
            continue;
        };
        let found = (name_end..(name_end + KO_INDEX_REACH).min(chars.len()))
            .take_while(|&j| clauses[j] == clauses[k])
            .find_map(|j| {
                let hit = |list: &[&str], value: f64| {
                    list.iter()
                        .find_map(|p| ko_match_str(chars, j, p))
                        .map(|end| (j, end, value))
                };
                hit(KO_INDEX_OUT, -INDEX_WEIGHT).or_else(|| hit(KO_INDEX_IN, INDEX_WEIGHT))
            });
        if let Some((start, end, value)) = found {
            if claims.is_free(start, end) {
                claims.claim(start, end);
                claims
                    .hits
                    .push(Hit::new(start, end, clauses[start], Cue::Polar(value)));
            }
        }
        k = name_end.max(k + 1);
    }
}

/// Korean takeover premiums: `프리미엄` with a percentage right before or after it
/// (`시가 대비 20% 프리미엄`, `프리미엄 30%`). The percentage is claimed too.
pub(super) fn korean_premium(chars: &[char], clauses: &[usize], claims: &mut Claims) {
    for k in 0..chars.len() {
        let Some(end) = ko_match_str(chars, k, "프리미엄") else {
            continue;
        };
        let is_pct = |j: usize| matches!(chars.get(j), Some('%' | '％')) && clauses[j] == clauses[k];
        let before = (k.saturating_sub(3)..k).find(|&j| is_pct(j));
        let after = (end..(end + 6).min(chars.len())).find(|&j| is_pct(j));
        let Some(pct) = before.or(after) else {
            continue;
        };
        if claims.is_free(k, end) && claims.is_free(pct, pct + 1) {
            claims.claim(k, end);
            claims.claim(pct, pct + 1);
            claims
                .hits
                .push(Hit::new(k, end, clauses[k], Cue::Polar(PREMIUM_WEIGHT)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::offline::rules::score_sentence as s;

    #[test]
    fn index_inclusion_is_good_and_removal_bad() {
        assert!(s("Super Micro Computer to join the S&P 500") > 0.5);
        assert!(s("Dell and Palantir set to be added to the S&P 500") > 0.5);
        assert!(s("Coinbase joins S&P 500 in quarterly rebalance") > 0.5);
        assert!(s("MSCI adds Hanwha Aerospace to its emerging markets index") > 0.5);
        assert!(s("Nvidia to replace Intel in the Dow") > 0.5);
        assert!(s("Walgreens to be removed from the Nasdaq-100") < -0.5);
        assert!(s("Intel dropped from the Dow Jones Industrial Average") < -0.5);
        assert!(s("Burberry relegated from the FTSE 100") < -0.5);
        assert!(s("Gains on S&P 500 inclusion") > 0.5);
        // an index in a market report is no inclusion
        assert!(s("Apple shares added 2% as the S&P 500 rose") > 0.0);
        assert!(s("Apple dropped 3% in the S&P 500") < 0.0);
    }

    #[test]
    fn more_index_names_and_verbs() {
        assert!(s("Sanrio selected for Nikkei 225 in annual index review") > 0.5);
        assert!(s("Zalando demoted from DAX to MDAX in September review") < -0.5);
        assert!(s("Carnival loses its spot in the FTSE 100 after quarterly reshuffle") < -0.5);
        assert!(s("Hugo Boss falls out of MDAX in index reshuffle") < -0.5);
        // moves of a share price next to an index stay moves
        assert!(s("Shares fell 2% to lead the S&P 500 lower") < 0.0);
        assert!(s("Siemens shares lead DAX higher") > 0.0);
    }

    #[test]
    fn korean_index_inclusion_and_removal() {
        assert!(s("에코프로머티, 코스피200 편입") > 0.5);
        assert!(s("MSCI 한국지수 신규 편입") > 0.5);
        assert!(s("엔씨소프트, 코스피200 지수에서 제외") < -0.5);
        assert!(s("MSCI 지수 편출 확정") < -0.5);
        assert!(s("MSCI 한국지수서 빠져") < -0.5);
        // a falling index is not a removal
        assert!(s("코스피 지수 하락") < 0.0);
    }

    #[test]
    fn takeover_premiums_are_good_for_the_target() {
        assert!(s("Splunk to be acquired by Cisco at a 31% premium") > 0.5);
        assert!(s("Group offers to take Nordstrom private at $24 a share, a 42% premium") > 0.5);
        assert!(s("Private equity firm bids for Walgreens at a premium to its last close") > 0.5);
        assert!(s("Juniper Networks agrees to a $14 billion takeover by HPE") > 0.5);
        assert!(s("US Steel accepts buyout offer from Nippon Steel") > 0.3);
        assert_eq!(s("Apple launches premium headphones"), 0.0);
        assert!(s("오스템임플란트, 공개매수가 시가 대비 20% 프리미엄") > 0.5);
        assert!(s("MBK, 에코마케팅 공개매수 추진…프리미엄 30%") > 0.5);
        assert!(s("한샘, 경영권 프리미엄 받고 매각") > 0.5);
        assert!(s("공개매수 무산에 주가 급락") < -0.5);
    }

    #[test]
    fn index_names_with_a_word_before_their_number() {
        assert!(s("Celestica to be added to S&P/TSX 60 index") > 0.3);
        assert!(s("Company to be added to the S&P SmallCap 600") > 0.3);
        assert!(s("Gold miner dropped from S&P/ASX 200 index") < -0.3);
        assert!(s("에코프로머티, MSCI 한국지수 신규 편입 확정") > 0.3);
    }
}
