//! The state-directory lock: one process writes a calendar's state at a time.
//!
//! The daemon and `run --once` hold an exclusive lock on `.postcal/lock` for as long as they
//! run. Read-only commands (`status`, `plan`) only *try* a shared lock for the few milliseconds
//! they read the store, and fall back to the daemon's snapshot when the lock is held: they never
//! wait for the daemon and never make it wait for long.
//!
//! # Guarantees
//! - A second writer fails at once with [`LockError::Held`] naming the holder's pid, before it
//!   has touched anything.
//! - The lock is released when the [`StateLock`] is dropped or the process dies (it is an OS
//!   file lock, never a stale pid file).
//!
//! # Assumptions
//! - The state directory is on a local filesystem where `flock` works (not all network
//!   filesystems honour it).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const LOCK_FILE: &str = "lock";
/// How long a writer waits for readers that hold the shared lock for a moment.
const READER_GRACE: Duration = Duration::from_millis(1500);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another postcal ({holder}) is running on this calendar and holds {path}; stop it first, \
         or use `postcal status` to watch it"
    )]
    Held { path: PathBuf, holder: String },
    #[error("cannot lock the state directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// An exclusive lock on a state directory, held until dropped.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    dir: PathBuf,
}

impl StateLock {
    /// Creates the state directory if needed and takes the exclusive lock.
    pub fn acquire(state_dir: &Path) -> Result<StateLock, LockError> {
        let path = state_dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    // A reader holds the shared lock for milliseconds; a writer holds it for
                    // good. Wait out the first, report the second.
                    if started.elapsed() >= READER_GRACE {
                        let mut holder = String::new();
                        let _ = file.read_to_string(&mut holder);
                        let holder = match holder.trim() {
                            "" => "another process".to_owned(),
                            pid => format!("pid {pid}"),
                        };
                        return Err(LockError::Held { path, holder });
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        // Record who holds it, for the other side's error message.
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(StateLock {
            _file: file,
            dir: state_dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A shared lock taken by a read-only command while it reads the store.
#[derive(Debug)]
pub struct ReadLock {
    _file: File,
}

/// Tries the shared lock without waiting. `Ok(None)` when a writer holds it (or there is no
/// state directory): read the snapshot instead. Never creates anything.
pub fn try_read_lock(state_dir: &Path) -> Result<Option<ReadLock>, LockError> {
    let path = state_dir.join(LOCK_FILE);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LockError::Io { path, source }),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(ReadLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(source)) => Err(LockError::Io { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".postcal");
        let first = StateLock::acquire(&state).unwrap();
        let err = StateLock::acquire(&state).unwrap_err();
        assert!(
            matches!(&err, LockError::Held { holder, .. } if holder == &format!("pid {}", std::process::id())),
            "{err}"
        );
        assert!(try_read_lock(&state).unwrap().is_none());
        drop(first);
        let reader = try_read_lock(&state).unwrap();
        assert!(reader.is_some());
        drop(reader);
        StateLock::acquire(&state).unwrap();
    }

    #[test]
    fn readers_never_create_the_state_directory() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".postcal");
        assert!(try_read_lock(&state).unwrap().is_none());
        assert!(!state.exists());
    }
}
