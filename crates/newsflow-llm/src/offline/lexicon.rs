//! Term lists for English and Korean financial news, with their cues and weights.
//!
//! Every entry maps a surface form to a [`Cue`]: what the term *does* to the
//! score. Most terms are not simply "positive" or "negative":
//!
//! * [`Cue::Polar`] terms carry a fixed polarity (`lawsuit`, `recall`, `호조`, `리콜`).
//! * [`Cue::Move`] terms are verbs/nouns of change (`raises`, `falls`, `증가`, `하락`).
//!   Their sign is combined with the nearest [`Cue::Quantity`], so `raises guidance`
//!   is good while `losses widen` and `비용 증가` are bad, and `cuts costs` /
//!   `적자 축소` are good.
//! * [`Cue::Quantity`] terms are the things that move (`revenue`, `price target`,
//!   `영업이익`, `손실`): `pol` says whether more of it is good (+1) or bad (-1).
//! * [`Cue::Verdict`] terms judge a result against expectations (`beats`, `misses`,
//!   `상회`, `하회`); a verdict outweighs the raw change it judges (`expectation.rs`).
//! * [`Cue::Reverse`] terms cancel what they attach to (`dismisses`, `withdrawn`, `철회`,
//!   `기각`, `실패`), so a cancelled lawsuit is good and a cancelled contract bad
//!   (`reversal.rs`).
//! * Modifiers: negators, harm predicates, par terms, intensifiers/diminishers and
//!   concessive/contrastive markers, which reshape the values of nearby terms (see
//!   `rules.rs`, `negation.rs`).
//!
//! English entries are matched as whole lower-case word sequences (so `beat` does not
//! fire inside `heartbeat`); alternatives are separated by `|` and are normalised with
//! the same tokenizer as the input (hyphens split words: `all-time high` is written
//! `all time high`). Korean entries are matched as substrings because Korean attaches
//! particles and endings directly to stems (`목표주가를`, `급등했다`); a space inside a
//! Korean entry matches zero or more spaces in the text (`흑자 전환` ≈ `흑자전환`).
//! Matching is leftmost-longest, so `적자 전환` wins over `적자` and `목표주가` over `주가`.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::text::{tokenize_en, TokKind};

/// What a matched term contributes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cue {
    /// Fixed sentiment value.
    Polar(f64),
    /// A change in some quantity. `dir` is +1 (up) or -1 (down). When the term is
    /// anchored (a quantity or a percentage is nearby) its value is
    /// `dir * quantity_pol * anchored`; otherwise it is `alone` (already signed).
    Move { dir: f64, anchored: f64, alone: f64 },
    /// A measurable thing. `pol` is +1 when an increase is good, -1 when bad.
    /// `alone` is the (signed) value used when no move refers to it.
    Quantity { pol: f64, alone: f64, kind: QtyKind },
    /// An evaluation of a quantity (`improve`, `개선`, `악화`): attaches to the nearest
    /// quantity like a move, but its sign is its own — `적자폭 개선` is good news.
    Eval(f64),
    /// A result judged against expectations (`beats`, `misses estimates`, `상회`, `하회`):
    /// fixed value, and it outweighs opposite raw changes in the same sentence.
    Verdict(f64),
    /// A comparison with expectations (`loss smaller than forecast`, `$1.4B vs $1.5B
    /// estimate`, `예상보다 적어`, `exceeded estimates`, `컨센서스 하회`): worth `dir` (signed
    /// weight) times the sign of its subject. See `expectation.rs`.
    Compare { dir: f64, subject: Subject },
    /// Cancels or undoes what it attaches to (`dismisses lawsuit`, `offer withdrawn`,
    /// `파업 철회`, `흑자전환 실패`): the attached terms are flipped. `alone` is its value
    /// when there is nothing to cancel; `cancels` says what it may cancel. `participle` is
    /// set by the English scan for past participles (`offer withdrawn`), which may also
    /// cancel the phrase before them. See `reversal.rs`.
    Reverse {
        alone: f64,
        cancels: Cancels,
        participle: bool,
    },
    /// A predicate of damage (`hurt`, `weigh on`, `impact`): when negated, its cause
    /// (`tariffs have not hurt margins`) is cancelled too.
    Harm(f64),
    /// Neutral unless negated (`meet expectations`, `부합`, `달성`); `negated` is the value
    /// under a negator or a reversal (`did not meet expectations`, `달성 실패`).
    Par { negated: f64 },
    /// Flips nearby sentiment (not, never, fails to, 않, 못, 없). `alone` is its value when
    /// there is nothing to flip (`fails to find a buyer`).
    Negator { alone: f64 },
    /// Something taken on at a cost to shareholders (`new shares`, `stock offering`,
    /// `유상증자`): bad news like a polar term, which an assent does not make good and a
    /// Korean completion (`마무리`) does not cancel. See `burden.rs`.
    Burden(f64),
    /// Approval, success, completion (`approve`, `wins approval`, `승인`, `성공`, `완료`):
    /// good news of its own, worth nothing next to a burden. See `burden.rs`.
    Assent(f64),
    /// A routine or flat-market marker (`scheduled maintenance`, `shares unchanged`,
    /// `정기 보수`, `보합`): damps the sentence. See `routine.rs`.
    Routine,
    /// Multiplies the next sentiment-bearing term; contributes `alone` if there is none.
    Intensifier { factor: f64, alone: f64 },
    /// Multiplies the values of the following terms in the same clause (despite, although).
    DiscountFollowing(f64),
    /// Multiplies the values of the terms within `window` units before it in the same
    /// sentence (but, however, 불구하고, 와 달리).
    DiscountPreceding { factor: f64, window: usize },
    /// Matches only to stop a shorter, wrong match (오늘 vs 늘, 연기금 vs 연기).
    Inert,
}

/// What a [`Cue::Quantity`] measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QtyKind {
    /// Results and operations (`revenue`, `loss`, `영업이익`).
    Plain,
    /// The market's own verdict (`shares`, `주가`): a change in it is never outweighed
    /// by an expectation verdict.
    Market,
    /// An expectation itself (`guidance`, `forecast`, `전망치`): never the subject judged
    /// against expectations.
    Outlook,
}

/// What a [`Cue::Reverse`] may cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cancels {
    /// Good or bad (`dismisses lawsuit`, `terminates contract`).
    Anything,
    /// Only bad things; a good object is left alone (`cleared of wrongdoing` vs `deal
    /// cleared by regulator`, `wins lawsuit` vs `wins contract`).
    BadThings,
    /// Only a bad thing right after it (`ends probe`, `avoids a strike`, but `closes at a
    /// record low` is no reversal); at the end of a clause, the phrase before it (`merger
    /// talks end`).
    BadThingRightAfter,
}

/// Where a [`Cue::Compare`] finds the thing compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// Nothing: the comparison is itself a verdict (`better than feared`, `우려보다 양호`).
    Verdict,
    /// The nearest term before (`losses were smaller than expected`, `rise 10%, less than
    /// expected`).
    Before,
    /// The term right after (`narrower loss than expected`), else the one before.
    After,
    /// The nearest quantity before (`revenue of $1.4B vs $1.5B estimate`).
    QuantityBefore,
    /// The nearest non-outlook quantity before, else good news by default (`loss exceeded
    /// estimates` is bad, `revenue exceeded estimates` good, `영업손실 예상치 하회` good).
    Measure,
}

