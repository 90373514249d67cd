//! Media files: what they really are (probed by content, never by extension).
//!
//! [`probe`] reads only what it needs: image headers (dimensions, EXIF orientation) and the MP4/MOV
//! box structure (`moov` metadata: codecs, duration, frame rate, dimensions; whether `moov`
//! precedes `mdat`). It never decodes pixels or frames, so probing a 4000×3000 JPEG or a 300 MB
//! video costs a few kilobytes of reads (plus the `moov` box, which holds the sample tables).
//!
//! [`stage`] copies each file into a content-addressed store after the conversions a platform
//! needs (PNG/WebP to JPEG, [`remux`] for fast start without edit lists), and [`server`] serves
//! staged files, and nothing else, to the platforms that pull media from a URL.
//!
//! [`synth`] builds small valid media in memory for tests, examples and benchmarks.

pub mod path;
pub mod probe;
pub mod remux;
pub mod server;
pub mod stage;
pub mod synth;

pub use probe::{ProbeError, probe_bytes, probe_file, probe_reader};

use serde::{Deserialize, Serialize};

/// The container or image format, judged from the file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaFormat {
    Jpeg,
    /// A JPEG with more than one picture (MPO / JPS): Instagram refuses these.
    Mpo,
    Png,
    Webp,
    Gif,
    Heif,
    Tiff,
    Mp4,
    Mov,
    Webm,
}

impl MediaFormat {
    /// The name people know the format by, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Mpo => "MPO (multi-picture JPEG)",
            Self::Png => "PNG",
            Self::Webp => "WebP",
            Self::Gif => "GIF",
            Self::Heif => "HEIF",
            Self::Tiff => "TIFF",
            Self::Mp4 => "MP4",
            Self::Mov => "QuickTime MOV",
            Self::Webm => "WebM",
        }
    }

    pub fn is_video(self) -> bool {
        matches!(self, Self::Mp4 | Self::Mov | Self::Webm)
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg | Self::Mpo => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
            Self::Heif => "heic",
            Self::Tiff => "tif",
            Self::Mp4 => "mp4",
            Self::Mov => "mov",
            Self::Webm => "webm",
        }
    }

    /// The media type to serve or upload the file as (`Content-Type`).
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Mpo => "image/mpo",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
            Self::Heif => "image/heif",
            Self::Tiff => "image/tiff",
            Self::Mp4 => "video/mp4",
            Self::Mov => "video/quicktime",
            Self::Webm => "video/webm",
        }
    }
}

/// A video codec, from the sample description (`stsd`) of the video track.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    H264,
    Hevc,
    Vp8,
    Vp9,
    Av1,
    /// Anything else, by its four-character code.
    Other(String),
}

/// An audio codec, from the sample description of the audio track.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioCodec {
    Aac,
    Other(String),
}

/// What postcal knows of an image without decoding it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageInfo {
    /// Width as displayed, i.e. after the EXIF orientation is applied.
    pub width: u32,
    /// Height as displayed, after EXIF orientation.
    pub height: u32,
    /// The EXIF orientation (1–8) that `width` and `height` already account for; 1 when the
    /// file has none (or is not a JPEG/TIFF/HEIF). 5–8 mean the stored pixels are a quarter
    /// turn off, so a tool that ignores EXIF (or strips it when converting) shows them sideways.
    pub orientation: u8,
}

/// What postcal knows of a video from its container metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoInfo {
    /// `None` when the file has no video track.
    pub codec: Option<VideoCodec>,
    /// Width as displayed, i.e. after the track's rotation; 0 without a video track.
    pub width: u32,
    /// Height as displayed, after the track's rotation.
    pub height: u32,
    /// Clockwise rotation in degrees (0, 90, 180 or 270) that players apply, from the video
    /// track's matrix (phones record portrait video this way); `width`/`height` include it.
    pub rotation: u16,
    /// The movie's duration (`mvhd`; the longest track, so AAC priming can add ~20 ms).
    pub duration_ms: u64,
    /// Average frame rate (samples / duration of the video track); `None` if unknown.
    pub frame_rate: Option<f64>,
    pub audio: Option<AudioInfo>,
    /// Whether the `moov` box comes before `mdat` ("fast start"); Instagram and Threads require it.
    /// For WebM: whether the track list comes before the first cluster.
    pub moov_before_mdat: bool,
    /// Whether any track carries an edit list (`elst` with at least one entry); Instagram and
    /// Threads refuse them. ffmpeg writes one by default (even a no-op one); `-use_editlist 0`
    /// leaves it out. Always false for WebM.
    pub has_edit_list: bool,
}

/// The first audio track. For AAC in MP4/MOV, `channels` comes from the decoder config
/// (`esds`), since ISO files write a placeholder 2 in the sample entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioInfo {
    /// `Aac` for `mp4a` with an AAC (or unstated) object type; MP3 in `mp4a` is `Other("mp3")`;
    /// other four-ccs (`Opus`, `ac-3`) and Matroska codec ids (`A_OPUS`) as written.
    pub codec: AudioCodec,
    /// Hz, from the sample entry, else the track's timescale.
    pub sample_rate: u32,
    pub channels: u16,
}

/// The result of probing one media file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaInfo {
    pub format: MediaFormat,
    pub size_bytes: u64,
    pub details: MediaDetails,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum MediaDetails {
    Image(ImageInfo),
    Video(VideoInfo),
}

impl MediaInfo {
    pub fn image(&self) -> Option<&ImageInfo> {
        match &self.details {
            MediaDetails::Image(i) => Some(i),
            MediaDetails::Video(_) => None,
        }
    }

    pub fn video(&self) -> Option<&VideoInfo> {
        match &self.details {
            MediaDetails::Video(v) => Some(v),
            MediaDetails::Image(_) => None,
        }
    }

    pub fn is_video(&self) -> bool {
        self.video().is_some()
    }

    /// Width and height as displayed, for images and videos alike.
    pub fn dimensions(&self) -> (u32, u32) {
        match &self.details {
            MediaDetails::Image(i) => (i.width, i.height),
            MediaDetails::Video(v) => (v.width, v.height),
        }
    }
}
