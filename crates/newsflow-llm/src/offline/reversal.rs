//! Reversals: terms that cancel what they attach to.
//!
//! Cancelling a bad thing is good news and cancelling a good thing bad news, so a
//! reversal flips the value of the phrase it attaches to. A cancelled phrase that carried
//! little weight on its own (`contract terminated`, `관세 면제`) still makes news: the
//! result is lifted to at least [`REVERSE_FLOOR`].
//!
//! * English verbs take the object after them (`judge dismisses shareholder lawsuit`,
//!   `overturning a $137 million verdict`, `clears Qualcomm of infringement`) or, as
//!   participles, the phrase before them (`buyout offer withdrawn`, `takeover is
//!   blocked`). Some only cancel bad things (`cleared of wrongdoing` but `deal cleared`,
//!   `wins lawsuit` but `wins contract`); some need the bad thing right after them (`ends
//!   probe`, `avoids strike`, `closes investigation`) or, ending their clause, take the
//!   phrase before (`strike ends`); `drop`/`lift` are moves unless a bad thing follows
//!   them (`drops antitrust investigation`, `lifts tariffs`).
//! * Korean reversal nouns follow the noun phrase they cancel (`흑자전환 실패`, `파업 철회`,
//!   `소송 기각`, `승인 거부`, `우려 해소`, `적자 탈출`); the phrase ends at a particle that
//!   closes it, so `부진으로 수주 취소` cancels only the orders (see `scope.rs`).
//! * With nothing to cancel, a reversal is worth its own value (`FDA rejects the
//!   application` is bad, `FDA clears the drug` good).

use super::lexicon::{Cancels, Cue, QtyKind};
use super::rules::{gap_before, Geometry, Hit, Lang, Values};
use super::scope::{korean_chain, Scope};
use super::text::{Tok, TokKind};

/// Smallest size of the value a reversal produces when it cancels something.
const REVERSE_FLOOR: f64 = 0.5;

/// English moves that mean "remove" when a bad thing follows them (`drops charges`,
/// `lifts tariffs`).
const REMOVE_BAD: &[&str] = &[
    "drop", "drops", "dropped", "dropping", "lift", "lifts", "lifted", "lifting",
];
/// English moves that mean "refuse" when a good thing follows them (`declines approval`).
const REFUSE_GOOD: &[&str] = &["decline", "declines", "declined", "declining"];
/// English reversals that mean "shut" when a facility follows them (`to close 100 stores`).
const SHUT: &[&str] = &["close", "closes", "closed", "closing"];

/// Re-reads words whose role depends on what follows them:
/// * `drop`/`lift` + a bad thing cancel it (`drops antitrust investigation`);
/// * `decline` + a good thing refuses it (`FDA declines approval`);
/// * `close` + a quantity (facilities) is a cut (`to close 100 stores`);
/// * a reversal as the first word is a company name (`Block to cut jobs`), headlines
///   start with their subject.
pub(super) fn english_dual_use(toks: &[Tok], hits: &mut [Hit], scope: &Scope) {
    for i in 0..hits.len() {
        let single = hits[i].end == hits[i].start + 1;
        let word = match toks.get(hits[i].start).map(|t| &t.kind) {
            Some(TokKind::Word(w)) if single => w.as_str(),
            _ => continue,
        };
        let next = hits.get(i + 1).filter(|n| n.clause == hits[i].clause);
        let tight_next = next.filter(|n| tight(hits[i].end, n.start, scope));
        let is_move = matches!(hits[i].cue, Cue::Move { .. });
        let is_reverse = matches!(hits[i].cue, Cue::Reverse { .. });
        if is_reverse && hits[i].start == 0 {
            hits[i].cue = Cue::Inert;
        } else if is_move && REMOVE_BAD.contains(&word) && tight_next.is_some_and(|n| is_bad(n.cue)) {
            hits[i].cue = Cue::Reverse {
                alone: 0.0,
                cancels: Cancels::BadThingRightAfter,
                participle: false,
            };
        } else if is_move && REFUSE_GOOD.contains(&word) && tight_next.is_some_and(|n| is_good(n.cue)) {
            hits[i].cue = Cue::Reverse {
                alone: 0.0,
                cancels: Cancels::Anything,
                participle: false,
            };
        } else if is_reverse && SHUT.contains(&word) && next.is_some_and(|n| facility_follows(toks, hits[i].end, n)) {
            hits[i].cue = Cue::Move {
                dir: -1.0,
                anchored: 0.6,
                alone: 0.0,
            };
        }
    }
}