const fn p(w: f64) -> Cue {
    Cue::Polar(w)
}
const fn up(anchored: f64, alone: f64) -> Cue {
    Cue::Move {
        dir: 1.0,
        anchored,
        alone,
    }
}
const fn down(anchored: f64, alone: f64) -> Cue {
    Cue::Move {
        dir: -1.0,
        anchored,
        alone: -alone,
    }
}
/// A quantity where more is better (revenue, target price).
const fn gq(alone: f64) -> Cue {
    Cue::Quantity {
        pol: 1.0,
        alone,
        kind: QtyKind::Plain,
    }
}
/// The market's own quantity (share price, market value): more is better.
const fn mq() -> Cue {
    Cue::Quantity {
        pol: 1.0,
        alone: 0.0,
        kind: QtyKind::Market,
    }
}
/// An expectation (guidance, forecast): more is better.
const fn oq() -> Cue {
    Cue::Quantity {
        pol: 1.0,
        alone: 0.0,
        kind: QtyKind::Outlook,
    }
}
/// A quantity where more is worse (losses, costs, risk); `alone` is given as a magnitude.
const fn bq(alone: f64) -> Cue {
    Cue::Quantity {
        pol: -1.0,
        alone: -alone,
        kind: QtyKind::Plain,
    }
}
const fn v(w: f64) -> Cue {
    Cue::Verdict(w)
}
/// A verdict of size, signed by what it measures (`exceeds`, `상회`, `하회`).
const fn measured(w: f64) -> Cue {
    Cue::Compare {
        dir: w,
        subject: Subject::Measure,
    }
}
/// A reversal; `alone` is its value with nothing to cancel.
const fn rev(alone: f64) -> Cue {
    Cue::Reverse {
        alone,
        cancels: Cancels::Anything,
        participle: false,
    }
}
/// A reversal of bad things only (`cleared of`, `wins lawsuit`); otherwise `alone`.
const fn rev_of_bad(alone: f64) -> Cue {
    Cue::Reverse {
        alone,
        cancels: Cancels::BadThings,
        participle: false,
    }
}
/// A reversal of the bad thing right after it (`ends probe`, `avoids strike`).
const fn rev_bad() -> Cue {
    Cue::Reverse {
        alone: 0.0,
        cancels: Cancels::BadThingRightAfter,
        participle: false,
    }
}
const fn neg(alone: f64) -> Cue {
    Cue::Negator { alone }
}
const fn par(negated: f64) -> Cue {
    Cue::Par { negated }
}
const fn int(factor: f64, alone: f64) -> Cue {
    Cue::Intensifier { factor, alone }
}
const fn burden(w: f64) -> Cue {
    Cue::Burden(w)
}
const fn assent(w: f64) -> Cue {
    Cue::Assent(w)
}
const ROUTINE: Cue = Cue::Routine;
const NEG: Cue = Cue::Negator { alone: 0.0 };
const INERT: Cue = Cue::Inert;

