//! Repeating posts at a glance, for `plan`: each one's rule in words, its occurrences within
//! the horizon, and what was published of it so far, so a weekly post reads as weekly (the
//! plan's changes list each occurrence, and only the latest publication of a stream).
//!
//! Pure, like [`super::plan()`]; the daemon never computes it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Desired;
use crate::manifest::PostStatus;
use crate::platform::TargetKey;
use crate::schedule::words::describe;
use crate::state::{Record, SlotKey, SlotState};

/// At most this many occurrences are listed per post (a `*/5 * * * *` post over four weeks
/// has 8,064); `within_horizon` still counts them all, up to [`COUNT_LIMIT`].
pub const LIST_LIMIT: usize = 100;
/// Counting stops here.
pub const COUNT_LIMIT: usize = 100_000;

/// One repeating post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repeating {
    pub post: String,
    pub targets: Vec<TargetKey>,
    /// `every Monday at 08:00 from 2026-12-07 until 2027-02-22`.
    pub rule: String,
    /// The cron expression as written.
    pub repeat: String,
    /// The timezone it is evaluated in.
    pub timezone: String,
    /// `scheduled`, `paused` or `draft`.
    pub status: &'static str,
    /// The first occurrence, and the last one allowed.
    pub first: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Occurrences after now, up to the horizon (at most [`LIST_LIMIT`]).
    pub occurrences: Vec<DateTime<Utc>>,
    /// How many there are in that window (at most [`COUNT_LIMIT`]).
    pub within_horizon: usize,
    /// The next occurrence after now, even past the horizon.
    pub next: Option<DateTime<Utc>>,
    /// Slots of this post published so far (every target), and the latest one's time.
    pub published: usize,
    pub last_published: Option<DateTime<Utc>>,
}

/// Every repeating post of `desired` that is not blocked, in calendar order.
pub fn repeating(
    desired: &Desired,
    observed: &BTreeMap<SlotKey, Record>,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
    calendar_tz: Tz,
) -> Vec<Repeating> {
    let mut history: HashMap<&str, (usize, Option<DateTime<Utc>>)> = HashMap::new();
    for r in observed.values() {
        if matches!(r.state, SlotState::Published { .. }) {
            let (n, last) = history.entry(r.key.post.as_str()).or_default();
            *n += 1;
            *last = (*last).max(Some(r.key.at));
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for post in &desired.posts {
        let Some(schedule) = &post.schedule else {
            continue;
        };
        let Some(repeat) = &schedule.repeat else {
            continue;
        };
        if post.blocked.is_some() || !seen.insert(post.id.as_str()) {
            continue;
        }
        let all = schedule.upcoming(now, horizon, COUNT_LIMIT);
        let (published, last_published) =
            history.get(post.id.as_str()).copied().unwrap_or_default();
        out.push(Repeating {
            post: post.id.clone(),
            targets: post.targets.iter().map(|t| t.key.clone()).collect(),
            rule: describe(schedule, calendar_tz),
            repeat: repeat.expression.clone(),
            timezone: schedule.tz.to_string(),
            status: match post.status {
                PostStatus::Scheduled => "scheduled",
                PostStatus::Paused => "paused",
                PostStatus::Draft => "draft",
            },
            first: schedule.next_after(schedule.start, true),
            until: schedule.until,
            within_horizon: all.len(),
            occurrences: all.into_iter().take(LIST_LIMIT).collect(),
            next: schedule.next_after(now, false),
            published,
            last_published,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::plan::{DesiredPost, DesiredTarget};
    use crate::schedule::Schedule;
    use crate::state::Revision;

    #[test]
    fn a_weekly_post_over_a_month_shows_its_rule_occurrences_and_history() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        let first = Utc.with_ymd_and_hms(2026, 12, 7, 7, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2027, 2, 22, 7, 0, 0).unwrap();
        let target: TargetKey = "threads/acme".parse().unwrap();
        let post = DesiredPost {
            id: "weekly".into(),
            revision: Revision::default(),
            document: 0,
            status: PostStatus::Scheduled,
            schedule: Some(Schedule::repeating(first, tz, "0 8 * * MON", Some(until)).unwrap()),
            targets: vec![DesiredTarget {
                key: target.clone(),
                content_hash: "h".into(),
                preview: None,
            }],
            blocked: None,
        };
        let desired = Desired {
            posts: vec![Arc::new(post)],
            ..Desired::default()
        };
        let mut published = Record::planned(
            SlotKey::new("weekly", target, first),
            "h".into(),
            Revision::default(),
            first,
        );
        published.state = SlotState::Published {
            remote_id: "1".into(),
            permalink: None,
            at: first,
        };
        let observed = [(published.key.clone(), published)].into_iter().collect();
        let now = first + chrono::Duration::days(2);
        let horizon = now + chrono::Duration::weeks(4);
        let got = repeating(&desired, &observed, now, horizon, tz);
        assert_eq!(got.len(), 1);
        let weekly = &got[0];
        assert_eq!(
            weekly.rule,
            "every Monday at 08:00 from 2026-12-07 until 2027-02-22"
        );
        let days: Vec<String> = weekly
            .occurrences
            .iter()
            .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(
            days,
            ["12-14 08:00", "12-21 08:00", "12-28 08:00", "01-04 08:00"]
        );
        assert_eq!(weekly.within_horizon, 4);
        assert_eq!((weekly.published, weekly.last_published), (1, Some(first)));
        assert_eq!(weekly.next, weekly.occurrences.first().copied());
    }
}
