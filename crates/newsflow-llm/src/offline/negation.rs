//! Negation: negators flip what they scope over.
//!
//! * English negators (`not`, `no longer`, `fails to`, `yet to`, `declines to`, …) reach
//!   forward over the next few tokens of their clause, up to a conjunction (see
//!   `scope.rs`), and flip every term there: `no longer expects a full-year loss`,
//!   `not planning further layoffs`.
//! * Korean negators (`않`, `못`, `없`, `아니`) follow the predicate and flip the noun phrase
//!   before it: `추가 리콜 우려 없다`, `실적 개선 못해`.
//! * Both reach through phrases joined by `or`/`nor`, `·`, `및`, `과`/`와`, and flip each
//!   (`no layoffs or plant closures`, `흑자 전환·배당 재개 어려워`).
//! * A negated par term takes its negated value (`did not meet expectations`,
//!   `기대치에 부합하지 못해`).
//! * A negated harm predicate also cancels its cause: in `tariffs have not hurt margins`
//!   the tariffs are no longer bad news. A harm's victim (`dent its profit`) is taken out
//!   of play either way: it is what suffers, not news of its own.
//! * A negated quantity says the thing is absent: `no longer expects sales growth` is bad,
//!   `no longer expects a loss` good, even when the quantity carries little value alone.
//! * With nothing to flip, a negator is worth its own value: `fails to find a buyer` is
//!   bad, a bare `not` is nothing.

use super::lexicon::Cue;
use super::rules::{gap_before, Geometry, Hit, Lang, Values};
use super::scope::{english_forward, korean_chain_joined, Scope};

/// Value of a negated term relative to the original (flip and damp).
pub(super) const NEGATION_FACTOR: f64 = -0.6;
/// How far before an English negator the cause of a negated harm is looked for.
const CAUSE_WINDOW: usize = 6;
/// How far after a harm predicate its victim is looked for.
const VICTIM_WINDOW: usize = 2;
/// Smallest size of a negated quantity's value before the negation factor.
const NEGATED_QUANTITY: f64 = 0.5;

/// Applies hit `i`, if it is a negator, to the current values.
pub(super) fn apply(hits: &[Hit], i: usize, v: &mut Values, g: &Geometry, scope: &Scope) {
    let Cue::Negator { alone } = hits[i].cue else {
        return;
    };
    let targets = match g.lang {
        Lang::En => english_forward(hits, i, g.neg_forward, scope),
        Lang::Ko => korean_chain_joined(hits, i, g, scope),
    };
    let mut flipped = false;
    let mut harm = false;
    let bare_quantity = |j: usize| matches!(hits[j].cue, Cue::Quantity { .. }) && !v.qty_used[j];
    // With nothing but quantities in scope, the quantities themselves are denied.
    let only_quantities = targets.iter().any(|&j| bare_quantity(j))
        && targets
            .iter()
            .all(|&j| bare_quantity(j) || (v.val[j] == 0.0 && !matches!(hits[j].cue, Cue::Par { .. })));
    // a par term is denied only when nothing nearer carries a value (`신작 출시 연기 없이`
    // denies the delay, not the launch)
    let valued_other = targets
        .iter()
        .any(|&j| v.val[j] != 0.0 && !matches!(hits[j].cue, Cue::Par { .. }));
    for j in targets {
        match hits[j].cue {
            Cue::Par { .. } if valued_other => {}
            Cue::Par { negated } => {
                v.val[j] = negated;
                flipped = true;
            }
            Cue::Quantity { pol, alone, .. } if only_quantities && !v.qty_used[j] => {
                v.val[j] = pol * alone.abs().max(NEGATED_QUANTITY) * NEGATION_FACTOR;
                flipped = true;
            }
            cue if v.val[j] != 0.0 => {
                harm |= matches!(cue, Cue::Harm(_));
                v.val[j] *= NEGATION_FACTOR;
                flipped = true;
            }
            _ => {}
        }
    }
    if harm {
        cancel_cause(hits, i, v);
    }
    if !flipped {
        v.val[i] = alone;
    }
}

/// Takes the victim of each harm predicate (the quantity right after it: `dent its
/// profit`, `weigh on demand`) out of play.
pub(super) fn absorb_victims(hits: &[Hit], v: &mut Values) {
    for i in 0..hits.len() {
        if !matches!(hits[i].cue, Cue::Harm(_)) {
            continue;
        }
        let victim = (i + 1..hits.len())
            .take_while(|&j| {
                hits[j].clause == hits[i].clause
                    && gap_before(hits[i].end, hits[j].start).is_some_and(|d| d <= VICTIM_WINDOW)
            })
            .find(|&j| matches!(hits[j].cue, Cue::Quantity { .. }));
        if let Some(j) = victim {
            v.qty_used[j] = true;
            v.val[j] = 0.0;
        }
    }
}