/// English terms. Alternatives separated by `|`.
pub(crate) static ENGLISH: &[(&str, Cue)] = &[
    // ---- beats / misses, surprises -------------------------------------------------
    ("beat|beats|beating|beaten", v(0.8)),
    ("tops|topped|topping", measured(0.6)),
    ("exceed|exceeds|exceeded|exceeding|surpass|surpasses|surpassed|surpassing", measured(0.6)),
    ("outperform|outperforms|outperformed|outperforming", p(0.5)),
    (
        "positive surprise|blowout|blow past|blows past|blew past|sails past|sailed past|crushes expectations|crushed expectations|crushes estimates|crushed estimates",
        v(0.8),
    ),
    ("miss|misses|missed|missing", v(-0.8)),
    ("fall short|falls short|fell short|falling short", v(-0.7)),
    // a narrow beat, signed by what it measures
    ("edges past|edged past|edging past|edge past|squeaks past|squeaked past|ekes past|eked past", measured(0.5)),
    // `above`/`below`/`short of` + an expectation word are read by expectation.rs
    ("comes up short|came up short|coming up short", v(-0.8)),
    ("as bad as feared|as bad as expected|as weak as feared|as weak as expected", v(-0.6)),
    (
        "meet expectations|meets expectations|met expectations|meet estimates|meets estimates|met estimates|meet forecasts|meets forecasts|met forecasts|primary endpoint|primary endpoints|primary goal|main goal|its goal|its goals|on track",
        par(-0.6),
    ),
    // a trial that meets its goal is news (`meets main goal`); `fails to meet` flips it
    (
        "meets primary endpoint|met primary endpoint|meet primary endpoint|meets the primary endpoint|met the primary endpoint|meets its primary endpoint|met its primary endpoint|meets primary endpoints|met primary endpoints|meets both primary endpoints|met both primary endpoints|meets main goal|met main goal|meet main goal|meets its main goal|met its main goal|meet its main goal|meets primary goal|met primary goal|meets its primary goal|met its primary goal|meet its primary goal|achieves primary endpoint|achieved primary endpoint|hits primary endpoint|hit primary endpoint|hits main goal|hit main goal",
        p(0.8),
    ),
    ("disappoint|disappoints|disappointed|disappointing|disappointment", p(-0.7)),
    // ---- analyst actions -----------------------------------------------------------
    ("upgrade|upgrades|upgraded|upgrading", p(0.8)),
    ("downgrade|downgrades|downgraded|downgrading", p(-0.8)),
    ("overweight|buy rating|strong buy|top pick", p(0.3)),
    ("underweight|underperform rating|sell rating", p(-0.4)),
    ("bullish|upbeat", p(0.6)),
    ("bearish", p(-0.6)),
    ("optimistic|optimism|confident|confidence|impress|impresses|impressed|impressive", p(0.4)),
    ("pessimistic|pessimism|cautious", p(-0.4)),
    // ---- tone adjectives ------------------------------------------------------------
    ("strong|stronger|strongest|robust|healthy|resilient", p(0.4)),
    ("solid", p(0.3)),
    ("weak|weaker|weakest|weakness|weakening|weakens|weakened", p(-0.5)),
    ("soft|softer|softness|sluggish|tepid|lackluster|lacklustre", p(-0.4)),
    ("bleak|gloomy|grim|dismal", p(-0.5)),
    ("positive", p(0.4)),
    ("problem|problems|safety issue|safety issues|quality issue|quality issues|safety concerns", p(-0.4)),
    (
        "share offering|stock offering|secondary offering|equity offering|dilution|dilutive|new shares|additional shares|new stock|share sale|stock sale|share issuance|equity raise|capital raise|raise capital|raise equity|raise equity capital|raise additional capital|equity capital|tap bond markets|convertible notes|convertible bonds|convertible bond|convertible note|convertible bond sale|convertible note sale|convertible notes offering|equity raises|capital raises|share sales|stock sales|share offerings|stock offerings|more equity|new equity|issue equity|issue shares|issue stock|at the market share sale|at the market share sales|at the market offering|at the market offerings|at the market program|at the market stock sale|at the market stock sales|authorised share capital|authorized share capital|authorized shares|authorised shares|authorized common stock|additional equity|raise additional equity|more shares|issue more shares|sell more shares|sell new shares|tap equity markets|tap the equity markets",
        burden(-0.5),
    ),
    (
        "successfully|successful",
        assent(0.2),
    ),
    (
        "scheduled maintenance|planned maintenance|routine maintenance|annual maintenance|planned outage|planned shutdown|planned turnaround|scheduled outage|scheduled shutdown|as planned|as scheduled|previously announced|shares unchanged|stock unchanged|shares flat|stock flat|ends flat|little changed|unchanged|in line with|as it does every year|as it does each year|as it does annually|as every year|annual general meeting|annual meeting|general meeting|agm|re elect|re elects|re elected|reelect|reelects|reelected|relocation|relocates headquarters|relocated headquarters|relocate headquarters|refinancing|refinance|refinances|refinanced|not changing|not change|no change|no changes|not be changing|won't change|will not change|not alter|not altering|not be altering|won't alter|will not alter|no plans to change|no plans to alter|remain unchanged|remains unchanged|held at|holds steady|held steady|last year's level|same level",
        ROUTINE,
    ),
    ("fire|fires|blaze|explosion|explosions|blast|flooding|flood|floods|earthquake|power outage|blackout", p(-0.6)),
    ("shut|shuts|shutting|shutdown|shutdowns", p(-0.5)),
    ("joint venture|joint ventures|jv", p(0.5)),
    // a product or plan that is neutral news unless it is called off (`no new releases
    // planned`, `will not launch`)
    (
        "launch|launches|release|releases|new releases|new products|new product|new models|new titles|new games|new game|new films|new movies",
        par(-0.5),
    ),
    // an elliptical verdict after a beat (`profit slightly above forecasts, sales slightly
    // below`), signed by what it measures
    ("slightly below|just below|marginally below|a little below", measured(-0.5)),
    ("falls through|fell through|fall through|falling through|unravels|unraveled|unravelled", p(-0.7)),
    (
        "watch list|watchlist|credit watch|creditwatch negative|watch negative|review for downgrade|review for a downgrade|review for possible downgrade",
        p(-0.5),
    ),
    ("releases reserves|released reserves|reserve release|reserve releases|releases loan loss reserves|released loan loss reserves", p(0.6)),
    ("resume|resumes|resumed|resuming|reinstate|reinstates|reinstated|restore|restores|restored", p(0.3)),
    ("negative", p(-0.4)),
    ("positive impact|favorable impact|favourable impact", p(0.5)),
    ("record high|record highs|all time high|all time highs|all time peak|record peak|new high|new highs|fresh high|fresh highs|fresh record|52 week high", p(0.9)),
    ("record low|record lows|all time low|multi year low|new low|new lows|fresh low|fresh lows|52 week low", p(-0.8)),
    ("worst|worst day|worst week", p(-0.6)),
    ("best day|best week", p(0.6)),
    // ---- profitability --------------------------------------------------------------
    ("profitable|profitability", p(0.4)),
    (
        "turns profitable|turned profitable|turn profitable|return to profit|returns to profit|returned to profit|swings to profit|swung to profit|back in the black",
        p(0.9),
    ),
    (
        "swings to loss|swung to loss|swings to a loss|swung to a loss|into the red|in the red",
        p(-0.9),
    ),
    ("profit warning|guidance cut", p(-0.9)),
    // ---- deals, approvals, capital return ------------------------------------------
    // `wins lawsuit` cancels the lawsuit, `wins contract` is simply good
    ("win|wins|won|winning", rev_of_bad(0.5)),
    ("secure|secures|secured|award|awards|awarded|land|lands|landed|clinch|clinches|clinched", p(0.4)),
    ("contract|contracts|deal|deals|agreement", p(0.2)),
    ("approval|approvals|approve|approves|approved", assent(0.5)),
    (
        "wins approval|win approval|won approval|wins shareholder approval|won shareholder approval|receives approval|received approval|gets approval|secures approval|obtains approval",
        assent(0.8),
    ),
    ("partnership|partners with|teams up|collaboration", p(0.3)),
    ("breakthrough", p(0.6)),
    (
        "buyback|buybacks|repurchase|repurchases|share repurchase|stock buyback|repurchase program",
        p(0.6),
    ),
    (
        "first ever dividend|initiates dividend|initiates a dividend|special dividend|dividend increase|dividend hike",
        p(0.6),
    ),
    ("dividend cut", p(-0.7)),
    ("investment|investments|invest|invests|investing|funding", p(0.3)),
    ("find a buyer|finds a buyer|found a buyer|finding a buyer", p(0.4)),
    (
        "begins shipping|starts shipping|begins supplying|starts supplying|begins production|starts production|begins mass production|starts mass production",
        p(0.4),
    ),
    // a supply deal, written as the supplier's plan (`X to supply fuel-cell systems to Y
    // through 2030`); not `to deliver`, which also delivers keynotes
    (
        "to supply|will supply|agrees to supply|agreed to supply|supply deal|supply agreement|supply contract|delivery deal|delivery contract",
        p(0.4),
    ),
    ("recovery|recover|recovers|recovered|rebound|rebounds|rebounded|rebounding", p(0.5)),
    ("upside|tailwind|tailwinds|momentum", p(0.4)),
    ("boom|booming", p(0.5)),
    ("improve|improves|improved|improving|improvement", Cue::Eval(0.5)),
    (
        "worsen|worsens|worsened|worsening|deteriorate|deteriorates|deteriorated|deteriorating|deterioration",
        Cue::Eval(-0.5),
    ),
    ("accelerate|accelerates|accelerated|accelerating|acceleration", p(0.4)),
    ("cost cuts|cost cutting|cost savings|efficiency gains", p(0.4)),
    ("lifts ban|lifted ban|lifts restrictions|lifted restrictions|eases restrictions", p(0.5)),
    // ---- legal, regulatory ----------------------------------------------------------
    ("lawsuit|lawsuits|litigation|class action", p(-0.6)),
    ("suit|suits", p(-0.4)),
    ("sue|sues|sued|suing", p(-0.6)),
    ("antitrust|monopoly|anticompetitive", p(-0.4)),
    (
        "probe|probes|investigation|investigations|investigate|investigates|investigating|subpoena|inquiry",
        p(-0.5),
    ),
    ("fine|fined|fines|penalty|penalties", p(-0.6)),
    ("settle|settles|settled|settlement", p(-0.2)),
    ("infringement|complaint|complaints|ordered to pay", p(-0.4)),
    // an amount owed: `verdict cut to $30 million from $260 million` is good news
    ("verdict|verdicts", bq(0.4)),
    ("fraud|embezzlement|misconduct|indicted|indictment|charged with", p(-0.9)),
    ("wrongdoing|allegation|allegations|alleged|accused|accuses|accusing", p(-0.5)),
    ("charges|dispute|disputes", p(-0.4)),
    (
        "case against|cases against|lawsuit against|claims against|complaint against|allegations against",
        p(-0.5),
    ),
    ("scandal", p(-0.7)),
    (
        "going concern|going concern warning|going concern doubt|going concern doubts|going concern opinion|negative outlook|complete response letter|enforcement action|consent order|consent decree|cease and desist|clinical hold|partial clinical hold|asset cap|production cap|growth cap|output cap",
        p(-0.7),
    ),
    ("remove|removes|removed|removing|removal|eliminate|eliminates|eliminated|eliminating", rev_of_bad(0.0)),
    (
        "waiver|waivers|exemption|exemptions|reprieve|waiver on|waivers on|exemption from|exemptions from|reprieve from|exemption on",
        rev_of_bad(0.4),
    ),
    ("toss|tosses|tossed|tossing", rev(0.0)),
    (
        "emerge from|emerges from|emerged from|emerging from|exits from|exit from|freed from|frees from|free from",
        rev_of_bad(0.5),
    ),
    ("surprise profit|unexpected profit|surprise gain", p(0.8)),
    ("surprise loss|unexpected loss", p(-0.8)),
    ("hit to|hits to", Cue::Harm(-0.4)),
    ("jury award|damages award|award against|ruling against|rulings against|judgment against|judgement against|order against|decision against", p(-0.5)),
    ("cash outflow|free cash outflow|outflow|outflows", bq(0.3)),
    (
        "criminal probe|criminal investigation|criminal case|criminal charges|criminal inquiry",
        p(-0.6),
    ),
    ("burn|burns|burned|burning", bq(0.2)),
    ("annul|annuls|annulled|annulment", rev(0.0)),
    ("untrue|false|baseless|unfounded|inaccurate", rev(0.0)),
    ("ban|bans|banned|banning", p(-0.5)),
    ("restriction|restrictions|curbs|export controls|sanction|sanctions", bq(0.5)),
    ("tariff|tariffs", bq(0.3)),
    ("tax|taxes|levy|levies|digital services tax|windfall tax", bq(0.3)),
    ("tax credit|tax credits|tax break|tax breaks|tax relief", p(0.4)),
    (
        "bad loan charges|loan charges|loan loss charges|impairment charges|credit charges|bad loans",
        bq(0.3),
    ),
    ("surcharge|capital surcharge|surcharges", p(-0.4)),
    ("challenge to|challenges to|legal challenge|antitrust challenge", p(-0.5)),
    ("injunction|injunctions|import ban|sales ban", p(-0.8)),
    (
        "new warehouses|new stores|new plants|new factories|new locations|new restaurants|new branches",
        p(0.4),
    ),
    ("reserves for|loss reserves|reserve charge|reserve strengthening|claims reserves", bq(0.3)),
    // ---- operational trouble --------------------------------------------------------
    ("recall|recalls|recalled|recalling", p(-0.7)),
    ("side effect|side effects|adverse event|adverse events|safety signal", p(-0.5)),
    ("closure|closures|shutter|shutters|shuttered|shuttering", p(-0.5)),
    (
        "layoff|layoffs|lays off|lay off|laid off|laying off|job cuts|job losses|redundancies",
        p(-0.8),
    ),
    ("restructuring", p(-0.3)),
    ("bankruptcy|bankrupt|insolvency|insolvent", p(-1.0)),
    ("default|defaults|defaulted", p(-0.6)),
    ("breach|breaches|hack|hacked|cyberattack|data leak|leak|leaks", p(-0.6)),
    ("outage|outages|disruption|disruptions", p(-0.6)),
    ("warn|warns|warned|warning|warnings", p(-0.5)),
    ("delay|delays|delayed|delaying|postpone|postpones|postponed", p(-0.5)),
    ("flaw|flaws|defect|defects|defective|malfunction", p(-0.5)),
    ("strike|strikes|walkout", p(-0.5)),
    ("halt|halts|halted|halting|shut down|shuts down|wind down|winds down", p(-0.5)),
    ("resign|resigns|resigned|resignation|ousted|ouster|steps down", p(-0.3)),
    ("lose|loses|losing|lost", p(-0.5)),
    ("fail|fails|failed|failure|failures", p(-0.5)),
    ("glut|oversupply", p(-0.6)),
    ("headwind|headwinds", p(-0.4)),
    ("squeeze|squeezes|squeezed|squeezing", p(-0.4)),
    ("selloff|sell off|rout", p(-0.6)),
    ("downturn|slowdown|recession|contraction", p(-0.5)),
    ("shortfall", p(-0.6)),
    (
        "impairment|impairments|writedown|writedowns|write down|write downs|write off|write offs|writeoff|writeoffs",
        p(-0.6),
    ),
    ("struggle|struggles|struggled|struggling|troubled|woes|turmoil|plagued", p(-0.5)),
    ("worrying|worrisome|alarming|backlash|criticism|boycott|balk|balks|balked|spooked|spooks|rattled", p(-0.4)),
    ("shock|shocks", p(-0.5)),
    ("crisis", p(-0.6)),
    (
        "hurt|hurts|hurting|hit by|hit with|weigh on|weighs on|weighed on|weighing on|drag on|dent|dents|dented|derail|derails|derailed|harm|harms|harmed",
        Cue::Harm(-0.4),
    ),
    ("impact|impacts|impacted|affect|affects|affected", Cue::Harm(-0.4)),
    ("material impact|significant impact|material effect|adverse effect|adverse impact", Cue::Harm(-0.5)),
    // ---- takeovers: good news for the company being bought ------------------------------
    (
        "to be acquired|to be bought|to be taken private|to be purchased|agrees to be acquired|agrees to be bought|agreed to be acquired|agreed to be bought|acquired by|bought by|takeover by|buyout by|acquisition by|taken private|take private|go private|going private",
        p(0.6),
    ),
    (
        "takeover|takeovers|buyout|buyouts|takeover offer|takeover bid|buyout offer|buyout bid|acquisition offer|tender offer|takeover proposal|buyout proposal|takeover approach",
        p(0.4),
    ),
    ("bid for|bids for|bidding for", p(0.3)),
    // ---- reversals: cancel what they attach to (see reversal.rs) -------------------------
    ("dismiss|dismisses|dismissed|dismissing|dismissal", rev(0.0)),
    // `denies report of layoffs`, `rules out job cuts`: the event is cancelled outright
    ("deny|denies|denied|denying|rule out|rules out|ruled out|ruling out", rev(0.0)),
    (
        "call off|calls off|called off|calling off|shelve|shelves|shelved|put on hold|puts on hold",
        rev(-0.3),
    ),
    (
        "throw out|throws out|threw out|thrown out|toss out|tosses out|tossed out|quash|quashes|quashed|vacate|vacates|vacated|strike down|strikes down|struck down",
        rev(0.0),
    ),
    ("overturn|overturns|overturned|overturning|reverse|reverses|reversed|reversing|reversal", rev(0.0)),
    ("withdraw|withdraws|withdrew|withdrawn|withdrawing|withdrawal", rev(-0.4)),
    ("terminate|terminates|terminated|terminating|termination", rev(-0.4)),
    ("reject|rejects|rejected|rejecting|rejection|rebuff|rebuffs|rebuffed", rev(-0.5)),
    ("refuse|refuses|refused|refusal", rev(-0.4)),
    ("revoke|revokes|revoked|revocation|rescind|rescinds|rescinded", rev(-0.5)),
    ("block|blocks|blocked|blocking", rev(-0.5)),
    ("abandon|abandons|abandoned|abandoning", rev(-0.4)),
    ("cancel|cancels|canceled|cancelled|cancellation|canceling|cancelling", rev(-0.4)),
    ("scrap|scraps|scrapped|scrapping", rev(-0.4)),
    ("clear|clears|cleared|clearance", rev_of_bad(0.5)),
    ("acquit|acquits|acquitted|acquittal|exonerate|exonerates|exonerated", rev_of_bad(0.6)),
    (
        "end|ends|ended|ending|close|closes|closed|closing|avoid|avoids|avoided|avoiding|avert|averts|averted|escape|escapes|escaped|resolve|resolves|resolved|waive|waives|waived",
        rev_bad(),
    ),
    ("shortage|shortages", p(-0.4)),
    ("price cut|price cuts|price war", p(-0.3)),
    // ---- moves up -------------------------------------------------------------------
    ("raise|raises|raised|raising", up(0.6, 0.1)),
    ("lift|lifts|lifted|lifting", up(0.6, 0.1)),
    ("boost|boosts|boosted|boosting", up(0.6, 0.3)),
    ("hike|hikes|hiked", up(0.5, 0.0)),
    ("ups|upped|upping", up(0.6, 0.1)),
    ("increase|increases|increased|increasing", up(0.5, 0.2)),
    ("rise|rises|rose|risen|rising", up(0.5, 0.4)),
    ("gain|gains|gained|gaining", up(0.5, 0.4)),
    ("grow|grows|grew|grown|growing", up(0.5, 0.3)),
    ("climb|climbs|climbed|climbing", up(0.5, 0.4)),
    ("jump|jumps|jumped|jumping|spike|spikes|spiked|leap|leaps|leaped|leapt|pop|pops|popped", up(0.7, 0.6)),
    ("skyrocket|skyrockets|skyrocketed|rocket|rockets|rocketed|vault|vaults|vaulted", up(0.9, 0.8)),
    ("add|adds|added|adding", up(0.4, 0.0)),
    ("surge|surges|surged|surging|soar|soars|soared|soaring", up(0.8, 0.7)),
    ("rally|rallies|rallied|rallying", up(0.6, 0.6)),
    ("double|doubles|doubled|doubling|triple|triples|tripled", up(0.7, 0.4)),
    ("expand|expands|expanded|expanding|expansion", up(0.4, 0.3)),
    ("widen|widens|widened|widening|wider", up(0.5, 0.0)),
    ("tighten|tightens|tightened|tightening|tighter", up(0.4, 0.0)),
    ("up", up(0.5, 0.0)),
    ("higher", up(0.4, 0.1)),
    // ---- moves down -----------------------------------------------------------------
    ("cut|cuts|cutting", down(0.6, 0.2)),
    ("lower|lowers|lowered|lowering", down(0.6, 0.1)),
    ("slash|slashes|slashed|slashing", down(0.7, 0.4)),
    ("reduce|reduces|reduced|reducing|reduction|reductions", down(0.5, 0.1)),
    ("trim|trims|trimmed|trimming", down(0.5, 0.1)),
    ("decrease|decreases|decreased|decreasing", down(0.5, 0.2)),
    ("decline|declines|declined|declining", down(0.5, 0.4)),
    ("fall|falls|fell|fallen|falling", down(0.5, 0.4)),
    ("drop|drops|dropped|dropping", down(0.5, 0.4)),
    ("slide|slides|slid|sliding", down(0.6, 0.5)),
    ("slip|slips|slipped|slipping|dip|dips|dipped|dipping", down(0.4, 0.3)),
    ("retreat|retreats|retreated|retreating|skid|skids|skidded|erode|erodes|eroded|eroding|erosion", down(0.5, 0.4)),
    ("shed|sheds|shedding", down(0.5, 0.3)),
    ("sink|sinks|sank|sunk|sinking", down(0.7, 0.6)),
    ("plunge|plunges|plunged|plunging|plummet|plummets|plummeted|plummeting|collapse|collapses|collapsed|collapsing|crater|craters|cratered", down(0.9, 0.8)),
    ("decelerate|decelerates|decelerated|decelerating|deceleration", down(0.5, 0.4)),
    ("tumble|tumbles|tumbled|tumbling", down(0.8, 0.7)),
    ("crash|crashes|crashed|crashing", down(0.9, 0.6)),
    ("slump|slumps|slumped|slumping|sag|sags|sagged", down(0.7, 0.6)),
    ("shrink|shrinks|shrank|shrunk|shrinking", down(0.5, 0.3)),
    ("halve|halves|halved", down(0.7, 0.4)),
    ("narrow|narrows|narrowed|narrowing", down(0.5, 0.0)),
    ("suspend|suspends|suspended|suspending|suspension", down(0.6, 0.4)),
    ("slow|slows|slowed|slowing|slower", down(0.5, 0.3)),
    ("ease|eases|eased|easing", down(0.3, 0.0)),
    ("down", down(0.5, 0.0)),
    // ---- quantities: more is better -------------------------------------------------
    (
        "revenue|revenues|sales|earnings|income|net income|eps|margin|margins|target|price target|target price|price objective|rating|credit rating|payout|demand|bookings|orders|backlog|deliveries|shipments|subscribers|users|market share|cash flow|free cash flow|jobs|workforce|headcount|employees|staff|production|output|capacity|same store sales|flights|routes",
        gq(0.0),
    ),
    // facilities: `to close 100 stores` is a cut
    (
        "store|stores|plant|plants|factory|factories|office|offices|branch|branches|location|locations|outlet|outlets|restaurant|restaurants|refinery|refineries|mine|mines|mill|mills",
        gq(0.0),
    ),
    ("guidance|outlook|forecast|forecasts|guide", oq()),
    ("capex|capital expenditure|capital expenditures|capital spending", bq(0.0)),
    ("shares|stock|stocks|market value|valuation|market cap", mq()),
    ("profit|profits|operating profit|net profit", gq(0.3)),
    ("dividend|dividends", gq(0.1)),
    ("growth", gq(0.1)),
    // ---- quantities: more is worse --------------------------------------------------
    ("loss|losses|net loss|operating loss", bq(0.5)),
    ("deficit", bq(0.4)),
    ("cost|costs|expense|expenses|inventory|inventories", bq(0.0)),
    (
        "charge|expected charge|restructuring charge|restructuring charges|warranty charges|warranty charge|provision|provisions|loan loss provisions|credit provisions|medical costs|medical cost ratio|medical cost trend|cost ratio|depreciation costs|wage costs|leverage",
        bq(0.3),
    ),
    ("estimate|estimates", oq()),
    ("cash burn|burn rate", bq(0.2)),
    // bets against the stock: more is worse for it
    ("short interest|short position|short positions|short bets|bearish bets", bq(0.2)),
    ("debt", bq(0.1)),
    ("churn", bq(0.2)),
    ("concern|concerns|worry|worries|fear|fears|jitters|uncertainty|pressure|pressures", bq(0.3)),
    ("risk|risks", bq(0.2)),
    // ---- modifiers ------------------------------------------------------------------
    (
        "sharply|sharp|steep|steeply|significantly|significant|substantially|substantial|strongly|dramatically|massive|huge|sharpest|steepest|biggest|largest|heavily|deep|deeply|big|considerably|double digit|severe|severely",
        int(1.4, 0.0),
    ),
    ("major", int(1.2, 0.0)),
    ("record|record breaking", int(1.4, 0.5)),
    (
        "slightly|modestly|marginally|slight|modest|small|smaller|mild|mildly|minor",
        int(0.5, 0.0),
    ),
    (
        "not|no|never|without|cannot|nor|neither|hardly|barely|no longer|didn't|doesn't|don't|isn't|wasn't|aren't|weren't|won't|wouldn't|can't|couldn't|hasn't|haven't|hadn't|shouldn't|didnt|doesnt|dont|isnt|wasnt|wont|cant|couldnt|hasnt|havent",
        NEG,
    ),
    (
        "fail to|fails to|failed to|failing to|unable to|loses bid to|lost bid to|loses appeal to|lost appeal to|loses fight to|lost fight to",
        neg(-0.5),
    ),
    ("declines to|declined to|decline to|declining to|refuses to|refused to|refuse to", neg(-0.4)),
    // `withholds approval`: the approval is not given
    ("withhold|withholds|withheld|withholding", neg(-0.4)),
    ("yet to|has yet to|have yet to", neg(-0.3)),
    // `denies report it is scrapping plans`: what the report says is denied
    (
        "denies report|denies reports|denied report|denied reports|denies media report|denies media reports|dismisses report|dismisses reports",
        neg(0.3),
    ),
    ("despite|although|though|even as|even though|notwithstanding", Cue::DiscountFollowing(0.3)),
    (
        "but|however|nevertheless|nonetheless",
        Cue::DiscountPreceding {
            factor: 0.45,
            window: 64,
        },
    ),
    // ---- inert: common phrases that would otherwise trigger a wrong cue ---------------
    (
        "up to|set up|sets up|setting up|line up|lined up|follow up|up front|sign up|signs up|shake up|fine tune|not only|no matter|top executive|top executives|weight loss|in narrow|a narrow|narrow range|narrow ranges|declined to comment|declines to comment|decline to comment|refused to comment|no comment|investment bank|investment banks|investment banking|investment banker|investment bankers",
        INERT,
    ),
];

