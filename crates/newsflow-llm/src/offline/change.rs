//! Directional changes written as two values: `to $0.70 from $1.51`, `from $250 to $200`,
//! `$280, up from $245`, `1만원에서 3천원으로`, `15만→12만원`, and rating moves
//! `to equal weight from overweight`, `매수에서 중립으로`.
//!
//! Amounts are compared with their scale: `$1.2 billion` against `$900 million`, `20
//! cents` against `$1.51`, `1만원` (10,000) against `3천원` (3,000), `3조5천억원`. A number
//! change is signed by the polarity of the nearest quantity (`loss` shrinking to a
//! smaller figure is good); a bare amount counts as more-is-better. A rating move is
//! signed by the ladder `sell < hold < buy` (`negative < stable < positive`).

use super::costs;
use super::lexicon::Cue;
use super::rules::{ko_match_str, Claims, FromTo, Hit, Values};
use super::text::{word_at, Tok, TokKind};

/// Weight of a `from X to Y` change.
const FROM_TO_WEIGHT: f64 = 0.5;
/// Weight of a rating move.
const RATING_WEIGHT: f64 = 0.7;

/// English rating words and their rank.
const EN_RATINGS: &[(&str, i8)] = &[
    ("strong buy", 2),
    ("buy", 1),
    ("outperform", 1),
    ("overweight", 1),
    ("accumulate", 1),
    ("positive", 1),
    ("hold", 0),
    ("neutral", 0),
    ("equal weight", 0),
    ("equalweight", 0),
    ("market perform", 0),
    ("sector perform", 0),
    ("peer perform", 0),
    ("in line", 0),
    ("market weight", 0),
    ("sector weight", 0),
    ("stable", 0),
    ("underperform", -1),
    ("underweight", -1),
    ("sell", -1),
    ("reduce", -1),
    ("negative", -1),
    ("strong sell", -2),
];

/// Korean rating words and their rank; a space matches zero or more spaces.
const KO_RATINGS: &[(&str, i8)] = &[
    ("강력 매수", 2),
    ("매수", 1),
    ("비중 확대", 1),
    ("아웃퍼폼", 1),
    ("긍정적", 1),
    ("중립", 0),
    ("보유", 0),
    ("시장 수익률", 0),
    ("안정적", 0),
    ("매도", -1),
    ("비중 축소", -1),
    ("언더퍼폼", -1),
    ("부정적", -1),
];

/// Currency and unit words after a Korean amount.
const KO_UNITS: &[&str] = &["달러", "원", "엔", "위안", "유로", "포인트", "%"];

fn direction(from: f64, to: f64) -> Option<f64> {
    if to > from {
        Some(1.0)
    } else if to < from {
        Some(-1.0)
    } else {
        None
    }
}

/// The amount starting at token `i`: its value scaled by the unit words after it
/// (`million`, `billion`, `cents`, skipping `dollars`, `won`, `a share`, …), whether it
/// is a percentage, and the index after it.
pub(super) fn amount_at(toks: &[Tok], i: usize) -> Option<(f64, bool, usize)> {
    let TokKind::Num { value, percent, .. } = toks.get(i)?.kind else {
        return None;
    };
    let mut value = value;
    let mut j = i + 1;
    if percent {
        return Some((value, true, j));
    }
    loop {
        match word_at(toks, j) {
            Some("thousand") => value *= 1e3,
            Some("million" | "mln" | "mn") => value *= 1e6,
            Some("billion" | "bln" | "bn") => value *= 1e9,
            Some("trillion" | "tn") => value *= 1e12,
            Some("cents" | "cent") => value *= 0.01,
            Some(
                "dollars" | "dollar" | "won" | "yen" | "euros" | "euro" | "pounds" | "usd" | "krw" | "eur" | "apiece"
                | "points" | "bps" | "share",
            ) => {}
            Some("a" | "per") if word_at(toks, j + 1) == Some("share") => j += 1,
            _ => break,
        }
        j += 1;
    }
    Some((value, false, j))
}

