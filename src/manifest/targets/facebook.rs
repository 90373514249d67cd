//! Facebook Page target options (docs/platform-rules.md §3).

use schemars::JsonSchema;
use serde::Serialize;

use crate::manifest::post::MediaRef;
use crate::yaml::{Cx, Fields, Sp};

/// Options for a `facebook/<page>` target. No media makes a text or link post; images make a
/// photo post (several images: a multi-photo post); one video a video post.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FacebookOptions {
    /// Text for Facebook only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Sp<String>>,
    /// Media for Facebook only, replacing the post's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Sp<Vec<MediaRef>>>,
    /// A link to share (link posts: no media).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<Sp<String>>,
}

impl FacebookOptions {
    pub(super) fn read(f: &mut Fields, cx: &mut Cx) -> Self {
        Self {
            text: f.optional("text", cx),
            media: MediaRef::read_field(f, cx),
            link: f.optional("link", cx),
        }
    }
}
