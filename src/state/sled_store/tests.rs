//! The sled store: reopening, corrupt records, schema, the tally, a crash-safe first start.

use super::*;
use crate::state::lock::StateLock;
use crate::state::record::{Revision, SlotState};
use chrono::{TimeZone, Utc};

fn record(post: &str) -> Record {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
    let mut r = Record::planned(
        SlotKey::new(post, "instagram/acme".parse().unwrap(), at),
        "hash".into(),
        Revision::default(),
        at,
    );
    r.state = SlotState::Published {
        remote_id: "m1".into(),
        permalink: None,
        at,
    };
    r
}

#[test]
fn records_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        SledStore::open(dir.path(), OpenMode::Existing)
            .unwrap()
            .is_none()
    );
    assert!(!SledStore::db_path(dir.path()).exists(), "created a store");
    let mut store = SledStore::open(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    store.persist(&record("a")).unwrap();
    store.persist(&record("b")).unwrap();
    drop(store);
    let store = SledStore::open(dir.path(), OpenMode::Existing)
        .unwrap()
        .unwrap();
    let all = store.load_all().unwrap();
    assert_eq!(all, vec![record("a"), record("b")]);
}

#[test]
fn open_and_load_reads_every_record_and_returns_a_store_that_writes() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        SledStore::open_and_load(dir.path(), OpenMode::Existing)
            .unwrap()
            .is_none()
    );
    let (mut store, records) = SledStore::open_and_load(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    assert!(records.is_empty());
    store.persist(&record("a")).unwrap();
    drop(store);
    let (mut store, records) = SledStore::open_and_load(dir.path(), OpenMode::Existing)
        .unwrap()
        .unwrap();
    assert_eq!(records, vec![record("a")]);
    store.persist(&record("b")).unwrap();
    drop(store);
    let store = SledStore::open(dir.path(), OpenMode::Existing)
        .unwrap()
        .unwrap();
    assert_eq!(store.load_all().unwrap(), vec![record("a"), record("b")]);
}

#[test]
fn open_and_load_refuses_a_corrupt_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    store.insert_raw(&record("a").key, b"\xff garbage").unwrap();
    drop(store);
    let err = SledStore::open_and_load(dir.path(), OpenMode::Existing).unwrap_err();
    assert!(matches!(err, StoreError::CorruptRecord { .. }), "{err}");
}

#[test]
fn a_corrupt_record_is_an_error_naming_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    store.insert_raw(&record("a").key, b"\xff garbage").unwrap();
    let err = store.load_all().unwrap_err();
    assert!(
        matches!(&err, StoreError::CorruptRecord { key, .. } if key.starts_with("a / instagram/acme")),
        "{err}"
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    store.db.insert(SCHEMA_KEY, b"99").unwrap();
    store.db.flush().unwrap();
    drop(store);
    let err = SledStore::open(dir.path(), OpenMode::Existing).unwrap_err();
    assert!(
        matches!(err, StoreError::NewerSchema { found: 99, .. }),
        "{err}"
    );
}

fn numbered(i: usize) -> Record {
    record(&format!("post-{i:03}"))
}

/// Flips one byte of sled's log inside the value of `victim`, as a disk error would.
fn damage_the_log_at(db_path: &Path, victim: &Record) {
    let log = db_path.join("db");
    let mut bytes = std::fs::read(&log).unwrap();
    let needle = victim.encode().unwrap();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
        .expect("the record is in the log");
    bytes[at + needle.len() / 2] ^= 0x20;
    std::fs::write(&log, bytes).unwrap();
}

fn remove_snapshots(db_path: &Path) {
    for entry in std::fs::read_dir(db_path).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("snap.")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
}

