//! Results against expectations.
//!
//! What moves a stock on results day is the gap to what was expected, not the raw
//! change: `revenue up 2% vs 8% expected` is bad news, `loss smaller than forecast` good
//! news. This module finds the comparisons, signs them, and lets them outweigh the raw
//! changes they judge:
//!
//! * **Comparatives** — `X-er than <expected>`: `loss smaller than analysts had forecast`,
//!   `narrower loss than expected`, `wider-than-expected loss`, `earnings rise 10%, less
//!   than expected`, `cash burn was lower than projected`. A comparative of size
//!   (`less`, `smaller`, `more`, `deeper`, …) is worth its direction times the sign of its
//!   subject (a quantity's polarity or a term's value); a comparative of quality
//!   (`better`, `worse`) is a verdict by itself.
//! * **Two numbers** — `EPS of $4.48 versus $4.38 expected`, `growth of 3% trails the 5%
//!   analysts expected`, `sales to $800 million, below the $850 million analysts were
//!   looking for`: the direction of the first figure against the expected one, times the
//!   polarity of the quantity measured.
//! * **Korean `보다`** — `영업손실 예상보다 적어`, `적자 규모 예상보다 커`, `시장 우려보다
//!   양호`: the predicate after an expectation noun + `보다` gives the direction.
//! * **Verdicts of size** in the term lists (`exceeded estimates`, `above consensus`,
//!   `상회`, `하회`) are signed by the quantity they measure: `loss exceeded estimates`
//!   and `영업손실 예상치 웃돌아` are bad, `영업손실 예상치 하회` good.
//! * **`not as much as feared`** — a negated equality is a comparative of less.
//! * **Verdicts outweigh changes** — when a sentence has a verdict (`beats`, `misses`,
//!   `상회`, `하회`, or a comparison above), raw changes of non-market quantities with the
//!   opposite sign are damped (`매출 30% 증가…컨센서스에는 못 미쳐`). The market's own
//!   moves (`shares`, `주가`) are never damped.

use super::change::amount_at;
use super::lexicon::{Cue, QtyKind, Subject};
use super::rules::{gap_before, ko_match_str, Claims, Geometry, Hit, Values};
use super::text::{is_num, word_at, Tok};

/// Value of a comparison with expectations.
const COMPARE_WEIGHT: f64 = 0.8;
/// Value of a two-number comparison with expectations.
const NUMBER_COMPARE_WEIGHT: f64 = 0.9;
/// Factor applied to raw changes that disagree with the sentence's verdict.
const VERDICT_DAMP: f64 = 0.3;

/// Comparatives of size: less / more.
const EN_LESS: &[&str] = &[
    "less",
    "smaller",
    "lower",
    "fewer",
    "narrower",
    "slower",
    "shallower",
    "milder",
    "lighter",
];
const EN_MORE: &[&str] = &[
    "more", "bigger", "larger", "higher", "greater", "wider", "deeper", "faster", "steeper", "heavier",
];
/// Comparatives of quality: verdicts by themselves.
const EN_BETTER: &[&str] = &["better", "stronger", "firmer", "healthier", "brighter", "rosier"];
const EN_WORSE: &[&str] = &["worse", "weaker", "poorer", "softer", "gloomier"];
/// Adjectives that turn `less`/`more` into a verdict (`less bad than feared`).
const EN_BAD_ADJECTIVES: &[&str] = &["bad", "severe", "painful", "weak", "negative", "steep"];
/// Measures after `not as … as` (`not as much as feared`, `not as steep as expected`).
const EN_AS_MEASURES: &[&str] = &["much", "many", "large", "big", "deep", "sharp", "steep", "fast", "high"];

/// Words that name the expectation after `than`.
const EN_EXPECTED: &[&str] = &[
    "expected",
    "expectations",
    "expectation",
    "estimated",
    "estimates",
    "estimate",
    "forecast",
    "forecasts",
    "forecasted",
    "feared",
    "anticipated",
    "projected",
    "predicted",
    "hoped",
    "thought",
    "consensus",
    "planned",
    "guided",
    "guidance",
    "whisper",
    "targeted",
];
/// Words allowed between `than` and the expectation word (`than the 15 cents analysts
/// had expected`).
const EN_THAN_FILLER: &[&str] = &[
    "the",
    "a",
    "analysts",
    "analyst",
    "had",
    "have",
    "has",
    "were",
    "was",
    "been",
    "wall",
    "street",
    "market",
    "markets",
    "investors",
    "many",
    "most",
    "some",
    "previously",
    "initially",
    "originally",
    "its",
    "their",
    "own",
    "company",
    "management",
    "it",
    "widely",
    "what",
    "share",
    "per",
    "cents",
    "cent",
    "million",
    "billion",
    "dollars",
    "on",
    "average",
    "in",
    "of",
    "that",
    "they",
];

