//! JPEG and MPO: dimensions from the frame header (SOFn), orientation from the Exif APP1
//! segment, and the MPF APP2 segment that makes a JPEG a multi-picture file (MPO).
//!
//! Segments are walked by their length fields with seeks, up to the first scan (SOS), so only
//! marker and segment headers are read: a few hundred bytes for any JPEG.

use super::{Input, ProbeError, exif, image_details};
use crate::media::{MediaDetails, MediaFormat};

/// Real JPEGs have a few dozen segments before the first scan; more means garbage.
const MAX_SEGMENTS: usize = 4096;

pub(super) fn probe(input: &mut Input) -> Result<(MediaFormat, MediaDetails), ProbeError> {
    let mut pos: u64 = 2; // after SOI
    let mut frame: Option<(u32, u32)> = None;
    let mut orientation: Option<u8> = None;
    let mut mpf_images: Option<Option<u32>> = None;
    for segments in 0.. {
        if segments == MAX_SEGMENTS {
            return Err(input.corrupt(format!(
                "more than {MAX_SEGMENTS} segments before the image data"
            )));
        }
        let [ff, mut marker] = input.array(pos, "segment headers")?;
        if ff != 0xFF {
            return Err(input.corrupt(format!("no segment marker at byte {pos}")));
        }
        pos += 2;
        // Any number of 0xFF fill bytes may precede a marker.
        while marker == 0xFF {
            [marker] = input.array(pos, "segment headers")?;
            pos += 1;
        }
        match marker {
            0x01 | 0xD0..=0xD7 => continue, // standalone markers, no length
            0xD8 => return Err(input.corrupt("a second start-of-image marker in the header")),
            0xD9 | 0xDA => break, // end of image, or the first scan
            _ => {}
        }
        let len = u64::from(u16::from_be_bytes(input.array(pos, "segment headers")?));
        if len < 2 {
            return Err(input.corrupt(format!("a segment at byte {pos} has length {len}")));
        }
        let (body, body_len) = (pos + 2, len - 2);
        match marker {
            // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && frame.is_none() => {
                let sof: [u8; 5] = input.array(body, "frame header")?;
                let height = u16::from_be_bytes([sof[1], sof[2]]);
                let width = u16::from_be_bytes([sof[3], sof[4]]);
                frame = Some((u32::from(width), u32::from(height)));
            }
            // APP1 and APP2 say what they hold in their first bytes.
            0xE1 | 0xE2 if body_len >= 12 => {
                let id: [u8; 6] = input.array(body, "application segment")?;
                let (exif, mpf) = (
                    marker == 0xE1 && &id == b"Exif\0\0",
                    marker == 0xE2 && id.starts_with(b"MPF\0"),
                );
                if exif && orientation.is_none() {
                    orientation = exif::orientation(input, body + 6, body_len - 6)?.or(Some(1));
                } else if mpf && mpf_images.is_none() {
                    mpf_images = Some(exif::mpf_image_count(input, body + 4, body_len - 4)?);
                }
            }
            _ => {}
        }
        pos = body + body_len;
    }
    let Some((width, height)) = frame else {
        return Err(
            input.corrupt("no frame header (SOF) with the image size before the image data")
        );
    };
    if height == 0 {
        // Height given later in a DNL segment: legal, almost never written, not worth a scan.
        return Err(ProbeError::Unsupported {
            format: "JPEG",
            what: "a height defined after the image data (DNL)",
        });
    }
    // An MPF segment that says one image is a plain JPEG; one that does not say is taken at its
    // word that there are several.
    let format = match mpf_images {
        Some(Some(n)) if n < 2 => MediaFormat::Jpeg,
        Some(_) => MediaFormat::Mpo,
        None => MediaFormat::Jpeg,
    };
    input.format = format;
    let details = image_details(input, width, height, orientation.unwrap_or(1))?;
    Ok((format, details))
}
