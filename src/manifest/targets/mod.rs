//! Targets: where a post goes (`platform/account`) and that platform's options.
//!
//! One file per platform holds its options struct; adding a platform means adding a file here and
//! a variant to [`TargetOptions`].

mod facebook;
mod instagram;
mod threads;
mod tiktok;

pub use facebook::FacebookOptions;
pub use instagram::{InstagramKind, InstagramOptions};
pub use threads::ThreadsOptions;
pub use tiktok::{TiktokOptions, TiktokPrivacy};

use serde::Serialize;

use super::post::MediaRef;
use crate::diag::{Code, Diagnostic, suggest};
use crate::platform::Platform;
use crate::yaml::{Cx, Fields, Node, NodeKind, Sp};

/// One `platform/account: {options}` entry of a post.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// `instagram/acme`, as written.
    pub key: Sp<String>,
    pub platform: Platform,
    /// The account name after the slash.
    pub account: String,
    pub options: TargetOptions,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TargetOptions {
    Instagram(InstagramOptions),
    Tiktok(TiktokOptions),
    Threads(ThreadsOptions),
    Facebook(FacebookOptions),
}

impl TargetOptions {
    /// The target's own text, overriding the post's.
    pub fn text(&self) -> Option<&Sp<String>> {
        match self {
            Self::Instagram(o) => o.text.as_ref(),
            Self::Tiktok(o) => o.text.as_ref(),
            Self::Threads(o) => o.text.as_ref(),
            Self::Facebook(o) => o.text.as_ref(),
        }
    }

    /// The target's own media, overriding the post's.
    pub fn media(&self) -> Option<&Sp<Vec<MediaRef>>> {
        match self {
            Self::Instagram(o) => o.media.as_ref(),
            Self::Tiktok(o) => o.media.as_ref(),
            Self::Threads(o) => o.media.as_ref(),
            Self::Facebook(o) => o.media.as_ref(),
        }
    }
}

impl Target {
    /// The typed `platform/account` key.
    pub fn target_key(&self) -> crate::platform::TargetKey {
        crate::platform::TargetKey::new(self.platform, &self.account)
    }

    /// The text this target publishes: its own, else the post's.
    pub fn text<'a>(&'a self, post: &'a super::Post) -> Option<&'a Sp<String>> {
        self.options.text().or(post.text.as_ref())
    }

    /// The media this target publishes: its own, else the post's.
    pub fn media<'a>(&'a self, post: &'a super::Post) -> Option<&'a Sp<Vec<MediaRef>>> {
        self.options.media().or(post.media.as_ref())
    }
}

/// Splits `platform/account`, reporting what is wrong with a malformed key.
pub fn parse_target_key(key: &Sp<String>, what: &str, cx: &mut Cx) -> Option<(Platform, String)> {
    let platform_keys = Platform::ALL.map(Platform::key);
    let Some((platform, account)) = key.split_once('/') else {
        let help = match suggest::closest(key, platform_keys) {
            Some(p) => format!("write it as `{p}/<account>`"),
            None => format!(
                "write it as `platform/account`, e.g. `instagram/{}`",
                key.value
            ),
        };
        let d = Diagnostic::error(
            Code::ManifestInvalidTarget,
            format!(
                "{what} `{}` is not of the form `platform/account`",
                key.value
            ),
        )
        .at(key.span, "expected `platform/account`")
        .help(help);
        cx.push(d);
        return None;
    };
    let Ok(platform) = platform.parse::<Platform>() else {
        let help = match suggest::closest(platform, platform_keys) {
            Some(p) => format!("did you mean `{p}/{account}`?"),
            None => "postcal publishes to instagram, tiktok, threads and facebook".to_owned(),
        };
        let d = Diagnostic::error(
            Code::ManifestUnknownPlatform,
            format!("unknown platform `{platform}` in {what} `{}`", key.value),
        )
        .at(key.span, "unknown platform")
        .help(help);
        cx.push(d);
        return None;
    };
    if account.is_empty() || account.contains('/') {
        let d = Diagnostic::error(
            Code::ManifestInvalidTarget,
            format!(
                "{what} `{}` needs exactly one account name after `{platform}/`",
                key.value
            ),
        )
        .at(key.span, "expected `platform/account`")
        .help(format!(
            "write it as `{platform}/<account>`, with an account name from postcal.yaml"
        ));
        cx.push(d);
        return None;
    }
    Some((platform, account.to_owned()))
}

