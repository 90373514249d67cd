//! What each target shows of its media: every picture as the thumbnail of its platform's crop,
//! every video as a placeholder with its duration and size, every unreadable file with why.
//! Decided once per target and used twice: to list the thumbnails to make, and to render.

use std::collections::HashMap;

use super::frame::{self, Ratio};
use super::thumbs::Wanted;
use crate::manifest::targets::{InstagramKind, Target, TargetOptions};
use crate::manifest::{MediaRef, Post};
use crate::media::MediaInfo;

/// What the preview knows of one media file (by the path a manifest writes).
#[derive(Debug, Clone)]
pub struct MediaFacts {
    /// SHA-256 of its bytes, hex; empty when it cannot be read.
    pub sha256: String,
    /// The probe's answer, or why it failed.
    pub info: Result<MediaInfo, String>,
}

pub type Catalog = HashMap<String, MediaFacts>;

/// One media item as a target shows it.
#[derive(Debug, Clone)]
pub enum Shot {
    /// A picture: its thumbnail, and the ratio of the box it fills.
    Picture {
        file: String,
        alt: Option<String>,
        thumb: Wanted,
        ratio: Ratio,
    },
    /// A video, shown as a placeholder in a box of `ratio`.
    Video {
        file: String,
        duration_ms: u64,
        width: u32,
        height: u32,
        bytes: u64,
        ratio: Ratio,
    },
    /// A file the preview cannot show, and why.
    Missing { file: String, why: String },
}

impl Shot {
    pub fn thumb(&self) -> Option<&Wanted> {
        match self {
            Self::Picture { thumb, .. } => Some(thumb),
            _ => None,
        }
    }
}

/// How a target lays its media out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Instagram feed photo or carousel: cropped to the first item's ratio, within 4:5–1.91:1.
    Feed,
    /// Instagram reel or story, TikTok: a 9:16 screen.
    Screen,
    /// Threads, Facebook: each picture at its own ratio.
    Natural,
}

/// The Instagram kind a target makes: as written, else inferred as the validator does.
pub fn instagram_kind(target: &Target, post: &Post, catalog: &Catalog) -> InstagramKind {
    if let TargetOptions::Instagram(o) = &target.options
        && let Some(kind) = &o.kind
    {
        return kind.value;
    }
    let media = media_of(target, post);
    match media.len() {
        n if n > 1 => InstagramKind::Carousel,
        1 if is_video(catalog, &media[0].file.value) => InstagramKind::Reel,
        _ => InstagramKind::Feed,
    }
}

pub fn media_of<'a>(target: &'a Target, post: &'a Post) -> &'a [MediaRef] {
    target
        .media(post)
        .map(|m| m.value.as_slice())
        .unwrap_or_default()
}

fn is_video(catalog: &Catalog, file: &str) -> bool {
    catalog
        .get(file)
        .and_then(|f| f.info.as_ref().ok())
        .is_some_and(MediaInfo::is_video)
}

fn dims(catalog: &Catalog, file: &str) -> Option<(u32, u32)> {
    let info = catalog.get(file)?.info.as_ref().ok()?;
    match (info.image(), info.video()) {
        (Some(i), _) => Some((i.width, i.height)),
        (_, Some(v)) if v.width > 0 => Some((v.width, v.height)),
        _ => None,
    }
}

/// The layout of a target and its media, in order. An Instagram reel with a `cover` shows the
/// cover (cropped 9:16) first.
pub fn shots(target: &Target, post: &Post, catalog: &Catalog) -> (Layout, Vec<Shot>) {
    let media = media_of(target, post);
    let layout = match &target.options {
        TargetOptions::Instagram(_) => match instagram_kind(target, post, catalog) {
            InstagramKind::Reel | InstagramKind::Story => Layout::Screen,
            _ => Layout::Feed,
        },
        TargetOptions::Tiktok(_) => Layout::Screen,
        _ => Layout::Natural,
    };
    let feed_ratio = media
        .first()
        .and_then(|m| dims(catalog, &m.file.value))
        .map_or(Ratio::of(1, 1), |(w, h)| Some(frame::instagram_feed(w, h)))
        .unwrap_or(Ratio::SCREEN);
    let tiktok = matches!(target.options, TargetOptions::Tiktok(_));
    let mut out = Vec::new();
    if let TargetOptions::Instagram(o) = &target.options
        && let Some(cover) = &o.cover
    {
        out.push(shot(&cover.value, None, catalog, Some(Ratio::SCREEN)));
    }
    for m in media {
        let file = &m.file.value;
        let natural = dims(catalog, file).and_then(|(w, h)| Ratio::of(w, h));
        let crop = match layout {
            Layout::Feed => Some(feed_ratio),
            // TikTok shows a photo whole inside the screen; reels and stories fill it.
            Layout::Screen if tiktok && !is_video(catalog, file) => None,
            Layout::Screen => Some(Ratio::SCREEN),
            Layout::Natural => None,
        };
        let mut s = shot(file, m.alt.as_ref().map(|a| a.value.clone()), catalog, crop);
        if let Shot::Picture { ratio, .. } | Shot::Video { ratio, .. } = &mut s {
            *ratio = match (layout, crop) {
                (_, Some(r)) => r,
                (Layout::Screen, None) => Ratio::SCREEN,
                _ => natural.unwrap_or(Ratio { w: 1, h: 1 }),
            };
        }
        out.push(s);
    }
    (layout, out)
}

fn shot(file: &str, alt: Option<String>, catalog: &Catalog, crop: Option<Ratio>) -> Shot {
    let missing = |why: &str| Shot::Missing {
        file: file.to_owned(),
        why: why.to_owned(),
    };
    let Some(facts) = catalog.get(file) else {
        return missing("not read");
    };
    let info = match &facts.info {
        Ok(info) => info,
        Err(why) => return missing(why),
    };
    let ratio = crop.unwrap_or(Ratio { w: 1, h: 1 });
    match (info.image(), info.video()) {
        (Some(_), _) if facts.sha256.is_empty() => missing("cannot be read"),
        (Some(_), _) => Shot::Picture {
            file: file.to_owned(),
            alt,
            thumb: Wanted {
                file: file.to_owned(),
                sha256: facts.sha256.clone(),
                crop,
            },
            ratio,
        },
        (_, Some(v)) => Shot::Video {
            file: file.to_owned(),
            duration_ms: v.duration_ms,
            width: v.width,
            height: v.height,
            bytes: info.size_bytes,
            ratio,
        },
        _ => missing("neither a picture nor a video"),
    }
}

/// `1:05` (or `0:03.5` under ten seconds).
pub fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    if secs < 10 {
        format!("0:{:02}.{}", secs, (ms % 1000) / 100)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}

/// `12.3 MB`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.0} kB", b as f64 / 1e3),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_as_people_write_them() {
        assert_eq!(duration(3_500), "0:03.5");
        assert_eq!(duration(65_000), "1:05");
        assert_eq!(size(12_345_678), "12.3 MB");
        assert_eq!(size(48_200), "48 kB");
        assert_eq!(size(12), "12 bytes");
    }
}
