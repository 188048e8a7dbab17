//! A reported figure against a figure written as the expectation or as the prior value,
//! anywhere in the sentence.
//!
//! `expectation.rs` reads comparisons held together by a link word (`$1.4B vs $1.5B
//! estimate`, `smaller than expected`). Headlines often put the two figures side by
//! side with no link at all, or link them with a comparative that names the expected
//! figure's own noun:
//!
//! * `Micron guides revenue to $7.6 billion; Street was looking for $8.9 billion`
//! * `loss of 4 cents a share, narrower than the 11-cent loss expected`
//! * `same-store sales fall 1.5%, far less than the 4% drop analysts feared`
//! * `영업이익 3,400억원…증권가 추정치는 2,800억원`
//! * `매출 10% 증가…시장은 18% 증가 예상했었다`
//! * `결산배당 주당 700원 결정…전년 1,700원` (a prior value, not an expectation)
//!
//! This pass runs after the linked comparisons and only looks at what they left
//! unclaimed. It finds an *anchor figure* — an amount or percentage tied to an
//! expectation marker (`expected`, `consensus`, `Street was at`, `추정치는`, `시장은 …
//! 예상`) or to a prior-period marker (`전년`, `지난해`, `a year earlier`) — and the
//! nearest *reported figure* of the same kind (both percentages or both amounts of a
//! comparable size). Each figure is signed: a figure that is a loss or a drop (`loss of
//! 4 cents`, `the 4% drop`, `영업손실 2천억원`, `1조원 손실`, `3% 감소`) counts as negative,
//! and a sign written on one side only is shared by the other (`loss of 12 cents … the
//! 30 cents expected`). A reported figure that is a cost (`medical costs`, `burns $1.1
//! billion`, `충당금`) is worse when larger.
//!
//! * Against an expectation the result is a [`Cue::Verdict`]: it outweighs the raw
//!   changes of the sentence (`profit up 18% from a year ago but well below $6.4B
//!   consensus`).
//! * Against a prior value it is a change, signed like any move by the quantity before
//!   it ([`Subject::Measure`]): a smaller dividend is bad, a smaller loss good.

use super::change::{amount_at, ko_amount_at};
use super::lexicon::{Cue, Subject};
use super::rules::{ko_match_str, Claims, Hit};
use super::text::{is_num, word_at, Tok, TokKind};

/// Value of a figure judged against an expected figure.
const FIGURE_VERDICT: f64 = 0.9;
/// Value of a figure compared with its prior value (before the subject's sign).
const PRIOR_CHANGE: f64 = 0.7;
/// Two amounts further apart than this factor measure different things (`sales of $5B,
/// profit of $300M expected`).
const MAX_RATIO: f64 = 8.0;
/// How far (tokens) before the anchor the English reported figure is looked for.
const EN_REPORTED_BEFORE: usize = 16;
/// How far (tokens) after the anchor (`trails the $9.1B consensus at $8.2B`).
const EN_REPORTED_AFTER: usize = 4;
/// How far (chars) after a Korean prior value the current one may come.
const KO_PRIOR_AFTER: usize = 8;
/// How far (chars) before the anchor the Korean reported figure is looked for.
const KO_REPORTED_BEFORE: usize = 40;

/// What the anchor figure stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Expected,
    Prior,
}

// ---------------------------------------------------------------------------------------
// English
// ---------------------------------------------------------------------------------------

