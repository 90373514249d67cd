//! The post manifest: one YAML document per post.

use schemars::JsonSchema;
use serde::Serialize;

use super::targets::{Target, read_targets};
use crate::diag::{Code, Diagnostic, SourceId, Span};
use crate::keyword_enum;
use crate::yaml::{Cx, Fields, FromNode, Node, NodeKind, Sp};

keyword_enum! {
    /// Whether postcal may publish the post.
    pub enum PostStatus {
        /// Publish at `at` (the default).
        Scheduled = "scheduled",
        /// Validated, never published.
        Draft = "draft",
        /// Not published until set back to `scheduled`; missed occurrences are not caught up.
        Paused = "paused",
    }
}

/// A post, as written in a manifest.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "postcal post manifest", deny_unknown_fields)]
pub struct Post {
    /// Unique in the calendar. It identifies the post in postcal's state: renaming the file never
    /// re-posts, but changing `id` makes it a new post.
    pub id: Sp<String>,
    /// When to publish: a local time such as `2026-12-01 09:00` (read in `timezone`), or an
    /// instant with an offset such as `2026-12-01T09:00:00+01:00`. With `repeat`, the first
    /// occurrence is the first cron match at or after `at`.
    pub at: Sp<String>,
    /// IANA timezone for `at`, `repeat` and `until` (default: the calendar's `timezone`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<Sp<String>>,
    /// Repeat on a cron schedule (5 fields: minute hour day-of-month month day-of-week, POSIX
    /// semantics, Sunday = 0), e.g. `"0 9 * * MON"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Sp<String>>,
    /// Last time a repeating post may be published (same forms as `at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Sp<String>>,
    /// `scheduled` (default), `draft` (validated, never published) or `paused`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Sp<PostStatus>>,
    /// The text of the post (caption). A target may give its own `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Sp<String>>,
    /// Images and videos, in order. Paths are relative to the calendar root. A target may give
    /// its own `media`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Sp<Vec<MediaRef>>>,
    /// Where to publish: `platform/account` (an account of postcal.yaml) to that target's options.
    #[schemars(schema_with = "super::targets::targets_schema")]
    pub targets: Vec<Target>,
    /// Where the post was read from.
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Where a post was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub source: SourceId,
    /// Path relative to the calendar root, with `/` separators.
    pub path: String,
    /// Index of the YAML document within the file (0 for single-document files).
    pub document: usize,
    /// The whole document.
    pub span: Span,
}

impl Post {
    pub fn status(&self) -> PostStatus {
        self.status
            .as_ref()
            .map_or(PostStatus::Scheduled, |s| s.value)
    }

    /// Reads one document. `None` when the document is not usable at all (not a mapping, or
    /// missing `id`/`at`/`targets`); every problem has been recorded in `cx`.
    pub fn read(node: &Node, origin: Origin, cx: &mut Cx) -> Option<Post> {
        let mut f = Fields::new(node, "post", cx)?;
        let id = f.required::<String>(
            "id",
            cx,
            "add `id: some-unique-name`; it identifies the post in postcal's state",
        );
        let at = f.required::<String>(
            "at",
            cx,
            "add `at: 2026-12-01 09:00` (local time in the post's timezone)",
        );
        let timezone = f.optional("timezone", cx);
        let repeat = f.optional("repeat", cx);
        let until = f.optional("until", cx);
        let status = f.optional("status", cx);
        let text = f.optional("text", cx);
        let media = MediaRef::read_field(&mut f, cx);
        let targets = match f.get("targets") {
            Some(node) => read_targets(node, cx),
            None => {
                let d = Diagnostic::error(Code::ManifestMissingField, "post is missing the required field `targets`")
                    .at(f.span(cx), "`targets` missing here")
                    .help("add `targets:` with at least one `platform/account` from postcal.yaml, e.g. `instagram/acme: {}`");
                cx.push(d);
                None
            }
        };
        f.finish(cx);
        Some(Post {
            id: id?,
            at: at?,
            timezone,
            repeat,
            until,
            status,
            text,
            media,
            targets: targets?,
            origin,
        })
    }
}

/// One media file of a post.
#[derive(Debug, Clone, Serialize)]
pub struct MediaRef {
    /// Path relative to the calendar root, e.g. `media/launch.jpg`.
    pub file: Sp<String>,
    /// Alternative text for people who cannot see the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt: Option<Sp<String>>,
    /// The whole entry.
    #[serde(skip)]
    pub span: Span,
}

impl MediaRef {
    /// The `media` field of a post or target.
    pub fn read_field(f: &mut Fields, cx: &mut Cx) -> Option<Sp<Vec<MediaRef>>> {
        let node = f.get("media")?;
        let span = cx.span(node);
        // The parser's span of a sequence may cover only its first character: extend it over
        // the last entry so labels on "the media list" underline all of it.
        Self::read_list(node, cx).map(|list| {
            let end = list
                .last()
                .map_or(span.end(), |m| m.span.end().max(span.end()));
            Sp::new(list, Span::new(span.source, span.start, end - span.start))
        })
    }

    /// A list of media: each item either a path or `{file, alt}`.
    pub fn read_list(node: &Node, cx: &mut Cx) -> Option<Vec<MediaRef>> {
        let NodeKind::Seq(items) = &node.kind else {
            let d = Diagnostic::error(
                Code::ManifestWrongType,
                format!("expected a list of media, found {}", node.describe()),
            )
            .at(cx.span(node), "expected a list")
            .help("write `media:` followed by items such as `- file: media/photo.jpg`");
            cx.push(d);
            return None;
        };
        let read: Vec<Option<MediaRef>> = items
            .iter()
            .map(|item| MediaRef::from_node(item, cx))
            .collect();
        read.into_iter().collect()
    }
}

impl FromNode for MediaRef {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        let span = cx.span(node);
        if let NodeKind::Str(path) = &node.kind {
            return Some(MediaRef {
                file: Sp::new(path.clone(), span),
                alt: None,
                span,
            });
        }
        let mut f = Fields::new(node, "media entry", cx)?;
        let file = f.required::<String>(
            "file",
            cx,
            "add `file: media/<name>` (a path relative to the calendar root)",
        );
        let alt = f.optional("alt", cx);
        f.finish(cx);
        Some(MediaRef {
            file: file?,
            alt,
            span,
        })
    }
}

impl JsonSchema for MediaRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MediaRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A media file: its path relative to the calendar root, or `{file, alt}`.",
            "anyOf": [
                { "type": "string", "description": "Path relative to the calendar root, e.g. `media/launch.jpg`." },
                {
                    "type": "object",
                    "properties": {
                        "file": { "type": "string", "description": "Path relative to the calendar root, e.g. `media/launch.jpg`." },
                        "alt": { "type": "string", "description": "Alternative text describing the image for people who cannot see it (Instagram: at most 1,000 characters)." }
                    },
                    "required": ["file"],
                    "additionalProperties": false
                }
            ]
        })
    }
}
