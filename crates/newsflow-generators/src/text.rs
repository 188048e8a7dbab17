//! News headline text: company names and templates per language and sentiment.
//!
//! Templates use `{placeholders}` filled from one draw of facts per item, so the numbers in
//! a headline agree with the item (e.g. "Shares up 3.2%" is the item's real price impact).

use newsflow_common::time;

use crate::market::{ScheduledNews, Sentiment};
use crate::rng::Rng;

/// Display names of a listed company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Company {
    pub ticker: &'static str,
    pub name_en: &'static str,
    pub name_ko: &'static str,
    pub product_en: &'static str,
    pub product_ko: &'static str,
}

const fn co(
    ticker: &'static str,
    name_en: &'static str,
    name_ko: &'static str,
    product_en: &'static str,
    product_ko: &'static str,
) -> Company {
    Company {
        ticker,
        name_en,
        name_ko,
        product_en,
        product_ko,
    }
}

/// Companies with known names; other symbols use the ticker itself as the name.
pub const COMPANIES: &[Company] = &[
    co("AAPL", "Apple", "애플", "iPhone", "아이폰"),
    co("AMZN", "Amazon", "아마존", "AWS cloud", "AWS 클라우드"),
    co("NVDA", "Nvidia", "엔비디아", "AI chip", "AI 반도체"),
    co("TSLA", "Tesla", "테슬라", "electric vehicle", "전기차"),
    co("META", "Meta", "메타", "digital advertising", "디지털 광고"),
    co("GOOG", "Alphabet", "알파벳", "search advertising", "검색 광고"),
    co("GOOGL", "Alphabet", "알파벳", "search advertising", "검색 광고"),
    co("MSFT", "Microsoft", "마이크로소프트", "Azure cloud", "애저 클라우드"),
    co("NFLX", "Netflix", "넷플릭스", "streaming", "스트리밍"),
    co("AMD", "AMD", "AMD", "data-center CPU", "데이터센터 CPU"),
    co("ORCL", "Oracle", "오라클", "cloud infrastructure", "클라우드 인프라"),
    co("CRM", "Salesforce", "세일즈포스", "CRM software", "CRM 소프트웨어"),
    co(
        "ADBE",
        "Adobe",
        "어도비",
        "creative software",
        "크리에이티브 소프트웨어",
    ),
    co("CSCO", "Cisco", "시스코", "networking equipment", "네트워크 장비"),
    co("IBM", "IBM", "IBM", "hybrid cloud", "하이브리드 클라우드"),
    co(
        "TXN",
        "Texas Instruments",
        "텍사스인스트루먼트",
        "analog chip",
        "아날로그 반도체",
    ),
    co("QCOM", "Qualcomm", "퀄컴", "smartphone chip", "스마트폰 칩"),
    co(
        "AVGO",
        "Broadcom",
        "브로드컴",
        "custom AI accelerator",
        "맞춤형 AI 가속기",
    ),
    co("PYPL", "PayPal", "페이팔", "digital payments", "디지털 결제"),
    co("UBER", "Uber", "우버", "ride-hailing", "차량 호출"),
    co("INTC", "Intel", "인텔", "PC processor", "PC 프로세서"),
    co(
        "005930",
        "Samsung Electronics",
        "삼성전자",
        "memory chip",
        "메모리 반도체",
    ),
    co("000660", "SK hynix", "SK하이닉스", "HBM memory", "HBM"),
    co("035420", "NAVER", "네이버", "search platform", "검색 플랫폼"),
    co("035720", "Kakao", "카카오", "messaging platform", "메신저 플랫폼"),
    co("005380", "Hyundai Motor", "현대차", "electric vehicle", "전기차"),
    co(
        "373220",
        "LG Energy Solution",
        "LG에너지솔루션",
        "EV battery",
        "2차전지",
    ),
    co(
        "207940",
        "Samsung Biologics",
        "삼성바이오로직스",
        "biologics manufacturing",
        "바이오의약품 위탁생산",
    ),
    co("051910", "LG Chem", "LG화학", "battery material", "배터리 소재"),
];