/// Words that mark the expected figure.
const EN_MARKERS: &[&str] = &[
    "expected",
    "expecting",
    "expectations",
    "expectation",
    "estimate",
    "estimates",
    "estimated",
    "forecast",
    "forecasted",
    "consensus",
    "projected",
    "projection",
    "projections",
    "anticipated",
    "predicted",
    "feared",
    "modeled",
    "modelled",
    "pencilled",
    "penciled",
    "targeted",
    "guided",
    "hoped",
    "street",
    "analysts",
    "polled",
    "whisper",
];
/// Words between an expected figure and the marker after it (`the 11-cent loss
/// expected`, `the $2 billion analysts had estimated`, `the 9% Wall Street anticipated`).
const EN_AFTER_FIGURE: &[&str] = &[
    "the",
    "a",
    "share",
    "per",
    "cents",
    "cent",
    "million",
    "billion",
    "trillion",
    "thousand",
    "dollars",
    "won",
    "yen",
    "euros",
    "points",
    "street",
    "wall",
    "market",
    "had",
    "were",
    "was",
    "have",
    "has",
    "been",
    "widely",
    "analysts",
    "analyst",
    "loss",
    "losses",
    "drop",
    "decline",
    "fall",
    "decrease",
    "gain",
    "rise",
    "increase",
    "growth",
    "jump",
    "on",
    "average",
    "in",
    "by",
    "investors",
    "economists",
    "company",
    "management",
    "its",
    "it",
    "they",
];
/// Markers that are the subject of the expectation (`analysts were expecting $2.30`,
/// `Street was looking for $8.9 billion`): the figure follows them.
const EN_SUBJECT_MARKERS: &[&str] = &["street", "analysts", "polled"];
/// Words between a marker and the expected figure after it (`consensus estimate of`,
/// `Street was looking for`, `analysts were expecting`, `the Street was at`).
const EN_BEFORE_FIGURE: &[&str] = &[
    "of",
    "for",
    "at",
    "around",
    "about",
    "near",
    "the",
    "a",
    "an",
    "was",
    "were",
    "had",
    "been",
    "looking",
    "expecting",
    "estimate",
    "estimates",
    "consensus",
    "average",
    "loss",
    "calling",
    "is",
    "pegged",
    "expected",
    "looked",
    "look",
    "seen",
    "in",
    "penciled",
    "pencilled",
    "modeled",
    "modelled",
];
/// Words that name a loss or a fall; on either side of a figure they make it negative.
const EN_NEGATIVE: &[&str] = &[
    "loss",
    "losses",
    "lose",
    "loses",
    "lost",
    "losing",
    "fall",
    "falls",
    "fell",
    "drop",
    "drops",
    "dropped",
    "decline",
    "declines",
    "declined",
    "slip",
    "slips",
    "slipped",
    "down",
    "shrink",
    "shrinks",
    "shrank",
    "decrease",
    "decreases",
    "decreased",
    "contraction",
    "slide",
    "slides",
    "slid",
    "sank",
    "sink",
    "sinks",
];
/// Words that name a rise right after a figure (`a 1% increase`): it is positive, and
/// does not take the other figure's sign.
const EN_POSITIVE: &[&str] = &["increase", "gain", "rise", "growth", "jump", "climb", "advance"];
/// Korean words of rise right after a figure.
const KO_POSITIVE: &[&str] = &["증가", "늘", "상승", "성장", "확대"];
/// Words that name a cost: the larger the figure, the worse.
const EN_COSTS: &[&str] = &[
    "cost",
    "costs",
    "expense",
    "expenses",
    "charge",
    "charges",
    "burn",
    "burns",
    "burned",
    "burnt",
    "burning",
    "provisions",
    "provision",
    "spending",
    "capex",
    "writedown",
    "impairment",
];
/// Words between a negative or cost word and its figure (`loss of 4 cents`, `burns $1.1
/// billion`, `loses 120,000 subscribers`).
const EN_SIGN_FILLER: &[&str] = &["of", "a", "an", "the", "to", "by", "at", "quarterly", "net", "its"];
/// Comparatives and fillers between the two figures, claimed with the anchor so they do
/// not count as moves (`narrower than`, `far less than`).
const EN_BETWEEN: &[&str] = &[
    "less", "smaller", "narrower", "lower", "more", "wider", "bigger", "larger", "deeper", "higher", "greater",
    "worse", "better", "than", "far", "well", "much", "the", "a", "not", "as", "bad", "nearly", "quite", "so",
];
/// Markers of a prior-period figure right before it (`a year earlier`, `last year`
/// are read after the figure).
const EN_PRIOR_AFTER: &[&[&str]] = &[&["a", "year", "earlier"], &["a", "year", "ago"], &["last", "year"]];

/// One figure of the sentence: where it starts and ends (exclusive), its value and
/// whether it is a percentage.
#[derive(Debug, Clone, Copy)]
struct Figure {
    start: usize,
    end: usize,
    value: f64,
    percent: bool,
}

