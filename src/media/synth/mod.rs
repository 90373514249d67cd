//! Media generators for tests, examples and benchmarks: small, valid files built in memory.
//!
//! Images are one flat colour, so they compress to almost nothing whatever their size; videos
//! are hand-assembled MP4/MOV containers whose samples are a few placeholder bytes each, so a
//! 15-minute 60 fps "video" is a few hundred kilobytes. The container structure is complete and
//! valid; the samples do not decode to pictures.
//!
//! ```
//! use postcal::media::{probe_bytes, synth};
//!
//! let photo = synth::jpeg_with_orientation(4000, 3000, 6);
//! assert_eq!(probe_bytes(&photo)?.dimensions(), (3000, 4000)); // displayed turned
//!
//! let reel = synth::mp4(&synth::VideoSpec { duration_ms: 2_000, ..synth::VideoSpec::default() });
//! let info = probe_bytes(&reel)?;
//! assert_eq!(info.video().map(|v| v.duration_ms), Some(2_000));
//! # Ok::<(), postcal::media::ProbeError>(())
//! ```
//!
//! Every function returns a complete file; nothing here reads or writes the file system.

mod mp4;

pub use mp4::{AudioSpec, VideoSpec, mp4};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};

/// The colour of every generated picture: a calm blue.
const COLOUR: [u8; 3] = [40, 90, 160];

fn flat_rgb(width: u32, height: u32) -> Vec<u8> {
    COLOUR.repeat(width as usize * height as usize)
}

/// A baseline JPEG of `width`×`height` pixels, one flat colour.
///
/// # Panics
/// If a side is 0 or above 65535 (a JPEG cannot hold it): callers pass constants.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = JpegEncoder::new_with_quality(&mut out, 50);
    let result = encoder.write_image(
        &flat_rgb(width, height),
        width,
        height,
        ExtendedColorType::Rgb8,
    );
    result.unwrap_or_else(|e| panic!("synth::jpeg({width}, {height}): {e}"));
    out
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

/// A PNG of `width`×`height` pixels, one flat colour.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let result = PngEncoder::new(&mut out).write_image(
        &flat_rgb(width, height),
        width,
        height,
        ExtendedColorType::Rgb8,
    );
    result.unwrap_or_else(|e| panic!("synth::png({width}, {height}): {e}"));
    out
}

/// A lossless WebP of `width`×`height` pixels (at most 16384 a side), one flat colour.
pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let result = WebPEncoder::new_lossless(&mut out).write_image(
        &flat_rgb(width, height),
        width,
        height,
        ExtendedColorType::Rgb8,
    );
    result.unwrap_or_else(|e| panic!("synth::webp({width}, {height}): {e}"));
    out
}

/// A GIF with a `width`×`height` logical screen holding a single one-pixel image (GIF readers
/// fill the rest with the background), so the file is 38 bytes whatever the size.
pub fn gif(width: u16, height: u16) -> Vec<u8> {
    let mut out = Vec::from(*b"GIF89a");
    out.extend(width.to_le_bytes());
    out.extend(height.to_le_bytes());
    out.extend([0x80, 0, 0]); // a 2-colour global table, background 0, square pixels
    out.extend([40, 90, 160, 255, 255, 255]);
    out.extend([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // a 1×1 image at (0, 0)
    out.extend([2, 2, 0x44, 0x01, 0]); // LZW: clear, index 0, end
    out.push(0x3B);
    out
}

/// A HEIC still image of `width`×`height` pixels as stored, turned `quarter_turns_ccw` × 90°
/// anticlockwise by an `irot` property (phones write 3 for portrait photos: displayed
/// `height`×`width`). The coded image is a placeholder, not a decodable picture.
pub fn heic(width: u32, height: u32, quarter_turns_ccw: u8) -> Vec<u8> {
    use mp4::{bx, full};
    let ftyp = bx(b"ftyp", &[&b"heic"[..], &[0; 4], b"mif1heic"].concat());
    let hdlr = full(
        b"hdlr",
        0,
        0,
        &[&[0u8; 4][..], b"pict", &[0; 12], b"\0"].concat(),
    );
    let pitm = full(b"pitm", 0, 0, &1u16.to_be_bytes());
    let infe = full(
        b"infe",
        2,
        0,
        &[&1u16.to_be_bytes()[..], &[0, 0], b"hvc1", b"\0"].concat(),
    );
    let iinf = full(b"iinf", 0, 0, &[&1u16.to_be_bytes()[..], &infe].concat());
    let ispe = full(
        b"ispe",
        0,
        0,
        &[width.to_be_bytes(), height.to_be_bytes()].concat(),
    );
    let irot = bx(b"irot", &[quarter_turns_ccw & 3]);
    let ipco = bx(b"ipco", &[ispe, irot].concat());
    // Item 1 has properties 1 (ispe) and 2 (irot, marked essential).
    let ipma = full(b"ipma", 0, 0, &[0, 0, 0, 1, 0, 1, 2, 0x01, 0x82]);
    let iprp = bx(b"iprp", &[ipco, ipma].concat());
    // iloc is written once the data offset is known; its size does not depend on it.
    let iloc = |data_at: u32| {
        let body = [
            &[0x44u8, 0x00][..],
            &1u16.to_be_bytes(),
            &1u16.to_be_bytes(),
            &[0, 0],
            &1u16.to_be_bytes(),
            &data_at.to_be_bytes(),
            &4u32.to_be_bytes(),
        ]
        .concat();
        full(b"iloc", 0, 0, &body)
    };
    let meta_of = |data_at| {
        full(
            b"meta",
            0,
            0,
            &[
                hdlr.clone(),
                pitm.clone(),
                iloc(data_at),
                iinf.clone(),
                iprp.clone(),
            ]
            .concat(),
        )
    };
    let data_at = (ftyp.len() + meta_of(0).len() + 8) as u32;
    [ftyp, meta_of(data_at), bx(b"mdat", &[0; 4])].concat()
}
