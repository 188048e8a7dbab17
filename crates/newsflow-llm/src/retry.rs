//! How long to wait before retrying a failed request: the server's `Retry-After` when
//! it sent one (capped at [`MAX_RETRY_AFTER`]), otherwise exponential backoff —
//! `retry-backoff × 2^attempt`, capped at [`MAX_BACKOFF`] — with jitter: a uniform
//! delay in `[d/2, d]`, so that many calls failing together do not retry together.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

/// Longest exponential backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// Longest `Retry-After` honoured; a longer one is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The delay before retry number `attempt + 1` (`attempt` counts from 0).
pub fn delay(backoff: Duration, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(ra) = retry_after {
        // A small jitter on top, so calls told the same deadline spread out a little.
        return ra.min(MAX_RETRY_AFTER) + Duration::from_millis((jitter() * 50.0) as u64);
    }
    let exp = backoff
        .checked_mul(1u32 << attempt.min(16))
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF);
    exp.mul_f64(0.5 + 0.5 * jitter())
}

/// A random number in `[0, 1)` (from the standard library's randomly keyed hasher).
fn jitter() -> f64 {
    let bits = RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_with_jitter_and_caps() {
        let base = Duration::from_millis(100);
        for attempt in 0..4 {
            let full = base * (1 << attempt);
            let d = delay(base, attempt, None);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
        assert!(delay(base, 30, None) <= MAX_BACKOFF);
        let ra = delay(base, 0, Some(Duration::from_secs(2)));
        assert!(ra >= Duration::from_secs(2) && ra <= Duration::from_millis(2050));
        assert!(delay(base, 0, Some(Duration::from_secs(600))) <= MAX_RETRY_AFTER + Duration::from_millis(50));
    }
}
