//! The features of the learned text model (`model.rs`): English word uni- and bigrams
//! and Korean character 2- and 3-grams.
//!
//! * English: the lower-cased text is cut into words (`[a-z]+`, with one inner
//!   apostrophe: `won't`), numbers (`8.5`, `1,380`, `52%`; every digit written `0`, so
//!   `52%` and `14%` are one feature) and currency signs (`$`, `€`, `£`). Each word is a
//!   feature `w<word>`, each pair of neighbours (with `<s>` and `</s>` at the ends) a
//!   feature `b<word> <word>`.
//! * Korean: every run of Hangul syllables, framed as `^run$`, gives its char 2-grams
//!   (`2<gram>`) and 3-grams (`3<gram>`). Particles and endings are glued to stems, so
//!   char n-grams find the stem (`편입`, `불가`) whatever follows it.
//!
//! Features are returned sorted and without duplicates, so sums over them are taken in
//! one fixed order (the model's output is bit-for-bit deterministic).

/// The sorted, de-duplicated features of `text`.
pub(crate) fn features(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    english(&lower, &mut out);
    korean(&lower, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

fn english(lower: &str, out: &mut Vec<String>) {
    let mut words = vec!["<s>".to_string()];
    words.extend(english_words(lower));
    words.push("</s>".to_string());
    for (i, w) in words.iter().enumerate() {
        if i > 0 && i + 1 < words.len() {
            out.push(format!("w{w}"));
        }
        if let Some(next) = words.get(i + 1) {
            out.push(format!("b{w} {next}"));
        }
    }
}

/// Words, numbers (digits as `0`) and currency signs, in order.
fn english_words(lower: &str) -> Vec<String> {
    let chars: Vec<char> = lower.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_lowercase() {
            let mut w = String::new();
            while i < chars.len() && chars[i].is_ascii_lowercase() {
                w.push(chars[i]);
                i += 1;
            }
            // one inner apostrophe followed by letters: `won't`, `company's`
            if i + 1 < chars.len() && chars[i] == '\'' && chars[i + 1].is_ascii_lowercase() {
                w.push('\'');
                i += 1;
                while i < chars.len() && chars[i].is_ascii_lowercase() {
                    w.push(chars[i]);
                    i += 1;
                }
            }
            words.push(w);
        } else if c.is_ascii_digit() {
            let mut w = String::new();
            loop {
                while i < chars.len() && chars[i].is_ascii_digit() {
                    w.push('0');
                    i += 1;
                }
                // a separator continues the number only when a digit follows it
                let sep = i + 1 < chars.len() && matches!(chars[i], '.' | ',') && chars[i + 1].is_ascii_digit();
                if !sep {
                    break;
                }
                w.push(chars[i]);
                i += 1;
            }
            if i < chars.len() && chars[i] == '%' {
                w.push('%');
                i += 1;
            }
            words.push(w);
        } else {
            if matches!(c, '$' | '€' | '£') {
                words.push(c.to_string());
            }
            i += 1;
        }
    }
    words
}

fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

fn korean(lower: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = lower.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_syllable(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_syllable(chars[i]) {
            i += 1;
        }
        let mut run = vec!['^'];
        run.extend_from_slice(&chars[start..i]);
        run.push('$');
        for n in [2usize, 3] {
            for gram in run.windows(n) {
                let mut f = String::with_capacity(1 + 3 * n);
                f.push(if n == 2 { '2' } else { '3' });
                f.extend(gram);
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_and_pairs() {
        let f = features("Plug Power won't get $1.5B loan, down 12%");
        for want in [
            "wplug",
            "wwon't",
            "w$",
            "w0.0",
            "wb",
            "w00%",
            "b<s> plug",
            "bwon't get",
            "b00% </s>",
        ] {
            assert!(f.iter().any(|x| x == want), "{want} not in {f:?}");
        }
        assert!(f.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    }

    #[test]
    fn korean_char_grams() {
        let f = features("코스피200 편입");
        for want in ["2^코", "2코스", "3스피$", "2편입", "3^편입", "3편입$"] {
            assert!(f.iter().any(|x| x == want), "{want} not in {f:?}");
        }
        assert!(features("").iter().all(|x| x.starts_with('b')));
    }
}
