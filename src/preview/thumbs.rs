//! Thumbnails: every picture the preview shows is a small JPEG made by postcal, cropped as the
//! platform frames it, never the original.
//!
//! # Guarantees
//! - A thumbnail is named by the SHA-256 of its source's bytes and the crop
//!   (`<hash>-<w>x<h>.jpg`, or `-full`): a picture is decoded again only when its bytes or its
//!   framing change, wherever it moved, and one file serves every post that shows it the same
//!   way. Thumbnails already in the output directory are kept as they are.
//! - Pixels come out as displayed: the EXIF orientation is applied before cropping.
//! - At most [`MAX_W`]×[`MAX_H`] pixels; a 4000×3000 photo becomes a 640×480 JPEG of tens of
//!   kilobytes. Sources are read only through [`MediaRoot::open`] (regular files inside the
//!   calendar) and decoded within the stager's memory bound (512 MB, `image_reader`).
//!
//! # Errors
//! A picture that cannot be read or decoded gets no thumbnail; the page shows why instead.

use std::path::Path;

use image::{DynamicImage, ImageDecoder};

use super::frame::{self, Ratio};
use crate::media::path::MediaRoot;
use crate::media::stage::image_reader;

/// Largest thumbnail width: a 360-pixel card on a 2× screen, with room to spare.
pub const MAX_W: u32 = 640;
/// Largest thumbnail height: 9:16 at [`MAX_W`].
pub const MAX_H: u32 = 1138;
/// JPEG quality of thumbnails: small files, no visible blocks at preview size.
const QUALITY: u8 = 80;

/// One thumbnail to make.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Wanted {
    /// The media path as a manifest writes it.
    pub file: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// The crop, or `None` for the whole picture.
    pub crop: Option<Ratio>,
}

impl Wanted {
    /// The thumbnail's file name inside the thumbnail directory.
    pub fn name(&self) -> String {
        let variant = match self.crop {
            Some(r) => format!("{}x{}", r.w, r.h),
            None => "full".into(),
        };
        format!(
            "{}-{variant}.jpg",
            &self.sha256[..self.sha256.len().min(32)]
        )
    }
}

/// What making the thumbnails did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThumbStats {
    pub made: usize,
    pub reused: usize,
    /// Pictures that could not be thumbnailed: file and why.
    pub failed: Vec<(String, String)>,
}

/// Makes every wanted thumbnail missing from `dir`, on all cores.
pub fn ensure(root: &MediaRoot, dir: &Path, wanted: &[Wanted]) -> std::io::Result<ThumbStats> {
    std::fs::create_dir_all(dir)?;
    let missing: Vec<&Wanted> = wanted
        .iter()
        .filter(|w| !w.sha256.is_empty() && !dir.join(w.name()).is_file())
        .collect();
    let made = crate::par::map(&missing, 1, |w| {
        let result = make(root, &w.file, w.crop).and_then(|jpeg| {
            // Written under a temporary name and renamed: a killed run leaves no half thumbnail
            // that a later run would take for a finished one.
            let tmp = dir.join(format!(".{}.tmp", w.name()));
            std::fs::write(&tmp, &jpeg)
                .and_then(|()| std::fs::rename(&tmp, dir.join(w.name())))
                .map_err(|e| format!("cannot write the thumbnail: {e}"))
        });
        (w.file.clone(), result)
    });
    let mut stats = ThumbStats {
        reused: wanted.len() - missing.len(),
        ..ThumbStats::default()
    };
    for (file, result) in made {
        match result {
            Ok(()) => stats.made += 1,
            Err(why) => stats.failed.push((file, why)),
        }
    }
    Ok(stats)
}

/// The thumbnail of the picture a manifest names as `written`: oriented, cropped, scaled, JPEG.
pub fn make(root: &MediaRoot, written: &str, crop: Option<Ratio>) -> Result<Vec<u8>, String> {
    let file = root.open(written).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(usize::try_from(file.len()).unwrap_or(0));
    std::io::Read::read_to_end(&mut file.into_reader(), &mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    let picture = decode(&bytes)?;
    let picture = match crop {
        Some(ratio) => {
            let (x, y, w, h) = frame::centre_crop(picture.width(), picture.height(), ratio);
            picture.crop_imm(x, y, w, h)
        }
        None => picture,
    };
    let (w, h) = frame::fit(picture.width(), picture.height(), MAX_W, MAX_H);
    let small = if (w, h) == (picture.width(), picture.height()) {
        picture
    } else {
        picture.thumbnail_exact(w, h)
    };
    let rgb = DynamicImage::ImageRgb8(small.into_rgb8());
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .map_err(|e| format!("cannot encode the thumbnail: {e}"))?;
    Ok(out)
}

/// Decodes a picture, bounded, with its EXIF orientation applied.
fn decode(bytes: &[u8]) -> Result<DynamicImage, String> {
    let mut decoder = image_reader(bytes)?
        .into_decoder()
        .map_err(|e| format!("cannot decode it: {e}"))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture =
        DynamicImage::from_decoder(decoder).map_err(|e| format!("cannot decode it: {e}"))?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG `w`×`h` with an EXIF orientation tag (`orientation`: 1–8).
    fn jpeg_with_orientation(w: u32, h: u32, orientation: u8) -> Vec<u8> {
        let mut plain = Vec::new();
        let pixels = image::RgbImage::from_fn(w, h, |x, _| {
            // Left half red, right half blue: tells a turn from no turn.
            if x < w / 2 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&pixels)
            .unwrap_or_default();
        // APP1 Exif, big-endian TIFF, one IFD entry: Orientation (0x0112), SHORT, 1.
        let mut tiff =
            b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01".to_vec();
        tiff.extend([0, orientation, 0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend(tiff);
        let len = (app1.len() + 2) as u16;
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(len.to_be_bytes());
        out.extend(app1);
        out.extend(&plain[2..]);
        out
    }

    #[test]
    fn thumbnails_are_small_oriented_and_cropped() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = MediaRoot::new(dir.path());
        // Stored 400×300, orientation 6 (a quarter turn clockwise): displayed 300×400.
        std::fs::write(
            dir.path().join("turned.jpg"),
            jpeg_with_orientation(400, 300, 6),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let jpeg = make(&root, "turned.jpg", None).unwrap_or_else(|e| panic!("{e}"));
        let thumb = image::load_from_memory(&jpeg).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((thumb.width(), thumb.height()), (300, 400));
        // Turned clockwise, the red left half is now on top.
        let top = thumb.to_rgb8().get_pixel(150, 20).0;
        assert!(top[0] > 200 && top[2] < 60, "top pixel {top:?}");

        let cropped = make(&root, "turned.jpg", Some(Ratio::PORTRAIT)).unwrap_or_default();
        let cropped = image::load_from_memory(&cropped).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((cropped.width(), cropped.height()), (300, 375));

        std::fs::write(
            dir.path().join("big.jpg"),
            jpeg_with_orientation(4000, 3000, 1),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let big = make(&root, "big.jpg", None).unwrap_or_default();
        let big = image::load_from_memory(&big).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((big.width(), big.height()), (640, 480));

        assert!(make(&root, "../outside.jpg", None).is_err());
        std::fs::write(dir.path().join("junk.jpg"), b"not a picture").unwrap_or_default();
        assert!(make(&root, "junk.jpg", None).is_err());
    }
}
