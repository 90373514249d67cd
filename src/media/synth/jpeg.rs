//! Flat-colour baseline JPEGs, written directly rather than through an encoder.
//!
//! Every 8×8 block of a flat picture has the same DC coefficient and no AC coefficients, so after
//! the first block each one codes as "DC unchanged, end of block". With Huffman tables defined
//! for just those symbols that is one `0` bit each, and the scan data is almost all zero bytes:
//! a 4000×3000 JPEG is 140 KB and takes microseconds to build, where a real encoder takes
//! seconds in a debug build. The file is a standard baseline JPEG any decoder reads.

use super::COLOUR;

/// A baseline JPEG of `width`×`height` pixels, one flat colour.
///
/// # Panics
/// If a side is 0 or above 65535, which a JPEG cannot hold: callers pass constants.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        panic!("synth::jpeg({width}, {height}): a JPEG side is at most 65535");
    };
    assert!(
        w > 0 && h > 0,
        "synth::jpeg({width}, {height}): a side is 0"
    );
    let [r, g, b] = COLOUR.map(f64::from);
    // JFIF's RGB to YCbCr, then the DC coefficient of a flat block: 8 × (sample − 128).
    let ycbcr = [
        0.299 * r + 0.587 * g + 0.114 * b,
        128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b,
        128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b,
    ];
    let dc = ycbcr.map(|v| (8.0 * (v.round() - 128.0)) as i32);

    // DC table: category 0 ("unchanged") codes as `0`, the first block's categories as `10`,
    // `110`, `1110` (canonical codes by length; none is all ones, as JPEG requires).
    let mut categories: Vec<u8> = dc.iter().map(|&d| category(d)).filter(|&c| c > 0).collect();
    categories.sort_unstable();
    categories.dedup();
    let mut bits = Bits::default();
    for &d in &dc {
        let c = category(d);
        match categories.iter().position(|&k| k == c) {
            Some(i) => bits.push((1 << (i + 2)) - 2, i as u32 + 2), // 10, 110, 1110
            None => bits.push(0, 1),
        }
        // Magnitude bits: the value, or for negatives its one's complement.
        let magnitude = if d < 0 { d - 1 } else { d };
        bits.push(magnitude as u32 & ((1 << c) - 1), u32::from(c));
        bits.push(0, 1); // end of block
    }
    // Every later block of every component: DC unchanged (0), end of block (0).
    let mcus = u64::from(w.div_ceil(8)) * u64::from(h.div_ceil(8));
    let zero_bits = (mcus - 1) * 3 * 2;
    let scan = bits.finish(zero_bits);

    let mut out = vec![0xFF, 0xD8];
    segment(&mut out, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    // One quantisation table of ones: coefficients are stored as computed.
    segment(&mut out, 0xDB, &[[0u8].as_slice(), &[1; 64]].concat());
    let [wh, wl] = w.to_be_bytes();
    let [hh, hl] = h.to_be_bytes();
    // 8-bit, three components at full resolution, all on quantisation table 0.
    segment(
        &mut out,
        0xC0,
        &[8, hh, hl, wh, wl, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0],
    );
    let mut dc_lengths = [0u8; 16];
    dc_lengths[0] = 1;
    for i in 0..categories.len() {
        dc_lengths[i + 1] = 1;
    }
    let dc_table = [&[0x00][..], &dc_lengths, &[0], &categories].concat();
    let mut ac_lengths = [0u8; 16];
    ac_lengths[0] = 1; // one symbol, end of block (0x00), code `0`
    let ac_table = [&[0x10][..], &ac_lengths, &[0x00]].concat();
    segment(&mut out, 0xC4, &[dc_table, ac_table].concat());
    // Start of scan: three components on tables 0/0, full spectral range.
    segment(&mut out, 0xDA, &[3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);
    out.extend(scan);
    out.extend([0xFF, 0xD9]);
    out
}

/// The number of bits of |value| (JPEG's "SSSS" category).
fn category(value: i32) -> u8 {
    (32 - value.unsigned_abs().leading_zeros()) as u8
}

fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    out.extend([0xFF, marker]);
    out.extend(len.to_be_bytes());
    out.extend(payload);
}

/// Entropy-coded bits, most significant first, with JPEG's byte stuffing.
#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    acc: u32,
    len: u32,
}

