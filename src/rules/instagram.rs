//! Instagram rules (platform-rules §1): what kind of post a target makes, and what that kind
//! accepts.
//!
//! **Kind**: `kind:` when given; otherwise one image is a feed post, one video a reel (single
//! feed videos are published as reels since 2023-11-09, §1.2) and several media a carousel.
//! Stories are never inferred. Carousel videos are sent as `VIDEO` children (REELS is not allowed
//! inside a carousel, §1.2), so they are held to the carousel-video spec, not the reel spec.
//!
//! **Counting unit**: IG-MEDIA says "2,200 characters" without saying which unit (§1.2, §9.18).
//! postcal counts UTF-16 units, the larger of the two plausible units (most emoji count 2): a
//! caption that passes here passes whichever unit Instagram uses, at the cost of refusing a
//! caption right at the limit that is full of emoji.
//!
//! **Unverified numbers**: carousel videos have no current spec; the 2022 `VIDEO` spec's size,
//! duration and aspect limits are warnings (`instagram::carousel-video-spec`). Its format,
//! codec, frame-rate and fast-start rules match every current Instagram video spec, so those
//! stay errors.

use super::limits::{Aspect, ImageLimits, Limit, MIB, VideoLimits, check_image, check_video, n};
use super::text::{hashtags, mentions, utf16_units};
use super::{MediaItem, TargetCtx};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::manifest::{InstagramKind, InstagramOptions, MediaRef};
use crate::media::MediaFormat::{Jpeg, Mov, Mp4, Png, Webp};
use crate::media::VideoCodec::{H264, Hevc};

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
}

const IMAGE_FORMATS: Limit<&[crate::media::MediaFormat]> =
    Limit::official(&[Jpeg], "instagram::image-format", "§1.3 IG-MEDIA");
const IMAGE_CONVERTED: Option<Limit<&[crate::media::MediaFormat]>> = Some(Limit::official(
    &[Png, Webp],
    "instagram::image-converted",
    "§1.3 IG-MEDIA, §9.3",
));
const IMAGE_BYTES: Option<Limit<u64>> = Some(Limit::official(
    8 * MIB,
    "instagram::image-too-large",
    "§1.3 IG-MEDIA, IG-ERR 2207004",
));
/// Rules every Instagram video spec shares (reels, stories, the older carousel `VIDEO`).
const VIDEO: VideoLimits = VideoLimits {
    what: "Instagram videos",
    formats: Some(Limit::official(
        &[Mp4, Mov],
        "instagram::video-format",
        "§1.3 IG-MEDIA",
    )),
    codecs: Some(Limit::official(
        &[H264, Hevc],
        "instagram::video-codec",
        "§1.3 IG-MEDIA",
    )),
    min_ms: Some(Limit::official(
        3_000,
        "instagram::video-duration",
        "§1.3 IG-MEDIA",
    )),
    max_ms: Some(Limit::official(
        15 * 60_000,
        "instagram::video-duration",
        "§1.3 IG-MEDIA",
    )),
    max_bytes: Some(Limit::official(
        300 * MIB,
        "instagram::video-too-large",
        "§1.3 IG-MEDIA",
    )),
    fps: Some(Limit::official(
        (23.0, 60.0),
        "instagram::video-frame-rate",
        "§1.3 IG-MEDIA",
    )),
    max_width: Some(Limit::official(
        1920,
        "instagram::video-dimensions",
        "§1.3 IG-MEDIA",
    )),
    sides: None,
    aspect: Some(Limit::official(
        Aspect {
            min: (0.01, 1.0),
            max: (10.0, 1.0),
        },
        "instagram::video-dimensions",
        "§1.3 IG-MEDIA",
    )),
    fast_start: Some(Limit::official(
        (),
        "instagram::video-not-fast-start",
        "§1.3 IG-MEDIA",
    )),
    no_edit_list: Some(Limit::official(
        (),
        "instagram::video-edit-list",
        "§1.3 IG-MEDIA",
    )),
    audio: Some(Limit::official(
        (48_000, 2),
        "instagram::video-audio",
        "§1.3 IG-MEDIA",
    )),
};
const CAROUSEL_VIDEO_SOURCE: &str =
    "Meta's 2022 VIDEO spec in the fbsamples/reels_publishing_apis README (platform-rules §1.3)";

