//! Reading one file of the calendar (a manifest or `postcal.yaml`): never blocking, never past
//! the size it had when opened nor past the cap, and never parsing bytes a caller already knows.
//!
//! What the bytes are is decided here ([`FileRead`]); what to tell the user about them is
//! decided by [`super::report`].

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::regular_file::{OpenError, RegularFile};
use crate::yaml;

/// What a previous read of a manifest established about its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The file's metadata when it was read, if it can vouch for the content later.
    pub(super) stamp: Option<Stamp>,
    /// SHA-256 of the bytes.
    pub hash: [u8; 32],
}

impl Known {
    /// Whether the walk's view of the file proves it still holds these bytes, without opening
    /// it: same length, modification and change times and inode, and those were read long
    /// enough after the last write (the racy-clean rule of `Stamp::settled`).
    pub fn vouches_for(&self, manifest: &super::ManifestFile) -> bool {
        self.stamp.is_some() && self.stamp == manifest.stamp
    }
}

/// A file read (and parsed, when it is text), before its diagnostics are attributed (which needs
/// the source map, so happens in order on one thread).
pub(super) enum FileRead {
    Unreadable(std::io::Error),
    /// A FIFO, socket, device or directory where a file was expected: never opened.
    NotRegular(crate::regular_file::Kind),
    TooLarge(u64),
    /// Offset of the first NUL byte.
    Binary(usize),
    /// UTF-16 text (with a byte-order mark, or ASCII interleaved with NULs).
    Utf16 {
        big_endian: bool,
    },
    NotUtf8 {
        lossy: Arc<str>,
        valid: usize,
    },
    /// The bytes a caller already knows: not parsed.
    Unchanged(Known),
    Text(Text),
}

/// A file's text and what parsing it gave.
pub(super) struct Text {
    pub text: Arc<str>,
    pub parsed: Result<Vec<yaml::Node>, yaml::ParseError>,
    pub known: Known,
}

/// What the file system says about a file's content: if it has not changed, neither has the
/// content. Compared with what the directory walk sees, so an unchanged file is not even
/// opened again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: SystemTime,
    #[cfg(unix)]
    inode: u64,
    #[cfg(unix)]
    changed: (i64, i64),
}

impl Stamp {
    /// The stamp of the file at `path` (following symlinks); `None` if it cannot be read.
    /// Only `stat`s: never opens the file.
    pub fn of_path(path: &Path) -> Option<Stamp> {
        Stamp::of(&std::fs::metadata(path).ok()?)
    }

    pub(super) fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok()?,
            #[cfg(unix)]
            inode: meta.ino(),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// A stamp read at `read_at` vouches for the content only if the file had not been
    /// modified within the file system's timestamp granularity before: otherwise a second
    /// write in the same tick could leave the stamp unchanged (git's "racy clean" problem).
    fn settled(self, read_at: SystemTime) -> Option<Stamp> {
        let age = read_at.duration_since(self.modified).ok()?;
        (age >= RACY_WINDOW).then_some(self)
    }
}

/// Longer than any file system's modification-time granularity (FAT's is 2 seconds).
const RACY_WINDOW: std::time::Duration = std::time::Duration::from_secs(3);

/// Reads a file (never more than `cap` bytes) and parses it as YAML, unless `known` holds its
/// content: the walk's `seen` stamp equals the known one, or the bytes hash the same.
pub(super) fn read_file(
    path: &Path,
    cap: u64,
    seen: Option<Stamp>,
    known: Option<&Known>,
) -> FileRead {
    if let Some(known) = known
        && known.stamp.is_some()
        && known.stamp == seen
    {
        return FileRead::Unchanged(known.clone());
    }
    let file = match RegularFile::open(path) {
        Ok(file) => file,
        Err(OpenError::NotRegular(kind)) => return FileRead::NotRegular(kind),
        Err(OpenError::Io(e)) => return FileRead::Unreadable(e),
    };
    if file.len() > cap {
        return FileRead::TooLarge(file.len());
    }
    let stamp = Stamp::of(file.metadata()).and_then(|s| s.settled(SystemTime::now()));
    let bytes = match file.read_all() {
        Ok(bytes) => bytes,
        Err(e) => return FileRead::Unreadable(e),
    };
    let known_now = Known {
        stamp,
        hash: Sha256::digest(&bytes).into(),
    };
    if known.is_some_and(|k| k.hash == known_now.hash) {
        return FileRead::Unchanged(known_now);
    }
    if let Some(big_endian) = utf16(&bytes) {
        return FileRead::Utf16 { big_endian };
    }
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return FileRead::Binary(nul);
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            let parsed = yaml::parse(&text);
            FileRead::Text(Text {
                text: text.into(),
                parsed,
                known: known_now,
            })
        }
        Err(e) => FileRead::NotUtf8 {
            valid: e.utf8_error().valid_up_to(),
            lossy: String::from_utf8_lossy(e.as_bytes()).into(),
        },
    }
}

/// Whether `bytes` look like UTF-16 text, and if so whether big-endian: a byte-order mark, or
/// (without one, as some Windows tools write) ASCII text with every other byte NUL.
fn utf16(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [0xff, 0xfe, ..] => return Some(false),
        [0xfe, 0xff, ..] => return Some(true),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(256) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.chunks_exact(2);
    let little = pairs.clone().all(|p| p[0] != 0 && p[1] == 0);
    let big = pairs.clone().all(|p| p[0] == 0 && p[1] != 0);
    match (little, big) {
        (true, _) => Some(false),
        (_, true) => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_vouches_only_for_files_older_than_the_racy_window() {
        let now = SystemTime::now();
        let stamp = |age| Stamp {
            len: 1,
            modified: now - age,
            #[cfg(unix)]
            inode: 1,
            #[cfg(unix)]
            changed: (0, 0),
        };
        assert!(stamp(std::time::Duration::ZERO).settled(now).is_none());
        assert!(stamp(RACY_WINDOW).settled(now).is_some());
    }

    #[test]
    fn recognises_utf16() {
        let le: Vec<u8> = "id: a\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "id: a\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16(&le), Some(false));
        assert_eq!(utf16(&be), Some(true));
        assert_eq!(utf16(&[&[0xff, 0xfe][..], &le].concat()), Some(false));
        assert_eq!(utf16(b"id: a\n"), None);
        assert_eq!(utf16(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0]), None);
    }
}
