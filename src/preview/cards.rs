//! One card per target: the post as its platform will show it.
//!
//! - Instagram: the media cropped as the feed shows it (carousels as a strip), the caption
//!   folded where the feed folds it ([`fold::instagram`]), with which rule folded it; text past
//!   2,200 characters marked.
//! - Threads: the text with everything past 500 (Threads' count: emoji as UTF-8 bytes) marked;
//!   the topic tag and link attachment.
//! - TikTok: a 9:16 screen with the cover (a photo post's `photo_cover_index`, or the video's
//!   placeholder with its cover frame), the title and the caption, marked past their limits.
//! - Facebook: the text, media, and the link preview (the `link`, else the text's first link).
//!
//! The target's own diagnostics (codes of its platform) are listed on the card.

use std::fmt::Write as _;

use super::fold::{self, at_limit};
use super::html::{attr, esc};
use super::model::{Note, PostView};
use super::shots::{self, Catalog, Layout, Shot};
use crate::diag::group_digits;
use crate::manifest::targets::{InstagramKind, Target, TargetOptions};
use crate::rules::text::{chars, links, threads_length, utf16_units};

/// The card of `target`. Thumbnails are in `thumbs/` next to the `posts/` directory.
pub fn card(view: &PostView, target: &Target, catalog: &Catalog) -> String {
    let post = &view.post;
    let key = target.target_key();
    let (layout, media) = shots::shots(target, post, catalog);
    let text = target.text(post).map(|t| t.value.as_str()).unwrap_or("");
    let mut body = String::new();
    let kind = match &target.options {
        TargetOptions::Instagram(_) => {
            let kind = shots::instagram_kind(target, post, catalog);
            body.push_str(&media_html(layout, &media));
            if kind == InstagramKind::Story {
                body.push_str("<p class=\"why\">Stories show no caption.</p>");
            } else {
                body.push_str(&instagram_caption(&target.account, text));
            }
            if let (InstagramKind::Reel, TargetOptions::Instagram(o)) = (kind, &target.options) {
                let cover = match (&o.cover, &o.thumb_offset) {
                    (Some(c), _) => format!(
                        "the image {}, cropped to 9:16 (1:1 in the profile grid)",
                        c.value
                    ),
                    (None, t) => format!(
                        "the frame at {}",
                        shots::duration(t.as_ref().map_or(0, |t| t.value))
                    ),
                };
                let _ = write!(body, "<p class=\"why\">Cover: {}.</p>", esc(&cover));
            }
            kind.keyword().to_owned()
        }
        TargetOptions::Threads(o) => {
            body.push_str(&limited(
                text,
                500,
                threads_length,
                "characters (emoji count as their UTF-8 bytes)",
            ));
            body.push_str(&media_html(layout, &media));
            if let Some(url) = &o.link_attachment {
                body.push_str(&link_box(&url.value));
            }
            if let Some(tag) = &o.topic_tag {
                let _ = write!(body, "<p class=\"why\">Topic: {}</p>", esc(&tag.value));
            }
            "threads post".to_owned()
        }
        TargetOptions::Tiktok(o) => {
            let photos = media.iter().any(|s| matches!(s, Shot::Picture { .. }));
            let cover = if photos {
                let index = o.photo_cover_index.as_ref().map_or(0, |i| i.value as usize);
                media
                    .get(index)
                    .or(media.first())
                    .cloned()
                    .into_iter()
                    .collect::<Vec<_>>()
            } else {
                media.clone()
            };
            body.push_str(&media_html(layout, &cover));
            if photos {
                let title = o.title.as_ref().map(|t| t.value.as_str()).unwrap_or("");
                let _ = write!(
                    body,
                    "<div class=\"title\">{}</div>",
                    limited(title, 90, utf16_units, "title characters (UTF-16)")
                );
                body.push_str(&limited(
                    text,
                    4_000,
                    utf16_units,
                    "description characters (UTF-16)",
                ));
                let _ = write!(
                    body,
                    "<p class=\"why\">Cover: photo {} of {}.</p>",
                    o.photo_cover_index.as_ref().map_or(0, |i| i.value) + 1,
                    media.len()
                );
            } else {
                body.push_str(&limited(
                    text,
                    2_200,
                    utf16_units,
                    "caption characters (UTF-16)",
                ));
                let at = o.cover_timestamp.as_ref().map_or(0, |t| t.value);
                let _ = write!(
                    body,
                    "<p class=\"why\">Cover: the frame at {}.</p>",
                    shots::duration(at)
                );
            }
            if photos { "photo post" } else { "video" }.to_owned()
        }
        TargetOptions::Facebook(o) => {
            let _ = write!(body, "<p class=\"text\">{}</p>", esc(text));
            body.push_str(&media_html(layout, &media));
            let link = o
                .link
                .as_ref()
                .map(|l| l.value.clone())
                .or_else(|| links(text).into_iter().next().map(str::to_owned));
            if let Some(url) = link {
                body.push_str(&link_box(&url));
            }
            "facebook post".to_owned()
        }
    };
    let notes: Vec<&Note> = view
        .notes
        .iter()
        .filter(|n| n.is_about(key.platform))
        .collect();
    let mut out = format!(
        "<section class=\"card p-{}\" id=\"{}\" data-target=\"{}\"><div class=\"head\">\
         <span class=\"who\">{}</span><span class=\"kind\">{}</span></div>",
        key.platform.key(),
        super::html::target_anchor(&key),
        attr(&key.to_string()),
        esc(&format!(
            "{} · {}",
            key.platform.display_name(),
            key.account
        )),
        esc(&kind)
    );
    let _ = write!(
        out,
        "<div class=\"body\">{body}{}</div></section>",
        notes_html(&notes)
    );
    out
}

