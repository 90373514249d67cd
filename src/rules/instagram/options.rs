//! Instagram options: collaborators, location, and the options only some kinds take (`cover`,
//! `thumb_offset` and `share_to_feed` for reels; no `collaborators` or `location` on stories).

use super::{LIMITS, describe};
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::manifest::{InstagramKind, InstagramOptions, MediaRef};
use crate::rules::limits::{check_image, n};
use crate::rules::{MediaItem, TargetCtx};

pub(super) fn check_collaborators(
    cx: &TargetCtx,
    options: &InstagramOptions,
    diags: &mut Diagnostics,
) {
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
                    Code::InstagramInvalidUsername,
                    format!("`{}` is not an Instagram username", name.value),
                )
                .at(name.span, "not a username")
                .help(help),
            );
        }
    }
}

pub(super) fn check_location(options: &InstagramOptions, diags: &mut Diagnostics) {
    let Some(location) = &options.location else {
        return;
    };
    let v = location.value.trim();
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()) {
        diags.push(
            Diagnostic::error(
                Code::InstagramInvalidLocation,
                format!("location `{}` is not a Facebook Page ID", location.value),
            )
            .at(location.span, "not a Page ID")
            .help("Instagram takes a location as the numeric ID of a Facebook Page that has an address, e.g. `location: \"110774245616525\"`"),
        );
    }
}

/// Options that only some kinds take, and the reel cover.
pub(super) fn check_for_kind(
    cx: &TargetCtx,
    options: &InstagramOptions,
    kind: InstagramKind,
    diags: &mut Diagnostics,
) {
    let not_for = |option: &str, span: Span, only: &str| {
        let d = Diagnostic::error(
            Code::InstagramOptionNotForKind,
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
                Code::InstagramShareToFeedIgnored,
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
                Code::InstagramThumbOffsetIgnored,
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
                Code::InstagramThumbOffsetOutOfRange,
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
