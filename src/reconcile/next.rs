//! What a quiet daemon waits for, in words: `next: POST → ACCOUNT at 2026-12-01 09:00 CET (in
//! 1 d 23 h)`. Pure: the daemon logs it after a pass when it changed.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::human;
use crate::plan::{Change, ChangeKind, Plan};

/// The change the daemon acts on next after the plan's `now`, and when.
pub fn next_up(plan: &Plan) -> Option<(DateTime<Utc>, &Change)> {
    plan.changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ChangeKind::Publish
                    | ChangeKind::Wait
                    | ChangeKind::Retry { .. }
                    | ChangeKind::Resume { .. }
                    | ChangeKind::Waiting { .. }
            )
        })
        .filter_map(|c| Some((c.action_at()?, c)))
        .filter(|(t, _)| *t > plan.now)
        .min_by_key(|(t, _)| *t)
}

/// The log line for [`next_up`]'s answer, times in `tz`.
pub fn line(next: Option<(DateTime<Utc>, &Change)>, now: DateTime<Utc>, tz: Tz) -> String {
    let Some((t, c)) = next else {
        return "next: nothing scheduled; waiting for the calendar to change".to_owned();
    };
    let what = match c.kind {
        ChangeKind::Retry { .. } => "retry ",
        // A prepared slot is simply published at its time.
        ChangeKind::Resume { state, .. } if state != "prepared" => "resume ",
        ChangeKind::Waiting { .. } => "after a wait, ",
        _ => "",
    };
    format!(
        "next: {what}{} → {} at {} ({})",
        c.slot.post,
        c.slot.target,
        human::datetime(t, tz),
        human::relative(t, now)
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::plan::Summary;
    use crate::state::SlotKey;

    fn change(post: &str, at: DateTime<Utc>, kind: ChangeKind) -> Change {
        Change {
            slot: SlotKey::new(post, "threads/acme".parse().unwrap(), at),
            kind,
            path: None,
        }
    }

    #[test]
    fn the_next_action_in_local_time_and_how_far_it_is() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let later = now + chrono::Duration::hours(47);
        let plan = Plan {
            now,
            changes: vec![
                change("due", now, ChangeKind::Publish),
                change(
                    "published",
                    now - chrono::Duration::days(1),
                    ChangeKind::Draft,
                ),
                change("weekly", later, ChangeKind::Wait),
                change(
                    "flaky",
                    now - chrono::Duration::hours(1),
                    ChangeKind::Retry {
                        at: now + chrono::Duration::days(3),
                        attempts: 1,
                        last_error: None,
                    },
                ),
            ],
            next_wake: None,
            summary: Summary::default(),
            errors: 0,
        };
        assert_eq!(
            line(next_up(&plan), now, tz),
            "next: weekly → threads/acme at 2026-12-03 08:00 CET (in 1 d 23 h)"
        );
        let idle = Plan {
            changes: Vec::new(),
            ..plan
        };
        assert_eq!(
            line(next_up(&idle), now, tz),
            "next: nothing scheduled; waiting for the calendar to change"
        );
    }
}
