//! Snapshots of what people and programs read (colour off), over `tests/fixtures/every-kind`
//! and records written here: a plan with every change kind and a status with every slot state,
//! each in both formats, and `show` of a post with conversions and of a weekly post. A change
//! kind or slot state added without a case here fails [`every_change_kind_and_slot_state_is_shown`].

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use postcal::plan::desired::Desired;
use postcal::state::{OpenMode, Record, SledStore, SlotKey, SlotState, Store};

use crate::util::{Output, Postcal, copy_tree, repo_root};

/// When every output here is made: Tuesday 2026-12-01 09:00 in Paris.
const NOW: &str = "2026-12-01 09:00";

/// `hour:minute` Paris time (UTC+1 in winter) on a day of 2026.
fn paris(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .unwrap()
        - chrono::Duration::hours(1)
}

/// The fixture copied into a temporary directory (as `cal`), with its records.
struct Fixture {
    tmp: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("cal");
        copy_tree(&repo_root().join("tests/fixtures/every-kind"), &root);
        let desired = postcal::plan::desired::load(&root).expect("load");
        write_records(&root, &desired);
        Fixture { tmp }
    }

    fn run(&self, args: &[&str]) -> Output {
        Postcal::new().current_dir(self.tmp.path()).args(args).run()
    }
}

/// One record of `post` → `target` at `at` in `state`, with the content hash and revision
/// the calendar has now (unless `hash` says otherwise).
fn record(
    desired: &Desired,
    post: &str,
    target: &str,
    at: DateTime<Utc>,
    state: SlotState,
) -> Record {
    let key = SlotKey::new(post, target.parse().expect("target"), at);
    let found = desired.posts.iter().find(|p| p.id == post);
    let hash = found
        .and_then(|p| p.targets.iter().find(|t| t.key == key.target))
        .map(|t| t.content_hash.clone())
        .unwrap_or_default();
    let revision = found.map(|p| p.revision.clone()).unwrap_or_default();
    let mut r = Record::planned(key, hash, revision, at);
    r.state = state;
    r
}

fn write_records(root: &Path, desired: &Desired) {
    let threads = "threads/acme";
    let ids = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut records = Vec::new();

    let mut retry = record(
        desired,
        "retry",
        threads,
        paris(12, 1, 8, 0),
        SlotState::Failed {
            reason: "Threads answered HTTP 503".into(),
            permanent: false,
        },
    );
    retry.attempts = 2;
    retry.last_error = Some("Threads answered HTTP 503".into());
    retry.next_action = Some(paris(12, 1, 9, 5));
    records.push(retry);

    let mut armed = record(
        desired,
        "resume",
        threads,
        paris(12, 1, 8, 50),
        SlotState::Armed {
            remote_ids: ids(&["17890000000000001"]),
        },
    );
    armed.armed_at = Some(paris(12, 1, 8, 50));
    armed.next_action = Some(paris(12, 1, 8, 50));
    records.push(armed);

    records.push(record(
        desired,
        "preparing",
        threads,
        paris(12, 1, 8, 55),
        SlotState::Preparing,
    ));

    let mut prepared = record(
        desired,
        "prepared",
        threads,
        paris(12, 1, 9, 10),
        SlotState::Prepared {
            remote_ids: ids(&["17890000000000002"]),
        },
    );
    prepared.next_action = Some(paris(12, 1, 9, 10));
    records.push(prepared);

    let mut committed = record(
        desired,
        "committed",
        threads,
        paris(12, 1, 8, 40),
        SlotState::Committed {
            remote_ids: ids(&["17890000000000003"]),
        },
    );
    committed.next_action = Some(paris(12, 1, 9, 1));
    records.push(committed);

    let mut waits = record(
        desired,
        "waits",
        threads,
        paris(12, 1, 8, 45),
        SlotState::Planned,
    );
    waits.waiting = Some("Threads' 24-hour publishing quota is full (250 posts)".into());
    waits.next_action = Some(paris(12, 1, 14, 0));
    records.push(waits);

    records.push(record(
        desired,
        "planned",
        threads,
        paris(12, 4, 10, 0),
        SlotState::Planned,
    ));

    let published = |id: &str, at: DateTime<Utc>| SlotState::Published {
        remote_id: format!("1789{id}"),
        permalink: Some(format!("https://www.threads.net/@acme/post/{id}")),
        at,
    };
    records.push(record(
        desired,
        "published",
        threads,
        paris(11, 28, 10, 0),
        published("pub", paris(11, 28, 10, 0)),
    ));
    let mut edited = record(
        desired,
        "edited",
        threads,
        paris(11, 27, 10, 0),
        published("edit", paris(11, 27, 10, 0)),
    );
    edited.content_hash = "0".repeat(64);
    records.push(edited);
    let mut orphan = record(
        desired,
        "deleted",
        threads,
        paris(11, 20, 10, 0),
        published("del", paris(11, 20, 10, 0)),
    );
    orphan.revision.path = "posts/deleted.yaml".into();
    records.push(orphan);
    records.push(record(
        desired,
        "daily",
        threads,
        paris(11, 25, 7, 0),
        published("day1", paris(11, 25, 7, 0)),
    ));

    records.push(record(
        desired,
        "recorded-missed",
        threads,
        paris(11, 30, 6, 0),
        SlotState::Missed,
    ));
    records.push(record(
        desired,
        "failed",
        threads,
        paris(12, 1, 7, 30),
        SlotState::Failed {
            reason: "Threads refused the post (error 100: invalid parameter)".into(),
            permanent: true,
        },
    ));
    records.push(record(
        desired,
        "review",
        threads,
        paris(12, 1, 7, 45),
        SlotState::NeedsReview {
            why: "the commit timed out and the look-up could not tell".into(),
        },
    ));

    let mut store = SledStore::open(&root.join(".postcal"), OpenMode::Create)
        .expect("open")
        .expect("store");
    for r in &records {
        store.persist(r).expect("persist");
    }
}