/// The company of a symbol (case-insensitive; a `.KS`-style suffix is ignored).
pub fn company(symbol: &str) -> Option<&'static Company> {
    let base = symbol.split('.').next().unwrap_or(symbol);
    COMPANIES.iter().find(|c| c.ticker.eq_ignore_ascii_case(base))
}

const BANKS_EN: &[&str] = &[
    "Morgan Stanley",
    "Goldman Sachs",
    "JPMorgan",
    "Citi",
    "Bank of America",
    "Barclays",
    "UBS",
    "Jefferies",
    "Wells Fargo",
    "Bernstein",
];
const BANKS_KO: &[&str] = &[
    "모건스탠리",
    "골드만삭스",
    "JP모건",
    "씨티",
    "뱅크오브아메리카",
    "바클레이즈",
    "UBS",
    "제프리스",
    "미래에셋증권",
    "삼성증권",
    "KB증권",
    "NH투자증권",
];

const GOOD_EN: &[&str] = &[
    "{co} beats Q{q} estimates; {bank} raises price target to ${pt}. Shares up {move}% after hours.",
    "{co} reports record Q{q} revenue of ${rev}B, up {pct}% year over year, topping analyst forecasts.",
    "{bank} upgrades {co} to Buy, citing accelerating {prod} demand; price target lifted to ${pt}.",
    "{co} raises full-year guidance after strong Q{q}; EPS of ${eps} vs ${est} expected.",
    "{co} announces ${amt}B share buyback and a {pct}% dividend increase.",
    "{co} wins multi-year ${amt}B contract with the U.S. Department of Defense.",
    "{co} and {partner} sign strategic {prod} partnership; stock jumps {move}%.",
    "{co} shares rally {move}% as {prod} demand surges ahead of expectations.",
    "Regulators approve {co_pos} ${amt}B acquisition, clearing the path to close this quarter.",
    "{co} unveils next-generation {prod}; analysts call it a game changer.",
    "{co} margins expand to record levels in Q{q}; {bank} sees further upside to ${pt}.",
    "Activist investor takes stake in {co}, pushes for value-unlocking moves; shares up {move}%.",
    "{co} to join major index; index funds expected to buy ${amt}B of stock.",
    "{co} CEO says orders are well ahead of plan, backlog up {pct}% quarter over quarter.",
    "{co} settles patent dispute with {partner} on favorable terms; stock climbs {move}%.",
    "{co} customer growth beats forecasts by {pct}%; {bank} reiterates Overweight.",
];

const BAD_EN: &[&str] = &[
    "{co} misses Q{q} estimates as revenue falls {pct}%; shares down {move}% after hours.",
    "{bank} downgrades {co} to Sell, cutting price target to ${pt}.",
    "{co} cuts full-year outlook, citing weak {prod} demand. Shares slide {move}%.",
    "{co} to lay off {n} employees amid restructuring; stock falls {move}%.",
    "Regulators open antitrust probe into {co_pos} {prod} business.",
    "{co} discloses {prod} quality defect; remediation costs could reach ${amt}B.",
    "{co} CFO resigns unexpectedly; company delays Q{q} earnings release.",
    "{co} reports Q{q} EPS of ${eps}, well below the ${est} consensus.",
    "Data breach at {co} exposes millions of customer records; shares drop {move}%.",
    "{co} loses key contract to {partner}; analysts see a ${amt}B revenue hit.",
    "{co} faces ${amt}B fine in EU competition case.",
    "Short seller targets {co}, alleging accounting irregularities; shares tumble {move}%.",
    "{co} warns supply chain disruptions will hit {prod} shipments next quarter.",
    "{co} gross margin shrinks for a third straight quarter; {bank} cuts estimates.",
    "{co} suspends buyback to preserve cash; dividend under review.",
    "New export curbs on {prod} sales to China could cost {co} up to ${amt}B a year.",
];

