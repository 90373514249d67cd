//! Rewriting an MP4/MOV file box by box, never re-encoding: edit lists dropped and `moov` moved
//! before `mdat` ("fast start"), as Instagram and Threads require.
//!
//! How: the top-level boxes are listed with seeks, `moov` (the metadata, capped at
//! [`MAX_MOOV_BYTES`]) is read and parsed into a small tree, changed, and written first (after
//! `ftyp`); every other top-level box is then streamed through unchanged, in its original
//! order. Every chunk offset (`stco`/`co64`) is moved by as much as the box holding its chunk
//! moved; a 32-bit table whose offsets no longer fit becomes a `co64`.
//!
//! **Edit lists** are dropped as `remux/edits.rs` explains: encoders write them to hide B-frame delay
//! and AAC priming, so without them each track's content moves by its edit's `media_time`
//! (minus any empty edit). To keep sound and picture together, postcal moves a track with
//! composition offsets earlier (subtracting from its `ctts`, kept non-negative) and lets any
//! track still ahead wait by lengthening its first sample (for AAC, the priming frame), as
//! `ffmpeg -c copy -use_editlist 0` does; `tkhd`/`mvhd` durations become what the tracks now
//! present (the full media, so a movie can grow by its AAC priming and padding, ~20–60 ms).
//!
//! # Guarantees
//! - Every sample's bytes are copied unchanged, and so are sample descriptions, sizes, sync
//!   samples and chunking (`stsd`, `stsz`, `stss`, `stsc`): only chunk offsets, composition
//!   offsets (shifted by one constant per track) and the first sample's duration may change.
//! - The source is read no further than the `len` given, and never written.
//! - No panic and no allocation sized by an unchecked length, whatever the input.
//!
//! # Errors
//! [`RemuxError`] says what is wrong and what to do: a damaged or truncated file, a fragmented
//! MP4 (`moof`; such a file is left as it is when it needs no change), an edit list that cuts
//! material or changes speed (dropping it would publish what the author cut), or one whose
//! removal would put sound and picture out of sync.

mod edits;
mod layout;
mod moov;
#[cfg(test)]
mod samples;
#[cfg(test)]
mod tests;
mod tracks;

use std::io::{self, Read, Seek, Write};

use layout::{OffsetMap, Piece, TopBox};
use moov::Node;

pub use crate::media::probe::MAX_MOOV_BYTES;

/// Why a video could not be remuxed. Messages are written for the person who owns the file.
#[derive(Debug, thiserror::Error)]
pub enum RemuxError {
    #[error("cannot read the video: {0}")]
    Io(#[from] io::Error),
    #[error("the video's MP4 structure is damaged: {0}; export it again")]
    Corrupt(String),
    #[error("the video has no `moov` box (its index); export it again")]
    NoMoov,
    #[error(
        "the video's index (`moov`) is {size} bytes, more than the {MAX_MOOV_BYTES} postcal reads"
    )]
    MoovTooLarge { size: u64 },
    #[error(
        "the video is a fragmented MP4 (`moof` boxes), which postcal does not rewrite; make a \
         regular one without re-encoding: `ffmpeg -i in.mp4 -c copy -movflags +faststart \
         -use_editlist 0 out.mp4`"
    )]
    Fragmented,
    #[error(
        "track {track} of the video has an edit list postcal will not drop: {why}; dropping it \
         would change what is shown, so trim the video by re-encoding it instead, e.g. `ffmpeg \
         -i in.mp4 -c:v libx264 -c:a aac -movflags +faststart -use_editlist 0 out.mp4`"
    )]
    EditList { track: u32, why: String },
    #[error(
        "dropping the video's edit lists would put sound and picture {ms} ms apart; re-encode \
         it without edit lists: `ffmpeg -i in.mp4 -c:v libx264 -c:a aac -movflags +faststart \
         -use_editlist 0 out.mp4`"
    )]
    Sync { ms: u64 },
}

/// What a file needs before Instagram or Threads take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspection {
    pub moov_before_mdat: bool,
    /// A track has an edit list with at least one entry.
    pub has_edit_lists: bool,
    /// `moof` boxes or an `mvex` in `moov`.
    pub fragmented: bool,
}

impl Inspection {
    /// Whether [`remux`] has anything to change.
    pub fn needs_remux(&self) -> bool {
        !self.moov_before_mdat || self.has_edit_lists
    }
}

