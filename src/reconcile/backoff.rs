//! Exponential backoff with jitter, capped (docs/platform-rules.md §8).
//!
//! The n-th retry waits `base × 2^(n-1)`, at most `cap`, spread by ±`jitter` so that many
//! slots failing together (a platform outage) do not retry in lockstep. A platform's own
//! "retry after" wins when it is longer.

use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub base: chrono::Duration,
    pub cap: chrono::Duration,
    /// Fraction of the delay added or removed at random, in `[0, 1)`.
    pub jitter: f64,
    /// Attempts (prepare + commit rounds) before a retryable failure becomes permanent.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: chrono::Duration::seconds(30),
            cap: chrono::Duration::hours(1),
            jitter: 0.2,
            max_attempts: 8,
        }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (1-based); `unit` is a random number in `[0, 1)`.
    pub fn delay(&self, attempt: u32, unit: f64, after_secs: Option<u64>) -> chrono::Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let raw = self
            .base
            .checked_mul(1i32 << exp.min(30))
            .unwrap_or(self.cap)
            .min(self.cap);
        let spread = 1.0 - self.jitter + 2.0 * self.jitter * unit.clamp(0.0, 1.0);
        let ms = (raw.num_milliseconds() as f64 * spread) as i64;
        let jittered = chrono::Duration::milliseconds(ms).min(self.cap);
        let asked = after_secs
            .and_then(|s| i64::try_from(s).ok())
            .map(chrono::Duration::seconds)
            .unwrap_or_default();
        jittered.max(asked)
    }
}

/// A small deterministic random source (SplitMix64) for jitter; seeded from the clock in
/// production, fixed in tests.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn seeded(seed: u64) -> Self {
        Self(seed)
    }

    pub fn from_time() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self(nanos ^ u64::from(std::process::id()).rotate_left(32))
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_then_cap_with_bounded_jitter() {
        let b = Backoff::default();
        let s = chrono::Duration::seconds;
        // (attempt, unit, after, expected)
        let cases = [
            (1, 0.5, None, s(30)),
            (2, 0.5, None, s(60)),
            (3, 0.5, None, s(120)),
            (7, 0.5, None, s(1920)),
            (8, 0.5, None, s(3600)),
            (40, 0.5, None, s(3600)),
            (1, 0.0, None, s(24)),
            (1, 0.999_999, None, s(36)),
            (8, 0.999_999, None, s(3600)),
            (1, 0.5, Some(300), s(300)),
            (0, 0.5, None, s(30)),
        ];
        for (attempt, unit, after, expected) in cases {
            let got = b.delay(attempt, unit, after);
            assert!(
                (got - expected).num_milliseconds().abs() <= 1,
                "attempt {attempt} unit {unit}: {got} != {expected}"
            );
        }
    }

    #[test]
    fn jitter_is_uniform_enough_and_in_range() {
        let mut j = Jitter::seeded(42);
        let xs: Vec<f64> = (0..10_000).map(|_| j.unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }
}