/// `n` is a plain quantity starting within two tokens of `end`, with only numbers and
/// determiners between (`close 100 stores`, `close the plant`).
fn facility_follows(toks: &[Tok], end: usize, n: &Hit) -> bool {
    let plain = matches!(
        n.cue,
        Cue::Quantity {
            kind: QtyKind::Plain,
            ..
        }
    );
    let between_ok = (end..n.start).all(|k| match toks.get(k).map(|t| &t.kind) {
        Some(TokKind::Num { .. }) => true,
        Some(TokKind::Word(w)) => matches!(w.as_str(), "a" | "an" | "the" | "its" | "their" | "more" | "some"),
        None => false,
    });
    plain && n.start >= end && n.start - end <= 2 && between_ok
}

/// A term that is good news by itself.
fn is_good(cue: Cue) -> bool {
    matches!(cue, Cue::Polar(w) | Cue::Verdict(w) | Cue::Assent(w) if w > 0.0)
}

/// Marks English reversals written as past participles (`withdrawn`, `terminated`,
/// `thrown out`): only they may cancel the phrase before them (`buyout offer withdrawn`),
/// while `wins dismissal of a case` must not cancel the win.
pub(super) fn english_participles(toks: &[Tok], hits: &mut [Hit]) {
    for h in hits.iter_mut() {
        let Cue::Reverse { alone, cancels, .. } = h.cue else {
            continue;
        };
        let head = match &toks.get(h.start).map(|t| &t.kind) {
            Some(TokKind::Word(w)) => w.as_str(),
            _ => continue,
        };
        let participle = head.ends_with("ed")
            || matches!(
                head,
                "withdrawn" | "thrown" | "struck" | "overturned" | "untrue" | "false" | "baseless" | "inaccurate"
            );
        h.cue = Cue::Reverse {
            alone,
            cancels,
            participle,
        };
    }
}

/// A term that is bad news by itself.
fn is_bad(cue: Cue) -> bool {
    match cue {
        Cue::Polar(w) | Cue::Harm(w) | Cue::Verdict(w) | Cue::Burden(w) => w < 0.0,
        Cue::Quantity { pol, alone, .. } => pol < 0.0 && alone < 0.0,
        _ => false,
    }
}

/// At most one filler token (`a`, `the`, `its`) between `end` and `start`.
fn tight(end: usize, start: usize, scope: &Scope) -> bool {
    gap_before(end, start).is_some_and(|d| d <= 1) && scope.only_filler(end, start)
}

/// Applies hit `i`, if it is a reversal, to the current values.
pub(super) fn apply(hits: &[Hit], i: usize, v: &mut Values, g: &Geometry, scope: &Scope) {
    let Cue::Reverse {
        alone,
        cancels,
        participle,
    } = hits[i].cue
    else {
        return;
    };
    let carries = |j: usize, val: &[f64]| matches!(hits[j].cue, Cue::Par { .. }) || val[j] != 0.0;
    let objects: Vec<usize> = match (g.lang, cancels) {
        (Lang::En, Cancels::BadThingRightAfter) => {
            let after = tight_bad_object(hits, i, &v.val, scope);
            if after.is_empty() && ends_clause(hits, i) && !after_determiner(hits, i, scope) {
                english_object(hits, i, true, &v.val, g, scope)
            } else {
                after
            }
        }
        (Lang::En, Cancels::BadThings) => {
            let object = english_object(hits, i, participle, &v.val, g, scope);
            if object.iter().all(|&j| v.val[j] < 0.0) {
                object
            } else {
                Vec::new()
            }
        }
        (Lang::En, Cancels::Anything) => english_object(hits, i, participle, &v.val, g, scope),
        // a completion (`마무리`, worth nothing alone) does not cancel a burden: the share
        // sale it completes took place (see `burden.rs`); nor does it reach past an earlier
        // reversal, which has already settled its phrase (`의혹 무혐의 종결`; but a failure
        // does: `적자 탈출 실패`)
        (Lang::Ko, _) => korean_chain(hits, i, g, scope)
            .into_iter()
            .filter(|&j| carries(j, &v.val))
            .filter(|&j| !(alone == 0.0 && (j + 1..i).any(|k| matches!(hits[k].cue, Cue::Reverse { .. }))))
            // a reversal that is good news alone (`승소`, `해소`, `탈출`) only cancels bad
            // things: `과징금 취소 소송 승소` leaves the cancelled fine cancelled
            .filter(|&j| alone <= 0.0 || v.val[j] < 0.0)
            .filter(|&j| !(alone == 0.0 && matches!(hits[j].cue, Cue::Burden(_) | Cue::Reverse { .. })))
            .collect(),
    };
    if objects.is_empty() {
        v.val[i] = alone;
        return;
    }
    let mut total = 0.0;
    for j in objects {
        v.val[j] = match hits[j].cue {
            Cue::Par { negated } => negated,
            _ => -v.val[j],
        };
        total += v.val[j];
    }
    v.val[i] = if total != 0.0 && total.abs() < REVERSE_FLOOR {
        total.signum() * (REVERSE_FLOOR - total.abs())
    } else {
        0.0
    };
}