impl Bits {
    fn push(&mut self, value: u32, count: u32) {
        for i in (0..count).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.len += 1;
            if self.len == 8 {
                self.emit();
            }
        }
    }

    fn emit(&mut self) {
        let byte = self.acc as u8;
        self.bytes.push(byte);
        if byte == 0xFF {
            self.bytes.push(0); // a literal 0xFF is followed by a stuffed zero
        }
        (self.acc, self.len) = (0, 0);
    }

    /// Appends `zeros` zero bits, pads the last byte with ones, and returns the bytes.
    fn finish(mut self, zeros: u64) -> Vec<u8> {
        let mut zeros = zeros;
        while zeros > 0 && self.len != 0 {
            self.push(0, 1);
            zeros -= 1;
        }
        // Whole zero bytes need no stuffing.
        let whole = usize::try_from(zeros / 8).unwrap_or(usize::MAX);
        self.bytes.resize(self.bytes.len() + whole, 0);
        self.push(0, (zeros % 8) as u32);
        if self.len > 0 {
            let pad = 8 - self.len;
            self.push((1 << pad) - 1, pad);
        }
        self.bytes
    }
}

/// A JPEG whose stored pixels are `width`×`height`, with an Exif block saying `orientation`
/// (1–8). Orientations 5–8 are displayed as `height`×`width`.
pub fn jpeg_with_orientation(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    // Exif APP1: a big-endian TIFF block with one IFD0 entry, Orientation (SHORT).
    let mut tiff = Vec::from(*b"MM\0*");
    tiff.extend(8u32.to_be_bytes()); // IFD0 right after the header
    tiff.extend(1u16.to_be_bytes()); // one entry
    tiff.extend(0x0112u16.to_be_bytes());
    tiff.extend(3u16.to_be_bytes()); // SHORT
    tiff.extend(1u32.to_be_bytes()); // count
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]); // value padding
    tiff.extend(0u32.to_be_bytes()); // no next IFD
    let mut payload = Vec::from(*b"Exif\0\0");
    payload.extend(tiff);
    insert_segment(&jpeg(width, height), 0xE1, &payload)
}

/// A multi-picture JPEG (MPO, as 3D cameras write): two `width`×`height` pictures, the first
/// carrying an MPF APP2 segment that indexes both.
pub fn mpo(width: u32, height: u32) -> Vec<u8> {
    let (first, second) = (jpeg(width, height), jpeg(width, height));
    // Segment = marker (2) + length (2) + "MPF\0" (4) + TIFF header (8) + IFD (2 + 3×12 + 4)
    // + two 16-byte MP entries.
    const SEGMENT_LEN: usize = 2 + 2 + 4 + 8 + 42 + 32;
    // Offsets in MPF count from its TIFF header: after SOI (2), the segment header (4), "MPF\0".
    const TIFF_AT: usize = 2 + 4 + 4;
    let first_len = first.len() + SEGMENT_LEN;
    let mut tiff = Vec::from(*b"MM\0*");
    tiff.extend(8u32.to_be_bytes());
    tiff.extend(3u16.to_be_bytes());
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        [
            &tag.to_be_bytes()[..],
            &kind.to_be_bytes(),
            &count.to_be_bytes(),
            &value,
        ]
        .concat()
    };
    tiff.extend(entry(0xB000, 7, 4, *b"0100")); // MPF version
    tiff.extend(entry(0xB001, 4, 1, 2u32.to_be_bytes())); // number of images
    tiff.extend(entry(0xB002, 7, 32, 50u32.to_be_bytes())); // MP entries, after the IFD
    tiff.extend(0u32.to_be_bytes());
    let mp_entry = |attributes: u32, size: usize, offset: usize| {
        let (size, offset) = (size as u32, offset as u32);
        [
            &attributes.to_be_bytes()[..],
            &size.to_be_bytes(),
            &offset.to_be_bytes(),
            &[0; 4],
        ]
        .concat()
    };
    tiff.extend(mp_entry(0x2003_0000, first_len, 0)); // representative baseline primary image
    tiff.extend(mp_entry(0x0002_0002, second.len(), first_len - TIFF_AT)); // disparity image
    let mut payload = Vec::from(*b"MPF\0");
    payload.extend(tiff);
    let mut out = insert_segment(&first, 0xE2, &payload);
    debug_assert_eq!(out.len(), first_len);
    out.extend(second);
    out
}

/// Inserts an APPn segment right after a JPEG's SOI marker.
fn insert_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(jpeg.len() + payload.len() + 4);
    out.extend(&jpeg[..2]);
    out.extend([0xFF, marker]);
    out.extend(len.to_be_bytes());
    out.extend(payload);
    out.extend(&jpeg[2..]);
    out
}
