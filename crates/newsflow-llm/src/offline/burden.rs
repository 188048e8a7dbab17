//! Burdens: what a company takes on at a cost, and the assent that completes it.
//!
//! Approval, success and completion are good news about most things, but not about a
//! capital raise that dilutes shareholders: `wins shareholder approval to issue new
//! shares`, `successfully completes $2 billion stock offering`, `유상증자 성공적 마무리`,
//! `신주 발행 승인`, `전환사채 발행 완료` are all bad news. So:
//!
//! * a [`Cue::Burden`] (`new shares`, `stock offering`, `유상증자`, `전환사채 발행`) is bad
//!   news of its own, like a polar term;
//! * a [`Cue::Assent`] (`approve`, `wins approval`, `completes`, `successfully`, `승인`,
//!   `성공`, `완료`) is good news of its own, but worth nothing when a burden is close
//!   by: it only says the burden happened;
//! * a Korean completion (`마무리`, `종결`: a reversal worth nothing alone) ends a
//!   trouble (`소송 마무리`) but does not cancel a burden: a completed share sale took
//!   place (see `reversal.rs`).
//!
//! * a rise next to a burden (`doubling of authorised share capital`, `발행 가능 주식 수
//!   확대`) is worth nothing of its own: it measures the burden.
//!
//! Cancelling a burden is still good news (`유상증자 철회`, `calls off share sale`), and
//! denying one too (`유상증자 계획 없다`).

use super::lexicon::Cue;
use super::rules::{gap_before, Geometry, Hit, Lang, Values};

/// English: how many tokens apart an assent and a burden of the same clause may be.
const EN_WINDOW: usize = 8;
/// Korean: how many chars apart.
const KO_WINDOW: usize = 20;

/// Whether hits `a` and `b` are close enough for an assent to be about a burden.
fn close(hits: &[Hit], a: usize, b: usize, g: &Geometry) -> bool {
    let (x, y) = if hits[a].start <= hits[b].start { (a, b) } else { (b, a) };
    let window = match g.lang {
        Lang::En => EN_WINDOW,
        Lang::Ko => KO_WINDOW,
    };
    let same_clause = hits[x].clause == hits[y].clause || g.lang == Lang::Ko;
    same_clause && gap_before(hits[x].end, hits[y].start).is_some_and(|d| d <= window)
}

/// Zeroes every assent close to a burden that is still bad news, and every rise close
/// to one: `doubling of authorised share capital`, `수권주식 수 두 배 확대` only say how
/// large the burden is.
pub(super) fn apply(hits: &[Hit], v: &mut Values, g: &Geometry) {
    for i in 0..hits.len() {
        let rise = matches!(hits[i].cue, Cue::Move { dir, .. } if dir > 0.0) && v.val[i] > 0.0;
        if !matches!(hits[i].cue, Cue::Assent(_)) && !rise {
            continue;
        }
        let near_burden =
            (0..hits.len()).any(|j| matches!(hits[j].cue, Cue::Burden(_)) && v.val[j] < 0.0 && close(hits, i, j, g));
        if near_burden {
            v.val[i] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::offline::rules::score_sentence as s;

    #[test]
    fn english_assent_to_a_burden_is_bad() {
        assert!(s("AMC wins shareholder approval to issue up to 150 million new shares") < -0.3);
        assert!(s("Rivian successfully completes $2 billion stock offering") < -0.3);
        assert!(s("Coinbase completes $1 billion convertible bond sale") < -0.3);
        assert!(s("Shareholders approve Lucid's plan to issue $1.5 billion of new stock") < -0.3);
        assert!(s("Rivian has no plans to issue more equity, CFO says") > 0.2);
        // assent to anything else stays good
        assert!(s("Shareholders approve the merger") > 0.3);
    }

    #[test]
    fn korean_assent_to_a_burden_is_bad() {
        assert!(s("에코프로비엠, 3천억원 규모 유상증자 성공적 마무리") < -0.3);
        assert!(s("주총서 셀트리온제약 신주 발행 승인") < -0.3);
        assert!(s("한화솔루션, 전환사채 5천억원 발행 완료") < -0.3);
        assert!(s("LG디스플레이, 1조 유상증자 흥행…청약률 120%") < -0.3);
        assert!(s("AMC raises $250 million through at-the-market share sales") < -0.3);
        assert!(s("SK이노베이션 \"추가 자본 확충 필요 없어\"") > 0.2);
        // cancelling or denying a burden is good news
        assert!(s("유상증자 철회") > 0.3);
        assert!(s("추가 유상증자 계획 없다") > 0.2);
        // a completion still ends a trouble
        assert!(s("특허 소송 마무리") > 0.0);
    }

    #[test]
    fn a_rise_next_to_a_burden_measures_it() {
        assert!(s("Shareholders approve doubling of authorised share capital") < -0.2);
        assert!(s("제넥신, 주총서 발행 가능 주식 총수 3배 확대 승인") < -0.2);
        assert!(s("에이치엘비, 수권주식 수 두 배 확대 정관 변경 승인") < -0.2);
        // a routine meeting does not soften it
        assert!(s("주총서 셀트리온제약 신주 발행 승인") < -0.2);
    }
}