/// Korean terms. Alternatives separated by `|`; a space matches zero or more spaces.
pub(crate) static KOREAN: &[(&str, Cue)] = &[
    // ---- results vs expectations ----------------------------------------------------
    ("호조|호실적|호황", p(0.7)),
    ("선방", v(0.7)),
    ("어닝 서프라이즈|깜짝 실적", v(0.9)),
    ("서프라이즈", v(0.5)),
    ("상회|웃돌|웃도", measured(0.7)),
    ("기대 이상|예상 이상|기대치 이상", v(0.6)),
    ("기대 이하|예상 이하|기대치 이하", v(-0.6)),
    ("실망", p(-0.6)),
    ("부진", p(-0.7)),
    ("어닝 쇼크", v(-0.9)),
    ("쇼크", p(-0.5)),
    ("하회|밑돌|밑도|미달", measured(-0.7)),
    (
        "못 미치|못 미쳐|못 미친|모자라|모자랐|모자란|미치지 못|미치지 못해|미치지 못했|미치지 못한",
        v(-0.7),
    ),
    // `…에 그쳐`: only reached (a figure short of hopes)
    ("그쳐|그쳤|그친|그치", v(-0.5)),
    ("부합", par(-0.6)),
    // trial goals: `1차 평가지표 충족` is good news, `미충족` bad
    ("평가지표 충족|평가 지표 충족|평가지표를 충족|평가지표 달성|평가지표를 달성|유효성 입증|효능 입증|유효성을 입증|효능을 입증", p(0.8)),
    ("미충족|충족 실패|충족하지 못|충족 못", p(-0.8)),
    ("충족", par(-0.5)),
    ("달성", par(-0.5)),
    ("양호", p(0.5)),
    ("흑자 전환|흑전", p(1.0)),
    ("적자 전환|적자 지속", p(-1.0)),
    ("개선|호전|회복", Cue::Eval(0.5)),
    ("악화", Cue::Eval(-0.6)),
    ("고성장|급성장", p(0.6)),
    ("역성장", p(-0.6)),
    ("신기록|완판|최고치", p(0.6)),
    // a hit is good news, but an oversubscribed share sale is still a share sale
    ("흥행", assent(0.6)),
    ("최저치|충격", p(-0.6)),
    ("사과문|사과했|공식 사과", p(-0.3)),
    // ---- price action ---------------------------------------------------------------
    ("강세|반등|급반등|날개|훨훨|폭발적", p(0.6)),
    ("약세", p(-0.6)),
    ("신고가|상한가", p(0.9)),
    ("신저가|하한가", p(-0.9)),
    ("최고가", p(0.6)),
    ("최저가", p(-0.5)),
    ("돌파", p(0.4)),
    ("추락|반 토막", p(-0.8)),
    ("뒷걸음|후퇴", p(-0.5)),
    ("순매수|매수", p(0.4)),
    ("순매도|매도", p(-0.4)),
    ("비중 확대|최선호주", p(0.5)),
    ("비중 축소", p(-0.5)),
    // ---- deals, approvals, capital return -------------------------------------------
    ("수주", p(0.6)),
    ("공급 계약", p(0.5)),
    ("계약", p(0.3)),
    ("체결", p(0.2)),
    ("승인|허가", assent(0.5)),
    ("완료", assent(0.2)),
    ("획득|확보|선정|유치", p(0.3)),
    ("자사주 매입|자사주 소각|자사주 취득", p(0.7)),
    // more of the company's own shares bought (`자사주 1000억원 추가 매입`: the amount
    // splits `자사주 매입`)
    ("추가 매입", p(0.4)),
    ("주주환원|주주 환원", p(0.5)),
    ("성공", assent(0.4)),
    ("청약 흥행|흥행 성공", assent(0.6)),
    ("견조|탄탄", p(0.5)),
    ("낙관|긍정적|청신호|훈풍|러브콜|수혜|호재", p(0.4)),
    // expectations are a quantity: `수주 기대감 꺾여` is bad news
    ("기대감", gq(0.4)),
    // ---- index inclusion and takeovers (see events.rs for `지수에서 제외`, `20% 프리미엄`) --
    ("편입", p(0.6)),
    ("편출", p(-0.7)),
    ("공개매수", p(0.6)),
    ("경영권 프리미엄", p(0.7)),
    ("피인수", p(0.4)),
    ("효율화", p(0.3)),
    ("독점", p(0.2)),
    ("인상적", p(0.3)),
    // winning a suit cancels it (`과징금 취소 소송 승소`)
    ("승소", rev(0.6)),
    // acquittal cancels the charge before it (`분식회계 혐의 무죄`)
    ("무혐의|무죄|혐의 없음|불기소", rev(0.8)),
    ("타결", p(0.5)),
    ("유상증자", burden(-0.6)),
    (
        "CB 발행|BW 발행|EB 발행|신주 발행|신주 상장|신주|전환사채|교환사채|신주인수권부사채|영구채|증자|자본 확충|주식 전환",
        burden(-0.5),
    ),
    ("무상증자", p(0.4)),
    (
        "정기 보수|정기 점검|예정된 일정|계획된|보합|제자리|엇갈린|변동 없|변동이 없|재선임|선임 안건|본사 이전|사옥 이전|차환|변경 계획 없|변경 계획이 없|변경할 계획이 없|변경 검토|바꿀 계획|동결|같은 수준|전년 수준|작년 수준|예년 수준|동일하게|매년|해마다|예년처럼|하던 대로",
        ROUTINE,
    ),
    ("발행 가능 주식|발행가능주식|수권주식|수권 주식", burden(-0.5)),
    ("합작법인|합작 법인|합작사|합작공장|합작 공장|합작 투자", p(0.5)),
    ("폭발 사고|폭발사고|공장 폭발|정전|침수", p(-0.5)),
    ("출시|신작", par(-0.5)),
    ("환입", rev(0.4)),
    ("없던 일|없던 것으로|불허|불승인|퇴짜|물거품", rev(-0.6)),
    ("대상서 제외|대상에서 제외|명단서 제외|명단에서 제외", rev(0.3)),
    ("충당금", bq(0.6)),
    ("부채비율|차입금", bq(0.1)),
    ("인건비|유류비|정비비|연료비|전력구입비|운영비|판관비|손실 추정액|손실추정액|미수금", bq(0.0)),
    ("추정치|추정액", oq()),
    ("제한", bq(0.4)),
    // `리스크 제한적`, `영향 제한적`, `우려 과도`: the worry is overdone
    ("제한적|과도|지나쳐|기우", rev(0.3)),
    ("지분 매각|블록딜|오버행", p(-0.5)),
    ("납품", p(0.4)),
    ("신규 라인", p(0.4)),
    ("징계|중징계", p(-0.6)),
    ("공동관리|자율협약|채권단 관리", p(-0.6)),
    ("졸업", rev(0.5)),
    ("감경|경감", rev(0.3)),
    ("처분 취소|처분을 취소", rev(0.5)),
    ("통과", assent(0.4)),
    ("무결점", p(0.3)),
    ("영업 정지|운항 정지|거래 정지|관리종목|감사의견 거절|의견 거절|가처분|워크아웃|법정관리|기업회생|회생절차", p(-0.7)),
    ("저가 수주", p(-0.6)),
    // the plaintiff lost: the suit against the company is over (`소송 원고 패소`)
    ("원고 패소|처분 피해|처분을 피해|제재 피해", rev(0.6)),
    ("재개", p(0.4)),
    // ---- legal, regulatory ----------------------------------------------------------
    ("소송|제소|고소|고발", p(-0.6)),
    ("피소", p(-0.7)),
    ("패소", p(-0.8)),
    ("혐의|수사|압수수색", p(-0.6)),
    ("의혹", p(-0.5)),
    ("분쟁|침해|피해", p(-0.4)),
    ("구속|기소|재판에 넘겨", p(-0.7)),
    ("재판|위반|금지", p(-0.5)),
    ("강등", p(-0.7)),
    ("제재|벌금|과징금|과태료", p(-0.6)),
    ("횡령|배임|분식", p(-0.8)),
    ("규제|수출 통제|통제", bq(0.4)),
    ("관세", bq(0.3)),
    // ---- operational trouble --------------------------------------------------------
    ("리콜", p(-0.7)),
    ("결함|불량", p(-0.5)),
    ("감원|해고|정리해고|구조조정", p(-0.7)),
    ("희망퇴직", p(-0.5)),
    ("파업", p(-0.6)),
    ("철수", p(-0.5)),
    ("지연|차질|탈락|연기", p(-0.5)),
    ("늪", p(-0.3)),
    // ---- reversals: cancel the noun phrase before them (see reversal.rs) ---------------
    ("실패", rev(-0.6)),
    ("무산|불발|중단|백지화|좌초|결렬", rev(-0.5)),
    ("철회|취소|해지|반려|거부|반환", rev(-0.4)),
    ("기각|각하|보류|유보", rev(-0.3)),
    ("뒤집어|뒤집었|뒤집은|뒤집혀|번복|파기", rev(0.0)),
    ("유예", rev(0.0)),
    ("철폐|일축|사실무근", rev(0.3)),
    // rumours of a change of people or policy are routine news, and so is their denial
    // (`대표 교체설 사실무근`)
    ("교체설|사퇴설|경질설|내정설|변경설|교체 가능성", ROUTINE),
    ("꼬리표 떼|꼬리표를 떼|딱지 떼|딱지를 떼", rev(0.3)),
    ("해제|종결|마침표|일단락|종지부|마무리|종식", rev(0.0)),
    // `판가 하락 멈췄다`: a stopped decline is good, a stopped rise bad
    ("멈췄|멈춰|멈춘|멈추|멈출", rev(0.0)),
    // a brake on a deal with nothing to cancel is a blocked deal (`인수에 제동`)
    ("제동", rev(-0.3)),
    (
        "해소|불식|면제|해결|모면|면해|면했|면한|면하|씻어|씻었|씻고|털어|털었|털고|덜어|덜었|덜고",
        rev(0.3),
    ),
    ("탈출|극복|만회|벗어나|벗어났|벗어난", rev(0.4)),
    ("유출|해킹|장애|화재|사고", p(-0.5)),
    ("논란|악재|타격|악영향|위기|적신호|먹구름|빨간불|경고등", p(-0.5)),
    // burden and pressure are what eases or grows: `관세 부담 완화` is good news
    ("부담|압박", bq(0.4)),
    ("감산", p(-0.5)),
    ("부도|파산|상장폐지", p(-1.0)),
    ("불확실성|경고|부정적|비관|불투명", p(-0.4)),
    ("침체|불황|한파", p(-0.5)),
    ("불매", p(-0.5)),
    ("손해", p(-0.4)),
    ("잘못|불가피|문제", p(-0.3)),
    ("둔화", down(0.5, 0.5)),
    // ---- moves up -------------------------------------------------------------------
    ("증가|늘어|늘었|늘려|늘린|늘며|늘고|증대|신장", up(0.5, 0.3)),
    ("증편|증설|출점", p(0.4)),
    ("폐점|폐쇄|감편", p(-0.5)),
    ("공급 시작|공급 개시|납품 시작|양산 시작|양산 돌입|출하 시작", p(0.5)),
    ("확대", up(0.5, 0.2)),
    ("상승|상승세", up(0.5, 0.5)),
    ("올라|올랐|오른|오르|올려|올렸|올린|높아져|높아졌|높여|높였|높인|넘어|넘었|넘어서|넘어섰|넘는|뛰어|뛰었|껑충", up(0.5, 0.4)),
    ("급등|폭등|급상승", up(1.0, 1.0)),
    ("급증", up(0.8, 0.7)),
    ("상향", up(0.6, 0.4)),
    ("인상", up(0.5, 0.0)),
    ("강화", up(0.3, 0.2)),
    ("두 배|세 배|2배|3배", up(0.6, 0.3)),
    // ---- moves down -----------------------------------------------------------------
    ("감소|줄어|줄었|줄여|줄인|줄며|줄고", down(0.5, 0.3)),
    ("축소", down(0.5, 0.2)),
    ("하락|하락세", down(0.5, 0.5)),
    ("내려|내렸|내린|떨어|빠져|빠졌|꺾|낮아져|낮아졌|낮춰|낮췄|낮춘|미끄러", down(0.5, 0.4)),
    ("곤두박질|주저앉", down(0.9, 0.9)),
    ("급락|폭락|급하락", down(1.0, 1.0)),
    ("급감", down(0.8, 0.7)),
    ("하향", down(0.6, 0.4)),
    ("인하", down(0.5, 0.0)),
    ("삭감|감액", down(0.6, 0.4)),
    ("감축", down(0.5, 0.2)),
    ("약화", down(0.4, 0.3)),
    // 절감/완화 on their own are good news (cost savings, easing): alone is positive.
    (
        "절감|완화",
        Cue::Move {
            dir: -1.0,
            anchored: 0.5,
            alone: 0.3,
        },
    ),
    // ---- quantities: more is better -------------------------------------------------
    (
        "매출|매출액|실적|이익|수익|수익성|목표주가|목표가|투자의견|판매|판매량|인도량|출하|출하량|수요|점유율|가입자|이용자|수출|주문|성장률|마진|이익률|등급|신용등급|일자리|고용|인력|생산|생산량|현금흐름|업황|경쟁력",
        gq(0.0),
    ),
    ("가이던스|전망|전망치", oq()),
    ("주가|시가총액|시총", mq()),
    ("영업이익|순이익|영업익|순익", gq(0.1)),
    ("판가|판매가|판매 가격", gq(0.0)),
    ("↑|▲", up(0.5, 0.4)),
    ("↓|▼", down(0.5, 0.4)),
    ("배당|배당금", gq(0.1)),
    ("투자", gq(0.1)),
    ("성장", gq(0.3)),
    ("흑자", gq(0.5)),
    // ---- quantities: more is worse --------------------------------------------------
    ("적자", bq(0.6)),
    ("손실|영업손실|순손실", bq(0.5)),
    ("비용|원가|재고|연체율", bq(0.0)),
    ("부채", bq(0.1)),
    ("현금 소진|현금소진|손상차손|손상 차손", bq(0.3)),
    ("공매도 잔고|공매도잔고|공매도 물량|대차잔고", bq(0.2)),
    ("우려", bq(0.4)),
    ("리스크", bq(0.3)),
    // ---- modifiers ------------------------------------------------------------------
    ("크게|대폭|큰 폭|급격히|급격하게|대거|매우|대규모|대형|전면|훌쩍", int(1.4, 0.0)),
    ("연속", int(1.2, 0.0)),
    ("사상 최대|역대 최대|사상 최고|역대 최고|역대 최다|사상 최다|역대급", int(1.5, 0.7)),
    ("분기 최대|연간 최대|분기 최고", int(1.3, 0.6)),
    ("소폭|다소|약간|일부", int(0.5, 0.0)),
    ("않|못|없|아니|아냐|아님|안 한|안 해|안 하|안 했|어렵|어려울|어려워", NEG),
    (
        "불구",
        Cue::DiscountPreceding {
            factor: 0.3,
            window: 24,
        },
    ),
    (
        "와 달리|과 달리",
        Cue::DiscountPreceding {
            factor: -0.5,
            window: 10,
        },
    ),
    (
        "에도",
        Cue::DiscountPreceding {
            factor: 0.3,
            window: 12,
        },
    ),
    (
        "하지만|그러나|반면|다만|지만|으나",
        Cue::DiscountPreceding {
            factor: 0.45,
            window: 60,
        },
    ),
    // ---- inert ----------------------------------------------------------------------
    ("오늘|하늘|연기금|연기자|수주일|최고경영자|최고재무책임자|최고기술책임자|잘못된 정보|사전 계약|제안|방안|대안|안건|법안|현안|금감원|금융감독원", INERT),
];

