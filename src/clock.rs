//! Time as postcal sees it: an injectable [`Clock`].
//!
//! Everything that depends on "now" (schedules, the daemon loop, token age, the sandbox's
//! container expiry and rolling quotas) asks a `Clock` instead of the system. Tests use
//! [`ManualClock`] and advance it explicitly, so no test sleeps to wait for a schedule; demos
//! use [`WarpClock`] to start at a chosen instant and run faster than real time; the sandbox
//! process uses [`OffsetClock`], the system time plus an offset that its admin endpoint moves.
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

    /// Moves the clock forward by `by` and returns the new time, if this kind of clock can be
    /// moved ([`ManualClock`], [`OffsetClock`]); other clocks answer
    /// [`MoveError::NotAdjustable`]. Sleepers whose deadline has come wake up.
    fn try_advance(&self, by: chrono::Duration) -> Result<DateTime<Utc>, MoveError> {
        let _ = by;
        Err(MoveError::NotAdjustable)
    }

    /// The caller has nothing to do until `deadline`. A fast-forwarding demo clock
    /// ([`WarpClock::fast_forward`]) jumps there after a short pause; every other clock sleeps.
    fn idle_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        self.sleep_until(deadline)
    }
}

/// Why [`Clock::try_advance`] did not move a clock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("this clock follows real time and cannot be moved")]
    NotAdjustable,
    #[error("time only moves forward (asked to move back by {} s)", .0.num_seconds())]
    Backwards(chrono::Duration),
    #[error("moving the clock by {} s would leave the representable time range", .0.num_seconds())]
    OutOfRange(chrono::Duration),
}

/// Checks a move forward: not negative, and not past the end of time.
fn forward(now: DateTime<Utc>, by: chrono::Duration) -> Result<DateTime<Utc>, MoveError> {
    if by < chrono::Duration::zero() {
        return Err(MoveError::Backwards(-by));
    }
    now.checked_add_signed(by).ok_or(MoveError::OutOfRange(by))
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

    fn try_advance(&self, by: chrono::Duration) -> Result<DateTime<Utc>, MoveError> {
        let mut result = Err(MoveError::NotAdjustable);
        self.now.send_modify(|now| {
            result = forward(*now, by);
            if let Ok(to) = result {
                *now = to;
            }
        });
        result
    }
}

/// The system time plus an offset that only grows: real time for a long-running process (the
/// `postcal sandbox` command) that tests in other processes can still move forward, to expire
/// tokens or make a schedule due without waiting.
#[derive(Debug, Clone)]
pub struct OffsetClock {
    offset: Arc<watch::Sender<chrono::Duration>>,
}

impl Default for OffsetClock {
    fn default() -> Self {
        Self::new()
    }
}

impl OffsetClock {
    /// A clock that reads the system time until it is moved.
    pub fn new() -> Self {
        let (tx, _rx) = watch::channel(chrono::Duration::zero());
        Self {
            offset: Arc::new(tx),
        }
    }

    /// How far ahead of the system time this clock runs.
    pub fn offset(&self) -> chrono::Duration {
        *self.offset.borrow()
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = self.offset();
        Utc::now()
            .checked_add_signed(offset)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        let mut moved = self.offset.subscribe();
        Box::pin(async move {
            // Bounded steps as for `SystemClock`, and wake early when the offset moves.
            loop {
                let Ok(left) = (deadline - self.now()).to_std() else {
                    return;
                };
                if left.is_zero() {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(left.min(Duration::from_secs(30))) => {}
                    changed = moved.changed() => {
                        if changed.is_err() {
                            return;
                        }
                    }
                }
            }
        })
    }

    fn try_advance(&self, by: chrono::Duration) -> Result<DateTime<Utc>, MoveError> {
        let mut result = Err(MoveError::NotAdjustable);
        self.offset.send_modify(|offset| {
            let now = Utc::now()
                .checked_add_signed(*offset)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            result = forward(now, by).and_then(|to| {
                *offset = offset.checked_add(&by).ok_or(MoveError::OutOfRange(by))?;
                Ok(to)
            });
        });
        result
    }
}

