//! How publishers get a post's media to a platform: [`MediaHost`] stages a file for a platform
//! (converting it where the platform requires: PNG to JPEG, MP4 remuxed) and says where the
//! platform can fetch it, or hands its bytes for an upload.
//!
//! # Guarantees
//! - Only media named by a post and staged for it are ever shared, each under a URL that is
//!   valid until the slot no longer needs it.
//! - Failures are classified: a file that cannot be converted is permanent (fix the media);
//!   an I/O problem is retryable.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Platform;
use crate::media::MediaFormat;
use crate::media::server::MediaServer;
use crate::media::stage::{StageError, Stager, need_for};
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

/// Stages into the calendar's state directory ([`Stager`]) and shares through postcal's media
/// server ([`MediaServer`]) under `base_url` (`public_url`, or the server's loopback address
/// for the sandbox).
pub struct LocalMediaHost {
    root: PathBuf,
    stager: Arc<Stager>,
    server: Arc<MediaServer>,
    /// `None`: no `public_url`, so nothing can be pulled by a platform.
    base_url: Option<String>,
    /// URL prefixes TikTok accepts pulls from (verified in its developer portal).
    tiktok_verified: Vec<String>,
}

impl LocalMediaHost {
    pub fn new(
        root: &Path,
        stager: Arc<Stager>,
        server: Arc<MediaServer>,
        base_url: Option<String>,
        tiktok_verified: Vec<String>,
    ) -> Self {
        Self {
            root: root.to_path_buf(),
            stager,
            server,
            base_url: base_url.map(|b| b.trim_end_matches('/').to_owned()),
            tiktok_verified,
        }
    }
}

fn stage_failure(e: StageError) -> Failure {
    match e {
        StageError::Io { .. } | StageError::SourceChanged(_) => Failure::retryable(e.to_string()),
        _ => Failure::permanent(e.to_string()),
    }
}

impl MediaHost for LocalMediaHost {
    fn stage<'a>(
        &'a self,
        media: &'a MediaContent,
        platform: Platform,
        until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<StagedRef, Failure>> {
        Box::pin(async move {
            let stager = self.stager.clone();
            let source = self.root.join(&media.file);
            let staged =
                tokio::task::spawn_blocking(move || stager.stage(&source, &need_for(platform)))
                    .await
                    .map_err(|e| {
                        Failure::retryable(format!("staging {} stopped: {e}", media.file))
                    })?
                    .map_err(stage_failure)?;
            let url = match &self.base_url {
                Some(base) => format!("{base}{}", self.server.share(&staged, until)),
                // Uploads (TikTok FILE_UPLOAD) read the staged file; pulls need a public URL.
                None => String::new(),
            };
            Ok(StagedRef {
                url,
                format: staged.format,
                size: staged.size,
                sha256: staged.sha256,
                path: staged.path,
                alt: media.alt.clone(),
            })
        })
    }

    fn tiktok_verified(&self, url: &str) -> bool {
        !url.is_empty()
            && self
                .tiktok_verified
                .iter()
                .any(|p| url.starts_with(p.as_str()))
    }
}
