//! The TikTok publisher (docs/platform-rules.md §2): direct posts through the Content Posting API,
//! videos (chunked `FILE_UPLOAD`, or `PULL_FROM_URL` from a verified domain) and photo posts
//! (pulled).
//!
//! - **prepare** is local: stage the media, decide how the video travels (pulled when its
//!   staged URL is on a domain or prefix verified with TikTok, else uploaded by the chunk plan
//!   of [`upload`]), check lengths and kinds. TikTok has no harmless remote prepare for a
//!   direct post, so nothing is sent.
//! - **ready**, right before each post as TikTok requires: `creator_info/query`; the privacy
//!   level must be one the creator offers, toggles the creator disabled are sent disabled, the
//!   video must fit the creator's maximum duration; the creator's daily cap and the per-token
//!   rates are kept locally ([`limits`]).
//! - **commit** is the init (`video/init` or `content/init`), the one irreversible call. Its
//!   `publish_id` is the slot's remote id; for an upload, the `upload_url` rides along to
//!   **follow_up** in memory only (it is a credential), which sends the chunks.
//! - **lookup** is `status/fetch` ([`status`]).
//!
//! # After an ambiguous init
//! TikTok offers no idempotency key and no way to list or find a creator's posts through this
//! API: a post can only be looked up by the `publish_id` the init answers. So:
//! - The slot is `armed` (flushed) before the init is sent, and an answered `publish_id` is
//!   flushed as `committed` before anything else happens (the upload follows). From then on
//!   the slot is settled by status fetches alone: published, pending, or failed (and only
//!   failures that leave nothing public allow a new attempt).
//! - When the init gets no usable answer — a timeout, a dropped connection, a 5xx, a 2xx
//!   without a `publish_id` — or postcal stops while it is in flight, TikTok may have created
//!   the post. The commit is answered [`FailureClass::Ambiguous`] and the slot stays armed
//!   without a `publish_id`; its look-up answers `Unknown`, and the slot becomes
//!   `needs_review` with a message naming the account and the time to check on the creator's
//!   profile. **postcal never sends that init again**: a duplicate post cannot be taken back,
//!   while a missing one can be posted by hand. The daily cap counts it as made.
//! - An init TikTok refused with a documented error (4xx: privacy, URL ownership, bad fields,
//!   caps, rates, tokens) created nothing: it fails or waits as [`errors`] classifies it.
//!
//! # Guarantees
//! - Tokens and upload URLs appear in no message, log line or record.
//! - TikTok's documented rates (init 6, status 30, creator_info 20 a minute per token) are
//!   never exceeded by this publisher: a full window answers a wait and sends nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use self::api::{Api, CallError, CreatorInfo};
use self::limits::{Call, Full, Limits, Rates};
use self::memory::Memory;
use self::post::{Init, Media, Options, Transfer};
use self::status::{Known, UPLOAD_DEAD_AFTER};
use self::upload::{Received, Resend, Upload};
use super::TargetKey;
use super::context::Context;
use super::credentials::AccountAccess;
use super::graph::Step;
use crate::media::probe_file;
use crate::reconcile::publisher::BoxFuture;
use crate::reconcile::{
    Commit, Failure, FailureClass, FollowUp, LookupResult, Outcome, Prepared, Publisher, SlotJob,
};
use crate::state::SlotKey;

pub mod api;
pub mod errors;
pub mod limits;
mod memory;
pub mod post;
pub mod status;
pub mod upload;

#[cfg(test)]
mod post_tests;
#[cfg(test)]
mod upload_tests;

pub struct TiktokPublisher {
    cx: Context,
    limits: Limits,
    resend: Resend,
    memory: Memory,
}

fn wait(full: Full) -> Failure {
    Failure::wait(full.until, full.why)
}

impl TiktokPublisher {
    pub fn new(cx: Context) -> Self {
        Self {
            cx,
            limits: Limits::new(Rates::default()),
            resend: Resend::default(),
            memory: Memory::default(),
        }
    }

    /// Other rates and caps than TikTok's documented ones (tests, a creator with a lower cap).
    pub fn with_rates(mut self, rates: Rates) -> Self {
        self.limits = Limits::new(rates);
        self
    }

    /// How chunks are resent after server errors.
    pub fn with_resend(mut self, resend: Resend) -> Self {
        self.resend = resend;
        self
    }

    fn api<'a>(&'a self, access: &'a AccountAccess) -> Api<'a> {
        Api {
            http: &self.cx.http,
            base: &self.cx.endpoints.tiktok_api,
            token: &access.token,
        }
    }

