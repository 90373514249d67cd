//! What one TikTok post is (pure): the manifest's options, the kind of post its media make,
//! the creator's settings applied to them, and the init request built from all three
//! (docs/platform-rules.md §2.2–§2.4).
//!
//! # Guarantees
//! - A post TikTok would refuse for its own content (lengths, kinds, formats, a privacy level
//!   the creator does not offer, a video longer than the creator may post) fails here,
//!   permanently, with what to change, before anything is sent.
//! - A toggle the creator disabled in TikTok is sent disabled, whatever the manifest says
//!   (TikTok's UX rules), and a note says so.

use serde::Deserialize;

use super::api::{CreatorInfo, PhotoInit, PhotoSource, PostInfo, VideoInit, VideoSource};
use super::upload::{ChunkPlan, Upload};
use crate::media::MediaFormat;
use crate::platform::TargetKey;
use crate::platform::media::StagedRef;
use crate::reconcile::{Failure, Outcome};

/// The options of a `tiktok/<account>` target (`manifest/targets/tiktok.rs`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Options {
    pub privacy: Option<String>,
    pub title: Option<String>,
    pub allow_comment: bool,
    pub allow_duet: bool,
    pub allow_stitch: bool,
    pub cover_timestamp: Option<u64>,
    pub photo_cover_index: Option<usize>,
    pub auto_add_music: Option<bool>,
    pub brand_content: bool,
    pub brand_organic: bool,
    pub ai_generated: Option<bool>,
}

impl Options {
    pub fn read(json: serde_json::Value) -> Outcome<Self> {
        if json.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(json).map_err(|e| {
            Failure::permanent(format!("cannot read the tiktok target's options: {e}"))
        })
    }
}

/// How a video reaches TikTok.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    /// Chunked `FILE_UPLOAD` (no public URL needed).
    Upload(ChunkPlan),
    /// `PULL_FROM_URL`: the staged URL is on a domain or prefix verified with TikTok.
    Pull,
}

/// The kind of post the media make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    Video {
        file: StagedRef,
        transfer: Transfer,
        /// From the file's metadata (`None` when it cannot be read: TikTok then judges).
        duration_ms: Option<u64>,
    },
    /// 1–35 JPEG or WebP images. Always pulled (TikTok offers no upload for photos), so
    /// their host must be verified with TikTok; whether it is, TikTok says at init
    /// (`url_ownership_unverified`, permanent, nothing created).
    Photos(Vec<StagedRef>),
}

pub const MAX_PHOTOS: usize = 35;
const VIDEO_TITLE: usize = 2_200;
const PHOTO_TITLE: usize = 90;
const PHOTO_DESCRIPTION: usize = 4_000;

impl Media {
    /// The post the staged media make; `verified`: whether TikTok may pull from a URL.
    pub fn of(mut staged: Vec<StagedRef>, verified: impl Fn(&str) -> bool) -> Outcome<Self> {
        let videos = staged.iter().filter(|m| m.is_video()).count();
        if staged.is_empty() {
            return Err(Failure::permanent(
                "a TikTok post needs one video or 1–35 photos; this one has no media",
            ));
        }
        if videos == 0 {
            if staged.len() > MAX_PHOTOS {
                return Err(Failure::permanent(format!(
                    "a TikTok photo post takes at most {MAX_PHOTOS} photos; this one has {}",
                    staged.len()
                )));
            }
            if let Some(bad) = staged
                .iter()
                .find(|m| !matches!(m.format, MediaFormat::Jpeg | MediaFormat::Webp))
            {
                return Err(Failure::permanent(format!(
                    "TikTok takes JPEG or WebP photos only; {} is {}: convert it",
                    file_name(bad),
                    bad.format.name()
                )));
            }
            return Ok(Self::Photos(staged));
        }
        if staged.len() > 1 {
            return Err(Failure::permanent(
                "a TikTok video post takes exactly one video, and photos and a video cannot share a post",
            ));
        }
        let file = staged.remove(0);
        let transfer = if verified(&file.url) {
            Transfer::Pull
        } else {
            let plan = ChunkPlan::for_size(file.size)
                .map_err(|e| Failure::permanent(format!("{}: {e}", file_name(&file))))?;
            Transfer::Upload(plan)
        };
        Ok(Self::Video {
            file,
            transfer,
            duration_ms: None,
        })
    }

    pub fn is_photo(&self) -> bool {
        matches!(self, Self::Photos(_))
    }
}

