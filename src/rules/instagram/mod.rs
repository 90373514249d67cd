//! Instagram rules (docs/platform-rules.md §1): what kind of post a target makes, and what that
//! kind accepts.
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
//! codec and frame-rate rules match every current Instagram video spec, so those stay errors;
//! fast start and edit lists are warnings everywhere, since postcal remuxes the file.
//!
//! The numbers are in [`limits::LIMITS`]; options that only some kinds take are checked in
//! [`options`].

mod limits;
mod options;

pub use limits::{LIMITS, Limits};

use super::limits::{check_image, check_video, n};
use super::text::{hashtags, mentions, utf16_units};
use super::{MediaItem, TargetCtx};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::manifest::{InstagramKind, InstagramOptions};

pub fn check(cx: &TargetCtx, options: &InstagramOptions, diags: &mut Diagnostics) {
    let kind = kind(cx, options);
    check_caption(cx, kind, diags);
    options::check_collaborators(cx, options, diags);
    options::check_location(options, diags);
    if cx.media.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::InstagramNoMedia,
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
    options::check_for_kind(cx, options, kind, diags);
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
                    Code::InstagramStoryCaptionIgnored,
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
                Code::InstagramMediaCount,
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
                Code::InstagramMediaKind,
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
                Code::InstagramMediaKind,
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
                Code::InstagramAltIgnored,
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
