//! Scoring rules: turning lexicon matches into a sentence score.
//!
//! A sentence is scanned twice: once as English (word tokens, positions are token
//! indices) and once as Korean (substring matches on chars, positions are char
//! indices). Each scan produces [`Hit`]s, percentages and `from X to Y` moves, which
//! are then resolved by the same procedure with language-specific window sizes
//! ([`Geometry`]):
//!
//! 1. **Moves and quantities.** A move (`raises`, `falls`, `증가`, `하향`) takes the nearest
//!    quantity in the same clause (`price target`, `losses`, `영업이익`, `비용`) and is worth
//!    `dir × quantity polarity × weight`, so `raises guidance` and `적자 축소` are good,
//!    `losses widen` and `비용 증가` bad. A percentage next to a move (`up 7%`, `7% 급등`,
//!    `3% 하락`) anchors it and scales it by the size of the move. An un-anchored move
//!    falls back to its stand-alone value (`up`/`down` alone are worth nothing). In
//!    Korean a `급` glued in front of a move (`급상승`, `급증가`) intensifies it.
//! 2. **Targets.** `from $220 to $250`, `to $250 from $220` and `220달러에서 250달러로` are
//!    signed by the direction of the change times the polarity of the nearest quantity
//!    (`목표주가`, `price target`, `loss`).
//! 3. **Intensifiers / diminishers** (`sharply`, `record`, `크게`, `대폭`, `소폭`) multiply the
//!    next sentiment-bearing term (or the previous one: `fell sharply`); with nothing to
//!    modify, `record`/`사상 최대` count as mildly good on their own.
//! 4. **Negation.** English negators (`not`, `no`, `never`, `fails to`, `didn't`, …) flip and
//!    damp every sentiment term in the next three tokens; Korean negators (`않`, `못`, `없`,
//!    `아니`) follow the predicate and flip the nearest term before them.
//! 5. **Concession / contrast.** Terms after `despite`/`although` (same clause) and before
//!    `but`/`however`/`불구하고`/`하지만` are damped; `우려와 달리` inverts what precedes it.
//! 6. A signed percentage that anchored nothing (`+7%`, `-3%`) counts on its own.

use super::lexicon::{self, Cue};
use super::text::{self, is_clause_break, is_hangul, Tok, TokKind};

/// Value of a negated term relative to the original (flip and damp).
const NEGATION_FACTOR: f64 = -0.6;
/// Weight of a `from X to Y` change.
const FROM_TO_WEIGHT: f64 = 0.5;
/// Weight of a signed percentage that anchors nothing.
const LONE_PERCENT_WEIGHT: f64 = 0.35;
/// Multiplier for a Korean move glued to `급` (`급상승`).
const GEUP_BOOST: f64 = 1.5;

#[derive(Debug, Clone)]
struct Hit {
    start: usize,
    end: usize,
    clause: usize,
    cue: Cue,
    boost: f64,
}

#[derive(Debug, Clone)]
struct Percent {
    pos: usize,
    clause: usize,
    value: f64,
    sign: i8,
}

#[derive(Debug, Clone)]
struct FromTo {
    pos: usize,
    dir: f64,
}

/// Window sizes, in tokens (English) or chars (Korean). `*_before` is the gap allowed
/// between the end of the other item and the start of the term; `*_after` the gap
/// between the end of the term and the start of the other item.
struct Geometry {
    qty_before: usize,
    qty_after: usize,
    pct_before: usize,
    pct_after: usize,
    intens_after: usize,
    intens_before: usize,
    /// English: flip terms starting within this gap after the negator.
    neg_forward: Option<usize>,
    /// Korean: flip the nearest term ending within this gap before the negator.
    neg_backward: Option<usize>,
    /// Korean is subject-object-verb: a move's quantity is normally written before it
    /// (`업황 둔화 우려` is a worry *about* a slowdown, not a slowing worry), so a quantity
    /// before the move wins over any quantity after it.
    prefer_before: bool,
}

const EN_GEOMETRY: Geometry = Geometry {
    qty_before: 2,
    qty_after: 3,
    pct_before: 2,
    pct_after: 3,
    intens_after: 2,
    intens_before: 1,
    neg_forward: Some(2),
    neg_backward: None,
    prefer_before: false,
};

const KO_GEOMETRY: Geometry = Geometry {
    qty_before: 16,
    qty_after: 4,
    pct_before: 6,
    pct_after: 3,
    intens_after: 8,
    intens_before: 2,
    neg_forward: None,
    neg_backward: Some(8),
    prefer_before: true,
};

