//! A small, value-stable random source.
//!
//! Every draw is built directly on `RngCore::next_u64` of a [`Pcg64Mcg`], so the output for a
//! given seed never depends on how a `rand` version implements its distributions.

use rand::RngCore;
use rand_pcg::Pcg64Mcg;

/// Stream tags: each generator (and each per-day or per-item sub-stream) derives its own
/// independent generator from `(seed, stream, index)`.
pub(crate) const STREAM_NEWS_SCHEDULE: u64 = 0x4E45_5753_5343_4844; // "NEWSSCHD"
pub(crate) const STREAM_NEWS_TEXT: u64 = 0x4E45_5753_5445_5854; // "NEWSTEXT"
pub(crate) const STREAM_STOCK: u64 = 0x5354_4F43_4B54_5244; // "STOCKTRD"
pub(crate) const STREAM_START_PRICE: u64 = 0x5354_5250_5249_4345; // "STRPRICE"
pub(crate) const STREAM_MARKET: u64 = 0x4D41_524B_4554_4654; // "MARKETFT"
pub(crate) const STREAM_MARKET_BETA: u64 = 0x4D41_524B_4254_4153; // "MARKBTAS"
pub(crate) const STREAM_SENSOR: u64 = 0x5345_4E53_4F52_5244; // "SENSORRD"

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, used to key per-symbol streams by the symbol's text.
pub(crate) fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    h
}

pub(crate) struct Rng(Pcg64Mcg);

impl Rng {
    /// An independent generator for `(seed, stream, index)`.
    pub(crate) fn new(seed: u64, stream: u64, index: u64) -> Rng {
        let a = splitmix64(seed ^ splitmix64(stream ^ splitmix64(index)));
        let b = splitmix64(a ^ 0xD1B5_4A32_D192_ED03);
        Rng(Pcg64Mcg::new((u128::from(a) << 64) | u128::from(b)))
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    #[inline]
    pub(crate) fn range_f64(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform in `0..n` (`n > 0`; 0 when `n == 0`). Lemire's multiply-shift; the bias is
    /// below 2^-64 · n and irrelevant here.
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub(crate) fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// True with probability `p`.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// A roughly standard-normal draw (sum of two uniforms from one `u64`, rescaled to unit
    /// variance): cheap and good enough for price noise.
    #[inline]
    pub(crate) fn approx_normal(&mut self) -> f64 {
        let x = self.next_u64();
        let a = (x >> 32) as f64 * (1.0 / 4_294_967_296.0);
        let b = (x & 0xFFFF_FFFF) as f64 * (1.0 / 4_294_967_296.0);
        (a + b - 1.0) * 2.449_489_742_783_178 // sqrt(6)
    }

    /// An exponential draw with the given mean.
    #[inline]
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -(1.0 - self.f64()).ln() * mean
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}
