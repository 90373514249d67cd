//! Rolling windows on the sandbox clock: posts per 24 h, containers per 24 h, requests per
//! minute per token. Advancing the clock frees them; nothing sleeps.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

/// Event times per key (`"ig.posts:<user>"`, `"tt.init:<token grant>"`, ...).
#[derive(Debug, Default)]
pub(crate) struct Windows {
    events: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl Windows {
    /// Events of `key` in the window `(now - window, now]`.
    pub fn count(&mut self, key: &str, window: Duration, now: DateTime<Utc>) -> u32 {
        let Some(q) = self.events.get_mut(key) else {
            return 0;
        };
        while q.front().is_some_and(|t| *t <= now - window) {
            q.pop_front();
        }
        q.len() as u32
    }

    pub fn record(&mut self, key: &str, now: DateTime<Utc>) {
        self.events
            .entry(key.to_owned())
            .or_default()
            .push_back(now);
    }

    /// Records an event if fewer than `limit` happened in the window; otherwise refuses.
    pub fn try_take(
        &mut self,
        key: &str,
        limit: u32,
        window: Duration,
        now: DateTime<Utc>,
    ) -> bool {
        if self.count(key, window, now) >= limit {
            return false;
        }
        self.record(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_window_fills_and_frees_as_time_passes() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
        let mut w = Windows::default();
        let minute = Duration::minutes(1);
        for i in 0..6 {
            assert!(
                w.try_take("k", 6, minute, t0 + Duration::seconds(i)),
                "call {i}"
            );
        }
        assert!(!w.try_take("k", 6, minute, t0 + Duration::seconds(59)));
        assert_eq!(w.count("other", minute, t0), 0);
        // The first event (t0) leaves the window exactly one minute later.
        assert!(w.try_take("k", 6, minute, t0 + minute));
        assert!(!w.try_take("k", 6, minute, t0 + minute));
    }
}