/// A normalised English entry: a sequence of lower-case words.
pub(crate) struct EnEntry {
    pub words: Vec<String>,
    pub cue: Cue,
}

/// A normalised Korean entry; `' '` in `pat` matches zero or more whitespace chars.
pub(crate) struct KoEntry {
    pub pat: Vec<char>,
    pub cue: Cue,
}

/// English entries keyed by their first word, longest first.
pub(crate) struct EnIndex {
    pub by_first: HashMap<String, Vec<EnEntry>>,
}

/// Korean entries keyed by their first char, longest first.
pub(crate) struct KoIndex {
    pub by_first: HashMap<char, Vec<KoEntry>>,
}

pub(crate) fn english() -> &'static EnIndex {
    static INDEX: OnceLock<EnIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut by_first: HashMap<String, Vec<EnEntry>> = HashMap::new();
        for (forms, cue) in ENGLISH {
            for form in forms.split('|') {
                let words: Vec<String> = tokenize_en(form)
                    .into_iter()
                    .filter_map(|t| match t.kind {
                        TokKind::Word(w) => Some(w),
                        _ => None,
                    })
                    .collect();
                let Some(first) = words.first().cloned() else {
                    continue;
                };
                by_first.entry(first).or_default().push(EnEntry { words, cue: *cue });
            }
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|e| std::cmp::Reverse(e.words.len()));
        }
        EnIndex { by_first }
    })
}