pub const LIMITS: Limits = Limits {
    caption: Limit::official(2_200, "instagram::caption-too-long", "§1.2 IG-MEDIA"),
    hashtags: Limit::official(30, "instagram::too-many-hashtags", "§1.2 IG-MEDIA, §9.2"),
    mentions: Limit::official(20, "instagram::too-many-mentions", "§1.2 IG-MEDIA, §9.2"),
    alt_text: Limit::official(1_000, "instagram::alt-too-long", "§1.2 IG-MEDIA"),
    collaborators: Limit::official(3, "instagram::too-many-collaborators", "§1.2 IG-MEDIA"),
    carousel: Limit::official(
        (2, 10),
        "instagram::carousel-count",
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
            "instagram::image-aspect",
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
            "instagram::video-duration",
            "§1.3 IG-MEDIA",
        )),
        max_bytes: Some(Limit::official(
            100 * MIB,
            "instagram::video-too-large",
            "§1.3 IG-MEDIA",
        )),
        aspect: Some(Limit::official(
            Aspect {
                min: (0.1, 1.0),
                max: (10.0, 1.0),
            },
            "instagram::video-dimensions",
            "§1.3 IG-MEDIA",
        )),
        ..VIDEO
    },
    carousel_video: VideoLimits {
        what: "Instagram carousel videos",
        min_ms: Some(Limit::unverified(
            3_000,
            "instagram::carousel-video-spec",
            CAROUSEL_VIDEO_SOURCE,
        )),
        max_ms: Some(Limit::unverified(
            60_000,
            "instagram::carousel-video-spec",
            CAROUSEL_VIDEO_SOURCE,
        )),
        max_bytes: Some(Limit::unverified(
            100 * MIB,
            "instagram::carousel-video-spec",
            CAROUSEL_VIDEO_SOURCE,
        )),
        aspect: Some(Limit::unverified(
            Aspect {
                min: (4.0, 5.0),
                max: (16.0, 9.0),
            },
            "instagram::carousel-video-spec",
            CAROUSEL_VIDEO_SOURCE,
        )),
        ..VIDEO
    },
    cover: ImageLimits {
        what: "Instagram reel covers",
        formats: Limit::official(
            &[Jpeg],
            "instagram::cover-format",
            "§1.2 IG-MEDIA cover_url",
        ),
        converted: None,
        max_bytes: Some(Limit::official(
            8 * MIB,
            "instagram::cover-too-large",
            "§1.2 IG-MEDIA cover_url",
        )),
        aspect: None,
        max_pixels: None,
    },
};

pub fn check(cx: &TargetCtx, options: &InstagramOptions, diags: &mut Diagnostics) {
    let kind = kind(cx, options);
    check_caption(cx, kind, diags);
    check_collaborators(cx, options, diags);
    check_location(options, diags);
    if cx.media.is_empty() {
        diags.push(
            Diagnostic::error(
                "instagram::no-media",
                format!(
                    "{} has no media; every Instagram post needs an image or a video",
                    cx.key()
                ),
            )
            .at(cx.media_span(), "no image or video")
            .help(format!(
                "add `media:` to the post, or give {} its own `media`",
                cx.key()
            )),
        );
    }
    let Some(kind) = kind else { return };
    check_count(cx, options, kind, diags);
    for item in &cx.media {
        check_item(kind, item, diags);
        check_alt(kind, item, diags);
    }
    check_reel_options(cx, options, kind, diags);
}

/// The kind the target makes: as written, or inferred from its media (`None` when there is no
/// media, or a single file could not be probed).
pub fn kind(cx: &TargetCtx, options: &InstagramOptions) -> Option<InstagramKind> {
    if let Some(kind) = &options.kind {
        return Some(kind.value);
    }
    match cx.media.as_slice() {
        [] => None,
        [one] => one.info.map(|info| {
            if info.is_video() {
                InstagramKind::Reel
            } else {
                InstagramKind::Feed
            }
        }),
        _ => Some(InstagramKind::Carousel),
    }
}

