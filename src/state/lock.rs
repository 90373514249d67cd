//! The state-directory lock: one process writes a calendar's state at a time.
//!
//! The daemon and `run --once` hold two exclusive locks for as long as they run: one on the
//! calendar directory itself, one on `.postcal/lock`. Read-only commands (`status`, `plan`)
//! only *try* a shared lock on `.postcal/lock` for the few milliseconds they read the store, and
//! fall back to the daemon's snapshot when the lock is held: they never wait for the daemon and
//! never make it wait for long.
//!
//! The lock on the calendar directory is what survives `rm -rf .postcal` under a running
//! daemon: the new `.postcal/lock` a second daemon would create is another file, but the
//! calendar directory is the same, so the second daemon is refused. The first daemon notices
//! through [`StateLock::check`] (called at the start of every pass and before every write) and
//! stops.
//!
//! # Guarantees
//! - A second writer fails at once with [`LockError::Held`] naming the holder's pid, before it
//!   has touched anything, even when the first one's `.postcal/` was deleted or replaced.
//! - [`StateLock::check`] fails with [`LockError::Lost`] once `.postcal/lock` or the calendar
//!   directory no longer resolve to the files this lock holds (deleted, moved or replaced).
//! - The lock is released when the [`StateLock`] is dropped or the process dies (it is an OS
//!   file lock, never a stale pid file).
//!
//! # Errors
//! [`LockError::Held`]: another writer runs. [`LockError::Lost`]: the state directory moved
//! under this one (fatal for a daemon). [`LockError::Io`]: the directory cannot be created or
//! locked.
//!
//! # Assumptions
//! - The state directory is on a local filesystem where `flock` works (not all network
//!   filesystems honour it), and `flock` works on directories (Linux, the BSDs, macOS).

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
    #[error(
        "the state directory {dir} was deleted, moved or replaced while this postcal was \
         running ({what}). postcal stops: what it records there is no longer where the next \
         postcal will look, so slots could be published twice. Put the state directory back (or \
         restore it from a backup) before starting postcal again"
    )]
    Lost { dir: PathBuf, what: String },
    #[error("cannot lock the state directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Which file a path names: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    pub(crate) fn of(meta: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId(meta.dev(), meta.ino())
    }

    /// Without inode numbers only a path that is gone is noticed.
    #[cfg(not(unix))]
    pub(crate) fn of(_meta: &std::fs::Metadata) -> FileId {
        FileId(0, 0)
    }

    /// `Ok(())` when `path` still names the file `self` identifies; otherwise what changed.
    pub(crate) fn check(self, path: &Path) -> Result<(), String> {
        match std::fs::metadata(path) {
            Ok(meta) if FileId::of(&meta) == self => Ok(()),
            Ok(_) => Err(format!("{} is another file now", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(format!("{} is gone", path.display()))
            }
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

/// An exclusive lock on a state directory, held until dropped.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    file_id: FileId,
    _root: File,
    root: PathBuf,
    root_id: FileId,
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
        let root = calendar_dir(state_dir);
        // A state directory inside another one (`.postcal/sandbox`) locks its parent, which
        // may not exist yet.
        if !root.exists() {
            std::fs::create_dir_all(&root).map_err(|source| LockError::Io {
                path: root.clone(),
                source,
            })?;
        }
        let root_file = File::open(&root).map_err(|source| LockError::Io {
            path: root.clone(),
            source,
        })?;
        match root_file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    path: root.clone(),
                    holder: holder_of(&path),
                });
            }
            Err(TryLockError::Error(source)) => return Err(LockError::Io { path: root, source }),
        }
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
                    // A reader holds the shared lock for milliseconds; a writer (an older
                    // postcal, which locks only this file) holds it for good. Wait out the
                    // first, report the second.
                    if started.elapsed() >= READER_GRACE {
                        let holder = holder_of(&path);
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
        let file_id = FileId::of(&file.metadata().map_err(io)?);
        let root_id = FileId::of(&root_file.metadata().map_err(io)?);
        Ok(StateLock {
            _file: file,
            file_id,
            _root: root_file,
            root,
            root_id,
            dir: state_dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether this lock still guards the state directory: `.postcal/lock` and the calendar
    /// directory still name the files it locked. Two `stat` calls; cheap enough for every pass
    /// and every write.
    pub fn check(&self) -> Result<(), LockError> {
        let lost = |what| LockError::Lost {
            dir: self.dir.clone(),
            what,
        };
        self.root_id.check(&self.root).map_err(lost)?;
        self.file_id
            .check(&self.dir.join(LOCK_FILE))
            .map_err(lost)?;
        Ok(())
    }
}

/// `<calendar>` for `<calendar>/.postcal`.
fn calendar_dir(state_dir: &Path) -> PathBuf {
    match state_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// "pid N" from the lock file, for the error message.
fn holder_of(lock_file: &Path) -> String {
    let mut holder = String::new();
    if let Ok(mut f) = File::open(lock_file) {
        let _ = f.read_to_string(&mut holder);
    }
    match holder.trim() {
        "" => "another process".to_owned(),
        pid => format!("pid {pid}"),
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
    fn deleting_the_state_directory_neither_frees_the_lock_nor_goes_unnoticed() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".postcal");
        let first = StateLock::acquire(&state).unwrap();
        first.check().unwrap();
        std::fs::remove_dir_all(&state).unwrap();
        let err = StateLock::acquire(&state).unwrap_err();
        assert!(matches!(err, LockError::Held { .. }), "{err}");
        assert!(
            !state.exists(),
            "the refused writer created the state directory"
        );
        let err = first.check().unwrap_err();
        assert!(
            matches!(&err, LockError::Lost { what, .. } if what.contains("is gone")),
            "{err}"
        );
        // Replaced by another directory with a lock file of its own: noticed too.
        std::fs::create_dir(&state).unwrap();
        std::fs::write(state.join(LOCK_FILE), "1").unwrap();
        let err = first.check().unwrap_err();
        assert!(
            matches!(&err, LockError::Lost { what, .. } if what.contains("another file")),
            "{err}"
        );
        drop(first);
        StateLock::acquire(&state).unwrap().check().unwrap();
    }

    #[test]
    fn readers_never_create_the_state_directory() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".postcal");
        assert!(try_read_lock(&state).unwrap().is_none());
        assert!(!state.exists());
    }
}
