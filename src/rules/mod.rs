//! Every rule postcal checks before anything is published, as a pure function of the loaded
//! calendar and the probed media, put together in one place: [`pipeline::check_calendar`].
//!
//! Layout: [`calendar`] holds calendar-wide rules (ids, accounts, times, cron), [`media`] resolves
//! and probes media files (each file once, however many posts use it), [`text`] counts text the
//! way each platform does, and one file per platform holds that platform's rules with its limits
//! in one table citing `docs/platform-rules.md`.
//!
//! # Guarantees
//! - All problems are collected; no rule stops the others.
//! - Rules never touch the network and never decode media (headers only, through
//!   [`crate::media::probe_file`]).
//!
//! # Severity
//! - **Error**: the platform will refuse the post, or postcal cannot publish it as written
//!   (an option the platform does not have for this kind of post). A post with an error is
//!   never published.
//! - **Warning**: the post publishes, but not exactly as written: postcal fixes it itself
//!   (PNG converted to JPEG, an MP4 remuxed to put `moov` first and drop edit lists), the
//!   platform silently ignores part of it (a caption on an Instagram story), or the limit broken is
//!   only known from third-party or outdated sources ([`limits::Limit::unverified`]), so the
//!   platform may well accept it.
//!
//! Where sources disagree on a limit that certainly exists, the most permissive figure is the
//! error and a stricter unverified one is a warning (see each platform's table).
//!
//! # Codes
//! Rules name codes as [`crate::diag::Code`] variants, from the one registry
//! ([`crate::diag::code`]) that `postcal explain` prints; the text of a code is stable, since
//! tools match on it. Every code has a failing fixture under `tests/fixtures/` (a test checks
//! it).

pub mod calendar;
pub mod facebook;
pub mod frequency;
pub mod instagram;
pub mod limits;
pub mod media;
pub mod pipeline;
pub mod text;
pub mod threads;
pub mod tiktok;
pub mod validation;

use std::collections::{HashMap, HashSet};

use crate::diag::{Diagnostics, SourceId, Span};
use crate::manifest::{Account, Calendar, MediaRef, Post, Target, TargetOptions};
use crate::media::MediaInfo;
use crate::yaml::Sp;

pub use media::MediaCatalog;

/// What one target of one post publishes, with everything the platform rules need.
pub struct TargetCtx<'a> {
    pub post: &'a Post,
    pub target: &'a Target,
    /// The target's account in postcal.yaml, if it exists.
    pub account: Option<&'a Account>,
    /// The text this target publishes (its own, else the post's).
    pub text: Option<&'a Sp<String>>,
    /// The media list as written (its own, else the post's), for labels on the whole list.
    pub media_list: Option<&'a Sp<Vec<MediaRef>>>,
    /// Each media entry with what probing found; `info` is `None` when the file could not be
    /// resolved or probed (already reported by [`media`]).
    pub media: Vec<MediaItem<'a>>,
    /// Every probed file, for media named outside the media list (an Instagram reel `cover`).
    pub catalog: &'a MediaCatalog,
}

pub struct MediaItem<'a> {
    pub reference: &'a MediaRef,
    pub info: Option<&'a MediaInfo>,
}

impl<'a> TargetCtx<'a> {
    /// The span to label when a rule is about the target as a whole.
    pub fn target_span(&self) -> Span {
        self.target.key.span
    }

    /// The span to label when a rule is about the media list (its count, mixing...).
    pub fn media_span(&self) -> Span {
        self.media_list.map_or(self.target_span(), |m| m.span)
    }

    /// The span to label when a rule is about the text, or the target if there is no text.
    pub fn text_span(&self) -> Span {
        self.text.map_or(self.target_span(), |t| t.span)
    }

    pub fn text_str(&self) -> &str {
        self.text.map_or("", |t| t.value.as_str())
    }

    /// `instagram/acme`, as written.
    pub fn key(&self) -> &str {
        &self.target.key.value
    }

    /// Help for text that is too long: shorten it, or, when the text is the post's, give this
    /// target its own.
    pub fn shorten_help(&self) -> String {
        if self.target.options.text().is_some() {
            "shorten it".to_owned()
        } else {
            format!("shorten it, or give {} its own shorter `text`", self.key())
        }
    }

    /// The media entries that were probed, with what probing found.
    pub fn probed(&self) -> impl Iterator<Item = (&MediaItem<'a>, &'a MediaInfo)> {
        self.media
            .iter()
            .filter_map(|m| m.info.map(|info| (m, info)))
    }

