//! Judging received media against each platform's published limits, by content: what the
//! platform would say about this file for this kind of post.
//!
//! Pure functions from [`MediaInfo`] (or a failed download) to a [`Rejection`] in the
//! platform's own vocabulary. Every limit names its docs/platform-rules.md row.
//!
//! # Assumptions
//! - Instagram reports every video problem (codec, duration, frame rate, size) as 352/2207026,
//!   the only video subcode docs/platform-rules.md §1.5 lists; the message names the actual
//!   problem.
//! - Threads has no documented image error strings; image problems report `UNKNOWN`, except
//!   the aspect ratio (`INVALID_ASPEC_RATIO`).
//! - TikTok "≤1080p" photos (§2.4 "Image") is read as: shorter side ≤ 1080 px, longer ≤ 1920 px.

use super::container::Rejection;
use super::media::{FetchError, Fetched};
use crate::media::{AudioCodec, MediaFormat, MediaInfo, VideoCodec, VideoInfo};

const MIB: u64 = 1024 * 1024;

/// What a file is wanted for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Want {
    /// Feed or carousel image: aspect ratio enforced.
    IgFeedImage,
    IgStoryImage,
    IgReel {
        thumb_offset_ms: Option<i64>,
    },
    IgStoryVideo,
    IgCarouselVideo,
    IgCover,
    ThreadsImage,
    ThreadsVideo,
    TikTokVideo {
        max_duration_sec: u32,
    },
    TikTokPhoto,
    FbPhoto,
    FbVideo,
}

fn graph(code: i64, subcode: i64, message: impl Into<String>) -> Rejection {
    Rejection::Graph {
        code,
        subcode,
        message: message.into(),
    }
}

fn threads(msg: &str) -> Rejection {
    Rejection::Threads {
        error_message: msg.into(),
    }
}

fn tiktok(reason: &str) -> Rejection {
    Rejection::TikTok {
        fail_reason: reason.into(),
    }
}

impl Want {
    fn is_video(self) -> bool {
        matches!(
            self,
            Self::IgReel { .. }
                | Self::IgStoryVideo
                | Self::IgCarouselVideo
                | Self::ThreadsVideo
                | Self::TikTokVideo { .. }
                | Self::FbVideo
        )
    }

    /// The platform's answer when its own processing broke (a retryable server error).
    pub fn internal_failure(self) -> Rejection {
        match self {
            Self::ThreadsImage | Self::ThreadsVideo => threads("UNKNOWN"),
            Self::TikTokVideo { .. } | Self::TikTokPhoto => tiktok("internal"),
            // docs/platform-rules.md §1.5 2207001 "Instagram server error" (also used for Pages).
            _ => graph(
                -1,
                2207001,
                "An unexpected error occurred while processing the media",
            ),
        }
    }

    /// The most bytes worth downloading for this kind of file: the platform's own size limit
    /// (docs/platform-rules.md §1.3, §2.4, §3, §4). A longer body is cut off there and judged too
    /// large, so an endless URL costs at most this much memory.
    pub fn max_bytes(self) -> u64 {
        match self {
            // §1.3 "Feed/carousel image", "Story image", §1.2 `cover_url`; §4 "Image".
            Self::IgFeedImage | Self::IgStoryImage | Self::IgCover | Self::ThreadsImage => 8 * MIB,
            Self::IgReel { .. } => VideoLimits::REEL.max_bytes,
            Self::IgStoryVideo => VideoLimits::STORY.max_bytes,
            Self::IgCarouselVideo => VideoLimits::CAROUSEL.max_bytes,
            Self::ThreadsVideo => 1024 * MIB,
            Self::TikTokVideo { .. } => 4096 * MIB,
            Self::TikTokPhoto => 20 * MIB,
            Self::FbPhoto => 4 * MIB,
            // No documented limit: the sandbox's `download.max_bytes` alone applies.
            Self::FbVideo => u64::MAX,
        }
    }

    /// The platform's answer to a file over [`Want::max_bytes`]: what [`Want::judge`] says
    /// about an oversized file of this kind.
    fn too_large(self) -> Rejection {
        match self {
            Self::IgFeedImage | Self::IgStoryImage | Self::IgCover => {
                graph(36000, 2207004, "The image is too large (8 MB maximum)")
            }
            Self::IgReel { .. } | Self::IgStoryVideo | Self::IgCarouselVideo => {
                graph(352, 2207026, "The video is too large")
            }
            Self::ThreadsImage => threads("UNKNOWN"),
            Self::ThreadsVideo => threads("FAILED_PROCESSING_VIDEO"),
            Self::TikTokVideo { .. } | Self::TikTokPhoto => tiktok("file_format_check_failed"),
            Self::FbPhoto => graph(100, 0, "(#100) Photos must be smaller than 4 MB"),
            Self::FbVideo => graph(389, 0, "(#389) Unable to fetch video file from URL."),
        }
    }

