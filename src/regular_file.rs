//! Opening the files postcal reads from a calendar: regular files only, never blocking, never
//! reading past the size they had when opened.
//!
//! A calendar is content anyone can commit to, symlinks included. A FIFO blocks `open(2)` until
//! a writer comes, a device such as `/dev/zero` never ends, and opening some devices has side
//! effects. So a path is `stat`ed first and refused unless it is a regular file; it is then
//! opened with `O_NONBLOCK` (had it been swapped for a FIFO in between, the open returns at
//! once) and `fstat`ed again; reads stop at the length that `fstat` gave.
//!
//! # Guarantees
//! - [`RegularFile::open`] never blocks on a FIFO and never opens a device, socket or directory.
//! - [`RegularFile::read_all`] and [`RegularFile::sha256`] read at most [`RegularFile::len`]
//!   bytes, whatever the file does meanwhile.

use std::fs::{File, FileType, Metadata};
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

/// What a path is when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Directory,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    /// Anything else the file system may have.
    Other,
}

impl Kind {
    /// The kind of a file type that is not a regular file; `None` for a regular file.
    pub fn of(file_type: &FileType) -> Option<Kind> {
        #[cfg(unix)]
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_file() {
            return None;
        }
        if file_type.is_dir() {
            return Some(Kind::Directory);
        }
        #[cfg(unix)]
        {
            if file_type.is_fifo() {
                return Some(Kind::Fifo);
            }
            if file_type.is_socket() {
                return Some(Kind::Socket);
            }
            if file_type.is_char_device() {
                return Some(Kind::CharDevice);
            }
            if file_type.is_block_device() {
                return Some(Kind::BlockDevice);
            }
        }
        Some(Kind::Other)
    }

    /// "a directory", "a FIFO (named pipe)"...: completes "this is ...".
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Directory => "a directory",
            Kind::Fifo => "a FIFO (named pipe)",
            Kind::Socket => "a socket",
            Kind::CharDevice => "a character device",
            Kind::BlockDevice => "a block device",
            Kind::Other => "not a regular file",
        }
    }
}

/// Why a file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("it is {}, not a regular file", .0.describe())]
    NotRegular(Kind),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// An open regular file and what `fstat` said of it when it was opened.
#[derive(Debug)]
pub struct RegularFile {
    file: File,
    meta: Metadata,
}

impl RegularFile {
    /// Opens `path` (following symlinks) if it is a regular file.
    pub fn open(path: &Path) -> Result<RegularFile, OpenError> {
        if let Some(kind) = Kind::of(&std::fs::metadata(path)?.file_type()) {
            return Err(OpenError::NotRegular(kind));
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options.open(path)?;
        let meta = file.metadata()?;
        if let Some(kind) = Kind::of(&meta.file_type()) {
            return Err(OpenError::NotRegular(kind));
        }
        Ok(RegularFile { file, meta })
    }

    /// The length `fstat` gave when the file was opened: no read goes past it.
    pub fn len(&self) -> u64 {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// Every byte, up to [`Self::len`].
    pub fn read_all(self) -> io::Result<Vec<u8>> {
        let len = self.len();
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(1 << 20));
        self.file.take(len).read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// SHA-256 of the bytes, up to [`Self::len`]. A file that shrank while it was read is an
    /// error: its hash would describe no version of it.
    pub fn sha256(self) -> io::Result<[u8; 32]> {
        let len = self.len();
        let mut hasher = Sha256::new();
        let read = io::copy(&mut self.file.take(len), &mut hasher)?;
        if read != len {
            return Err(io::Error::other(format!(
                "the file changed while it was read ({read} of {len} bytes)"
            )));
        }
        Ok(hasher.finalize().into())
    }

    /// The bytes, as a reader that stops at [`Self::len`].
    pub fn into_reader(self) -> io::Take<File> {
        let len = self.len();
        self.file.take(len)
    }

    /// The open file, for readers that seek (probing media reads headers only). Reads past
    /// [`Self::len`] are the caller's to avoid: prefer [`Self::into_reader`].
    pub fn into_file(self) -> File {
        self.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(matches!(
            RegularFile::open(&fifo),
            Err(OpenError::NotRegular(Kind::Fifo))
        ));
        assert!(matches!(
            RegularFile::open(dir.path()),
            Err(OpenError::NotRegular(Kind::Directory))
        ));
        assert!(matches!(
            RegularFile::open(Path::new("/dev/zero")),
            Err(OpenError::NotRegular(Kind::CharDevice))
        ));
        let file = dir.path().join("a");
        std::fs::write(&file, "hello").unwrap();
        let open = RegularFile::open(&file).unwrap();
        assert_eq!(open.len(), 5);
        assert_eq!(open.read_all().unwrap(), b"hello");
    }

    #[test]
    fn reads_stop_at_the_length_stated_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("growing");
        std::fs::write(&path, "abc").unwrap();
        let open = RegularFile::open(&path).unwrap();
        std::fs::write(&path, "abcdef").unwrap();
        assert_eq!(open.read_all().unwrap(), b"abc");
    }
}
