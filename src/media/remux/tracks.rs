//! Each track's timing in `moov`: its edit list read and dropped, its composition offsets and
//! first sample moved to keep the tracks together ([`super::edits`]), its durations updated.

use super::RemuxError;
use super::edits::{Edit, TrackTiming, even_out, shift_ns};
use super::moov::{Node, corrupt};
use crate::media::probe::bmff::{Be, FourCc, children};

/// A version-dependent field of a full box: its offset in the body and width (4 or 8).
fn field(body: &[u8], v0: usize, v1: usize) -> Option<(usize, usize)> {
    match body.first()? {
        1 => Some((v1, 8)),
        _ => Some((v0, 4)),
    }
}

fn read_field(body: &[u8], (at, width): (usize, usize)) -> Option<u64> {
    let bytes = body.get(at..at + width)?;
    Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

fn write_field(body: &mut [u8], (at, width): (usize, usize), value: u64) {
    if width == 4 && value > u64::from(u32::MAX) {
        return; // keeps the old value rather than a wrong one
    }
    if let Some(slot) = body.get_mut(at..at + width) {
        slot.copy_from_slice(&value.to_be_bytes()[8 - width..]);
    }
}

/// `mvhd`/`mdhd` timescale and duration; `tkhd` track id and duration.
const TIMESCALE: (usize, usize) = (12, 20);
const DURATION: (usize, usize) = (16, 24);
const TRACK_ID: (usize, usize) = (12, 20);
const TRACK_DURATION: (usize, usize) = (20, 28);

fn get(node: Option<&Node>, (v0, v1): (usize, usize)) -> Option<u64> {
    let body = node?.body();
    read_field(body, field(body, v0, v1)?)
}

fn set(node: Option<&mut Node>, (v0, v1): (usize, usize), value: u64) {
    if let Some(body) = node.and_then(Node::body_mut)
        && let Some(f) = field(body, v0, v1)
    {
        write_field(body, f, value);
    }
}

fn edits(elst: &[u8]) -> Option<Vec<Edit>> {
    let mut r = Be::new(elst);
    let wide = r.u8()? == 1;
    r.skip(3)?;
    let count = r.u32()?;
    (0..count)
        .map(|_| {
            let segment_duration = r.u32_or_u64(wide)?;
            let media_time = if wide {
                r.u64()? as i64
            } else {
                i64::from(r.i32()?)
            };
            Some(Edit {
                segment_duration,
                media_time,
                rate: r.i32()?,
            })
        })
        .collect()
}

/// The smallest composition offset of a `ctts` body, read as signed (some writers put negative
/// offsets in version 0), floored at 0.
fn min_composition_offset(ctts: &[u8]) -> Option<u64> {
    let mut r = Be::new(ctts);
    r.skip(4)?;
    let count = r.u32()?;
    let mut min: Option<i32> = None;
    for _ in 0..count {
        let (n, offset) = (r.u32()?, r.i32()?);
        if n > 0 {
            min = Some(min.map_or(offset, |m| m.min(offset)));
        }
    }
    Some(u64::try_from(min.unwrap_or(0).max(0)).unwrap_or(0))
}

fn shift_composition_offsets(ctts: &mut [u8], by: u64) {
    let Some(entries) = ctts.get_mut(8..) else {
        return;
    };
    let by = i32::try_from(by).unwrap_or(0);
    for entry in entries.chunks_exact_mut(8) {
        let old = i32::from_be_bytes([entry[4], entry[5], entry[6], entry[7]]);
        entry[4..].copy_from_slice(&(old - by).to_be_bytes());
    }
}

/// The body of the table `kind` among a sample table's children.
fn table<'n>(children: &'n mut [Node<'_>], kind: &FourCc) -> Option<&'n mut Vec<u8>> {
    children
        .iter_mut()
        .find(|c| &c.kind() == kind)
        .and_then(Node::body_mut)
}

/// Makes the first sample of an `stts` body last `by` units longer, splitting its run.
fn lengthen_first_sample(stts: &mut Vec<u8>, by: u64) -> Result<(), RemuxError> {
    let mut r = Be::new(stts);
    let fields = r
        .skip(4)
        .and_then(|()| Some((r.u32()?, r.u32()?, r.u32()?)));
    let (entries, count, delta) = fields
        .filter(|&(entries, count, _)| entries > 0 && count > 0)
        .ok_or_else(|| corrupt("a track's `stts` is empty or cut short"))?;
    let longer = u32::try_from(u64::from(delta) + by)
        .map_err(|_| corrupt("a track's first sample would last too long"))?;
    if count == 1 {
        stts[12..16].copy_from_slice(&longer.to_be_bytes());
    } else {
        let split = [1u32, longer, count - 1, delta]
            .map(u32::to_be_bytes)
            .concat();
        stts.splice(8..16, split);
        stts[4..8].copy_from_slice(&(entries + 1).to_be_bytes());
    }
    Ok(())
}

const STBL: [&FourCc; 3] = [b"mdia", b"minf", b"stbl"];

/// Whether any track has an edit list with entries.
pub(super) fn has_edit_lists(moov: &Node) -> bool {
    moov.children()
        .iter()
        .any(|trak| elst(trak).and_then(edits).is_some_and(|e| !e.is_empty()))
}

/// The body of a track's edit list, if it has one (`edts` is kept as raw bytes).
fn elst<'n>(trak: &'n Node) -> Option<&'n [u8]> {
    let edts = trak.child(b"edts")?.body();
    children(edts)
        .flatten()
        .find(|(kind, _)| kind == b"elst")
        .map(|(_, body)| body)
}