    /// The platform's answer to a download that failed.
    pub fn download_failed(self, err: &FetchError) -> Rejection {
        if *err == FetchError::TooLarge {
            return self.too_large();
        }
        match self {
            Self::IgFeedImage
            | Self::IgStoryImage
            | Self::IgCover
            | Self::IgReel { .. }
            | Self::IgStoryVideo
            | Self::IgCarouselVideo => {
                match err {
                    // docs/platform-rules.md §1.5 2207003 "media download timed out".
                    FetchError::TimedOut => graph(-2, 2207003, "The media download timed out"),
                    // docs/platform-rules.md §1.5 2207052 "media could not be fetched from URI".
                    _ => graph(9004, 2207052, "The media could not be fetched from the URI"),
                }
            }
            // docs/platform-rules.md §4 "Container status" FAILED_DOWNLOADING_VIDEO.
            Self::ThreadsVideo => threads("FAILED_DOWNLOADING_VIDEO"),
            Self::ThreadsImage => threads("UNKNOWN"),
            // docs/platform-rules.md §2.5 video_pull_failed / photo_pull_failed.
            Self::TikTokVideo { .. } => tiktok("video_pull_failed"),
            Self::TikTokPhoto => tiktok("photo_pull_failed"),
            // Sandbox assumption: Graph's Page-photo and video fetch errors (324, 389).
            Self::FbPhoto => graph(324, 0, "(#324) Missing or invalid image file"),
            Self::FbVideo => graph(389, 0, "(#389) Unable to fetch video file from URL."),
        }
    }

    /// The platform's verdict on a file it received.
    pub fn judge(self, file: &Fetched) -> Result<(), Rejection> {
        let info = match &file.info {
            Ok(info) => info,
            Err(_) => return Err(self.wrong_format("the file is not a recognised image or video")),
        };
        if self.is_video() != info.is_video() {
            let what = if self.is_video() {
                "a video"
            } else {
                "an image"
            };
            return Err(self.wrong_format(&format!("expected {what}, got {}", info.format.name())));
        }
        match self {
            Self::IgFeedImage | Self::IgStoryImage | Self::IgCover => ig_image(self, info),
            Self::IgReel { thumb_offset_ms } => ig_video(info, VideoLimits::REEL, thumb_offset_ms),
            Self::IgStoryVideo => ig_video(info, VideoLimits::STORY, None),
            Self::IgCarouselVideo => ig_video(info, VideoLimits::CAROUSEL, None),
            Self::ThreadsImage => threads_image(info),
            Self::ThreadsVideo => threads_video(info),
            Self::TikTokVideo { max_duration_sec } => tiktok_video(info, max_duration_sec),
            Self::TikTokPhoto => tiktok_photo(info),
            Self::FbPhoto => fb_photo(info),
            Self::FbVideo => Ok(()),
        }
    }

    fn wrong_format(self, why: &str) -> Rejection {
        match self {
            // docs/platform-rules.md §1.5 2207005 "image format unsupported" / 2207026 "video
            // format".
            Self::IgFeedImage | Self::IgStoryImage | Self::IgCover => {
                graph(36001, 2207005, format!("Unsupported image format: {why}"))
            }
            Self::IgReel { .. } | Self::IgStoryVideo | Self::IgCarouselVideo => {
                graph(352, 2207026, format!("Unsupported video format: {why}"))
            }
            Self::ThreadsImage => threads("UNKNOWN"),
            Self::ThreadsVideo => threads("FAILED_PROCESSING_VIDEO"),
            // docs/platform-rules.md §2.5 file_format_check_failed.
            Self::TikTokVideo { .. } | Self::TikTokPhoto => tiktok("file_format_check_failed"),
            Self::FbPhoto => graph(
                324,
                0,
                format!("(#324) Missing or invalid image file: {why}"),
            ),
            Self::FbVideo => graph(
                352,
                0,
                "(#352) The video file you selected is in a format that we don't support.",
            ),
        }
    }
}

/// Aspect ratio w/h within [lo, hi], compared exactly on integers (ratios given ×1000).
fn aspect_within(w: u32, h: u32, lo_milli: u64, hi_milli: u64) -> bool {
    let (w, h) = (u64::from(w), u64::from(h));
    h > 0 && w * 1000 >= h * lo_milli && w * 1000 <= h * hi_milli
}