/// What one post of a single-media kind takes, for messages.
fn takes(kind: InstagramKind) -> &'static str {
    match kind {
        InstagramKind::Feed => "one image",
        InstagramKind::Reel => "one video",
        InstagramKind::Story | InstagramKind::Carousel => "one image or video",
    }
}

/// "a reel", for messages.
fn describe(kind: InstagramKind) -> &'static str {
    match kind {
        InstagramKind::Feed => "a feed post",
        InstagramKind::Reel => "a reel",
        InstagramKind::Story => "a story",
        InstagramKind::Carousel => "a carousel",
    }
}

fn check_caption(cx: &TargetCtx, kind: Option<InstagramKind>, diags: &mut Diagnostics) {
    let Some(text) = cx.text else { return };
    if kind == Some(InstagramKind::Story) {
        if !text.value.trim().is_empty() {
            diags.push(
                Diagnostic::warning(
                    "instagram::story-caption-ignored",
                    "Instagram stories have no caption: this text is not published on the story",
                )
                .at(text.span, "not shown on a story")
                .help(format!(
                    "to say so, give {} an empty `text: \"\"`; or make it a feed post or reel",
                    cx.key()
                )),
            );
        }
        return;
    }
    let l = &LIMITS;
    let units = utf16_units(&text.value);
    if units > l.caption.value {
        diags.push(l.caption.report(
            format!(
                "caption has {} characters (most emoji count 2); Instagram allows {}",
                n(units),
                n(l.caption.value)
            ),
            text.span,
            format!("{} characters", n(units)),
            cx.shorten_help(),
        ));
    }
    for (limit, found, what) in [
        (&l.hashtags, hashtags(&text.value).len(), "hashtags"),
        (&l.mentions, mentions(&text.value).len(), "@-mentions"),
    ] {
        if found > limit.value {
            diags.push(limit.report(
                format!(
                    "caption has {found} {what}; Instagram allows {}",
                    limit.value
                ),
                text.span,
                format!("{found} {what}"),
                format!("remove some {what}, or give {} its own `text`", cx.key()),
            ));
        }
    }
}

fn check_count(
    cx: &TargetCtx,
    options: &InstagramOptions,
    kind: InstagramKind,
    diags: &mut Diagnostics,
) {
    let count = cx.media.len();
    if count == 0 {
        return;
    }
    let with_kind = |d: Diagnostic| match &options.kind {
        Some(k) => d.related(k.span, "kind set here"),
        None => d,
    };
    if kind == InstagramKind::Carousel {
        let limit = &LIMITS.carousel;
        let (min, max) = limit.value;
        if count < min || count > max {
            let help = if count > max {
                "remove some, or split them into two posts".to_owned()
            } else {
                "add another image or video, or remove `kind: carousel` to post it on its own"
                    .to_owned()
            };
            diags.push(with_kind(limit.report(
                format!("the carousel has {count} media; Instagram carousels take {min} to {max}"),
                cx.media_span(),
                format!("{count} media"),
                help,
            )));
        }
    } else if count != 1 {
        let help = if kind == InstagramKind::Story {
            format!(
                "a story is one image or video: post each as its own story, or give {} its own `media`",
                cx.key()
            )
        } else {
            "use `kind: carousel` (or remove `kind`) to post them together".to_owned()
        };
        diags.push(with_kind(
            Diagnostic::error(
                "instagram::media-count",
                format!(
                    "{} takes exactly {}; {} has {count} media",
                    describe(kind),
                    takes(kind),
                    cx.key()
                ),
            )
            .at(cx.media_span(), format!("{count} media"))
            .help(help),
        ));
    }
}