/// Drops every track's edit list, moving tracks with composition offsets earlier so audio and
/// video stay together (see [`super::edits`]), and sets the track and movie durations to what
/// the tracks now present. Returns whether anything was dropped.
pub(super) fn drop_edit_lists(moov: &mut Node) -> Result<bool, RemuxError> {
    let movie_timescale = get(moov.child(b"mvhd"), TIMESCALE)
        .and_then(|t| u32::try_from(t).ok())
        .ok_or_else(|| corrupt("the movie header (`mvhd`) is missing or cut short"))?;
    let mut shifts = Vec::new();
    let mut timings = Vec::new();
    let mut dropped = false;
    for trak in moov.children().iter().filter(|c| &c.kind() == b"trak") {
        let track = get(trak.child(b"tkhd"), TRACK_ID).unwrap_or(0) as u32;
        let mdhd = trak.at(&[b"mdia", b"mdhd"]);
        let handler = trak
            .at(&[b"mdia", b"hdlr"])
            .and_then(|h| h.body().get(8..12));
        let timing = TrackTiming {
            movie_timescale,
            media_timescale: get(mdhd, TIMESCALE)
                .and_then(|t| u32::try_from(t).ok())
                .unwrap_or(0),
            media_duration: get(mdhd, DURATION).unwrap_or(0),
            min_composition_offset: trak
                .at(&[STBL[0], STBL[1], STBL[2], b"ctts"])
                .and_then(|ctts| min_composition_offset(ctts.body()))
                .unwrap_or(0),
            av: matches!(handler, Some(b"vide" | b"soun")),
        };
        let list = match elst(trak) {
            Some(body) => edits(body)
                .ok_or_else(|| corrupt(format!("track {track}'s edit list is cut short")))?,
            None => Vec::new(),
        };
        dropped |= !list.is_empty();
        shifts.push(if list.is_empty() {
            0
        } else {
            shift_ns(&list, &timing, track)?
        });
        timings.push(timing);
    }
    if !dropped {
        return Ok(false);
    }
    let (moves, spread) = even_out(&shifts, &timings);
    if spread > super::edits::MAX_SYNC_ERROR_NS {
        return Err(RemuxError::Sync {
            ms: (spread / 1_000_000) as u64,
        });
    }
    let mut movie_duration = 0;
    let traks = match moov {
        Node::Parent { children, .. } => children.iter_mut().filter(|c| &c.kind() == b"trak"),
        _ => return Ok(false),
    };
    for ((trak, moved), timing) in traks.zip(moves).zip(&timings) {
        if let Node::Parent { children, .. } = trak {
            children.retain(|c| &c.kind() != b"edts");
        }
        if let Some(Node::Parent { children, .. }) = trak.at_mut(&STBL) {
            if moved.earlier > 0
                && let Some(ctts) = table(children, b"ctts")
            {
                shift_composition_offsets(ctts, moved.earlier);
            }
            if moved.later > 0 {
                let stts = table(children, b"stts");
                let stts = stts.ok_or_else(|| corrupt("a track has no `stts`"))?;
                lengthen_first_sample(stts, moved.later)?;
            }
            if moved.earlier > 0 {
                // Its composition statistics no longer hold; it is optional.
                children.retain(|c| &c.kind() != b"cslg");
            }
        }
        let media_duration = timing.media_duration.saturating_add(moved.later);
        if moved.later > 0 {
            set(trak.at_mut(&[b"mdia", b"mdhd"]), DURATION, media_duration);
        }
        if timing.media_timescale > 0 && media_duration > 0 {
            let presented = u128::from(media_duration) * u128::from(movie_timescale);
            let presented = presented.div_ceil(u128::from(timing.media_timescale));
            let presented = u64::try_from(presented).unwrap_or(u64::MAX);
            set(trak.child_mut(b"tkhd"), TRACK_DURATION, presented);
            movie_duration = movie_duration.max(presented);
        }
    }
    if movie_duration > 0 {
        set(moov.child_mut(b"mvhd"), DURATION, movie_duration);
    }
    Ok(true)
}
