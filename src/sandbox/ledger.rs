//! The ledger: the ground truth of what the sandbox published, in the order it happened.
//!
//! Tests assert "exactly once, nothing lost" against it: one entry per post that became real
//! (a `media_publish`, a `threads_publish`, a Page post or photo or video, a TikTok post that
//! reached PUBLISH_COMPLETE), with its text, the SHA-256 of every media file as the platform
//! received it, the options it was published with, and its times.
//!
//! # Guarantees
//! - Entries are only appended, with increasing `seq`; nothing is ever rewritten or removed.
//! - No entry holds a token or an app secret: entries are built from post content only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::platform::Platform;

/// One published post.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LedgerEntry {
    /// 1, 2, 3... in publishing order across all accounts.
    pub seq: u64,
    pub platform: Platform,
    pub account_id: String,
    pub username: String,
    /// The published object's id as the API returns it (IG/Threads media id, Page post id
    /// `{page}_{post}`, photo or video id, TikTok post id).
    pub post_id: String,
    /// What was published: `IMAGE`, `REELS`, `STORIES`, `CAROUSEL` (Instagram); `TEXT`,
    /// `IMAGE`, `VIDEO`, `CAROUSEL` (Threads); `FEED`, `PHOTO`, `VIDEO` (Facebook); `VIDEO`,
    /// `PHOTO` (TikTok).
    pub kind: String,
    /// Where it came from: the container id, or TikTok's `publish_id`.
    pub source: String,
    pub text: Option<String>,
    pub media: Vec<LedgerMedia>,
    /// The publishing options that were set (privacy, collaborators, link, schedule...).
    pub options: BTreeMap<String, Value>,
    /// When the commit was applied, on the sandbox clock.
    pub committed_at: DateTime<Utc>,
    /// When the post is (or will be) visible: the schedule time for a scheduled Page post.
    pub published_at: DateTime<Utc>,
}

/// One media file as the platform received it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LedgerMedia {
    /// The URL it was pulled from; `None` for a chunked upload.
    pub url: Option<String>,
    /// Lower-case hex SHA-256 of the bytes received.
    pub sha256: String,
    pub bytes: u64,
    /// `jpeg`, `png`, `webp`, `mp4`, ...
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub duration_ms: Option<u64>,
}

/// An entry before it gets its sequence number.
#[derive(Debug, Clone)]
pub(crate) struct NewEntry {
    pub platform: Platform,
    pub account_id: String,
    pub username: String,
    pub post_id: String,
    pub kind: String,
    pub source: String,
    pub text: Option<String>,
    pub media: Vec<LedgerMedia>,
    pub options: BTreeMap<String, Value>,
    pub committed_at: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub(crate) struct Ledger {
    entries: Vec<LedgerEntry>,
}

impl Ledger {
    pub fn record(&mut self, e: NewEntry) -> u64 {
        let seq = self.entries.len() as u64 + 1;
        self.entries.push(LedgerEntry {
            seq,
            platform: e.platform,
            account_id: e.account_id,
            username: e.username,
            post_id: e.post_id,
            kind: e.kind,
            source: e.source,
            text: e.text,
            media: e.media,
            options: e.options,
            committed_at: e.committed_at,
            published_at: e.published_at,
        });
        seq
    }

    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }
}
