//! Scoring rules: turning lexicon matches into a sentence score.
//!
//! A sentence is scanned twice: once as English (word tokens, positions are token
//! indices) and once as Korean (substring matches on chars, positions are char
//! indices). Each scan first runs the phrase-level passes, which claim their tokens so
//! the term lists do not see them again:
//!
//! * `events.rs` — index inclusion/removal (`added to the S&P 500`, `코스피200 편입`,
//!   `지수에서 제외`) and takeover premiums (`a 31% premium`, `take Nordstrom private`);
//! * `expectation.rs` — comparisons with expectations (`loss smaller than forecast`,
//!   `up 2% vs 8% expected`, `영업손실 예상보다 적어`);
//! * `change.rs` — rating moves (`to equal weight from overweight`, `매수에서 중립으로`);
//! * `figures.rs` — a reported figure against an expected or prior figure (`$7.6B; Street
//!   was looking for $8.9B`, `700원…전년 1,700원`).
//!
//! The remaining tokens are matched against the term lists; the scan also collects
//! percentages and `from X to Y` moves (`change.rs`). Hits are then resolved by the same
//! procedure for both languages, with language-specific windows ([`Geometry`]):
//!
//! 1. **Moves and quantities.** A move (`raises`, `falls`, `증가`, `하향`) takes the nearest
//!    quantity in the same clause (`price target`, `losses`, `영업이익`, `비용`) and is worth
//!    `dir × quantity polarity × weight`, so `raises guidance` and `적자 축소` are good,
//!    `losses widen` and `비용 증가` bad. A percentage next to a move (`up 7%`, `7% 급등`,
//!    `3% 하락`) anchors it and scales it by the size of the move. An un-anchored move
//!    falls back to its stand-alone value (`up`/`down` alone are worth nothing). In
//!    Korean a `급` glued in front of a move (`급상승`, `급증가`) intensifies it. Terms
//!    right before a quantity that moved are what the quantity is about and are absorbed
//!    (`수주 기대감 꺾여`: the expectation fell; `recession fears ease`).
//! 2. **Comparisons with expectations** take the sign of their subject (`expectation.rs`).
//! 3. **Targets.** `from $220 to $250`, `to $250 from $220` and `220달러에서 250달러로` are
//!    signed by the direction of the change times the polarity of the nearest quantity
//!    (`목표주가`, `price target`, `loss`; a bare amount counts as more-is-better).
//! 4. **Intensifiers / diminishers** (`sharply`, `record`, `크게`, `대폭`, `소폭`) multiply the
//!    next sentiment-bearing term (or the previous one: `fell sharply`); with nothing to
//!    modify, `record`/`사상 최대` count as mildly good on their own. After a quantity
//!    where more is worse, a record level is an upward move of it (`levels.rs`).
//! 5. **Reversal, then negation** (`reversal.rs`, `negation.rs`): reversals (`dismisses`,
//!    `철회`, `실패`) cancel the phrase they attach to, then negators flip what they scope
//!    over. Evaluations (`improve`, `개선`, `악화`) keep their own sign but take the
//!    quantity they evaluate out of play (`적자폭 개선`); harm predicates do the same with
//!    their victim (`dent its profit`).
//! 6. **Verdicts outweigh raw changes**: a result judged against expectations damps the
//!    opposite-signed changes of the same sentence (`revenue up 2% vs 8% expected`).
//! 7. **Concession / contrast.** Terms after `despite`/`although` (same clause) and before
//!    `but`/`however`/`불구하고`/`하지만` are damped; `우려와 달리` inverts what precedes it.
//! 8. **Routine and mixed news** (`routine.rs`): routine and flat-market markers damp
//!    the sentence, disagreeing verdicts damp each other. Before that, assent next to a
//!    burden is worth nothing (`burden.rs`), and a move anchored to an outlook of a cost
//!    measures the cost (`costs.rs`).
//! 9. A signed percentage that anchored nothing (`+7%`, `-3%`) counts on its own.

