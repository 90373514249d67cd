//! The store on disk, under the directory given to [`Stager::open`]:
//!
//! ```text
//! <sha256>.<ext>             a staged file, named by the SHA-256 of its bytes
//! <sha256>.json              what it is: format, size, source hash, conversion
//! index/<source sha>.<need>  the record of what that source became with that need
//! tmp/                       files being written; emptied by `open`
//! ```
//!
//! Every file is written to `tmp/`, flushed, renamed into place, and the directory flushed, so
//! a name in the store always holds complete contents. Records are written after their file,
//! index entries after their record: a crash in between only costs redoing the work.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Conversion, ImageNeed, Need, StageError, StagedMedia, VideoNeed, convert};
use crate::media::remux;
use crate::media::{MediaDetails, MediaFormat, probe_file};

/// The largest image postcal decodes to convert (a 100-megapixel PNG is smaller).
pub const MAX_IMAGE_SOURCE_BYTES: u64 = 256 * 1024 * 1024;

/// The content-addressed media store. Cheap to share (`Arc<Stager>`); staging from several
/// threads at once is safe. One process stages into a directory at a time (the daemon holds
/// the state directory's lock), since [`Stager::open`] empties `tmp/`.
#[derive(Debug)]
pub struct Stager {
    dir: PathBuf,
}

/// What `<sha256>.json` holds.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    sha256: String,
    size: u64,
    format: MediaFormat,
    source_sha256: String,
    conversion: Option<Conversion>,
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StageError {
    let path = path.to_owned();
    move |source| StageError::Io {
        action,
        path,
        source,
    }
}

/// Whether `s` is a lowercase hex SHA-256: the only names the store looks up.
pub(crate) fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `N` bytes from the operating system's secure random source.
pub(crate) fn random<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a file without following a symlink in its last component.
pub(crate) fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    options.open(path)
}

fn sync_dir(dir: &Path) -> Result<(), StageError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("flush", dir))
}

/// A file being written in `tmp/`, hashed as it goes; removed on drop unless kept.
struct Temp {
    path: PathBuf,
    out: BufWriter<File>,
    hasher: Sha256,
    len: u64,
}

impl Write for Temp {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

impl Temp {
    /// Flushes the file to disk and moves it to `to`; returns the hex SHA-256 and length.
    fn keep(mut self, to: &Path) -> Result<(), StageError> {
        self.out.flush().map_err(io_error("write", &self.path))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(io_error("flush", &self.path))?;
        fs::rename(&self.path, to).map_err(io_error("move into place", to))
    }

    fn sha256(&self) -> String {
        hex(&self.hasher.clone().finalize())
    }
}

impl Stager {
    /// Opens (creating it if needed) the store in `dir`, removing what a crash left in `tmp/`.
    pub fn open(dir: &Path) -> Result<Self, StageError> {
        for sub in ["tmp", "index"] {
            fs::create_dir_all(dir.join(sub)).map_err(io_error("create", &dir.join(sub)))?;
        }
        let dir = dir.canonicalize().map_err(io_error("open", dir))?;
        let tmp = dir.join("tmp");
        for entry in fs::read_dir(&tmp).map_err(io_error("list", &tmp))? {
            let entry = entry.map_err(io_error("list", &tmp))?;
            let _ = fs::remove_file(entry.path());
        }
        Ok(Self { dir })
    }

