//! Threads target options (docs/platform-rules.md §4).

use schemars::JsonSchema;
use serde::Serialize;

use crate::manifest::post::MediaRef;
use crate::yaml::{Cx, Fields, Sp};

/// Options for a `threads/<account>` target. No media makes a text post; one image or video a
/// single-media post; 2 to 20 a carousel.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ThreadsOptions {
    /// Text for Threads only (at most 500 characters; emoji count as their UTF-8 byte length).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Sp<String>>,
    /// Media for Threads only, replacing the post's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Sp<Vec<MediaRef>>>,
    /// One topic tag: 1 to 50 characters, without `.` or `&`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_tag: Option<Sp<String>>,
    /// A link shown as a preview card (text posts only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_attachment: Option<Sp<String>>,
}

impl ThreadsOptions {
    pub(super) fn read(f: &mut Fields, cx: &mut Cx) -> Self {
        Self {
            text: f.optional("text", cx),
            media: MediaRef::read_field(f, cx),
            topic_tag: f.optional("topic_tag", cx),
            link_attachment: f.optional("link_attachment", cx),
        }
    }
}