/// Words that link a reported figure to an expected one.
const EN_LINKS: &[&str] = &[
    "vs",
    "versus",
    "v",
    "compared",
    "against",
    "below",
    "above",
    "short",
    "ahead",
    "top",
    "tops",
    "topped",
    "topping",
    "beat",
    "beats",
    "beating",
    "beaten",
    "trail",
    "trails",
    "trailed",
    "trailing",
    "miss",
    "misses",
    "missed",
    "missing",
    "exceed",
    "exceeds",
    "exceeded",
    "exceeding",
    "under",
    "over",
    "than",
    "lag",
    "lags",
    "lagged",
    "lagging",
    "surpassing",
    "surpassed",
    "surpasses",
    "beneath",
    "shy",
    "outpacing",
    "outpaced",
];
/// Words that mark the expected figure (`8% expected`, `estimates of $1.5 billion`).
const EN_NUMBER_MARKERS: &[&str] = &[
    "expected",
    "expectations",
    "expectation",
    "estimate",
    "estimates",
    "estimated",
    "forecast",
    "forecasts",
    "forecasted",
    "consensus",
    "projected",
    "projection",
    "projections",
    "anticipated",
    "predicted",
    "prediction",
    "predictions",
    "analysts",
    "analyst",
    "street",
    "guidance",
    "whisper",
    "view",
    "views",
];
/// Words allowed between an expected figure and its marker (`the $850 million analysts`,
/// `the 37-cent consensus`).
const EN_MARKER_FILLER: &[&str] = &[
    "the", "a", "share", "per", "cents", "cent", "million", "billion", "trillion", "thousand", "dollars", "won", "yen",
    "euros", "points", "street", "wall", "market", "had", "were", "was", "have", "widely", "analysts", "analyst",
];
/// Words allowed between a marker and the expected figure after it (`estimates of`).
const EN_MARKER_LEAD: &[&str] = &["of", "for", "at", "around", "about", "near", "the", "a"];

/// Expectation nouns after `above`, `below`, `short of`, `in line with`.
const EN_EXPECTATION_NOUNS: &[&str] = &[
    "expectations",
    "expectation",
    "estimates",
    "estimate",
    "forecasts",
    "forecast",
    "consensus",
    "projections",
    "projection",
    "guidance",
    "targets",
    "views",
    "predictions",
    "hopes",
];
/// Words allowed between such a preposition and the noun (`below Wall Street's
/// estimates`).
const EN_EXPECTATION_FILLER: &[&str] = &[
    "the",
    "analyst",
    "analysts",
    "wall",
    "street",
    "market",
    "its",
    "their",
    "own",
    "company",
    "consensus",
    "average",
    "investor",
    "investors",
    "lofty",
    "high",
    "low",
    "modest",
    "previous",
    "prior",
    "earlier",
];

/// Directional words that tie a reported result to a single expected figure
/// (`came in below the 25% Wall Street expected`).
const EN_UP_LINKS: &[&str] = &[
    "above",
    "ahead",
    "top",
    "tops",
    "topped",
    "topping",
    "beat",
    "beats",
    "beating",
    "exceed",
    "exceeds",
    "exceeded",
    "exceeding",
    "surpassing",
    "surpassed",
    "surpasses",
    "outpacing",
    "outpaced",
];
const EN_DOWN_LINKS: &[&str] = &[
    "below", "under", "short", "trail", "trails", "trailed", "trailing", "miss", "misses", "missed", "missing", "lag",
    "lags", "lagged", "lagging", "beneath", "shy",
];