    /// Whether every media entry was probed (rules about media kinds are only sound then).
    pub fn media_known(&self) -> bool {
        self.media.iter().all(|m| m.info.is_some())
    }

    pub fn videos(&self) -> usize {
        self.media
            .iter()
            .filter(|m| m.info.is_some_and(MediaInfo::is_video))
            .count()
    }

    pub fn images(&self) -> usize {
        self.media
            .iter()
            .filter(|m| m.info.is_some_and(|i| !i.is_video()))
            .count()
    }
}

/// Every rule that concerns one post at a time, for each of `calendar.posts`: everything but
/// the settings and unique ids (see [`pipeline`]). What it reports about a post depends only on
/// that post, the settings and the media files it names.
pub fn check_posts(calendar: &Calendar, catalog: &mut MediaCatalog, diags: &mut Diagnostics) {
    calendar::check_posts(calendar, &calendar.posts, diags);
    // Resolve and probe every file first (once each), so rules then read the catalog freely.
    // A post-level media entry is shared by its targets: report its problems once.
    let mut resolved: HashSet<Span> = HashSet::new();
    for post in &calendar.posts {
        for target in &post.targets {
            for reference in target
                .media(post)
                .map(|m| m.value.as_slice())
                .unwrap_or_default()
            {
                if resolved.insert(reference.span) {
                    catalog.resolve(calendar, reference, diags);
                }
            }
            if let TargetOptions::Instagram(o) = &target.options
                && let Some(cover) = &o.cover
            {
                catalog.resolve_path(calendar, cover, diags);
            }
        }
    }
    let catalog = &*catalog;
    let per_chunk = crate::par::map_chunks(&calendar.posts, 256, |posts| {
        let mut diags = Diagnostics::new();
        for post in posts {
            check_post(calendar, catalog, post, &mut diags);
        }
        diags
    });
    for chunk in per_chunk {
        diags.extend(chunk);
    }
}

/// Every platform rule for one post's targets (reads the catalog, which is complete by now).
fn check_post(calendar: &Calendar, catalog: &MediaCatalog, post: &Post, diags: &mut Diagnostics) {
    for target in &post.targets {
        let media_list = target.media(post);
        let media = media_list
            .map(|m| {
                m.value
                    .iter()
                    .map(|reference| MediaItem {
                        reference,
                        info: catalog.get(reference),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let cx = TargetCtx {
            post,
            target,
            account: calendar
                .config
                .as_ref()
                .and_then(|c| c.account(target.platform, &target.account)),
            text: target.text(post),
            media_list,
            media,
            catalog,
        };
        match &target.options {
            TargetOptions::Instagram(o) => instagram::check(&cx, o, diags),
            TargetOptions::Tiktok(o) => tiktok::check(&cx, o, diags),
            TargetOptions::Threads(o) => threads::check(&cx, o, diags),
            TargetOptions::Facebook(o) => facebook::check(&cx, o, diags),
        }
    }
}

/// A link option (a link to share, a link attachment) must be one whole http(s) URL.
fn check_link_url(
    code: crate::diag::Code,
    link: &crate::yaml::Sp<String>,
    diags: &mut Diagnostics,
) {
    if !text::is_http_url(&link.value) {
        diags.push(
            crate::diag::Diagnostic::error(code, format!("`{}` is not an http(s) URL", link.value))
                .at(link.span, "not a URL")
                .help("write the full address, e.g. `https://example.com/launch`"),
        );
    }
}

/// Posts whose document contains the span of an error.
pub fn invalid_posts(calendar: &Calendar, diags: &Diagnostics) -> HashSet<usize> {
    let mut error_starts: HashMap<SourceId, Vec<usize>> = HashMap::new();
    for span in diags
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.span())
    {
        error_starts
            .entry(span.source)
            .or_default()
            .push(span.start);
    }
    for starts in error_starts.values_mut() {
        starts.sort_unstable();
    }
    calendar
        .posts
        .iter()
        .enumerate()
        .filter(|(_, post)| {
            let doc = post.origin.span;
            error_starts.get(&doc.source).is_some_and(|starts| {
                let first = starts.partition_point(|&s| s < doc.start);
                starts.get(first).is_some_and(|&s| s < doc.end())
            })
        })
        .map(|(i, _)| i)
        .collect()
}
