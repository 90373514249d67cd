//! TikTok's rates and caps, enforced on postcal's side so TikTok never has to refuse
//! (docs/platform-rules.md §2.1 "Per-token limit", §2.5 "Caps"; issue 9 item 2).
//!
//! - Per access token, per minute: 6 inits (`video/init` and `content/init` share the
//!   budget), 30 `status/fetch`, 20 `creator_info/query`.
//! - Per creator, per rolling 24 hours: about 15 direct posts (shared by every app, so postcal
//!   only knows its own), counted from the publications postcal recorded lately
//!   ([`Limits::seed`]) plus every init TikTok accepted or may have accepted.
//!
//! # Guarantees
//! - Windows roll on the injected clock: a call is allowed when fewer than `limit` calls were
//!   made in the `span` before now; when a window is full, [`Limits::take`] says when its
//!   oldest call leaves it, and the caller waits until then (nothing is sent).
//! - Tokens are never kept: a window is keyed by a short hash of the token.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::platform::TargetKey;
use crate::secret::Secret;

/// The rates and the daily cap; TikTok's documented values by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    pub init_per_minute: usize,
    pub status_per_minute: usize,
    pub creator_info_per_minute: usize,
    /// Direct posts per creator per rolling 24 h.
    pub posts_per_24h: usize,
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            init_per_minute: 6,
            status_per_minute: 30,
            creator_info_per_minute: 20,
            posts_per_24h: 15,
        }
    }
}

/// The per-token endpoints with a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    Init,
    Status,
    CreatorInfo,
}

impl Call {
    fn describe(self) -> &'static str {
        match self {
            Self::Init => "post inits",
            Self::Status => "status fetches",
            Self::CreatorInfo => "creator_info queries",
        }
    }
}

/// Calls made within the last `span`, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Window {
    hits: VecDeque<DateTime<Utc>>,
}

impl Window {
    fn prune(&mut self, now: DateTime<Utc>, span: Duration) {
        while self.hits.front().is_some_and(|t| *t + span <= now) {
            self.hits.pop_front();
        }
    }

    /// `None` when a call fits now, else when the oldest call leaves the window.
    pub fn free_at(
        &mut self,
        limit: usize,
        span: Duration,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.prune(now, span);
        if self.hits.len() < limit {
            return None;
        }
        // A call fits once all but `limit - 1` of the calls counted have left.
        let n = self.hits.len();
        let last_to_leave = if limit == 0 { n - 1 } else { n - limit };
        self.hits.get(last_to_leave).map(|t| *t + span)
    }

    /// Counts a call at `at` (kept in order: seeds may arrive unsorted).
    pub fn record(&mut self, at: DateTime<Utc>) {
        let i = self.hits.partition_point(|t| *t <= at);
        self.hits.insert(i, at);
    }

    pub fn len(&self) -> usize {
        self.hits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }
}

/// A full window: when it frees and a message saying so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Full {
    pub until: DateTime<Utc>,
    pub why: String,
}

/// Every window of one publisher.
#[derive(Debug, Default)]
pub struct Limits {
    rates: Rates,
    per_token: Mutex<HashMap<(Call, String), Window>>,
    daily: Mutex<HashMap<TargetKey, Window>>,
}

const MINUTE: Duration = Duration::minutes(1);
const DAY: Duration = Duration::hours(24);

