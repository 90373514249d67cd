//! HEIF, HEIC and AVIF still images: the size of the primary image, from its `ispe` property,
//! turned by its `irot` property, found through `meta` → `pitm` / `iprp` (`ipco`, `ipma`).
//!
//! Only the top-level box headers and the `meta` box are read; the image data is not.

use super::bmff::{Be, FourCc, children, find, read_header};
use super::{Input, ProbeError, image_details};
use crate::media::MediaDetails;

/// A `meta` box lists items and their properties: kilobytes, even for tiled phone photos.
const MAX_META_BYTES: u64 = 16 * 1024 * 1024;
const MAX_TOP_LEVEL_BOXES: usize = 1000;

pub(super) fn probe(input: &mut Input) -> Result<MediaDetails, ProbeError> {
    let mut offset = 0;
    for _ in 0..MAX_TOP_LEVEL_BOXES {
        let Some(header) = read_header(input, offset)? else {
            break;
        };
        if &header.kind == b"meta" {
            let what = "image metadata (`meta` box)";
            let meta = input.vec(
                header.body_offset(),
                header.body_len(),
                MAX_META_BYTES,
                what,
            )?;
            let (width, height, orientation) =
                primary_image(&meta).map_err(|reason| input.corrupt(reason))?;
            return image_details(input, width, height, orientation);
        }
        offset = header
            .end()
            .filter(|&end| end <= input.len())
            .ok_or_else(|| ProbeError::truncated(input.format(), "boxes before the `meta` box"))?;
    }
    Err(input.corrupt("no `meta` box describing the image"))
}

/// Width, height (as stored) and the EXIF-style orientation equivalent to the primary image's
/// rotation.
fn primary_image(meta: &[u8]) -> Result<(u32, u32, u8), String> {
    // `meta` is a full box: version and flags first.
    let boxes = meta.get(4..).ok_or("the `meta` box is cut short")?;
    let primary = match find(boxes, b"pitm")? {
        Some(pitm) => {
            let mut r = Be::new(pitm);
            let version = r.u8();
            r.skip(3);
            let id = if version == Some(0) {
                r.u16().map(u32::from)
            } else {
                r.u32()
            };
            Some(id.ok_or("the `pitm` box is cut short")?)
        }
        None => None,
    };
    let iprp = find(boxes, b"iprp")?.ok_or("no item properties (`iprp` box)")?;
    let ipco = find(iprp, b"ipco")?.ok_or("no item properties (`ipco` box)")?;
    let properties: Vec<(FourCc, &[u8])> = children(ipco).collect::<Result<_, _>>()?;
    let indices = match (primary, find(iprp, b"ipma")?) {
        (Some(id), Some(ipma)) => associations(ipma, id)?,
        // Without a primary item or associations, take the first size there is.
        _ => (1..=properties.len()).collect(),
    };
    let mut size = None;
    let mut quarter_turns_ccw = 0;
    for index in indices {
        // Property indices are 1-based; 0 means "none".
        let Some((kind, body)) = index.checked_sub(1).and_then(|i| properties.get(i)) else {
            continue;
        };
        let mut r = Be::new(body);
        match kind {
            b"ispe" if size.is_none() => {
                size = r.skip(4).and_then(|()| Some((r.u32()?, r.u32()?)));
            }
            b"irot" => quarter_turns_ccw = r.u8().unwrap_or(0) & 3,
            _ => {}
        }
    }
    let (width, height) = size.ok_or("the primary image has no size (`ispe` property)")?;
    let orientation = match quarter_turns_ccw {
        1 => 8, // 90° anticlockwise
        2 => 3,
        3 => 6, // 90° clockwise
        _ => 1,
    };
    Ok((width, height, orientation))
}

/// The property indices `ipma` associates with item `item`.
fn associations(ipma: &[u8], item: u32) -> Result<Vec<usize>, String> {
    let cut = || "the `ipma` box is cut short".to_string();
    let mut r = Be::new(ipma);
    let version = r.u8().ok_or_else(cut)?;
    let flags = r.array::<3>().ok_or_else(cut)?;
    let wide_index = flags[2] & 1 == 1;
    let entries = r.u32().ok_or_else(cut)?;
    // Each entry takes at least 3 bytes, so `rest` bounds the loop whatever `entries` says.
    for _ in 0..entries.min(r.rest().len() as u32) {
        let id = if version < 1 {
            r.u16().map(u32::from)
        } else {
            r.u32()
        };
        let id = id.ok_or_else(cut)?;
        let count = usize::from(r.u8().ok_or_else(cut)?);
        let mut indices = Vec::with_capacity(count);
        for _ in 0..count {
            let index = if wide_index {
                r.u16().map(|i| usize::from(i & 0x7FFF))
            } else {
                r.u8().map(|i| usize::from(i & 0x7F))
            };
            indices.push(index.ok_or_else(cut)?);
        }
        if id == item {
            return Ok(indices);
        }
    }
    Err(format!(
        "no properties are associated with the primary image (item {item})"
    ))
}
