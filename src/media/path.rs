//! What a media path written in a manifest may be: the one decision every command uses
//! (`validate`'s probing, `plan`'s and the daemon's content hashing, media staging).
//!
//! A media path is relative to the calendar root and must name a regular file inside the
//! calendar, after following symlinks. [`MediaRoot::open`] decides, and opens the file:
//!
//! # Guarantees
//! - Never blocks: a FIFO is refused without being opened (see [`crate::regular_file`]).
//! - Never reads outside the calendar: absolute paths, `..` above the root and symlinks that
//!   resolve outside it are refused before anything is opened.
//! - Never reads past the size stat'ed when the file was opened ([`MediaFile::len`]), so a file
//!   that grows forever costs no more than the size it had.

use std::path::{Component, Path, PathBuf};

use crate::regular_file::{Kind, OpenError, RegularFile};

/// Why a written media path cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaPathError {
    /// Not a path inside the calendar as written (absolute, `..` above the root, empty).
    #[error("{0}")]
    Invalid(&'static str),
    /// A symlink (the file or a directory on the way) that resolves outside the calendar.
    #[error("it is a symlink to a file outside the calendar")]
    Escapes,
    #[error("no such file")]
    NotFound,
    #[error("it is {}, not a file", .0.describe())]
    NotAFile(Kind),
    #[error("{0}")]
    Unreadable(String),
}

/// The calendar root media paths are resolved against.
#[derive(Debug, Clone)]
pub struct MediaRoot {
    root: PathBuf,
    /// `None` when the root cannot be resolved: then no media path can be checked.
    canonical: Option<PathBuf>,
}

/// A media file, checked and open.
#[derive(Debug)]
pub struct MediaFile {
    /// The path as normalised from the manifest (`media/a.jpg`).
    pub rel: String,
    /// Where it really is, symlinks resolved (inside the calendar).
    pub resolved: PathBuf,
    file: RegularFile,
}

impl MediaRoot {
    pub fn new(root: &Path) -> MediaRoot {
        MediaRoot {
            root: root.to_path_buf(),
            canonical: root.canonicalize().ok(),
        }
    }

    /// The root as given.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Decides whether `written` (a path from a manifest) may be used as a media file, and
    /// opens it if so.
    pub fn open(&self, written: &str) -> Result<MediaFile, MediaPathError> {
        let rel = normalize(written).map_err(MediaPathError::Invalid)?;
        let resolved = self.resolve(&rel)?;
        let file = RegularFile::open(&resolved).map_err(|e| match e {
            OpenError::NotRegular(kind) => MediaPathError::NotAFile(kind),
            OpenError::Io(e) => io_error(&e),
        })?;
        Ok(MediaFile {
            rel,
            resolved,
            file,
        })
    }

    /// Where `written` resolves to, without opening it (for stamps: `stat` never blocks).
    /// Refused exactly as [`Self::open`] would refuse it, except for the file's type.
    pub fn locate(&self, written: &str) -> Result<PathBuf, MediaPathError> {
        let rel = normalize(written).map_err(MediaPathError::Invalid)?;
        self.resolve(&rel)
    }

    fn resolve(&self, rel: &str) -> Result<PathBuf, MediaPathError> {
        let full = self.root.join(rel);
        let resolved = full.canonicalize().map_err(|e| io_error(&e))?;
        let inside = self
            .canonical
            .as_ref()
            .is_some_and(|root| resolved.starts_with(root));
        if !inside {
            return Err(MediaPathError::Escapes);
        }
        Ok(resolved)
    }
}

fn io_error(e: &std::io::Error) -> MediaPathError {
    if e.kind() == std::io::ErrorKind::NotFound {
        MediaPathError::NotFound
    } else {
        MediaPathError::Unreadable(e.to_string())
    }
}

impl MediaFile {
    /// The size stat'ed when the file was opened.
    pub fn len(&self) -> u64 {
        self.file.len()
    }

    pub fn is_empty(&self) -> bool {
        self.file.is_empty()
    }

