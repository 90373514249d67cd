//! The top-level boxes of an MP4/MOV file, and where each lands when `moov` is written first.
//!
//! Boxes other than `moov` are copied whole, in their original order, each behind a fresh
//! header (a box whose size ran "to the end of the file" gets its real size). A chunk offset
//! points into one of them, so it moves by exactly as much as that box's body moved.

use std::io::{self, Read, Seek, SeekFrom};

use super::RemuxError;
use crate::media::probe::bmff::{FourCc, fourcc_text};

/// Real files have a handful of top-level boxes; more is garbage.
const MAX_TOP_LEVEL_BOXES: usize = 10_000;

/// A top-level box of the source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TopBox {
    pub kind: FourCc,
    /// Where its body starts in the source.
    pub body_at: u64,
    pub body_len: u64,
}

impl TopBox {
    /// The size of its fresh header when written.
    pub fn header_len(&self) -> u64 {
        if self.body_len + 8 > u64::from(u32::MAX) {
            16
        } else {
            8
        }
    }

    pub fn header(&self) -> Vec<u8> {
        let size = self.body_len + self.header_len();
        match u32::try_from(size) {
            Ok(small) => [&small.to_be_bytes()[..], &self.kind].concat(),
            Err(_) => [&1u32.to_be_bytes()[..], &self.kind, &size.to_be_bytes()].concat(),
        }
    }
}

/// Reads the top-level box headers of a file of `len` bytes.
pub(super) fn scan<R: Read + Seek>(src: &mut R, len: u64) -> Result<Vec<TopBox>, RemuxError> {
    let mut boxes = Vec::new();
    let mut at = 0;
    while at < len {
        if boxes.len() == MAX_TOP_LEVEL_BOXES {
            return Err(RemuxError::Corrupt(format!(
                "more than {MAX_TOP_LEVEL_BOXES} top-level boxes"
            )));
        }
        if len - at < 8 {
            // QuickTime allows a short zero trailer; anything else is a cut box.
            break;
        }
        let mut head = [0u8; 16];
        src.seek(SeekFrom::Start(at))?;
        let want = if len - at >= 16 { 16 } else { 8 };
        src.read_exact(&mut head[..want])?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let kind = [head[4], head[5], head[6], head[7]];
        let (header_len, size) = match size32 {
            0 => (8, len - at),
            1 if want < 16 => return Err(cut(kind)),
            1 => (
                16,
                u64::from_be_bytes(head[8..16].try_into().unwrap_or_default()),
            ),
            n => (8, u64::from(n)),
        };
        if size < header_len {
            return Err(RemuxError::Corrupt(format!(
                "the box `{}` at byte {at} declares an impossible size of {size} bytes",
                fourcc_text(kind)
            )));
        }
        let end = at
            .checked_add(size)
            .filter(|&end| end <= len)
            .ok_or(cut(kind))?;
        boxes.push(TopBox {
            kind,
            body_at: at + header_len,
            body_len: size - header_len,
        });
        at = end;
    }
    Ok(boxes)
}

fn cut(kind: FourCc) -> RemuxError {
    RemuxError::Corrupt(format!(
        "the file ends inside its `{}` box; it may be an incomplete download or copy",
        fourcc_text(kind)
    ))
}

/// What goes where in the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    /// The rewritten `moov`.
    Moov,
    /// A source box, copied with a fresh header.
    Copy(TopBox),
}

/// The output order: a leading `ftyp`, then `moov`, then every other box as it came.
pub(super) fn order(boxes: &[TopBox]) -> Vec<Piece> {
    let ftyp = boxes.first().filter(|b| &b.kind == b"ftyp");
    let mut out: Vec<Piece> = ftyp.map(|b| Piece::Copy(*b)).into_iter().collect();
    out.push(Piece::Moov);
    let rest = boxes.iter().skip(usize::from(ftyp.is_some()));
    out.extend(rest.filter(|b| &b.kind != b"moov").map(|b| Piece::Copy(*b)));
    out
}

/// Maps source offsets inside copied boxes to output offsets, for a `moov` of `moov_size`.
pub(super) struct OffsetMap {
    /// (source body start, body length, output body start), sorted by source offset.
    spans: Vec<(u64, u64, u64)>,
}

impl OffsetMap {
    pub fn new(order: &[Piece], moov_size: u64) -> Self {
        let mut at = 0u64;
        let mut spans = Vec::new();
        for piece in order {
            match piece {
                Piece::Moov => at += moov_size,
                Piece::Copy(b) => {
                    spans.push((b.body_at, b.body_len, at + b.header_len()));
                    at += b.header_len() + b.body_len;
                }
            }
        }
        spans.sort_unstable();
        Self { spans }
    }

    /// Where the byte at source offset `old` is in the output.
    pub fn map(&self, old: u64) -> Option<u64> {
        let i = self.spans.partition_point(|&(start, _, _)| start <= old);
        let &(start, len, new) = self.spans.get(i.checked_sub(1)?)?;
        (old - start < len).then(|| new + (old - start))
    }
}

/// Copies `len` bytes from `at` in `src` to `out`.
pub(super) fn copy<R: Read + Seek, W: io::Write>(
    src: &mut R,
    at: u64,
    len: u64,
    out: &mut W,
) -> Result<(), RemuxError> {
    src.seek(SeekFrom::Start(at))?;
    let copied = io::copy(&mut src.take(len), out)?;
    if copied != len {
        return Err(RemuxError::Corrupt(format!(
            "the file changed while it was read ({copied} of {len} bytes at byte {at})"
        )));
    }
    Ok(())
}
