//! The token vault: every account's tokens (and the apps' client secrets), encrypted at rest in
//! `.postcal/vault.age` with the age format (X25519 recipient, ChaCha20-Poly1305 payload), and a
//! token-free summary beside it (`.postcal/accounts.json`) that `plan`, `status` and `accounts`
//! read without the key.
//!
//! # Guarantees
//! - Writes are atomic and durable: a temporary file (mode 0600) is written and fsynced, renamed
//!   over the vault, and the directory fsynced; a crash leaves the old vault or the new one,
//!   never a mix. A rotated TikTok refresh token is on disk before [`Vault::update`] returns.
//! - Writers are serialised with an advisory lock (`vault.lock`): `postcal login` and a running
//!   daemon update different accounts of the same vault without losing each other's changes
//!   (each update re-reads the vault under the lock).
//! - A vault that cannot be read (wrong key, tampered, truncated) is never overwritten: every
//!   update reads first and stops at the error. An update that would leave no account over a
//!   vault that has some is refused.
//! - No token is ever written outside the encrypted file: the summary holds ids, dates, scopes
//!   and states only.
//!
//! # Errors
//! [`VaultError`] says what happened and what to do about it.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::key::VaultKey;
use crate::platform::credentials::TokenSet;
use crate::secret::Secret;

pub const VAULT_FILE: &str = "vault.age";
pub const LOCK_FILE: &str = "vault.lock";
pub const SUMMARY_FILE: &str = "accounts.json";

/// What the vault holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VaultData {
    pub version: u32,
    /// Keyed `platform/account`.
    #[serde(default)]
    pub accounts: BTreeMap<String, StoredAccount>,
    /// Client secrets by platform key (`tiktok`, …), saved at login so the daemon can refresh.
    #[serde(default)]
    pub app_secrets: BTreeMap<String, Secret>,
}

/// One account's tokens and what login learnt about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredAccount {
    #[serde(flatten)]
    pub tokens: TokenSet,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub logged_in_at: DateTime<Utc>,
    /// Set when the platform refused the grant: why, and the command that fixes it.
    #[serde(default)]
    pub needs_login: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(
        "the vault {path} cannot be opened with the key from {key_from}: set POSTCAL_KEY (or POSTCAL_KEY_FILE) to the key it was written with; if that key is lost, move the vault away and run `postcal login` for each account again"
    )]
    WrongKey { path: PathBuf, key_from: String },
    #[error(
        "the vault {path} is damaged ({why}): restore it from a backup, or move it away and run `postcal login` for each account again; postcal will not overwrite it"
    )]
    Damaged { path: PathBuf, why: String },
    #[error(
        "the vault {0} exists but there is no key to open it: set POSTCAL_KEY or POSTCAL_KEY_FILE to the key it was written with"
    )]
    NoKey(PathBuf),
    #[error("the vault {0} can be read by other users; run `chmod 600 {0}`")]
    Exposed(PathBuf),
    #[error("refusing to replace the vault {0}, which holds accounts, with an empty one")]
    WouldEmpty(PathBuf),
    #[error("cannot {0} {1}: {2}")]
    Io(&'static str, PathBuf, io::Error),
    #[error("cannot encrypt the vault: {0}")]
    Encrypt(String),
    /// A simulated crash (tests): the write stopped where a kill would have stopped it.
    #[error("killed (simulated) while writing {0}")]
    Killed(PathBuf),
}

/// The vault of one state directory, opened with one key.
#[derive(Clone)]
pub struct Vault {
    dir: PathBuf,
    key: Arc<VaultKey>,
    /// Tests: stop the next write after the temporary file is written, before the rename.
    kill_before_rename: Arc<AtomicBool>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault({})", self.path().display())
    }
}

/// Fsyncs a directory so a rename in it is durable (best effort where unsupported).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl Vault {
    pub fn new(state_dir: &Path, key: Arc<VaultKey>) -> Self {
        Self {
            dir: state_dir.to_owned(),
            key,
            kill_before_rename: Arc::default(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(VAULT_FILE)
    }

    pub fn exists_in(state_dir: &Path) -> bool {
        state_dir.join(VAULT_FILE).is_file()
    }

    /// Tests: the next write stops after its temporary file, as a kill there would.
    pub fn kill_next_write_before_rename(&self) {
        self.kill_before_rename.store(true, Ordering::SeqCst);
    }

    /// Identifies the vault file's current version (to notice another process's write).
    pub fn stamp(&self) -> Option<(std::time::SystemTime, u64)> {
        let m = fs::metadata(self.path()).ok()?;
        Some((m.modified().ok()?, m.len()))
    }

    /// The vault's content; an absent vault is empty.
    pub fn read(&self) -> Result<VaultData, VaultError> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(VaultData::default()),
            Err(e) => return Err(VaultError::Io("read", path, e)),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path)
                .map_err(|e| VaultError::Io("read", path.clone(), e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(VaultError::Exposed(path));
            }
        }
        let damaged = |why: String| VaultError::Damaged {
            path: path.clone(),
            why,
        };
        let plain = age::decrypt(self.key.identity(), &bytes).map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => VaultError::WrongKey {
                path: path.clone(),
                key_from: self.key.source.clone(),
            },
            age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                damaged("it ends too early: truncated".into())
            }
            other => damaged(format!("{other}")),
        })?;
        serde_json::from_slice(&plain).map_err(|e| damaged(format!("unreadable content: {e}")))
    }

    /// Reads the vault under the lock, applies `change`, and writes the result durably.
    pub fn update<R>(&self, change: impl FnOnce(&mut VaultData) -> R) -> Result<R, VaultError> {
        fs::create_dir_all(&self.dir).map_err(|e| VaultError::Io("create", self.dir.clone(), e))?;
        let _lock = Lock::take(&self.dir.join(LOCK_FILE))?;
        let mut data = self.read()?;
        let had_accounts = !data.accounts.is_empty();
        let out = change(&mut data);
        if had_accounts && data.accounts.is_empty() {
            return Err(VaultError::WouldEmpty(self.path()));
        }
        data.version = 1;
        self.write(&data)?;
        super::summary::write(&self.dir, &data);
        Ok(out)
    }

    fn write(&self, data: &VaultData) -> Result<(), VaultError> {
        let path = self.path();
        let io = |what, e| VaultError::Io(what, path.clone(), e);
        let plain = serde_json::to_vec(data).map_err(|e| VaultError::Encrypt(e.to_string()))?;
        let sealed = age::encrypt(&self.key.identity().to_public(), &plain)
            .map_err(|e| VaultError::Encrypt(e.to_string()))?;
        let temp = self
            .dir
            .join(format!("{VAULT_FILE}.{}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp).map_err(|e| io("write", e))?;
        file.write_all(&sealed)
            .and_then(|()| file.sync_all())
            .map_err(|e| io("write", e))?;
        drop(file);
        if self.kill_before_rename.swap(false, Ordering::SeqCst) {
            return Err(VaultError::Killed(path));
        }
        fs::rename(&temp, &path).map_err(|e| io("replace", e))?;
        sync_dir(&self.dir);
        Ok(())
    }
}

/// An exclusive advisory lock on a file, released on drop.
struct Lock(#[allow(dead_code)] File);

impl Lock {
    fn take(path: &Path) -> Result<Self, VaultError> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| VaultError::Io("lock", path.to_owned(), e))?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a file descriptor this function owns; no memory is shared.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(VaultError::Io(
                    "lock",
                    path.to_owned(),
                    io::Error::last_os_error(),
                ));
            }
        }
        Ok(Self(file))
    }
}

#[cfg(test)]
#[path = "vault_tests.rs"]
mod tests;
