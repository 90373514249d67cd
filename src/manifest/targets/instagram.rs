//! Instagram target options (docs/platform-rules.md §1.2).

use schemars::JsonSchema;
use serde::Serialize;

use crate::keyword_enum;
use crate::manifest::post::MediaRef;
use crate::yaml::{Cx, Fields, Sp};

keyword_enum! {
    /// What kind of Instagram post to make.
    pub enum InstagramKind {
        /// A single image in the feed.
        Feed = "feed",
        /// A single video, published as a reel.
        Reel = "reel",
        /// One image or video, shown for 24 hours.
        Story = "story",
        /// 2 to 10 images and videos, swiped through.
        Carousel = "carousel",
    }
}

/// Options for an `instagram/<account>` target.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct InstagramOptions {
    /// `feed`, `reel`, `story` or `carousel`. When omitted: one image is `feed`, one video is
    /// `reel`, several media are `carousel`. Stories must be asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Sp<InstagramKind>>,
    /// Caption for Instagram only (at most 2,200 characters, 30 hashtags, 20 @-mentions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Sp<String>>,
    /// Media for Instagram only, replacing the post's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Sp<Vec<MediaRef>>>,
    /// Up to 3 Instagram usernames invited as collaborators (feed, reel and carousel; not stories).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaborators: Option<Sp<Vec<Sp<String>>>>,
    /// Reel cover image: a JPEG path relative to the calendar root. Wins over `thumb_offset`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover: Option<Sp<String>>,
    /// Reel cover frame, in milliseconds from the start of the video (must be shorter than it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb_offset: Option<Sp<u64>>,
    /// Reels: also show the reel in the feed (default true on Instagram).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_to_feed: Option<Sp<bool>>,
    /// Location: the ID of a Facebook Page that has location data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Sp<String>>,
}

impl InstagramOptions {
    pub(super) fn read(f: &mut Fields, cx: &mut Cx) -> Self {
        Self {
            kind: f.optional("kind", cx),
            text: f.optional("text", cx),
            media: MediaRef::read_field(f, cx),
            collaborators: f.optional("collaborators", cx),
            cover: f.optional("cover", cx),
            thumb_offset: f.optional_whole(
                "thumb_offset",
                cx,
                "`thumb_offset` is in milliseconds from the start of the reel, a whole number: \
                 `thumb_offset: 500` for half a second, `1500` for 1.5 s",
            ),
            share_to_feed: f.optional("share_to_feed", cx),
            location: f.optional("location", cx),
        }
    }
}