/// Korean expectation nouns before `보다`, longest first.
const KO_STANDARDS: &[&str] = &[
    "시장 예상치",
    "시장 기대치",
    "시장 전망치",
    "시장 추정치",
    "시장 예상",
    "시장 기대",
    "시장 우려",
    "예상치",
    "전망치",
    "기대치",
    "추정치",
    "예측치",
    "컨센서스",
    "눈높이",
    "예상",
    "전망",
    "기대",
    "추정",
    "우려",
    "예측",
];
/// Degree words skipped after `보다`.
const KO_DEGREE: &[&str] = &[
    "큰 폭으로",
    "크게",
    "훨씬",
    "더",
    "많이",
    "소폭",
    "다소",
    "조금",
    "약간",
    "대폭",
    "한층",
];
const KO_LESS: &[&str] = &[
    "적어", "적었", "적은", "적게", "적다", "작아", "작았", "작은", "작다", "낮아", "낮았", "낮은", "낮다", "덜",
    "축소", "줄어", "줄었", "감소",
];
const KO_MORE: &[&str] = &[
    "많아", "많았", "많은", "많다", "커", "컸", "큰", "크다", "높아", "높았", "높은", "높다", "확대", "늘어", "늘었",
    "증가",
];
const KO_BETTER: &[&str] = &[
    "양호", "좋아", "좋았", "좋은", "좋다", "선방", "개선", "나아", "나았", "견조", "호조", "선전",
];
const KO_WORSE: &[&str] = &[
    "나빠", "나빴", "나쁜", "나쁘", "부진", "악화", "저조", "못해", "못했", "못한",
];

/// The expectation word after `than` at `than`, skipping up to six filler tokens.
fn expectation_after_than(toks: &[Tok], than: usize) -> Option<usize> {
    for k in than + 1..(than + 8).min(toks.len()) {
        match word_at(toks, k) {
            Some(w) if EN_EXPECTED.contains(&w) => return Some(k),
            Some(w) if EN_THAN_FILLER.contains(&w) => {}
            Some(_) => return None,
            None => {}
        }
    }
    None
}

/// English `X-er than <expected>` comparisons.
pub(super) fn english_comparatives(toks: &[Tok], claims: &mut Claims) {
    for i in 0..toks.len() {
        let Some(w) = word_at(toks, i) else {
            continue;
        };
        let size = if EN_LESS.contains(&w) {
            -1.0
        } else if EN_MORE.contains(&w) {
            1.0
        } else {
            0.0
        };
        let quality = if EN_BETTER.contains(&w) {
            1.0
        } else if EN_WORSE.contains(&w) {
            -1.0
        } else {
            0.0
        };
        if size == 0.0 && quality == 0.0 {
            continue;
        }
        let clause = toks[i].clause;
        // `smaller than expected` (and `smaller-than-expected loss`)
        if word_at(toks, i + 1) == Some("than") {
            let Some(m) = expectation_after_than(toks, i + 1) else {
                continue;
            };
            if !claims.is_free(i, m + 1) {
                continue;
            }
            let cue = if quality != 0.0 {
                Cue::Compare {
                    dir: quality * COMPARE_WEIGHT,
                    subject: Subject::Verdict,
                }
            } else {
                Cue::Compare {
                    dir: size * COMPARE_WEIGHT,
                    subject: Subject::After,
                }
            };
            claims.claim(i, m + 1);
            claims.hits.push(Hit::new(i, m + 1, clause, cue));
            continue;
        }
        // `narrower loss than expected`, `less bad than feared`
        let than = (i + 2..=i + 3).find(|&k| word_at(toks, k) == Some("than"));
        let Some(than) = than else {
            continue;
        };
        if (i + 1..than).any(|k| word_at(toks, k).is_none()) {
            continue;
        }
        let Some(m) = expectation_after_than(toks, than) else {
            continue;
        };
        if !claims.is_free(i, i + 1) || !claims.is_free(than, m + 1) {
            continue;
        }
        let bad_adjective = word_at(toks, i + 1).is_some_and(|a| EN_BAD_ADJECTIVES.contains(&a));
        let cue = if quality != 0.0 {
            Cue::Compare {
                dir: quality * COMPARE_WEIGHT,
                subject: Subject::Verdict,
            }
        } else if bad_adjective {
            Cue::Compare {
                dir: -size * COMPARE_WEIGHT,
                subject: Subject::Verdict,
            }
        } else {
            Cue::Compare {
                dir: size * COMPARE_WEIGHT,
                subject: Subject::After,
            }
        };
        claims.claim(i, i + 1);
        claims.claim(than, m + 1);
        claims.hits.push(Hit::new(i, i + 1, clause, cue));
    }
    not_as_much_as(toks, claims);
}

