//! Occurrences: the instants at which a post's schedule fires, expanded lazily.
//!
//! A [`Schedule`] is `at` (read in the post's timezone, else the calendar's), an optional
//! `repeat` cron expression evaluated in that same timezone, and an optional `until`. Without
//! `repeat` the only occurrence is `at`; with it, the occurrences are the cron matches at or
//! after `at`, up to and including `until`.
//!
//! # Guarantees
//! - Occurrences are strictly increasing instants (UTC), so a schedule never fires twice for one
//!   wall-clock time: when clocks go back, a fixed-time job (`30 2 * * *`) fires once, at the
//!   earlier instant; when clocks jump forward over it, it fires at the first instant after the
//!   gap (POSIX/Vixie cron semantics, implemented by croner).
//! - Nothing is expanded eagerly: callers ask for the next occurrence after an instant, or the
//!   most recent ones before it, so a `* * * * *` schedule costs only what is asked.
//!
//! # Errors
//! [`Schedule::from_post`] fails with a one-line reason (invalid time, timezone, cron, DST gap);
//! validation reports the same problems with spans, so the reason is for the daemon's logs.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::cron::{Repeat, parse_cron};
use crate::manifest::Post;
use crate::manifest::time::{Resolved, parse_time, parse_timezone};

/// When a post publishes.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The instant `at` resolves to.
    pub start: DateTime<Utc>,
    /// The timezone `repeat` is evaluated in.
    pub tz: Tz,
    /// Boxed: a parsed cron expression is large, and most posts do not repeat.
    pub repeat: Option<Box<Repeat>>,
    /// Last instant an occurrence may fall on (inclusive); only meaningful with `repeat`.
    pub until: Option<DateTime<Utc>>,
}

impl Schedule {
    /// The schedule a post asks for. `calendar_tz` is `postcal.yaml`'s timezone.
    pub fn from_post(post: &Post, calendar_tz: Option<Tz>) -> Result<Schedule, String> {
        let tz = match &post.timezone {
            Some(tz) => parse_timezone(tz)?,
            None => calendar_tz.ok_or("the calendar has no valid timezone")?,
        };
        let start = resolve(&post.at, tz)?;
        let repeat = post
            .repeat
            .as_ref()
            .map(|r| parse_cron(r).map(Box::new))
            .transpose()?;
        let until = match (&post.until, &repeat) {
            (Some(until), Some(_)) => Some(resolve(until, tz)?),
            _ => None,
        };
        Ok(Schedule {
            start,
            tz,
            repeat,
            until,
        })
    }

    /// A one-off schedule at `start`.
    pub fn once(start: DateTime<Utc>) -> Schedule {
        Schedule {
            start,
            tz: Tz::UTC,
            repeat: None,
            until: None,
        }
    }

    /// A repeating schedule (for tests and generators).
    pub fn repeating(
        start: DateTime<Utc>,
        tz: Tz,
        cron: &str,
        until: Option<DateTime<Utc>>,
    ) -> Result<Schedule, String> {
        Ok(Schedule {
            start,
            tz,
            repeat: Some(Box::new(parse_cron(cron)?)),
            until,
        })
    }

    fn in_range(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && self.until.is_none_or(|u| t <= u)
    }

    /// The first occurrence at or after `t` (`inclusive`) or strictly after it.
    pub fn next_after(&self, t: DateTime<Utc>, inclusive: bool) -> Option<DateTime<Utc>> {
        let Some(repeat) = &self.repeat else {
            let hit = if inclusive {
                self.start >= t
            } else {
                self.start > t
            };
            return hit.then_some(self.start);
        };
        // Never search from before `start`: the first occurrence is the first match at or after it.
        let (from, inclusive) = if t < self.start {
            (self.start, true)
        } else {
            (t, inclusive)
        };
        let next = repeat
            .cron
            .find_next_occurrence(&from.with_timezone(&self.tz), inclusive)
            .ok()?
            .with_timezone(&Utc);
        self.in_range(next).then_some(next)
    }

    /// The last occurrence at or before `t` (`inclusive`) or strictly before it.
    pub fn prev_before(&self, t: DateTime<Utc>, inclusive: bool) -> Option<DateTime<Utc>> {
        let Some(repeat) = &self.repeat else {
            let hit = if inclusive {
                self.start <= t
            } else {
                self.start < t
            };
            return hit.then_some(self.start);
        };
        let (from, inclusive) = match self.until {
            Some(until) if t > until => (until, true),
            _ => (t, inclusive),
        };
        if from < self.start {
            return None;
        }
        let prev = repeat
            .cron
            .find_previous_occurrence(&from.with_timezone(&self.tz), inclusive)
            .ok()?
            .with_timezone(&Utc);
        self.in_range(prev).then_some(prev)
    }

    /// Occurrences in `(after, up_to]`, oldest first; at most the `limit` most recent.
    pub fn recent(
        &self,
        after: DateTime<Utc>,
        up_to: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = self.prev_before(up_to, true);
        while let Some(t) = cursor {
            if t <= after || out.len() >= limit {
                break;
            }
            out.push(t);
            cursor = self.prev_before(t, false);
        }
        out.reverse();
        out
    }

