//! The real `postcal` binary: the state lock, a corrupt store, and the verbs' exit codes.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::harness::*;
use postcal::state::{OpenMode, SledStore, SlotKey};

fn postcal(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postcal"))
        .args(args)
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_second_instance_exits_with_a_clear_error_and_touches_nothing() {
    let cal = Cal::new();
    // Far in the future: the daemon just waits.
    cal.post("launch", t(60 * 24 * 365 * 10), "Later");
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .args(["run", "--publisher", "fake"])
        .arg(cal.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
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
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        let msg = text(&out);
        assert!(
            msg.contains("another postcal") && msg.contains(&format!("pid {}", daemon.id())),
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
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("daemon pid"), "{}", text(&out));
    let out = postcal(&["plan", "--detailed-exitcode"], &cal.root());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // SIGTERM: clean exit 0.
    Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = daemon.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = daemon.kill();
            panic!("daemon did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    // Now the lock is free.
    let out = postcal(&["run", "--once", "--publisher", "fake"], &cal.root());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_corrupt_record_stops_postcal_naming_the_key() {
    let cal = Cal::new();
    cal.post("launch", t(0), "Now");
    let out = postcal(
        &["run", "--once", "--publisher", "fake", "--now", &rfc(t(1))],
        &cal.root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
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
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        let msg = text(&out);
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
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let db = cal.root().join(".postcal/db");
    // Overwrite every file of the database with garbage.
    for entry in std::fs::read_dir(&db).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::write(&path, vec![0xA5u8; 4096]).unwrap();
        }
    }
    let out = postcal(&["run", "--once", "--publisher", "fake"], &cal.root());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!text(&out).contains("panicked"), "{}", text(&out));
    // Still there, still damaged: postcal did not start over.
    assert!(db.exists());
}

#[test]
fn plan_exit_codes_and_json_contract() {
    let cal = Cal::new();
    cal.post("launch", t(60), "Soon");
    let now = rfc(t(0));
    let out = postcal(&["plan", "--now", &now], &cal.root());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("0 to publish, 1 waiting, 0 drifted, 0 missed"),
        "{}",
        text(&out)
    );
    let out = postcal(&["plan", "--now", &now, "--detailed-exitcode"], &cal.root());
    assert_eq!(out.status.code(), Some(2));
    let out = postcal(&["plan", "--now", &now, "--format", "json"], &cal.root());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["changes"][0]["change"], "wait");
    assert_eq!(doc["changes"][0]["post"], "launch");
    // Nothing pending once published.
    let out = postcal(
        &["run", "--once", "--publisher", "fake", "--now", &rfc(t(61))],
        &cal.root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = postcal(
        &["plan", "--now", &rfc(t(62)), "--detailed-exitcode"],
        &cal.root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
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
        let mut all = vec!["resolve"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--dir", dir]);
        Command::new(env!("CARGO_BIN_EXE_postcal"))
            .args(&all)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    // Only a slot that needs review can be resolved; a bad target is a clear error.
    let out = resolve(&["other", TARGET, "--not-published"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("needs review"), "{}", text(&out));
    let out = resolve(&["launch", "myspace/acme", "--not-published"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("platform/account"), "{}", text(&out));
    // One of the two answers is required.
    let out = resolve(&["launch", TARGET]);
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));

    let out = resolve(&[
        "launch",
        TARGET,
        "--published",
        "https://www.threads.net/@acme/post/1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
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
