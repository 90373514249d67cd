//! Media generators for tests, examples and benchmarks: small, valid files built in memory.
//!
//! Images are one flat colour, so they compress to almost nothing whatever their size. JPEGs
//! are written directly (a 4000×3000 one is 140 KB and takes a millisecond); PNG and WebP go
//! through the `image` crate's encoders, which take seconds for tens of megapixels in a debug
//! build, so keep those small. GIF and HEIC are hand-assembled headers around a placeholder
//! picture. Videos are hand-assembled MP4/MOV containers whose samples are a few placeholder
//! bytes each, so a 15-minute 60 fps "video" is a few hundred kilobytes: the container
//! structure is complete and valid, the samples do not decode to pictures.
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

mod jpeg;
mod mp4;

pub use jpeg::{jpeg, jpeg_with_orientation, mpo};
pub use mp4::{AudioSpec, VideoSpec, mp4};

use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};

/// The colour of every generated picture: a calm blue.
pub const COLOUR: [u8; 3] = [40, 90, 160];

fn flat_rgb(width: u32, height: u32) -> Vec<u8> {
    COLOUR.repeat(width as usize * height as usize)
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
/// fill the rest with the background), so the file is 35 bytes whatever the size.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes with the image crate (an independent reader) and returns size and a pixel.
    fn decode(bytes: &[u8]) -> ((u32, u32), [u8; 3]) {
        let reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format();
        let picture = reader
            .map_err(image::ImageError::IoError)
            .and_then(|r| r.decode());
        let picture = picture
            .unwrap_or_else(|e| panic!("undecodable: {e}"))
            .to_rgb8();
        let corner = picture
            .get_pixel(picture.width() - 1, picture.height() - 1)
            .0;
        (picture.dimensions(), corner)
    }

    #[test]
    fn generated_images_decode_to_the_flat_colour() {
        let cases = [
            ("jpeg 1×1", jpeg(1, 1), (1, 1)),
            ("jpeg 37×21", jpeg(37, 21), (37, 21)),
            ("jpeg 640×480", jpeg(640, 480), (640, 480)),
            (
                "jpeg with orientation",
                jpeg_with_orientation(64, 32, 6),
                (64, 32),
            ),
            ("mpo (first picture)", mpo(24, 16), (24, 16)),
            ("png", png(33, 17), (33, 17)),
            ("webp", webp(33, 17), (33, 17)),
        ];
        for (name, bytes, size) in cases {
            let (decoded, pixel) = decode(&bytes);
            assert_eq!(decoded, size, "{name}");
            // JPEG's colour conversion rounds; a few levels off is the same colour.
            let close = pixel.iter().zip(COLOUR).all(|(&p, c)| p.abs_diff(c) <= 3);
            assert!(close, "{name}: {pixel:?} is not {COLOUR:?}");
        }
    }

    #[test]
    fn big_pictures_stay_small_and_cheap() {
        let started = std::time::Instant::now();
        let photo = jpeg(4000, 3000);
        assert!(photo.len() < 150_000, "{} bytes", photo.len());
        assert!(
            started.elapsed().as_millis() < 500,
            "{:?}",
            started.elapsed()
        );
        assert_eq!(gif(4000, 3000).len(), 35);
        assert!(heic(4032, 3024, 0).len() < 400);
    }
}
