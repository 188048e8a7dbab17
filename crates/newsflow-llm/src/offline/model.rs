//! The learned text model: a multinomial logistic regression over the n-gram features of
//! `ngrams.rs`, trained on the labelled headlines under `tests/data/` (`train.rs`).
//!
//! The weights live in `model_weights.tsv`, compiled into the crate. Each line is
//! `feature<TAB>good<TAB>bad`: the feature's weight for `good` and for `bad` relative to
//! `neutral`, in thousandths (a softmax does not change when the same amount is added to
//! every class, so `neutral`'s weight is 0). The model reads only the first
//! [`MODEL_TEXT_BYTES`] of an item (the headline); it is parsed once, on first use.
//!
//! Regenerate the file after changing the data, the features or the trainer with
//! `cargo test -p newsflow-llm --lib -- --ignored write_model_weights`; the test
//! `train::tests::training_reproduces_committed_weights` fails until it is regenerated.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::ngrams;
use super::text;

/// The committed weights (see the module docs for the format).
pub(crate) const WEIGHTS_TSV: &str = include_str!("model_weights.tsv");

/// The model reads at most this many bytes of an item.
pub(crate) const MODEL_TEXT_BYTES: usize = 400;

/// Class probabilities, in the order good, bad, neutral.
pub(crate) type Probs = [f64; 3];

/// Feature -> weights of good and bad against neutral.
pub(crate) type Weights = HashMap<String, [f64; 2]>;

/// Parses the TSV weight table; malformed lines are skipped (the committed file has
/// none: a test checks that every line parses).
pub(crate) fn parse_weights(tsv: &str) -> Weights {
    tsv.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<(String, [f64; 2])> {
    let mut parts = line.split('\t');
    let feature = parts.next()?;
    let good: i64 = parts.next()?.parse().ok()?;
    let bad: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || feature.is_empty() {
        return None;
    }
    Some((feature.to_string(), [good as f64 / 1000.0, bad as f64 / 1000.0]))
}

fn weights() -> &'static Weights {
    static WEIGHTS: OnceLock<Weights> = OnceLock::new();
    WEIGHTS.get_or_init(|| parse_weights(WEIGHTS_TSV))
}

/// The model's class probabilities for `text`.
pub(crate) fn probabilities(text: &str) -> Probs {
    probabilities_with(weights(), &ngrams::features(text::clip(text, MODEL_TEXT_BYTES)))
}

/// Class probabilities of a feature list under `w`.
pub(crate) fn probabilities_with(w: &Weights, features: &[String]) -> Probs {
    let mut good = 0.0;
    let mut bad = 0.0;
    for f in features {
        if let Some([g, b]) = w.get(f) {
            good += g;
            bad += b;
        }
    }
    softmax([good, bad, 0.0])
}

pub(crate) fn softmax(scores: [f64; 3]) -> Probs {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = scores.map(|s| (s - max).exp());
    let z: f64 = e.iter().sum();
    if !z.is_finite() || z <= 0.0 {
        return [0.0, 0.0, 1.0];
    }
    e.map(|v| v / z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_weights_load() {
        let lines = WEIGHTS_TSV.lines().count();
        let w = parse_weights(WEIGHTS_TSV);
        assert!(lines > 1000, "only {lines} weight lines");
        assert_eq!(w.len(), lines, "every line parses, no feature twice");
        assert!(
            WEIGHTS_TSV.len() < 400 * 1024,
            "weights file is {} bytes",
            WEIGHTS_TSV.len()
        );
    }

    #[test]
    fn probabilities_are_a_distribution() {
        for t in [
            "",
            "Nvidia beats estimates",
            "카카오, 2분기 적자 전환",
            &"가".repeat(10_000),
        ] {
            let p = probabilities(t);
            assert!(p.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)), "{t}: {p:?}");
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        let p = probabilities("Airbus books order for 60 jets from IndiGo");
        assert!(p[0] > p[1], "{p:?}");
    }
}
