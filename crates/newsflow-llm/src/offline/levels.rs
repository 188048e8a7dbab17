//! Record levels of a quantity where more is worse: `cash burn hits a record high`,
//! `inventory at an all-time high`, `재고 사상 최고치`, `손상차손 역대 최대`.
//!
//! On its own a record level is good news (`shares hit a record high`, `매출 사상 최대`),
//! and the lexicon scores it so. When the nearest quantity before it in the same clause
//! is one where more is worse (losses, costs, inventory, debt, cash burn), the record
//! measures that quantity: the level term becomes an upward move, which takes the
//! quantity's polarity like any move (see `rules.rs`), so the news is bad.

use super::lexicon::Cue;
use super::rules::Hit;
use super::text::{Tok, TokKind};

/// English record-level phrases, as lexicon matches start them.
const EN_LEVELS: &[&[&str]] = &[
    &["record"],
    &["record", "high"],
    &["record", "highs"],
    &["record", "peak"],
    &["all", "time", "high"],
    &["all", "time", "highs"],
    &["all", "time", "peak"],
    &["new", "high"],
    &["fresh", "high"],
    &["fresh", "record"],
];

/// Korean record-level terms.
const KO_LEVELS: &[&str] = &[
    "사상 최대",
    "역대 최대",
    "사상 최고",
    "역대 최고",
    "사상 최다",
    "역대 최다",
    "역대급",
    "최고치",
    "신기록",
];

/// The move a record level of a more-is-worse quantity becomes.
const LEVEL_MOVE: Cue = Cue::Move {
    dir: 1.0,
    anchored: 0.8,
    alone: 0.0,
};

/// Re-reads English record levels after a more-is-worse quantity. `hits` must be sorted
/// by start.
pub(super) fn english(toks: &[Tok], hits: &mut [Hit]) {
    for i in 0..hits.len() {
        let words: Vec<&str> = toks
            .get(hits[i].start..hits[i].end)
            .unwrap_or(&[])
            .iter()
            .map(|t| match &t.kind {
                TokKind::Word(w) => w.as_str(),
                TokKind::Num { .. } => "",
            })
            .collect();
        if EN_LEVELS.contains(&words.as_slice()) {
            relabel(hits, i);
        }
    }
}

/// Re-reads Korean record levels after a more-is-worse quantity. `hits` must be sorted
/// by start.
pub(super) fn korean(chars: &[char], hits: &mut [Hit]) {
    for i in 0..hits.len() {
        let Some(span) = chars.get(hits[i].start..hits[i].end) else {
            continue;
        };
        let term: String = span.iter().collect();
        if KO_LEVELS.contains(&term.as_str()) {
            relabel(hits, i);
        }
    }
}

/// Turns hit `i` into [`LEVEL_MOVE`] when the nearest quantity before it in its clause
/// is one where more is worse.
fn relabel(hits: &mut [Hit], i: usize) {
    let clause = hits[i].clause;
    let quantity = hits[..i]
        .iter()
        .rev()
        .take_while(|h| h.clause == clause)
        .find_map(|h| match h.cue {
            Cue::Quantity { pol, .. } => Some(pol),
            _ => None,
        });
    if quantity.is_some_and(|pol| pol < 0.0) {
        hits[i].cue = LEVEL_MOVE;
    }
}

#[cfg(test)]
mod tests {
    use crate::offline::{rule_analysis, Label};

    #[test]
    fn record_level_of_a_bad_quantity_is_bad() {
        for t in [
            "Cash burn at Rivian hits record high",
            "Inventory builds to an all-time high at the display unit",
            "LG디스플레이 재고 사상 최고치",
            "롯데케미칼 손상차손 역대 최대 규모",
        ] {
            assert_eq!(rule_analysis(t).0, Label::Bad, "{t}: {:?}", rule_analysis(t));
        }
    }

    #[test]
    fn record_level_of_a_good_quantity_stays_good() {
        for t in [
            "Dell shares hit record high on AI server demand",
            "Revenue reaches a record",
            "현대차, 2분기 매출 사상 최대",
            "삼성 갤럭시 사전 판매 역대 최다",
        ] {
            assert_eq!(rule_analysis(t).0, Label::Good, "{t}: {:?}", rule_analysis(t));
        }
    }
}
