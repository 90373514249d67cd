//! TIFF structures: the first image directory (IFD0) of TIFF files, of the Exif block in a JPEG
//! (for its orientation) and of the MPF block that marks a multi-picture JPEG.
//!
//! Only IFD0 is read, one count and one table of 12-byte entries, so a JPEG's Exif costs a few
//! hundred bytes of reads however large its embedded thumbnail. Exif and MPF are read leniently:
//! a damaged Exif block means "no orientation", as browsers treat it, not an unreadable image.

use super::{Input, ProbeError, image_details};
use crate::media::MediaDetails;

const TAG_IMAGE_WIDTH: u16 = 0x0100;
const TAG_IMAGE_LENGTH: u16 = 0x0101;
const TAG_ORIENTATION: u16 = 0x0112;
const TAG_MPF_NUMBER_OF_IMAGES: u16 = 0xB001;
const TAG_MPF_ENTRIES: u16 = 0xB002;

const TYPE_SHORT: u16 = 3;
const TYPE_LONG: u16 = 4;
const TYPE_UNDEFINED: u16 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, b: [u8; 2]) -> u16 {
        match self {
            Self::Little => u16::from_le_bytes(b),
            Self::Big => u16::from_be_bytes(b),
        }
    }

    fn u32(self, b: [u8; 4]) -> u32 {
        match self {
            Self::Little => u32::from_le_bytes(b),
            Self::Big => u32::from_be_bytes(b),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    value: [u8; 4],
}

impl Entry {
    /// The value of a single SHORT or LONG.
    fn number(&self, order: Order) -> Option<u32> {
        match (self.kind, self.count) {
            (TYPE_SHORT, 1) => Some(u32::from(order.u16([self.value[0], self.value[1]]))),
            (TYPE_LONG, 1) => Some(order.u32(self.value)),
            _ => None,
        }
    }
}

/// The entries of IFD0 of the TIFF structure at `base`, which may use `limit` bytes.
fn ifd0(input: &mut Input, base: u64, limit: u64) -> Result<(Order, Vec<Entry>), ProbeError> {
    let header: [u8; 8] = input.array(base, "TIFF header")?;
    let order = match &header[..4] {
        b"II*\0" => Order::Little,
        b"MM\0*" => Order::Big,
        _ => return Err(input.corrupt("the TIFF header has no byte-order mark")),
    };
    let ifd = u64::from(order.u32([header[4], header[5], header[6], header[7]]));
    if ifd.checked_add(2).is_none_or(|end| end > limit) {
        return Err(input.corrupt(format!(
            "the first TIFF directory starts outside it ({ifd})"
        )));
    }
    let count = order.u16(input.array(base + ifd, "TIFF directory")?);
    let table_len = u64::from(count) * 12;
    if ifd + 2 + table_len > limit {
        return Err(input.corrupt(format!("the TIFF directory's {count} entries overflow it")));
    }
    // At most 65535 × 12 bytes: bounded by the u16 count.
    let table = input.vec(base + ifd + 2, table_len, table_len, "TIFF directory")?;
    let entries = table
        .chunks_exact(12)
        .map(|e| Entry {
            tag: order.u16([e[0], e[1]]),
            kind: order.u16([e[2], e[3]]),
            count: order.u32([e[4], e[5], e[6], e[7]]),
            value: [e[8], e[9], e[10], e[11]],
        })
        .collect();
    Ok((order, entries))
}

fn number(order: Order, entries: &[Entry], tag: u16) -> Option<u32> {
    entries.iter().find(|e| e.tag == tag)?.number(order)
}

/// Errors that mean "this optional block is damaged", as opposed to the file being unreadable.
fn lenient<T>(result: Result<Option<T>, ProbeError>) -> Result<Option<T>, ProbeError> {
    match result {
        Err(ProbeError::Io(e)) => Err(ProbeError::Io(e)),
        Err(_) => Ok(None),
        ok => ok,
    }
}

/// The Exif orientation (1–8) of the Exif TIFF block at `base`; `None` if absent, out of range
/// or unreadable.
pub(super) fn orientation(
    input: &mut Input,
    base: u64,
    limit: u64,
) -> Result<Option<u8>, ProbeError> {
    lenient(ifd0(input, base, limit).map(|(order, entries)| {
        number(order, &entries, TAG_ORIENTATION)
            .and_then(|o| u8::try_from(o).ok())
            .filter(|o| (1..=8).contains(o))
    }))
}

/// How many images an MPF block (multi-picture JPEG) says the file holds; `None` if it does not
/// say or cannot be read.
pub(super) fn mpf_image_count(
    input: &mut Input,
    base: u64,
    limit: u64,
) -> Result<Option<u32>, ProbeError> {
    lenient(ifd0(input, base, limit).map(|(order, entries)| {
        number(order, &entries, TAG_MPF_NUMBER_OF_IMAGES).or_else(|| {
            // Each MP entry is 16 bytes.
            let e = entries.iter().find(|e| e.tag == TAG_MPF_ENTRIES)?;
            (e.kind == TYPE_UNDEFINED).then_some(e.count / 16)
        })
    }))
}

/// A TIFF file: dimensions and orientation from its first directory.
pub(super) fn tiff_file(input: &mut Input) -> Result<MediaDetails, ProbeError> {
    let (order, entries) = ifd0(input, 0, input.len())?;
    let width = number(order, &entries, TAG_IMAGE_WIDTH);
    let height = number(order, &entries, TAG_IMAGE_LENGTH);
    let (Some(width), Some(height)) = (width, height) else {
        return Err(input.corrupt("the first TIFF directory has no image width or height"));
    };
    let orientation = number(order, &entries, TAG_ORIENTATION)
        .and_then(|o| u8::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1);
    image_details(input, width, height, orientation)
}