/// Diagnostics as a list, each linking to its line in the source listing.
pub fn notes_html(notes: &[&Note]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"notes\">");
    for n in notes {
        out.push_str(&note_html(n));
    }
    out.push_str("</ul>");
    out
}

pub fn note_html(n: &Note) -> String {
    let mut out = format!(
        "<li class=\"note {}\"><a href=\"#L{}\">line {}</a> <span class=\"code\">{}</span>: {}",
        if n.is_error() { "error" } else { "warning" },
        n.line,
        n.line,
        esc(n.code),
        esc(&n.message)
    );
    if let Some(help) = &n.help {
        let _ = write!(out, " <span class=\"help\">{}</span>", esc(help));
    }
    out.push_str("</li>");
    out
}

/// The caption as Instagram's feed shows it: the account, the part before the fold, "… more"
/// (which opens the rest), and the rule that folded it.
fn instagram_caption(account: &str, caption: &str) -> String {
    let f = fold::instagram(caption);
    // The limit (2,200 characters) falls after the fold: mark it in the rest.
    let (within, _) = at_limit(caption, 2_200, chars);
    let rest_at = caption.len() - f.rest.len();
    let rest = if within.len() > rest_at {
        let (ok, over) = f.rest.split_at(within.len() - rest_at);
        mark(ok, over)
    } else {
        esc(f.rest)
    };
    let count = counter(chars(caption), 2_200, "characters");
    let user = format!("<span class=\"user\">{}</span>", esc(account));
    if f.rest.is_empty() {
        return format!(
            "<div class=\"caption\" data-fold=\"fits\"><p class=\"text\">{user}<span class=\"shown\">{}</span></p></div>{count}",
            esc(f.shown)
        );
    }
    let reason = match f.reason {
        fold::FoldReason::Lines => "lines",
        _ => "characters",
    };
    format!(
        "<details class=\"caption\" data-fold=\"{reason}\"><summary>{user}<span class=\"shown\">{}</span>\
         <span class=\"more\">… more</span></summary><div class=\"rest\">{rest}</div></details>\
         <p class=\"why\">{}</p>{count}",
        esc(f.shown),
        esc(f.reason.explain())
    )
}

/// A text with everything past `limit` (in `count`'s unit) marked, and its count.
fn limited(text: &str, limit: usize, count: fn(&str) -> usize, unit: &str) -> String {
    let (within, beyond) = at_limit(text, limit, count);
    format!(
        "<p class=\"text\">{}</p>{}",
        mark(within, beyond),
        counter(count(text), limit, unit)
    )
}

fn mark(within: &str, beyond: &str) -> String {
    if beyond.is_empty() {
        esc(within)
    } else {
        format!("{}<mark class=\"over\">{}</mark>", esc(within), esc(beyond))
    }
}

fn counter(n: usize, limit: usize, unit: &str) -> String {
    format!(
        "<div class=\"count{}\">{} / {} {}</div>",
        if n > limit { " over" } else { "" },
        group_digits(n as u64),
        group_digits(limit as u64),
        esc(unit)
    )
}

fn link_box(url: &str) -> String {
    let domain = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    format!(
        "<div class=\"linkbox\"><div class=\"domain\">{}</div><div class=\"url\">{}</div></div>",
        esc(domain),
        esc(url)
    )
}

/// The media: one frame, or a strip for several (a carousel).
fn media_html(layout: Layout, media: &[Shot]) -> String {
    match media {
        [] => String::new(),
        [one] => shot_html(layout, one),
        many => {
            let mut out = String::from("<div class=\"strip\">");
            for s in many {
                out.push_str(&shot_html(layout, s));
            }
            let _ = write!(
                out,
                "</div><div class=\"strip-note\">{} items, swipe →</div>",
                many.len()
            );
            out
        }
    }
}

fn shot_html(layout: Layout, shot: &Shot) -> String {
    match shot {
        Shot::Picture {
            file,
            alt,
            thumb,
            ratio,
        } => {
            let contain = if layout == Layout::Screen && thumb.crop.is_none() {
                " contain"
            } else {
                ""
            };
            format!(
                "<div class=\"frame{contain}\" style=\"aspect-ratio: {}\"><img src=\"../thumbs/{}\" \
                 alt=\"{}\" title=\"{}\"></div>",
                ratio.css(),
                thumb.name(),
                attr(alt.as_deref().unwrap_or("")),
                attr(file)
            )
        }
        Shot::Video {
            file,
            duration_ms,
            width,
            height,
            bytes,
            ratio,
        } => format!(
            "<div class=\"frame video\" style=\"aspect-ratio: {}\" title=\"{}\"><div class=\"placeholder\">\
             <span class=\"play\">▶</span><span>video · {}</span><span>{width}×{height} · {}</span>\
             <span class=\"file\">{}</span></div></div>",
            ratio.css(),
            attr(file),
            shots::duration(*duration_ms),
            shots::size(*bytes),
            esc(file.rsplit('/').next().unwrap_or(file))
        ),
        Shot::Missing { file, why } => {
            format!("<div class=\"missing\">{}: {}</div>", esc(file), esc(why))
        }
    }
}