fn ok(out: Output, code: i32) -> String {
    assert_eq!(out.code, Some(code), "{}\n{}", out.stdout, out.stderr);
    assert!(
        !out.stdout.contains('\x1b'),
        "colour off when not a terminal"
    );
    out.stdout
}

#[test]
fn plan_and_status_of_every_change_kind_and_slot_state() {
    let f = Fixture::new();
    // The calendar has two errors (blocked posts): plan exits 1, as validate does.
    let plan = ok(f.run(&["plan", "cal", "--now", NOW]), 1);
    insta::assert_snapshot!("plan_human", plan);
    let plan_json = ok(f.run(&["plan", "cal", "--now", NOW, "--format", "json"]), 1);
    insta::assert_snapshot!("plan_json", plan_json);
    let status = ok(f.run(&["status", "cal"]), 0);
    insta::assert_snapshot!("status_human", status);
    let status_json = ok(f.run(&["status", "cal", "--format", "json"]), 0);
    insta::assert_snapshot!("status_json", status_json);
}

#[test]
fn show_a_post_with_conversions_and_a_weekly_post() {
    let f = Fixture::new();
    let converted = ok(f.run(&["show", "converted", "cal", "--now", NOW]), 0);
    insta::assert_snapshot!("show_converted_human", converted);
    let json = ok(
        f.run(&["show", "converted", "cal", "--now", NOW, "--format", "json"]),
        0,
    );
    insta::assert_snapshot!("show_converted_json", json);
    let weekly = ok(f.run(&["show", "weekly", "cal", "--now", NOW]), 0);
    insta::assert_snapshot!("show_weekly_human", weekly);
    let daily = ok(f.run(&["show", "daily", "cal", "--now", NOW]), 0);
    insta::assert_snapshot!("show_daily_human", daily);
}

#[test]
fn every_change_kind_and_slot_state_is_shown() {
    let f = Fixture::new();
    let plan: serde_json::Value = serde_json::from_str(&ok(
        f.run(&["plan", "cal", "--now", NOW, "--format", "json"]),
        1,
    ))
    .expect("plan JSON");
    // The summary has one count per change kind: each must be shown at least once.
    for (kind, count) in plan["summary"].as_object().expect("summary") {
        assert!(
            count.as_u64() > Some(0),
            "no `{kind}` change in the fixture"
        );
    }
    let status: serde_json::Value =
        serde_json::from_str(&ok(f.run(&["status", "cal", "--format", "json"]), 0))
            .expect("status JSON");
    let states: std::collections::BTreeSet<String> = status["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            let state = r["state"].as_str().expect("state").to_owned();
            match (state.as_str(), r["permanent"].as_bool(), r.get("waiting")) {
                (_, _, Some(_)) => "waiting".to_owned(),
                ("failed", Some(false), _) => "retrying".to_owned(),
                _ => state,
            }
        })
        .collect();
    let every = [
        "planned",
        "preparing",
        "prepared",
        "armed",
        "committed",
        "published",
        "retrying",
        "failed",
        "needs_review",
        "missed",
        "waiting",
    ];
    assert_eq!(states, every.iter().map(|s| (*s).to_owned()).collect());
    // A weekly post over a month: its rule in words and four occurrences within the horizon.
    let weekly = plan["repeats"]
        .as_array()
        .expect("repeats")
        .iter()
        .find(|r| r["post"] == "weekly")
        .expect("weekly");
    assert_eq!(
        weekly["rule"],
        "every Tuesday at 09:00 from 2026-12-08 until 2027-03-30"
    );
    assert_eq!(weekly["within_horizon"], 4);
    // The post with conversions says what postcal will do to each file, per platform.
    let what = |target: &str| {
        plan["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .find(|c| c["post"] == "converted" && c["target"] == target)
            .map(|c| c["what"].clone())
            .expect("converted")
    };
    assert_eq!(
        what("instagram/acme")["conversions"][0]["says"],
        "PNG → JPEG"
    );
    assert_eq!(
        what("threads/acme")["conversions"][0]["says"],
        "remux (moov first, edit list dropped)"
    );
}

/// `status --help` explains status's own formats, not plan's.
#[test]
fn status_help_is_its_own() {
    let f = Fixture::new();
    let help = ok(f.run(&["status", "--help"]), 0);
    assert!(help.contains("every record as stored"), "{help}");
    assert!(!help.contains("Grouped by time"), "{help}");
}