/// Zeroes the bad terms of the same clause shortly before negator `i`: the cause whose
/// harm is denied.
fn cancel_cause(hits: &[Hit], i: usize, v: &mut Values) {
    for k in (0..i).rev() {
        let near = hits[k].clause == hits[i].clause
            && gap_before(hits[k].end, hits[i].start).is_some_and(|d| d <= CAUSE_WINDOW);
        if !near {
            break;
        }
        if v.val[k] < 0.0 && matches!(hits[k].cue, Cue::Polar(_) | Cue::Burden(_) | Cue::Quantity { .. }) {
            v.val[k] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::offline::rules::score_sentence as s;

    #[test]
    fn english_negation_reaches_past_light_verbs() {
        assert!(s("Ford no longer expects a full-year loss") > 0.2);
        assert!(s("Disney is not planning further layoffs") > 0.2);
        assert!(s("FedEx does not expect to cut its dividend") > 0.2);
        assert!(s("Boeing no longer sees positive cash flow") < -0.2);
        assert!(s("Starbucks has yet to see a recovery in China") < -0.2);
        // the scope ends at a conjunction: `costs rise` stays bad
        assert!(s("Ford no longer expects a loss as costs rise") < s("Ford no longer expects a loss"));
    }

    #[test]
    fn negated_par_terms_and_stand_alone_negators() {
        assert!(s("Snap's user growth did not meet expectations") < -0.2);
        assert!(s("The trial fails to meet its primary goal") < -0.2);
        assert!(s("Intel unable to find a buyer for the unit") < -0.2);
        assert!(s("FDA declines to approve the drug") < -0.2);
        assert!(s("Apple loses bid to overturn $14 billion EU tax ruling") < -0.2);
        // `declines to $5 billion` is a move, not a refusal
        assert!(s("Revenue declines to $5 billion") < 0.0);
        assert_eq!(s("Apple did not comment"), 0.0);
    }

    #[test]
    fn negated_harm_cancels_its_cause() {
        assert!(s("Walmart says tariffs have not hurt its margins") > 0.15);
        assert!(s("Delta says it sees no hit to demand from government shutdown") > 0.15);
        assert!(s("Export curbs will not have a material impact on revenue") > 0.15);
        assert!(s("Hasbro says tariffs will not dent its profit this year") > 0.15);
        assert!(s("Higher mortgage rates are not weighing on demand") > 0.15);
        assert!(s("Tariffs hurt margins") < -0.3);
    }

    #[test]
    fn negated_quantities_are_absent() {
        assert!(s("Kroger no longer expects same-store sales growth") < -0.2);
        assert!(s("Regulator finds no safety issues with the jet") > 0.2);
    }

    #[test]
    fn korean_negators_written_as_verbs() {
        assert!(s("엔씨소프트, 올해 배당 안 한다") < -0.2);
        assert!(s("SK온 \"더 이상 적자 예상 안 해\"") > 0.2);
        assert!(s("카카오, 연내 흑자 전환 어려울 듯") < -0.2);
        assert!(s("포스코퓨처엠, 연내 흑자전환 기대 어렵다") < -0.2);
        // `안` inside a word is no negator
        assert!(s("새 배당 정책 제안한다") >= 0.0);
    }

    #[test]
    fn negated_plans_for_bad_events_are_good() {
        assert!(s("Lyft says it does not plan to raise equity capital in 2025") > 0.2);
        assert!(s("Peloton says it will not need to raise additional capital this year") > 0.2);
        assert!(s("Disney says it has no plans to cut its dividend") > 0.2);
        assert!(s("Southwest says there is no need to cut flights further") > 0.2);
        // what a denied report says is negated
        assert!(s("Tesla denies report it is scrapping plans for cheaper car") > 0.15);
        assert!(s("Intel denies report that it plans to suspend its dividend") > 0.15);
        assert!(s("삼성SDI \"증자 필요 없다\"") > 0.2);
        assert!(s("현대차 \"추가 감산 계획 없어\"") > 0.2);
    }

    #[test]
    fn korean_negation_flips_the_noun_phrase() {
        assert!(s("추가 리콜 우려 없다") > 0.3);
        assert!(s("인력 구조조정 계획 없어") > 0.2);
        assert!(s("기대치에 부합하지 못해") < -0.2);
        assert!(s("실적 개선 못해") < 0.0);
        assert!(s("차질 없이 진행") > 0.0);
        // the regulator's name is not a layoff (`금감원` holds `감원`)
        assert!(s("금감원 검사 결과 KB금융 회계 위반 사항 없어") > 0.15);
    }

    #[test]
    fn negated_launches_are_bad() {
        assert!(s("Company will not launch its flagship phone this year") < -0.15);
        assert!(s("Studio says no new releases are planned before 2027") < -0.15);
        assert!(s("엔씨소프트, 올해 신작 출시 없다") < -0.15);
        // the delay is what is denied here
        assert!(s("넷마블, 신작 출시 연기 없이 예정대로") > 0.15);
        assert!(s("Carnival says it will not need to raise additional equity this year") > 0.15);
    }

    #[test]
    fn negation_reaches_through_joined_phrases() {
        assert!(s("카카오 \"올해 흑자 전환·배당 재개 어려워\"") < -0.15);
        assert!(s("Intel: no layoffs or plant closures planned in Ireland") > 0.15);
        assert!(s("Rivian says it will not hit its delivery or margin targets this year") < -0.15);
        // a reversal still cancels only the phrase it ends (`감원 및 배당 중단`: both bad)
        assert!(s("감원 및 배당 중단") < -0.15);
    }
}
