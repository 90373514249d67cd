//! Reading a file's sample tables back, to check a remux: where each sample is and how big.

use std::io::{Read, Seek};

use super::{RemuxError, load};
use crate::media::probe::bmff::{Be, FourCc, children, find};

/// One track's sample tables, as raw box bodies, and its samples as (offset, size).
#[derive(Debug)]
pub(super) struct TrackSamples {
    pub tables: Vec<(FourCc, Vec<u8>)>,
    pub samples: Vec<(u64, u32)>,
}

fn bad(why: &str) -> RemuxError {
    RemuxError::Corrupt(why.into())
}

/// Every track's sample tables and sample ranges.
pub(super) fn read<R: Read + Seek>(src: &mut R, len: u64) -> Result<Vec<TrackSamples>, RemuxError> {
    let source = load(src, len)?;
    let mut tracks = Vec::new();
    for child in children(&source.moov) {
        let (kind, trak) = child.map_err(RemuxError::Corrupt)?;
        if &kind != b"trak" {
            continue;
        }
        let stbl = find(trak, b"mdia")
            .and_then(|m| m.map_or(Ok(None), |m| find(m, b"minf")))
            .and_then(|m| m.map_or(Ok(None), |m| find(m, b"stbl")))
            .map_err(RemuxError::Corrupt)?
            .ok_or_else(|| bad("a track without a sample table"))?;
        let mut tables = Vec::new();
        for child in children(stbl) {
            let (kind, body) = child.map_err(RemuxError::Corrupt)?;
            tables.push((kind, body.to_vec()));
        }
        let table = |kind: &FourCc| {
            tables
                .iter()
                .find(|(k, _)| k == kind)
                .map(|(_, b)| b.as_slice())
        };
        let sizes = sizes(table(b"stsz").ok_or_else(|| bad("no stsz"))?)?;
        let chunks = match (table(b"stco"), table(b"co64")) {
            (Some(stco), _) => offsets(stco, 4)?,
            (None, Some(co64)) => offsets(co64, 8)?,
            _ => return Err(bad("no chunk offsets")),
        };
        let stsc = table(b"stsc").ok_or_else(|| bad("no stsc"))?;
        let samples = place(&sizes, &chunks, stsc)?;
        tracks.push(TrackSamples { tables, samples });
    }
    Ok(tracks)
}

fn sizes(stsz: &[u8]) -> Result<Vec<u32>, RemuxError> {
    let mut r = Be::new(stsz);
    let (fixed, count) = r
        .skip(4)
        .and_then(|()| Some((r.u32()?, r.u32()?)))
        .ok_or_else(|| bad("stsz cut short"))?;
    (0..count)
        .map(|_| if fixed != 0 { Some(fixed) } else { r.u32() })
        .collect::<Option<_>>()
        .ok_or_else(|| bad("stsz cut short"))
}

fn offsets(body: &[u8], width: usize) -> Result<Vec<u64>, RemuxError> {
    let mut r = Be::new(body);
    let count = r
        .skip(4)
        .and_then(|()| r.u32())
        .ok_or_else(|| bad("stco cut short"))?;
    (0..count)
        .map(|_| {
            if width == 8 {
                r.u64()
            } else {
                r.u32().map(u64::from)
            }
        })
        .collect::<Option<_>>()
        .ok_or_else(|| bad("stco cut short"))
}

/// Samples laid out chunk by chunk as `stsc` says.
fn place(sizes: &[u32], chunks: &[u64], stsc: &[u8]) -> Result<Vec<(u64, u32)>, RemuxError> {
    let mut r = Be::new(stsc);
    let count = r
        .skip(4)
        .and_then(|()| r.u32())
        .ok_or_else(|| bad("stsc cut short"))?;
    let runs: Vec<(u32, u32)> = (0..count)
        .map(|_| {
            let first = r.u32()?;
            let per = r.u32()?;
            r.skip(4)?;
            Some((first, per))
        })
        .collect::<Option<_>>()
        .ok_or_else(|| bad("stsc cut short"))?;
    let mut out = Vec::with_capacity(sizes.len());
    let mut next = sizes.iter();
    for (i, &chunk_at) in chunks.iter().enumerate() {
        let chunk = i as u32 + 1;
        let per = runs
            .iter()
            .rev()
            .find(|(first, _)| *first <= chunk)
            .map_or(0, |(_, per)| *per);
        let mut at = chunk_at;
        for _ in 0..per {
            let Some(&size) = next.next() else { break };
            out.push((at, size));
            at += u64::from(size);
        }
    }
    Ok(out)
}