/// English `to B from A`, `from A to B` and `B, up from A` (`down from`, `higher
/// from`); both values amounts of the same kind.
pub(super) fn english_from_to(toks: &[Tok], claims: &Claims) -> Vec<FromTo> {
    let mut out = Vec::new();
    for i in 0..toks.len() {
        if claims.is_taken(i) {
            continue;
        }
        let pair = match word_at(toks, i) {
            Some("to") => amount_at(toks, i + 1).and_then(|(b, bp, j)| {
                (word_at(toks, j) == Some("from"))
                    .then(|| amount_at(toks, j + 1))
                    .flatten()
                    .filter(|(_, ap, _)| *ap == bp)
                    .map(|(a, _, _)| (a, b))
            }),
            Some("from") => amount_at(toks, i + 1).and_then(|(a, ap, j)| {
                (word_at(toks, j) == Some("to"))
                    .then(|| amount_at(toks, j + 1))
                    .flatten()
                    .filter(|(_, bp, _)| *bp == ap)
                    .map(|(b, _, _)| (a, b))
            }),
            Some("up" | "down" | "higher" | "lower") if word_at(toks, i + 1) == Some("from") => {
                amount_ending_at(toks, i).and_then(|(b, bp)| {
                    amount_at(toks, i + 2)
                        .filter(|(_, ap, _)| *ap == bp)
                        .map(|(a, _, _)| (a, b))
                })
            }
            _ => None,
        };
        if let Some(dir) = pair.and_then(|(a, b)| direction(a, b)) {
            out.push(FromTo { pos: i, dir });
        }
    }
    out
}

/// The amount whose unit words end right before token `end`.
fn amount_ending_at(toks: &[Tok], end: usize) -> Option<(f64, bool)> {
    (end.saturating_sub(4)..end)
        .filter_map(|k| amount_at(toks, k).filter(|(_, _, next)| *next == end))
        .map(|(v, p, _)| (v, p))
        .next()
}

/// The English rating at token `i` and the index after it.
fn en_rating_at(toks: &[Tok], i: usize) -> Option<(i8, usize)> {
    EN_RATINGS
        .iter()
        .filter_map(|(phrase, rank)| {
            let n = phrase
                .split(' ')
                .enumerate()
                .all(|(k, w)| word_at(toks, i + k) == Some(w))
                .then_some(phrase.split(' ').count())?;
            Some((*rank, i + n))
        })
        .max_by_key(|(_, end)| *end)
}

/// `to equal weight from overweight`, `from hold to buy`: a rating move, claimed whole.
pub(super) fn english_ratings(toks: &[Tok], claims: &mut Claims) {
    for i in 0..toks.len() {
        let (first_word, second_word) = match word_at(toks, i) {
            Some("to") => ("to", "from"),
            Some("from") => ("from", "to"),
            _ => continue,
        };
        let Some((r1, j)) = en_rating_at(toks, i + 1) else {
            continue;
        };
        if word_at(toks, j) != Some(second_word) {
            continue;
        }
        let Some((r2, end)) = en_rating_at(toks, j + 1) else {
            continue;
        };
        let (new, old) = if first_word == "to" { (r1, r2) } else { (r2, r1) };
        if new == old || !claims.is_free(i, end) || toks[i].clause != toks[end - 1].clause {
            continue;
        }
        let dir = f64::from((new - old).signum());
        claims.claim(i, end);
        claims
            .hits
            .push(Hit::new(i, end, toks[i].clause, Cue::Polar(dir * RATING_WEIGHT)));
    }
}

/// `매수에서 중립으로`, `중립→매수`: a Korean rating move, claimed whole.
pub(super) fn korean_ratings(chars: &[char], clauses: &[usize], claims: &mut Claims) {
    let rating_at = |at: usize| {
        KO_RATINGS
            .iter()
            .filter_map(|(pat, rank)| ko_match_str(chars, at, pat).map(|end| (*rank, end)))
            .max_by_key(|(_, end)| *end)
    };
    let mut k = 0;
    while k < chars.len() {
        let Some((old, mut j)) = rating_at(k) else {
            k += 1;
            continue;
        };
        if chars.get(j) == Some(&'에') && chars.get(j + 1) == Some(&'서') {
            j += 2;
        } else if chars.get(j) == Some(&'→') {
            j += 1;
        } else {
            k += 1;
            continue;
        }
        while chars.get(j).is_some_and(|c| c.is_whitespace()) {
            j += 1;
        }
        match rating_at(j) {
            Some((new, end)) if new != old && claims.is_free(k, end) => {
                let dir = f64::from((new - old).signum());
                claims.claim(k, end);
                claims
                    .hits
                    .push(Hit::new(k, end, clauses[k], Cue::Polar(dir * RATING_WEIGHT)));
                k = end;
            }
            _ => k += 1,
        }
    }
}