/// `not as much as feared`, `not as bad as expected`: less than expected (of a measure,
/// signed by the subject before) or better than expected (of a bad adjective).
fn not_as_much_as(toks: &[Tok], claims: &mut Claims) {
    for i in 0..toks.len() {
        let negated = matches!(word_at(toks, i), Some("not" | "nowhere" | "hardly"));
        if !negated || word_at(toks, i + 1) != Some("as") || word_at(toks, i + 3) != Some("as") {
            continue;
        }
        let Some(measure) = word_at(toks, i + 2) else {
            continue;
        };
        let Some(m) = expectation_after_than(toks, i + 3) else {
            continue;
        };
        let cue = if EN_AS_MEASURES.contains(&measure) {
            Cue::Compare {
                dir: -COMPARE_WEIGHT,
                subject: Subject::Before,
            }
        } else if EN_BAD_ADJECTIVES.contains(&measure) {
            Cue::Compare {
                dir: COMPARE_WEIGHT,
                subject: Subject::Verdict,
            }
        } else {
            continue;
        };
        if claims.is_free(i, m + 1) {
            claims.claim(i, m + 1);
            claims.hits.push(Hit::new(i, m + 1, toks[i].clause, cue));
        }
    }
}

/// The expected figure of marker `m`: a number shortly before it (`8% expected`) or right
/// after it (`estimates of $1.5 billion`). Returns its token index.
fn expected_figure(toks: &[Tok], m: usize) -> Option<usize> {
    for k in (m.saturating_sub(5)..m).rev() {
        if is_num(toks, k) {
            return Some(k);
        }
        if !word_at(toks, k).is_some_and(|w| EN_MARKER_FILLER.contains(&w)) {
            break;
        }
    }
    for k in m + 1..(m + 4).min(toks.len()) {
        if is_num(toks, k) {
            return Some(k);
        }
        if !word_at(toks, k).is_some_and(|w| EN_MARKER_LEAD.contains(&w)) {
            break;
        }
    }
    None
}

/// English `<figure> vs <figure> expected` comparisons.
pub(super) fn english_numbers(toks: &[Tok], claims: &mut Claims) {
    for m in 0..toks.len() {
        if !word_at(toks, m).is_some_and(|w| EN_NUMBER_MARKERS.contains(&w)) || claims.is_taken(m) {
            continue;
        }
        let Some(p) = expected_figure(toks, m) else {
            continue;
        };
        let reported = (p.saturating_sub(12)..p)
            .rev()
            .find(|&k| is_num(toks, k))
            .and_then(|q| {
                (q + 1..p)
                    .find(|&k| word_at(toks, k).is_some_and(|w| EN_LINKS.contains(&w)))
                    .map(|link| (q, link))
            });
        let Some((q, link)) = reported else {
            one_figure(toks, m, p, claims);
            continue;
        };
        let (Some((reported, rp, _)), Some((expected, ep, _))) = (amount_at(toks, q), amount_at(toks, p)) else {
            continue;
        };
        let end = m.max(p) + 1;
        if rp != ep || reported == expected || !claims.is_free(link, end) {
            continue;
        }
        let dir = if reported > expected {
            NUMBER_COMPARE_WEIGHT
        } else {
            -NUMBER_COMPARE_WEIGHT
        };
        claims.claim(link, end);
        claims.hits.push(Hit::new(
            q,
            q + 1,
            toks[q].clause,
            Cue::Compare {
                dir,
                subject: Subject::QuantityBefore,
            },
        ));
    }
}

/// `came in below the 25% Wall Street expected`: a directional word right before the
/// expected figure `p` (marker `m`) compares the unstated result with it.
fn one_figure(toks: &[Tok], m: usize, p: usize, claims: &mut Claims) {
    let link = (p.saturating_sub(3)..p).rev().find_map(|k| {
        let w = word_at(toks, k)?;
        if EN_UP_LINKS.contains(&w) {
            Some((k, NUMBER_COMPARE_WEIGHT))
        } else if EN_DOWN_LINKS.contains(&w) {
            Some((k, -NUMBER_COMPARE_WEIGHT))
        } else {
            None
        }
    });
    let Some((link, dir)) = link else {
        return;
    };
    let gap_ok = (link + 1..p).all(|k| matches!(word_at(toks, k), Some("the" | "of" | "a")));
    let end = m.max(p) + 1;
    if gap_ok && claims.is_free(link, end) {
        claims.claim(link, end);
        claims.hits.push(Hit::new(
            link,
            end,
            toks[link].clause,
            Cue::Compare {
                dir,
                subject: Subject::QuantityBefore,
            },
        ));
    }
}

