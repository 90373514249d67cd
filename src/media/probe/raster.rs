//! PNG, GIF and WebP: dimensions from their fixed headers (a few dozen bytes each).
//!
//! None of these carry an orientation that browsers apply, so width and height are as stored.

use super::{Input, ProbeError, image_details};
use crate::media::MediaDetails;

/// PNG: the IHDR chunk, which the format requires to come first.
pub(super) fn png(input: &mut Input) -> Result<MediaDetails, ProbeError> {
    let h: [u8; 24] = input.array(0, "IHDR header")?;
    if &h[12..16] != b"IHDR" {
        return Err(input.corrupt("the first chunk is not IHDR"));
    }
    let width = u32::from_be_bytes([h[16], h[17], h[18], h[19]]);
    let height = u32::from_be_bytes([h[20], h[21], h[22], h[23]]);
    image_details(input, width, height, 1)
}

/// GIF: the logical screen size in the header.
pub(super) fn gif(input: &mut Input) -> Result<MediaDetails, ProbeError> {
    let h: [u8; 10] = input.array(0, "header")?;
    let width = u16::from_le_bytes([h[6], h[7]]);
    let height = u16::from_le_bytes([h[8], h[9]]);
    image_details(input, width.into(), height.into(), 1)
}

/// WebP: the first chunk is lossy (`VP8 `), lossless (`VP8L`) or extended (`VP8X`, with the
/// canvas size).
pub(super) fn webp(input: &mut Input) -> Result<MediaDetails, ProbeError> {
    // A tiny lossless file can be shorter than 30 bytes; each kind checks what it needs.
    let (h, n) = input.up_to::<30>(0)?;
    let chunk = &h[12..16];
    let data = &h[20..];
    let needed = if chunk == b"VP8L" { 25 } else { 30 };
    if n < needed {
        return Err(ProbeError::truncated(input.format(), "header"));
    }
    let (width, height) = match chunk {
        b"VP8 " => {
            // 3-byte frame tag, start code, then 14-bit width and height.
            if data[3..6] != [0x9D, 0x01, 0x2A] {
                return Err(input.corrupt("the lossy bitstream has no key-frame start code"));
            }
            let w = u16::from_le_bytes([data[6], data[7]]) & 0x3FFF;
            let h = u16::from_le_bytes([data[8], data[9]]) & 0x3FFF;
            (u32::from(w), u32::from(h))
        }
        b"VP8L" => {
            if data[0] != 0x2F {
                return Err(input.corrupt("the lossless bitstream has no signature"));
            }
            let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
            ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        }
        b"VP8X" => {
            let w = u32::from_le_bytes([data[4], data[5], data[6], 0]);
            let h = u32::from_le_bytes([data[7], data[8], data[9], 0]);
            (w + 1, h + 1)
        }
        other => {
            let other = String::from_utf8_lossy(other).into_owned();
            return Err(input.corrupt(format!("unknown first chunk `{other}`")));
        }
    };
    image_details(input, width, height, 1)
}