/// docs/platform-rules.md §1.3 "Feed/carousel image", "Story image", §1.2 `cover_url`.
fn ig_image(want: Want, info: &MediaInfo) -> Result<(), Rejection> {
    if info.format != MediaFormat::Jpeg {
        return Err(want.wrong_format(&format!("{} (JPEG only)", info.format.name())));
    }
    if info.size_bytes > 8 * MIB {
        return Err(graph(
            36000,
            2207004,
            format!(
                "The image is {} bytes; the maximum is 8 MiB",
                info.size_bytes
            ),
        ));
    }
    let (w, h) = info.dimensions();
    if want == Want::IgFeedImage && !aspect_within(w, h, 800, 1910) {
        return Err(graph(
            36003,
            2207009,
            format!("The aspect ratio {w}x{h} is outside 4:5 to 1.91:1"),
        ));
    }
    Ok(())
}

struct VideoLimits {
    min_ms: u64,
    max_ms: u64,
    max_bytes: u64,
    aspect_milli: (u64, u64),
}

impl VideoLimits {
    /// docs/platform-rules.md §1.3 "Reel video": 3 s–15 min, ≤300 MB, 0.01:1–10:1.
    const REEL: Self = Self {
        min_ms: 3_000,
        max_ms: 900_000,
        max_bytes: 300 * MIB,
        aspect_milli: (10, 10_000),
    };
    /// §1.3 "Story video": 3–60 s, ≤100 MB, 0.1:1–10:1.
    const STORY: Self = Self {
        min_ms: 3_000,
        max_ms: 60_000,
        max_bytes: 100 * MIB,
        aspect_milli: (100, 10_000),
    };
    /// §1.3 "Carousel video child" (older VIDEO spec): 3–60 s, ≤100 MB, 4:5–16:9.
    const CAROUSEL: Self = Self {
        min_ms: 3_000,
        max_ms: 60_000,
        max_bytes: 100 * MIB,
        aspect_milli: (800, 1_778),
    };
}

fn ig_video(
    info: &MediaInfo,
    limits: VideoLimits,
    thumb_offset_ms: Option<i64>,
) -> Result<(), Rejection> {
    let bad = |why: String| Err(graph(352, 2207026, why));
    let Some(v) = info.video() else {
        return bad("not a video".into());
    };
    if !matches!(info.format, MediaFormat::Mp4 | MediaFormat::Mov) {
        return bad(format!("{} is not MOV or MP4", info.format.name()));
    }
    if !matches!(v.codec, Some(VideoCodec::H264 | VideoCodec::Hevc)) {
        return bad(format!("video codec {:?} is not H.264 or HEVC", v.codec));
    }
    if !v.moov_before_mdat {
        return bad("the moov atom must come before mdat".into());
    }
    if v.has_edit_list {
        return bad("edit lists are not supported".into());
    }
    if let Some(problem) = audio_problem(v) {
        return bad(problem);
    }
    if v.duration_ms < limits.min_ms || v.duration_ms > limits.max_ms {
        return bad(format!(
            "duration {} ms is outside {}–{} ms",
            v.duration_ms, limits.min_ms, limits.max_ms
        ));
    }
    if let Some(fps) = v.frame_rate
        && !(23.0..=60.0).contains(&fps)
    {
        return bad(format!("frame rate {fps:.2} fps is outside 23–60"));
    }
    if v.width > 1920 {
        return bad(format!("width {} px exceeds 1920", v.width));
    }
    if !aspect_within(
        v.width,
        v.height,
        limits.aspect_milli.0,
        limits.aspect_milli.1,
    ) {
        return bad(format!(
            "aspect ratio {}x{} is out of range",
            v.width, v.height
        ));
    }
    if info.size_bytes > limits.max_bytes {
        return bad(format!(
            "{} bytes exceeds {}",
            info.size_bytes, limits.max_bytes
        ));
    }
    // docs/platform-rules.md §1.2 `thumb_offset`: ≥0 and < duration, else 2207057.
    if let Some(t) = thumb_offset_ms
        && (t < 0 || t as u64 >= v.duration_ms)
    {
        return Err(graph(
            1,
            2207057,
            format!(
                "thumb_offset {t} ms is outside the video's {} ms",
                v.duration_ms
            ),
        ));
    }
    Ok(())
}

/// AAC, ≤48 kHz, mono or stereo (docs/platform-rules.md §1.3 "Reel video", §4 "Video").
fn audio_problem(v: &VideoInfo) -> Option<String> {
    let a = v.audio.as_ref()?;
    if a.codec != AudioCodec::Aac {
        return Some(format!("audio codec {:?} is not AAC", a.codec));
    }
    if a.sample_rate > 48_000 {
        return Some(format!(
            "audio sample rate {} Hz exceeds 48 kHz",
            a.sample_rate
        ));
    }
    (a.channels > 2).then(|| format!("{} audio channels (mono or stereo only)", a.channels))
}