#[test]
fn a_damaged_log_without_a_snapshot_is_refused_never_read_as_a_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SledStore::open(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    for i in 0..100 {
        store.persist(&numbered(i)).unwrap();
    }
    drop(store);
    let db = SledStore::db_path(dir.path());
    remove_snapshots(&db);
    damage_the_log_at(&db, &numbered(44));
    for _ in 0..2 {
        // Refused every time (the first refusal changes nothing that would let a second pass).
        let err = SledStore::open_and_load(dir.path(), OpenMode::Create).unwrap_err();
        assert!(
            matches!(&err, StoreError::RecordsLost { message, .. }
                if message.contains("postcal wrote 100") && message.contains("are missing")),
            "{err}"
        );
        assert!(err.to_string().contains("backup"), "{err}");
        let reader = SledStore::open(dir.path(), OpenMode::Existing)
            .unwrap()
            .unwrap();
        let err = reader.load_all().unwrap_err();
        assert!(matches!(err, StoreError::RecordsLost { .. }), "{err}");
        // A writer never gets to write on top of it either.
        let mut writer = reader;
        let err = writer.persist(&numbered(200)).unwrap_err();
        assert!(matches!(err, StoreError::RecordsLost { .. }), "{err}");
    }
}

#[test]
fn a_store_rolled_back_or_without_its_tally_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = SledStore::db_path(dir.path());
    let mut store = SledStore::open(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    let mut first = numbered(1);
    store.persist(&first).unwrap();
    drop(store);
    let older = tempfile::tempdir().unwrap();
    for name in ["db", "conf"] {
        std::fs::copy(db.join(name), older.path().join(name)).unwrap();
    }
    let mut store = SledStore::open(dir.path(), OpenMode::Existing)
        .unwrap()
        .unwrap();
    // Two updates: a store one write behind is what a crash before the last write leaves,
    // and is accepted; two behind is not.
    for attempts in [2, 3] {
        first.attempts = attempts;
        store.persist(&first).unwrap();
    }
    drop(store);
    // The same records, one of them an older version: sled's files from before the updates.
    remove_snapshots(&db);
    for name in ["db", "conf"] {
        std::fs::copy(older.path().join(name), db.join(name)).unwrap();
    }
    let err = SledStore::open_and_load(dir.path(), OpenMode::Create).unwrap_err();
    assert!(
        matches!(&err, StoreError::RecordsLost { message, .. } if message.contains("not the versions")),
        "{err}"
    );
    std::fs::remove_file(db.join(tally::TALLY_FILE)).unwrap();
    let err = SledStore::open_and_load(dir.path(), OpenMode::Create).unwrap_err();
    assert!(
        matches!(&err, StoreError::RecordsLost { message, .. } if message.contains("missing")),
        "{err}"
    );
}

