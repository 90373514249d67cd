//! Every Instagram number postcal checks: one table ([`LIMITS`]), each row with its
//! docs/platform-rules.md section and source key.

use crate::diag::Code;
use crate::media::MediaFormat::{self, Jpeg, Mov, Mp4, Png, Webp};
use crate::media::VideoCodec::{H264, Hevc};
use crate::rules::limits::{Aspect, ImageLimits, Limit, MIB, VideoLimits};

/// Every Instagram number postcal checks, with its source.
pub struct Limits {
    pub caption: Limit<usize>,
    pub hashtags: Limit<usize>,
    pub mentions: Limit<usize>,
    pub alt_text: Limit<usize>,
    pub collaborators: Limit<usize>,
    /// Fewest and most media in a carousel.
    pub carousel: Limit<(usize, usize)>,
    /// Feed and carousel images.
    pub feed_image: ImageLimits,
    pub story_image: ImageLimits,
    pub reel: VideoLimits,
    pub story_video: VideoLimits,
    pub carousel_video: VideoLimits,
    /// The reel `cover` image.
    pub cover: ImageLimits,
    /// Posts published per account in a rolling 24 hours, most permissive first: the guide's
    /// 100 (an error), then the reference's 50 (a warning).
    pub posts_per_day: [Limit<usize>; 2],
}

const IMAGE_FORMATS: Limit<&[MediaFormat]> =
    Limit::official(&[Jpeg], Code::InstagramImageFormat, "§1.3 IG-MEDIA");
const IMAGE_CONVERTED: Option<Limit<&[MediaFormat]>> = Some(Limit::official(
    &[Png, Webp],
    Code::InstagramImageConverted,
    "§1.3 IG-MEDIA, §9.3",
));
const IMAGE_BYTES: Option<Limit<u64>> = Some(Limit::official(
    8 * MIB,
    Code::InstagramImageTooLarge,
    "§1.3 IG-MEDIA, IG-ERR 2207004",
));
/// Rules every Instagram video spec shares (reels, stories, the older carousel `VIDEO`).
const VIDEO: VideoLimits = VideoLimits {
    what: "Instagram videos",
    formats: Some(Limit::official(
        &[Mp4, Mov],
        Code::InstagramVideoFormat,
        "§1.3 IG-MEDIA",
    )),
    codecs: Some(Limit::official(
        &[H264, Hevc],
        Code::InstagramVideoCodec,
        "§1.3 IG-MEDIA",
    )),
    min_ms: Some(Limit::official(
        3_000,
        Code::InstagramVideoDuration,
        "§1.3 IG-MEDIA",
    )),
    max_ms: Some(Limit::official(
        15 * 60_000,
        Code::InstagramVideoDuration,
        "§1.3 IG-MEDIA",
    )),
    max_bytes: Some(Limit::official(
        300 * MIB,
        Code::InstagramVideoTooLarge,
        "§1.3 IG-MEDIA",
    )),
    fps: Some(Limit::official(
        (23.0, 60.0),
        Code::InstagramVideoFrameRate,
        "§1.3 IG-MEDIA",
    )),
    max_width: Some(Limit::official(
        1920,
        Code::InstagramVideoDimensions,
        "§1.3 IG-MEDIA",
    )),
    sides: None,
    aspect: Some(Limit::official(
        Aspect {
            min: (0.01, 1.0),
            max: (10.0, 1.0),
        },
        Code::InstagramVideoDimensions,
        "§1.3 IG-MEDIA",
    )),
    fast_start: Some(Limit::official(
        (),
        Code::InstagramVideoNotFastStart,
        "§1.3 IG-MEDIA",
    )),
    no_edit_list: Some(Limit::official(
        (),
        Code::InstagramVideoEditList,
        "§1.3 IG-MEDIA",
    )),
    audio: Some(Limit::official(
        (48_000, 2),
        Code::InstagramVideoAudio,
        "§1.3 IG-MEDIA",
    )),
};
const CAROUSEL_VIDEO_SOURCE: &str = "Meta's 2022 video spec in https://github.com/fbsamples/reels_publishing_apis (insta_reels_publishing_api_sample/README.md)";