    /// Classifies a failed call, and forgets a token TikTok refused.
    fn failure(
        &self,
        target: &TargetKey,
        access: &AccountAccess,
        e: CallError,
        step: Step,
    ) -> Failure {
        let e_invalid = e.is_invalid_token();
        if e_invalid {
            self.cx.credentials.rejected(target, &access.token);
        }
        let now = self.cx.now();
        let mut f = errors::classify(e, step, now, self.limits.daily_frees_at(target, now));
        f.message = access.token.scrub(&f.message);
        if e_invalid {
            f.message = crate::platform::context::name_login(&f.message, target);
        }
        f
    }

    /// The slot's media, staged and checked (once per content; again after a restart).
    async fn stage(&self, job: &SlotJob) -> Outcome<Arc<Media>> {
        let now = self.cx.now();
        if let Some(media) = self.memory.media(job, now) {
            return Ok(media);
        }
        let options = Options::read(job.content.options())?;
        let files = self.cx.stage_all(job).await?;
        let mut media = Media::of(files, |url| self.cx.media.tiktok_verified(url))?;
        if let Media::Video {
            file, duration_ms, ..
        } = &mut media
        {
            let path = file.path.clone();
            *duration_ms = tokio::task::spawn_blocking(move || {
                probe_file(&path)
                    .ok()
                    .and_then(|info| info.video().map(|v| v.duration_ms))
            })
            .await
            .ok()
            .flatten();
        }
        post::check_content(&options, job.content.text.as_deref(), &media)?;
        let media = Arc::new(media);
        self.memory.keep_media(job, media.clone(), now);
        Ok(media)
    }

    /// `creator_info/query`, within its rate.
    async fn creator_info(
        &self,
        target: &TargetKey,
        access: &AccountAccess,
    ) -> Outcome<CreatorInfo> {
        let now = self.cx.now();
        self.limits
            .take(Call::CreatorInfo, &access.token, now)
            .map_err(wait)?;
        let info = self
            .api(access)
            .creator_info()
            .await
            .map_err(|e| self.failure(target, access, e, Step::Harmless))?;
        self.memory.keep_creator(target, info.clone(), now);
        Ok(info)
    }

    /// The creator_info of the check just before, else a fresh one.
    async fn fresh_creator_info(
        &self,
        target: &TargetKey,
        access: &AccountAccess,
    ) -> Outcome<CreatorInfo> {
        let cached = self.memory.creator(target, self.cx.now());
        match cached {
            Some(info) => Ok(info),
            None => self.creator_info(target, access).await,
        }
    }

    async fn prepare_inner(&self, job: &SlotJob) -> Outcome<Prepared> {
        self.cx.access(&job.key.target).await?;
        self.stage(job).await?;
        Ok(Prepared::default())
    }

