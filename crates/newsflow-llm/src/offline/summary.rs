//! Extractive one-line summary.
//!
//! The summary is one sentence of the input, chosen as follows: when the item has a
//! clear direction, the sentence with the strongest signal *in that direction* (the
//! first sentence — usually the headline — gets a 1.5× head start); when the item is
//! neutral, the first sentence. The chosen sentence is flattened to a single line
//! (control characters and runs of whitespace become one space) and shortened to at
//! most [`MAX_SUMMARY_CHARS`] characters, counted in `char`s and cut only on char
//! boundaries, preferring a word boundary, with `…` marking the cut.

/// Upper bound on the summary length, in characters.
pub const MAX_SUMMARY_CHARS: usize = 120;

/// Head start of the first sentence when picking the most informative one.
const HEADLINE_BONUS: f64 = 1.5;

/// Index of the sentence to use as summary. `scores` are the per-sentence raw scores,
/// `direction` the sign of the whole item (0 for neutral).
pub(crate) fn pick(scores: &[f64], direction: f64) -> usize {
    if direction == 0.0 {
        return 0;
    }
    scores
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let aligned = s * direction;
            let bonus = if i == 0 { HEADLINE_BONUS } else { 1.0 };
            (i, if aligned > 0.0 { aligned * bonus } else { 0.0 })
        })
        .fold((0usize, 0.0f64), |best, (i, v)| if v > best.1 { (i, v) } else { best })
        .0
}

/// Collapses whitespace/control characters to single spaces and trims.
pub(crate) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() || is_invisible(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Zero-width and bidi formatting characters that would make a one-liner misleading.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// Shortens `s` to at most `max` chars. If it has to cut, it cuts at the last space in
/// the second half of the allowed length (or mid-word if there is none), trims trailing
/// punctuation and appends `…` (which counts towards `max`).
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let keep = max - 1; // room for the ellipsis
                        // byte offset just after the first `keep` chars
    let cut = s.char_indices().nth(keep).map_or(s.len(), |(b, _)| b);
    let head = &s[..cut];
    let min_word_cut = s.char_indices().nth(keep / 2).map_or(0, |(b, _)| b);
    let head = match head.rfind(' ') {
        Some(b) if b >= min_word_cut => &head[..b],
        _ => head,
    };
    let head = head
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '·' | '…' | '(' | '/'));
    let mut out = String::with_capacity(head.len() + 3);
    out.push_str(head);
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_prefers_headline_then_strongest_aligned() {
        assert_eq!(pick(&[0.5, 0.6], 1.0), 0);
        assert_eq!(pick(&[0.2, 1.0], 1.0), 1);
        assert_eq!(pick(&[0.9, -1.0], -1.0), 1);
        assert_eq!(pick(&[0.0, 1.0], 0.0), 0);
        assert_eq!(pick(&[], 1.0), 0);
    }

    #[test]
    fn one_line_flattens() {
        assert_eq!(one_line("  a\n\tb\r\n c\u{200B}d  "), "a b c d");
        assert_eq!(one_line("\n\n"), "");
    }

    #[test]
    fn truncation_is_char_safe_on_long_korean() {
        let long =
            "삼성전자가 반도체 업황 회복에 힘입어 3분기 영업이익이 시장 전망치를 크게 웃돌았다고 밝혔으며 ".repeat(10);
        let out = truncate_chars(long.trim(), MAX_SUMMARY_CHARS);
        assert!(out.chars().count() <= MAX_SUMMARY_CHARS);
        assert!(out.ends_with('…'));
        // every prefix length must be valid too
        for max in 0..200 {
            let t = truncate_chars(&long, max);
            assert!(t.chars().count() <= max);
        }
        // no spaces: must cut mid-word on a char boundary
        let dense = "가".repeat(500);
        let t = truncate_chars(&dense, 120);
        assert_eq!(t.chars().count(), 120);
        assert!(t.starts_with("가가가"));
    }

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(truncate_chars("Apple rises", 120), "Apple rises");
    }
}