pub const LIMITS: Limits = Limits {
    posts_per_day: [
        Limit::official(100, Code::InstagramScheduleOverDailyLimit, "§1.4 IG-PUB"),
        Limit::unclear(
            50,
            Code::InstagramScheduleOverDailyLimit,
            "§1.4 IG-CPL, §9.1",
            "the content_publishing_limit reference says 50 where the publishing guide says 100; \
             the account's live quota decides",
        ),
    ],
    caption: Limit::official(2_200, Code::InstagramCaptionTooLong, "§1.2 IG-MEDIA"),
    hashtags: Limit::official(30, Code::InstagramTooManyHashtags, "§1.2 IG-MEDIA, §9.2"),
    mentions: Limit::official(20, Code::InstagramTooManyMentions, "§1.2 IG-MEDIA, §9.2"),
    alt_text: Limit::official(1_000, Code::InstagramAltTooLong, "§1.2 IG-MEDIA"),
    collaborators: Limit::official(3, Code::InstagramTooManyCollaborators, "§1.2 IG-MEDIA"),
    carousel: Limit::official(
        (2, 10),
        Code::InstagramCarouselCount,
        "§1.2 IG-MEDIA, IG-ERR 2207028",
    ),
    feed_image: ImageLimits {
        what: "Instagram feed and carousel images",
        formats: IMAGE_FORMATS,
        converted: IMAGE_CONVERTED,
        max_bytes: IMAGE_BYTES,
        aspect: Some(Limit::official(
            Aspect {
                min: (4.0, 5.0),
                max: (1.91, 1.0),
            },
            Code::InstagramImageAspect,
            "§1.3 IG-MEDIA, IG-ERR 2207009",
        )),
        max_pixels: None,
    },
    // 9:16 is recommended, not required: no aspect limit.
    story_image: ImageLimits {
        what: "Instagram story images",
        formats: IMAGE_FORMATS,
        converted: IMAGE_CONVERTED,
        max_bytes: IMAGE_BYTES,
        aspect: None,
        max_pixels: None,
    },
    reel: VideoLimits {
        what: "Instagram reels",
        ..VIDEO
    },
    story_video: VideoLimits {
        what: "Instagram story videos",
        max_ms: Some(Limit::official(
            60_000,
            Code::InstagramVideoDuration,
            "§1.3 IG-MEDIA",
        )),
        max_bytes: Some(Limit::official(
            100 * MIB,
            Code::InstagramVideoTooLarge,
            "§1.3 IG-MEDIA",
        )),
        aspect: Some(Limit::official(
            Aspect {
                min: (0.1, 1.0),
                max: (10.0, 1.0),
            },
            Code::InstagramVideoDimensions,
            "§1.3 IG-MEDIA",
        )),
        ..VIDEO
    },
    carousel_video: VideoLimits {
        what: "Instagram carousel videos",
        min_ms: Some(Limit::unverified(
            3_000,
            Code::InstagramCarouselVideoSpec,
            CAROUSEL_VIDEO_SOURCE,
        )),
        max_ms: Some(Limit::unverified(
            60_000,
            Code::InstagramCarouselVideoSpec,
            CAROUSEL_VIDEO_SOURCE,
        )),
        max_bytes: Some(Limit::unverified(
            100 * MIB,
            Code::InstagramCarouselVideoSpec,
            CAROUSEL_VIDEO_SOURCE,
        )),
        aspect: Some(Limit::unverified(
            Aspect {
                min: (4.0, 5.0),
                max: (16.0, 9.0),
            },
            Code::InstagramCarouselVideoSpec,
            CAROUSEL_VIDEO_SOURCE,
        )),
        ..VIDEO
    },
    cover: ImageLimits {
        what: "Instagram reel covers",
        formats: Limit::official(
            &[Jpeg],
            Code::InstagramCoverFormat,
            "§1.2 IG-MEDIA cover_url",
        ),
        converted: None,
        max_bytes: Some(Limit::official(
            8 * MIB,
            Code::InstagramCoverTooLarge,
            "§1.2 IG-MEDIA cover_url",
        )),
        aspect: None,
        max_pixels: None,
    },
};