/// docs/platform-rules.md §4 "Image": JPEG or PNG, ≤8 MB, aspect ≤10:1.
fn threads_image(info: &MediaInfo) -> Result<(), Rejection> {
    if !matches!(info.format, MediaFormat::Jpeg | MediaFormat::Png) || info.size_bytes > 8 * MIB {
        return Err(threads("UNKNOWN"));
    }
    let (w, h) = info.dimensions();
    if !aspect_within(w, h, 100, 10_000) {
        return Err(threads("INVALID_ASPEC_RATIO"));
    }
    Ok(())
}

/// docs/platform-rules.md §4 "Video": MOV/MP4, moov first, no edit lists, 23–60 fps, ≤1920 wide,
/// 0.01:1–10:1, ≤300 s, ≤1 GB, AAC ≤48 kHz.
fn threads_video(info: &MediaInfo) -> Result<(), Rejection> {
    let Some(v) = info.video() else {
        return Err(threads("FAILED_PROCESSING_VIDEO"));
    };
    let structural = !matches!(info.format, MediaFormat::Mp4 | MediaFormat::Mov)
        || !matches!(v.codec, Some(VideoCodec::H264 | VideoCodec::Hevc))
        || !v.moov_before_mdat
        || v.has_edit_list
        || v.width > 1920
        || info.size_bytes > 1024 * MIB;
    if structural {
        return Err(threads("FAILED_PROCESSING_VIDEO"));
    }
    if let Some(a) = &v.audio {
        if a.channels > 2 {
            return Err(threads("INVALID_AUDIO_CHANNELS"));
        }
        if a.codec != AudioCodec::Aac || a.sample_rate > 48_000 {
            return Err(threads("FAILED_PROCESSING_AUDIO"));
        }
    }
    if v.frame_rate.is_some_and(|f| !(23.0..=60.0).contains(&f)) {
        return Err(threads("INVALID_FRAME_RATE"));
    }
    if !aspect_within(v.width, v.height, 10, 10_000) {
        return Err(threads("INVALID_ASPEC_RATIO"));
    }
    if v.duration_ms > 300_000 {
        return Err(threads("INVALID_DURATION"));
    }
    Ok(())
}

/// docs/platform-rules.md §2.4 "Video" and §2.2 `max_video_post_duration_sec`.
fn tiktok_video(info: &MediaInfo, max_duration_sec: u32) -> Result<(), Rejection> {
    let Some(v) = info.video() else {
        return Err(tiktok("file_format_check_failed"));
    };
    let codec_ok = matches!(
        v.codec,
        Some(VideoCodec::H264 | VideoCodec::Hevc | VideoCodec::Vp8 | VideoCodec::Vp9)
    );
    if !matches!(
        info.format,
        MediaFormat::Mp4 | MediaFormat::Mov | MediaFormat::Webm
    ) || !codec_ok
        || info.size_bytes > 4096 * MIB
    {
        return Err(tiktok("file_format_check_failed"));
    }
    let cap_ms = u64::from(max_duration_sec.min(600)) * 1000;
    if v.duration_ms > cap_ms {
        return Err(tiktok("duration_check_failed"));
    }
    if v.frame_rate.is_some_and(|f| !(23.0..=60.0).contains(&f)) {
        return Err(tiktok("frame_rate_check_failed"));
    }
    let side_ok = |s: u32| (360..=4096).contains(&s);
    if !side_ok(v.width) || !side_ok(v.height) {
        return Err(tiktok("picture_size_check_failed"));
    }
    Ok(())
}

/// docs/platform-rules.md §2.4 "Image": JPEG or WebP only, ≤1080p, ≤20 MB.
fn tiktok_photo(info: &MediaInfo) -> Result<(), Rejection> {
    if !matches!(info.format, MediaFormat::Jpeg | MediaFormat::Webp) || info.size_bytes > 20 * MIB {
        return Err(tiktok("file_format_check_failed"));
    }
    let (w, h) = info.dimensions();
    if w.min(h) > 1080 || w.max(h) > 1920 {
        return Err(tiktok("picture_size_check_failed"));
    }
    Ok(())
}

/// docs/platform-rules.md §3 "Photo files": JPG, PNG, GIF, TIFF, HEIF, WebP, < 4 MB.
fn fb_photo(info: &MediaInfo) -> Result<(), Rejection> {
    use MediaFormat::*;
    if !matches!(info.format, Jpeg | Png | Gif | Tiff | Heif | Webp) {
        return Err(Want::FbPhoto.wrong_format(info.format.name()));
    }
    if info.size_bytes >= 4 * MIB {
        return Err(graph(
            100,
            0,
            format!(
                "(#100) The photo is {} bytes; photos must be smaller than 4 MB",
                info.size_bytes
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