    async fn ready_inner(&self, job: &SlotJob) -> Outcome<()> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        let options = Options::read(job.content.options())?;
        let media = self.stage(job).await?;
        if let Some(full) = self.limits.daily_full(target, self.cx.now()) {
            return Err(wait(full));
        }
        let creator = self.creator_info(target, &access).await?;
        let allowed = post::check_creator(&options, &creator, &media, target)?;
        for note in &allowed.notes {
            tracing::warn!(account = %target, "{note}");
        }
        Ok(())
    }

    async fn commit_inner(&self, job: &SlotJob) -> Outcome<Commit> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        let options = Options::read(job.content.options())?;
        let media = self.stage(job).await?;
        let creator = self.fresh_creator_info(target, &access).await?;
        let allowed = post::check_creator(&options, &creator, &media, target)?;
        let now = self.cx.now();
        if let Some(full) = self.limits.daily_full(target, now) {
            return Err(wait(full));
        }
        let init = post::init(&options, &allowed, job.content.text.as_deref(), &media);
        self.limits
            .take(Call::Init, &access.token, now)
            .map_err(wait)?;
        let api = self.api(&access);
        let answer = match &init {
            Init::Video(v) => api.video_init(v).await,
            Init::Photo(p) => api.content_init(p).await,
        };
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                let f = self.failure(target, &access, e, Step::Commit);
                if f.class == FailureClass::Ambiguous {
                    // It may be a post: it counts against the creator's cap.
                    self.limits.count_post(target, now);
                }
                return Err(f);
            }
        };
        self.limits.count_post(target, now);
        tracing::info!(slot = %job.key, publish_id = %answer.publish_id, "TikTok accepted the post");
        let then = answer
            .upload_url
            .as_deref()
            .and_then(|url| post::upload(&media, &answer.publish_id, url))
            .map(|up| FollowUp(Box::new(up)));
        if then.is_none()
            && matches!(
                &*media,
                Media::Video {
                    transfer: Transfer::Upload(_),
                    ..
                }
            )
        {
            tracing::warn!(slot = %job.key, publish_id = %answer.publish_id, "TikTok answered no upload_url: the video cannot be sent; the post is settled by look-up");
        }
        Ok(Commit::Accepted {
            remote_ids: vec![answer.publish_id],
            then,
        })
    }

    async fn follow_up_inner(&self, job: &SlotJob, then: FollowUp) -> Outcome<()> {
        let up = then.0.downcast::<Upload>().map_err(|_| {
            Failure::permanent("internal: a TikTok follow-up that is not an upload")
        })?;
        let progress = Received {
            publisher: self,
            target: &job.key.target,
            publish_id: &up.publish_id,
        };
        upload::send_chunks(&self.cx.http, &up, &progress, self.resend).await?;
        tracing::info!(slot = %job.key, publish_id = %up.publish_id, "video uploaded to TikTok");
        Ok(())
    }

    async fn lookup_inner(
        &self,
        job: &SlotJob,
        prepared: &Prepared,
        since: DateTime<Utc>,
    ) -> Outcome<LookupResult> {
        let target = &job.key.target;
        let Some(publish_id) = prepared.remote_ids.first() else {
            // Only to name the profile to check: any failure here leaves the account's key.
            let username = match self.memory.username(target) {
                Some(u) => Some(u),
                None => match self.cx.access(target).await {
                    Ok(access) => self
                        .creator_info(target, &access)
                        .await
                        .ok()
                        .map(|c| c.creator_username),
                    Err(_) => None,
                },
            };
            return Ok(status::no_publish_id(target, username.as_deref(), since));
        };
        let access = self.cx.access(target).await?;
        let now = self.cx.now();
        self.limits
            .take(Call::Status, &access.token, now)
            .map_err(wait)?;
        let s = self
            .api(&access)
            .status_fetch(publish_id)
            .await
            .map_err(|e| self.failure(target, &access, e, Step::Harmless))?;
        let mut known = Known {
            age: now - since,
            ..Known::default()
        };
        let complete = s.status == "PUBLISH_COMPLETE";
        if complete || (s.status == "PROCESSING_UPLOAD" && known.age > UPLOAD_DEAD_AFTER) {
            // Staging is harmless and cached; what it tells is a nicety or a safeguard.
            if let Ok(media) = self.stage(job).await {
                known.photo = media.is_photo();
                if let Media::Video {
                    transfer: Transfer::Upload(plan),
                    ..
                } = &*media
                {
                    known.video_size = Some(plan.video_size);
                }
            }
        }
        if complete && s.post_id().is_some() {
            known.username = match self.memory.username(target) {
                Some(u) => Some(u),
                None => self
                    .creator_info(target, &access)
                    .await
                    .ok()
                    .map(|c| c.creator_username),
            };
        }
        let found = status::resolve(publish_id, &s, &known);
        if !matches!(found, LookupResult::Pending { .. }) {
            self.memory.forget_media(&job.key);
        }
        Ok(found)
    }
}

impl Publisher for TiktokPublisher {
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>> {
        Box::pin(self.prepare_inner(job))
    }

    fn ready<'a>(&'a self, job: &'a SlotJob, _p: &'a Prepared) -> BoxFuture<'a, Outcome<()>> {
        Box::pin(self.ready_inner(job))
    }

    fn commit<'a>(&'a self, job: &'a SlotJob, _p: &'a Prepared) -> BoxFuture<'a, Outcome<Commit>> {
        Box::pin(self.commit_inner(job))
    }

    fn follow_up<'a>(
        &'a self,
        job: &'a SlotJob,
        _remote_ids: &'a [String],
        then: FollowUp,
    ) -> BoxFuture<'a, Outcome<()>> {
        Box::pin(self.follow_up_inner(job, then))
    }

    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        p: &'a Prepared,
        since: DateTime<Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>> {
        Box::pin(self.lookup_inner(job, p, since))
    }

    fn seed_history(&self, published: &[(SlotKey, DateTime<Utc>)]) {
        self.limits.seed(
            published.iter().map(|(k, at)| (k.target.clone(), *at)),
            self.cx.now(),
        );
    }
}
