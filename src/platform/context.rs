//! What every publisher is built from: the HTTP client, the base URLs, the credentials, the
//! media host and the clock.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::containers::Poll;
use super::credentials::{AccountAccess, CredentialError, Credentials};
use super::graph::CallError;
use super::http::Endpoints;
use super::media::{MediaHost, StagedRef};
use super::{Platform, TargetKey};
use crate::clock::SharedClock;
use crate::plan::desired::MediaContent;
use crate::reconcile::{Failure, Outcome, SlotJob};

/// How long a slot's media stay shared: a container is valid for 24 h, a TikTok pull may take
/// an hour; a retry later stages again.
const SHARE_FOR: chrono::Duration = chrono::Duration::hours(26);

/// Shared by the four publishers.
#[derive(Clone)]
pub struct Context {
    pub http: reqwest::Client,
    pub endpoints: Endpoints,
    pub credentials: Arc<dyn Credentials>,
    pub media: Arc<dyn MediaHost>,
    pub clock: SharedClock,
    pub poll: Poll,
    /// Graph usage budgets seen in answers' headers.
    pub usage: Arc<super::graph::Usage>,
}

impl Context {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The account's id and token; "needs login" waits (it is not a failure of the post).
    pub async fn access(&self, target: &TargetKey) -> Outcome<AccountAccess> {
        self.credentials.access(target).await.map_err(|e| match e {
            CredentialError::NeedsLogin { .. } => Failure::wait(
                self.now() + chrono::Duration::minutes(15),
                format!("needs login: {e}"),
            ),
            CredentialError::Unavailable { .. } => Failure::retryable(e.to_string()),
        })
    }

    /// Classifies a failed call, and forgets a token the platform refused.
    pub fn failure(
        &self,
        target: &TargetKey,
        access: &AccountAccess,
        e: CallError,
        step: super::graph::Step,
    ) -> Failure {
        let invalid = e.is_invalid_token();
        if invalid {
            self.credentials.rejected(target, &access.token);
        }
        let mut f = e.classify(target.platform.display_name(), step, self.now());
        f.message = access.token.scrub(&f.message);
        if invalid {
            f.message = name_login(&f.message, target);
        }
        f
    }

    /// Stages every media file of the job for its platform.
    pub async fn stage_all(&self, job: &SlotJob) -> Outcome<Vec<StagedRef>> {
        let mut staged = Vec::with_capacity(job.content.media.len());
        for m in &job.content.media {
            staged.push(self.stage(m, job.key.target.platform).await?);
        }
        Ok(staged)
    }

    /// Stages one file. Instagram, Threads and Facebook fetch media from a URL, so a calendar
    /// without `public_url` cannot publish media there (TikTok can upload instead).
    pub async fn stage(&self, media: &MediaContent, platform: Platform) -> Outcome<StagedRef> {
        let staged = self
            .media
            .stage(media, platform, self.now() + SHARE_FOR)
            .await?;
        if staged.url.is_empty() && platform != Platform::Tiktok {
            return Err(Failure::permanent(format!(
                "{} fetches media from a public URL, and postcal.yaml has no `public_url`: set it \
                 to the address at which the platforms reach postcal's media server (README, \
                 \"Publishing for real\")",
                platform.display_name()
            )));
        }
        Ok(staged)
    }

    /// A file named by an option (a reel cover), staged like the post's media.
    pub async fn stage_file(&self, file: &str, platform: Platform) -> Outcome<StagedRef> {
        let media = MediaContent {
            file: file.to_owned(),
            sha256: String::new(),
            alt: None,
        };
        self.stage(&media, platform).await
    }
}

/// A "needs login" message with the command that fixes it for this account.
pub fn name_login(message: &str, target: &TargetKey) -> String {
    message
        .replace(
            "run `postcal login` for this account",
            &format!("run `postcal login {target}`"),
        )
        .replace(
            "run `postcal login`",
            &format!("run `postcal login {target}`"),
        )
}