/// The English expected figure tied to marker `m`, and the span of the anchor (figure
/// and marker).
fn en_expected(toks: &[Tok], m: usize, figures: &[Figure]) -> Option<(usize, usize, usize)> {
    // a label (`EPS: 47 cents. Consensus: 68 cents`): the figure after the colon
    if let Some(f) = figures.iter().position(|f| f.start == m + 1) {
        if toks[m + 1].clause != toks[m].clause {
            return Some((f, m, figures[f].end));
        }
    }
    // figure before the marker: `the 11-cent loss expected`
    let mut k = if word_at(toks, m).is_some_and(|w| EN_SUBJECT_MARKERS.contains(&w)) {
        0
    } else {
        m
    };
    // one word outside the list may stand between (`the 5% drop the airline had guided`)
    let mut unknown = 0;
    while k > 0 && m - k < 7 {
        k -= 1;
        if let Some(f) = figures.iter().position(|f| f.start <= k && k < f.end) {
            if toks[k].clause != toks[m].clause {
                break;
            }
            return Some((f, figures[f].start, m + 1));
        }
        if !word_at(toks, k).is_some_and(|w| EN_AFTER_FIGURE.contains(&w)) {
            // only a subject of `had`/`was` (`the airline had guided`), never a link word
            let subject = k + 1 == m
                || matches!(
                    word_at(toks, k + 1),
                    Some("had" | "has" | "have" | "was" | "were" | "is")
                );
            unknown += 1;
            if unknown > 1 || !subject {
                break;
            }
        }
    }
    // figure after the marker: `Street was looking for $8.9 billion`
    for k in m + 1..(m + 6).min(toks.len()) {
        if let Some(f) = figures.iter().position(|f| f.start == k) {
            return Some((f, m, figures[f].end));
        }
        if !word_at(toks, k).is_some_and(|w| EN_BEFORE_FIGURE.contains(&w)) {
            break;
        }
    }
    None
}

/// -1 when the figure is a loss or a fall, by the words right around it.
fn en_sign(toks: &[Tok], f: &Figure) -> Option<f64> {
    if let TokKind::Num { sign: -1, .. } = toks[f.start].kind {
        return Some(-1.0);
    }
    // only the word right after: `the 4% drop`, but not `22.7% weight loss`; an explicit
    // rise there keeps the figure positive (`versus a 1% increase expected`)
    let after = word_at(toks, f.end).is_some_and(|w| EN_NEGATIVE.contains(&w));
    if word_at(toks, f.end).is_some_and(|w| EN_POSITIVE.contains(&w)) {
        return Some(1.0);
    }
    let mut k = f.start;
    let mut before = false;
    while k > 0 && f.start - k < 4 {
        k -= 1;
        match word_at(toks, k) {
            Some(w) if EN_NEGATIVE.contains(&w) => {
                before = true;
                break;
            }
            Some(w) if EN_SIGN_FILLER.contains(&w) || EN_COSTS.contains(&w) => {}
            _ => break,
        }
    }
    (after || before).then_some(-1.0)
}

/// Whether the figure is a cost (`medical costs of $2B`, `burns $1.1 billion`).
fn en_cost(toks: &[Tok], f: &Figure) -> bool {
    let lo = f.start.saturating_sub(4);
    (lo..f.start).any(|k| word_at(toks, k).is_some_and(|w| EN_COSTS.contains(&w)))
}

fn comparable(a: &Figure, b: &Figure) -> bool {
    if a.percent != b.percent {
        return false;
    }
    if a.percent {
        return true;
    }
    let (x, y) = (a.value.abs(), b.value.abs());
    x > 0.0 && y > 0.0 && x.max(y) / x.min(y) <= MAX_RATIO
}

/// Direction (+1 the reported figure is the larger, signed) of `reported` against
/// `anchor`, or `None` when equal.
fn direction(reported: f64, r_sign: Option<f64>, anchor: f64, a_sign: Option<f64>) -> Option<f64> {
    let sign = r_sign.or(a_sign);
    let r = reported.abs() * r_sign.or(sign).unwrap_or(1.0);
    let a = anchor.abs() * a_sign.or(sign).unwrap_or(1.0);
    if r > a {
        Some(1.0)
    } else if r < a {
        Some(-1.0)
    } else {
        None
    }
}

