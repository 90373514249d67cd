//! The Instagram publisher (docs/platform-rules.md §1): both flavours, Instagram Login
//! (`graph.instagram.com`) and Facebook Login (`graph.facebook.com`), which share the container
//! protocol.
//!
//! - **prepare**: create the containers (carousel children first, each `is_carousel_item`;
//!   images with `image_url` and `alt_text`, carousel videos as `VIDEO`, single videos as
//!   `REELS`, stories as `STORIES`), then wait until every one is `FINISHED`
//!   ([`containers::wait_finished`]). Containers live 24 h, so this runs ahead of time.
//! - **ready**: `content_publishing_limit`; a full quota waits (it is no failure).
//! - **commit**: `media_publish` with the top container; the answer is the media id.
//! - **lookup**: the top container's `status_code`: `PUBLISHED` → the media id and permalink
//!   from the account's recent media (`/media`, or `/stories` for a story) since the slot was
//!   armed; `FINISHED` → not published, can be committed; `EXPIRED`/`ERROR` → not published,
//!   prepare again.
//!
//! Remote ids: `[top container, children…]`.

use serde::Deserialize;
use serde_json::Value;

use super::Platform;
use super::containers::{self, Dialect, INSTAGRAM};
use super::context::Context;
use super::credentials::AccountAccess;
use super::graph::{Graph, Step, id_of};
use super::media::StagedRef;
use crate::manifest::config::InstagramLogin;
use crate::reconcile::publisher::BoxFuture;
use crate::reconcile::{Commit, Failure, LookupResult, Outcome, Prepared, Publisher, SlotJob};

/// The target's options, as the manifest gives them (`kind` inferred when absent).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Options {
    kind: Option<String>,
    collaborators: Vec<String>,
    cover: Option<String>,
    thumb_offset: Option<u64>,
    share_to_feed: Option<bool>,
    location: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Feed,
    Reel,
    Story,
    Carousel,
}

impl Kind {
    /// As written, or inferred as the validator does: one image is a feed post, one video a
    /// reel, several media a carousel.
    fn of(options: &Options, media: &[StagedRef]) -> Self {
        match options.kind.as_deref() {
            Some("reel") => Self::Reel,
            Some("story") => Self::Story,
            Some("carousel") => Self::Carousel,
            Some("feed") => Self::Feed,
            _ => match media {
                [one] if one.is_video() => Self::Reel,
                [_] | [] => Self::Feed,
                _ => Self::Carousel,
            },
        }
    }
}

pub struct InstagramPublisher {
    cx: Context,
}

impl InstagramPublisher {
    pub fn new(cx: Context) -> Self {
        Self { cx }
    }

    fn graph<'a>(&'a self, access: &'a AccountAccess) -> Graph<'a> {
        Graph {
            http: &self.cx.http,
            base: match access.login {
                InstagramLogin::Instagram => &self.cx.endpoints.instagram_graph,
                InstagramLogin::Facebook => &self.cx.endpoints.facebook_graph,
            },
            token: &access.token,
            platform: "Instagram",
            usage: &self.cx.usage,
            account: &access.id,
            now: self.cx.now(),
        }
    }

    async fn create(
        &self,
        job: &SlotJob,
        access: &AccountAccess,
        form: Vec<(&str, String)>,
    ) -> Outcome<String> {
        let graph = self.graph(access);
        let path = format!("{}/media", access.id);
        let body = graph
            .post(&path, &form)
            .await
            .and_then(|b| id_of(&b, "Instagram container creation"))
            .map_err(|e| self.cx.failure(&job.key.target, access, e, Step::Harmless))?;
        Ok(body)
    }

