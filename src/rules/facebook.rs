//! Facebook Page rules (docs/platform-rules.md §3): a target is a text post, a link post (`link`,
//! no media), a photo post (one or several images) or a video post (one video).
//!
//! Facebook documents few of these numbers, so most come from clients (§9.13):
//! - **Text**: Postiz caps at 63,206 characters, Mixpost at 5,000; Meta gives no figure. A limit
//!   surely exists and nothing suggests Facebook takes more than 63,206 (the long-known length
//!   of a Facebook post), so that is the error. Mixpost's 5,000 is its own product choice and is
//!   not checked.
//! - **Photo size**: 4 MB (Facebook's error text seen in clients, unverified) vs 10 MB
//!   (Ayrshare). Above 10 MiB is an error, above 4 MiB a warning.
//! - **Photos per post**: undocumented; Mixpost caps at 10: a warning above it.
//! - **Formats**: JPEG, PNG, GIF, TIFF, HEIF and WebP (client code): every image format postcal
//!   reads, so there is no format rule. Videos go to `/videos`, whose limits docs/platform-rules.md
//!   does not give: postcal checks only that a post has one video and no photos with it.

use super::limits::{Limit, MIB, n, plural, size};
use super::text::chars;
use super::{TargetCtx, check_link_url};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::manifest::FacebookOptions;

/// Every Facebook number postcal checks, with its source.
pub struct Limits {
    pub text: Limit<usize>,
    pub photos: Limit<usize>,
    /// Above this a photo is refused.
    pub photo_bytes: Limit<u64>,
    /// Above this a photo may be refused.
    pub photo_bytes_strict: Limit<u64>,
}

pub const LIMITS: Limits = Limits {
    text: Limit::official(63_206, Code::FacebookTextTooLong, "§3 POSTIZ, §9.13"),
    photos: Limit::unverified(
        10,
        Code::FacebookTooManyPhotos,
        "Mixpost's cap (https://github.com/inovector/mixpost)",
    ),
    photo_bytes: Limit::official(10 * MIB, Code::FacebookPhotoTooLarge, "§3 Ayrshare, §9.13"),
    photo_bytes_strict: Limit::unverified(
        4 * MIB,
        Code::FacebookPhotoTooLarge,
        "Facebook's error text as seen in client code; Meta documents 10 MB (https://developers.facebook.com/docs/graph-api/reference/page/photos/)",
    ),
};

pub fn check(cx: &TargetCtx, options: &FacebookOptions, diags: &mut Diagnostics) {
    let has_text = !cx.text_str().trim().is_empty();
    if !has_text && options.link.is_none() && cx.media.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::FacebookEmptyPost,
                format!(
                    "{} has no text, link or media; a Facebook post needs at least one",
                    cx.key()
                ),
            )
            .at(cx.target_span(), "nothing to post")
            .help(format!(
                "add `text:` to the post, or give {} `text`, `link` or `media`",
                cx.key()
            )),
        );
    }
    check_text(cx, diags);
    if let Some(link) = &options.link {
        check_link_url(Code::FacebookInvalidLink, link, diags);
        if !cx.media.is_empty() {
            diags.push(
                Diagnostic::error(
                    Code::FacebookLinkWithMedia,
                    "a Facebook link post takes no media, and this target has media",
                )
                .at(link.span, "link post")
                .related(cx.media_span(), "the media")
                .help(format!(
                    "put the link in the text of a photo post, or give {} `media: []` to share the link alone",
                    cx.key()
                )),
            );
        }
    }
    check_media(cx, diags);
}

fn check_text(cx: &TargetCtx, diags: &mut Diagnostics) {
    let limit = &LIMITS.text;
    let found = chars(cx.text_str());
    if found > limit.value {
        diags.push(limit.report(
            format!(
                "text has {} characters; Facebook allows {}",
                n(found),
                n(limit.value)
            ),
            cx.text_span(),
            format!("{} characters", n(found)),
            cx.shorten_help(),
        ));
    }
}

fn check_media(cx: &TargetCtx, diags: &mut Diagnostics) {
    let (videos, photos) = (cx.videos(), cx.images());
    if videos > 0 && photos > 0 {
        diags.push(
            Diagnostic::error(
                Code::FacebookMixedMedia,
                format!(
                    "{} mixes {} and {}; postcal publishes a Facebook post as photos or as one \
                     video",
                    cx.key(),
                    plural(videos, "video"),
                    plural(photos, "photo")
                ),
            )
            .at(cx.media_span(), "videos and photos together")
            .help(format!(
                "give {} its own `media` with only the photos or only the video",
                cx.key()
            )),
        );
    } else if videos > 1 {
        diags.push(
            Diagnostic::error(
                Code::FacebookVideoCount,
                format!(
                    "{} has {videos} videos; a Facebook video post takes one",
                    cx.key()
                ),
            )
            .at(cx.media_span(), format!("{videos} videos"))
            .help("post each video on its own"),
        );
    }
    let limit = &LIMITS.photos;
    if photos > limit.value {
        diags.push(limit.report(
            format!(
                "{} has {photos} photos; Facebook posts are known to take up to {}",
                cx.key(),
                limit.value
            ),
            cx.media_span(),
            format!("{photos} photos"),
            "remove some, or split them into two posts",
        ));
    }
    for (item, info) in cx.probed() {
        if info.is_video() {
            continue;
        }
        let l = &LIMITS;
        let limit = if info.size_bytes > l.photo_bytes.value {
            &l.photo_bytes
        } else if info.size_bytes > l.photo_bytes_strict.value {
            &l.photo_bytes_strict
        } else {
            continue;
        };
        let file = &item.reference.file;
        diags.push(limit.report(
            format!(
                "`{}` is {}; Facebook photos may be at most {}",
                file.value,
                size(info.size_bytes),
                super::limits::round_size(limit.value)
            ),
            file.span,
            "too large",
            "export it at a lower JPEG quality or a smaller size",
        ));
    }
}