/// A staged file's name for messages (its URL may carry a sharing token).
fn file_name(m: &StagedRef) -> String {
    m.path.file_name().map_or_else(
        || "the media file".into(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

fn too_long(what: &str, len: usize, max: usize) -> Failure {
    Failure::permanent(format!(
        "the TikTok {what} is {len} UTF-16 units; TikTok takes at most {max}: shorten it in the manifest"
    ))
}

/// Checks what does not depend on the creator: lengths and the photo cover.
pub fn check_content(options: &Options, text: Option<&str>, media: &Media) -> Outcome<()> {
    let text_len = text.map_or(0, utf16);
    match media {
        Media::Video { .. } if text_len > VIDEO_TITLE => {
            Err(too_long("caption", text_len, VIDEO_TITLE))
        }
        Media::Video { .. } => Ok(()),
        Media::Photos(photos) => {
            let title_len = options.title.as_deref().map_or(0, utf16);
            if title_len > PHOTO_TITLE {
                return Err(too_long("photo title", title_len, PHOTO_TITLE));
            }
            if text_len > PHOTO_DESCRIPTION {
                return Err(too_long("photo description", text_len, PHOTO_DESCRIPTION));
            }
            let cover = options.photo_cover_index.unwrap_or(0);
            if cover >= photos.len() {
                return Err(Failure::permanent(format!(
                    "photo_cover_index is {cover}, but the post has {} photos (it counts from 0)",
                    photos.len()
                )));
            }
            Ok(())
        }
    }
}

/// The options as the creator's settings allow them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    pub privacy: String,
    pub disable_comment: bool,
    pub disable_duet: bool,
    pub disable_stitch: bool,
    /// What was changed from the manifest, for the log.
    pub notes: Vec<String>,
}

/// Applies `creator_info` (queried right before the post) to the options.
pub fn check_creator(
    options: &Options,
    creator: &CreatorInfo,
    media: &Media,
    target: &TargetKey,
) -> Outcome<Allowed> {
    let who = if creator.creator_username.is_empty() {
        target.to_string()
    } else {
        format!("@{}", creator.creator_username)
    };
    let allowed = creator.privacy_level_options.join(", ");
    let privacy = match options.privacy.as_deref() {
        None => {
            return Err(Failure::permanent(format!(
                "the {target} target has no `privacy`; TikTok requires one, and {who} allows {allowed}: set `privacy:` to one of them in the manifest"
            )));
        }
        Some(p) if !creator.privacy_level_options.iter().any(|o| o == p) => {
            return Err(Failure::permanent(format!(
                "privacy {p} is not allowed for {who} on TikTok, which allows {allowed} (a private account cannot post PUBLIC_TO_EVERYONE, a public one FOLLOWER_OF_CREATOR): set `privacy:` in the manifest's {target} target to one of them"
            )));
        }
        Some(p) => p.to_owned(),
    };
    if options.brand_content && privacy == "SELF_ONLY" {
        return Err(Failure::permanent(
            "branded content (brand_content: true) cannot be posted as SELF_ONLY on TikTok: choose another privacy",
        ));
    }
    if let (
        Media::Video {
            duration_ms: Some(ms),
            ..
        },
        Some(max),
    ) = (media, creator.max_video_post_duration_sec)
        && *ms > max * 1000
    {
        return Err(Failure::permanent(format!(
            "the video is {:.1} s long; {who} may post videos of at most {max} s on TikTok: shorten it",
            *ms as f64 / 1000.0
        )));
    }
    let mut notes = Vec::new();
    let mut toggle = |wanted: bool, disabled_by_creator: bool, what: &str| {
        if wanted && disabled_by_creator {
            notes.push(format!(
                "{who} turned {what} off in TikTok: posting with {what} disabled although the manifest allows them"
            ));
        }
        !wanted || disabled_by_creator
    };
    let disable_comment = toggle(options.allow_comment, creator.comment_disabled, "comments");
    let (disable_duet, disable_stitch) = if media.is_photo() {
        (true, true)
    } else {
        (
            toggle(options.allow_duet, creator.duet_disabled, "duets"),
            toggle(options.allow_stitch, creator.stitch_disabled, "stitches"),
        )
    };
    Ok(Allowed {
        privacy,
        disable_comment,
        disable_duet,
        disable_stitch,
        notes,
    })
}

/// The init request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Init {
    Video(VideoInit),
    Photo(PhotoInit),
}

/// Builds the init for `media` (checked by [`check_content`] and [`check_creator`]).
pub fn init(options: &Options, allowed: &Allowed, text: Option<&str>, media: &Media) -> Init {
    let text = text.filter(|t| !t.is_empty()).map(str::to_owned);
    let mut info = PostInfo {
        privacy_level: allowed.privacy.clone(),
        disable_comment: allowed.disable_comment,
        brand_content_toggle: options.brand_content,
        brand_organic_toggle: options.brand_organic,
        ..PostInfo::default()
    };
    match media {
        Media::Video { file, transfer, .. } => {
            info.title = text;
            info.disable_duet = Some(allowed.disable_duet);
            info.disable_stitch = Some(allowed.disable_stitch);
            info.video_cover_timestamp_ms = options.cover_timestamp;
            info.is_aigc = options.ai_generated;
            let source_info = match transfer {
                Transfer::Pull => VideoSource::PullFromUrl {
                    video_url: file.url.clone(),
                },
                Transfer::Upload(plan) => VideoSource::FileUpload {
                    video_size: plan.video_size,
                    chunk_size: plan.chunk_size,
                    total_chunk_count: plan.total_chunk_count,
                },
            };
            Init::Video(VideoInit {
                post_info: info,
                source_info,
            })
        }
        Media::Photos(photos) => {
            info.title = options.title.clone().filter(|t| !t.is_empty());
            info.description = text;
            info.auto_add_music = options.auto_add_music;
            Init::Photo(PhotoInit {
                post_info: info,
                source_info: PhotoSource {
                    source: "PULL_FROM_URL",
                    photo_cover_index: options.photo_cover_index.unwrap_or(0),
                    photo_images: photos.iter().map(|p| p.url.clone()).collect(),
                },
                post_mode: "DIRECT_POST",
                media_type: "PHOTO",
                is_aigc: options.ai_generated,
            })
        }
    }
}

/// What follows a FILE_UPLOAD init: the chunks, to `upload_url`.
pub fn upload(media: &Media, publish_id: &str, upload_url: &str) -> Option<Upload> {
    let Media::Video {
        file,
        transfer: Transfer::Upload(plan),
        ..
    } = media
    else {
        return None;
    };
    let content_type = match file.format {
        MediaFormat::Mov => "video/quicktime",
        MediaFormat::Webm => "video/webm",
        _ => "video/mp4",
    };
    Some(Upload {
        publish_id: publish_id.to_owned(),
        url: upload_url.into(),
        path: file.path.clone(),
        plan: *plan,
        content_type,
    })
}