/// `above estimates`, `ahead of the consensus`, `below Wall Street forecasts`, `short of
/// expectations`, `in line with estimates`: a verdict against an expectation noun.
pub(super) fn english_verdict_phrases(toks: &[Tok], claims: &mut Claims) {
    for i in 0..toks.len() {
        let (cue, noun_from) = match word_at(toks, i) {
            Some("above") => (measured(COMPARE_WEIGHT), i + 1),
            Some("below" | "under" | "beneath") => (measured(-COMPARE_WEIGHT), i + 1),
            Some("ahead") if word_at(toks, i + 1) == Some("of") => (measured(COMPARE_WEIGHT), i + 2),
            Some("short" | "shy") if word_at(toks, i + 1) == Some("of") => (Cue::Verdict(-COMPARE_WEIGHT), i + 2),
            Some("in") if word_at(toks, i + 1) == Some("line") && word_at(toks, i + 2) == Some("with") => {
                (Cue::Par { negated: -0.6 }, i + 3)
            }
            _ => continue,
        };
        let noun = (noun_from..(noun_from + 4).min(toks.len())).find_map(|k| match word_at(toks, k) {
            Some(w) if EN_EXPECTATION_NOUNS.contains(&w) => Some(Some(k)),
            Some(w) if EN_EXPECTATION_FILLER.contains(&w) => None,
            _ => Some(None),
        });
        let Some(Some(m)) = noun else {
            continue;
        };
        if claims.is_free(i, m + 1) {
            claims.claim(i, m + 1);
            claims.hits.push(Hit::new(i, m + 1, toks[i].clause, cue));
        }
    }
}

fn measured(dir: f64) -> Cue {
    Cue::Compare {
        dir,
        subject: Subject::Measure,
    }
}

/// Where `pat` (a space matches zero or more spaces) starts when it ends exactly at
/// `end`.
fn ends_with_at(chars: &[char], end: usize, pat: &str) -> Option<usize> {
    let mut j = end;
    for pc in pat.chars().rev() {
        if pc == ' ' {
            while j > 0 && chars[j - 1].is_whitespace() {
                j -= 1;
            }
        } else if j > 0 && chars[j - 1] == pc {
            j -= 1;
        } else {
            return None;
        }
    }
    Some(j)
}

/// The end of the longest word of `list` at `at`.
fn longest_at(chars: &[char], at: usize, list: &[&str]) -> Option<usize> {
    list.iter().filter_map(|w| ko_match_str(chars, at, w)).max()
}

/// Korean `<expectation>보다 <predicate>` comparisons.
pub(super) fn korean_comparatives(chars: &[char], clauses: &[usize], claims: &mut Claims) {
    for k in 0..chars.len().saturating_sub(1) {
        // `보다`, and its contracted `보단` (`시장 우려보단 양호`)
        if chars[k] != '보' || !matches!(chars[k + 1], '다' | '단') {
            continue;
        }
        let Some(std_start) = KO_STANDARDS.iter().find_map(|s| ends_with_at(chars, k, s)) else {
            continue;
        };
        let mut j = k + 2;
        loop {
            while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            match longest_at(chars, j, KO_DEGREE) {
                Some(next) => j = next,
                None => break,
            }
        }
        let found = [
            (KO_LESS, -COMPARE_WEIGHT, Subject::Before),
            (KO_MORE, COMPARE_WEIGHT, Subject::Before),
            (KO_BETTER, COMPARE_WEIGHT, Subject::Verdict),
            (KO_WORSE, -COMPARE_WEIGHT, Subject::Verdict),
        ]
        .into_iter()
        .filter_map(|(list, dir, subject)| longest_at(chars, j, list).map(|end| (end, dir, subject)))
        .max_by_key(|(end, _, _)| *end);
        let Some((end, dir, subject)) = found else {
            continue;
        };
        if !claims.is_free(std_start, end) {
            continue;
        }
        claims.claim(std_start, end);
        claims.hits.push(Hit::new(
            std_start,
            end,
            clauses[std_start],
            Cue::Compare { dir, subject },
        ));
    }
}