    pub fn metadata(&self) -> &std::fs::Metadata {
        self.file.metadata()
    }

    /// SHA-256 of the file's bytes (no more than [`Self::len`]).
    pub fn sha256(self) -> std::io::Result<[u8; 32]> {
        self.file.sha256()
    }

    /// The bytes, as a reader that stops at [`Self::len`] (for copying or converting).
    pub fn into_reader(self) -> std::io::Take<std::fs::File> {
        self.file.into_reader()
    }

    /// The open file, for readers that seek, such as probing (headers only). Reads past
    /// [`Self::len`] are the caller's to avoid: prefer [`Self::into_reader`].
    pub fn into_file(self) -> std::fs::File {
        self.file.into_file()
    }
}

/// Normalises a manifest path to `a/b/c`, refusing absolute paths and `..` above the root.
pub fn normalize(written: &str) -> Result<String, &'static str> {
    if written.trim().is_empty() {
        return Err("the path is empty");
    }
    let path = Path::new(written);
    if path.is_absolute() || written.starts_with('/') || written.starts_with('\\') {
        return Err("it is an absolute path");
    }
    let mut parts: Vec<&str> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str().ok_or("it is not valid UTF-8")?),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err("`..` leads outside the calendar");
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err("it is an absolute path"),
        }
    }
    if parts.is_empty() {
        return Err("the path names the calendar directory itself");
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn paths_stay_inside_the_calendar() {
        assert_eq!(normalize("media/a.jpg"), Ok("media/a.jpg".into()));
        assert_eq!(
            normalize("./media/../media/a.jpg"),
            Ok("media/a.jpg".into())
        );
        assert!(normalize("../secret.jpg").is_err());
        assert!(normalize("media/../../x.jpg").is_err());
        assert!(normalize("/etc/passwd").is_err());
        assert!(normalize("").is_err());
        assert!(normalize(".").is_err());
    }

    #[test]
    fn only_regular_files_inside_the_calendar_are_opened() {
        let tmp = tempfile::tempdir().unwrap();
        let cal = tmp.path().join("cal");
        std::fs::create_dir_all(cal.join("media/sub")).unwrap();
        std::fs::write(cal.join("media/a.jpg"), "jpeg").unwrap();
        std::fs::write(tmp.path().join("secret"), "secret").unwrap();
        symlink(cal.join("media/a.jpg"), cal.join("media/inside.jpg")).unwrap();
        symlink(tmp.path().join("secret"), cal.join("media/outside.jpg")).unwrap();
        symlink("/dev/zero", cal.join("media/zero.jpg")).unwrap();
        symlink(tmp.path(), cal.join("media/up")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(cal.join("media/fifo.jpg"))
            .status()
            .unwrap();
        assert!(fifo.success());
        let root = MediaRoot::new(&cal);

        let a = root.open("media/./a.jpg").unwrap();
        assert_eq!((a.rel.as_str(), a.len()), ("media/a.jpg", 4));
        let mut bytes = String::new();
        std::io::Read::read_to_string(&mut a.into_reader(), &mut bytes).unwrap();
        assert_eq!(bytes, "jpeg");
        assert!(root.open("media/inside.jpg").is_ok());
        let err = |written: &str| root.open(written).unwrap_err();
        assert_eq!(err("media/outside.jpg"), MediaPathError::Escapes);
        assert_eq!(err("media/zero.jpg"), MediaPathError::Escapes);
        assert_eq!(err("media/up/secret"), MediaPathError::Escapes);
        assert_eq!(err("media/fifo.jpg"), MediaPathError::NotAFile(Kind::Fifo));
        assert_eq!(err("media/sub"), MediaPathError::NotAFile(Kind::Directory));
        assert_eq!(err("media/none.jpg"), MediaPathError::NotFound);
        assert!(matches!(err("../secret"), MediaPathError::Invalid(_)));
        assert!(matches!(err("/etc/passwd"), MediaPathError::Invalid(_)));
    }
}