/// English figure-against-figure comparisons (see the module docs).
pub(super) fn english(toks: &[Tok], claims: &mut Claims) {
    let mut figures = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if is_num(toks, i) && !claims.is_taken(i) {
            if let Some((value, percent, next)) = amount_at(toks, i) {
                figures.push(Figure {
                    start: i,
                    end: next,
                    value,
                    percent,
                });
                i = next;
                continue;
            }
        }
        i += 1;
    }
    if figures.len() < 2 {
        return;
    }
    let mut used = vec![false; figures.len()];
    for m in 0..toks.len() {
        if claims.is_taken(m) {
            continue;
        }
        let anchor = if word_at(toks, m).is_some_and(|w| EN_MARKERS.contains(&w)) {
            en_expected(toks, m, &figures).map(|x| (x, Anchor::Expected))
        } else if word_at(toks, m).is_some_and(|w| EN_VERSUS.contains(&w)) {
            en_prior_after_versus(toks, m, &figures).map(|x| (x, Anchor::Prior))
        } else {
            None
        };
        let Some(((e, span_start, span_end), kind)) = anchor else {
            continue;
        };
        if used[e] || !claims.is_free(span_start, span_end) {
            continue;
        }
        let ef = figures[e];
        let reported = (0..figures.len())
            .filter(|&r| r != e && !used[r] && comparable(&figures[r], &ef))
            .filter(|&r| {
                let f = &figures[r];
                (f.end <= ef.start && ef.start - f.end <= EN_REPORTED_BEFORE)
                    || (f.start >= span_end && f.start - span_end <= EN_REPORTED_AFTER)
            })
            .filter(|&r| !is_prior_figure(toks, &figures[r]))
            .min_by_key(|&r| {
                let f = &figures[r];
                if f.end <= ef.start {
                    ef.start - f.end
                } else {
                    f.start - span_end
                }
            });
        let Some(r) = reported else {
            continue;
        };
        let rf = figures[r];
        // a prior value is signed by its subject (`net loss at $45 million, versus $120
        // million`), so its figures are compared as sizes
        let signs = match kind {
            Anchor::Expected => (en_sign(toks, &rf), en_sign(toks, &ef)),
            Anchor::Prior => (None, None),
        };
        let Some(dir) = direction(rf.value, signs.0, ef.value, signs.1) else {
            continue;
        };
        let cost = if en_cost(toks, &rf) { -1.0 } else { 1.0 };
        used[e] = true;
        used[r] = true;
        claims.claim(span_start, span_end);
        if rf.end <= ef.start && (rf.end..ef.start).all(|k| word_at(toks, k).is_some_and(|w| EN_BETWEEN.contains(&w))) {
            claims.claim(rf.end, ef.start);
        }
        let cue = match kind {
            Anchor::Expected => Cue::Verdict(dir * cost * FIGURE_VERDICT),
            Anchor::Prior => Cue::Compare {
                dir: dir * PRIOR_CHANGE,
                subject: Subject::Measure,
            },
        };
        claims
            .hits
            .push(Hit::new(span_start, span_end, toks[span_start].clause, cue));
    }
}

/// Link words before a prior figure (`at 4.5 cents, versus 9 cents a year ago`).
const EN_VERSUS: &[&str] = &["versus", "vs", "compared", "against"];

/// A prior figure right after a link word at `m` and followed by `a year ago` / `last
/// year` (`versus 9 cents a year ago`, `compared with $1.6 billion a year earlier`):
/// the figure, and the span from the link word to the figure's end.
fn en_prior_after_versus(toks: &[Tok], m: usize, figures: &[Figure]) -> Option<(usize, usize, usize)> {
    let lead = usize::from(matches!(word_at(toks, m + 1), Some("with" | "to")));
    let f = figures.iter().position(|f| f.start == m + 1 + lead)?;
    is_prior_figure(toks, &figures[f]).then(|| (f, m, figures[f].end))
}

/// A figure followed by `a year earlier` / `last year`: a prior value, not a result.
fn is_prior_figure(toks: &[Tok], f: &Figure) -> bool {
    EN_PRIOR_AFTER.iter().any(|phrase| {
        let mut k = f.end;
        // `up 18% from a year ago`
        if word_at(toks, k) == Some("from") {
            k += 1;
        }
        phrase.iter().enumerate().all(|(n, w)| word_at(toks, k + n) == Some(*w))
    }) || (f.start > 0 && matches!(word_at(toks, f.start - 1), Some("from")))
}

// ---------------------------------------------------------------------------------------
// Korean
// ---------------------------------------------------------------------------------------