const NEUTRAL_EN: &[&str] = &[
    "{co} to report Q{q} earnings after the close on Thursday; consensus EPS is ${est}.",
    "{co} schedules annual shareholder meeting for next month.",
    "{co} names new head of investor relations.",
    "{bank} initiates coverage of {co} with a Neutral rating and ${pt} price target.",
    "{co} reaffirms full-year guidance; no change to outlook.",
    "{co} files its quarterly 10-Q report with the SEC.",
    "{co} to present at the {bank} technology conference next week.",
    "{co} completes previously announced ${amt}B debt offering.",
    "{co} opens new office in Singapore, planning about {n} hires over five years.",
    "{co} shares trade flat as investors await the Fed decision.",
    "{co} board declares regular quarterly dividend, unchanged from the prior quarter.",
    "{co} updates privacy policy for {prod} users.",
    "{co} and {partner} extend existing supply agreement on similar terms.",
    "{co} posts mixed Q{q} results: revenue in line, EPS ${eps} vs ${est} expected.",
    "Options activity in {co} in line with its 30-day average ahead of index rebalance.",
    "{co} CEO to keynote industry event; no new product announcements expected.",
];

const GOOD_KO: &[&str] = &[
    "{co}, {q}분기 영업이익 시장 예상 상회… 목표주가 {pt}달러로 상향",
    "{bank}, {co} 투자의견 '매수'로 상향… \"{prod} 수요 가속\"",
    "{co}, {q}분기 매출 {rev_eok}억 달러로 사상 최대… 전년 대비 {pct}% 증가",
    "{co}, 연간 실적 가이던스 상향 조정… 시간외 거래서 {move}% 급등",
    "{co}, {amt_eok}억 달러 규모 자사주 매입 발표… 배당도 {pct}% 인상",
    "{co}-{partner}, {prod} 분야 전략적 제휴 체결… 주가 {move}% 상승",
    "{co}, 미 국방부와 {amt_eok}억 달러 규모 다년 계약 수주",
    "{co}, 차세대 {prod} 공개… 증권가 \"판도 바꿀 제품\" 호평",
    "{co} {q}분기 주당순이익 {eps}달러… 컨센서스({est}달러) 웃돌아",
    "{co}, {q}분기 영업이익률 역대 최고… {bank} \"추가 상승 여력 충분\"",
    "행동주의 펀드, {co} 지분 확보… 기업가치 제고 기대감에 주가 {move}% 올라",
    "{co}, 주요 지수 편입 확정… 패시브 자금 {amt_eok}억 달러 유입 전망",
    "{co} CEO \"수주 잔고 전 분기 대비 {pct}% 증가… 계획 크게 웃돌아\"",
    "{co}, {partner}와 특허 분쟁 유리한 조건으로 합의… 주가 {move}% 강세",
    "{co} 인수합병, 규제 당국 승인… 이번 분기 내 거래 마무리",
    "{co}, {prod} 판매 호조에 {q}분기 실적 서프라이즈… 목표주가 줄상향",
];

const BAD_KO: &[&str] = &[
    "{co}, {q}분기 실적 시장 기대 하회… 시간외 거래서 {move}% 급락",
    "{bank}, {co} 투자의견 '매도'로 하향… 목표주가 {pt}달러",
    "{co}, {prod} 수요 부진에 연간 실적 전망 하향",
    "{co}, 구조조정 일환으로 {n}명 감원… 주가 {move}% 하락",
    "규제 당국, {co} {prod} 사업 반독점 조사 착수",
    "{co}, {prod} 품질 결함 발견… 관련 비용 최대 {amt_eok}억 달러 추산",
    "{co} CFO 돌연 사임… {q}분기 실적 발표 연기",
    "{co} {q}분기 주당순이익 {eps}달러… 컨센서스({est}달러) 크게 밑돌아",
    "{co} 대규모 개인정보 유출 사고… 주가 {move}% 급락",
    "{co}, 핵심 고객 계약 {partner}에 뺏겨… 매출 {amt_eok}억 달러 타격 전망",
    "EU, {co}에 {amt_eok}억 달러 과징금 부과",
    "공매도 업체, {co} 회계 부정 의혹 제기… 주가 {move}% 폭락",
    "{co}, 공급망 차질로 다음 분기 {prod} 출하 감소 경고",
    "{co} 매출총이익률 3개 분기 연속 하락… {bank}, 실적 추정치 하향",
    "{co}, 현금 확보 위해 자사주 매입 중단… 배당도 재검토",
    "대중국 {prod} 수출 규제로 {co} 연간 최대 {amt_eok}억 달러 손실 우려",
];

