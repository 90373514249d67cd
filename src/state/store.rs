//! The [`Store`] trait: durable slot records behind a small interface, and [`MemStore`], an
//! in-memory implementation for tests and `--dry-run`.
//!
//! # Guarantees
//! - [`Store::persist`] returns only after the record is written **and flushed**: once it
//!   returns `Ok`, a crash (kill -9, power loss on a filesystem that honours fsync) cannot lose
//!   the transition. The reconcile loop calls nothing remote between a transition and its
//!   `persist`.
//!
//! # Errors
//! [`StoreError`], always fatal for the process: postcal never goes on without knowing what it
//! already published.
//!
//! # Assumptions
//! - One writer per store (the state-directory lock, [`super::StateLock`], ensures it for the
//!   sled store); nothing else here assumes a single process, so a shared database can implement
//!   the trait later (docs/design.md §8).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::lock::LockError;
use super::record::{Record, SlotKey};

/// Why the store cannot be used. All of these are fatal for the process: postcal never
/// continues without knowing what it already published.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the state store at {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error(
        "the state store at {path} looks corrupt: {message}. postcal stops rather than start \
         from an empty store, because some posts may already be published. Restore it from a \
         backup; move it away only if you are sure nothing was published"
    )]
    Corrupt { path: PathBuf, message: String },
    #[error("record `{key}` in the state store at {path} is corrupt: {message}")]
    CorruptRecord {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error(
        "the state store at {path} has schema version {found}; this postcal reads version \
         {supported}. Use a newer postcal"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error(
        "the state store at {path} no longer holds what postcal wrote to it: {message}. The \
         database is damaged (or was changed outside postcal), and postcal stops rather than \
         publish those slots a second time. Restore the state directory from a backup; if there \
         is none, check on the platforms what was already published before you move the store \
         away"
    )]
    RecordsLost { path: PathBuf, message: String },
    /// The state directory was deleted, moved or replaced under a running postcal.
    #[error(transparent)]
    Lost(#[from] LockError),
    #[error("cannot write to the state store: {0}")]
    Write(String),
}

/// Durable storage of slot records.
pub trait Store: Send {
    /// Every record, in key order. A record that cannot be decoded is an error naming its key,
    /// never skipped.
    fn load_all(&self) -> Result<Vec<Record>, StoreError>;

    /// Writes a record (it may still sit in a buffer afterwards).
    fn write(&mut self, record: &Record) -> Result<(), StoreError>;

    /// Makes every write so far durable.
    fn flush(&mut self) -> Result<(), StoreError>;

    /// Writes `record` and flushes it: the only way the reconcile loop records a transition.
    fn persist(&mut self, record: &Record) -> Result<(), StoreError> {
        self.write(record)?;
        self.flush()
    }

    /// `Ok` while the store is still where the next postcal will look for it: its files were
    /// not deleted, moved or replaced since it was opened, and the state-directory lock it holds
    /// (if any) still guards them. Cheap (a few `stat` calls): the daemon calls it at the start
    /// of every pass, and on-disk stores check it before every write.
    fn check_intact(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// What an instrumented [`MemStore`] saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreEvent {
    /// A record was written in this state.
    Write {
        key: SlotKey,
        state: &'static str,
    },
    Flush,
}

/// A store in memory. Clones share the same records, so a test can "restart" a daemon on the
/// same store; writes that were never flushed are lost by [`MemStore::crash`].
#[derive(Debug, Clone, Default)]
pub struct MemStore {
    inner: Arc<Mutex<MemInner>>,
}

#[derive(Debug, Default)]
struct MemInner {
    durable: BTreeMap<SlotKey, Record>,
    pending: Vec<Record>,
    events: Vec<StoreEvent>,
    fail_writes: bool,
}

impl MemStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `records` (already durable).
    pub fn with_records(records: impl IntoIterator<Item = Record>) -> Self {
        let store = Self::new();
        if let Ok(mut inner) = store.inner.lock() {
            for r in records {
                inner.durable.insert(r.key.clone(), r);
            }
        }
        store
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemInner> {
        // A panic in another test thread must not hide this store's contents.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops writes that were not flushed, as a crash would.
    pub fn crash(&self) {
        self.lock().pending.clear();
    }

    /// Every write and flush so far.
    pub fn events(&self) -> Vec<StoreEvent> {
        self.lock().events.clone()
    }

    /// Makes every later write fail (a full disk).
    pub fn fail_writes(&self, fail: bool) {
        self.lock().fail_writes = fail;
    }

    pub fn get(&self, key: &SlotKey) -> Option<Record> {
        self.lock().durable.get(key).cloned()
    }

    pub fn records(&self) -> Vec<Record> {
        self.lock().durable.values().cloned().collect()
    }
}

impl Store for MemStore {
    fn load_all(&self) -> Result<Vec<Record>, StoreError> {
        Ok(self.records())
    }

    fn write(&mut self, record: &Record) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner.fail_writes {
            return Err(StoreError::Write("simulated write failure".into()));
        }
        inner.events.push(StoreEvent::Write {
            key: record.key.clone(),
            state: record.state.name(),
        });
        inner.pending.push(record.clone());
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let pending = std::mem::take(&mut inner.pending);
        for r in pending {
            inner.durable.insert(r.key.clone(), r);
        }
        inner.events.push(StoreEvent::Flush);
        Ok(())
    }
}
