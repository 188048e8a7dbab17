//! Scopes: how far a negator, a reversal or a comparison reaches.
//!
//! A [`Scope`] marks, per position of a sentence (token for English, char for Korean),
//! where such a reach has to stop and which positions are mere filler:
//!
//! * English stops at conjunctions and subordinators (`as`, `after`, `but`, `amid`, …):
//!   in `no longer expects a full-year loss as costs rise` the negation does not reach
//!   `costs rise`. Determiners (`a`, `the`, `its`) are filler.
//! * Korean stops after a particle or ending that closes a phrase (`부진으로`, `늘었고`,
//!   `했지만` — but not the noun endings `재고`, `불만`, `피해`), at joining words (`및`,
//!   `·`, `감원과`). Negators reach through joining words (and English `or`/`nor`):
//!   `유상증자·자산 매각 계획 없다` denies both. `에` closes a phrase too, except right before the term that reaches
//!   back (`흑자전환에 실패`): that is a soft stop.
//!
//! [`korean_chain`] collects the noun phrase before a Korean negator or reversal.

use super::lexicon::Cue;
use super::rules::{gap_before, ko_match_str, Geometry, Hit};
use super::text::{is_clause_break, is_hangul, Tok, TokKind};

/// English words that end a scope (conjunctions, and the prepositions of a cause:
/// `lower on China worries`, `sued over patents`).
const EN_BARRIERS: &[&str] = &[
    "on",
    "over",
    "due",
    "as",
    "after",
    "amid",
    "while",
    "because",
    "since",
    "despite",
    "but",
    "although",
    "though",
    "when",
    "if",
    "and",
    "or",
    "following",
    "before",
    "so",
    "whereas",
    "unless",
    "until",
];

/// English words a tight attachment may skip (`ends the probe`).
const EN_FILLER: &[&str] = &[
    "a", "an", "the", "its", "their", "his", "her", "all", "any", "this", "that", "these", "those", "some", "our",
    "last", "previous", "prior",
];

/// Korean chars that end a phrase when they end a word, whatever comes before them
/// (`부진으로`, `늘며`, `했다`, `함으로써`).
const KO_STOPS: &[char] = &['로', '며', '다', '써'];

/// Korean chars that end a phrase when they end a word after one of the given chars:
/// verb endings that are also the last syllable of common nouns (`늘었고` but not `재고`,
/// `했지만` but not `불만`, `인해` but not `피해`).
const KO_STOPS_AFTER: &[(char, &[char])] = &[
    (
        '고',
        &[
            '하', '했', '되', '됐', '이', '였', '있', '없', '었', '았', '렸', '르', '치', '지', '졌',
        ],
    ),
    ('만', &['지']),
    ('나', &['으', '했', '였', '하', '되', '었', '았']),
    ('해', &['인', '위', '통', '대']),
    ('면', &['하', '되', '으', '있', '없', '않']),
    ('서', &['에', '해', '돼', '되', '어', '아', '여', '와', '워', '고']),
    ('여', &['하']),
    ('데', &['는', '인', '한', '은', '던']),
    ('니', &['하', '으', '되']),
    ('라', &['따', '하', '으']),
];

/// English joiners a negator reaches through (`no layoffs or plant closures`).
const EN_OR: &[&str] = &["or", "nor"];

/// Korean words that join two phrases (`감원 및 배당 중단`); `·` does too.
const KO_JOINERS: &[&str] = &["및", "또는", "그리고", "겸"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    None,
    /// `에`: stops everything but the first link of a Korean chain.
    Soft,
    Hard,
}

/// Per-position stops and fillers of one sentence.
pub(super) struct Scope {
    stops: Vec<Stop>,
    filler: Vec<bool>,
    /// Korean: a `과`/`와` that ends a word.
    joiner_particle: Vec<bool>,
    /// Stops that only join two phrases: Korean `·` and `및`, English `or`/`nor`. A
    /// negator reaches through them (`유상증자·자산 매각 계획 없다`, `no layoffs or plant
    /// closures`): what is denied is each of the joined things.
    joiner: Vec<bool>,
}