/// Expectation markers, longest first.
const KO_EXPECTED: &[&str] = &[
    "시장 컨센서스",
    "증권가 컨센서스",
    "증권가 추정치",
    "증권가 예상치",
    "증권가 전망치",
    "증권가 예상",
    "증권가 전망",
    "증권가 추정",
    "시장 예상치",
    "시장 기대치",
    "시장 전망치",
    "시장 추정치",
    "시장 예상",
    "시장 기대",
    "시장 전망",
    "시장 우려",
    "컨센서스",
    "추정치",
    "예상치",
    "전망치",
    "기대치",
    "예측치",
    "예상했",
    "예상한",
    "기대했",
    "기대한",
    "전망했",
    "우려했",
    "예상",
    "기대",
    "전망",
    "추정",
];
/// Prior-period markers right before a figure (`전년 1,700원`).
const KO_PRIOR: &[&str] = &["전년 동기", "전년", "작년", "지난해", "전분기", "직전 분기", "직전"];
/// Particles and words between a marker and its figure (`추정치는 2,800억원`, `시장은 50%
/// 증가 기대`, `시장 예상 손실 1조원`).
const KO_LEAD: &[&str] = &["는", "은", "엔", "에는", "인", "치", "주당", "손실", "적자", " ", "("];
/// Words of loss or fall around a Korean figure.
const KO_NEGATIVE: &[&str] = &["손실", "적자", "손해", "감소", "줄", "하락", "축소", "급감", "역성장"];
/// Words of cost before a Korean figure.
const KO_COSTS: &[&str] = &["비용", "충당금", "원가", "손실추정"];
/// Verdicts of size right after an expected percentage make it a margin, not the
/// expectation (`추정치 20% 웃돌아`).
const KO_MARGIN_VERDICTS: &[&str] = &["웃돌", "웃도", "상회", "하회", "밑돌", "밑도", "넘", "초과"];

/// A Korean figure: start and end (exclusive, after its unit), value, percentage.
fn ko_figures(chars: &[char], claims: &Claims) -> Vec<Figure> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_ascii_digit() || chars[i - 1] == '.' || chars[i - 1] == ','));
        if starts && !claims.is_taken(i) {
            if let Some((value, mut end)) = ko_amount_at(chars, i) {
                let percent = matches!(chars.get(end), Some('%' | '％'));
                if percent {
                    end += 1;
                } else if let Some(e) = ["원", "달러", "건", "대", "명"]
                    .iter()
                    .filter_map(|u| ko_match_str(chars, end, u))
                    .max()
                {
                    end = e;
                }
                out.push(Figure {
                    start: i,
                    end,
                    value,
                    percent,
                });
                i = end.max(i + 1);
                continue;
            }
        }
        i += 1;
    }
    out
}

fn ko_starts_with(chars: &[char], at: usize, list: &[&str]) -> Option<usize> {
    list.iter().filter_map(|w| ko_match_str(chars, at, w)).max()
}

fn ko_ends_with(chars: &[char], end: usize, w: &str) -> bool {
    let n = w.chars().count();
    end >= n && chars[end - n..end].iter().copied().eq(w.chars())
}

/// -1 when the Korean figure is a loss or a fall.
fn ko_sign(chars: &[char], f: &Figure) -> Option<f64> {
    let mut j = f.end;
    while chars.get(j) == Some(&' ') {
        j += 1;
    }
    if ko_starts_with(chars, j, KO_NEGATIVE).is_some() {
        return Some(-1.0);
    }
    if ko_starts_with(chars, j, KO_POSITIVE).is_some() {
        return Some(1.0);
    }
    let mut k = f.start;
    while k > 0 && chars[k - 1] == ' ' {
        k -= 1;
    }
    let before = ["손실", "적자", "손해", "영업손실", "순손실"]
        .iter()
        .any(|w| ko_ends_with(chars, k, w));
    before.then_some(-1.0)
}

fn ko_cost(chars: &[char], f: &Figure) -> bool {
    let lo = f.start.saturating_sub(8);
    (lo..f.start).any(|k| ko_starts_with(chars, k, KO_COSTS).is_some())
}

/// The Korean anchor tied to the marker at `m` (ending at `m_end`): the figure right
/// after it (over particles) or right before it (`50% 증가 기대`).
fn ko_anchor_figure(chars: &[char], m: usize, m_end: usize, figures: &[Figure], after_only: bool) -> Option<usize> {
    let mut j = m_end;
    for _ in 0..4 {
        match ko_starts_with(chars, j, KO_LEAD) {
            Some(next) if next > j => j = next,
            _ => break,
        }
    }
    if let Some(f) = figures.iter().position(|f| f.start == j) {
        return Some(f);
    }
    if after_only {
        return None;
    }
    // a figure shortly before the marker, with only its noun between (`18% 증가 예상`)
    figures.iter().position(|f| {
        f.end <= m
            && m - f.end <= 6
            && chars[f.end..m]
                .iter()
                .all(|c| !c.is_ascii_digit() && !matches!(c, '…' | ',' | '·'))
            && !chars[f.end..m].iter().any(|c| matches!(c, '에' | '로'))
    })
}