/// What [`remux`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    pub dropped_edit_lists: bool,
    pub moved_moov: bool,
    /// A 32-bit chunk offset table (`stco`) became a 64-bit one (`co64`).
    pub widened_offsets: bool,
}

/// The top-level boxes of a file and the body of its `moov`.
struct Source {
    boxes: Vec<TopBox>,
    moov: Vec<u8>,
    moov_before_mdat: bool,
}

fn load<R: Read + Seek>(src: &mut R, len: u64) -> Result<Source, RemuxError> {
    let boxes = layout::scan(src, len)?;
    let at = boxes
        .iter()
        .position(|b| &b.kind == b"moov")
        .ok_or(RemuxError::NoMoov)?;
    let moov = boxes[at];
    if moov.body_len > MAX_MOOV_BYTES {
        return Err(RemuxError::MoovTooLarge {
            size: moov.body_len,
        });
    }
    let mut body = Vec::new();
    layout::copy(src, moov.body_at, moov.body_len, &mut body)?;
    Ok(Source {
        moov_before_mdat: !boxes[..at].iter().any(|b| &b.kind == b"mdat"),
        boxes,
        moov: body,
    })
}

fn fragmented(boxes: &[TopBox], moov: &Node) -> bool {
    boxes.iter().any(|b| &b.kind == b"moof") || moov.has_child(b"mvex")
}

/// Reads what a file of `len` bytes needs, without changing anything.
pub fn inspect<R: Read + Seek>(src: &mut R, len: u64) -> Result<Inspection, RemuxError> {
    let source = load(src, len)?;
    let moov = Node::parse(*b"moov", &source.moov)?;
    Ok(Inspection {
        moov_before_mdat: source.moov_before_mdat,
        has_edit_lists: tracks::has_edit_lists(&moov),
        fragmented: fragmented(&source.boxes, &moov),
    })
}

/// Writes the remuxed file to `out`: `moov` first, no edit lists, samples unchanged.
pub fn remux<R: Read + Seek, W: Write>(
    src: &mut R,
    len: u64,
    out: &mut W,
) -> Result<Report, RemuxError> {
    let source = load(src, len)?;
    let (order, moov, mut report) = plan(&source.boxes, &source.moov)?;
    report.moved_moov = !source.moov_before_mdat;
    for piece in &order {
        match piece {
            Piece::Moov => out.write_all(&moov)?,
            Piece::Copy(b) => {
                out.write_all(&b.header())?;
                layout::copy(src, b.body_at, b.body_len, out)?;
            }
        }
    }
    out.flush()?;
    Ok(report)
}

/// The output order and the new `moov` box (header included), from the source's top-level
/// boxes and `moov` body. Pure, so files of any size can be planned in tests.
fn plan(boxes: &[TopBox], moov_body: &[u8]) -> Result<(Vec<Piece>, Vec<u8>, Report), RemuxError> {
    let mut moov = Node::parse(*b"moov", moov_body)?;
    if fragmented(boxes, &moov) {
        return Err(RemuxError::Fragmented);
    }
    let mut report = Report {
        dropped_edit_lists: tracks::drop_edit_lists(&mut moov)?,
        ..Report::default()
    };
    let order = layout::order(boxes);
    let originals: Vec<Vec<u64>> = moov
        .chunk_tables_mut()
        .into_iter()
        .map(|(_, offsets)| offsets.clone())
        .collect();
    // Widening a table grows `moov` and so every offset after it: repeat until none overflows.
    loop {
        let map = OffsetMap::new(&order, moov.size());
        let mut widened = false;
        for ((wide, offsets), old) in moov.chunk_tables_mut().into_iter().zip(&originals) {
            for (new, &old) in offsets.iter_mut().zip(old) {
                *new = map.map(old).ok_or_else(|| {
                    RemuxError::Corrupt(format!(
                        "a chunk offset ({old}) points outside the media data"
                    ))
                })?;
            }
            if !*wide && offsets.iter().any(|&o| o > u64::from(u32::MAX)) {
                *wide = true;
                widened = true;
            }
        }
        if !widened {
            break;
        }
        report.widened_offsets = true;
    }
    let mut bytes = Vec::new();
    moov.write(&mut bytes);
    Ok((order, bytes, report))
}