/// Signs every comparison by its subject, and absorbs the subject into it.
pub(super) fn resolve_comparisons(hits: &[Hit], v: &mut Values, g: &Geometry) {
    for i in 0..hits.len() {
        let Cue::Compare { dir, subject } = hits[i].cue else {
            continue;
        };
        let found = match subject {
            Subject::Verdict => None,
            Subject::Before => subject_before(hits, i, v, g, false),
            Subject::QuantityBefore => subject_before(hits, i, v, g, true),
            Subject::After => subject_after(hits, i).or_else(|| subject_before(hits, i, v, g, false)),
            Subject::Measure => measured_quantity(hits, i, g),
        };
        // `loses fewer subscribers than feared`: what is fewer is a loss
        let lost = subject == Subject::After
            && i > 0
            && hits[i - 1].end == hits[i].start
            && matches!(hits[i - 1].cue, Cue::Polar(w) if w < 0.0);
        if lost {
            v.val[i - 1] = 0.0;
        }
        let sign = if lost { -1.0 } else { 1.0 };
        let sign = sign
            * match found {
                Some(j) => {
                    let sign = match hits[j].cue {
                        Cue::Quantity { pol, .. } => pol,
                        _ if v.val[j] < 0.0 => -1.0,
                        _ => 1.0,
                    };
                    v.val[j] = 0.0;
                    sign
                }
                None => 1.0,
            };
        v.val[i] = dir * sign;
    }
}

/// The quantity a verdict of size measures: the nearest non-outlook quantity before it
/// within the comparison window (`영업손실 1200억원…예상치 800억원 웃돌아`).
fn measured_quantity(hits: &[Hit], i: usize, g: &Geometry) -> Option<usize> {
    (0..i)
        .rev()
        .take_while(|&j| gap_before(hits[j].end, hits[i].start).is_some_and(|d| d <= g.measure_window))
        .find(|&j| {
            matches!(
                hits[j].cue,
                Cue::Quantity {
                    kind: QtyKind::Plain | QtyKind::Market,
                    ..
                }
            )
        })
}

/// The quantity right after comparison `i` (`narrower loss`, `wider-than-expected
/// quarterly loss`).
fn subject_after(hits: &[Hit], i: usize) -> Option<usize> {
    let next = hits.get(i + 1)?;
    let close = next.clause == hits[i].clause && gap_before(hits[i].end, next.start).is_some_and(|d| d <= 1);
    (close && matches!(next.cue, Cue::Quantity { .. })).then_some(i + 1)
}

/// The nearest quantity (or, unless `quantity_only`, valued term) before comparison `i`
/// within the comparison window; it may be in the previous clause (`rise 10%, less than
/// expected`).
fn subject_before(hits: &[Hit], i: usize, v: &Values, g: &Geometry, quantity_only: bool) -> Option<usize> {
    (0..i)
        .rev()
        .take_while(|&j| gap_before(hits[j].end, hits[i].start).is_some_and(|d| d <= g.compare_window))
        .find(|&j| match hits[j].cue {
            Cue::Quantity { .. } => true,
            Cue::Move { .. } | Cue::Polar(_) | Cue::Harm(_) | Cue::Burden(_) | Cue::Assent(_) => {
                !quantity_only && v.val[j] != 0.0
            }
            _ => false,
        })
}