fn check_item(kind: InstagramKind, item: &MediaItem, diags: &mut Diagnostics) {
    let Some(info) = item.info else { return };
    let file = &item.reference.file;
    let l = &LIMITS;
    match (kind, info.is_video()) {
        (InstagramKind::Feed | InstagramKind::Carousel, false) => check_image(&l.feed_image, item, diags),
        (InstagramKind::Story, false) => check_image(&l.story_image, item, diags),
        (InstagramKind::Reel, true) => check_video(&l.reel, item, diags),
        (InstagramKind::Story, true) => check_video(&l.story_video, item, diags),
        (InstagramKind::Carousel, true) => check_video(&l.carousel_video, item, diags),
        (InstagramKind::Feed, true) => diags.push(
            Diagnostic::error(
                "instagram::media-kind",
                format!(
                    "`{}` is a video; an Instagram feed post is one image (single videos are published as reels since 2023-11-09)",
                    file.value
                ),
            )
            .at(file.span, "a video")
            .help("use `kind: reel`, or remove `kind` and postcal makes one video a reel"),
        ),
        (InstagramKind::Reel, false) => diags.push(
            Diagnostic::error(
                "instagram::media-kind",
                format!("`{}` is an image; an Instagram reel is one video", file.value),
            )
            .at(file.span, "an image")
            .help("use `kind: feed` (or remove `kind`) to post an image"),
        ),
    }
}

fn check_alt(kind: InstagramKind, item: &MediaItem, diags: &mut Diagnostics) {
    let Some(alt) = &item.reference.alt else {
        return;
    };
    let video = item.info.is_some_and(|i| i.is_video());
    if video || matches!(kind, InstagramKind::Story | InstagramKind::Reel) {
        let on = if video { "videos" } else { "stories" };
        diags.push(
            Diagnostic::warning(
                "instagram::alt-ignored",
                format!("Instagram takes alt text for feed and carousel images only, not for {on}: this `alt` is not sent"),
            )
            .at(alt.span, "ignored by Instagram")
            .help("keep it if another platform of the post uses it; otherwise remove it"),
        );
        return;
    }
    let limit = &LIMITS.alt_text;
    let units = utf16_units(&alt.value);
    if units > limit.value {
        diags.push(limit.report(
            format!(
                "alt text has {} characters; Instagram allows {}",
                n(units),
                n(limit.value)
            ),
            alt.span,
            format!("{} characters", n(units)),
            "shorten it: describe what matters in the image",
        ));
    }
}

fn check_collaborators(cx: &TargetCtx, options: &InstagramOptions, diags: &mut Diagnostics) {
    let Some(list) = &options.collaborators else {
        return;
    };
    let limit = &LIMITS.collaborators;
    // The parser's span of a sequence may be its first character: cover every name.
    let span = match (list.value.first(), list.value.last()) {
        (Some(first), Some(last)) => Span::new(
            first.span.source,
            first.span.start,
            last.span.end() - first.span.start,
        ),
        _ => list.span,
    };
    if list.value.len() > limit.value {
        diags.push(limit.report(
            format!(
                "{} has {} collaborators; Instagram allows {}",
                cx.key(),
                list.value.len(),
                limit.value
            ),
            span,
            format!("{} collaborators", list.value.len()),
            format!("invite at most {}", limit.value),
        ));
    }
    for name in &list.value {
        let bare = name.value.trim_start_matches('@');
        let valid = !bare.is_empty()
            && bare.len() <= 30
            && bare
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
        if !valid || bare.len() != name.value.len() {
            let help = if valid {
                format!("write the username without `@`: `{bare}`")
            } else {
                "Instagram usernames have at most 30 letters, digits, `.` and `_`".to_owned()
            };
            diags.push(
                Diagnostic::error(
                    "instagram::invalid-username",
                    format!("`{}` is not an Instagram username", name.value),
                )
                .at(name.span, "not a username")
                .help(help),
            );
        }
    }
}

fn check_location(options: &InstagramOptions, diags: &mut Diagnostics) {
    let Some(location) = &options.location else {
        return;
    };
    let v = location.value.trim();
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()) {
        diags.push(
            Diagnostic::error(
                "instagram::invalid-location",
                format!("location `{}` is not a Facebook Page ID", location.value),
            )
            .at(location.span, "not a Page ID")
            .help("Instagram takes a location as the numeric ID of a Facebook Page that has an address, e.g. `location: \"110774245616525\"`"),
        );
    }
}

