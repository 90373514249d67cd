//! The sled implementation of [`Store`]: `<calendar>/.postcal/db`.
//!
//! Layout: the default tree holds `schema_version` (a decimal string); the `slots` tree maps
//! [`SlotKey::encode`] to [`Record::encode`]; `postcal.tally` beside sled's files counts the
//! records and digests them ([`super::tally`]). Schema 2 is schema 1 plus the tally.
//!
//! # Guarantees
//! - [`SledStore::open`] with [`OpenMode::Existing`] never creates a store: a calendar without
//!   state reads as "no store" (`Ok(None)`). [`OpenMode::Create`] creates one crash-safely
//!   ([`super::creation`]): a kill during the first start never leaves a store postcal refuses.
//! - A database that sled cannot open, that has records but no schema version, or whose schema
//!   is newer than this postcal's is refused ([`StoreError`]); postcal never silently starts
//!   over from an empty store.
//! - Whenever the records are read ([`Store::load_all`], [`SledStore::open_and_load`], or
//!   before the first write), they are compared with the tally: a store that lost records,
//!   or holds older versions of them, is refused ([`StoreError::RecordsLost`]) instead of being
//!   read as it is (sled silently keeps a prefix of a damaged log when its snapshot is gone).
//! - `flush` is sled's `flush` followed by an `fdatasync` of sled's log (sled itself only calls
//!   `sync_file_range`, which survives a kill but not a power loss): after it returns the write
//!   is durable. Each write first syncs its intent to the tally, so `persist` costs two syncs.
//! - Every write first checks that the store and the lock it holds are still in place
//!   ([`Store::check_intact`]): a store whose directory was deleted or replaced is never written.
//!
//! # Upgrading
//! A schema-1 store (no tally) opens as it is; the first write (or [`SledStore::open_and_load`])
//! counts its records into a new tally, then marks the store schema 2. Older postcal versions
//! refuse a schema-2 store, since their writes would not update the tally.
//!
//! # Errors
//! Every [`StoreError`] is fatal for the process: `Corrupt`/`CorruptRecord`/`NewerSchema` when
//! the database cannot be read as it is, `RecordsLost` when it disagrees with its tally, `Lost`
//! when its directory or lock moved, `Open`/`Write` for I/O failures.
//!
//! # Assumptions
//! - The caller holds the state-directory lock; sled itself also refuses a second process.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::creation;
use super::lock::{FileId, LockError, StateLock};
use super::record::{Record, SlotKey};
use super::store::{Store, StoreError};
use super::tally::{self, Entry, Tally, TallyError, TallyFile};

/// Version of the on-disk layout. Bump it (and migrate) when the layout changes.
pub const SCHEMA_VERSION: u32 = 2;
/// The last version without a tally.
const SCHEMA_WITHOUT_TALLY: u32 = 1;
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
    schema: u32,
    /// The database directory as it was opened.
    dir_id: FileId,
    /// sled's log file, to sync it: sled's own flush only uses `sync_file_range` on Linux,
    /// which neither flushes the disk's write cache nor the file's metadata.
    log: File,
    /// Set up by the first write (or by `open_and_load`).
    writer: Option<Writer>,
    /// The state-directory lock, when the store was given it to hold.
    lock: Option<StateLock>,
}

/// What a writing store knows about its tally.
struct Writer {
    file: TallyFile,
    file_id: FileId,
    /// The records as they are durably.
    current: Tally,
    /// After the write not flushed yet.
    pending: Option<Tally>,
}

/// What reading every record found.
struct Scan {
    records: Vec<Record>,
    tally: Tally,
    entry: Option<Entry>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .finish()
    }
}

fn config(path: &Path) -> sled::Config {
    sled::Config::new()
        .path(path)
        .cache_capacity(CACHE_BYTES)
        // postcal flushes explicitly after every transition; no background flusher waking an
        // idle daemon.
        .flush_every_ms(None)
}

