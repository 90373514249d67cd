//! The real `postcal` binary: the state lock, a corrupt store, and the verbs' exit codes.

use std::path::Path;
use std::time::{Duration, Instant};

use super::harness::*;
use crate::util::{Output, Postcal};
use postcal::state::{OpenMode, SledStore, SlotKey};

fn postcal(args: &[&str], dir: &Path) -> Output {
    Postcal::new().args(args).args([dir]).run()
}

#[test]
fn a_second_instance_exits_with_a_clear_error_and_touches_nothing() {
    let cal = Cal::new();
    // Far in the future: the daemon just waits.
    cal.post("launch", t(60 * 24 * 365 * 10), "Later");
    let daemon = Postcal::new()
        .args(["run", "--publisher", "fake"])
        .args([cal.root()])
        .spawn();
    let snapshot = cal.root().join(".postcal/status.json");
    let started = Instant::now();
    while !snapshot.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "daemon never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = std::fs::read(&snapshot).unwrap();

    for args in [
        vec!["run", "--once", "--publisher", "fake"],
        vec!["run", "--publisher", "fake"],
    ] {
        let out = postcal(&args, &cal.root());
        out.assert_code(1);
        let msg = out.text();
        assert!(
            msg.contains("another postcal") && msg.contains(&format!("pid {}", daemon.pid())),
            "{msg}"
        );
    }
    assert_eq!(
        std::fs::read(&snapshot).unwrap(),
        before,
        "snapshot touched"
    );

    // Read-only verbs work while the daemon runs (from its snapshot).
    let out = postcal(&["status"], &cal.root());
    assert_eq!(out.code, Some(0), "{}", out.text());
    assert!(out.text().contains("daemon pid"), "{}", out.text());
    let out = postcal(&["plan", "--detailed-exitcode"], &cal.root());
    assert_eq!(out.code, Some(2), "{}", out.text());

    // SIGTERM: clean exit 0.
    daemon.signal(libc::SIGTERM);
    let out = daemon.finish(Duration::from_secs(10));
    assert!(!out.timed_out, "daemon did not stop on SIGTERM");
    out.assert_code(0);
    // Now the lock is free.
    let out = postcal(&["run", "--once", "--publisher", "fake"], &cal.root());
    assert_eq!(out.code, Some(0), "{}", out.text());
}

#[test]
fn a_corrupt_record_stops_postcal_naming_the_key() {
    let cal = Cal::new();
    cal.post("launch", t(0), "Now");
    let out = postcal(
        &["run", "--once", "--publisher", "fake", "--now", &rfc(t(1))],
        &cal.root(),
    );
    assert_eq!(out.code, Some(0), "{}", out.text());
    {
        let store = SledStore::open(&cal.root().join(".postcal"), OpenMode::Existing)
            .unwrap()
            .unwrap();
        store
            .insert_raw(
                &SlotKey::new("launch", TARGET.parse().unwrap(), t(0)),
                b"{\"garbage\"",
            )
            .unwrap();
    }
    for args in [
        vec!["run", "--once", "--publisher", "fake"],
        vec!["status"],
        vec!["plan"],
    ] {
        let out = postcal(&args, &cal.root());
        assert_eq!(out.code, Some(1), "{args:?}: {}", out.text());
        let msg = out.text();
        assert!(
            msg.contains("corrupt") && msg.contains("launch"),
            "{args:?}: {msg}"
        );
        assert!(!msg.contains("panicked"), "{msg}");
    }
}

#[test]
fn a_damaged_database_is_refused_never_replaced_by_an_empty_one() {
    let cal = Cal::new();
    cal.post("launch", t(0), "Now");
    let out = postcal(
        &["run", "--once", "--publisher", "fake", "--now", &rfc(t(1))],
        &cal.root(),
    );
    assert_eq!(out.code, Some(0), "{}", out.text());
    let db = cal.root().join(".postcal/db");
    // Overwrite every file of the database with garbage.
    for entry in std::fs::read_dir(&db).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::write(&path, vec![0xA5u8; 4096]).unwrap();
        }
    }
    let out = postcal(&["run", "--once", "--publisher", "fake"], &cal.root());
    assert_eq!(out.code, Some(1), "{}", out.text());
    assert!(!out.text().contains("panicked"), "{}", out.text());
    // Still there, still damaged: postcal did not start over.
    assert!(db.exists());
}

