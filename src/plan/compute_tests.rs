//! [`super::plan`] table-tested: every change kind, history, catch-up after downtime.

use super::*;
use crate::plan::desired::Blocked;
use crate::schedule::Schedule;
use crate::state::Revision;
use chrono::TimeZone;
use std::sync::Arc;

const TARGET: &str = "instagram/acme";

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(h)
}

fn now() -> DateTime<Utc> {
    t(0)
}

fn post(id: &str, schedule: Schedule, status: PostStatus, hash: &str) -> DesiredPost {
    DesiredPost {
        document: 0,
        id: id.into(),
        revision: Revision {
            path: format!("posts/{id}.yaml"),
            file_hash: "f".into(),
            commit: None,
        },
        status,
        schedule: Some(schedule),
        targets: vec![DesiredTarget {
            key: TARGET.parse().unwrap(),
            content_hash: hash.into(),
            preview: None,
        }],
        blocked: None,
    }
}

fn once(id: &str, minutes: i64) -> DesiredPost {
    post(id, Schedule::once(t(minutes)), PostStatus::Scheduled, "h1")
}

fn rec(id: &str, minutes: i64, state: SlotState, hash: &str) -> Record {
    let mut r = Record::planned(
        SlotKey::new(id, TARGET.parse().unwrap(), t(minutes)),
        hash.into(),
        Revision {
            path: format!("posts/{id}.yaml"),
            file_hash: "f".into(),
            commit: None,
        },
        t(minutes),
    );
    r.state = state;
    r
}

fn published() -> SlotState {
    SlotState::Published {
        remote_id: "m1".into(),
        permalink: None,
        at: t(0),
    }
}

fn run(posts: Vec<DesiredPost>, records: Vec<Record>) -> Plan {
    let desired = Desired {
        posts: posts.into_iter().map(Arc::new).collect(),
        max_lateness: chrono::Duration::hours(1),
        ..Desired::default()
    };
    let observed = records.into_iter().map(|r| (r.key.clone(), r)).collect();
    plan(
        &desired,
        &observed,
        now(),
        &Policy::new(chrono::Duration::hours(1)),
    )
}

/// (name, plan) → the kinds and minutes of every change.
fn kinds(plan: &Plan) -> Vec<(String, i64)> {
    plan.changes
        .iter()
        .map(|c| (c.kind.name().to_owned(), (c.slot.at - t(0)).num_minutes()))
        .collect()
}