    /// Occurrences strictly after `after` and at most `up_to`, oldest first, at most `limit`.
    pub fn upcoming(
        &self,
        after: DateTime<Utc>,
        up_to: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = self.next_after(after, false);
        while let Some(t) = cursor {
            if t > up_to || out.len() >= limit {
                break;
            }
            out.push(t);
            cursor = self.next_after(t, false);
        }
        out
    }
}

impl Schedule {
    /// Whether the schedule fires at all: a `repeat` such as `0 0 30 2 *` matches no date, and
    /// `until` may come before the first match.
    pub fn fires(&self) -> bool {
        self.next_after(self.start, true).is_some()
    }

    /// The most occurrences in any 24 hours, counting no further than `enough` (a caller that
    /// only compares with a limit passes the limit plus one).
    ///
    /// Every day a cron expression matches has the same times, so the busiest 24 hours are
    /// found within a few matching days; the walk covers 8 days from the first occurrence and at
    /// least 3 distinct matching days (a weekly or monthly pattern), at most 100,000 occurrences.
    pub fn most_in_a_day(&self, enough: usize) -> usize {
        let day = chrono::Duration::hours(24);
        let Some(first) = self.next_after(self.start, true) else {
            return 0;
        };
        let mut window: std::collections::VecDeque<DateTime<Utc>> = Default::default();
        let mut most = 0;
        let mut dates = Vec::new();
        let mut cursor = Some(first);
        let mut walked = 0;
        while let Some(t) = cursor {
            let date = t.with_timezone(&self.tz).date_naive();
            if dates.last() != Some(&date) {
                dates.push(date);
            }
            if (t - first > chrono::Duration::days(8) && dates.len() > 3) || walked > 100_000 {
                break;
            }
            while window.front().is_some_and(|&w| t - w >= day) {
                window.pop_front();
            }
            window.push_back(t);
            most = most.max(window.len());
            if most >= enough {
                return enough;
            }
            walked += 1;
            cursor = self.next_after(t, false);
        }
        most
    }
}