#[test]
fn plan_exit_codes_and_json_contract() {
    let cal = Cal::new();
    cal.post("launch", t(60), "Soon");
    let now = rfc(t(0));
    let out = postcal(&["plan", "--now", &now], &cal.root());
    assert_eq!(out.code, Some(0), "{}", out.text());
    assert!(
        out.text()
            .contains("0 to publish, 1 waiting, 0 drifted, 0 missed"),
        "{}",
        out.text()
    );
    let out = postcal(&["plan", "--now", &now, "--detailed-exitcode"], &cal.root());
    assert_eq!(out.code, Some(2));
    let out = postcal(&["plan", "--now", &now, "--format", "json"], &cal.root());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["changes"][0]["change"], "wait");
    assert_eq!(doc["changes"][0]["post"], "launch");
    // Nothing pending once published.
    let out = postcal(
        &["run", "--once", "--publisher", "fake", "--now", &rfc(t(61))],
        &cal.root(),
    );
    assert_eq!(out.code, Some(0), "{}", out.text());
    let out = postcal(
        &["plan", "--now", &rfc(t(62)), "--detailed-exitcode"],
        &cal.root(),
    );
    assert_eq!(out.code, Some(0), "{}", out.text());
    // No state directory is created by read-only verbs.
    let fresh = Cal::new();
    fresh.post("x", t(60), "X");
    postcal(&["plan"], &fresh.root());
    postcal(&["status"], &fresh.root());
    assert!(!fresh.root().join(".postcal").exists());
}

#[test]
fn resolve_settles_a_slot_that_needs_review_and_refuses_anything_else() {
    use postcal::state::{Record, Revision, SlotState, Store};
    let cal = Cal::new();
    let key = SlotKey::new("launch", TARGET.parse().unwrap(), t(0));
    let other = SlotKey::new("other", TARGET.parse().unwrap(), t(0));
    {
        let mut store = SledStore::open(&cal.root().join(".postcal"), OpenMode::Create)
            .unwrap()
            .unwrap();
        for (k, state) in [
            (
                &key,
                SlotState::NeedsReview {
                    why: "lost answer".into(),
                },
            ),
            (&other, SlotState::Planned),
        ] {
            let mut r = Record::planned(k.clone(), "h".into(), Revision::default(), t(0));
            r.state = state;
            r.attempts = 8;
            store.persist(&r).unwrap();
        }
    }
    let dir = cal.root();
    let dir = dir.to_str().unwrap();
    let resolve = |args: &[&str]| {
        Postcal::new()
            .args(["resolve"])
            .args(args)
            .args(["--dir", dir])
            .run()
    };
    // Only a slot that needs review can be resolved; a bad target is a clear error.
    let out = resolve(&["other", TARGET, "--not-published"]);
    assert_eq!(out.code, Some(1), "{}", out.text());
    assert!(out.text().contains("needs review"), "{}", out.text());
    let out = resolve(&["launch", "myspace/acme", "--not-published"]);
    assert_eq!(out.code, Some(1), "{}", out.text());
    assert!(out.text().contains("platform/account"), "{}", out.text());
    // One of the two answers is required.
    let out = resolve(&["launch", TARGET]);
    assert_eq!(out.code, Some(64), "{}", out.text());

    let out = resolve(&[
        "launch",
        TARGET,
        "--published",
        "https://www.threads.net/@acme/post/1",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    let store = SledStore::open(&cal.root().join(".postcal"), OpenMode::Existing)
        .unwrap()
        .unwrap();
    let record = store
        .load_all()
        .unwrap()
        .into_iter()
        .find(|r| r.key == key)
        .unwrap();
    match record.state {
        SlotState::Published { permalink, .. } => {
            assert_eq!(
                permalink.as_deref(),
                Some("https://www.threads.net/@acme/post/1")
            );
        }
        other => panic!("{other:?}"),
    }
}