/// Reads the `targets` mapping. Entries that cannot be read are reported and left out; the
/// result is `None` only when `targets` is not a mapping at all.
pub fn read_targets(node: &Node, cx: &mut Cx) -> Option<Vec<Target>> {
    let mut f = Fields::new(node, "targets", cx)?;
    let mut targets = Vec::new();
    let entries = f.remaining(cx);
    if entries.is_empty() {
        let d = Diagnostic::error(
            Code::ManifestNoTargets,
            "`targets` is empty: the post goes nowhere",
        )
        .at(cx.span(node), "no targets")
        .help("add at least one `platform/account` from postcal.yaml, e.g. `instagram/acme: {}`");
        cx.push(d);
    }
    for (key, value) in entries {
        let Some((platform, account)) = parse_target_key(&key, "target", cx) else {
            continue;
        };
        if let Some(options) = read_options(platform, value, cx) {
            targets.push(Target {
                key,
                platform,
                account,
                options,
            });
        }
    }
    Some(targets)
}

fn read_options(platform: Platform, node: &Node, cx: &mut Cx) -> Option<TargetOptions> {
    // `facebook/acme:` with nothing after it means "no options".
    let empty = Node {
        kind: NodeKind::Map(Vec::new()),
        start: node.start,
        len: node.len,
    };
    let node = if node.is_null() { &empty } else { node };
    Some(match platform {
        Platform::Instagram => {
            let mut f = Fields::new(node, "instagram options", cx)?;
            let o = InstagramOptions::read(&mut f, cx);
            f.finish(cx);
            TargetOptions::Instagram(o)
        }
        Platform::Tiktok => {
            let mut f = Fields::new(node, "tiktok options", cx)?;
            let o = TiktokOptions::read(&mut f, cx);
            f.finish(cx);
            TargetOptions::Tiktok(o)
        }
        Platform::Threads => {
            let mut f = Fields::new(node, "threads options", cx)?;
            let o = ThreadsOptions::read(&mut f, cx);
            f.finish(cx);
            TargetOptions::Threads(o)
        }
        Platform::Facebook => {
            let mut f = Fields::new(node, "facebook options", cx)?;
            let o = FacebookOptions::read(&mut f, cx);
            f.finish(cx);
            TargetOptions::Facebook(o)
        }
    })
}

/// JSON Schema of `targets`: an object keyed `platform/account`, each platform's key pattern
/// mapped to its own options so editors complete and explain exactly that platform's fields.
pub fn targets_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let instagram = generator.subschema_for::<InstagramOptions>();
    let tiktok = generator.subschema_for::<TiktokOptions>();
    let threads = generator.subschema_for::<ThreadsOptions>();
    let facebook = generator.subschema_for::<FacebookOptions>();
    schemars::json_schema!({
        "description": "Where to publish. Keys are `platform/account` with an account from postcal.yaml; values are that platform's options (`{}` for none).",
        "type": "object",
        "minProperties": 1,
        "patternProperties": {
            "^instagram/[^/]+$": { "anyOf": [instagram, { "type": "null" }] },
            "^tiktok/[^/]+$": { "anyOf": [tiktok, { "type": "null" }] },
            "^threads/[^/]+$": { "anyOf": [threads, { "type": "null" }] },
            "^facebook/[^/]+$": { "anyOf": [facebook, { "type": "null" }] },
        },
        "additionalProperties": false
    })
}