/// Korean figure-against-figure comparisons (see the module docs).
pub(super) fn korean(chars: &[char], clauses: &[usize], claims: &mut Claims) {
    let figures = ko_figures(chars, claims);
    if figures.len() < 2 {
        return;
    }
    let mut used = vec![false; figures.len()];
    let mut m = 0;
    while m < chars.len() {
        if claims.is_taken(m) {
            m += 1;
            continue;
        }
        let found = ko_starts_with(chars, m, KO_EXPECTED)
            .map(|end| (end, Anchor::Expected))
            .or_else(|| ko_starts_with(chars, m, KO_PRIOR).map(|end| (end, Anchor::Prior)));
        let Some((m_end, kind)) = found else {
            m += 1;
            continue;
        };
        // `예상보다`, `전년 대비`: comparisons read elsewhere
        let mut after = m_end;
        while chars.get(after) == Some(&' ') {
            after += 1;
        }
        if ko_starts_with(chars, after, &["보다", "대비", "比", "와", "과", "에 비해"]).is_some() {
            m = m_end;
            continue;
        }
        let Some(e) = ko_anchor_figure(chars, m, m_end, &figures, kind == Anchor::Prior) else {
            m = m_end;
            continue;
        };
        let ef = figures[e];
        let mut tail = ef.end;
        while chars.get(tail) == Some(&' ') {
            tail += 1;
        }
        let margin = ef.percent && ko_starts_with(chars, tail, KO_MARGIN_VERDICTS).is_some();
        // the expected figure's own noun is part of it (`전망치 400억원 손실보다`)
        let noun_end = ko_starts_with(chars, tail, KO_NEGATIVE).filter(|_| tail > m_end);
        let (span_start, span_end) = (m.min(ef.start), m_end.max(noun_end.unwrap_or(ef.end)));
        if used[e] || margin || !claims.is_free(span_start, span_end) {
            m = m_end;
            continue;
        }
        // the reported figure comes before; a prior value may also come first (`전년
        // 4조원서 올해 1조원으로`)
        let candidates = || (0..figures.len()).filter(|&r| r != e && !used[r] && comparable(&figures[r], &ef));
        let reported = candidates()
            .filter(|&r| figures[r].end <= span_start && span_start - figures[r].end <= KO_REPORTED_BEFORE)
            .max_by_key(|&r| figures[r].end)
            .or_else(|| {
                candidates()
                    .filter(|_| kind == Anchor::Prior)
                    .filter(|&r| figures[r].start >= span_end && figures[r].start - span_end <= KO_PRIOR_AFTER)
                    .min_by_key(|&r| figures[r].start)
            });
        let Some(r) = reported else {
            m = m_end;
            continue;
        };
        let rf = figures[r];
        let Some(dir) = direction(rf.value, ko_sign(chars, &rf), ef.value, ko_sign(chars, &ef)) else {
            m = m_end;
            continue;
        };
        let cost = if ko_cost(chars, &rf) { -1.0 } else { 1.0 };
        used[e] = true;
        used[r] = true;
        claims.claim(span_start, span_end);
        // a verdict word right after the figures says what the figures say; the figures
        // are read, the word is not counted again (`컨센서스(1,500억원 손실) 하회`)
        if kind == Anchor::Expected {
            let mut w = span_end;
            while chars.get(w).is_some_and(|c| *c == ' ' || *c == ')') {
                w += 1;
            }
            if let Some(end) = ko_starts_with(chars, w, KO_MARGIN_VERDICTS) {
                claims.claim(w, end);
            }
        }
        let cue = match kind {
            Anchor::Expected => Cue::Verdict(dir * cost * FIGURE_VERDICT),
            Anchor::Prior => Cue::Compare {
                dir: dir * PRIOR_CHANGE,
                subject: Subject::Measure,
            },
        };
        claims
            .hits
            .push(Hit::new(span_start, span_end, clauses[span_start], cue));
        m = span_end;
    }
}

#[cfg(test)]
mod tests {
    use crate::offline::rules::score_sentence as s;

