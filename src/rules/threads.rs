//! Threads rules (docs/platform-rules.md §4): a target is a text post (no media, optionally a
//! `link_attachment`), a single image or video, or a carousel of 2 to 20 (mixing allowed).
//!
//! **Counting unit**: characters, with emoji counted as their UTF-8 byte length
//! ([`threads_length`]). **Links**: at most 5 distinct links per post, counting the URLs in the
//! text and the `link_attachment` together (TH-POSTS; refused at container creation since
//! 2025-12-22).

use super::limits::{
    Aspect, GIB, ImageLimits, Limit, MIB, VideoLimits, check_image, check_video, n,
};
use super::text::{links, threads_length, unique_links};
use super::{TargetCtx, check_link_url};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::manifest::ThreadsOptions;
use crate::media::MediaFormat::{Jpeg, Mov, Mp4, Png};
use crate::media::VideoCodec::{H264, Hevc};

/// Every Threads number postcal checks, with its source.
pub struct Limits {
    pub text: Limit<usize>,
    pub links: Limit<usize>,
    /// Shortest and longest topic tag, in characters.
    pub topic_tag: Limit<(usize, usize)>,
    /// Most media in a carousel (a carousel has at least 2; one is a single-media post).
    pub carousel: Limit<usize>,
    pub image: ImageLimits,
    pub video: VideoLimits,
    /// Posts published per profile in a rolling 24 hours.
    pub posts_per_day: Limit<usize>,
}

pub const LIMITS: Limits = Limits {
    posts_per_day: Limit::official(250, Code::ThreadsScheduleOverDailyLimit, "§4 TH-OV"),
    text: Limit::official(500, Code::ThreadsTextTooLong, "§4 TH-POSTS"),
    links: Limit::official(5, Code::ThreadsTooManyLinks, "§4 TH-POSTS"),
    topic_tag: Limit::official((1, 50), Code::ThreadsInvalidTopicTag, "§4 TH-POSTS"),
    carousel: Limit::official(20, Code::ThreadsCarouselCount, "§4 TH-POSTS"),
    image: ImageLimits {
        what: "Threads images",
        formats: Limit::official(&[Jpeg, Png], Code::ThreadsImageFormat, "§4 TH-POSTS"),
        converted: None,
        max_bytes: Some(Limit::official(
            8 * MIB,
            Code::ThreadsImageTooLarge,
            "§4 TH-POSTS",
        )),
        aspect: Some(Limit::official(
            Aspect {
                min: (1.0, 10.0),
                max: (10.0, 1.0),
            },
            Code::ThreadsImageAspect,
            "§4 TH-POSTS",
        )),
        max_pixels: None,
    },
    video: VideoLimits {
        what: "Threads videos",
        formats: Some(Limit::official(
            &[Mp4, Mov],
            Code::ThreadsVideoFormat,
            "§4 TH-POSTS",
        )),
        codecs: Some(Limit::official(
            &[H264, Hevc],
            Code::ThreadsVideoCodec,
            "§4 TH-POSTS",
        )),
        min_ms: None,
        max_ms: Some(Limit::official(
            300_000,
            Code::ThreadsVideoDuration,
            "§4 TH-POSTS",
        )),
        max_bytes: Some(Limit::official(
            GIB,
            Code::ThreadsVideoTooLarge,
            "§4 TH-POSTS",
        )),
        fps: Some(Limit::official(
            (23.0, 60.0),
            Code::ThreadsVideoFrameRate,
            "§4 TH-POSTS",
        )),
        max_width: Some(Limit::official(
            1920,
            Code::ThreadsVideoDimensions,
            "§4 TH-POSTS",
        )),
        sides: None,
        aspect: Some(Limit::official(
            Aspect {
                min: (0.01, 1.0),
                max: (10.0, 1.0),
            },
            Code::ThreadsVideoDimensions,
            "§4 TH-POSTS",
        )),
        fast_start: Some(Limit::official(
            (),
            Code::ThreadsVideoNotFastStart,
            "§4 TH-POSTS",
        )),
        no_edit_list: Some(Limit::official(
            (),
            Code::ThreadsVideoEditList,
            "§4 TH-POSTS",
        )),
        audio: Some(Limit::official(
            (48_000, 2),
            Code::ThreadsVideoAudio,
            "§4 TH-POSTS, TH-TS INVALID_AUDIO_CHANNELS",
        )),
    },
};