/// Damps raw changes that disagree with the sentence's verdict on expectations.
pub(super) fn verdicts_outweigh_changes(hits: &[Hit], v: &mut Values) {
    let verdict: f64 = hits
        .iter()
        .zip(&v.val)
        .filter(|(h, _)| matches!(h.cue, Cue::Verdict(_) | Cue::Compare { .. }))
        .map(|(_, x)| x)
        .sum();
    if verdict == 0.0 {
        return;
    }
    for i in 0..hits.len() {
        let raw_change = match hits[i].cue {
            Cue::Move { .. } => v.anchor[i].is_some_and(|q| {
                !matches!(
                    hits[q].cue,
                    Cue::Quantity {
                        kind: QtyKind::Market,
                        ..
                    }
                )
            }),
            Cue::Quantity { kind, .. } => kind != QtyKind::Market && !v.qty_used[i],
            _ => false,
        };
        if raw_change && v.val[i] * verdict < 0.0 {
            v.val[i] *= VERDICT_DAMP;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::offline::rules::score_sentence as s;

    #[test]
    fn comparatives_take_the_sign_of_their_subject() {
        assert!(s("Nike posts quarterly loss smaller than analysts had forecast") > 0.3);
        assert!(s("Wayfair posts a narrower loss than expected") > 0.3);
        assert!(s("Boeing reports wider-than-expected quarterly loss") < -0.3);
        assert!(s("Moderna's loss was deeper than analysts had feared") < -0.3);
        assert!(s("Delta earnings rise 10%, less than expected") < -0.3);
        assert!(s("Roku loses less than expected") > 0.3);
        assert!(s("Warner Bros. Discovery loses fewer subscribers than analysts had feared") > 0.3);
        assert!(s("Rivian's cash burn was lower than analysts projected") > 0.3);
        assert!(s("Costs were higher than expected") < -0.3);
        assert!(s("Tesla margins improve more than expected") > 0.3);
        assert!(s("Peloton revenue drops 5%, better than feared") > 0.3);
        assert!(s("Results were less bad than feared") > 0.3);
    }

    #[test]
    fn two_numbers_against_expectations() {
        assert!(s("Target revenue up 2% vs 8% expected") < -0.3);
        assert!(s("Adobe reports EPS of $4.48 versus $4.38 expected") > 0.3);
        assert!(s("Lyft revenue of $1.4 billion vs $1.5 billion estimate") < -0.3);
        assert!(s("Loss per share of 12 cents vs 15 cents expected") > 0.3);
        assert!(s("Growth of 3% trails the 5% analysts expected") < -0.3);
        assert!(s("Ford earnings of 45 cents a share top the 37-cent consensus") > 0.3);
        assert!(s("Sales of $800 million, below the $850 million analysts were looking for") < -0.3);
        assert!(s("Revenue came in at $5.1 billion, compared with estimates of $5.3 billion") < -0.3);
        // no link word between the figures: no comparison
        assert_eq!(s("In 2024 analysts expected 5"), 0.0);
    }

    #[test]
    fn korean_comparisons_with_expectations() {
        assert!(s("영업손실 예상보다 적어") > 0.3);
        assert!(s("영업손실 시장 예상보다 작아") > 0.3);
        assert!(s("영업손실 전망치보다 축소") > 0.3);
        assert!(s("적자 규모 예상보다 커") < -0.3);
        assert!(s("영업이익 예상보다 적어") < -0.3);
        assert!(s("영업이익 50% 감소했지만 시장 우려보다 양호") > 0.3);
        assert!(s("영업이익 전년 대비 감소했지만 시장 우려보단 양호") > 0.3);
        // a comparison with last year is an ordinary change
        assert!(s("영업손실 작년보다 줄어") > 0.0);
    }

    #[test]
    fn verdicts_of_size_are_signed_by_what_they_measure() {
        assert!(s("Intel's quarterly loss exceeded estimates") < -0.3);
        assert!(s("Revenue exceeded estimates") > 0.3);
        assert!(s("영업손실 1200억원…예상치 800억원 크게 웃돌아") < -0.3);
        assert!(s("영업손실 예상치 하회") > 0.3);
        assert!(s("영업이익 컨센서스 크게 하회") < -0.3);
        // an outlook is the yardstick, not the subject
        assert!(s("순손실 전망치 하회") > 0.3);
    }

    #[test]
    fn verdict_phrases_take_any_expectation_noun() {
        assert!(s("Airbnb bookings rise 8%, short of forecasts") < -0.3);
        assert!(s("Revenue came in above Wall Street projections") > 0.3);
        assert!(s("Loss was below analyst forecasts") > 0.3);
        assert!(s("Palantir's revenue growth came in below the 25% Wall Street expected") < -0.3);
        assert_eq!(s("Costco's results in line with consensus"), 0.0);
        assert!(s("Sales were below last year") <= 0.0);
    }

    #[test]
    fn not_as_much_as_feared() {
        assert!(s("Match Group revenue falls, but not as much as feared") > 0.2);
        assert!(s("The downturn was not as bad as expected") > 0.2);
        assert!(s("Results were as bad as feared") < -0.2);
    }

    #[test]
    fn verdicts_outweigh_the_changes_they_judge() {
        assert!(s("매출 30% 증가…컨센서스 40%에는 못 미쳐") < -0.2);
        assert!(s("Revenue rose 4%, short of the 6% Street estimate") < -0.3);
        // the market's own move is not damped
        assert!(s("Shares rise 5% despite missing estimates") > 0.0);
    }
}