/// Options that only some kinds take, and the reel cover.
fn check_reel_options(
    cx: &TargetCtx,
    options: &InstagramOptions,
    kind: InstagramKind,
    diags: &mut Diagnostics,
) {
    let not_for = |option: &str, span: Span, only: &str| {
        let d = Diagnostic::error(
            "instagram::option-not-for-kind",
            format!(
                "`{option}` is only for {only}; {} makes {}",
                cx.key(),
                describe(kind)
            ),
        )
        .at(span, format!("not for {}", describe(kind)))
        .help(format!("remove `{option}` from {}", cx.key()));
        match &options.kind {
            Some(k) => d.related(k.span, "kind set here"),
            None => d,
        }
    };
    let reel = kind == InstagramKind::Reel;
    if kind == InstagramKind::Story {
        if let Some(c) = &options.collaborators {
            diags.push(not_for(
                "collaborators",
                c.span,
                "feed posts, reels and carousels",
            ));
        }
        if let Some(l) = &options.location {
            diags.push(not_for(
                "location",
                l.span,
                "feed posts, reels and carousels",
            ));
        }
    }
    if let Some(share) = &options.share_to_feed
        && !reel
    {
        diags.push(
            Diagnostic::warning(
                "instagram::share-to-feed-ignored",
                format!(
                    "`share_to_feed` only applies to reels; Instagram ignores it on {}",
                    describe(kind)
                ),
            )
            .at(share.span, "ignored")
            .help("remove `share_to_feed`"),
        );
    }
    if let Some(cover) = &options.cover {
        if reel {
            check_cover(cx, cover, diags);
        } else {
            diags.push(not_for("cover", cover.span, "reels"));
        }
    }
    let Some(offset) = &options.thumb_offset else {
        return;
    };
    if !reel {
        diags.push(not_for("thumb_offset", offset.span, "reels"));
    } else if let Some(cover) = &options.cover {
        diags.push(
            Diagnostic::warning(
                "instagram::thumb-offset-ignored",
                "`thumb_offset` is ignored when the reel has a `cover`",
            )
            .at(offset.span, "ignored")
            .related(cover.span, "the cover wins")
            .help("remove `thumb_offset`, or remove `cover` to pick a frame instead"),
        );
    } else if let [item] = cx.media.as_slice()
        && let Some(video) = item.info.and_then(|i| i.video())
        && offset.value >= video.duration_ms
    {
        diags.push(
            Diagnostic::error(
                "instagram::thumb-offset-out-of-range",
                format!(
                    "`thumb_offset` is {} ms but `{}` is only {} ms long",
                    n(offset.value as usize),
                    item.reference.file.value,
                    n(video.duration_ms as usize)
                ),
            )
            .at(offset.span, "after the end of the video")
            .related(item.reference.file.span, "the reel")
            .help(format!(
                "pick a frame between 0 and {} ms (IG error 2207057)",
                n(video.duration_ms.saturating_sub(1) as usize)
            )),
        );
    }
}

fn check_cover(cx: &TargetCtx, cover: &crate::yaml::Sp<String>, diags: &mut Diagnostics) {
    let Some(info) = cx.catalog.get_path(&cover.value) else {
        return;
    };
    let limits = &LIMITS.cover;
    if info.is_video() {
        diags.push(limits.formats.report(
            format!(
                "`{}` is a video; a reel cover must be a JPEG image",
                cover.value
            ),
            cover.span,
            "a video",
            "export a frame as JPEG and use it as `cover`, or use `thumb_offset` to pick a frame",
        ));
        return;
    }
    let reference = MediaRef {
        file: cover.clone(),
        alt: None,
        span: cover.span,
    };
    check_image(
        limits,
        &MediaItem {
            reference: &reference,
            info: Some(info),
        },
        diags,
    );
}
