//! The first start, made crash-safe, and the harmless leftovers of an interrupted open.
//!
//! A store is created in `.postcal/db.creating`, initialised there (schema version, an empty
//! tally, synced), then renamed to `.postcal/db` in one step. A kill at any instant leaves
//! either no `db` (and maybe a `db.creating`, removed by the next creation) or a complete one.
//!
//! sled writes a snapshot on every open whose log moved on since the last one: to
//! `snap.<lsn>.generating`, synced, then renamed to `snap.<lsn>` (the rename is its commit).
//! A process killed before the rename leaves the `.generating` file, which sled 0.34 then takes
//! for the newest snapshot and refuses as corrupt, forever. Such a file never holds anything
//! that the log and the last committed snapshot do not, so it is removed before sled opens.
//!
//! # Guarantees
//! - `db.creating` never holds a record: records are only written to `db`, after the rename.
//!   Removing it loses nothing.
//! - Only files named exactly `snap.<16 hex digits>.generating` are removed, and only while no
//!   process has the database open (sled's own lock on its `db` file is taken first); committed
//!   snapshots, the log and everything else are never touched, so real damage is still seen
//!   (and the tally, [`super::tally`], notices any record lost however it was lost).
//!
//! # Errors
//! I/O errors while creating or cleaning are [`StoreError::Open`]: postcal does not start.

use std::fs::{File, TryLockError};
use std::path::Path;

use super::store::StoreError;
use super::tally::{self, Tally, TallyFile};

/// Where a new store is initialised before it is renamed to `db`.
pub const CREATING_DIR: &str = "db.creating";

/// Creates `db_path` (`<state_dir>/db`) through `<state_dir>/db.creating`. `init` opens sled in
/// the directory it is given and writes the schema version; the tally is added here.
pub(super) fn create(
    state_dir: &Path,
    db_path: &Path,
    init: impl FnOnce(&Path) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let tmp = state_dir.join(CREATING_DIR);
    let io = |e: std::io::Error| StoreError::Open {
        path: db_path.to_path_buf(),
        message: format!("while creating it in {}: {e}", tmp.display()),
    };
    match std::fs::remove_dir_all(&tmp) {
        Ok(()) => {
            tracing::info!(path = %tmp.display(), "removed the leftover of an interrupted first start")
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    std::fs::create_dir_all(&tmp).map_err(io)?;
    init(&tmp)?;
    TallyFile::create(&tmp.join(tally::TALLY_FILE), Tally::default()).map_err(|e| {
        StoreError::Open {
            path: db_path.to_path_buf(),
            message: e.to_string(),
        }
    })?;
    // Everything sled wrote (its config is written without a sync) is durable before the
    // rename makes the store visible.
    for entry in std::fs::read_dir(&tmp).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_file() {
            File::open(entry.path())
                .and_then(|f| f.sync_all())
                .map_err(io)?;
        }
    }
    tally::sync_dir(&tmp).map_err(io)?;
    std::fs::rename(&tmp, db_path).map_err(io)?;
    tally::sync_dir(state_dir).map_err(io)?;
    Ok(())
}

/// Removes the snapshot files an open killed before its rename left in `db_path`; see the
/// module docs.
pub(super) fn remove_uncommitted_snapshots(db_path: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::Open {
        path: db_path.to_path_buf(),
        message: e.to_string(),
    };
    let log = match File::options()
        .read(true)
        .write(true)
        .open(db_path.join("db"))
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(e)),
    };
    // sled holds this lock while the database is open: a snapshot being written now is alive.
    match log.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(()),
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    for entry in std::fs::read_dir(db_path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name.to_str().is_some_and(is_uncommitted_snapshot) {
            std::fs::remove_file(entry.path()).map_err(io)?;
            tracing::info!(path = %entry.path().display(), "removed a snapshot file an interrupted open left unfinished");
        }
    }
    drop(log);
    Ok(())
}

/// `snap.0000000000000123.generating`.
fn is_uncommitted_snapshot(name: &str) -> bool {
    name.strip_prefix("snap.")
        .and_then(|rest| rest.strip_suffix(".generating"))
        .is_some_and(|lsn| lsn.len() == 16 && lsn.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sleds_unfinished_snapshot_files_are_recognised() {
        assert!(is_uncommitted_snapshot("snap.00000000000000A5.generating"));
        for name in [
            "snap.00000000000000A5",
            "snap.00000000000000A5.generating.bak",
            "snap.A5.generating",
            "snap.00000000000000G5.generating",
            "conf",
            "db",
            "postcal.tally",
        ] {
            assert!(!is_uncommitted_snapshot(name), "{name}");
        }
    }
}
