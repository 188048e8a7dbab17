//! The learned text model: a multinomial logistic regression over the n-gram features of
//! `ngrams.rs`, trained on the labelled headlines under `tests/data/` (`train.rs`).
//!
//! The weights live in `model_weights.bin`, compiled into the crate (about 8 bytes a
//! feature). Layout, little-endian: the magic `NFW1`, the entry count (`u32`), then one
//! 8-byte entry per feature, sorted by hash with no hash twice: the feature's 32-bit
//! FNV-1a hash (`u32`), then its weights for `good` and for `bad` relative to `neutral`,
//! in thousandths (`i16` each; a softmax does not change when the same amount is added to
//! every class, so `neutral`'s weight is 0). Lookups are binary searches over the
//! embedded bytes: nothing is parsed or allocated; the order is checked once, on first use. The model reads only the
//! first [`MODEL_TEXT_BYTES`] of an item (the headline).
//!
//! Regenerate the file after changing the data, the features or the trainer with
//! `cargo test -p newsflow-llm --lib -- --ignored write_model_weights`; the test
//! `train::tests::training_reproduces_committed_weights` fails until it is regenerated.

use std::sync::OnceLock;

use super::ngrams;
use super::text;

/// The committed weights (see the module docs for the layout).
pub(crate) const WEIGHTS_BIN: &[u8] = include_bytes!("model_weights.bin");

/// First four bytes of a weight table.
pub(crate) const MAGIC: &[u8; 4] = b"NFW1";
const HEADER: usize = 8;
const ENTRY: usize = 8;

/// The model reads at most this many bytes of an item.
pub(crate) const MODEL_TEXT_BYTES: usize = 400;

/// Class probabilities, in the order good, bad, neutral.
pub(crate) type Probs = [f64; 3];

/// A validated weight table (borrowed bytes in the layout of the module docs).
#[derive(Clone, Copy)]
pub(crate) struct Weights<'a> {
    entries: &'a [u8],
}

impl<'a> Weights<'a> {
    /// The table in `bytes`, or `None` when the header, length or order is wrong.
    pub(crate) fn new(bytes: &'a [u8]) -> Option<Weights<'a>> {
        let magic = bytes.get(..4)?;
        let count = u32::from_le_bytes(bytes.get(4..HEADER)?.try_into().ok()?) as usize;
        let entries = bytes.get(HEADER..)?;
        if magic != MAGIC || entries.len() != count.checked_mul(ENTRY)? {
            return None;
        }
        let w = Weights { entries };
        let sorted = (1..count).all(|i| w.hash_at(i - 1) < w.hash_at(i));
        sorted.then_some(w)
    }

    /// An empty table (every feature weighs nothing).
    pub(crate) fn empty() -> Weights<'static> {
        Weights { entries: &[] }
    }

    /// Number of features.
    pub(crate) fn len(&self) -> usize {
        self.entries.len() / ENTRY
    }

    fn hash_at(&self, i: usize) -> u32 {
        let at = i * ENTRY;
        u32::from_le_bytes([
            self.entries[at],
            self.entries[at + 1],
            self.entries[at + 2],
            self.entries[at + 3],
        ])
    }

    /// Every entry: `(hash, [good, bad])` in thousandths, in hash order.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, [i16; 2])> + '_ {
        self.entries.chunks_exact(ENTRY).map(|e| {
            (
                u32::from_le_bytes([e[0], e[1], e[2], e[3]]),
                [i16::from_le_bytes([e[4], e[5]]), i16::from_le_bytes([e[6], e[7]])],
            )
        })
    }

    /// The weights of `feature` for good and bad (against neutral), if it has any.
    pub(crate) fn get(&self, feature: &str) -> Option<[f64; 2]> {
        let hash = fnv1a(feature);
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.hash_at(mid).cmp(&hash) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let at = mid * ENTRY + 4;
                    let e = &self.entries[at..at + 4];
                    let good = i16::from_le_bytes([e[0], e[1]]);
                    let bad = i16::from_le_bytes([e[2], e[3]]);
                    return Some([f64::from(good) / 1000.0, f64::from(bad) / 1000.0]);
                }
            }
        }
        None
    }
}

/// 32-bit FNV-1a of the feature's UTF-8 bytes.
pub(crate) fn fnv1a(s: &str) -> u32 {
    s.bytes()
        .fold(0x811C_9DC5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// The committed table, checked once; empty (the model abstains) if it were malformed,
/// which a test rules out.
fn weights() -> Weights<'static> {
    static WEIGHTS: OnceLock<Weights<'static>> = OnceLock::new();
    *WEIGHTS.get_or_init(|| Weights::new(WEIGHTS_BIN).unwrap_or_else(Weights::empty))
}

/// The model's class probabilities for `text`.
pub(crate) fn probabilities(text: &str) -> Probs {
    probabilities_with(weights(), &ngrams::features(text::clip(text, MODEL_TEXT_BYTES)))
}

/// Class probabilities of a feature list under `w`.
pub(crate) fn probabilities_with(w: Weights<'_>, features: &[String]) -> Probs {
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
        let w = Weights::new(WEIGHTS_BIN).expect("model_weights.bin is well-formed");
        assert!(w.len() > 1000, "only {} features", w.len());
        assert!(
            WEIGHTS_BIN.len() < 300 * 1024,
            "weights file is {} bytes",
            WEIGHTS_BIN.len()
        );
    }

    #[test]
    fn malformed_tables_are_refused() {
        assert!(Weights::new(b"").is_none());
        assert!(Weights::new(b"NFW1\x01\x00\x00\x00").is_none());
        assert!(Weights::new(b"XXXX\x00\x00\x00\x00").is_none());
        let mut two = b"NFW1\x02\x00\x00\x00".to_vec();
        two.extend_from_slice(&[2, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0]);
        assert!(Weights::new(&two).is_none(), "unsorted");
        assert!(Weights::new(b"NFW1\x00\x00\x00\x00").is_some_and(|w| w.len() == 0));
    }

    #[test]
    fn lookup_finds_every_entry() {
        let mut table = MAGIC.to_vec();
        let mut entries: Vec<(u32, i16, i16)> = ["a", "b", "편입", "wplug"]
            .iter()
            .enumerate()
            .map(|(i, f)| (fnv1a(f), i as i16 * 100, -(i as i16)))
            .collect();
        entries.sort();
        table.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for (h, g, b) in &entries {
            table.extend_from_slice(&h.to_le_bytes());
            table.extend_from_slice(&g.to_le_bytes());
            table.extend_from_slice(&b.to_le_bytes());
        }
        let w = Weights::new(&table).expect("valid");
        assert_eq!(w.get("편입"), Some([0.2, -0.002]));
        assert_eq!(w.get("a"), Some([0.0, 0.0]));
        assert_eq!(w.get("c"), None);
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
