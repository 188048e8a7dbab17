//! Routine and mixed news: markers that pull a sentence toward neutral.
//!
//! * **Routine markers** say an event was expected and carries no news: `scheduled
//!   maintenance`, `as planned`, `on schedule`, `정기 보수`, `예정된 일정`, `예정대로`.
//!   A shutdown for scheduled maintenance is not a production problem.
//!   Routine corporate business is marked the same way: relocations, refinancing, AGM
//!   items (`re-elects board`, `재선임`, `본사 이전`, `차환`), policies left as they are
//!   (`not changing our guidance`, `변경 계획 없다`, `전년 수준`, `동결`), yearly habits (`as
//!   it does every year`, `매년`, `하던 대로`), results `in line with` forecasts, and
//!   rumours of a change of people or policy (`교체설`) with their denial. A burden
//!   (`주총서 신주 발행 승인`) is not damped: a share sale is news at any meeting.
//! * **Flat-market markers** say the market did not move: `shares unchanged`, `stock
//!   ends flat`, `little changed`, `주가 보합`, `제자리`. The market's own verdict on the
//!   rest of the sentence is that it was no news.
//! * **Mixed verdicts** — a result that beats on one line and misses on another
//!   (`beats on earnings but misses on revenue`, `매출은 상회했지만 영업이익은 하회`) —
//!   cancel out rather than letting the later one win.
//!
//! Each damps every value of the sentence by [`ROUTINE_DAMP`]; a market move written as
//! a number (`shares fall 5%`) is not routine, and the markers then do nothing.

use super::lexicon::{Cue, QtyKind};
use super::rules::{Hit, Values};

/// Factor applied to a sentence's values when a routine or flat-market marker is there.
const ROUTINE_DAMP: f64 = 0.25;
/// Factor applied to the verdicts of a sentence whose verdicts disagree.
const MIXED_DAMP: f64 = 0.3;

/// Applies the routine, flat-market and mixed-verdict damping to the sentence's values.
pub(super) fn apply(hits: &[Hit], v: &mut Values) {
    let routine = hits.iter().any(|h| matches!(h.cue, Cue::Routine));
    let market_moved = hits.iter().enumerate().any(|(i, h)| {
        matches!(h.cue, Cue::Move { .. })
            && v.val[i] != 0.0
            && v.anchor[i].is_some_and(|q| {
                matches!(
                    hits[q].cue,
                    Cue::Quantity {
                        kind: QtyKind::Market,
                        ..
                    }
                )
            })
    });
    if routine && !market_moved {
        // a share sale approved at a routine meeting is still a share sale
        for (h, x) in hits.iter().zip(v.val.iter_mut()) {
            if !matches!(h.cue, Cue::Burden(_)) {
                *x *= ROUTINE_DAMP;
            }
        }
        return;
    }
    let verdicts = |positive: bool| {
        hits.iter()
            .zip(&v.val)
            .any(|(h, &x)| matches!(h.cue, Cue::Verdict(_) | Cue::Compare { .. }) && (x > 0.0) == positive && x != 0.0)
    };
    if verdicts(true) && verdicts(false) {
        for (h, x) in hits.iter().zip(v.val.iter_mut()) {
            if matches!(h.cue, Cue::Verdict(_) | Cue::Compare { .. }) {
                *x *= MIXED_DAMP;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::offline::rules::score_sentence as s;

    fn neutral(x: f64) -> bool {
        x.abs() < 0.2
    }

    #[test]
    fn routine_markers_are_neutral() {
        assert!(neutral(s(
            "Tesla plant in Berlin pauses production for scheduled maintenance, as planned"
        )));
        assert!(neutral(s(
            "현대제철, 정기 보수 위해 당진 고로 가동 일시 중단…예정된 일정"
        )));
        assert!(neutral(s("LG화학, 여수공장 계획된 정기 보수로 가동 중단")));
        assert!(neutral(s(
            "BP's Whiting refinery resumes operations after planned outage"
        )));
        // an unscheduled halt is still bad news
        assert!(s("Tesla halts production in Berlin") < -0.2);
    }

    #[test]
    fn a_flat_market_makes_mixed_news_neutral() {
        assert!(neutral(s(
            "Cisco beats on revenue but misses on margins; shares unchanged"
        )));
        assert!(neutral(s("삼성전기, 매출 감소·영업익 증가 엇갈린 실적…주가는 제자리")));
        // a market move written as a number is news
        assert!(s("Nike misses estimates; shares fall 5%") < -0.3);
    }

    #[test]
    fn mixed_verdicts_cancel() {
        assert!(neutral(s("Pfizer beats on earnings but misses on revenue")));
        assert!(neutral(s("현대차, 매출은 예상 상회했지만 영업이익은 하회")));
    }

    #[test]
    fn routine_corporate_events_are_neutral() {
        assert!(neutral(s("Bank completes refinancing of its 2026 notes")));
        assert!(neutral(s("Utility completes relocation of headquarters to Atlanta")));
        assert!(neutral(s(
            "Retailer cuts prices on summer goods, as it does every year"
        )));
        assert!(neutral(s("'We are not changing our guidance,' CEO says")));
        assert!(neutral(s("SK, 회사채 차환 발행 마무리")));
        assert!(neutral(s("LG전자, 본사 이전 작업 마무리")));
        assert!(neutral(s("KB금융 \"배당 정책 변경 계획 없다\"")));
        assert!(neutral(s("카카오, 대표 교체설 \"사실무근\"")));
    }

    #[test]
    fn a_beat_and_an_elliptical_miss_cancel() {
        assert!(neutral(s("Profit slightly above forecasts, sales slightly below")));
        assert!(neutral(s("Company says it will not be altering its buyback policy")));
    }
}
