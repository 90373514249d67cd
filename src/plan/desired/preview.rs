//! What a target publishes, in brief, for people reading a plan: the kind of post in words, a
//! caption excerpt, the media count and the conversions postcal will make when it stages the
//! media for that platform.
//!
//! Only a scanner made with [`super::Scanner::with_previews`] builds them (`plan`, `show`):
//! a daemon keeps no texts in memory.

use std::collections::HashMap;

use serde::Serialize;

use super::Content;
use crate::media::path::MediaRoot;
use crate::media::stage::{Expected, expected, need_for};
use crate::media::{MediaInfo, probe_reader};

/// Longest caption excerpt, in characters.
pub const EXCERPT_CHARS: usize = 60;

/// A target's content in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// The kind of post in words: `carousel of 3`, `reel`, `link post`.
    pub kind: String,
    /// The text it publishes (after the target's own `text`), cut at a word boundary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// How many media files it publishes.
    pub media: usize,
    /// What postcal will do to its media before the platform gets them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conversions: Vec<PlannedConversion>,
}

/// One conversion of one media file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedConversion {
    /// The file as the manifest names it.
    pub file: String,
    #[serde(flatten)]
    pub conversion: Expected,
    /// The conversion in words: `PNG → JPEG`.
    pub says: String,
}

impl Preview {
    /// The line people read: `carousel of 3, 3 media (carousel-2.png: PNG → JPEG):
    /// "Inside the roastery…"`.
    pub fn line(&self) -> String {
        let mut out = self.kind.clone();
        if self.media > 0 {
            out.push_str(&format!(", {} media", self.media));
        }
        if !self.conversions.is_empty() {
            let conversions: Vec<String> = self
                .conversions
                .iter()
                .map(|c| {
                    let name = c.file.rsplit('/').next().unwrap_or(&c.file);
                    format!("{name}: {}", c.says)
                })
                .collect();
            out.push_str(&format!(" ({})", conversions.join("; ")));
        }
        if let Some(text) = &self.excerpt {
            out.push_str(&format!(": \"{text}\""));
        }
        out
    }
}

/// Probes of media files (headers only), each file once, for the conversions.
#[derive(Debug, Default)]
pub struct Probes {
    by_file: HashMap<String, Option<MediaInfo>>,
}

impl Probes {
    /// Probes `file` (as a manifest names it) unless it was already.
    pub fn probe(&mut self, root: &MediaRoot, file: &str) {
        if !self.by_file.contains_key(file) {
            let info = root
                .open(file)
                .ok()
                .and_then(|f| probe_reader(f.into_file()).ok());
            self.by_file.insert(file.to_owned(), info);
        }
    }

    /// The preview of `content`, its media probed before.
    pub fn preview(&self, content: &Content) -> Preview {
        let need = need_for(content.platform);
        let conversions = content
            .media
            .iter()
            .filter_map(|m| {
                let info = self.by_file.get(&m.file)?.as_ref()?;
                let conversion = expected(info, need)?;
                Some(PlannedConversion {
                    file: m.file.clone(),
                    conversion,
                    says: conversion.to_string(),
                })
            })
            .collect();
        Preview {
            kind: crate::plan::kind::label(content),
            excerpt: content
                .text
                .as_deref()
                .map(|t| crate::human::excerpt(t, EXCERPT_CHARS))
                .filter(|t| !t.is_empty()),
            media: content.media.len(),
            conversions,
        }
    }
}