    /// The store's directory (canonical).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn temp(&self) -> Result<Temp, StageError> {
        let random: [u8; 16] = random().map_err(io_error("name a temporary file in", &self.dir))?;
        let path = self.dir.join("tmp").join(format!("{}.part", hex(&random)));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_error("create", &path))?;
        Ok(Temp {
            path,
            out: BufWriter::with_capacity(256 * 1024, file),
            hasher: Sha256::new(),
            len: 0,
        })
    }

    /// Writes `bytes` to `path` atomically.
    fn write_small(&self, path: &Path, bytes: &[u8]) -> Result<(), StageError> {
        let mut temp = self.temp()?;
        temp.write_all(bytes)
            .map_err(io_error("write", &temp.path))?;
        temp.keep(path)?;
        sync_dir(path.parent().unwrap_or(&self.dir))
    }

    /// Stages `source` for a platform with `need`: the same source bytes and need give the same
    /// staged file, done once.
    pub fn stage(&self, source: &Path, need: &Need) -> Result<StagedMedia, StageError> {
        let snapshot = self.snapshot(source)?;
        let source_sha256 = snapshot.sha256();
        let index = self
            .dir
            .join("index")
            .join(format!("{source_sha256}.{}", need.key()));
        if let Some(staged) = self.read_record(&index) {
            return Ok(staged);
        }
        let info = probe_file(&snapshot.path).map_err(|e| StageError::Probe {
            path: source.to_owned(),
            source: e,
        })?;
        let (staged, format, conversion) = match info.details {
            MediaDetails::Image(_) => self.image(snapshot, info.format, need.image, source)?,
            MediaDetails::Video(_) => self.video(snapshot, info.format, need.video, source)?,
        };
        let sha256 = staged.sha256();
        let record = Record {
            size: staged.len,
            sha256,
            format,
            source_sha256,
            conversion,
        };
        let path = self.path_of(&record);
        staged.keep(&path)?;
        sync_dir(&self.dir)?;
        let json = serde_json::to_vec(&record).unwrap_or_default();
        self.write_small(&self.dir.join(format!("{}.json", record.sha256)), &json)?;
        // The index keeps this source's own record: two sources may give the same bytes.
        self.write_small(&index, &json)?;
        Ok(self.staged(record))
    }

    /// Copies the source into `tmp/`, reading no further than its size when opened.
    fn snapshot(&self, source: &Path) -> Result<Temp, StageError> {
        let mut file = File::open(source).map_err(io_error("open", source))?;
        let before = file.metadata().map_err(io_error("read", source))?;
        if !before.is_file() {
            return Err(StageError::NotAFile(source.to_owned()));
        }
        let mut temp = self.temp()?;
        let copied = io::copy(&mut (&mut file).take(before.len()), &mut temp)
            .map_err(io_error("copy", source))?;
        let after = file.metadata().map_err(io_error("read", source))?;
        if copied != before.len() || after.modified().ok() != before.modified().ok() {
            return Err(StageError::SourceChanged(source.to_owned()));
        }
        temp.flush().map_err(io_error("write", &temp.path))?;
        Ok(temp)
    }

    fn image(
        &self,
        snapshot: Temp,
        format: MediaFormat,
        need: ImageNeed,
        source: &Path,
    ) -> Result<(Temp, MediaFormat, Option<Conversion>), StageError> {
        let convertible = matches!(format, MediaFormat::Png | MediaFormat::Webp);
        let maybe_cmyk = format == MediaFormat::Jpeg && need != ImageNeed::AsIs;
        if need.accepts(format) && !maybe_cmyk {
            return Ok((snapshot, format, None));
        }
        if !convertible && !maybe_cmyk {
            return Err(StageError::CannotConvert {
                path: source.to_owned(),
                format,
            });
        }
        if snapshot.len > MAX_IMAGE_SOURCE_BYTES {
            return Err(StageError::TooLarge {
                path: source.to_owned(),
                size: snapshot.len,
                limit: MAX_IMAGE_SOURCE_BYTES,
            });
        }
        let bytes = fs::read(&snapshot.path).map_err(io_error("read", &snapshot.path))?;
        if maybe_cmyk && !convert::is_cmyk_jpeg(&bytes) {
            return Ok((snapshot, format, None));
        }
        let jpeg = convert::to_jpeg(&bytes).map_err(|why| StageError::Image {
            path: source.to_owned(),
            why,
        })?;
        let mut out = self.temp()?;
        out.write_all(&jpeg).map_err(io_error("write", &out.path))?;
        Ok((
            out,
            MediaFormat::Jpeg,
            Some(Conversion::ToJpeg { from: format }),
        ))
    }

    fn video(
        &self,
        snapshot: Temp,
        format: MediaFormat,
        need: VideoNeed,
        source: &Path,
    ) -> Result<(Temp, MediaFormat, Option<Conversion>), StageError> {
        if need == VideoNeed::AsIs || !matches!(format, MediaFormat::Mp4 | MediaFormat::Mov) {
            return Ok((snapshot, format, None));
        }
        let remux_error = |e| StageError::Remux {
            path: source.to_owned(),
            source: e,
        };
        let mut file = File::open(&snapshot.path).map_err(io_error("read", &snapshot.path))?;
        let inspection = remux::inspect(&mut file, snapshot.len).map_err(remux_error)?;
        if !inspection.needs_remux() {
            return Ok((snapshot, format, None));
        }
        let mut out = self.temp()?;
        let report = remux::remux(&mut file, snapshot.len, &mut out).map_err(remux_error)?;
        let conversion = Conversion::Remux {
            dropped_edit_lists: report.dropped_edit_lists,
            moved_moov: report.moved_moov,
        };
        Ok((out, format, Some(conversion)))
    }

    fn path_of(&self, record: &Record) -> PathBuf {
        self.dir
            .join(format!("{}.{}", record.sha256, record.format.extension()))
    }

    fn staged(&self, record: Record) -> StagedMedia {
        StagedMedia {
            path: self.path_of(&record),
            sha256: record.sha256,
            size: record.size,
            format: record.format,
            source_sha256: record.source_sha256,
            conversion: record.conversion,
        }
    }

    /// The staged file with this SHA-256 (lowercase hex), if it is in the store, complete, and
    /// a regular file (never a symlink).
    pub fn get(&self, sha256: &str) -> Option<StagedMedia> {
        if !is_sha256(sha256) {
            return None;
        }
        let staged = self.read_record(&self.dir.join(format!("{sha256}.json")))?;
        (staged.sha256 == sha256).then_some(staged)
    }

    /// The staged file a record file describes, if that file is complete and not a symlink.
    fn read_record(&self, path: &Path) -> Option<StagedMedia> {
        let mut json = Vec::new();
        open_no_follow(path)
            .ok()?
            .take(64 * 1024)
            .read_to_end(&mut json)
            .ok()?;
        let record: Record = serde_json::from_slice(&json).ok()?;
        if !is_sha256(&record.sha256) {
            return None;
        }
        let meta = fs::symlink_metadata(self.path_of(&record)).ok()?;
        (meta.is_file() && meta.len() == record.size).then(|| self.staged(record))
    }

    /// Opens a staged file for reading, refusing a symlink put in its place.
    pub fn open_staged(&self, staged: &StagedMedia) -> io::Result<File> {
        open_no_follow(&staged.path)
    }
}