pub fn check(cx: &TargetCtx, options: &ThreadsOptions, diags: &mut Diagnostics) {
    let text = cx.text_str();
    if text.trim().is_empty() && cx.media.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::ThreadsEmptyPost,
                format!(
                    "{} has neither text nor media; a Threads post needs one of them",
                    cx.key()
                ),
            )
            .at(cx.target_span(), "nothing to post")
            .help(format!(
                "add `text:` to the post, or give {} its own `text` or `media`",
                cx.key()
            )),
        );
    }
    check_text(cx, options, diags);
    check_topic_tag(options, diags);
    if let Some(link) = &options.link_attachment {
        check_link_url(Code::ThreadsInvalidLink, link, diags);
        if !cx.media.is_empty() {
            diags.push(
                Diagnostic::error(
                    Code::ThreadsLinkAttachmentWithMedia,
                    "`link_attachment` is only for text posts, and this Threads post has media",
                )
                .at(link.span, "not with media")
                .related(cx.media_span(), "the media")
                .help(format!(
                    "put the link in the text instead (its first URL becomes the preview), or give {} `media: []`",
                    cx.key()
                )),
            );
        }
    }
    let limit = &LIMITS.carousel;
    if cx.media.len() > limit.value {
        diags.push(limit.report(
            format!(
                "{} has {} media; a Threads carousel takes 2 to {}",
                cx.key(),
                cx.media.len(),
                limit.value
            ),
            cx.media_span(),
            format!("{} media", cx.media.len()),
            "remove some, or split them into two posts",
        ));
    }
    for (item, info) in cx.probed() {
        if info.is_video() {
            check_video(&LIMITS.video, item, diags);
        } else {
            check_image(&LIMITS.image, item, diags);
        }
    }
}

fn check_text(cx: &TargetCtx, options: &ThreadsOptions, diags: &mut Diagnostics) {
    let l = &LIMITS;
    let text = cx.text_str();
    let length = threads_length(text);
    if length > l.text.value {
        diags.push(l.text.report(
            format!("text has a Threads length of {} (emoji count as their UTF-8 bytes, 4 for most); Threads allows {}", n(length), l.text.value),
            cx.text_span(),
            format!("length {}", n(length)),
            cx.shorten_help(),
        ));
    }
    let attachment = options.link_attachment.as_ref().map(|l| l.value.as_str());
    let all = unique_links(links(text).into_iter().chain(attachment));
    if all.len() > l.links.value {
        let mut d = l.links.report(
            format!(
                "the post has {} distinct links{}; Threads allows {}",
                all.len(),
                if attachment.is_some() {
                    " (with `link_attachment`)"
                } else {
                    ""
                },
                l.links.value
            ),
            cx.text_span(),
            format!("{} links", all.len()),
            format!("remove links until at most {} remain", l.links.value),
        );
        if let Some(link) = &options.link_attachment {
            d = d.related(link.span, "counted too");
        }
        diags.push(d);
    }
}

fn check_topic_tag(options: &ThreadsOptions, diags: &mut Diagnostics) {
    let Some(tag) = &options.topic_tag else {
        return;
    };
    let limit = &LIMITS.topic_tag;
    let (min, max) = limit.value;
    let len = tag.value.chars().count();
    let problem = if len < min {
        Some("is empty".to_owned())
    } else if len > max {
        Some(format!("has {len} characters; Threads allows {max}"))
    } else {
        tag.value
            .chars()
            .find(|c| matches!(c, '.' | '&'))
            .map(|c| format!("contains `{c}`, which Threads does not allow"))
    };
    if let Some(problem) = problem {
        diags.push(limit.report(
            format!("topic tag `{}` {problem}", tag.value),
            tag.span,
            "invalid topic tag",
            format!("use {min} to {max} characters without `.` or `&`, e.g. `topic_tag: Coffee`"),
        ));
    }
}