    #[test]
    fn english_figures_without_a_link_word() {
        assert!(s("Micron guides revenue to $7.6 billion; Street was looking for $8.9 billion") < -0.3);
        assert!(s("Target earns $1.85 a share; analysts were expecting $2.30") < -0.3);
        assert!(s("Delta forecasts EPS of $2.40; the Street was at $2.10") > 0.3);
        assert!(s("Walgreens earns 39 cents a share, while analysts had looked for 51 cents") < -0.3);
        assert!(
            s("Chevron earns $5.2 billion, up 18% from a year ago but well below consensus of $6.4 billion") < -0.3
        );
    }

    #[test]
    fn english_signed_figures() {
        assert!(s("Zoom posts loss of 4 cents a share, narrower than the 11-cent loss expected") > 0.3);
        assert!(s("Home Depot same-store sales fall 1.5%, far less than the 4% drop analysts feared") > 0.3);
        assert!(s("Nike's revenue falls 10%, worse than the 7% decline Wall Street expected") < -0.3);
        assert!(s("Verizon loses 120,000 subscribers, more than the 50,000 loss analysts expected") < -0.3);
        assert!(s("Boeing burns $1.1 billion in cash, less than the $2 billion analysts had estimated") > 0.3);
        assert!(s("Delta's unit revenue fell 3%, smaller than the 5% drop the airline had guided") > 0.3);
        assert!(s("Wayfair's loss per share of $0.45 beats the consensus loss of $0.70") > 0.3);
        assert!(s("Chipotle's traffic slips 0.5%, versus a 1% increase expected") < -0.3);
        assert!(s("Starbucks: China same-store sales fell 14%, not as bad as the 20% drop some feared") > 0.3);
        assert!(s("HSBC's bad-loan charges of $1.1 billion come in below the $1.4 billion expected") > 0.3);
    }

    #[test]
    fn korean_figures_against_expectations() {
        assert!(s("삼성바이오로직스 3분기 영업이익 3,400억원…증권가 추정치는 2,800억원") > 0.3);
        assert!(s("카카오 영업이익 1,200억원…증권가 추정치는 1,800억원") < -0.3);
        assert!(s("네이버, 매출 10% 증가…시장은 18% 증가 예상했었다") < -0.3);
        assert!(s("한국전력, 1분기 영업손실 2천억원…증권가 전망 1조원 손실 대비 선방") > 0.3);
        assert!(s("SK이노베이션 영업손실 4천억원…시장 예상 1천억원 손실보다 커") < -0.3);
        assert!(s("롯데쇼핑 영업손실 150억원…증권가 전망치 400억원 손실보다 개선") > 0.3);
        assert!(s("LG디스플레이 영업손실 2,000억원…컨센서스(1,500억원 손실) 하회") < -0.3);
        // a margin over the estimate is not the estimate
        assert!(s("이마트, 영업이익 전년比 10% 줄었지만 추정치는 25% 상회") > 0.3);
    }

    #[test]
    fn korean_figures_against_the_prior_value() {
        assert!(s("S-Oil, 결산배당 주당 700원 결정…전년 1,700원") < -0.3);
        assert!(s("카카오뱅크 배당금 주당 150원으로 결정…전년 360원") < -0.3);
        assert!(s("배당금 주당 500원…전년 300원") > 0.3);
        assert!(s("KT 배당금 주당 350원…전년 1,960원") < -0.3);
        assert!(s("한국전력, 영업손실 전년 4조원서 올해 1조원으로 축소") > 0.3);
    }

    #[test]
    fn a_figure_versus_its_value_a_year_ago() {
        assert!(s("Vodafone sets final dividend at 4.5 euro cents, versus 9 cents a year ago") < -0.2);
        assert!(s("Full-year profit at $2.3 billion versus $1.6 billion a year earlier") > 0.2);
        // a smaller loss than a year ago is good news
        assert!(s("Net loss at $45 million, versus $120 million a year ago") > 0.2);
        assert!(s("현대건설 주당배당금 600원, 전년 1,000원") < -0.2);
    }

    #[test]
    fn labelled_figures_across_a_full_stop() {
        use crate::offline::{analyze, Label};
        assert_eq!(
            analyze("Ford Q2 adjusted EPS: 47 cents. Consensus: 68 cents").label,
            Label::Bad
        );
        assert_eq!(
            analyze("Revenue: $4.1 billion. Consensus: $3.8 billion").label,
            Label::Good
        );
    }
}