/// The sum of the `from X to Y` changes, each signed by the polarity of the nearest
/// quantity (a bare amount counts as more-is-better; an outlook of a cost measures the
/// cost: `영업손실 전망 1,000억원서 300억원으로`). The quantity a change measures is then
/// used up (its stand-alone value is dropped from `v`), and a bare move of the same
/// direction after it in its clause (`…300억원으로 하향`) is a move of that quantity.
pub(super) fn score_from_to(hits: &[Hit], from_to: &[FromTo], v: &mut Values) -> f64 {
    let mut total = 0.0;
    for ft in from_to {
        let nearest = hits
            .iter()
            .enumerate()
            .filter(|(_, h)| matches!(h.cue, Cue::Quantity { .. }))
            .min_by_key(|(_, h)| h.start.abs_diff(ft.pos))
            .map(|(j, _)| costs::measured_by_outlook(hits, j));
        let pol = nearest.map_or(1.0, |j| match hits[j].cue {
            Cue::Quantity { pol, .. } => pol,
            _ => 1.0,
        });
        if let Some(j) = nearest {
            if !v.qty_used[j] {
                v.val[j] = 0.0;
            }
            let clause = hits[j].clause;
            for (i, h) in hits.iter().enumerate() {
                let Cue::Move { dir, anchored, .. } = h.cue else {
                    continue;
                };
                if dir == ft.dir && v.anchor[i].is_none() && h.clause == clause && h.start > ft.pos {
                    v.val[i] = dir * pol * anchored * h.boost;
                }
            }
        }
        total += ft.dir * pol * FROM_TO_WEIGHT;
    }
    total
}

/// The plain number ending right before `end` (optionally separated by spaces), and the
/// index where it starts.
pub(super) fn number_before(chars: &[char], end: usize) -> Option<(f64, usize)> {
    let mut j = end;
    while j > 0 && chars[j - 1] == ' ' {
        j -= 1;
    }
    let stop = j;
    while j > 0 && (chars[j - 1].is_ascii_digit() || chars[j - 1] == '.' || chars[j - 1] == ',') {
        j -= 1;
    }
    let value = parse_digits(&chars[j..stop])?;
    Some((value, j))
}

fn parse_digits(chars: &[char]) -> Option<f64> {
    let digits: String = chars.iter().filter(|c| **c != ',').collect();
    digits.trim_matches('.').parse::<f64>().ok()
}

fn is_amount_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '.' | ',' | '조' | '억' | '만' | '천' | '백' | '십')
}