const NEUTRAL_KO: &[&str] = &[
    "{co}, 오는 목요일 장 마감 후 {q}분기 실적 발표… 주당순이익 컨센서스 {est}달러",
    "{co}, 다음 달 정기 주주총회 개최",
    "{co}, 신임 IR 담당 임원 선임",
    "{bank}, {co} 커버리지 개시… 투자의견 '중립', 목표주가 {pt}달러",
    "{co}, 연간 가이던스 유지… 전망 변동 없어",
    "{co}, 미 증권거래위원회에 분기 보고서 제출",
    "{co}, 다음 주 {bank} 기술 콘퍼런스 참가",
    "{co}, 앞서 발표한 {amt_eok}억 달러 규모 회사채 발행 완료",
    "{co}, 싱가포르 신규 사무소 개설… 5년간 약 {n}명 채용 계획",
    "{co} 주가 보합세… 투자자들 연준 결정 관망",
    "{co} 이사회, 전 분기와 동일한 분기 배당 결의",
    "{co}, {prod} 이용자 개인정보 처리방침 개정",
    "{co}-{partner}, 기존 공급 계약 동일 조건으로 연장",
    "{co}, {q}분기 실적 예상 부합… 매출 시장 전망치 수준",
    "{co} 옵션 거래량 30일 평균 수준… 지수 리밸런싱 앞두고 관망",
    "{co} CEO, 업계 행사 기조연설 예정… 신제품 발표는 없을 듯",
];

/// The templates of a language and sentiment.
pub fn templates(korean: bool, sentiment: Sentiment) -> &'static [&'static str] {
    match (korean, sentiment) {
        (false, Sentiment::Good) => GOOD_EN,
        (false, Sentiment::Bad) => BAD_EN,
        (false, Sentiment::Neutral) => NEUTRAL_EN,
        (true, Sentiment::Good) => GOOD_KO,
        (true, Sentiment::Bad) => BAD_KO,
        (true, Sentiment::Neutral) => NEUTRAL_KO,
    }
}

/// The numbers and names one headline may mention.
struct Facts<'a> {
    company: String,
    product: &'a str,
    partner: &'a str,
    bank: &'a str,
    quarter: u32,
    move_pct: f64,
    pct: i64,
    price_target: i64,
    eps: f64,
    est: f64,
    revenue_b: f64,
    amount_b: f64,
    headcount: i64,
}

