//! The sled implementation of [`Store`]: `<calendar>/.postcal/db`.
//!
//! Layout: the default tree holds `schema_version` (a decimal string); the `slots` tree maps
//! [`SlotKey::encode`] to [`Record::encode`].
//!
//! # Guarantees
//! - [`SledStore::open`] with [`OpenMode::Existing`] never creates anything: a calendar without
//!   state reads as "no store" (`Ok(None)`).
//! - A database that sled cannot open, that has records but no schema version, or whose schema
//!   is newer than this postcal's is refused ([`StoreError`]); postcal never silently starts
//!   over from an empty store.
//! - `flush` is sled's `flush`, which fsyncs the log: after it returns the write is durable.
//!
//! # Assumptions
//! - The caller holds the state-directory lock; sled itself also refuses a second process.

use std::path::{Path, PathBuf};

use super::record::{Record, SlotKey};
use super::store::{Store, StoreError};

/// Version of the on-disk layout. Bump it (and migrate) when the layout changes.
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &[u8] = b"schema_version";
const SLOTS_TREE: &[u8] = b"slots";
/// sled's page cache; records are small, and the daemon keeps its own copy in memory.
const CACHE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the database if there is none (the daemon, `run --once`).
    Create,
    /// Open only an existing database (read-only commands).
    Existing,
}

pub struct SledStore {
    path: PathBuf,
    db: sled::Db,
    slots: sled::Tree,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SledStore {
    /// The database directory inside a state directory.
    pub fn db_path(state_dir: &Path) -> PathBuf {
        state_dir.join("db")
    }

    /// Opens the store in `state_dir`. `Ok(None)` only in [`OpenMode::Existing`] when there is
    /// no database yet.
    pub fn open(state_dir: &Path, mode: OpenMode) -> Result<Option<SledStore>, StoreError> {
        let path = Self::db_path(state_dir);
        let exists = path.exists();
        if !exists && mode == OpenMode::Existing {
            return Ok(None);
        }
        let config = sled::Config::new()
            .path(&path)
            .cache_capacity(CACHE_BYTES)
            // postcal flushes explicitly after every transition; no background flusher waking
            // an idle daemon.
            .flush_every_ms(None);
        // sled may panic on some corruptions rather than return an error: treat both alike.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()));
        let db = match opened {
            Ok(Ok(db)) => db,
            Ok(Err(e)) if exists => return Err(corrupt_or_open(&path, e)),
            Ok(Err(e)) => {
                return Err(StoreError::Open {
                    path,
                    message: e.to_string(),
                });
            }
            Err(_) => {
                return Err(StoreError::Corrupt {
                    path,
                    message: "the database could not be read (sled panicked while opening it)"
                        .into(),
                });
            }
        };
        let slots = db
            .open_tree(SLOTS_TREE)
            .map_err(|e| corrupt_or_open(&path, e))?;
        let store = SledStore { path, db, slots };
        store.check_schema()?;
        Ok(Some(store))
    }

    /// Opens the store and reads every record, for a process that keeps its own copy of them
    /// (the daemon). sled keeps every page it has read in memory for as long as the database is
    /// open, whatever its cache capacity (5 MB for 10,000 records, measured with massif), so the
    /// records are read through a first handle, which is closed, and the store returned is
    /// opened afresh with nothing cached.
    pub fn open_and_load(
        state_dir: &Path,
        mode: OpenMode,
    ) -> Result<Option<(SledStore, Vec<Record>)>, StoreError> {
        let records = match Self::open(state_dir, mode)? {
            Some(reader) => reader.load_all()?,
            None => return Ok(None),
        };
        // The reader is closed (and sled's lock on its files released) before this reopens.
        let store = Self::open(state_dir, OpenMode::Existing)?;
        Ok(store.map(|store| (store, records)))
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let stored = self
            .db
            .get(SCHEMA_KEY)
            .map_err(|e| corrupt_or_open(&self.path, e))?;
        match stored {
            Some(v) => {
                let found = std::str::from_utf8(&v)
                    .ok()
                    .and_then(|s| s.parse::<u32>().ok())
                    .ok_or_else(|| StoreError::Corrupt {
                        path: self.path.clone(),
                        message: "the schema version is unreadable".into(),
                    })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        path: self.path.clone(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                Ok(())
            }
            // Records are always written after the schema key, so a database with records and
            // no schema is damaged; an empty one is a creation interrupted before anything was
            // published, and is safe to initialise.
            None if !self.slots.is_empty() => Err(StoreError::Corrupt {
                path: self.path.clone(),
                message: "it holds records but no schema version".into(),
            }),
            None => {
                self.db
                    .insert(SCHEMA_KEY, SCHEMA_VERSION.to_string().as_bytes())
                    .map_err(write_err)?;
                self.db.flush().map_err(write_err)?;
                Ok(())
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn corrupt_or_open(path: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Corruption { .. } | sled::Error::Unsupported(_) => StoreError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
        other => StoreError::Open {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    }
}

fn write_err(e: sled::Error) -> StoreError {
    StoreError::Write(e.to_string())
}

impl Store for SledStore {
    fn load_all(&self) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        for item in self.slots.iter() {
            let (k, v) = item.map_err(|e| corrupt_or_open(&self.path, e))?;
            let record = Record::decode(&k, &v).map_err(|message| StoreError::CorruptRecord {
                path: self.path.clone(),
                key: String::from_utf8_lossy(&k).replace('\u{1f}', " / "),
                message,
            })?;
            out.push(record);
        }
        Ok(out)
    }

    fn write(&mut self, record: &Record) -> Result<(), StoreError> {
        let value = record.encode().map_err(StoreError::Write)?;
        self.slots
            .insert(record.key.encode(), value)
            .map_err(write_err)?;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.db.flush().map_err(write_err)?;
        Ok(())
    }
}

impl SledStore {
    /// Raw access for tests that damage a record on purpose.
    #[doc(hidden)]
    pub fn insert_raw(&self, key: &SlotKey, value: &[u8]) -> Result<(), StoreError> {
        self.slots.insert(key.encode(), value).map_err(write_err)?;
        self.db.flush().map_err(write_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
