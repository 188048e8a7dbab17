//! Outlooks of costs: a raised estimate of a cost is bad news.
//!
//! A move normally takes the polarity of the quantity it anchors to, and an outlook
//! (`guidance`, `forecast`, `estimate`, `가이던스`, `전망`) is more-is-better: `raises
//! guidance` is good news. But when the outlook is *of* a cost or a loss, the thing that
//! rises is the cost: `raises its estimate of medical costs`, `lifts its expense
//! guidance`, `raises full-year loss forecast`, `유류비·정비비 가이던스 상향`, `손실 추정액
//! 상향` are bad news. [`measured_by_outlook`] hands such a move the cost instead of the
//! outlook: a more-is-worse quantity right before the outlook (`expense guidance`,
//! `비용 가이던스`) or shortly after it (`estimate of medical costs`, `forecast for the
//! medical cost ratio`).

use super::lexicon::{Cue, QtyKind};
use super::rules::{gap_before, Hit};

/// Largest gap between a cost and the outlook after it (`medical cost forecast`).
const BEFORE_GAP: usize = 1;
/// Largest gap between an outlook and the cost after it (`estimate of medical costs`).
const AFTER_GAP: usize = 3;

fn is_cost(cue: Cue) -> bool {
    matches!(
        cue,
        Cue::Quantity {
            pol,
            kind: QtyKind::Plain,
            ..
        } if pol < 0.0
    )
}

/// The quantity a move anchored to `q` really measures: the cost that `q`, an outlook,
/// is about; otherwise `q` itself.
pub(super) fn measured_by_outlook(hits: &[Hit], q: usize) -> usize {
    if !matches!(
        hits[q].cue,
        Cue::Quantity {
            kind: QtyKind::Outlook,
            ..
        }
    ) {
        return q;
    }
    let before = q
        .checked_sub(1)
        .filter(|&j| hits[j].clause == hits[q].clause && is_cost(hits[j].cue))
        .filter(|&j| gap_before(hits[j].end, hits[q].start).is_some_and(|d| d <= BEFORE_GAP));
    let after = Some(q + 1)
        .filter(|&j| j < hits.len() && hits[j].clause == hits[q].clause && is_cost(hits[j].cue))
        .filter(|&j| gap_before(hits[q].end, hits[j].start).is_some_and(|d| d <= AFTER_GAP));
    before.or(after).unwrap_or(q)
}

#[cfg(test)]
mod tests {
    use crate::offline::rules::score_sentence as s;

    #[test]
    fn raised_outlooks_of_costs_are_bad() {
        assert!(s("CVS raises its estimate of medical costs for the year") < -0.2);
        assert!(s("Macy's lifts its expense guidance for the year") < -0.2);
        assert!(s("UnitedHealth raises forecast for medical cost ratio") < -0.2);
        assert!(s("Meta Q3: revenue +19% YoY to $40.6B; capex guide raised; stock -4% AH") < -0.2);
        assert!(s("Hertz raises its estimate of vehicle depreciation costs for the year") < -0.2);
        assert!(s("Boeing raises its forecast for 777X certification costs") < -0.2);
        assert!(s("Anthem ups estimate of cost trend for 2025 to 9%") < -0.2);
        assert!(s("대한항공, 인건비 가이던스 상향 조정") < -0.2);
        assert!(s("아시아나항공, 유류비·정비비 가이던스 상향") < -0.2);
        assert!(s("한국가스공사, 미수금 추정치 상향") < -0.2);
        // a lowered outlook of a loss, written as two values, is good
        assert!(s("쿠팡, 영업손실 전망 1,000억원서 300억원으로 하향") > 0.2);
        // an outlook of anything else is more-is-better
        assert!(s("Netflix raises revenue guidance") > 0.3);
        assert!(s("가이던스 상향") > 0.2);
    }
}