impl Scope {
    pub(super) fn english(toks: &[Tok]) -> Scope {
        fn word(t: &Tok) -> Option<&str> {
            match &t.kind {
                TokKind::Word(w) => Some(w.as_str()),
                TokKind::Num { .. } => None,
            }
        }
        Scope {
            stops: toks
                .iter()
                .map(|t| match word(t) {
                    Some(w) if EN_BARRIERS.contains(&w) => Stop::Hard,
                    _ => Stop::None,
                })
                .collect(),
            filler: toks
                .iter()
                .map(|t| word(t).is_some_and(|w| EN_FILLER.contains(&w)))
                .collect(),
            joiner_particle: vec![false; toks.len()],
            joiner: toks
                .iter()
                .map(|t| word(t).is_some_and(|w| EN_OR.contains(&w)))
                .collect(),
        }
    }

    pub(super) fn korean(chars: &[char]) -> Scope {
        let word_end = |k: usize| {
            chars
                .get(k + 1)
                .is_none_or(|&n| n.is_whitespace() || is_clause_break(n) || n.is_ascii_punctuation())
        };
        let mut joiner: Vec<bool> = chars.iter().map(|&c| c == '·').collect();
        let mut stops: Vec<Stop> = (0..chars.len())
            .map(|k| {
                let c = chars[k];
                let prev = if k > 0 { Some(chars[k - 1]) } else { None };
                if !prev.is_some_and(is_hangul) || !word_end(k) {
                    return if c == '·' { Stop::Hard } else { Stop::None };
                }
                let after_stem = KO_STOPS_AFTER
                    .iter()
                    .any(|(end, stems)| *end == c && prev.is_some_and(|p| stems.contains(&p)));
                if c == '에' {
                    Stop::Soft
                } else if KO_STOPS.contains(&c) || after_stem {
                    Stop::Hard
                } else {
                    Stop::None
                }
            })
            .collect();
        // joining words standing on their own
        for k in 0..chars.len() {
            if k > 0 && !chars[k - 1].is_whitespace() {
                continue;
            }
            let joined = KO_JOINERS
                .iter()
                .any(|w| ko_match_str(chars, k, w).is_some_and(|end| chars.get(end).is_none_or(|c| c.is_whitespace())));
            if joined {
                stops[k] = Stop::Hard;
                joiner[k] = true;
            }
        }
        // `과`/`와` right after a matched term join it to the next phrase (`감원과 배당`);
        // [`korean_chain`] checks them, as `결과`/`효과` end in the same syllables.
        let joiner_particle = (0..chars.len())
            .map(|k| matches!(chars[k], '과' | '와') && word_end(k))
            .collect();
        Scope {
            stops,
            filler: vec![false; chars.len()],
            joiner_particle,
            joiner,
        }
    }

    /// No stop in `start..end`; soft stops are allowed when `soft_ok`.
    pub(super) fn open(&self, start: usize, end: usize, soft_ok: bool) -> bool {
        self.stops
            .get(start.min(end)..end.min(self.stops.len()))
            .unwrap_or(&[])
            .iter()
            .all(|s| *s == Stop::None || (soft_ok && *s == Stop::Soft))
    }

    /// No stop in `start..end` but joiners; soft stops are allowed when `soft_ok`.
    pub(super) fn open_through_joiners(&self, start: usize, end: usize, soft_ok: bool) -> bool {
        let lo = start.min(end);
        let hi = end.min(self.stops.len());
        (lo..hi).all(|k| match self.stops[k] {
            Stop::None => true,
            Stop::Soft => soft_ok,
            Stop::Hard => self.joiner.get(k).copied().unwrap_or(false),
        })
    }

    /// Korean: the term ending at `end` is joined to the next phrase by `과`/`와`.
    pub(super) fn joined_after(&self, end: usize) -> bool {
        self.joiner_particle.get(end).copied().unwrap_or(false)
    }