    async fn prepare_inner(&self, job: &SlotJob) -> Outcome<Prepared> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        let options: Options = serde_json::from_value(job.content.options()).unwrap_or_default();
        let media = self.cx.stage_all(job).await?;
        let kind = Kind::of(&options, &media);
        let caption = job.content.text.as_deref().unwrap_or("").to_owned();
        let mut shared: Vec<(&str, String)> = Vec::new();
        if !options.collaborators.is_empty() && kind != Kind::Story {
            shared.push((
                "collaborators",
                serde_json::to_string(&options.collaborators).unwrap_or_default(),
            ));
        }
        if let Some(location) = options.location.clone().filter(|_| kind != Kind::Story) {
            shared.push(("location_id", location));
        }
        let mut ids = Vec::new();
        let top = match kind {
            Kind::Feed => {
                let one = single(&media, "a feed post")?;
                let mut form = vec![("image_url", one.url.clone()), ("caption", caption)];
                if let Some(alt) = &one.alt {
                    form.push(("alt_text", alt.clone()));
                }
                form.extend(shared);
                self.create(job, &access, form).await?
            }
            Kind::Reel => {
                let one = single(&media, "a reel")?;
                let mut form = vec![
                    ("media_type", "REELS".to_owned()),
                    ("video_url", one.url.clone()),
                    ("caption", caption),
                ];
                if let Some(share) = options.share_to_feed {
                    form.push(("share_to_feed", share.to_string()));
                }
                match &options.cover {
                    // The cover wins over thumb_offset (IG-MEDIA): send only one.
                    Some(cover) => {
                        let cover = self.cx.stage_file(cover, Platform::Instagram).await?;
                        form.push(("cover_url", cover.url));
                    }
                    None => {
                        if let Some(offset) = options.thumb_offset {
                            form.push(("thumb_offset", offset.to_string()));
                        }
                    }
                }
                form.extend(shared);
                self.create(job, &access, form).await?
            }
            Kind::Story => {
                let one = single(&media, "a story")?;
                let media_field = if one.is_video() {
                    "video_url"
                } else {
                    "image_url"
                };
                let form = vec![
                    ("media_type", "STORIES".to_owned()),
                    (media_field, one.url.clone()),
                ];
                self.create(job, &access, form).await?
            }
            Kind::Carousel => {
                for item in &media {
                    let mut form = vec![("is_carousel_item", "true".to_owned())];
                    if item.is_video() {
                        form.push(("media_type", "VIDEO".to_owned()));
                        form.push(("video_url", item.url.clone()));
                    } else {
                        form.push(("image_url", item.url.clone()));
                        if let Some(alt) = &item.alt {
                            form.push(("alt_text", alt.clone()));
                        }
                    }
                    ids.push(self.create(job, &access, form).await?);
                }
                // Children must be ready before the carousel that lists them.
                containers::wait_finished(
                    &self.graph(&access),
                    Dialect::Instagram,
                    &ids,
                    self.cx.clock.as_ref(),
                    &self.cx.poll,
                )
                .await?;
                let mut form = vec![
                    ("media_type", "CAROUSEL".to_owned()),
                    ("children", ids.join(",")),
                    ("caption", caption),
                ];
                if let Some(share) = options.share_to_feed {
                    form.push(("share_to_feed", share.to_string()));
                }
                form.extend(shared);
                self.create(job, &access, form).await?
            }
        };
        containers::wait_finished(
            &self.graph(&access),
            Dialect::Instagram,
            std::slice::from_ref(&top),
            self.cx.clock.as_ref(),
            &self.cx.poll,
        )
        .await?;
        ids.insert(0, top);
        Ok(Prepared { remote_ids: ids })
    }

    async fn ready_inner(&self, job: &SlotJob) -> Outcome<()> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        containers::check_quota(&self.graph(&access), &access.id, INSTAGRAM)
            .await
            .map_err(|e| self.cx.failure(target, &access, e, Step::Harmless))?
    }

    async fn commit_inner(&self, job: &SlotJob, prepared: &Prepared) -> Outcome<Commit> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        containers::publish(&self.graph(&access), &access.id, INSTAGRAM, top(prepared)?)
            .await
            .map(Commit::Published)
            .map_err(|e| self.cx.failure(target, &access, e, Step::Commit))
    }

    async fn lookup_inner(
        &self,
        job: &SlotJob,
        prepared: &Prepared,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Outcome<LookupResult> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        // Stories are listed apart, and have no caption to match.
        let story = job.content.options().get("kind").and_then(Value::as_str) == Some("story");
        let (edge, text) = if story {
            (format!("{}/stories", access.id), None)
        } else {
            (format!("{}/media", access.id), job.content.text.as_deref())
        };
        containers::look_up(
            &self.graph(&access),
            INSTAGRAM,
            top(prepared)?,
            &edge,
            text,
            since,
        )
        .await
        .map_err(|e| self.cx.failure(target, &access, e, Step::Harmless))
    }
}

/// The one media file of a single-media kind.
pub(super) fn single<'a>(media: &'a [StagedRef], what: &str) -> Outcome<&'a StagedRef> {
    match media {
        [one] => Ok(one),
        _ => Err(Failure::permanent(format!(
            "{what} takes exactly one media file, this post has {}",
            media.len()
        ))),
    }
}

/// The container `media_publish` takes.
pub(super) fn top(prepared: &Prepared) -> Outcome<&str> {
    prepared
        .remote_ids
        .first()
        .map(String::as_str)
        .ok_or_else(|| Failure::permanent("internal: a prepared post without a container"))
}

impl Publisher for InstagramPublisher {
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>> {
        Box::pin(self.prepare_inner(job))
    }

    fn ready<'a>(&'a self, job: &'a SlotJob, _p: &'a Prepared) -> BoxFuture<'a, Outcome<()>> {
        Box::pin(self.ready_inner(job))
    }

    fn commit<'a>(&'a self, job: &'a SlotJob, p: &'a Prepared) -> BoxFuture<'a, Outcome<Commit>> {
        Box::pin(self.commit_inner(job, p))
    }

    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        p: &'a Prepared,
        since: chrono::DateTime<chrono::Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>> {
        Box::pin(self.lookup_inner(job, p, since))
    }
}