use super::burden;
use super::change;
use super::costs;
use super::double_reversal;
use super::events;
use super::expectation;
use super::figures;
use super::levels;
use super::lexicon::{self, Cue, QtyKind};
use super::negation;
use super::reversal;
use super::routine;
use super::scope::Scope;
use super::text::{self, is_clause_break, is_hangul, Tok, TokKind};

/// Weight of a signed percentage that anchors nothing.
const LONE_PERCENT_WEIGHT: f64 = 0.35;
/// Multiplier for a Korean move glued to `급` (`급상승`).
const GEUP_BOOST: f64 = 1.5;

/// One matched term (or phrase) of a sentence; positions are token indices (English)
/// or char indices (Korean), `end` exclusive.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    pub start: usize,
    pub end: usize,
    pub clause: usize,
    pub cue: Cue,
    pub boost: f64,
}

impl Hit {
    pub(super) fn new(start: usize, end: usize, clause: usize, cue: Cue) -> Hit {
        Hit {
            start,
            end,
            clause,
            cue,
            boost: 1.0,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Percent {
    pub pos: usize,
    pub clause: usize,
    pub value: f64,
    pub sign: i8,
}

/// A `from X to Y` change at `pos`; `dir` is +1 (up) or -1 (down).
#[derive(Debug, Clone)]
pub(super) struct FromTo {
    pub pos: usize,
    pub dir: f64,
}

/// The hits found by the phrase-level passes, and which positions they claimed (the
/// term lists skip claimed positions).
pub(super) struct Claims {
    pub hits: Vec<Hit>,
    taken: Vec<bool>,
}

impl Claims {
    pub(super) fn new(len: usize) -> Claims {
        Claims {
            hits: Vec::new(),
            taken: vec![false; len],
        }
    }

    /// Whether every position in `start..end` is inside the sentence and unclaimed.
    pub(super) fn is_free(&self, start: usize, end: usize) -> bool {
        end <= self.taken.len() && self.taken[start.min(end)..end].iter().all(|t| !t)
    }

    pub(super) fn is_taken(&self, pos: usize) -> bool {
        self.taken.get(pos).copied().unwrap_or(false)
    }

    pub(super) fn claim(&mut self, start: usize, end: usize) {
        let end = end.min(self.taken.len());
        for t in &mut self.taken[start.min(end)..end] {
            *t = true;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    En,
    Ko,
}

/// Window sizes, in tokens (English) or chars (Korean). `*_before` is the gap allowed
/// between the end of the other item and the start of the term; `*_after` the gap
/// between the end of the term and the start of the other item.
pub(super) struct Geometry {
    pub lang: Lang,
    pub qty_before: usize,
    pub qty_after: usize,
    pub pct_before: usize,
    pub pct_after: usize,
    pub intens_after: usize,
    pub intens_before: usize,
    /// English: a negator reaches the terms starting within this gap after it.
    pub neg_forward: usize,
    /// Korean: largest gap between two links of a noun-phrase chain that a negator or a
    /// reversal reaches back over, and the largest span of the chain.
    pub chain_gap: usize,
    pub chain_span: usize,
    /// English: gap from a reversal to its object after it (`dismisses the lawsuit`) or
    /// before it (`lawsuit dismissed`).
    pub rev_forward: usize,
    pub rev_backward: usize,
    /// How far back a comparison with expectations looks for its subject.
    pub compare_window: usize,
    /// How far back a verdict of size (`exceeded estimates`, `웃돌아`) looks for the
    /// quantity it measures.
    pub measure_window: usize,
    /// Largest gap between a modifier and the moved quantity that absorbs it.
    pub absorb_gap: usize,
    /// Korean is subject-object-verb: a move's quantity is normally written before it
    /// (`업황 둔화 우려` is a worry *about* a slowdown, not a slowing worry), so a quantity
    /// before the move wins over any quantity after it.
    pub prefer_before: bool,
}

pub(super) const EN_GEOMETRY: Geometry = Geometry {
    lang: Lang::En,
    qty_before: 4,
    qty_after: 3,
    pct_before: 2,
    pct_after: 3,
    intens_after: 2,
    intens_before: 1,
    neg_forward: 5,
    chain_gap: 0,
    chain_span: 0,
    rev_forward: 4,
    rev_backward: 3,
    compare_window: 8,
    measure_window: 6,
    absorb_gap: 0,
    prefer_before: false,
};

pub(super) const KO_GEOMETRY: Geometry = Geometry {
    lang: Lang::Ko,
    qty_before: 16,
    qty_after: 4,
    pct_before: 6,
    pct_after: 3,
    intens_after: 8,
    intens_before: 2,
    neg_forward: 0,
    chain_gap: 8,
    chain_span: 24,
    rev_forward: 0,
    rev_backward: 0,
    compare_window: 16,
    measure_window: 24,
    absorb_gap: 1,
    prefer_before: true,
};

/// Scales a move by the size of an attached percentage: 3% → ×1.12, 7% → ×1.28,
/// 25% or more → ×2.
pub(super) fn magnitude(pct: f64) -> f64 {
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
    let has_hangul = sentence.chars().any(is_hangul);
    let mut claims = Claims::new(toks.len());
    events::english_index(&toks, &mut claims);
    events::english_takeover(&toks, &mut claims);
    expectation::english_comparatives(&toks, &mut claims);
    // In mixed Korean text the Korean scan owns the numbers.
    if !has_hangul {
        expectation::english_numbers(&toks, &mut claims);
    }
    expectation::english_verdict_phrases(&toks, &mut claims);
    if !has_hangul {
        figures::english(&toks, &mut claims);
    }
    change::english_ratings(&toks, &mut claims);

    let index = lexicon::english();
    let mut hits = std::mem::take(&mut claims.hits);
    let mut i = 0;
    while i < toks.len() {
        let TokKind::Word(w) = &toks[i].kind else {
            i += 1;
            continue;
        };
        if claims.is_taken(i) {
            i += 1;
            continue;
        }
        // `71,000 won` is the Korean currency, not the past tense of `win`.
        if w == "won" && i > 0 && matches!(toks[i - 1].kind, TokKind::Num { .. }) {
            i += 1;
            continue;
        }
        let matched = index.by_first.get(w.as_str()).and_then(|cands| {
            cands
                .iter()
                .find(|e| phrase_matches(&toks, i, &e.words, &claims) && !negator_before_number(&toks, i, e))
                .map(|e| (e.words.len(), e.cue))
        });
        match matched {
            Some((len, cue)) => {
                hits.push(Hit::new(i, i + len, toks[i].clause, cue));
                i += len;
            }
            None => i += 1,
        }
    }
    hits.sort_by_key(|h| h.start);
    let scope = Scope::english(&toks);
    reversal::english_participles(&toks, &mut hits);
    reversal::english_dual_use(&toks, &mut hits, &scope);
    levels::english(&toks, &mut hits);
    double_reversal::english(&toks, &mut hits);

    let mut percents = Vec::new();
    if !has_hangul {
        for (pos, t) in toks.iter().enumerate() {
            if let TokKind::Num {
                value,
                percent: true,
                sign,
            } = t.kind
            {
                if !claims.is_taken(pos) {
                    percents.push(Percent {
                        pos,
                        clause: t.clause,
                        value,
                        sign,
                    });
                }
            }
        }
    }
    let from_to = if has_hangul {
        Vec::new()
    } else {
        change::english_from_to(&toks, &claims)
    };
    resolve(&hits, &percents, &from_to, &EN_GEOMETRY, &scope)
}

fn phrase_matches(toks: &[Tok], at: usize, words: &[String], claims: &Claims) -> bool {
    if at + words.len() > toks.len() || !claims.is_free(at, at + words.len()) {
        return false;
    }
    let clause = toks[at].clause;
    words.iter().enumerate().all(|(k, w)| {
        let t = &toks[at + k];
        t.clause == clause && matches!(&t.kind, TokKind::Word(x) if x == w)
    })
}

/// `declines to $5 billion` is a move, not `declines to approve`: a negator phrase ending
/// in `to` does not match before a number.
fn negator_before_number(toks: &[Tok], at: usize, e: &lexicon::EnEntry) -> bool {
    matches!(e.cue, Cue::Negator { .. })
        && e.words.last().is_some_and(|w| w == "to")
        && matches!(toks.get(at + e.words.len()).map(|t| &t.kind), Some(TokKind::Num { .. }))
}

// ---------------------------------------------------------------------------------------
// Korean scan
// ---------------------------------------------------------------------------------------

fn korean_score(sentence: &str) -> f64 {
    let chars: Vec<char> = sentence.chars().collect();
    let mut clauses = Vec::with_capacity(chars.len());
    let mut clause = 0usize;
    for (k, &c) in chars.iter().enumerate() {
        // a thousands separator (`1,000억원`) is no clause break
        let separator =
            c == ',' && k > 0 && chars[k - 1].is_ascii_digit() && chars.get(k + 1).is_some_and(|d| d.is_ascii_digit());
        // a quoted word does not end the phrase before it (`워크아웃설 "사실무근"`)
        let quote = matches!(c, '"' | '“' | '”' | '\'' | '‘' | '’');
        if is_clause_break(c) && !separator && !quote {
            clause += 1;
        }
        clauses.push(clause);
    }

    let mut claims = Claims::new(chars.len());
    events::korean_index(&chars, &clauses, &mut claims);
    events::korean_premium(&chars, &clauses, &mut claims);
    expectation::korean_comparatives(&chars, &clauses, &mut claims);
    figures::korean(&chars, &clauses, &mut claims);
    change::korean_ratings(&chars, &clauses, &mut claims);

    let index = lexicon::korean();
    let mut hits: Vec<Hit> = std::mem::take(&mut claims.hits);
    let mut last_end = None;
    let mut i = 0;
    while i < chars.len() {
        if claims.is_taken(i) {
            i += 1;
            continue;
        }
        let matched = index.by_first.get(&chars[i]).and_then(|cands| {
            cands.iter().find_map(|e| {
                ko_match_at(&chars, i, &e.pat)
                    .filter(|&end| claims.is_free(i, end))
                    .map(|end| (end, e.cue))
            })
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
                let glued_geup = i > 0 && chars[i - 1] == '급' && last_end != Some(i);
                let mut hit = Hit::new(i, end, clauses[i], cue);
                if glued_geup && matches!(cue, Cue::Move { .. }) {
                    hit.boost = GEUP_BOOST;
                }
                hits.push(hit);
                last_end = Some(end);
                i = end;
            }
            None => i += 1,
        }
    }
    hits.sort_by_key(|h| h.start);
    size_heads(&chars, &mut hits);
    levels::korean(&chars, &mut hits);
    double_reversal::korean(&chars, &mut hits);

    let mut percents = Vec::new();
    for (pos, &c) in chars.iter().enumerate() {
        if c != '%' && c != '％' {
            continue;
        }
        if claims.is_taken(pos) {
            continue;
        }
        if let Some((value, num_start)) = change::number_before(&chars, pos) {
            percents.push(Percent {
                pos,
                clause: clauses[pos],
                value,
                sign: text::sign_before(&chars, num_start),
            });
        }
    }
    let from_to = change::korean_from_to(&chars, &claims);
    let scope = Scope::korean(&chars);
    resolve(&hits, &percents, &from_to, &KO_GEOMETRY, &scope)
}

/// Korean nouns of size that take the polarity of the term before them: `적자 규모`,
/// `적자폭`, `공급 계약 규모`, `수주 물량`.
const KO_SIZE_WORDS: &[&str] = &["규모", "폭", "물량", "금액"];

/// A term followed by a size noun becomes a quantity that moves can attach to, with its
/// own value as polarity: `공급 계약 규모 축소` is bad, `수주 규모 확대` good. `hits` must be
/// sorted by start.
fn size_heads(chars: &[char], hits: &mut [Hit]) {
    for i in 0..hits.len() {
        let Cue::Polar(w) = hits[i].cue else {
            continue;
        };
        let mut j = hits[i].end;
        if chars.get(j) == Some(&' ') {
            j += 1;
        }
        let starts_other = hits.binary_search_by_key(&j, |h| h.start).is_ok();
        if w != 0.0 && !starts_other && KO_SIZE_WORDS.iter().any(|sz| ko_match_str(chars, j, sz).is_some()) {
            hits[i].cue = Cue::Quantity {
                pol: w.signum(),
                alone: w,
                kind: QtyKind::Plain,
            };
        }
    }
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

/// [`ko_match_at`] for a pattern given as a string (no allocation).
pub(super) fn ko_match_str(chars: &[char], at: usize, pat: &str) -> Option<usize> {
    let mut j = at;
    for pc in pat.chars() {
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

/// Matches `pat` at `at`; a space in the pattern matches zero or more whitespace chars.
pub(super) fn ko_match_at(chars: &[char], at: usize, pat: &[char]) -> Option<usize> {
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

// ---------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------

/// `start - other_end` when the other item ends before `start`.
pub(super) fn gap_before(other_end: usize, start: usize) -> Option<usize> {
    start.checked_sub(other_end)
}

/// The per-hit state built up by [`resolve`].
pub(super) struct Values {
    /// Current value of each hit.
    pub val: Vec<f64>,
    /// The quantity a move attached to.
    pub anchor: Vec<Option<usize>>,
    /// Quantities some move attached to.
    pub qty_used: Vec<bool>,
}

fn resolve(hits: &[Hit], percents: &[Percent], from_to: &[FromTo], g: &Geometry, scope: &Scope) -> f64 {
    let n = hits.len();
    let mut v = Values {
        val: vec![0.0; n],
        anchor: vec![None; n],
        qty_used: vec![false; n],
    };
    let mut pct_used = vec![false; percents.len()];

    // 1. moves, anchored by quantities and percentages; evaluations attach to quantities
    let find_quantity = |i: usize| nearest(hits, i, g, scope, |c| matches!(c, Cue::Quantity { .. }));
    for i in 0..n {
        if let Cue::Eval(w) = hits[i].cue {
            if let Some(j) = find_quantity(i) {
                v.qty_used[j] = true;
                v.anchor[i] = Some(j);
            }
            v.val[i] = w;
            continue;
        }
        let Cue::Move { dir, anchored, alone } = hits[i].cue else {
            continue;
        };
        let q = find_quantity(i).map(|j| costs::measured_by_outlook(hits, j));
        let p = nearest_percent(percents, &pct_used, &hits[i], g);
        if let Some(pi) = p {
            pct_used[pi] = true;
        }
        let base = match q {
            Some(j) => {
                v.qty_used[j] = true;
                v.anchor[i] = Some(j);
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
        v.val[i] = base * scale * hits[i].boost;
    }
    for (i, h) in hits.iter().enumerate() {
        match h.cue {
            Cue::Polar(w) | Cue::Verdict(w) | Cue::Harm(w) | Cue::Burden(w) | Cue::Assent(w) => v.val[i] = w,
            Cue::Quantity { alone, .. } if !v.qty_used[i] => v.val[i] = alone,
            _ => {}
        }
    }
    absorb_modifiers(hits, &mut v, g);
    drop_restated_levels(hits, &mut v);
    negation::absorb_victims(hits, &mut v);

    // 2. comparisons with expectations
    expectation::resolve_comparisons(hits, &mut v, g);

    // 3. from X to Y
    let mut extra = change::score_from_to(hits, from_to, &mut v);

    // 4. intensifiers
    for i in 0..n {
        let Cue::Intensifier { factor, alone } = hits[i].cue else {
            continue;
        };
        let val = &v.val;
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
            Some(j) => {
                v.val[j] *= factor;
                // a record of good news is worth at least a record alone (`영업이익 역대 최대`)
                if alone > 0.0 && v.val[j] > 0.0 {
                    v.val[j] = v.val[j].max(alone);
                }
            }
            None => v.val[i] = alone,
        }
    }

    // 5. reversals, then negators, each left to right: `적자 탈출 실패`, `did not dismiss
    //    the lawsuit`, `fails to win approval`
    for i in 0..n {
        reversal::apply(hits, i, &mut v, g, scope);
    }
    for i in 0..n {
        negation::apply(hits, i, &mut v, g, scope);
    }
    burden::apply(hits, &mut v, g);

    // 6. verdicts outweigh the raw changes they judge
    expectation::verdicts_outweigh_changes(hits, &mut v);

    // 7. concession / contrast
    for i in 0..n {
        match hits[i].cue {
            Cue::DiscountFollowing(factor) => {
                for j in i + 1..n {
                    if hits[j].clause != hits[i].clause {
                        break;
                    }
                    v.val[j] *= factor;
                }
            }
            Cue::DiscountPreceding { factor, window } => {
                for j in (0..i).rev() {
                    if gap_before(hits[j].end, hits[i].start).is_none_or(|d| d > window) {
                        break;
                    }
                    v.val[j] *= factor;
                }
            }
            _ => {}
        }
    }

    // 8. routine and flat-market markers, mixed verdicts
    routine::apply(hits, &mut v);

    // 9. signed percentages that anchored nothing
    for (k, pct) in percents.iter().enumerate() {
        if !pct_used[k] && pct.sign != 0 {
            extra += f64::from(pct.sign) * LONE_PERCENT_WEIGHT * magnitude(pct.value);
        }
    }

    v.val.iter().sum::<f64>() + extra
}

/// A level reported beside a change of the same kind of quantity only restates it: in
/// `적자폭 축소…영업손실 50억원` or `loss narrows; net loss of $5 million` the news is the
/// narrowing, not the loss that remains. An unmoved quantity loses its stand-alone value
/// when a quantity of the same polarity moved the other way (a bad level beside a bad
/// quantity that shrank); a level that agrees with the move (`수주 늘었지만 손실충당금`)
/// keeps it.
fn drop_restated_levels(hits: &[Hit], v: &mut Values) {
    let moved_against = |pol: f64, level: f64| {
        (0..hits.len()).any(|m| {
            v.anchor[m].is_some_and(|j| {
                matches!(hits[j].cue, Cue::Quantity { pol: p, kind: QtyKind::Plain, .. } if p == pol)
                    && matches!(hits[m].cue, Cue::Move { .. })
                    && v.val[m] * level < 0.0
            })
        })
    };
    let restated: Vec<usize> = (0..hits.len())
        .filter(|&i| match hits[i].cue {
            Cue::Quantity {
                pol,
                kind: QtyKind::Plain,
                ..
            } => !v.qty_used[i] && v.val[i] != 0.0 && moved_against(pol, v.val[i]),
            _ => false,
        })
        .collect();
    for i in restated {
        v.val[i] = 0.0;
    }
}

/// A quantity that moved carries the news; the terms written right before it say what
/// the quantity is about (`원전 수주 기대감 꺾여`: the expectation of orders fell;
/// `recession fears ease`) and are absorbed into it.
fn absorb_modifiers(hits: &[Hit], v: &mut Values, g: &Geometry) {
    for i in 0..hits.len() {
        let Some(q) = v.anchor[i] else {
            continue;
        };
        if q > i {
            continue;
        }
        let mut left = hits[q].start;
        for k in (0..q).rev() {
            let adjacent =
                hits[k].clause == hits[q].clause && gap_before(hits[k].end, left).is_some_and(|d| d <= g.absorb_gap);
            let modifier = match hits[k].cue {
                Cue::Polar(_) | Cue::Verdict(_) | Cue::Burden(_) | Cue::Assent(_) => true,
                Cue::Quantity { .. } => !v.qty_used[k],
                _ => false,
            };
            if !adjacent || !modifier {
                break;
            }
            v.val[k] = 0.0;
            left = hits[k].start;
        }
    }
}

/// Nearest hit (by gap) whose cue satisfies `want`, in the same clause, at most
/// `qty_before` units before or `qty_after` units after hit `i`. Ties go to the later
/// one, unless `prefer_before`, in which case any match before wins. English does not
/// reach across a scope stop (`lower on China worries`: the worries did not fall).
fn nearest(hits: &[Hit], i: usize, g: &Geometry, scope: &Scope, want: impl Fn(&Cue) -> bool) -> Option<usize> {
    let h = &hits[i];
    let open = |start: usize, end: usize| g.lang == Lang::Ko || scope.open(start, end, false);
    let fwd = (i + 1..hits.len())
        .take_while(|&j| {
            hits[j].clause == h.clause
                && gap_before(h.end, hits[j].start).is_some_and(|d| d <= g.qty_after)
                && open(h.end, hits[j].start)
        })
        .find(|&j| want(&hits[j].cue))
        .map(|j| (hits[j].start - h.end, j));
    let back = (0..i)
        .rev()
        .take_while(|&j| {
            hits[j].clause == h.clause
                && gap_before(hits[j].end, h.start).is_some_and(|d| d <= g.qty_before)
                && open(hits[j].end, h.start)
        })
        .find(|&j| want(&hits[j].cue))
        .map(|j| (h.start - hits[j].end, j));
    match (back, fwd) {
        (Some((db, jb)), Some((df, jf))) => Some(if g.prefer_before || db < df { jb } else { jf }),
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
    fn narrowing_losses_are_good_and_widening_bad() {
        assert!(s("Carvana losses narrow sharply in the third quarter") > 0.3);
        assert!(s("Affirm narrows its loss") > 0.3);
        assert!(s("Intel's losses at its foundry unit narrowed in the quarter") > 0.3);
        assert!(s("Opendoor losses shrink for a third straight quarter") > 0.3);
        assert!(s("Losses widened sharply") < -0.3);
        assert!(s("Stock trades in a narrow range") == 0.0);
        assert!(s("쿠팡, 적자폭 축소") > 0.3);
        assert!(s("영업손실 1년 만에 절반으로 줄어") > 0.3);
        // the loss that remains only restates the narrowing
        assert!(s("카카오페이 적자폭 축소…영업손실 50억원") > 0.3);
        assert!(s("적자폭 전년 대비 크게 개선") > 0.3);
        assert!(s("공급 계약 규모 축소") < -0.3);
        assert!(s("영업손실 규모 확대") < -0.3);
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

    #[test]
    fn plain_news_without_the_usual_sentiment_words() {
        assert!(s("Moderna's flu vaccine trial meets primary endpoint in late-stage study") > 0.3);
        assert!(s("Vaccine trial did not meet its main goal, company says") < -0.2);
        assert!(s("Fire at Renesas chip plant to disrupt supply for a month") < -0.2);
        assert!(s("Ford and SK On confirm $11 billion battery joint venture") > 0.2);
        assert!(s("한미약품 비만 신약, 임상 3상 1차 평가지표 충족") > 0.3);
        assert!(s("SK바이오팜, 임상 주평가지표 미충족") < -0.3);
        assert!(s("포스코퓨처엠, GM과 양극재 합작법인 설립 확정") > 0.2);
    }

    #[test]
    fn a_record_of_good_news_is_news() {
        assert!(s("네이버, 1분기 영업이익 사상 최대") > 0.3);
        assert!(s("크래프톤, 2분기 영업이익 역대 최대") > 0.3);
        assert!(s("영업손실 역대 최대") < -0.3);
    }

    #[test]
    fn bets_against_a_stock_are_a_quantity_where_more_is_worse() {
        assert!(s("Short interest in GameStop falls to lowest in two years") > 0.2);
        assert!(s("Short interest in Tesla jumps to record") < -0.2);
        assert!(s("HLB 공매도 잔고 한 달 새 40% 급감") > 0.2);
        assert!(s("공매도 잔고 사상 최대") < -0.2);
    }
}
