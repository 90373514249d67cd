//! How publishers get a post's media to a platform: [`MediaHost`] stages a file for a platform
//! (converting it where the platform requires: PNG to JPEG, MP4 remuxed) and says where the
//! platform can fetch it, or hands its bytes for an upload.
//!
//! # Guarantees
//! - Only media named by a post and staged for it are ever shared, each under a URL that is
//!   valid until the slot no longer needs it.
//! - Failures are classified: a file that cannot be converted is permanent (fix the media);
//!   an I/O problem is retryable.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::Platform;
use crate::media::MediaFormat;
use crate::plan::desired::MediaContent;
use crate::reconcile::Failure;
use crate::reconcile::publisher::BoxFuture;

/// A media file ready for one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedRef {
    /// Where the platform fetches it (public URL, or loopback for the sandbox).
    pub url: String,
    pub format: MediaFormat,
    pub size: u64,
    /// SHA-256 of the bytes the platform receives (after conversion), hex.
    pub sha256: String,
    /// The staged file, for uploads in chunks.
    pub path: PathBuf,
    pub alt: Option<String>,
}

impl StagedRef {
    pub fn is_video(&self) -> bool {
        self.format.is_video()
    }
}

/// Stages and shares media for the publishers.
pub trait MediaHost: Send + Sync {
    /// Stages `media` (a file of the calendar) for `platform`, shared until `until`.
    fn stage<'a>(
        &'a self,
        media: &'a MediaContent,
        platform: Platform,
        until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<StagedRef, Failure>>;

    /// Whether `url` is on a domain (or URL prefix) the account verified with TikTok, so
    /// TikTok may pull from it (`PULL_FROM_URL`).
    fn tiktok_verified(&self, _url: &str) -> bool {
        false
    }
}