#[test]
fn every_change_kind() {
    let retry_state = SlotState::Failed {
        reason: "HTTP 503".into(),
        permanent: false,
    };
    let permanent = SlotState::Failed {
        reason: "caption too long".into(),
        permanent: true,
    };
    let mut blocked = once("broken", 60);
    blocked.blocked = Some(Blocked {
        errors: 2,
        first_error: "caption has 2301 characters".into(),
    });
    let mut retry = rec("retry", -10, retry_state, "h1");
    retry.next_action = Some(t(5));
    let mut armed = rec(
        "armed",
        -1,
        SlotState::Armed {
            remote_ids: vec!["c1".into()],
        },
        "h1",
    );
    armed.next_action = None;
    type Case = (
        &'static str,
        Vec<DesiredPost>,
        Vec<Record>,
        Vec<(&'static str, i64)>,
    );
    let cases: Vec<Case> = vec![
        (
            "future post waits",
            vec![once("a", 30)],
            vec![],
            vec![("wait", 30)],
        ),
        (
            "due post publishes",
            vec![once("a", -30)],
            vec![],
            vec![("publish", -30)],
        ),
        (
            "exactly max_lateness late still publishes",
            vec![once("a", -60)],
            vec![],
            vec![("publish", -60)],
        ),
        (
            "past max_lateness is missed",
            vec![once("a", -61)],
            vec![],
            vec![("missed", -61)],
        ),
        (
            "a recorded miss stays missed",
            vec![once("a", -120)],
            vec![rec("a", -120, SlotState::Missed, "h1")],
            vec![("missed", -120)],
        ),
        (
            "published and unchanged: nothing",
            vec![once("a", -30)],
            vec![rec("a", -30, published(), "h1")],
            vec![("nothing", -30)],
        ),
        (
            "published then edited: drift, not re-posted",
            vec![once("a", -30)],
            vec![rec("a", -30, published(), "old")],
            vec![("drift", -30)],
        ),
        (
            "published then moved: drift, no second post",
            vec![once("a", 120)],
            vec![rec("a", -30, published(), "h1")],
            vec![("drift", -30)],
        ),
        (
            "published then manifest deleted: orphan",
            vec![],
            vec![rec("gone", -30, published(), "h1")],
            vec![("orphan", -30)],
        ),
        (
            "invalid manifest: blocked",
            vec![blocked],
            vec![],
            vec![("blocked", 60)],
        ),
        (
            "paused",
            vec![post("p", Schedule::once(t(30)), PostStatus::Paused, "h1")],
            vec![],
            vec![("paused", 30)],
        ),
        (
            "draft",
            vec![post("d", Schedule::once(t(30)), PostStatus::Draft, "h1")],
            vec![],
            vec![("draft", 30)],
        ),
        (
            "retryable failure: retry at next action",
            vec![once("retry", -10)],
            vec![retry],
            vec![("retry", -10)],
        ),
        (
            "permanent failure waits",
            vec![once("a", -10)],
            vec![rec("a", -10, permanent.clone(), "h1")],
            vec![("failed", -10)],
        ),
        (
            "permanent failure then fixed: publish",
            vec![once("a", -10)],
            vec![rec("a", -10, permanent, "old")],
            vec![("publish", -10)],
        ),
        (
            "armed: resume (look-up)",
            vec![once("armed", -1)],
            vec![armed],
            vec![("resume", -1)],
        ),
        (
            "needs review is shown",
            vec![once("a", -1)],
            vec![rec(
                "a",
                -1,
                SlotState::NeedsReview {
                    why: "timeout".into(),
                },
                "h1",
            )],
            vec![("needs_review", -1)],
        ),
        (
            "armed and deleted still resumes",
            vec![],
            vec![rec("x", -1, SlotState::Armed { remote_ids: vec![] }, "h1")],
            vec![("resume", -1)],
        ),
        (
            "rescheduled before publishing: only the new time",
            vec![once("a", 90)],
            vec![rec(
                "a",
                30,
                SlotState::Failed {
                    reason: "503".into(),
                    permanent: false,
                },
                "h1",
            )],
            vec![("wait", 90)],
        ),
    ];
    for (name, posts, records, expected) in cases {
        let plan = run(posts, records);
        let expected: Vec<(String, i64)> = expected
            .into_iter()
            .map(|(k, m)| (k.to_owned(), m))
            .collect();
        assert_eq!(kinds(&plan), expected, "{name}");
    }
}

#[test]
fn a_deleted_post_in_a_broken_file_is_blocked_not_orphaned() {
    let desired = Desired {
        files_with_errors: ["posts/gone.yaml".to_owned()].into(),
        max_lateness: chrono::Duration::hours(1),
        ..Desired::default()
    };
    let r = rec("gone", -30, published(), "h1");
    let observed = [(r.key.clone(), r)].into();
    let plan = plan(
        &desired,
        &observed,
        now(),
        &Policy::new(chrono::Duration::hours(1)),
    );
    assert_eq!(kinds(&plan), vec![("blocked".to_owned(), -30)]);
}

#[test]
fn repeating_post_lists_history_once_and_upcoming_within_horizon() {
    // Daily at 09:00 UTC from Nov 29: Nov 29 and 30 published, Dec 1 due now, then daily.
    let s = Schedule::repeating(t(-2 * 24 * 60), chrono_tz::Tz::UTC, "0 9 * * *", None).unwrap();
    let p = post("daily", s, PostStatus::Scheduled, "h1");
    let records = vec![
        rec("daily", -2 * 24 * 60, published(), "h1"),
        rec("daily", -24 * 60, published(), "old"),
    ];
    let plan = run(vec![p], records);
    let got = kinds(&plan);
    // The older publication is history; the latest is compared (content changed: drift).
    assert_eq!(got[0], ("drift".to_owned(), -24 * 60));
    assert_eq!(got[1], ("publish".to_owned(), 0));
    assert_eq!(got.len(), 2 + 7, "{got:?}");
    assert!(got[2..].iter().all(|(k, _)| k == "wait"));
    assert_eq!(plan.summary.publish, 1);
    assert_eq!(plan.summary.wait, 7);
    assert_eq!(plan.next_wake, Some(t(24 * 60)));
}

#[test]
fn next_wake_is_the_earliest_future_action() {
    let mut retry = rec(
        "r",
        -10,
        SlotState::Failed {
            reason: "503".into(),
            permanent: false,
        },
        "h1",
    );
    retry.next_action = Some(t(3));
    let plan = run(vec![once("a", 30), once("r", -10)], vec![retry]);
    assert_eq!(plan.next_wake, Some(t(3)));
    assert_eq!(plan.due().count(), 0);
    let plan = run(vec![once("a", -5)], vec![]);
    assert_eq!(plan.due().count(), 1);
    assert_eq!(plan.next_wake, None);
}

#[test]
fn long_ago_one_off_post_is_missed() {
    let plan = run(vec![once("old", -90 * 24 * 60)], vec![]);
    assert_eq!(kinds(&plan), vec![("missed".to_owned(), -90 * 24 * 60)]);
}

#[test]
fn after_downtime_a_repeating_post_catches_up_only_its_latest_occurrence() {
    // Every minute since 09:00 - 20 min; published once at the start, then 20 minutes down.
    let s = Schedule::repeating(t(-20), chrono_tz::Tz::UTC, "* * * * *", None).unwrap();
    let plan = run(
        vec![post("minutely", s, PostStatus::Scheduled, "h1")],
        vec![rec("minutely", -20, published(), "h1")],
    );
    let got = kinds(&plan);
    let missed: Vec<i64> = got
        .iter()
        .filter(|(k, _)| k == "missed")
        .map(|(_, m)| *m)
        .collect();
    assert_eq!(missed, (-19..0).collect::<Vec<_>>(), "every one, counted");
    assert_eq!(plan.summary.publish, 1, "no burst: {got:?}");
    assert!(got.contains(&("publish".to_owned(), 0)));
    assert_eq!(plan.summary.missed, 19);
}

#[test]
fn no_past_occurrence_is_dropped_within_the_lookback() {
    // Hourly, a day of lateness allowed, 30 hours down: the old cap of 20 occurrences
    // published 20 at once and said nothing of the other 10.
    let s = Schedule::repeating(t(-30 * 60), chrono_tz::Tz::UTC, "0 * * * *", None).unwrap();
    let desired = Desired {
        posts: vec![Arc::new(post("hourly", s, PostStatus::Scheduled, "h1"))],
        max_lateness: chrono::Duration::days(1),
        ..Desired::default()
    };
    let plan = plan(
        &desired,
        &BTreeMap::new(),
        now(),
        &Policy::new(chrono::Duration::days(1)),
    );
    assert_eq!(plan.summary.publish, 1);
    assert_eq!(plan.summary.missed, 30);
}