/// Nothing of its clause follows hit `i` (`merger talks end`).
fn ends_clause(hits: &[Hit], i: usize) -> bool {
    hits.get(i + 1).is_none_or(|next| next.clause != hits[i].clause)
}

/// Hit `i` follows a determiner, so it is a noun (`its last close`), not a verb.
fn after_determiner(hits: &[Hit], i: usize, scope: &Scope) -> bool {
    let start = hits[i].start;
    start > 0 && scope.only_filler(start - 1, start)
}

/// `ends probe`, `avoids a strike`: the bad phrase right after the reversal.
fn tight_bad_object(hits: &[Hit], i: usize, val: &[f64], scope: &Scope) -> Vec<usize> {
    let mut out = Vec::new();
    let mut end = hits[i].end;
    for (j, h) in hits.iter().enumerate().skip(i + 1) {
        let attached = h.clause == hits[i].clause && tight(end, h.start, scope) && val[j] < 0.0;
        if !attached || (!out.is_empty() && h.start != end) {
            break;
        }
        out.push(j);
        end = h.end;
    }
    out
}

/// The object of an English reversal: the first valued phrase after it within
/// `rev_forward` tokens (not across a stop), else, for a participle, the one right
/// before it within `rev_backward` tokens. A phrase is a run of adjacent valued terms.
fn english_object(hits: &[Hit], i: usize, participle: bool, val: &[f64], g: &Geometry, scope: &Scope) -> Vec<usize> {
    let h = &hits[i];
    let carries = |j: usize| matches!(hits[j].cue, Cue::Par { .. }) || val[j] != 0.0;
    let stopper = |j: usize| matches!(hits[j].cue, Cue::Negator { .. } | Cue::Reverse { .. });
    let first_after = (i + 1..hits.len())
        .take_while(|&j| {
            hits[j].clause == h.clause
                && gap_before(h.end, hits[j].start).is_some_and(|d| d <= g.rev_forward)
                && scope.open(h.end, hits[j].start, false)
                && !stopper(j)
        })
        .find(|&j| carries(j));
    if let Some(first) = first_after {
        let mut out = vec![first];
        for j in first + 1..hits.len() {
            let adjacent =
                hits[j].clause == h.clause && gap_before(hits[j - 1].end, hits[j].start).is_some_and(|d| d <= 1);
            if !adjacent || !carries(j) || stopper(j) {
                break;
            }
            out.push(j);
        }
        return out;
    }
    if !participle {
        return Vec::new();
    }
    let first_before = (0..i)
        .rev()
        .take_while(|&j| {
            hits[j].clause == h.clause
                && gap_before(hits[j].end, h.start).is_some_and(|d| d <= g.rev_backward)
                && scope.open(hits[j].end, h.start, false)
                && !stopper(j)
        })
        .find(|&j| carries(j));
    let Some(first) = first_before else {
        return Vec::new();
    };
    let mut out = vec![first];
    for j in (0..first).rev() {
        let adjacent = hits[j].clause == h.clause && gap_before(hits[j].end, hits[j + 1].start).is_some_and(|d| d <= 1);
        if !adjacent || !carries(j) || stopper(j) {
            break;
        }
        out.push(j);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::offline::rules::score_sentence as s;

    #[test]
    fn english_reversal_of_bad_things_is_good() {
        assert!(s("Judge dismisses shareholder lawsuit against Netflix") > 0.3);
        assert!(s("Court throws out antitrust case against Meta") > 0.3);
        assert!(s("Tesla wins appeal, overturning a $137 million verdict") > 0.3);
        assert!(s("Jury clears Qualcomm of patent infringement") > 0.3);
        assert!(s("SEC ends probe into the company") > 0.3);
        assert!(s("EU drops antitrust investigation into Microsoft") > 0.3);
        assert!(s("Prosecutors drop charges against the executive") > 0.3);
        assert!(s("Appeals court overturns ban on imports") > 0.3);
    }

    #[test]
    fn english_reversal_of_good_things_is_bad() {
        assert!(s("Buyout offer for Peloton withdrawn") < -0.3);
        assert!(s("The VMware contract with AT&T terminated early") < -0.3);
        assert!(s("Regulators refuse approval for the deal") < -0.2);
        assert!(s("FDA rejects the vaccine application") < -0.3);
        assert!(s("JetBlue takeover is blocked") < -0.3);
    }

    #[test]
    fn only_participles_reach_back() {
        assert!(s("Alphabet wins dismissal of a long-running privacy case") > 0.2);
        assert!(s("Lawsuit against Netflix dismissed") > 0.3);
    }

    #[test]
    fn some_reversals_only_cancel_bad_things() {
        assert!(s("Microsoft's Activision deal cleared by UK regulator") > 0.3);
        assert!(s("Qualcomm cleared of wrongdoing") > 0.3);
        assert!(s("Tesla wins lawsuit over Autopilot") > 0.3);
        assert!(s("Palantir wins Army contract") > 0.3);
        assert!(s("Apple fails to win approval") < -0.3);
        assert!(s("Court did not dismiss the lawsuit") < -0.2);
        // at the end of a clause, the phrase before
        assert!(s("Boeing strike ends") > 0.3);
        assert!(s("Bids for Walgreens at a premium to its last close") > 0.3);
    }

    #[test]
    fn words_read_by_what_follows_them() {
        assert!(s("FDA declines approval for the insulin") < -0.3);
        assert!(s("Revenue declines 5%") < -0.3);
        assert!(s("Starbucks to close 100 stores in North America") < -0.3);
        assert!(s("Microsoft shares close higher") > 0.3);
        // a reversal as the first word is a name
        assert!(s("Block to cut 1,000 jobs in restructuring") < -0.3);
        assert!(s("PayPal rules out further price cuts") > 0.3);
    }

    #[test]
    fn bad_only_reversals_need_a_bad_object_right_after() {
        assert!(s("Stock closes at record low") < -0.3);
        assert_eq!(s("Apple closes deal talks"), s("Apple deal talks"));
        assert!(s("Shares drop on tariff fears") < -0.3);
        assert!(s("Shares drop 5%") < -0.3);
    }

    #[test]
    fn removal_of_a_bad_thing_is_good() {
        assert!(s("Fed removes asset cap that had restricted Wells Fargo's growth") > 0.2);
        assert!(s("Moody's removes negative outlook on Ford's credit rating") > 0.2);
        assert!(s("Plug Power drops going-concern warning from annual filing") > 0.2);
        assert!(s("Treasury extends waiver on chip export restrictions") > 0.2);
        assert!(s("Court annuls EU's antitrust fine on Intel") > 0.2);
        assert!(s("Court vacates FTC ruling against Illumina") > 0.2);
        assert!(s("Judge tosses patent infringement suit against Apple") > 0.2);
        assert!(s("FDA lifts clinical hold on Intellia gene-editing trial") > 0.2);
        assert!(s("Rite Aid emerges from bankruptcy protection") > 0.2);
        assert!(s("Court lifts injunction that had halted Apple Watch sales") > 0.2);
        assert!(s("Wells Fargo freed from Fed's $1.95 trillion asset cap") > 0.2);
        assert!(s("금호타이어, 채권단 공동관리 조기 졸업") > 0.2);
        assert!(s("에코프로비엠, 양극재 판가 하락 멈췄다") > 0.2);
        assert!(s("한진칼, 경영권 분쟁 종식") > 0.2);
        assert!(s("FTC drops its challenge to Tempur Sealy merger") > 0.2);
        // removing a good thing is not made good news
        assert!(s("Retailer removes the dividend") < 0.15);
        assert!(s("공정위, 삼성웰스토리 제재 철회") > 0.2);
        assert!(s("금융당국, 한국투자증권 영업정지 처분 유예") > 0.2);
        assert!(s("美, 한국산 철강 반덤핑 관세 철폐") > 0.2);
        assert!(s("쌍용차 관리종목 지정 해제") > 0.2);
        assert!(s("대법원, 삼성전자 특허 침해 손해배상 소송 원고 패소 확정") > 0.2);
        assert!(s("S&P, 포스코 신용등급 전망 '부정적' 꼬리표 떼") > 0.2);
    }

    #[test]
    fn denied_reports_are_cancelled() {
        assert!(s("Tesla says reports of Cybertruck production halt are untrue") > 0.2);
        assert!(s("Credit Suisse rumors of capital shortfall are false, bank says") > 0.2);
        assert!(s("삼성바이오 \"공장 가동 중단설 사실 아냐\"") > 0.2);
        assert!(s("롯데케미칼 \"유동성 위기설 사실무근\"") > 0.2);
        assert!(s("티웨이항공 \"올해 유상증자 계획 없다\"…재무 우려 일축") > 0.2);
    }

    #[test]
    fn korean_reversal_cancels_the_phrase_before_it() {
        assert!(s("3분기 흑자전환 실패") < -0.5);
        assert!(s("적자 탈출 실패") < -0.3);
        assert!(s("적자 늪 탈출") > 0.3);
        assert!(s("노조 파업 철회") > 0.3);
        assert!(s("특허 침해 소송 기각") > 0.3);
        assert!(s("공정위 과징금 취소 판결") > 0.3);
        assert!(s("임상 실패 우려 불식") > 0.3);
        assert!(s("미국 관세 면제 받아") > 0.3);
        assert!(s("신약 FDA 승인 거부") < -0.3);
        assert!(s("방산 수출 계약 해지") < -0.3);
        assert!(s("연간 흑자 달성 실패") < -0.3);
        assert!(s("신약 허가 또 불발") < -0.3);
        // a phrase-closing particle stops the reversal: the weak demand stays bad
        assert!(s("수요 부진으로 수주 취소") < -0.8);
        // nothing to cancel: the reversal's own value
        assert!(s("임상 3상 실패") < -0.3);
        // a joined phrase is not cancelled: the layoffs stay bad
        assert!(s("대규모 감원 및 배당 중단 발표") < -0.5);
        assert!(s("대규모 감원과 배당 중단") < -0.5);
        assert!(s("집단 소송 원고 청구 기각") > 0.3);
        assert!(s("분식회계 혐의 무죄 확정") > 0.3);
        assert!(s("과징금 처분 면해") > 0.3);
        assert!(s("유상증자 철회") > 0.3);
        assert!(s("기술수출 계약 반환") < -0.3);
        assert!(s("매각 협상 결렬") < -0.3);
        // a second reversal does not undo the first
        assert!(s("공정위, 네이버 쇼핑 알고리즘 조작 의혹 '무혐의' 종결") > 0.3);
        assert!(s("쿠팡, 공정위 과징금 1,600억원 취소 소송 승소") > 0.3);
        assert!(s("현대건설 \"PF 우발채무 우려 과도\"…리스크 제한적") > 0.2);
    }

    #[test]
    fn collapsed_and_blocked_deals_are_bad() {
        assert!(s("Proposed buyout of the retailer falls through") < -0.2);
        assert!(s("한화-대우조선 합병, 결국 없던 일로") < -0.2);
        assert!(s("공정위, 대한항공-아시아나 결합 불허") < -0.2);
        assert!(s("공정위, 카카오모빌리티 인수 불승인") < -0.2);
    }

    #[test]
    fn released_reserves_and_lifted_watches_are_good() {
        assert!(s("우리금융, 대손충당금 환입으로 흑자전환") > 0.2);
        assert!(s("Company removed from regulator's watch list") > 0.2);
        assert!(s("Bank releases loan-loss reserves, swings to profit") > 0.2);
        // a quoted reversal still reaches the rumour before it
        assert!(s("태영건설, 워크아웃설 \"사실무근\"") > 0.15);
    }

    #[test]
    fn withheld_approval_and_a_brake_on_a_deal_are_bad() {
        assert!(s("Chip deal falls through after China withholds approval") < -0.2);
        assert!(s("공정위, 한화의 대우조선 인수에 제동") < -0.15);
        // a brake on a decline is still good news
        assert!(s("판가 하락에 제동") > 0.15);
    }
}
