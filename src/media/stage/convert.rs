//! Converting an image to a baseline sRGB JPEG: the one image format every platform takes.
//!
//! Decoding and encoding go through the `image` crate (PNG, WebP, JPEG only: its other codecs
//! stay out of the build). Colour management is moxcms, the pure-Rust CMS `image` itself uses,
//! because `image` 0.25 converts between CICP colour spaces but not from an ICC profile, and
//! decodes a CMYK JPEG with a naive formula that ignores its profile.
//!
//! # Guarantees
//! - The pixels come out as displayed: the EXIF orientation is applied (the JPEG carries no
//!   EXIF, so nothing can turn them twice), transparency is flattened onto white.
//! - Colours come out sRGB: an RGB or CMYK ICC profile is converted with moxcms. An image
//!   without a profile is taken to be sRGB already; a profile moxcms cannot read is ignored
//!   (as browsers do) and logged.
//! - Decoding is bounded: at most [`MAX_DECODED_BYTES`] of pixels are allocated.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};
use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

/// JPEG quality of converted images: visually lossless for photos, a third of PNG's size.
pub(super) const QUALITY: u8 = 90;

/// The most memory a decoded picture may take (a 16-bit RGBA 8K photo is ~270 MB).
pub(super) const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;

/// Whether `bytes` is a JPEG with four colour components (CMYK or YCCK), which platforms show
/// wrongly or refuse.
pub(super) fn is_cmyk_jpeg(bytes: &[u8]) -> bool {
    let mut decoder = zune_jpeg::JpegDecoder::new(ZCursor::new(bytes));
    decoder.decode_headers().is_ok()
        && matches!(
            decoder.input_colorspace(),
            Some(ColorSpace::CMYK | ColorSpace::YCCK)
        )
}

/// A reader of `bytes` that guesses the format and decodes within [`MAX_DECODED_BYTES`].
pub(crate) fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    Ok(reader)
}

/// The sRGB JPEG of an image (PNG, WebP or JPEG), as displayed.
pub(super) fn to_jpeg(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut decoder = reader(bytes)?.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let profile = decoder.icc_profile().ok().flatten().and_then(|icc| {
        match ColorProfile::new_from_slice(&icc) {
            Ok(profile) => Some(profile),
            Err(e) => {
                tracing::warn!("ignoring an ICC profile moxcms cannot read: {e:?}");
                None
            }
        }
    });
    let cmyk = profile
        .as_ref()
        .filter(|p| p.color_space == DataColorSpace::Cmyk && is_cmyk_jpeg(bytes))
        .and_then(|p| match cmyk_to_srgb(bytes, p) {
            Ok(rgb) => Some(rgb),
            Err(e) => {
                tracing::warn!("CMYK profile not applied, using a plain conversion: {e}");
                None
            }
        });
    let rgb = match cmyk {
        Some(rgb) => rgb,
        None => {
            drop(decoder);
            let picture = reader(bytes)?.decode().map_err(|e| e.to_string())?;
            let mut rgb = flatten(picture);
            if let Some(p) = profile.filter(|p| p.color_space == DataColorSpace::Rgb) {
                rgb_to_srgb(&mut rgb, &p);
            }
            rgb
        }
    };
    let mut picture = DynamicImage::ImageRgb8(rgb);
    picture.apply_orientation(orientation);
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&picture)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// 8-bit RGB, transparent pixels blended onto white.
fn flatten(picture: DynamicImage) -> RgbImage {
    if !picture.color().has_alpha() {
        return picture.into_rgb8();
    }
    let rgba = picture.into_rgba8();
    let (w, h) = rgba.dimensions();
    let pixels = rgba
        .pixels()
        .flat_map(|p| {
            let [r, g, b, a] = p.0;
            let over_white = |c: u8| {
                let (c, a) = (u32::from(c), u32::from(a));
                ((c * a + 255 * (255 - a) + 127) / 255) as u8
            };
            [over_white(r), over_white(g), over_white(b)]
        })
        .collect();
    RgbImage::from_raw(w, h, pixels).unwrap_or_else(|| RgbImage::new(w, h))
}

