//! Double reversals: a reversal or negator aimed at a proceeding that is itself a
//! reversal (`judge denies request to dismiss lawsuit`, `court reverses dismissal of
//! suit`, `overturns ruling that had cleared Bayer of liability`, `drops plan to reject
//! takeover`, `소송 기각 요청 받아들이지 않아`, `소송 각하 결정 뒤집어`).
//!
//! The two cancel each other and leave the thing the inner reversal was aimed at
//! standing: the suit goes on (bad), the takeover goes ahead (good). Both terms are made
//! inert, so that thing keeps its own value.
//!
//! The pair must be close and joined by a proceeding noun (`request`, `motion`, `bid`,
//! `plan`, `ruling`, `decision`, `요청`, `결정`, `판결`, …) or nothing at all
//! (`reverses dismissal`).

use super::lexicon::{Cancels, Cue};
use super::rules::Hit;
use super::text::{Tok, TokKind};

/// English nouns naming a proceeding or an intention that a reversal can target.
const EN_PROCEEDINGS: &[&str] = &[
    "request",
    "requests",
    "motion",
    "motions",
    "bid",
    "bids",
    "plan",
    "plans",
    "attempt",
    "attempts",
    "effort",
    "efforts",
    "ruling",
    "rulings",
    "decision",
    "decisions",
    "order",
    "orders",
    "proposal",
    "proposals",
    "petition",
    "petitions",
];
/// English moves that mean "give up" before a proceeding (`drops plan to …`).
const EN_GIVE_UP: &[&str] = &["drop", "drops", "dropped", "dropping"];
/// At most this many tokens between the two reversals (English).
const EN_GAP: usize = 5;

/// Korean nouns naming a proceeding or an intention.
const KO_PROCEEDINGS: &[&str] = &["요청", "신청", "결정", "판결", "방침", "명령", "처분", "계획"];
/// At most this many chars between the two reversals (Korean).
const KO_GAP: usize = 10;

fn word(t: &Tok) -> Option<&str> {
    match &t.kind {
        TokKind::Word(w) => Some(w.as_str()),
        TokKind::Num { .. } => None,
    }
}

fn is_reverse(cue: Cue) -> bool {
    matches!(cue, Cue::Reverse { .. })
}

/// A term that can cancel a reversal: a negator, or a reversal of anything (not one of
/// bad things only: `wins dismissal of a case` is the dismissal obtained).
fn is_outer(cue: Cue) -> bool {
    matches!(
        cue,
        Cue::Reverse {
            cancels: Cancels::Anything,
            ..
        } | Cue::Negator { .. }
    )
}

/// Makes English double reversals inert. `hits` must be sorted by start.
pub(super) fn english(toks: &[Tok], hits: &mut [Hit]) {
    for i in 0..hits.len().saturating_sub(1) {
        let (outer, inner) = (&hits[i], &hits[i + 1]);
        if outer.clause != inner.clause || !is_reverse(inner.cue) || inner.start < outer.end {
            continue;
        }
        let gives_up = matches!(outer.cue, Cue::Move { .. })
            && outer.end == outer.start + 1
            && toks
                .get(outer.start)
                .and_then(word)
                .is_some_and(|w| EN_GIVE_UP.contains(&w));
        if !is_outer(outer.cue) && !gives_up {
            continue;
        }
        let between = toks.get(outer.end..inner.start).unwrap_or(&[]);
        let joined = between.is_empty() && !gives_up
            || between.len() <= EN_GAP && between.iter().filter_map(word).any(|w| EN_PROCEEDINGS.contains(&w));
        if joined {
            hits[i].cue = Cue::Inert;
            hits[i + 1].cue = Cue::Inert;
        }
    }
}

/// Makes Korean double reversals inert (the inner reversal comes first:
/// `기각 요청 받아들이지 않아`). `hits` must be sorted by start.
pub(super) fn korean(chars: &[char], hits: &mut [Hit]) {
    for i in 0..hits.len().saturating_sub(1) {
        let (inner, outer) = (&hits[i], &hits[i + 1]);
        if inner.clause != outer.clause || !is_reverse(inner.cue) || !is_outer(outer.cue) {
            continue;
        }
        let Some(between) = chars.get(inner.end..outer.start) else {
            continue;
        };
        if between.len() > KO_GAP {
            continue;
        }
        let text: String = between.iter().collect();
        if KO_PROCEEDINGS.iter().any(|p| text.contains(p)) {
            hits[i].cue = Cue::Inert;
            hits[i + 1].cue = Cue::Inert;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::offline::{rule_analysis, Label};

    #[test]
    fn double_reversals_leave_the_target_standing() {
        let cases = [
            ("Judge denies request to dismiss lawsuit", Label::Bad),
            ("Judge denies Boeing's request to dismiss fraud charge", Label::Bad),
            ("Court reverses dismissal of securities fraud suit", Label::Bad),
            (
                "Court overturns ruling that had cleared Bayer of wrongdoing",
                Label::Bad,
            ),
            ("Fed drops plan to reject Capital One's Discover takeover", Label::Good),
            ("Judge denies motion to block Disney's streaming deal", Label::Good),
            ("법원, 삼성물산의 소송 기각 요청 받아들이지 않아", Label::Bad),
            ("법원, 신한은행 상대 소송 각하 결정 뒤집어", Label::Bad),
        ];
        for (t, want) in cases {
            assert_eq!(rule_analysis(t).0, want, "{t}: {:?}", rule_analysis(t));
        }
    }

    #[test]
    fn single_reversals_are_unchanged() {
        let cases = [
            ("Judge dismisses lawsuit", Label::Good),
            ("Regulator withdraws approval for vaccine", Label::Bad),
            ("카카오, 소송 기각", Label::Good),
            ("Alphabet wins dismissal of a long-running privacy case", Label::Good),
        ];
        for (t, want) in cases {
            assert_eq!(rule_analysis(t).0, want, "{t}: {:?}", rule_analysis(t));
        }
    }
}
