//! Text plumbing: input clipping, sentence splitting, clause breaks and the English
//! tokenizer. Everything here works on `char`s, so no function can slice inside a
//! multi-byte UTF-8 sequence.

/// Only the first this-many bytes of an input are analysed (news items are short; this
/// bounds the cost of pathological inputs).
pub(crate) const MAX_ANALYSED_BYTES: usize = 32 * 1024;

/// The longest prefix of `s` that is at most `max_bytes` long and ends on a char boundary.
pub(crate) fn clip(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

pub(crate) fn is_hangul(c: char) -> bool {
    matches!(c,
        '\u{AC00}'..='\u{D7A3}'   // syllables
        | '\u{1100}'..='\u{11FF}' // jamo
        | '\u{3130}'..='\u{318F}' // compatibility jamo
    )
}

/// Punctuation that separates clauses inside a sentence. Windows (negation scope,
/// quantity attachment, ...) never cross a clause break.
pub(crate) fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        ',' | ';' | ':' | '…' | '，' | '；' | '：' | '、' | '—' | '–' | '(' | ')' | '[' | ']' | '|' | '"' | '“' | '”'
    )
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "inc", "corp", "co", "ltd", "plc", "mr", "mrs", "ms", "dr", "st", "vs", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "no", "approx", "est", "dept", "gov", "sen", "rep", "jr", "sr",
];

fn ends_with_abbreviation(before: &str) -> bool {
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if word.is_empty() {
        return false;
    }
    // Single letters: initials and U.S. / U.K. style abbreviations.
    if word.len() == 1 {
        return true;
    }
    let lower = word.to_ascii_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
}

/// Labels of a bare comparison figure written as its own fragment: `EPS: 47 cents.
/// Consensus: 68 cents` is one comparison, not two sentences.
const FIGURE_LABELS: &[&str] = &[
    "consensus:",
    "consensus estimate:",
    "estimate:",
    "estimates:",
    "expected:",
    "expectations:",
    "forecast:",
    "street:",
    "street estimate:",
    "analysts expected:",
    "year ago:",
    "a year ago:",
    "prior year:",
    "last year:",
];

/// Whether `rest` (the text after a full stop) starts with a [`FIGURE_LABEL`](FIGURE_LABELS).
fn starts_with_figure_label(rest: &str) -> bool {
    let head: String = rest
        .trim_start()
        .chars()
        .take(24)
        .collect::<String>()
        .to_ascii_lowercase();
    FIGURE_LABELS.iter().any(|l| head.starts_with(l))
}

/// Splits text into trimmed, non-empty sentences (borrowed slices of `text`).
///
/// Boundaries: line breaks, `!`, `?`, `。`, and `.` when followed by whitespace or the
/// end of text (so `8.5` and `U.S.` inside a sentence do not split) unless the word
/// before it is a known abbreviation. A `.` right after a Hangul syllable always ends a
/// sentence (`급등했다.주가는`).
pub(crate) fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut iter = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((i, c)) = iter.next() {
        let next = iter.peek().map(|&(_, n)| n);
        let end_here = match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '。' | '！' | '？' => true,
            '!' | '?' => next.is_none_or(char::is_whitespace),
            '.' => {
                let after_hangul = prev.is_some_and(is_hangul);
                let followed_by_space = next.is_none_or(char::is_whitespace);
                let next_is_digit = next.is_some_and(|n| n.is_ascii_digit());
                (after_hangul && !next_is_digit)
                    || (followed_by_space
                        && !ends_with_abbreviation(&text[start..i])
                        && !starts_with_figure_label(&text[i + 1..]))
            }
            _ => false,
        };
        if end_here {
            let end = i + c.len_utf8();
            push_trimmed(&mut out, &text[start..end]);
            start = end;
        }
        prev = Some(c);
    }
    push_trimmed(&mut out, &text[start..]);
    out
}

fn push_trimmed<'a>(out: &mut Vec<&'a str>, s: &'a str) {
    let t = s.trim();
    if t.chars().any(|c| c.is_alphanumeric()) {
        out.push(t);
    }
}

/// An English token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokKind {
    /// Lower-case ASCII word (letters/digits, internal apostrophes kept, `'s` dropped).
    Word(String),
    /// A number; `percent` when followed by `%` or `percent`; `sign` is -1/0/+1 when an
    /// explicit `+`/`-` precedes it.
    Num { value: f64, percent: bool, sign: i8 },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tok {
    pub kind: TokKind,
    /// Clause number within the sentence.
    pub clause: usize,
}

/// The word at token `i` (`None` for a number or past the end).
pub(crate) fn word_at(toks: &[Tok], i: usize) -> Option<&str> {
    match &toks.get(i)?.kind {
        TokKind::Word(w) => Some(w.as_str()),
        TokKind::Num { .. } => None,
    }
}

/// Whether token `i` is a number.
pub(crate) fn is_num(toks: &[Tok], i: usize) -> bool {
    matches!(toks.get(i).map(|t| &t.kind), Some(TokKind::Num { .. }))
}