/// Opens sled at `path`. sled may panic on some corruptions rather than return an error:
/// both are refusals.
fn open_sled(path: &Path) -> Result<sled::Db, StoreError> {
    let open = || std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config(path).open()));
    let mut opened = open();
    // A handle this process just dropped releases sled's file lock when its background
    // threads end, a moment later (`open_and_load` reopens at once): wait for it, briefly.
    let started = std::time::Instant::now();
    while let Ok(Err(sled::Error::Io(e))) = &opened {
        // sled 0.34 reports the lock as `ErrorKind::Other`, "could not acquire lock on …",
        // wrapping the `WouldBlock` (config.rs): matched by its message too.
        let locked = e.kind() == std::io::ErrorKind::WouldBlock
            || e.to_string().starts_with("could not acquire lock");
        if !locked || started.elapsed() > std::time::Duration::from_secs(3) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        opened = open();
    }
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) => Err(corrupt_or_open(path, e)),
        Err(_) => Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            message: "the database could not be read (sled panicked while opening it)".into(),
        }),
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
        if !path.exists() {
            if mode == OpenMode::Existing {
                return Ok(None);
            }
            creation::create(state_dir, &path, |tmp| {
                let db = open_sled(tmp)?;
                db.insert(SCHEMA_KEY, SCHEMA_VERSION.to_string().as_bytes())
                    .map_err(write_err)?;
                db.flush().map_err(write_err)?;
                Ok(())
            })?;
        }
        creation::remove_uncommitted_snapshots(&path)?;
        let dir_id = std::fs::metadata(&path)
            .map(|m| FileId::of(&m))
            .map_err(|e| StoreError::Open {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let db = open_sled(&path)?;
        let log = File::open(path.join("db")).map_err(|e| StoreError::Open {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let slots = db
            .open_tree(SLOTS_TREE)
            .map_err(|e| corrupt_or_open(&path, e))?;
        let mut store = SledStore {
            path,
            db,
            slots,
            schema: SCHEMA_VERSION,
            dir_id,
            log,
            writer: None,
            lock: None,
        };
        store.schema = store.check_schema()?;
        Ok(Some(store))
    }

    /// Opens the store and reads every record, for a process that keeps its own copy of them
    /// (the daemon), ready to write. sled keeps every page it has read in memory for as long as
    /// the database is open, whatever its cache capacity (5 MB for 10,000 records, measured with
    /// massif), so the records are read through a first handle, which is closed, and the store
    /// returned is opened afresh with nothing cached.
    pub fn open_and_load(
        state_dir: &Path,
        mode: OpenMode,
    ) -> Result<Option<(SledStore, Vec<Record>)>, StoreError> {
        let scan = match Self::open(state_dir, mode)? {
            Some(reader) => reader.scan(true)?,
            None => return Ok(None),
        };
        // The reader is closed (and sled's lock on its files released) before this reopens.
        let Some(mut store) = Self::open(state_dir, OpenMode::Existing)? else {
            return Ok(None);
        };
        store.start_writing(scan.tally, scan.entry)?;
        Ok(Some((store, scan.records)))
    }

    /// Hands the state-directory lock to the store: [`Store::check_intact`] then also checks
    /// the lock, and the lock is released when the store is dropped.
    pub fn hold(&mut self, lock: StateLock) {
        self.lock = Some(lock);
    }

    /// The schema version; a database without one is refused if it has records (records are
    /// always written after it), and is schema 1 if it is empty (a first start of an older
    /// postcal, interrupted before anything was written).
    fn check_schema(&self) -> Result<u32, StoreError> {
        let stored = self
            .db
            .get(SCHEMA_KEY)
            .map_err(|e| corrupt_or_open(&self.path, e))?;
        let Some(v) = stored else {
            if self.slots.is_empty() {
                return Ok(SCHEMA_WITHOUT_TALLY);
            }
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                message: "it holds records but no schema version".into(),
            });
        };
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
        Ok(found)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn tally_path(&self) -> PathBuf {
        self.path.join(tally::TALLY_FILE)
    }

    /// Reads every record (keeping them if `keep`) and compares them with the tally.
    fn scan(&self, keep: bool) -> Result<Scan, StoreError> {
        let mut records = Vec::new();
        let mut actual = Tally::default();
        for item in self.slots.iter() {
            let (k, v) = item.map_err(|e| corrupt_or_open(&self.path, e))?;
            let record = Record::decode(&k, &v).map_err(|message| StoreError::CorruptRecord {
                path: self.path.clone(),
                key: String::from_utf8_lossy(&k).replace('\u{1f}', " / "),
                message,
            })?;
            actual.add(&k, &v);
            if keep {
                records.push(record);
            }
        }
        let lost = |message: String| StoreError::RecordsLost {
            path: self.path.clone(),
            message,
        };
        let entry = tally::read(&self.tally_path()).map_err(|e| match e {
            TallyError::Unreadable { .. } => lost(e.to_string()),
            TallyError::Io { .. } => StoreError::Open {
                path: self.path.clone(),
                message: e.to_string(),
            },
        })?;
        match &entry {
            Some(entry) if !entry.accepts(&actual) => return Err(lost(mismatch(entry, &actual))),
            None if self.schema > SCHEMA_WITHOUT_TALLY => {
                return Err(lost(format!(
                    "its tally ({}), which says how many records postcal wrote, is missing",
                    self.tally_path().display()
                )));
            }
            _ => {}
        }
        Ok(Scan {
            records,
            tally: actual,
            entry,
        })
    }

    /// Opens the tally for writing, from a scan of the records; a schema-1 store gets its
    /// first tally and becomes schema 2 (see the module docs).
    fn start_writing(&mut self, current: Tally, entry: Option<Entry>) -> Result<(), StoreError> {
        let path = self.tally_path();
        let open_err = |e: TallyError| StoreError::Open {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let file = match entry {
            Some(entry) => TallyFile::open(&path, entry).map_err(open_err)?,
            None => {
                let file = TallyFile::create(&path, current).map_err(open_err)?;
                self.db
                    .insert(SCHEMA_KEY, SCHEMA_VERSION.to_string().as_bytes())
                    .map_err(write_err)?;
                self.db.flush().map_err(write_err)?;
                self.schema = SCHEMA_VERSION;
                tracing::info!(records = current.count, path = %path.display(), "the state store now keeps a tally of its records");
                file
            }
        };
        let file_id = std::fs::metadata(&path)
            .map(|m| FileId::of(&m))
            .map_err(|e| StoreError::Write(format!("{}: {e}", path.display())))?;
        self.writer = Some(Writer {
            file,
            file_id,
            current,
            pending: None,
        });
        Ok(())
    }
}

/// What the tally says is missing, for the error message.
fn mismatch(entry: &Entry, actual: &Tally) -> String {
    let wrote = entry.after.count;
    match actual.count {
        n if n < wrote => format!(
            "it holds {n} records, but postcal wrote {wrote}: {} are missing",
            wrote - n
        ),
        n if n > wrote => format!("it holds {n} records, but postcal wrote only {wrote}"),
        n => format!(
            "it holds {n} records, as many as postcal wrote, but not the versions postcal wrote \
             last"
        ),
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
        Ok(self.scan(true)?.records)
    }

    fn write(&mut self, record: &Record) -> Result<(), StoreError> {
        self.check_intact()?;
        if self.writer.as_ref().is_some_and(|w| w.pending.is_some()) {
            // The tally's intent covers one write at a time.
            self.flush()?;
        }
        if self.writer.is_none() {
            let scan = self.scan(false)?;
            self.start_writing(scan.tally, scan.entry)?;
        }
        let key = record.key.encode();
        let value = record.encode().map_err(StoreError::Write)?;
        let old = self.slots.get(&key).map_err(write_err)?;
        let Some(writer) = self.writer.as_mut() else {
            return Err(StoreError::Write("the tally is not open".into()));
        };
        let mut next = writer.current;
        if let Some(old) = &old {
            next.remove(&key, old);
        }
        next.add(&key, &value);
        writer
            .file
            .intend(writer.current, next)
            .map_err(|e| StoreError::Write(e.to_string()))?;
        self.slots.insert(key, value).map_err(write_err)?;
        writer.pending = Some(next);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.db.flush().map_err(write_err)?;
        self.log
            .sync_data()
            .map_err(|e| StoreError::Write(format!("cannot sync the log: {e}")))?;
        if let Some(writer) = self.writer.as_mut()
            && let Some(next) = writer.pending.take()
        {
            writer.current = next;
        }
        Ok(())
    }

    fn check_intact(&self) -> Result<(), StoreError> {
        if let Some(lock) = &self.lock {
            lock.check()?;
        }
        let lost = |what| LockError::Lost {
            dir: self.path.parent().unwrap_or(&self.path).to_path_buf(),
            what,
        };
        self.dir_id.check(&self.path).map_err(lost)?;
        if let Some(writer) = &self.writer {
            writer.file_id.check(writer.file.path()).map_err(lost)?;
        }
        Ok(())
    }
}

impl SledStore {
    /// Raw access for tests that damage a record on purpose (the tally is not told).
    #[doc(hidden)]
    pub fn insert_raw(&self, key: &SlotKey, value: &[u8]) -> Result<(), StoreError> {
        self.slots.insert(key.encode(), value).map_err(write_err)?;
        self.db.flush().map_err(write_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
