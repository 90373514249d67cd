//! `.postcal/status.json`: the daemon's records, readable while it holds the store.
//!
//! sled lets one process open a database, so while the daemon runs, `status` and `plan` read
//! this snapshot instead. The daemon rewrites it after every slot it works on, atomically
//! (temporary file, fsync, rename), so a reader sees either the previous or the new snapshot,
//! never half of one.
//!
//! [`read_observed`] is the one entry point for read-only commands: the store itself when no
//! writer holds it, the snapshot when one does.
//!
//! # Guarantees
//! - Reading never creates the state directory, the database or a lock file.
//! - The snapshot is a copy: the sled store stays the source of truth, and the daemon rewrites
//!   the snapshot from it when it starts.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lock::try_read_lock;
use super::record::Record;
use super::sled_store::{OpenMode, SledStore};
use super::store::{Store, StoreError};

pub const SNAPSHOT_FILE: &str = "status.json";
/// Version of the snapshot file (`status --format json` has its own,
/// [`super::status_render::STATUS_FORMAT_VERSION`]).
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub format_version: u32,
    pub written_at: DateTime<Utc>,
    pub pid: u32,
    pub records: Vec<Record>,
}

/// Writes the snapshot atomically.
pub fn write_snapshot(
    state_dir: &Path,
    now: DateTime<Utc>,
    records: &[&Record],
) -> Result<(), StoreError> {
    #[derive(Serialize)]
    struct Out<'a> {
        format_version: u32,
        written_at: DateTime<Utc>,
        pid: u32,
        records: &'a [&'a Record],
    }
    let doc = Out {
        format_version: SNAPSHOT_FORMAT_VERSION,
        written_at: now,
        pid: std::process::id(),
        records,
    };
    let write = || -> std::io::Result<()> {
        let tmp = state_dir.join(format!(".{SNAPSHOT_FILE}.tmp"));
        let mut file = std::fs::File::create(&tmp)?;
        serde_json::to_writer(std::io::BufWriter::new(&mut file), &doc)?;
        file.flush()?;
        file.sync_all()?;
        std::fs::rename(&tmp, state_dir.join(SNAPSHOT_FILE))?;
        Ok(())
    };
    write().map_err(|e| StoreError::Write(format!("status snapshot: {e}")))
}

/// Where a read-only command's records came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObservedSource {
    /// No state yet: nothing was ever published from this calendar.
    Empty,
    /// The store itself (no daemon was running).
    Store,
    /// The running daemon's snapshot, written at this time by this pid.
    Snapshot { written_at: DateTime<Utc>, pid: u32 },
}

#[derive(Debug)]
pub struct Observed {
    pub records: Vec<Record>,
    pub source: ObservedSource,
}

/// The records, for a read-only command; see the module docs.
pub fn read_observed(state_dir: &Path) -> Result<Observed, StoreError> {
    if !state_dir.exists() {
        return Ok(Observed {
            records: Vec::new(),
            source: ObservedSource::Empty,
        });
    }
    let lock = try_read_lock(state_dir).map_err(|e| StoreError::Open {
        path: state_dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let lock_file_exists = state_dir.join("lock").exists();
    if lock.is_some() || !lock_file_exists {
        let store = SledStore::open(state_dir, OpenMode::Existing)?;
        let records = match &store {
            Some(s) => s.load_all()?,
            None => Vec::new(),
        };
        let source = if store.is_some() {
            ObservedSource::Store
        } else {
            ObservedSource::Empty
        };
        drop(store);
        drop(lock);
        return Ok(Observed { records, source });
    }
    read_snapshot(&state_dir.join(SNAPSHOT_FILE))
}

fn read_snapshot(path: &PathBuf) -> Result<Observed, StoreError> {
    let text = std::fs::read(path).map_err(|e| StoreError::Open {
        path: path.clone(),
        message: format!(
            "a postcal daemon holds the store and its snapshot cannot be read ({e}); try again in a moment"
        ),
    })?;
    let snapshot: Snapshot = serde_json::from_slice(&text).map_err(|e| StoreError::Corrupt {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if snapshot.format_version > SNAPSHOT_FORMAT_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.clone(),
            found: snapshot.format_version,
            supported: SNAPSHOT_FORMAT_VERSION,
        });
    }
    Ok(Observed {
        records: snapshot.records,
        source: ObservedSource::Snapshot {
            written_at: snapshot.written_at,
            pid: snapshot.pid,
        },
    })
}
