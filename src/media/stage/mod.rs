//! Staging: each media file copied into a content-addressed store (`<calendar>/.postcal/media`)
//! after the conversions its platform needs, so publishers hand the platforms exactly the bytes
//! the validator's warnings promised.
//!
//! What a platform needs ([`need_for`]) is derived from the same limits tables the validator
//! checks against (`rules::<platform>::LIMITS`), so the two cannot disagree: a format the
//! validator calls "converted" is one the stager converts, a video rule the validator calls
//! "postcal will fix this" is one the stager fixes.
//!
//! Conversions:
//! - **Images to JPEG** ([`ImageNeed`] says JPEG and the file is PNG, WebP or a CMYK JPEG):
//!   EXIF orientation applied to the pixels, colours converted to sRGB from an embedded ICC
//!   profile (RGB or CMYK, with moxcms), alpha flattened onto white, quality 90.
//! - **MP4/MOV remuxed** ([`VideoNeed::FastStart`] and the file has `moov` after `mdat` or edit
//!   lists): see [`crate::media::remux`]; never re-encoded.
//! - Everything else is copied as it is.
//!
//! # Guarantees
//! - Staging is idempotent and content-addressed: the same source bytes with the same need give
//!   the same staged file (named by its SHA-256), found in the store's index without redoing
//!   the work.
//! - A staged file appears under its final name only complete and flushed to disk (temp file,
//!   fsync, rename, fsync of the directory); a crash leaves temp files, removed by the next
//!   [`Stager::open`].
//! - The source is read once, no further than the size it had when opened, into a private
//!   snapshot; a file that changes while it is read is refused, not half-staged.
//!
//! # Errors
//! [`StageError`] names the file and says what to do.

mod convert;
mod expect;
pub(crate) mod store;

pub(crate) use convert::reader as image_reader;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use expect::{Expected, expected};
pub use store::Stager;

use crate::media::remux::RemuxError;
use crate::media::{MediaFormat, ProbeError};
use crate::platform::Platform;
use crate::rules::limits::{ImageLimits, VideoLimits};

/// The image formats a platform accepts as they are; anything else postcal can convert becomes
/// JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageNeed {
    AsIs,
    Jpeg,
    JpegOrPng,
    JpegOrWebp,
}

/// What a platform needs of an MP4/MOV video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoNeed {
    AsIs,
    /// `moov` before `mdat`, and no edit lists.
    FastStart,
}

/// What one platform needs of the media it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Need {
    pub image: ImageNeed,
    pub video: VideoNeed,
}

impl ImageNeed {
    /// Whether a (non-CMYK) image in `format` is taken as it is.
    pub fn accepts(self, format: MediaFormat) -> bool {
        use MediaFormat::{Jpeg, Png, Webp};
        match self {
            Self::AsIs => true,
            Self::Jpeg => format == Jpeg,
            Self::JpegOrPng => matches!(format, Jpeg | Png),
            Self::JpegOrWebp => matches!(format, Jpeg | Webp),
        }
    }

    /// The need that accepts exactly `formats` (the validator's list of accepted formats).
    fn from_formats(formats: &[MediaFormat]) -> Self {
        use MediaFormat::{Jpeg, Png, Webp};
        match formats {
            [Jpeg] => Self::Jpeg,
            [Jpeg, Png] | [Png, Jpeg] => Self::JpegOrPng,
            [Jpeg, Webp] | [Webp, Jpeg] => Self::JpegOrWebp,
            _ => Self::AsIs,
        }
    }
}

impl Need {
    /// A short, stable name for the store's index (`jpeg+fast-start`).
    fn key(self) -> &'static str {
        use ImageNeed as I;
        use VideoNeed as V;
        match (self.image, self.video) {
            (I::AsIs, V::AsIs) => "as-is+as-is",
            (I::AsIs, V::FastStart) => "as-is+fast-start",
            (I::Jpeg, V::AsIs) => "jpeg+as-is",
            (I::Jpeg, V::FastStart) => "jpeg+fast-start",
            (I::JpegOrPng, V::AsIs) => "jpeg-png+as-is",
            (I::JpegOrPng, V::FastStart) => "jpeg-png+fast-start",
            (I::JpegOrWebp, V::AsIs) => "jpeg-webp+as-is",
            (I::JpegOrWebp, V::FastStart) => "jpeg-webp+fast-start",
        }
    }
}

fn image_need(limits: &ImageLimits) -> ImageNeed {
    ImageNeed::from_formats(limits.formats.value)
}

fn video_need(limits: &VideoLimits) -> VideoNeed {
    if limits.fast_start.is_some() || limits.no_edit_list.is_some() {
        VideoNeed::FastStart
    } else {
        VideoNeed::AsIs
    }
}

/// What `platform` needs, read from the validator's limits tables. Instagram: JPEG and fast
/// start; Threads: JPEG or PNG and fast start; TikTok: JPEG or WebP photos, videos as they are
/// (uploaded in chunks); Facebook: everything as it is.
pub fn need_for(platform: Platform) -> Need {
    use crate::rules::{instagram, threads, tiktok};
    match platform {
        Platform::Instagram => Need {
            image: image_need(&instagram::LIMITS.feed_image),
            video: video_need(&instagram::LIMITS.reel),
        },
        Platform::Threads => Need {
            image: image_need(&threads::LIMITS.image),
            video: video_need(&threads::LIMITS.video),
        },
        Platform::Tiktok => Need {
            image: image_need(&tiktok::LIMITS.photo),
            video: video_need(&tiktok::LIMITS.video),
        },
        // Facebook takes every image format postcal reads, and its video rules are not
        // documented (rules/facebook.rs).
        Platform::Facebook => Need {
            image: ImageNeed::AsIs,
            video: VideoNeed::AsIs,
        },
    }
}

/// One staged file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedMedia {
    /// Lowercase hex SHA-256 of the staged bytes; the file's name in the store.
    pub sha256: String,
    pub path: PathBuf,
    pub size: u64,
    pub format: MediaFormat,
    /// Lowercase hex SHA-256 of the source file's bytes.
    pub source_sha256: String,
    /// `None` when the staged file is a copy of the source.
    pub conversion: Option<Conversion>,
}

/// What staging did to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conversion {
    /// Decoded and written again as an sRGB JPEG.
    ToJpeg { from: MediaFormat },
    /// Boxes rewritten, samples unchanged ([`crate::media::remux`]).
    Remux {
        dropped_edit_lists: bool,
        moved_moov: bool,
    },
}

/// Why a file could not be staged.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` is not a regular file; name an image or video file")]
    NotAFile(PathBuf),
    #[error("`{0}` changed while postcal was copying it; postcal stages it again on the next run")]
    SourceChanged(PathBuf),
    #[error("`{path}` is not an image or video postcal can read: {source}")]
    Probe { path: PathBuf, source: ProbeError },
    #[error(
        "`{path}` is {}; postcal converts only PNG, WebP and CMYK JPEG to JPEG, so export it \
         as JPEG yourself",
        format.name()
    )]
    CannotConvert { path: PathBuf, format: MediaFormat },
    #[error(
        "`{path}` is {size} bytes, more than the {limit} bytes postcal decodes to convert an \
         image; export it as a smaller JPEG"
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("cannot convert `{path}` to JPEG: {why}; export it as JPEG yourself")]
    Image { path: PathBuf, why: String },
    #[error("cannot remux `{path}`: {source}")]
    Remux { path: PathBuf, source: RemuxError },
}