/// Scales a move by the size of an attached percentage: 3% → ×1.12, 7% → ×1.28,
/// 25% or more → ×2.
fn magnitude(pct: f64) -> f64 {
    1.0 + pct.abs().min(25.0) / 25.0
}

/// Raw (unbounded) sentiment of one sentence.
pub(crate) fn score_sentence(sentence: &str) -> f64 {
    let mut raw = 0.0;
    if sentence.chars().any(|c| c.is_ascii_alphabetic()) {
        raw += english_score(sentence);
    }
    if sentence.chars().any(is_hangul) {
        raw += korean_score(sentence);
    }
    if raw.is_finite() {
        raw
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------
// English scan
// ---------------------------------------------------------------------------------------

fn english_score(sentence: &str) -> f64 {
    let toks = text::tokenize_en(sentence);
    let index = lexicon::english();
    let mut hits = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let TokKind::Word(w) = &toks[i].kind else {
            i += 1;
            continue;
        };
        // `71,000 won` is the Korean currency, not the past tense of `win`.
        if w == "won" && i > 0 && matches!(toks[i - 1].kind, TokKind::Num { .. }) {
            i += 1;
            continue;
        }
        let matched = index.by_first.get(w.as_str()).and_then(|cands| {
            cands
                .iter()
                .find(|e| phrase_matches(&toks, i, &e.words))
                .map(|e| (e.words.len(), e.cue))
        });
        match matched {
            Some((len, cue)) => {
                hits.push(Hit {
                    start: i,
                    end: i + len,
                    clause: toks[i].clause,
                    cue,
                    boost: 1.0,
                });
                i += len;
            }
            None => i += 1,
        }
    }

    let has_hangul = sentence.chars().any(is_hangul);
    let mut percents = Vec::new();
    for (pos, t) in toks.iter().enumerate() {
        if let TokKind::Num {
            value,
            percent: true,
            sign,
        } = t.kind
        {
            // In mixed Korean text the Korean scan owns the numbers.
            if !has_hangul {
                percents.push(Percent {
                    pos,
                    clause: t.clause,
                    value,
                    sign,
                });
            }
        }
    }
    let from_to = if has_hangul { Vec::new() } else { english_from_to(&toks) };
    resolve(&hits, &percents, &from_to, &EN_GEOMETRY)
}

fn phrase_matches(toks: &[Tok], at: usize, words: &[String]) -> bool {
    if at + words.len() > toks.len() {
        return false;
    }
    let clause = toks[at].clause;
    words.iter().enumerate().all(|(k, w)| {
        let t = &toks[at + k];
        t.clause == clause && matches!(&t.kind, TokKind::Word(x) if x == w)
    })
}

fn num_at(toks: &[Tok], i: usize) -> Option<f64> {
    match toks.get(i)?.kind {
        TokKind::Num { value, .. } => Some(value),
        _ => None,
    }
}

fn word_at(toks: &[Tok], i: usize) -> Option<&str> {
    match &toks.get(i)?.kind {
        TokKind::Word(w) => Some(w.as_str()),
        _ => None,
    }
}

/// `from A to B` and `to B from A`.
fn english_from_to(toks: &[Tok]) -> Vec<FromTo> {
    let mut out = Vec::new();
    for i in 0..toks.len() {
        let (first, second) = match word_at(toks, i) {
            Some("from") if word_at(toks, i + 2) == Some("to") => (i + 1, i + 3),
            Some("to") if word_at(toks, i + 2) == Some("from") => (i + 3, i + 1),
            _ => continue,
        };
        if let (Some(a), Some(b)) = (num_at(toks, first), num_at(toks, second)) {
            if let Some(dir) = direction(a, b) {
                out.push(FromTo { pos: i, dir });
            }
        }
    }
    out
}

fn direction(from: f64, to: f64) -> Option<f64> {
    if to > from {
        Some(1.0)
    } else if to < from {
        Some(-1.0)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------
// Korean scan
// ---------------------------------------------------------------------------------------

fn korean_score(sentence: &str) -> f64 {
    let chars: Vec<char> = sentence.chars().collect();
    let mut clauses = Vec::with_capacity(chars.len());
    let mut clause = 0usize;
    for &c in &chars {
        if is_clause_break(c) {
            clause += 1;
        }
        clauses.push(clause);
    }

    let index = lexicon::korean();
    let mut hits: Vec<Hit> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let matched = index.by_first.get(&chars[i]).and_then(|cands| {
            cands
                .iter()
                .find_map(|e| ko_match_at(&chars, i, &e.pat).map(|end| (end, e.cue)))
        });
        match matched {
            Some((end, mut cue)) => {
                // A Korean noun followed by a cause particle (`우려에 급락`, `수요 부진으로`)
                // is the reason for a move, not the thing that moved: it keeps its own
                // value but cannot anchor a move.
                if let Cue::Quantity { alone, .. } = cue {
                    if is_cause_particle(&chars, end) {
                        cue = Cue::Polar(alone);
                    }
                }
                let glued_geup = i > 0 && chars[i - 1] == '급' && hits.last().is_none_or(|h| h.end != i);
                let boost = if glued_geup && matches!(cue, Cue::Move { .. }) {
                    GEUP_BOOST
                } else {
                    1.0
                };
                hits.push(Hit {
                    start: i,
                    end,
                    clause: clauses[i],
                    cue,
                    boost,
                });
                i = end;
            }
            None => i += 1,
        }
    }

    let mut percents = Vec::new();
    for (pos, &c) in chars.iter().enumerate() {
        if c != '%' && c != '％' {
            continue;
        }
        if let Some((value, num_start)) = number_before(&chars, pos) {
            percents.push(Percent {
                pos,
                clause: clauses[pos],
                value,
                sign: text::sign_before(&chars, num_start),
            });
        }
    }
    let from_to = korean_from_to(&chars);
    resolve(&hits, &percents, &from_to, &KO_GEOMETRY)
}

/// `에`, `에도`, `로`, `으로` right after a noun (but not `에서`, which marks a place or a
/// starting value).
fn is_cause_particle(chars: &[char], at: usize) -> bool {
    match chars.get(at) {
        Some('에') => chars.get(at + 1) != Some(&'서'),
        Some('로') => true,
        Some('으') => chars.get(at + 1) == Some(&'로'),
        _ => false,
    }
}

/// Matches `pat` at `at`; a space in the pattern matches zero or more whitespace chars.
fn ko_match_at(chars: &[char], at: usize, pat: &[char]) -> Option<usize> {
    let mut j = at;
    for &pc in pat {
        if pc == ' ' {
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
        } else if chars.get(j) == Some(&pc) {
            j += 1;
        } else {
            return None;
        }
    }
    Some(j)
}

/// The number ending right before `end` (optionally separated by spaces), and the index
/// where it starts.
fn number_before(chars: &[char], end: usize) -> Option<(f64, usize)> {
    let mut j = end;
    while j > 0 && chars[j - 1] == ' ' {
        j -= 1;
    }
    let stop = j;
    while j > 0 && (chars[j - 1].is_ascii_digit() || chars[j - 1] == '.' || chars[j - 1] == ',') {
        j -= 1;
    }
    let digits: String = chars[j..stop]
        .iter()
        .filter(|c| **c != ',')
        .collect::<String>()
        .trim_matches('.')
        .to_string();
    let value = digits.parse::<f64>().ok()?;
    Some((value, j))
}

/// The number starting at `start` (after optional spaces) and the index after it.
fn number_after(chars: &[char], start: usize) -> Option<(f64, usize)> {
    let mut j = start;
    while j < chars.len() && chars[j] == ' ' {
        j += 1;
    }
    let begin = j;
    while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.' || chars[j] == ',') {
        j += 1;
    }
    let digits: String = chars[begin..j]
        .iter()
        .filter(|c| **c != ',')
        .collect::<String>()
        .trim_matches('.')
        .to_string();
    let value = digits.parse::<f64>().ok()?;
    Some((value, j))
}

/// Skips a short unit after a number (달러, 원, 만원, 억원, $ …); at most 3 chars.
fn skip_unit(chars: &[char], mut j: usize) -> usize {
    let mut k = 0;
    while j < chars.len() && k < 3 && (is_hangul(chars[j]) || chars[j] == '$') {
        if chars[j] == '로' || chars[j] == '에' || chars[j] == '으' {
            break;
        }
        j += 1;
        k += 1;
    }
    j
}

/// `220달러에서 250달러로`, `5만원에서 6만원으로`, `18만→22만원`.
fn korean_from_to(chars: &[char]) -> Vec<FromTo> {
    let mut out = Vec::new();
    for (k, &c) in chars.iter().enumerate() {
        if c != '→' {
            continue;
        }
        let mut j = k;
        while j > 0 && chars[j - 1] == ' ' {
            j -= 1;
        }
        let mut unit = 0;
        while j > 0 && unit < 3 && (is_hangul(chars[j - 1]) || chars[j - 1] == '$') {
            j -= 1;
            unit += 1;
        }
        let mut after = k + 1;
        while after < chars.len() && (chars[after] == ' ' || chars[after] == '$') {
            after += 1;
        }
        let a = number_before(chars, j).map(|(v, _)| v);
        let b = number_after(chars, after).map(|(v, _)| v);
        if let (Some(a), Some(b)) = (a, b) {
            if let Some(dir) = direction(a, b) {
                out.push(FromTo { pos: k, dir });
            }
        }
    }
    let mut k = 0;
    while k + 1 < chars.len() {
        if chars[k] == '에' && chars[k + 1] == '서' {
            // number + unit before 에서
            let mut j = k;
            let mut unit = 0;
            while j > 0 && unit < 3 && (is_hangul(chars[j - 1]) || chars[j - 1] == '$') {
                j -= 1;
                unit += 1;
            }
            let a = number_before(chars, j).map(|(v, _)| v);
            let b = number_after(chars, k + 2).and_then(|(v, end)| {
                let e = skip_unit(chars, end);
                let ends_ro =
                    chars.get(e) == Some(&'로') || (chars.get(e) == Some(&'으') && chars.get(e + 1) == Some(&'로'));
                ends_ro.then_some(v)
            });
            if let (Some(a), Some(b)) = (a, b) {
                if let Some(dir) = direction(a, b) {
                    out.push(FromTo { pos: k, dir });
                }
            }
        }
        k += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------

fn gap_before(other_end: usize, start: usize) -> Option<usize> {
    start.checked_sub(other_end)
}

fn resolve(hits: &[Hit], percents: &[Percent], from_to: &[FromTo], g: &Geometry) -> f64 {
    let n = hits.len();
    let mut val = vec![0.0f64; n];
    let mut qty_used = vec![false; n];
    let mut pct_used = vec![false; percents.len()];

    // 1. moves, anchored by quantities and percentages
    for i in 0..n {
        let Cue::Move { dir, anchored, alone } = hits[i].cue else {
            continue;
        };
        let q = nearest(hits, i, g.qty_before, g.qty_after, g.prefer_before, |c| {
            matches!(c, Cue::Quantity { .. })
        });
        let p = nearest_percent(percents, &pct_used, &hits[i], g);
        if let Some(pi) = p {
            pct_used[pi] = true;
        }
        let base = match q {
            Some(j) => {
                qty_used[j] = true;
                let pol = match hits[j].cue {
                    Cue::Quantity { pol, .. } => pol,
                    _ => 1.0,
                };
                dir * pol * anchored
            }
            None if p.is_some() => dir * anchored,
            None => alone,
        };
        let scale = p.map_or(1.0, |pi| magnitude(percents[pi].value));
        val[i] = base * scale * hits[i].boost;
    }
    for i in 0..n {
        match hits[i].cue {
            Cue::Polar(w) => val[i] = w,
            Cue::Quantity { alone, .. } if !qty_used[i] => val[i] = alone,
            _ => {}
        }
    }

    // 2. from X to Y, signed by the nearest quantity anywhere in the sentence
    let mut extra = 0.0;
    for ft in from_to {
        let pol = hits
            .iter()
            .filter_map(|h| match h.cue {
                Cue::Quantity { pol, .. } => Some((h.start.abs_diff(ft.pos), pol)),
                _ => None,
            })
            .min_by_key(|(d, _)| *d)
            .map(|(_, pol)| pol);
        if let Some(pol) = pol {
            extra += ft.dir * pol * FROM_TO_WEIGHT;
        }
    }

    // 3. intensifiers
    for i in 0..n {
        let Cue::Intensifier { factor, alone } = hits[i].cue else {
            continue;
        };
        let target = (i + 1..n)
            .take_while(|&j| {
                hits[j].clause == hits[i].clause
                    && gap_before(hits[i].end, hits[j].start).is_some_and(|d| d <= g.intens_after)
            })
            .find(|&j| val[j] != 0.0)
            .or_else(|| {
                (0..i)
                    .rev()
                    .take_while(|&j| {
                        hits[j].clause == hits[i].clause
                            && gap_before(hits[j].end, hits[i].start).is_some_and(|d| d <= g.intens_before)
                    })
                    .find(|&j| val[j] != 0.0)
            });
        match target {
            Some(j) => val[j] *= factor,
            None => val[i] = alone,
        }
    }

    // 4. negation
    for i in 0..n {
        if hits[i].cue != Cue::Negator {
            continue;
        }
        if let Some(w) = g.neg_forward {
            for j in i + 1..n {
                let in_scope =
                    hits[j].clause == hits[i].clause && gap_before(hits[i].end, hits[j].start).is_some_and(|d| d <= w);
                if !in_scope {
                    break;
                }
                val[j] *= NEGATION_FACTOR;
            }
        }
        if let Some(w) = g.neg_backward {
            let target = (0..i)
                .rev()
                .take_while(|&j| {
                    hits[j].clause == hits[i].clause && gap_before(hits[j].end, hits[i].start).is_some_and(|d| d <= w)
                })
                .find(|&j| val[j] != 0.0);
            if let Some(j) = target {
                val[j] *= NEGATION_FACTOR;
            }
        }
    }

    // 5. concession / contrast
    for i in 0..n {
        match hits[i].cue {
            Cue::DiscountFollowing(factor) => {
                for j in i + 1..n {
                    if hits[j].clause != hits[i].clause {
                        break;
                    }
                    val[j] *= factor;
                }
            }
            Cue::DiscountPreceding { factor, window } => {
                for j in (0..i).rev() {
                    if gap_before(hits[j].end, hits[i].start).is_none_or(|d| d > window) {
                        break;
                    }
                    val[j] *= factor;
                }
            }
            _ => {}
        }
    }

    // 6. signed percentages that anchored nothing
    for (k, pct) in percents.iter().enumerate() {
        if !pct_used[k] && pct.sign != 0 {
            extra += f64::from(pct.sign) * LONE_PERCENT_WEIGHT * magnitude(pct.value);
        }
    }

    val.iter().sum::<f64>() + extra
}

/// Nearest hit (by gap) whose cue satisfies `want`, in the same clause, at most
/// `before` units before or `after` units after hit `i`. Ties go to the later one,
/// unless `prefer_before`, in which case any match before wins.
fn nearest(
    hits: &[Hit],
    i: usize,
    before: usize,
    after: usize,
    prefer_before: bool,
    want: impl Fn(&Cue) -> bool,
) -> Option<usize> {
    let h = &hits[i];
    let fwd = (i + 1..hits.len())
        .take_while(|&j| hits[j].clause == h.clause && gap_before(h.end, hits[j].start).is_some_and(|d| d <= after))
        .find(|&j| want(&hits[j].cue))
        .map(|j| (hits[j].start - h.end, j));
    let back = (0..i)
        .rev()
        .take_while(|&j| hits[j].clause == h.clause && gap_before(hits[j].end, h.start).is_some_and(|d| d <= before))
        .find(|&j| want(&hits[j].cue))
        .map(|j| (h.start - hits[j].end, j));
    match (back, fwd) {
        (Some((db, jb)), Some((df, jf))) => Some(if prefer_before || db < df { jb } else { jf }),
        (b, f) => b.or(f).map(|(_, j)| j),
    }
}

fn nearest_percent(percents: &[Percent], used: &[bool], h: &Hit, g: &Geometry) -> Option<usize> {
    percents
        .iter()
        .enumerate()
        .filter(|(k, p)| !used[*k] && p.clause == h.clause)
        .filter_map(|(k, p)| {
            let d = if p.pos >= h.end {
                let d = p.pos - h.end;
                (d <= g.pct_after).then_some(d)
            } else if p.pos < h.start {
                let d = h.start - (p.pos + 1);
                (d <= g.pct_before).then_some(d)
            } else {
                None
            }?;
            Some((d, k))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> f64 {
        score_sentence(x)
    }

    #[test]
    fn moves_take_the_polarity_of_their_quantity() {
        assert!(s("Netflix raises revenue guidance") > 0.3);
        assert!(s("AMD cuts revenue guidance") < -0.3);
        assert!(s("Company cuts costs") > 0.2);
        assert!(s("Losses widen") < -0.2);
        assert!(s("Net loss narrowed") > 0.0);
        assert!(s("영업이익 증가") > 0.3);
        assert!(s("비용 증가") < -0.2);
        assert!(s("적자 축소") > 0.0);
        assert!(s("손실 확대") < -0.3);
        // the subject before a Korean move wins over a noun after it
        assert!(s("업황 둔화 우려") < -0.5);
        // a noun marked as the cause (`우려에`) does not anchor the move
        assert!(s("합병 무산 우려에 급락") < -1.0);
        assert!(s("재고 증가로 감산") < 0.0);
    }

    #[test]
    fn negation_flips() {
        let base = s("Apple will win approval");
        let neg = s("Apple fails to win approval");
        assert!(base > 0.3 && neg < -0.3, "{base} {neg}");
        assert!(s("Sales did not decline") > 0.0);
        assert!(s("Demand is not strong") < 0.0);
        assert!(s("주가가 상승하지 않았다") < 0.0);
        assert!(s("품질 테스트 통과 못해") <= 0.0);
        assert!(s("실적 개선 못해") < 0.0);
        assert!(s("차질 없이 진행") > 0.0);
        assert!(s("FDA denied approval") < 0.0);
    }

    #[test]
    fn intensifiers_and_diminishers_scale() {
        let plain = s("Shares fell");
        let sharp = s("Shares fell sharply");
        let slight = s("Shares fell slightly");
        assert!(
            sharp < plain && plain < slight && slight < 0.0,
            "{sharp} {plain} {slight}"
        );
        assert!(s("매출 크게 증가") > s("매출 증가"));
        assert!(s("매출 소폭 증가") < s("매출 증가"));
        assert!(s("주가 급상승") > s("주가 상승"));
        assert!(s("Intel posts record loss") < s("Intel posts loss"));
        assert!(s("Micron expects record revenue") > 0.3);
    }

    #[test]
    fn percentages_anchor_and_scale_moves() {
        assert!(s("shares up 7%") > 0.4);
        assert!(s("shares down 3%") < -0.4);
        assert!(s("up 25%") > s("up 3%"));
        assert_eq!(s("steps up to the plate"), 0.0);
        assert!(s("7% 급등") > s("급등"));
        assert!(s("주가 3% 하락") < -0.4);
        assert!(s("Apple +7%") > 0.3);
        assert!(s("Apple -3%") < -0.3);
        assert!(s("삼성전자 -3%") < -0.3);
    }

    #[test]
    fn target_changes() {
        assert!(s("Morgan Stanley raises price target to $250 from $220") > 0.5);
        assert!(s("analyst moves target price from $250 to $200") < 0.0);
        assert!(s("목표주가를 220달러에서 250달러로 조정") > 0.0);
        assert!(s("목표주가를 9만원에서 8만원으로 조정") < 0.0);
        assert!(s("목표주가 상향") > 0.3);
        assert!(s("목표가 18만→22만원") > 0.3);
        assert!(s("목표주가 250달러 → 220달러") < -0.3);
        assert!(s("목표주가 하향") < -0.3);
        assert!(s("Goldman upgrades Meta") > 0.5);
        assert!(s("Goldman downgrades Meta") < -0.5);
    }

    #[test]
    fn concession_and_contrast() {
        assert!(s("Shares rise despite lawsuit") > 0.0);
        assert!(s("Revenue grew, but margins fell sharply") < 0.0);
        assert!(s("우려와 달리 주가 반등") > 0.3);
        assert!(s("실적 부진에도 불구하고 주가 상승") > 0.0);
        assert!(s("관세 우려에도 미국 판매가 늘었다") > 0.0);
    }

    #[test]
    fn korean_substring_matching_sees_through_particles() {
        assert!(s("주가는 7% 급등했다") > 0.8);
        assert!(s("흑자전환에 성공했다") > 0.8);
        assert!(s("적자로 전환") < 0.0);
        // 목표주가 must not be read as 주가 + something else; 오늘 must not be 늘
        assert_eq!(s("오늘"), 0.0);
        assert_eq!(s("최고경영자 선임"), 0.0);
    }

    #[test]
    fn won_after_a_number_is_a_currency() {
        assert_eq!(s("Shares closed at 71,000 won"), 0.0);
        assert!(s("Palantir won a contract") > 0.0);
    }

    #[test]
    fn neutral_sentences_score_zero() {
        for t in [
            "Apple to hold annual developer conference in June",
            "Nvidia to report quarterly earnings on Wednesday",
            "삼성전자, 다음 달 갤럭시 언팩 행사 개최",
            "Up to 500 people attended",
        ] {
            assert_eq!(s(t), 0.0, "{t}");
        }
    }
}