/// A window key for a token that does not keep the token.
fn token_key(token: &Secret) -> String {
    Sha256::digest(token.expose().as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Limits {
    pub fn new(rates: Rates) -> Self {
        Self {
            rates,
            ..Self::default()
        }
    }

    pub fn rates(&self) -> Rates {
        self.rates
    }

    fn limit(&self, call: Call) -> usize {
        match call {
            Call::Init => self.rates.init_per_minute,
            Call::Status => self.rates.status_per_minute,
            Call::CreatorInfo => self.rates.creator_info_per_minute,
        }
    }

    /// Counts one `call` with `token` at `now`, or says when the window frees (nothing counted).
    pub fn take(&self, call: Call, token: &Secret, now: DateTime<Utc>) -> Result<(), Full> {
        let limit = self.limit(call);
        let mut windows = self.per_token.lock().unwrap_or_else(|e| e.into_inner());
        // Forget idle windows (a refreshed token never comes back).
        windows.retain(|_, w| {
            w.prune(now, MINUTE);
            !w.is_empty()
        });
        let window = windows.entry((call, token_key(token))).or_default();
        match window.free_at(limit, MINUTE, now) {
            None => {
                window.record(now);
                Ok(())
            }
            Some(until) => Err(Full {
                until,
                why: format!(
                    "waiting for TikTok's rate limit: {limit} {} a minute per access token",
                    call.describe()
                ),
            }),
        }
    }

    /// When the creator's daily cap is full, when its oldest post leaves the window.
    pub fn daily_full(&self, target: &TargetKey, now: DateTime<Utc>) -> Option<Full> {
        let limit = self.rates.posts_per_24h;
        let mut daily = self.daily.lock().unwrap_or_else(|e| e.into_inner());
        let window = daily.entry(target.clone()).or_default();
        window.free_at(limit, DAY, now).map(|until| Full {
            until,
            why: format!(
                "waiting for quota until {}: TikTok allows about {limit} direct posts per creator in 24 hours and {} were made",
                until.format("%Y-%m-%d %H:%M UTC"),
                window.len()
            ),
        })
    }

    /// When the creator's oldest counted post leaves the 24-hour window (`None`: none counted).
    pub fn daily_frees_at(&self, target: &TargetKey, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut daily = self.daily.lock().unwrap_or_else(|e| e.into_inner());
        let window = daily.get_mut(target)?;
        window.prune(now, DAY);
        window.hits.front().map(|t| *t + DAY)
    }

    /// Counts a direct post of `target` made (or maybe made) at `at`.
    pub fn count_post(&self, target: &TargetKey, at: DateTime<Utc>) {
        let mut daily = self.daily.lock().unwrap_or_else(|e| e.into_inner());
        daily.entry(target.clone()).or_default().record(at);
    }

    /// Posts postcal recorded lately, so the daily cap holds across restarts.
    pub fn seed(
        &self,
        published: impl IntoIterator<Item = (TargetKey, DateTime<Utc>)>,
        now: DateTime<Utc>,
    ) {
        for (target, at) in published {
            if at + DAY > now {
                self.count_post(&target, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    fn secs(n: i64) -> Duration {
        Duration::seconds(n)
    }

    #[test]
    fn per_token_windows_roll_over_one_minute() {
        let limits = Limits::new(Rates::default());
        let token = Secret::from("act.token-one-1234");
        // Six inits within a minute, the seventh waits for the first to leave.
        for i in 0..6 {
            limits.take(Call::Init, &token, t0() + secs(i * 5)).unwrap();
        }
        let full = limits
            .take(Call::Init, &token, t0() + secs(30))
            .unwrap_err();
        assert_eq!(full.until, t0() + secs(60));
        assert!(full.why.contains("6 post inits a minute"), "{}", full.why);
        assert!(!full.why.contains("token-one"), "no token in messages");
        limits.take(Call::Init, &token, t0() + secs(60)).unwrap();
        // The seventh call counted at 60 s; the next frees when the second (5 s) leaves.
        let full = limits
            .take(Call::Init, &token, t0() + secs(61))
            .unwrap_err();
        assert_eq!(full.until, t0() + secs(65));
    }

    #[test]
    fn windows_are_per_token_and_per_call() {
        let limits = Limits::new(Rates {
            init_per_minute: 1,
            status_per_minute: 2,
            creator_info_per_minute: 1,
            posts_per_24h: 15,
        });
        let (a, b) = (
            Secret::from("act.aaaaaaaaaa"),
            Secret::from("act.bbbbbbbbbb"),
        );
        limits.take(Call::Init, &a, t0()).unwrap();
        assert!(limits.take(Call::Init, &a, t0()).is_err());
        limits.take(Call::Init, &b, t0()).unwrap();
        limits.take(Call::CreatorInfo, &a, t0()).unwrap();
        limits.take(Call::Status, &a, t0()).unwrap();
        limits.take(Call::Status, &a, t0()).unwrap();
        let full = limits.take(Call::Status, &a, t0() + secs(10)).unwrap_err();
        assert_eq!(full.until, t0() + secs(60));
    }

    #[test]
    fn the_daily_cap_counts_seeded_posts_and_frees_with_the_oldest() {
        let limits = Limits::new(Rates {
            posts_per_24h: 3,
            ..Rates::default()
        });
        let acme: TargetKey = "tiktok/acme".parse().unwrap();
        let other: TargetKey = "tiktok/other".parse().unwrap();
        let now = t0();
        limits.seed(
            [
                (acme.clone(), now - Duration::hours(30)), // outside the window: ignored
                (acme.clone(), now - Duration::hours(2)),
                (acme.clone(), now - Duration::hours(20)),
                (other.clone(), now - Duration::hours(1)),
            ],
            now,
        );
        assert_eq!(limits.daily_full(&acme, now), None);
        limits.count_post(&acme, now);
        let full = limits.daily_full(&acme, now).unwrap();
        assert_eq!(
            full.until,
            now + Duration::hours(4),
            "the 20-hour-old post leaves first"
        );
        assert!(
            full.why.starts_with("waiting for quota until"),
            "{}",
            full.why
        );
        assert_eq!(
            limits.daily_frees_at(&acme, now),
            Some(now + Duration::hours(4))
        );
        assert_eq!(limits.daily_full(&other, now), None);
        assert_eq!(limits.daily_full(&acme, full.until), None);
    }

    #[test]
    fn a_window_over_its_limit_frees_when_enough_calls_leave() {
        let mut w = Window::default();
        for i in 0..5 {
            w.record(t0() + secs(i));
        }
        // Limit 3 with 5 counted (seeded posts can exceed it): 3 must leave.
        assert_eq!(w.free_at(3, MINUTE, t0() + secs(10)), Some(t0() + secs(62)));
        assert_eq!(w.free_at(6, MINUTE, t0() + secs(10)), None);
        assert_eq!(w.free_at(0, MINUTE, t0() + secs(10)), Some(t0() + secs(64)));
    }
}
