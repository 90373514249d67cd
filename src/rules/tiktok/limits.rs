//! Every TikTok number postcal checks: one table ([`LIMITS`]), each row with its
//! docs/platform-rules.md section and source key.

use crate::diag::Code;
use crate::media::MediaFormat::{Jpeg, Png, Webp};
use crate::media::VideoCodec::{H264, Hevc, Vp8, Vp9};
use crate::rules::limits::{GIB, ImageLimits, Limit, MIB, VideoLimits};

/// Every TikTok number postcal checks, with its source.
pub struct Limits {
    pub caption: Limit<usize>,
    pub title: Limit<usize>,
    pub description: Limit<usize>,
    /// Fewest and most photos in a photo post.
    pub photos: Limit<(usize, usize)>,
    /// A video's longest duration when the account does not say (ms).
    pub default_max_video_ms: Limit<u64>,
    /// The longest video the API takes, whatever the account says (ms).
    pub api_max_video_ms: Limit<u64>,
    pub video: VideoLimits,
    pub photo: ImageLimits,
    /// Direct posts per creator in 24 hours (shared by every app).
    pub posts_per_day: Limit<usize>,
}

pub const LIMITS: Limits = Limits {
    posts_per_day: Limit::unclear(
        15,
        Code::TiktokScheduleOverDailyLimit,
        "§2.5 TT-CSG",
        "TikTok says about 15, and the cap varies by creator",
    ),
    caption: Limit::official(2_200, Code::TiktokCaptionTooLong, "§2.3 TT-DP"),
    title: Limit::official(90, Code::TiktokTitleTooLong, "§2.3 TT-PHOTO"),
    description: Limit::official(4_000, Code::TiktokDescriptionTooLong, "§2.3 TT-PHOTO"),
    photos: Limit::official((1, 35), Code::TiktokPhotoCount, "§2.4 TT-PHOTO, §9.8"),
    default_max_video_ms: Limit::official(180_000, Code::TiktokVideoTooLong, "§2.2 TT-CSG"),
    api_max_video_ms: Limit::official(600_000, Code::TiktokVideoTooLong, "§2.4 TT-MTG"),
    video: VideoLimits {
        what: "TikTok videos",
        // MP4, MOV and WebM (§2.4): every video format postcal reads.
        formats: None,
        codecs: Some(Limit::official(
            &[H264, Hevc, Vp8, Vp9],
            Code::TiktokVideoCodec,
            "§2.4 TT-MTG",
        )),
        min_ms: Some(Limit::unverified(
            3_000,
            Code::TiktokVideoTooShort,
            "third-party clients' guidelines such as https://www.ayrshare.com/docs/media-guidelines/tiktok; TikTok's Content Posting API documentation gives no minimum",
        )),
        // Per account: see `max_video_ms`.
        max_ms: None,
        max_bytes: Some(Limit::official(
            4 * GIB,
            Code::TiktokVideoTooLarge,
            "§2.4 TT-MTG",
        )),
        fps: Some(Limit::official(
            (23.0, 60.0),
            Code::TiktokVideoFrameRate,
            "§2.4 TT-MTG",
        )),
        max_width: None,
        sides: Some(Limit::official(
            (360, 4096),
            Code::TiktokVideoDimensions,
            "§2.4 TT-MTG",
        )),
        aspect: None,
        fast_start: None,
        no_edit_list: None,
        audio: None,
    },
    photo: ImageLimits {
        what: "TikTok photos",
        formats: Limit::official(&[Jpeg, Webp], Code::TiktokPhotoFormat, "§2.4 TT-MTG, §9.8"),
        converted: Some(Limit::official(
            &[Png],
            Code::TiktokPhotoConverted,
            "§2.4 TT-MTG",
        )),
        max_bytes: Some(Limit::official(
            20 * MIB,
            Code::TiktokPhotoTooLarge,
            "§2.4 TT-MTG",
        )),
        aspect: None,
        max_pixels: Some(Limit::unclear(
            (1920, 1080),
            Code::TiktokPhotoResolution,
            "§2.4 TT-MTG",
            "TikTok says \"1080p\" without saying how it applies to photos of other shapes; a larger photo may fail with picture_size_check_failed",
        )),
    },
};
