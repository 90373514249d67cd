//! TikTok target options (docs/platform-rules.md §2.3).

use schemars::JsonSchema;
use serde::Serialize;

use crate::keyword_enum;
use crate::manifest::post::MediaRef;
use crate::yaml::{Cx, Fields, FromNode, Sp};

keyword_enum! {
    /// Who can see the TikTok post. TikTok requires the creator to choose; there is no default.
    pub enum TiktokPrivacy {
        PublicToEveryone = "PUBLIC_TO_EVERYONE",
        MutualFollowFriends = "MUTUAL_FOLLOW_FRIENDS",
        /// Only for private accounts.
        FollowerOfCreator = "FOLLOWER_OF_CREATOR",
        SelfOnly = "SELF_ONLY",
    }
}

/// Options for a `tiktok/<account>` target. A post with one video is a video post; a post
/// with images (JPEG or WebP, up to 35) is a photo post.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TiktokOptions {
    /// Required: who can see the post. It must be one of the creator's allowed options
    /// (public accounts: PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY; private accounts:
    /// FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Sp<TiktokPrivacy>>,
    /// Text for TikTok only: the caption of a video (at most 2,200 UTF-16 units), or the
    /// description of a photo post (at most 4,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Sp<String>>,
    /// Media for TikTok only, replacing the post's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Sp<Vec<MediaRef>>>,
    /// Photo posts only: a title of at most 90 UTF-16 units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Sp<String>>,
    /// Let viewers comment (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_comment: Option<Sp<bool>>,
    /// Videos only: let viewers duet (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_duet: Option<Sp<bool>>,
    /// Videos only: let viewers stitch (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_stitch: Option<Sp<bool>>,
    /// Videos only: the cover frame, in milliseconds from the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_timestamp: Option<Sp<u64>>,
    /// Photo posts only: which photo (0-based) is the cover (default 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_cover_index: Option<Sp<u32>>,
    /// Photo posts only: let TikTok add music.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_add_music: Option<Sp<bool>>,
    /// Paid partnership: the post promotes a third party's brand (cannot be SELF_ONLY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_content: Option<Sp<bool>>,
    /// The post promotes the creator's own business.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_organic: Option<Sp<bool>>,
    /// The content is AI-generated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_generated: Option<Sp<bool>>,
    /// `privacy` was written but could not be read (already reported): rules must not also
    /// call it missing.
    #[serde(skip)]
    #[schemars(skip)]
    pub privacy_unreadable: bool,
}

impl TiktokOptions {
    pub(super) fn read(f: &mut Fields, cx: &mut Cx) -> Self {
        let privacy_node = f.get("privacy");
        let privacy = privacy_node.and_then(|node| Sp::from_node(node, cx));
        Self {
            privacy_unreadable: privacy_node.is_some() && privacy.is_none(),
            privacy,
            text: f.optional("text", cx),
            media: MediaRef::read_field(f, cx),
            title: f.optional("title", cx),
            allow_comment: f.optional("allow_comment", cx),
            allow_duet: f.optional("allow_duet", cx),
            allow_stitch: f.optional("allow_stitch", cx),
            cover_timestamp: f.optional_whole(
                "cover_timestamp",
                cx,
                "`cover_timestamp` is in milliseconds from the start of the video, a whole \
                 number: `cover_timestamp: 500` for half a second, `1500` for 1.5 s",
            ),
            photo_cover_index: f.optional("photo_cover_index", cx),
            auto_add_music: f.optional("auto_add_music", cx),
            brand_content: f.optional("brand_content", cx),
            brand_organic: f.optional("brand_organic", cx),
            ai_generated: f.optional("ai_generated", cx),
        }
    }
}
