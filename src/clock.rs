//! Time as postcal sees it: an injectable [`Clock`].
//!
//! Everything that depends on "now" (schedules, the daemon loop, token age, the sandbox's
//! container expiry and rolling quotas) asks a `Clock` instead of the system. Tests use
//! [`ManualClock`] and advance it explicitly, so no test sleeps to wait for a schedule; demos
//! use [`WarpClock`] to start at a chosen instant and run faster than real time.
//!
//! # Guarantees
//! - `now()` never goes backwards for [`SystemClock`]-independent clocks ([`ManualClock`]
//!   refuses to move back, [`WarpClock`] is monotonic because it is based on `Instant`).
//! - A future returned by [`Clock::sleep_until`] completes once `now() >= deadline`; for a
//!   `ManualClock` that happens as soon as a test advances it far enough, without real waiting.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// A boxed future returned by [`Clock::sleep_until`].
pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A source of the current time, and a way to wait for a future one.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Completes once [`Clock::now`] has reached `deadline` (at once if it already has).
    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_>;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        Box::pin(async move {
            // Sleep in bounded steps: the wall clock can jump (NTP, suspend), and a single long
            // sleep on a monotonic timer would overshoot a deadline after a jump forward.
            loop {
                let left = deadline - Utc::now();
                let Ok(left) = left.to_std() else { return };
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left.min(Duration::from_secs(30))).await;
            }
        })
    }
}

/// A clock that only moves when told to: the clock of tests.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        let (tx, _rx) = watch::channel(start);
        Self { now: Arc::new(tx) }
    }

    /// Moves the clock forward by `by`, waking every sleeper whose deadline has come.
    pub fn advance(&self, by: chrono::Duration) {
        self.now
            .send_modify(|now| *now += by.max(chrono::Duration::zero()));
    }

    /// Sets the clock to `to`; a `to` in the past is ignored (time never goes backwards).
    pub fn set(&self, to: DateTime<Utc>) {
        self.now.send_modify(|now| *now = (*now).max(to));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // `wait_for` checks the current value first, then every change.
            let _ = rx.wait_for(|now| *now >= deadline).await;
        })
    }
}

/// Wall time shifted to start at a chosen instant and sped up by a factor: `--now` and time
/// warp for demos (`factor = 60.0` makes an hour pass in a minute).
#[derive(Debug, Clone)]
pub struct WarpClock {
    origin_real: Instant,
    origin_virtual: DateTime<Utc>,
    factor: f64,
}

impl WarpClock {
    /// The factors a warp clock runs at: beyond them, virtual durations overflow (or, slower,
    /// nothing ever happens). `postcal run --warp` refuses others.
    pub const FACTORS: std::ops::RangeInclusive<f64> = 0.001..=1_000_000.0;

    /// A clock that reads `start` now and advances `factor` times faster than real time.
    /// A factor outside [`Self::FACTORS`] is clamped into it; one that is not a number is 1.
    pub fn new(start: DateTime<Utc>, factor: f64) -> Self {
        let factor = if factor.is_nan() {
            1.0
        } else {
            factor.clamp(*Self::FACTORS.start(), *Self::FACTORS.end())
        };
        Self {
            origin_real: Instant::now(),
            origin_virtual: start,
            factor,
        }
    }

    fn real_duration_until(&self, deadline: DateTime<Utc>) -> Duration {
        let virtual_left = (deadline - self.now()).to_std().unwrap_or_default();
        Duration::try_from_secs_f64(virtual_left.as_secs_f64() / self.factor)
            .unwrap_or(Duration::MAX)
    }
}

impl Clock for WarpClock {
    fn now(&self) -> DateTime<Utc> {
        let real = self.origin_real.elapsed().as_secs_f64() * self.factor;
        let real = Duration::try_from_secs_f64(real)
            .ok()
            .and_then(|real| chrono::Duration::from_std(real).ok())
            .unwrap_or(chrono::Duration::MAX);
        self.origin_virtual
            .checked_add_signed(real)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        Box::pin(async move {
            loop {
                let left = self.real_duration_until(deadline);
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left.min(Duration::from_secs(30))).await;
            }
        })
    }
}

/// A shared, dynamically typed clock.
pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
    }

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_when_advanced_past_deadline() {
        let clock = ManualClock::new(t0());
        let deadline = t0() + chrono::Duration::minutes(5);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(deadline).await })
        };
        clock.advance(chrono::Duration::minutes(4));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke before the deadline");
        clock.advance(chrono::Duration::minutes(1));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(clock.now(), deadline);
    }

    #[test]
    fn manual_clock_never_goes_backwards() {
        let clock = ManualClock::new(t0());
        clock.set(t0() - chrono::Duration::hours(1));
        clock.advance(chrono::Duration::hours(-1));
        assert_eq!(clock.now(), t0());
    }

    #[test]
    fn warp_clock_never_panics_whatever_the_factor() {
        for factor in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e308, 1e-300, 1e6, 1e-3] {
            let clock = WarpClock::new(t0(), factor);
            let now = clock.now();
            assert!(now >= t0(), "{factor}");
            let _ = clock.real_duration_until(t0() + chrono::Duration::days(365 * 1000));
            let _ = clock.real_duration_until(DateTime::<Utc>::MAX_UTC);
        }
    }

    #[test]
    fn warp_clock_starts_at_the_chosen_instant_and_runs_faster() {
        let clock = WarpClock::new(t0(), 3600.0);
        std::thread::sleep(Duration::from_millis(20));
        let elapsed = clock.now() - t0();
        // 20 ms of real time at 3600x is at least 72 s of virtual time.
        assert!(elapsed >= chrono::Duration::seconds(72), "{elapsed}");
    }
}
