//! Probing media by content: what a file really is, judged from its bytes, never its name.
//!
//! The format comes from the first bytes (magic numbers, the ISO-BMFF `ftyp` brands), then a
//! format-specific reader pulls out what the platform rules need: image dimensions as displayed,
//! video codecs, duration, frame rate, `moov` placement and edit lists.
//!
//! # Guarantees
//! - Only headers are read. A file is reached through seeks and small reads ([`Source`]); a
//!   JPEG costs a few hundred bytes of reads whatever its size, an MP4 its box headers plus its
//!   `moov` box (metadata), which is capped at [`MAX_MOOV_BYTES`].
//! - No panic and no allocation sized by an unchecked length field, whatever the input: damaged,
//!   truncated or hostile files give a [`ProbeError`] that says what is wrong.
//!
//! # Assumptions
//! - Sizes above the caps here are not media a social platform would accept anyway.

pub(crate) mod bmff;
mod exif;
mod heif;
mod jpeg;
mod mp4;
mod raster;
mod webm;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::{ImageInfo, MediaDetails, MediaFormat, MediaInfo};

/// The largest `moov` box (an MP4's metadata) read into memory. A 15-minute 60 fps video with
/// two tracks has a few MiB of sample tables; beyond this cap the file is refused, not read.
pub const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file could not be probed. Messages are written for the person who owns the file.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a supported image or video (the first bytes match no known format)")]
    Unrecognized,
    #[error("the file is empty")]
    Empty,
    #[error("the file looks like {format} but its header is damaged: {reason}")]
    Corrupt {
        format: &'static str,
        reason: String,
    },
    #[error(
        "the {format} file ends too early, inside its {what}; it may be an incomplete download \
         or copy"
    )]
    Truncated {
        format: &'static str,
        what: &'static str,
    },
    #[error(
        "the {format} has no `moov` box (its metadata), so its codecs and duration are unknown; \
         re-export it, e.g. with ffmpeg -movflags +faststart"
    )]
    NoMoov { format: &'static str },
    #[error(
        "the {format} file's {what} is {size} bytes, more than the {limit} bytes postcal reads; \
         the file is probably damaged"
    )]
    TooLarge {
        format: &'static str,
        what: &'static str,
        size: u64,
        limit: u64,
    },
    #[error("the {format} file is valid but {what} is not supported")]
    Unsupported {
        format: &'static str,
        what: &'static str,
    },
}

impl ProbeError {
    pub(crate) fn corrupt(format: MediaFormat, reason: impl Into<String>) -> Self {
        Self::Corrupt {
            format: format.name(),
            reason: reason.into(),
        }
    }

    pub(crate) fn truncated(format: MediaFormat, what: &'static str) -> Self {
        Self::Truncated {
            format: format.name(),
            what,
        }
    }
}

/// Probes a file on disk, reading headers only (never the whole file).
pub fn probe_file(path: &Path) -> Result<MediaInfo, ProbeError> {
    probe_reader(File::open(path)?)
}

/// Probes media held in memory (the sandbox judges downloaded bytes this way).
pub fn probe_bytes(bytes: &[u8]) -> Result<MediaInfo, ProbeError> {
    probe_source(&mut SliceSource(bytes))
}

/// Probes anything that can seek, reading headers only; its length is found by seeking to the
/// end. Useful to probe through a counting or throttled reader.
pub fn probe_reader<R: Read + Seek>(mut reader: R) -> Result<MediaInfo, ProbeError> {
    let len = reader.seek(SeekFrom::End(0))?;
    probe_source(&mut ReaderSource {
        inner: reader,
        len,
        pos: None,
    })
}

fn probe_source(src: &mut dyn Source) -> Result<MediaInfo, ProbeError> {
    let mut head = [0u8; 16];
    let got = src.read_at(0, &mut head)?;
    if got == 0 {
        return Err(ProbeError::Empty);
    }
    let sniffed = sniff(&head[..got]).ok_or(ProbeError::Unrecognized)?;
    let mut input = Input {
        src,
        format: sniffed.provisional(),
    };
    let (format, details) = match sniffed {
        Sniffed::Jpeg => jpeg::probe(&mut input)?,
        Sniffed::Png => (MediaFormat::Png, raster::png(&mut input)?),
        Sniffed::Gif => (MediaFormat::Gif, raster::gif(&mut input)?),
        Sniffed::Webp => (MediaFormat::Webp, raster::webp(&mut input)?),
        Sniffed::Tiff => (MediaFormat::Tiff, exif::tiff_file(&mut input)?),
        Sniffed::Ebml => (MediaFormat::Webm, webm::probe(&mut input)?),
        Sniffed::IsoFtyp => {
            input.format = bmff::ftyp_format(&mut input)?;
            match input.format {
                MediaFormat::Heif => (MediaFormat::Heif, heif::probe(&mut input)?),
                video => (video, mp4::probe(&mut input)?),
            }
        }
        Sniffed::QuickTimeNoFtyp => (MediaFormat::Mov, mp4::probe(&mut input)?),
    };
    Ok(MediaInfo {
        format,
        size_bytes: input.len(),
        details,
    })
}

