//! The key that opens the token vault: an age X25519 identity (`AGE-SECRET-KEY-1…`), so the
//! vault can also be opened with the standard `age` tool (`age -d -i KEYFILE vault.age`).
//!
//! Where it comes from, first match wins:
//! 1. `POSTCAL_KEY`: the identity itself (for servers that inject secrets as variables);
//! 2. `POSTCAL_KEY_FILE`: a file holding it;
//! 3. `$XDG_CONFIG_HOME/postcal/key`, else `$HOME/.config/postcal/key`.
//!
//! # Guarantees
//! - The key file is never inside the calendar: a calendar is a git repository, and a key
//!   committed next to the vault would make the encryption worthless.
//! - A key file readable by others (mode not 0600) is refused, not used.
//! - A key is created only when asked ([`VaultKey::load_or_create`], on first login), with mode
//!   0600, written atomically; it is never replaced.
//!
//! # Errors
//! [`KeyError`] says what is wrong and what to do (set `POSTCAL_KEY`, `chmod 600`, move the file).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;

/// The environment variable that holds the key itself.
pub const KEY_VAR: &str = "POSTCAL_KEY";
/// The environment variable that names the key file.
pub const KEY_FILE_VAR: &str = "POSTCAL_KEY_FILE";

/// An age identity, and where it came from (for messages).
pub struct VaultKey {
    identity: age::x25519::Identity,
    pub source: String,
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VaultKey(from {})", self.source)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "no vault key: set {KEY_VAR} to the key, or {KEY_FILE_VAR} to the file holding it (looked for {0})"
    )]
    Missing(PathBuf),
    #[error("{0} does not hold an age key (a line starting AGE-SECRET-KEY-1)")]
    Malformed(String),
    #[error("the key file {0} can be read by other users; run `chmod 600 {0}`")]
    Exposed(PathBuf),
    #[error(
        "the key file {0} is inside the calendar {1}; move it out (a calendar is usually a git repository) and set {KEY_FILE_VAR}"
    )]
    InsideCalendar(PathBuf, PathBuf),
    #[error("cannot {0} the key file {1}: {2}")]
    Io(&'static str, PathBuf, io::Error),
    #[error("no place for a key file: set HOME, XDG_CONFIG_HOME or {KEY_FILE_VAR}")]
    NoHome,
}

/// Where the key file is looked for (ignoring `POSTCAL_KEY`).
pub fn key_file_path() -> Result<PathBuf, KeyError> {
    if let Some(p) = std::env::var_os(KEY_FILE_VAR).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(x).join("postcal").join("key"));
    }
    std::env::var_os("HOME")
        .filter(|p| !p.is_empty())
        .map(|h| PathBuf::from(h).join(".config").join("postcal").join("key"))
        .ok_or(KeyError::NoHome)
}

impl VaultKey {
    /// A new random key (not saved).
    pub fn generate() -> Self {
        Self {
            identity: age::x25519::Identity::generate(),
            source: "a new key".into(),
        }
    }

    pub fn parse(text: &str, source: &str) -> Result<Self, KeyError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        let identity = line
            .parse::<age::x25519::Identity>()
            .map_err(|_| KeyError::Malformed(source.to_owned()))?;
        Ok(Self {
            identity,
            source: source.to_owned(),
        })
    }

    /// The key from `POSTCAL_KEY` or the key file; `Ok(None)` when there is none.
    pub fn load(calendar: &Path) -> Result<Option<Self>, KeyError> {
        if let Ok(v) = std::env::var(KEY_VAR)
            && !v.trim().is_empty()
        {
            return Self::parse(&v, KEY_VAR).map(Some);
        }
        let path = key_file_path()?;
        check_outside(&path, calendar)?;
        match fs::read_to_string(&path) {
            Ok(text) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = fs::metadata(&path)
                        .map_err(|e| KeyError::Io("read", path.clone(), e))?
                        .permissions()
                        .mode();
                    if mode & 0o077 != 0 {
                        return Err(KeyError::Exposed(path));
                    }
                }
                Self::parse(&text, &path.display().to_string()).map(Some)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(KeyError::Io("read", path, e)),
        }
    }

    /// The key, or a new one saved to the key file (first login).
    pub fn load_or_create(calendar: &Path) -> Result<(Self, bool), KeyError> {
        if let Some(k) = Self::load(calendar)? {
            return Ok((k, false));
        }
        let path = key_file_path()?;
        let mut key = Self::generate();
        key.save(&path)?;
        key.source = path.display().to_string();
        Ok((key, true))
    }

    fn save(&self, path: &Path) -> Result<(), KeyError> {
        let io = |what, e| KeyError::Io(what, path.to_owned(), e);
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| io("create", e))?;
        let temp = dir.join(format!(".key.{}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let text = format!(
            "# postcal vault key (age identity); public key: {}\n{}\n",
            self.identity.to_public(),
            self.identity.to_string().expose_secret()
        );
        let written = options.open(&temp).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        });
        // Never replace an existing key: hard_link fails if `path` exists.
        let placed = written.and_then(|()| fs::hard_link(&temp, path));
        let _ = fs::remove_file(&temp);
        placed.map_err(|e| io("create", e))?;
        super::vault::sync_dir(dir);
        Ok(())
    }

    pub(crate) fn identity(&self) -> &age::x25519::Identity {
        &self.identity
    }

    /// The key as text (for `POSTCAL_KEY` in tests and servers).
    pub fn to_secret_string(&self) -> crate::secret::Secret {
        crate::secret::Secret::from(self.identity.to_string().expose_secret().to_owned())
    }
}

/// Refuses a key file inside the calendar directory.
fn check_outside(key: &Path, calendar: &Path) -> Result<(), KeyError> {
    let canon = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let key_dir = canon(key.parent().unwrap_or(Path::new(".")));
    let calendar = canon(calendar);
    if key_dir.starts_with(&calendar) {
        return Err(KeyError::InsideCalendar(key.to_owned(), calendar));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_text_and_refuse_garbage() {
        let k = VaultKey::generate();
        let text = k.to_secret_string();
        let again = VaultKey::parse(text.expose(), "test").unwrap();
        assert_eq!(
            again.identity().to_public().to_string(),
            k.identity().to_public().to_string()
        );
        assert!(matches!(
            VaultKey::parse("not a key", "x"),
            Err(KeyError::Malformed(_))
        ));
        assert!(!format!("{k:?}").contains("AGE-SECRET"));
    }

    #[test]
    fn a_key_file_inside_the_calendar_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("keys/key");
        assert!(matches!(
            check_outside(&inside, dir.path()),
            Err(KeyError::InsideCalendar(..))
        ));
        let other = tempfile::tempdir().unwrap();
        assert!(check_outside(&other.path().join("key"), dir.path()).is_ok());
    }
}
