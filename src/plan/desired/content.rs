//! What a target publishes ([`Content`]), and its hash: the identity of a publication. Built
//! from a post as written and the hashes of its media files.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::manifest::targets::Target;
use crate::manifest::{Post, TargetOptions};
use crate::platform::Platform;

/// What one target publishes, as the publisher receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Content {
    pub platform: Platform,
    /// Shared by the targets that publish the post's own text.
    pub text: Option<Arc<str>>,
    pub media: Vec<MediaContent>,
    /// The target's platform options (kind, privacy, ...) without `text`/`media`, as compact
    /// JSON: a daemon holds thousands of these, and a JSON tree costs several times its text.
    #[serde(serialize_with = "json_text")]
    pub options: Box<str>,
}

/// Serializes JSON text as the JSON value it holds.
fn json_text<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    serde_json::from_str::<serde_json::Value>(text)
        .unwrap_or_default()
        .serialize(s)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaContent {
    /// Path relative to the calendar root.
    pub file: String,
    /// SHA-256 of the file's bytes, hex; empty when the file cannot be read.
    pub sha256: String,
    pub alt: Option<String>,
}

impl Content {
    /// The options as a JSON value (`null` when there are none).
    pub fn options(&self) -> serde_json::Value {
        serde_json::from_str(&self.options).unwrap_or_default()
    }

    /// SHA-256 over the canonical JSON of the content, hex.
    pub fn hash(&self) -> String {
        #[derive(Serialize)]
        struct Hashed<'a> {
            platform: Platform,
            text: &'a Option<Arc<str>>,
            media: Vec<(&'a str, &'a Option<String>)>,
            options: &'a serde_json::Value,
        }
        let hashed = Hashed {
            platform: self.platform,
            text: &self.text,
            media: self
                .media
                .iter()
                .map(|m| (m.sha256.as_str(), &m.alt))
                .collect(),
            options: &self.options(),
        };
        // serde_json maps are sorted (no preserve_order), so this is canonical. Serialized
        // straight into the hasher: no intermediate buffer.
        struct Digest(Sha256);
        impl std::io::Write for Digest {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut digest = Digest(Sha256::new());
        // Writing into a hasher cannot fail, and these types always serialize.
        let _ = serde_json::to_writer(&mut digest, &hashed);
        hex(&digest.0.finalize())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// A target's media list with each file's hash.
pub(super) fn media_content(
    post: &Post,
    target: &Target,
    mut hash: impl FnMut(&str) -> String,
) -> Vec<MediaContent> {
    target
        .media(post)
        .map(|m| m.value.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|m| MediaContent {
            file: m.file.value.clone(),
            sha256: hash(&m.file.value),
            alt: m.alt.as_ref().map(|a| a.value.clone()),
        })
        .collect()
}

/// What a target publishes, from its manifest and its media.
pub(super) fn build_content(
    post_text: Option<&Arc<str>>,
    target: &Target,
    media: Vec<MediaContent>,
) -> Content {
    let mut options = serde_json::to_value(&target.options).unwrap_or_default();
    if let Some(map) = options.as_object_mut() {
        map.remove("text");
        map.remove("media");
    }
    let text = match target.options.text() {
        Some(own) => Some(Arc::from(own.value.as_str())),
        None => post_text.cloned(),
    };
    Content {
        platform: target.platform,
        text,
        media,
        options: options.to_string().into(),
    }
}

/// The media files a post names (in its media lists, and an Instagram reel's cover).
pub(super) fn media_files(post: &Post) -> impl Iterator<Item = &str> {
    post.targets.iter().flat_map(move |target| {
        let listed = target
            .media(post)
            .map(|m| m.value.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|m| m.file.value.as_str());
        let cover = match &target.options {
            TargetOptions::Instagram(o) => o.cover.as_ref().map(|c| c.value.as_str()),
            _ => None,
        };
        listed.chain(cover)
    })
}