#[test]
fn a_store_without_a_tally_from_an_older_postcal_is_upgraded_on_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = SledStore::db_path(dir.path());
    let mut store = SledStore::open(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    store.persist(&record("a")).unwrap();
    // What schema 1 looked like: no tally.
    store.db.insert(SCHEMA_KEY, b"1").unwrap();
    store.db.flush().unwrap();
    drop(store);
    std::fs::remove_file(db.join(tally::TALLY_FILE)).unwrap();

    // Read-only: opens as it is, writes nothing.
    let reader = SledStore::open(dir.path(), OpenMode::Existing)
        .unwrap()
        .unwrap();
    assert_eq!(reader.load_all().unwrap(), vec![record("a")]);
    drop(reader);
    assert!(!db.join(tally::TALLY_FILE).exists());

    let (mut store, records) = SledStore::open_and_load(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    assert_eq!(records, vec![record("a")]);
    assert_eq!(store.schema, SCHEMA_VERSION);
    store.persist(&record("b")).unwrap();
    drop(store);
    let (_, records) = SledStore::open_and_load(dir.path(), OpenMode::Existing)
        .unwrap()
        .unwrap();
    assert_eq!(records, vec![record("a"), record("b")]);
    // From now on the tally is required.
    std::fs::remove_file(db.join(tally::TALLY_FILE)).unwrap();
    let err = SledStore::open_and_load(dir.path(), OpenMode::Existing).unwrap_err();
    assert!(matches!(err, StoreError::RecordsLost { .. }), "{err}");
}

#[test]
fn an_unfinished_snapshot_left_by_a_killed_open_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let db = SledStore::db_path(dir.path());
    let mut store = SledStore::open(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    store.persist(&record("a")).unwrap();
    drop(store);
    // What a kill inside sled's snapshot write leaves: an empty file (killed before writing)
    // or a full one (killed before the rename), named after a later position in the log.
    for leftover in ["", "not a snapshot"] {
        let name = "snap.7FFFFFFFFFFFFFFF.generating";
        std::fs::write(db.join(name), leftover).unwrap();
        let store = SledStore::open(dir.path(), OpenMode::Existing)
            .unwrap()
            .unwrap();
        assert_eq!(store.load_all().unwrap(), vec![record("a")]);
        drop(store);
        assert!(!db.join(name).exists());
    }
}

#[test]
fn a_first_start_interrupted_at_any_point_leaves_no_store_or_a_whole_one() {
    let dir = tempfile::tempdir().unwrap();
    let creating = dir.path().join(creation::CREATING_DIR);
    // A kill during creation: a half-made sled directory, never renamed into place.
    std::fs::create_dir_all(creating.join("blobs")).unwrap();
    std::fs::write(creating.join("conf"), b"").unwrap();
    std::fs::write(creating.join("db"), b"").unwrap();
    std::fs::write(creating.join("snap.0000000000000000.generating"), b"").unwrap();
    assert!(
        SledStore::open(dir.path(), OpenMode::Existing)
            .unwrap()
            .is_none(),
        "a creation that did not finish is no store"
    );
    let (mut store, records) = SledStore::open_and_load(dir.path(), OpenMode::Create)
        .unwrap()
        .unwrap();
    assert!(records.is_empty());
    assert!(!creating.exists(), "the leftover is removed");
    store.persist(&record("a")).unwrap();
    drop(store);
    let db = SledStore::db_path(dir.path());
    assert!(db.join(tally::TALLY_FILE).is_file());
    let (_, records) = SledStore::open_and_load(dir.path(), OpenMode::Existing)
        .unwrap()
        .unwrap();
    assert_eq!(records, vec![record("a")]);
}

#[test]
fn a_store_whose_directory_is_deleted_or_replaced_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join(".postcal");
    let lock = StateLock::acquire(&state).unwrap();
    let (mut store, _) = SledStore::open_and_load(&state, OpenMode::Create)
        .unwrap()
        .unwrap();
    store.hold(lock);
    store.persist(&record("a")).unwrap();
    store.check_intact().unwrap();
    let moved = dir.path().join("moved");
    std::fs::rename(&state, &moved).unwrap();
    let err = store.check_intact().unwrap_err();
    assert!(matches!(err, StoreError::Lost(_)), "{err}");
    let err = store.persist(&record("b")).unwrap_err();
    assert!(
        err.to_string().contains("deleted, moved or replaced"),
        "{err}"
    );
    // Put back: fine again. Only the database directory replaced: noticed.
    std::fs::rename(&moved, &state).unwrap();
    store.check_intact().unwrap();
    let db = SledStore::db_path(&state);
    std::fs::rename(&db, state.join("db.old")).unwrap();
    std::fs::create_dir(&db).unwrap();
    assert!(matches!(store.check_intact(), Err(StoreError::Lost(_))));
}

#[test]
fn a_handle_being_closed_is_waited_for_not_reported_as_a_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let held = open_sled(&path).unwrap();
    // Another handle still holds sled's file lock for a moment, as a just-dropped one does
    // while its background threads end.
    let closer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        drop(held);
    });
    let reopened = open_sled(&path);
    closer.join().unwrap();
    assert!(reopened.is_ok(), "{:?}", reopened.err());
}