/// Wall time shifted to start at a chosen instant and sped up by a factor: `--now` and time
/// warp for demos (`factor = 60.0` makes an hour pass in a minute).
///
/// Fast-forwarding ([`WarpClock::fast_forward`]): when its user is idle until some time, the
/// clock jumps there after a short pause instead of waiting, so months of a calendar pass in a
/// minute while every publication still runs at the warp factor (processing delays, polling
/// and timeouts keep their proportions to real network time).
#[derive(Debug, Clone)]
pub struct WarpClock {
    origin_real: Instant,
    origin_virtual: DateTime<Utc>,
    factor: f64,
    /// Time skipped so far (fast-forward), and a signal to sleepers that it moved.
    skipped: Arc<watch::Sender<chrono::Duration>>,
    /// `Some(pause)`: fast-forward over idle time, pausing this long (real time) first.
    pause: Option<Duration>,
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
            skipped: Arc::new(watch::channel(chrono::Duration::zero()).0),
            pause: None,
        }
    }

    /// [`WarpClock::new`], jumping over idle time after `pause` of real time.
    pub fn fast_forward(start: DateTime<Utc>, factor: f64, pause: Duration) -> Self {
        Self {
            pause: Some(pause),
            ..Self::new(start, factor)
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
        let skipped = *self.skipped.borrow();
        self.origin_virtual
            .checked_add_signed(real)
            .and_then(|t| t.checked_add_signed(skipped))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        let mut skips = self.skipped.subscribe();
        Box::pin(async move {
            loop {
                let left = self.real_duration_until(deadline);
                if left.is_zero() {
                    return;
                }
                tokio::select! {
                    () = tokio::time::sleep(left.min(Duration::from_secs(30))) => {}
                    // A fast-forward may have brought the deadline.
                    _ = skips.changed() => {}
                }
            }
        })
    }

    fn idle_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        let Some(pause) = self.pause else {
            return self.sleep_until(deadline);
        };
        Box::pin(async move {
            if self.real_duration_until(deadline) > pause {
                tokio::time::sleep(pause).await;
                let ahead = deadline - self.now();
                if ahead > chrono::Duration::zero() {
                    self.skipped.send_modify(|s| *s += ahead);
                }
            }
            self.sleep_until(deadline).await;
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
    fn adjustable_clocks_move_forward_only_and_others_refuse() {
        let manual = ManualClock::new(t0());
        let hour = chrono::Duration::hours(1);
        assert_eq!(manual.try_advance(hour), Ok(t0() + hour));
        assert_eq!(manual.try_advance(-hour), Err(MoveError::Backwards(hour)));
        assert_eq!(manual.now(), t0() + hour);
        assert!(matches!(
            manual.try_advance(chrono::Duration::MAX),
            Err(MoveError::OutOfRange(_))
        ));

        let offset = OffsetClock::new();
        let before = Utc::now();
        let moved = offset.try_advance(chrono::Duration::hours(25)).unwrap();
        assert!(moved >= before + chrono::Duration::hours(25));
        assert!(offset.now() >= before + chrono::Duration::hours(25));
        assert_eq!(offset.offset(), chrono::Duration::hours(25));
        assert_eq!(offset.try_advance(-hour), Err(MoveError::Backwards(hour)));
        assert_eq!(offset.offset(), chrono::Duration::hours(25));

        assert_eq!(SystemClock.try_advance(hour), Err(MoveError::NotAdjustable));
        assert_eq!(
            WarpClock::new(t0(), 2.0).try_advance(hour),
            Err(MoveError::NotAdjustable)
        );
    }

    #[tokio::test]
    async fn offset_clock_sleepers_wake_when_the_clock_is_moved_past_their_deadline() {
        let clock = OffsetClock::new();
        let deadline = Utc::now() + chrono::Duration::days(1);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(deadline).await })
        };
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.try_advance(chrono::Duration::days(2)).unwrap();
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn a_fast_forward_clock_jumps_over_idle_time_and_wakes_sleepers() {
        let clock = WarpClock::fast_forward(t0(), 1.0, Duration::from_millis(10));
        let far = t0() + chrono::Duration::days(30);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(far).await })
        };
        let started = Instant::now();
        clock.idle_until(far).await;
        assert!(clock.now() >= far);
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .unwrap()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        // A plain warp clock does not jump.
        let plain = WarpClock::new(t0(), 1.0);
        let idle = tokio::time::timeout(Duration::from_millis(50), plain.idle_until(far)).await;
        assert!(idle.is_err(), "a plain clock must wait");
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