/// A Korean amount starting at `start` (after spaces and `$`): digits with the unit
/// chars `조 억 만 천 백 십` (`3조5천억`, `1만`, `2,500`). Returns the value and the index
/// after it; the amount must start with a digit.
pub(super) fn ko_amount_at(chars: &[char], start: usize) -> Option<(f64, usize)> {
    let mut j = start;
    while chars.get(j).is_some_and(|c| *c == ' ' || *c == '$') {
        j += 1;
    }
    if !chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut total = 0.0;
    let mut group = 0.0;
    loop {
        let begin = j;
        while chars
            .get(j)
            .is_some_and(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        {
            j += 1;
        }
        let num = if j > begin {
            parse_digits(&chars[begin..j])
        } else {
            None
        };
        let small = |n: Option<f64>, unit: f64| n.unwrap_or(1.0) * unit;
        match chars.get(j) {
            Some('천') => group += small(num, 1e3),
            Some('백') => group += small(num, 1e2),
            Some('십') => group += small(num, 10.0),
            Some(&c @ ('조' | '억' | '만')) => {
                let unit = match c {
                    '조' => 1e12,
                    '억' => 1e8,
                    _ => 1e4,
                };
                let part = group + num.unwrap_or(if group > 0.0 { 0.0 } else { 1.0 });
                total += part * unit;
                group = 0.0;
            }
            _ => {
                group += num.unwrap_or(0.0);
                break;
            }
        }
        j += 1;
        if !chars.get(j).is_some_and(|c| is_amount_char(*c)) {
            break;
        }
    }
    Some((total + group, j))
}

/// Skips one unit word (`원`, `달러`, `%`) at `j`.
fn skip_ko_unit(chars: &[char], j: usize) -> usize {
    KO_UNITS
        .iter()
        .filter_map(|u| ko_match_str(chars, j, u))
        .max()
        .unwrap_or(j)
}

/// The Korean amount (with an optional unit word) ending right before `end`.
fn ko_amount_ending_at(chars: &[char], end: usize) -> Option<f64> {
    let mut j = end;
    while j > 0 && chars[j - 1] == ' ' {
        j -= 1;
    }
    let unit_end = j;
    for u in KO_UNITS {
        let len = u.chars().count();
        if j >= len && ko_match_str(chars, j - len, u) == Some(j) {
            j -= len;
            break;
        }
    }
    let amount_end = j;
    while j > 0 && is_amount_char(chars[j - 1]) {
        j -= 1;
    }
    while j < amount_end && !chars[j].is_ascii_digit() {
        j += 1;
    }
    let (value, after) = ko_amount_at(chars, j)?;
    (after == amount_end && skip_ko_unit(chars, after) == unit_end).then_some(value)
}

/// `220달러에서 250달러로`, `1만원에서 3천원으로`, `18만→22만원`.
/// `에서` at `k`, or the short `서` glued to an amount's unit (`1,000억원서`): the index
/// after it.
fn from_marker(chars: &[char], k: usize) -> Option<usize> {
    if chars[k] == '에' && chars.get(k + 1) == Some(&'서') {
        return Some(k + 2);
    }
    let glued = chars[k] == '서' && k > 0 && matches!(chars[k - 1], '원' | '러' | '%');
    glued.then_some(k + 1)
}

pub(super) fn korean_from_to(chars: &[char], claims: &Claims) -> Vec<FromTo> {
    let mut out = Vec::new();
    for k in 0..chars.len() {
        if claims.is_taken(k) {
            continue;
        }
        let pair = if chars[k] == '→' {
            ko_amount_ending_at(chars, k).zip(ko_amount_at(chars, k + 1).map(|(b, _)| b))
        } else if let Some(next) = from_marker(chars, k) {
            ko_amount_ending_at(chars, k).zip(ko_amount_at(chars, next).and_then(|(b, end)| {
                let e = skip_ko_unit(chars, end);
                let ends_ro =
                    chars.get(e) == Some(&'로') || (chars.get(e) == Some(&'으') && chars.get(e + 1) == Some(&'로'));
                ends_ro.then_some(b)
            }))
        } else {
            None
        };
        if let Some(dir) = pair.and_then(|(a, b)| direction(a, b)) {
            out.push(FromTo { pos: k, dir });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::rules::score_sentence as s;
    use crate::offline::text::tokenize_en;

    fn ko(s: &str) -> Option<f64> {
        let chars: Vec<char> = s.chars().collect();
        ko_amount_at(&chars, 0).map(|(v, _)| v)
    }

    #[test]
    fn korean_amounts_have_scale() {
        assert_eq!(ko("1만원"), Some(1e4));
        assert_eq!(ko("3천원"), Some(3e3));
        assert_eq!(ko("2,500원"), Some(2500.0));
        assert_eq!(ko("3조5천억원"), Some(3.5e12));
        assert_eq!(ko("15만"), Some(1.5e5));
        assert_eq!(ko("만원"), None);
    }

    #[test]
    fn english_amounts_have_scale() {
        let toks = tokenize_en("$1.2 billion $900 million 20 cents a share");
        assert_eq!(amount_at(&toks, 0).map(|a| a.0), Some(1.2e9));
        assert_eq!(amount_at(&toks, 2).map(|a| a.0), Some(9e8));
        assert_eq!(amount_at(&toks, 4).map(|a| (a.0, a.2)), Some((0.2, 8)));
    }

    #[test]
    fn cut_to_from_is_bad_for_good_quantities_and_good_for_bad_ones() {
        assert!(s("3M cuts dividend to $0.70 from $1.51") < -0.5);
        assert!(s("KT&G cuts its dividend to 2,500 won from 10,000 won") < -0.3);
        assert!(s("Dividend reduced to 20 cents a share from $1.51") < -0.3);
        assert!(s("Net loss shrinks to $600 million from $800 million") > 0.3);
        assert!(s("J&J talc verdict cut to $30 million from $260 million on appeal") > 0.3);
        assert!(s("Revenue guidance raised to $1.2 billion from $900 million") > 0.3);
        assert!(s("Analysts now see the stock reaching $280, up from $245") > 0.3);
        assert!(s("주당 배당금 1만원에서 3천원으로 줄여") < -0.5);
        assert!(s("주당 배당금 5000원에서 2500원으로 삭감") < -0.5);
        assert!(s("영업손실 1조원에서 9천억원으로 줄어") > 0.5);
        assert!(s("목표주가 15만원→12만원") < -0.3);
    }

    #[test]
    fn rating_moves_follow_the_ladder() {
        assert!(s("Morgan Stanley moves Nike to equal weight from overweight") < -0.3);
        assert!(s("Barclays moves Ford to overweight from equal weight") > 0.3);
        assert!(s("Moody's revises Boeing outlook to negative from stable") < -0.3);
        assert!(s("Rating changed from hold to buy") > 0.3);
        assert!(s("투자의견 매수에서 중립으로 하향") < -0.5);
        assert!(s("투자의견 중립→매수") > 0.3);
    }
}
