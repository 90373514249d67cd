//! The Threads publisher (docs/platform-rules.md §4), on the container protocol Instagram shares.
//!
//! - **prepare**: a `TEXT` container (with `link_attachment`, `topic_tag`), an `IMAGE` or
//!   `VIDEO` one, or a `CAROUSEL` of 2–20 `is_carousel_item` children (created first and
//!   waited for); then wait until the top one is `FINISHED`.
//! - **ready**: `threads_publishing_limit` (250 posts a rolling day); full → wait.
//! - **commit**: `threads_publish` with the top container.
//! - **lookup**: the container's `status`: `PUBLISHED` → the post id and permalink from the
//!   account's recent threads since the slot was armed; `FINISHED` → commit again;
//!   `EXPIRED`/`ERROR` → prepare again.

use serde::Deserialize;

use super::containers::{self, Dialect, THREADS};
use super::context::Context;
use super::credentials::AccountAccess;
use super::graph::{Graph, Step, id_of};
use super::instagram::top;
use crate::reconcile::publisher::BoxFuture;
use crate::reconcile::{Commit, LookupResult, Outcome, Prepared, Publisher, SlotJob};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Options {
    topic_tag: Option<String>,
    link_attachment: Option<String>,
}

pub struct ThreadsPublisher {
    cx: Context,
}

impl ThreadsPublisher {
    pub fn new(cx: Context) -> Self {
        Self { cx }
    }

    fn graph<'a>(&'a self, access: &'a AccountAccess) -> Graph<'a> {
        Graph {
            http: &self.cx.http,
            base: &self.cx.endpoints.threads_graph,
            token: &access.token,
            platform: "Threads",
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
        self.graph(access)
            .post(&format!("{}/threads", access.id), &form)
            .await
            .and_then(|b| id_of(&b, "Threads container creation"))
            .map_err(|e| self.cx.failure(&job.key.target, access, e, Step::Harmless))
    }

    async fn prepare_inner(&self, job: &SlotJob) -> Outcome<Prepared> {
        let access = self.cx.access(&job.key.target).await?;
        let options: Options = serde_json::from_value(job.content.options()).unwrap_or_default();
        let media = self.cx.stage_all(job).await?;
        let text = job.content.text.as_deref().unwrap_or("").to_owned();
        let mut form: Vec<(&str, String)> = Vec::new();
        if let Some(tag) = options.topic_tag {
            form.push(("topic_tag", tag));
        }
        let mut ids = Vec::new();
        match media.as_slice() {
            [] => {
                form.push(("media_type", "TEXT".to_owned()));
                if let Some(link) = options.link_attachment {
                    form.push(("link_attachment", link));
                }
            }
            [one] => {
                if one.is_video() {
                    form.push(("media_type", "VIDEO".to_owned()));
                    form.push(("video_url", one.url.clone()));
                } else {
                    form.push(("media_type", "IMAGE".to_owned()));
                    form.push(("image_url", one.url.clone()));
                }
                if let Some(alt) = &one.alt {
                    form.push(("alt_text", alt.clone()));
                }
            }
            many => {
                for item in many {
                    let mut child = vec![("is_carousel_item", "true".to_owned())];
                    if item.is_video() {
                        child.push(("media_type", "VIDEO".to_owned()));
                        child.push(("video_url", item.url.clone()));
                    } else {
                        child.push(("media_type", "IMAGE".to_owned()));
                        child.push(("image_url", item.url.clone()));
                    }
                    if let Some(alt) = &item.alt {
                        child.push(("alt_text", alt.clone()));
                    }
                    ids.push(self.create(job, &access, child).await?);
                }
                containers::wait_finished(
                    &self.graph(&access),
                    Dialect::Threads,
                    &ids,
                    self.cx.clock.as_ref(),
                    &self.cx.poll,
                )
                .await?;
                form.push(("media_type", "CAROUSEL".to_owned()));
                form.push(("children", ids.join(",")));
            }
        }
        form.push(("text", text));
        let top = self.create(job, &access, form).await?;
        containers::wait_finished(
            &self.graph(&access),
            Dialect::Threads,
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
        containers::check_quota(&self.graph(&access), &access.id, THREADS)
            .await
            .map_err(|e| self.cx.failure(target, &access, e, Step::Harmless))?
    }

    async fn commit_inner(&self, job: &SlotJob, prepared: &Prepared) -> Outcome<Commit> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        containers::publish(&self.graph(&access), &access.id, THREADS, top(prepared)?)
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
        let edge = format!("{}/threads", access.id);
        let text = job.content.text.as_deref();
        containers::look_up(
            &self.graph(&access),
            THREADS,
            top(prepared)?,
            &edge,
            text,
            since,
        )
        .await
        .map_err(|e| self.cx.failure(target, &access, e, Step::Harmless))
    }
}

impl Publisher for ThreadsPublisher {
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