/// Tokenizes the ASCII-word part of a sentence. Non-ASCII characters (Hangul, emoji, …)
/// separate tokens; clause punctuation bumps the clause number.
pub(crate) fn tokenize_en(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let mut out: Vec<Tok> = Vec::new();
    let mut clause = 0usize;
    let mut i = 0usize;
    while i < n {
        let c = chars[i];
        if c.is_ascii_alphabetic() {
            let mut word = String::new();
            while i < n {
                let d = chars[i];
                if d.is_ascii_alphanumeric() {
                    word.push(d.to_ascii_lowercase());
                    i += 1;
                } else if (d == '\'' || d == '’') && i + 1 < n && chars[i + 1].is_ascii_alphabetic() && !word.is_empty()
                {
                    word.push('\'');
                    i += 1;
                } else {
                    break;
                }
            }
            if let Some(stem) = word.strip_suffix("'s") {
                word = stem.to_string();
            }
            if word == "percent" || word == "pct" {
                if let Some(Tok {
                    kind: TokKind::Num { percent, .. },
                    ..
                }) = out.last_mut()
                {
                    *percent = true;
                    continue;
                }
            }
            out.push(Tok {
                kind: TokKind::Word(word),
                clause,
            });
        } else if c.is_ascii_digit() {
            let sign = sign_before(&chars, i);
            let mut num = String::new();
            while i < n {
                let d = chars[i];
                let next_digit = i + 1 < n && chars[i + 1].is_ascii_digit();
                if d.is_ascii_digit() {
                    num.push(d);
                } else if d == '.' && next_digit {
                    num.push('.');
                } else if d == ',' && next_digit {
                    // thousands separator
                } else {
                    break;
                }
                i += 1;
            }
            // unit suffix glued to the number: 20B, 3bn, 5x, 2nd
            let suffix_start = i;
            while i < n && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            let scale = glued_scale(&chars[suffix_start..i]);
            let mut percent = false;
            let mut j = i;
            while j < n && chars[j] == ' ' {
                j += 1;
            }
            if j < n && (chars[j] == '%' || chars[j] == '％') {
                percent = true;
                i = j + 1;
            }
            let value = num.parse::<f64>().unwrap_or(0.0) * scale;
            out.push(Tok {
                kind: TokKind::Num { value, percent, sign },
                clause,
            });
        } else {
            if is_clause_break(c) || is_dash_break(&chars, i) {
                clause += 1;
            }
            i += 1;
        }
    }
    out
}

/// The multiplier of a scale suffix glued to a number (`20B`, `3bn`, `500k`); 1 for
/// anything else (`2nd`, `5x`).
fn glued_scale(suffix: &[char]) -> f64 {
    let lower: String = suffix.iter().map(|c| c.to_ascii_lowercase()).collect();
    match lower.as_str() {
        "k" => 1e3,
        "m" | "mn" | "mln" => 1e6,
        "b" | "bn" | "bln" => 1e9,
        "t" | "tn" | "trn" => 1e12,
        _ => 1.0,
    }
}

/// A hyphen with spaces around it (`Apple - shares fall`) separates clauses.
fn is_dash_break(chars: &[char], i: usize) -> bool {
    chars[i] == '-' && i > 0 && chars[i - 1].is_whitespace() && chars.get(i + 1).is_none_or(|c| c.is_whitespace())
}

/// `+7%` / `-3%` / `−3%`: explicit sign right before a number, not part of a word.
pub(crate) fn sign_before(chars: &[char], i: usize) -> i8 {
    if i == 0 {
        return 0;
    }
    let s = match chars[i - 1] {
        '+' => 1,
        '-' | '−' | '▼' => -1,
        '▲' => 1,
        _ => return 0,
    };
    if i >= 2 && chars[i - 2].is_alphanumeric() {
        return 0;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        tokenize_en(s)
            .into_iter()
            .map(|t| match t.kind {
                TokKind::Word(w) => w,
                TokKind::Num { value, percent, sign } => format!("#{value}{}{}", if percent { "%" } else { "" }, sign),
            })
            .collect()
    }

    #[test]
    fn clip_respects_char_boundaries() {
        let s = "가나다";
        assert_eq!(clip(s, 4), "가");
        assert_eq!(clip(s, 2), "");
        assert_eq!(clip(s, 100), s);
    }

    #[test]
    fn tokenizer_handles_numbers_and_apostrophes() {
        assert_eq!(
            words("Apple's shares up 7% to $250; +3.5 percent, -2%"),
            vec!["apple", "shares", "up", "#7%0", "to", "#2500", "#3.5%1", "#2%-1"]
        );
        assert_eq!(words("didn’t beat"), vec!["didn't", "beat"]);
        assert_eq!(words("better-than-expected"), vec!["better", "than", "expected"]);
        assert_eq!(words("$20B 14,000 jobs"), vec!["#200000000000", "#140000", "jobs"]);
        assert_eq!(words("2nd 5x"), vec!["#20", "#50"]);
    }

    #[test]
    fn clauses_are_counted() {
        let toks = tokenize_en("a, b; c - d");
        let clauses: Vec<usize> = toks.iter().map(|t| t.clause).collect();
        assert_eq!(clauses, vec![0, 1, 2, 3]);
    }

    #[test]
    fn sentence_split() {
        assert_eq!(
            split_sentences("Shares rose 8.5% in the U.S. market. Profit fell! Next"),
            vec!["Shares rose 8.5% in the U.S. market.", "Profit fell!", "Next"]
        );
        assert_eq!(
            split_sentences("상향 조정했다.주가는 7% 급등했다.\n\n둘째 줄"),
            vec!["상향 조정했다.", "주가는 7% 급등했다.", "둘째 줄"]
        );
        assert!(split_sentences("  ... \n ").is_empty());
    }
}