/// Image details as displayed: EXIF orientations 5–8 turn the picture a quarter, so they swap
/// width and height. A zero side is a damaged header, not an image.
fn image_details(
    input: &Input,
    width: u32,
    height: u32,
    orientation: u8,
) -> Result<MediaDetails, ProbeError> {
    if width == 0 || height == 0 {
        return Err(input.corrupt(format!("it says the image is {width}×{height} pixels")));
    }
    let (width, height) = if orientation >= 5 {
        (height, width)
    } else {
        (width, height)
    };
    Ok(MediaDetails::Image(ImageInfo {
        width,
        height,
        orientation,
    }))
}

/// What the first bytes say, before the format's own reader refines it (JPEG vs MPO, MP4 vs
/// MOV vs HEIF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    Jpeg,
    Png,
    Gif,
    Webp,
    Tiff,
    Ebml,
    IsoFtyp,
    QuickTimeNoFtyp,
}

impl Sniffed {
    /// The format named in errors until the reader knows better.
    fn provisional(self) -> MediaFormat {
        match self {
            Self::Jpeg => MediaFormat::Jpeg,
            Self::Png => MediaFormat::Png,
            Self::Gif => MediaFormat::Gif,
            Self::Webp => MediaFormat::Webp,
            Self::Tiff => MediaFormat::Tiff,
            Self::Ebml => MediaFormat::Webm,
            Self::IsoFtyp => MediaFormat::Mp4,
            Self::QuickTimeNoFtyp => MediaFormat::Mov,
        }
    }
}

fn sniff(head: &[u8]) -> Option<Sniffed> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(Sniffed::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Sniffed::Png)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Sniffed::Gif)
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        Some(Sniffed::Webp)
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some(Sniffed::Tiff)
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some(Sniffed::Ebml)
    } else if at(4, b"ftyp") {
        Some(Sniffed::IsoFtyp)
    } else if [b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"]
        .iter()
        .any(|fourcc| at(4, *fourcc))
    {
        Some(Sniffed::QuickTimeNoFtyp)
    } else {
        None
    }
}

/// Random access to the bytes being probed: a slice, or a file reached by seek + read.
trait Source {
    fn len(&self) -> u64;
    /// Fills `buf` from `offset` and says how many bytes there were: fewer than `buf.len()` only
    /// at the end of the data.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

struct SliceSource<'a>(&'a [u8]);

impl Source for SliceSource<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|start| self.0.get(start..))
            .unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

struct ReaderSource<R> {
    inner: R,
    len: u64,
    /// Where the reader is, to skip the seek when reads are contiguous.
    pos: Option<u64>,
}

impl<R: Read + Seek> Source for ReaderSource<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        if self.pos != Some(offset) {
            self.pos = None;
            self.inner.seek(SeekFrom::Start(offset))?;
        }
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.pos = Some(offset + filled as u64);
        Ok(filled)
    }
}

/// A [`Source`] with the format being read, so that short reads become errors that name it.
struct Input<'s> {
    src: &'s mut dyn Source,
    /// The format as known so far; readers refine it (JPEG to MPO, MP4 to MOV).
    format: MediaFormat,
}

impl Input<'_> {
    fn len(&self) -> u64 {
        self.src.len()
    }

    fn format(&self) -> MediaFormat {
        self.format
    }

    fn corrupt(&self, reason: impl Into<String>) -> ProbeError {
        ProbeError::corrupt(self.format(), reason)
    }

    /// Reads exactly `buf.len()` bytes at `offset`; the end of the file there is an error that
    /// says `what` was cut short.
    fn exact(&mut self, offset: u64, buf: &mut [u8], what: &'static str) -> Result<(), ProbeError> {
        if self.src.read_at(offset, buf)? == buf.len() {
            Ok(())
        } else {
            Err(ProbeError::truncated(self.format(), what))
        }
    }

    fn array<const N: usize>(
        &mut self,
        offset: u64,
        what: &'static str,
    ) -> Result<[u8; N], ProbeError> {
        let mut buf = [0u8; N];
        self.exact(offset, &mut buf, what)?;
        Ok(buf)
    }

    /// Reads up to `N` bytes at `offset`; returns the buffer and how many bytes there were.
    fn up_to<const N: usize>(&mut self, offset: u64) -> Result<([u8; N], usize), ProbeError> {
        let mut buf = [0u8; N];
        let n = self.read_some(offset, &mut buf)?;
        Ok((buf, n))
    }

    /// Reads up to `buf.len()` bytes at `offset`; returns how many there were.
    fn read_some(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ProbeError> {
        Ok(self.src.read_at(offset, buf)?)
    }

    /// Reads `len` bytes at `offset` into memory, refusing more than `limit` before allocating.
    fn vec(
        &mut self,
        offset: u64,
        len: u64,
        limit: u64,
        what: &'static str,
    ) -> Result<Vec<u8>, ProbeError> {
        if len > limit {
            return Err(ProbeError::TooLarge {
                format: self.format().name(),
                what,
                size: len,
                limit,
            });
        }
        if offset.checked_add(len).is_none_or(|end| end > self.len()) {
            return Err(ProbeError::truncated(self.format(), what));
        }
        let len = usize::try_from(len).map_err(|_| ProbeError::truncated(self.format(), what))?;
        let mut buf = vec![0u8; len];
        self.exact(offset, &mut buf, what)?;
        Ok(buf)
    }
}

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod tests;