pub(crate) fn korean() -> &'static KoIndex {
    static INDEX: OnceLock<KoIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut by_first: HashMap<char, Vec<KoEntry>> = HashMap::new();
        for (forms, cue) in KOREAN {
            for form in forms.split('|') {
                let pat: Vec<char> = form.trim().chars().collect();
                let Some(&first) = pat.first() else {
                    continue;
                };
                by_first.entry(first).or_default().push(KoEntry { pat, cue: *cue });
            }
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|e| std::cmp::Reverse(e.pat.len()));
        }
        KoIndex { by_first }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_build_and_have_no_empty_entries() {
        let en = english();
        assert!(en.by_first.len() > 200);
        assert!(en.by_first.values().flatten().all(|e| !e.words.is_empty()));
        let ko = korean();
        assert!(ko.by_first.values().flatten().all(|e| !e.pat.is_empty()));
    }

    #[test]
    fn english_entries_are_normalised_like_input() {
        let en = english();
        let all = &en.by_first["all"];
        assert!(all.iter().any(|e| e.words == ["all", "time", "high"]));
        let didnt = &en.by_first["didn't"];
        assert_eq!(didnt[0].cue, Cue::Negator { alone: 0.0 });
    }

    #[test]
    fn no_duplicate_surface_forms() {
        let mut seen = std::collections::HashSet::new();
        for (forms, _) in ENGLISH {
            for f in forms.split('|') {
                assert!(seen.insert(("en", f.to_string())), "duplicate en form {f}");
            }
        }
        for (forms, _) in KOREAN {
            for f in forms.split('|') {
                assert!(seen.insert(("ko", f.to_string())), "duplicate ko form {f}");
            }
        }
    }
}