    /// Every position in `start..end` is filler (true for an empty range).
    pub(super) fn only_filler(&self, start: usize, end: usize) -> bool {
        self.filler
            .get(start.min(end)..end.min(self.filler.len()))
            .unwrap_or(&[])
            .iter()
            .all(|f| *f)
    }
}

/// English: the hits after hit `i` that it reaches — same clause, starting within
/// `max_gap` of its end, no stop but `or`/`nor` in between — up to the next negator.
pub(super) fn english_forward(hits: &[Hit], i: usize, max_gap: usize, scope: &Scope) -> Vec<usize> {
    let h = &hits[i];
    let mut out = Vec::new();
    for (j, other) in hits.iter().enumerate().skip(i + 1) {
        let reachable = other.clause == h.clause
            && gap_before(h.end, other.start).is_some_and(|d| d <= max_gap)
            && scope.open_through_joiners(h.end, other.start, false);
        if !reachable || matches!(other.cue, Cue::Negator { .. }) {
            break;
        }
        out.push(j);
    }
    out
}

/// Korean: the noun phrase before hit `i`, nearest first — hits of the same clause,
/// each within `chain_gap` chars of the next, spanning at most `chain_span` chars, not
/// separated by a stop, and not crossing a concessive marker.
pub(super) fn korean_chain(hits: &[Hit], i: usize, g: &Geometry, scope: &Scope) -> Vec<usize> {
    chain(hits, i, g, scope, false)
}

/// [`korean_chain`] that also runs through joined phrases (`·`, `및`, `과`/`와`): what a
/// negator denies is each of them (`유상증자·자산 매각 계획 없다`).
pub(super) fn korean_chain_joined(hits: &[Hit], i: usize, g: &Geometry, scope: &Scope) -> Vec<usize> {
    chain(hits, i, g, scope, true)
}

fn chain(hits: &[Hit], i: usize, g: &Geometry, scope: &Scope, through_joiners: bool) -> Vec<usize> {
    let h = &hits[i];
    let mut out = Vec::new();
    let mut left = h.start;
    for j in (0..i).rev() {
        let other = &hits[j];
        let Some(gap) = gap_before(other.end, left) else {
            break;
        };
        let first = out.is_empty();
        let open = if through_joiners {
            scope.open_through_joiners(other.end, left, first)
        } else {
            scope.open(other.end, left, first) && !scope.joined_after(other.end)
        };
        let linked = other.clause == h.clause && gap <= g.chain_gap && h.start - other.start <= g.chain_span && open;
        if !linked || matches!(other.cue, Cue::DiscountPreceding { .. } | Cue::DiscountFollowing(_)) {
            break;
        }
        out.push(j);
        left = other.start;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::text::tokenize_en;

    #[test]
    fn english_stops_at_conjunctions() {
        let toks = tokenize_en("no longer expects a loss as costs rise");
        let scope = Scope::english(&toks);
        assert!(scope.open(0, 5, false));
        assert!(!scope.open(0, 7, false));
        assert!(scope.only_filler(3, 4));
        assert!(!scope.only_filler(2, 4));
    }

    #[test]
    fn korean_stops_after_phrase_endings() {
        let chars: Vec<char> = "부진으로 수주 취소".chars().collect();
        let scope = Scope::korean(&chars);
        // `으로 ` ends the phrase before 수주
        assert!(!scope.open(2, 5, true));
        assert!(scope.open(7, 8, false));
        let chars: Vec<char> = "흑자전환에 실패".chars().collect();
        let scope = Scope::korean(&chars);
        assert!(scope.open(4, 6, true));
        assert!(!scope.open(4, 6, false));
        // `고` ends a verb (`늘었고`), not the noun `원고`
        let chars: Vec<char> = "늘었고 원고 청구".chars().collect();
        let scope = Scope::korean(&chars);
        assert!(!scope.open(2, 4, false));
        assert!(scope.open(5, 7, false));
        let chars: Vec<char> = "감원 및 배당".chars().collect();
        assert!(!Scope::korean(&chars).open(2, 5, false));
    }
}