/// `1234567` → `1,234,567`.
fn group_thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn render(template: &str, f: &Facts<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 48);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        match &after[..close] {
            "co" => out.push_str(&f.company),
            "co_pos" => {
                out.push_str(&f.company);
                out.push_str(if f.company.ends_with('s') { "'" } else { "'s" });
            }
            "prod" => out.push_str(f.product),
            "partner" => out.push_str(f.partner),
            "bank" => out.push_str(f.bank),
            "q" => out.push_str(&f.quarter.to_string()),
            "move" => out.push_str(&format!("{:.1}", f.move_pct)),
            "pct" => out.push_str(&f.pct.to_string()),
            "pt" => out.push_str(&group_thousands(f.price_target)),
            "eps" => out.push_str(&format!("{:.2}", f.eps)),
            "est" => out.push_str(&format!("{:.2}", f.est)),
            "rev" => out.push_str(&format!("{:.1}", f.revenue_b)),
            "rev_eok" => out.push_str(&group_thousands((f.revenue_b * 10.0).round() as i64)),
            "amt" => out.push_str(&format!("{:.1}", f.amount_b)),
            "amt_eok" => out.push_str(&group_thousands((f.amount_b * 10.0).round() as i64)),
            "n" => out.push_str(&group_thousands(f.headcount)),
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The last reported quarter at a date: in July–September companies report Q2.
fn reported_quarter(ms: i64) -> u32 {
    let month = time::to_civil(ms).month;
    match (month - 1) / 3 {
        0 => 4,
        q => q,
    }
}

/// Writes the headline of `item` in Korean or English. `reference_price` anchors price
/// targets; `rng` supplies every other choice.
pub(crate) fn headline(item: &ScheduledNews, korean: bool, reference_price: f64, rng: &mut Rng) -> String {
    let own = company(&item.symbol);
    let company_name = match (own, korean) {
        (Some(c), false) => c.name_en.to_string(),
        (Some(c), true) => c.name_ko.to_string(),
        (None, _) => item.symbol.to_string(),
    };
    let generic_products_en = ["cloud", "AI", "semiconductor", "software", "payments"];
    let generic_products_ko = ["클라우드", "AI", "반도체", "소프트웨어", "결제"];
    let product = match (own, korean) {
        (Some(c), false) => c.product_en,
        (Some(c), true) => c.product_ko,
        (None, false) => *rng.pick(&generic_products_en),
        (None, true) => *rng.pick(&generic_products_ko),
    };
    // A partner that is not the company itself.
    let partners: Vec<&Company> = COMPANIES
        .iter()
        .filter(|c| c.name_en != company_name && c.name_ko != company_name)
        .collect();
    let partner_co = *rng.pick(&partners);
    let partner = if korean { partner_co.name_ko } else { partner_co.name_en };
    let bank = if korean {
        *rng.pick(BANKS_KO)
    } else {
        *rng.pick(BANKS_EN)
    };
    let target_factor = match item.sentiment {
        Sentiment::Good => rng.range_f64(1.10, 1.35),
        Sentiment::Bad => rng.range_f64(0.70, 0.90),
        Sentiment::Neutral => rng.range_f64(0.95, 1.15),
    };
    let est = rng.range_f64(0.40, 5.00);
    let eps = match item.sentiment {
        Sentiment::Good => est * rng.range_f64(1.03, 1.20),
        Sentiment::Bad => est * rng.range_f64(0.70, 0.95),
        Sentiment::Neutral => est * rng.range_f64(0.99, 1.01),
    };
    let facts = Facts {
        company: company_name,
        product,
        partner,
        bank,
        quarter: reported_quarter(item.event_time_ms),
        move_pct: (item.price_impact.abs() * 100.0).max(0.1),
        pct: rng.range_i64(5, 45),
        price_target: (reference_price * target_factor).round().max(1.0) as i64,
        eps,
        est,
        revenue_b: rng.range_f64(2.0, 120.0),
        amount_b: rng.range_f64(0.3f64.ln(), 30f64.ln()).exp(),
        headcount: rng.range_i64(5, 150) * 100,
    };
    let list = templates(korean, item.sentiment);
    let template: &str = rng.pick::<&str>(list);
    render(template, &facts)
}

#[cfg(test)]
pub(crate) fn render_for_test(template: &str) -> String {
    let f = Facts {
        company: "Apple".into(),
        product: "iPhone",
        partner: "Nvidia",
        bank: "UBS",
        quarter: 2,
        move_pct: 3.25,
        pct: 12,
        price_target: 1250,
        eps: 1.5,
        est: 1.25,
        revenue_b: 12.44,
        amount_b: 3.0,
        headcount: 1500,
    };
    render(template, &f)
}