fn rgb_to_srgb(rgb: &mut RgbImage, profile: &ColorProfile) {
    let srgb = ColorProfile::new_srgb();
    let transform =
        profile.create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, TransformOptions::default());
    let result = transform.and_then(|t| {
        let source = rgb.as_raw().clone();
        t.transform(&source, rgb)
    });
    if let Err(e) = result {
        tracing::warn!("ICC profile not applied, colours kept as they are: {e:?}");
    }
}

/// A CMYK JPEG decoded as CMYK and converted to sRGB through its own profile.
fn cmyk_to_srgb(bytes: &[u8], profile: &ColorProfile) -> Result<RgbImage, String> {
    let mut decoder = zune_jpeg::JpegDecoder::new(ZCursor::new(bytes));
    decoder.decode_headers().map_err(|e| format!("{e:?}"))?;
    let ycck = decoder.input_colorspace() == Some(ColorSpace::YCCK);
    // The four components as stored (zune-jpeg converts YCCK only to RGB).
    let stored = if ycck {
        ColorSpace::YCCK
    } else {
        ColorSpace::CMYK
    };
    let options = DecoderOptions::default().jpeg_set_out_colorspace(stored);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let mut cmyk = decoder.decode().map_err(|e| format!("{e:?}"))?;
    let (w, h) = decoder.dimensions().ok_or("no image size")?;
    if cmyk.len() != w * h * 4 {
        return Err(format!("{} CMYK bytes for {w}×{h} pixels", cmyk.len()));
    }
    if ycck {
        cmyk.chunks_exact_mut(4).for_each(ycck_to_cmyk);
    }
    // Adobe's JPEGs (Photoshop, ImageMagick) store CMYK inverted: 255 is no ink.
    if has_adobe_marker(bytes) {
        cmyk.iter_mut().for_each(|v| *v = 255 - *v);
    }
    let srgb = ColorProfile::new_srgb();
    // moxcms takes four-channel CMYK in its RGBA layout.
    let transform = profile
        .create_transform_8bit(
            Layout::Rgba,
            &srgb,
            Layout::Rgb,
            TransformOptions::default(),
        )
        .map_err(|e| format!("{e:?}"))?;
    let mut rgb = vec![0u8; w * h * 3];
    transform
        .transform(&cmyk, &mut rgb)
        .map_err(|e| format!("{e:?}"))?;
    let (w, h) = (u32::try_from(w), u32::try_from(h));
    match (w, h) {
        (Ok(w), Ok(h)) => RgbImage::from_raw(w, h, rgb).ok_or_else(|| "bad size".to_owned()),
        _ => Err("image too large".to_owned()),
    }
}

/// YCCK to CMYK as libjpeg does it: the YCbCr part (JFIF equations) gives R, G, B, and
/// C, M, Y = 255 − R, G, B; K is stored as it is.
fn ycck_to_cmyk(px: &mut [u8]) {
    let (y, cb, cr) = (
        f32::from(px[0]),
        f32::from(px[1]) - 128.0,
        f32::from(px[2]) - 128.0,
    );
    let rgb = [
        y + 1.402 * cr,
        y - 0.344_136 * cb - 0.714_136 * cr,
        y + 1.772 * cb,
    ];
    for (out, c) in px.iter_mut().zip(rgb) {
        *out = 255 - c.round().clamp(0.0, 255.0) as u8;
    }
}

/// An Adobe APP14 segment (`FF EE`, length, "Adobe"); its marker bytes cannot occur inside
/// entropy-coded data, where every `FF` is followed by `00` or a restart marker.
fn has_adobe_marker(bytes: &[u8]) -> bool {
    bytes
        .windows(9)
        .any(|w| w[0] == 0xFF && w[1] == 0xEE && &w[4..9] == b"Adobe")
}