fn resolve(value: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    match parse_time(value)?.resolve(tz) {
        Resolved::Unique(t) | Resolved::Ambiguous { earlier: t, .. } => Ok(t),
        Resolved::Gap { .. } => Err(format!(
            "`{value}` does not exist in {tz} (skipped by daylight saving time)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn tz(name: &str) -> Tz {
        name.parse().unwrap()
    }

    /// All occurrences in `[from, to]`, walking forward.
    fn walk(s: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        s.upcoming(from - chrono::Duration::seconds(1), to, 10_000)
    }

    #[test]
    fn one_off_schedule_has_exactly_one_occurrence() {
        let s = Schedule::once(utc(2026, 12, 1, 8, 0));
        assert_eq!(
            s.next_after(utc(2026, 1, 1, 0, 0), false),
            Some(utc(2026, 12, 1, 8, 0))
        );
        assert_eq!(
            s.next_after(utc(2026, 12, 1, 8, 0), true),
            Some(utc(2026, 12, 1, 8, 0))
        );
        assert_eq!(s.next_after(utc(2026, 12, 1, 8, 0), false), None);
        assert_eq!(
            s.prev_before(utc(2027, 1, 1, 0, 0), true),
            Some(utc(2026, 12, 1, 8, 0))
        );
        assert_eq!(s.prev_before(utc(2026, 12, 1, 8, 0), false), None);
    }

    /// Table: (zone, cron, walk from, walk to, expected instants in UTC).
    #[test]
    fn daily_schedules_across_dst_fire_once_per_day() {
        type Case = (
            &'static str,
            &'static str,
            DateTime<Utc>,
            DateTime<Utc>,
            Vec<DateTime<Utc>>,
        );
        let cases: Vec<Case> = vec![
            // Berlin spring forward 2026-03-29 02:00 -> 03:00: 02:30 does not exist that day; it
            // fires once at the first instant after the gap (03:00 CEST = 01:00 UTC).
            (
                "Europe/Berlin",
                "30 2 * * *",
                utc(2026, 3, 28, 0, 0),
                utc(2026, 3, 30, 23, 0),
                vec![
                    utc(2026, 3, 28, 1, 30),
                    utc(2026, 3, 29, 1, 0),
                    utc(2026, 3, 30, 0, 30),
                ],
            ),
            // Berlin fall back 2026-10-25 03:00 -> 02:00: 02:30 happens twice; fires once, at
            // the earlier instant (CEST, 00:30 UTC).
            (
                "Europe/Berlin",
                "30 2 * * *",
                utc(2026, 10, 24, 0, 0),
                utc(2026, 10, 26, 23, 0),
                vec![
                    utc(2026, 10, 24, 0, 30),
                    utc(2026, 10, 25, 0, 30),
                    utc(2026, 10, 26, 1, 30),
                ],
            ),
            // New York spring forward 2026-03-08 02:00 -> 03:00.
            (
                "America/New_York",
                "30 2 * * *",
                utc(2026, 3, 7, 0, 0),
                utc(2026, 3, 9, 23, 0),
                vec![
                    utc(2026, 3, 7, 7, 30),
                    utc(2026, 3, 8, 7, 0),
                    utc(2026, 3, 9, 6, 30),
                ],
            ),
            // New York fall back 2026-11-01 02:00 -> 01:00: 01:30 happens twice, fires once.
            (
                "America/New_York",
                "30 1 * * *",
                utc(2026, 10, 31, 0, 0),
                utc(2026, 11, 2, 23, 0),
                vec![
                    utc(2026, 10, 31, 5, 30),
                    utc(2026, 11, 1, 5, 30),
                    utc(2026, 11, 2, 6, 30),
                ],
            ),
            // A 09:00 post is 09:00 local on both sides of the change.
            (
                "America/New_York",
                "0 9 * * *",
                utc(2026, 10, 31, 0, 0),
                utc(2026, 11, 2, 23, 0),
                vec![
                    utc(2026, 10, 31, 13, 0),
                    utc(2026, 11, 1, 14, 0),
                    utc(2026, 11, 2, 14, 0),
                ],
            ),
        ];
        for (zone, cron, from, to, expected) in cases {
            let s = Schedule::repeating(utc(2026, 1, 1, 0, 0), tz(zone), cron, None).unwrap();
            assert_eq!(walk(&s, from, to), expected, "{zone} {cron}");
            // Walking backwards gives the same instants.
            let back = s.recent(from - chrono::Duration::seconds(1), to, 100);
            assert_eq!(back, expected, "{zone} {cron} backwards");
        }
    }

    #[test]
    fn hourly_schedule_across_fall_back_follows_real_time_without_duplicates() {
        // Every hour at :15 in Berlin over the 2026-10-25 change: 25 distinct instants that day.
        let s = Schedule::repeating(
            utc(2026, 1, 1, 0, 0),
            tz("Europe/Berlin"),
            "15 * * * *",
            None,
        )
        .unwrap();
        let day = walk(&s, utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 22, 59));
        assert_eq!(day.len(), 25, "{day:?}");
        assert!(
            day.windows(2)
                .all(|w| w[1] - w[0] == chrono::Duration::hours(1))
        );
    }

    #[test]
    fn repeat_starts_at_at_and_stops_at_until() {
        let s = Schedule::repeating(
            utc(2026, 12, 1, 8, 30),
            tz("Europe/Berlin"),
            "0 9 * * *",
            Some(utc(2026, 12, 3, 8, 0)),
        )
        .unwrap();
        // 09:00 Berlin = 08:00 UTC; the 1st's 08:00 is before `at`, so the first is the 2nd.
        assert_eq!(
            walk(&s, utc(2026, 11, 1, 0, 0), utc(2027, 1, 1, 0, 0)),
            vec![utc(2026, 12, 2, 8, 0), utc(2026, 12, 3, 8, 0)]
        );
        assert_eq!(s.next_after(utc(2026, 12, 3, 8, 0), false), None);
        assert_eq!(
            s.prev_before(utc(2030, 1, 1, 0, 0), true),
            Some(utc(2026, 12, 3, 8, 0))
        );
        assert_eq!(s.prev_before(utc(2026, 12, 2, 8, 0), false), None);
    }

    #[test]
    fn recent_keeps_only_the_most_recent_within_the_limit() {
        let s = Schedule::repeating(utc(2026, 1, 1, 0, 0), Tz::UTC, "0 * * * *", None).unwrap();
        let got = s.recent(utc(2026, 1, 1, 0, 0), utc(2026, 1, 2, 0, 0), 3);
        assert_eq!(
            got,
            vec![
                utc(2026, 1, 1, 22, 0),
                utc(2026, 1, 1, 23, 0),
                utc(2026, 1, 2, 0, 0)
            ]
        );
    }

    #[test]
    fn counts_the_busiest_day_and_sees_schedules_that_never_fire() {
        let at = utc(2026, 12, 1, 12, 30);
        let s = |cron: &str| Schedule::repeating(at, Tz::Europe__Paris, cron, None).unwrap();
        assert_eq!(s("* * * * *").most_in_a_day(251), 251);
        assert_eq!(s("*/10 * * * *").most_in_a_day(1000), 144);
        assert_eq!(s("0 9 * * *").most_in_a_day(1000), 1);
        // Busy on Mondays only; the first day (a Tuesday afternoon) matches nothing.
        assert_eq!(s("*/5 8-17 * * MON").most_in_a_day(1000), 120);
        // Every minute on the 1st of the month, from 12:30 on the first one: a full day later.
        assert_eq!(s("* * 1 * *").most_in_a_day(10_000), 1440);
        assert!(!s("0 0 30 2 *").fires());
        assert_eq!(s("0 0 30 2 *").most_in_a_day(10), 0);
        assert!(s("0 9 * * MON").fires());
        let until = Schedule::repeating(at, Tz::UTC, "0 9 1 1 *", Some(utc(2026, 12, 31, 0, 0)));
        assert!(!until.unwrap().fires(), "the first match is after `until`");
    }
}
