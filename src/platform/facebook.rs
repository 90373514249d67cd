//! The Facebook Pages publisher (docs/platform-rules.md §3), with a Page token.
//!
//! - **Text or link post**: nothing to prepare; commit = `POST /{page}/feed` (`message`,
//!   `link`).
//! - **Photo or multi-photo post**: prepare = each image uploaded unpublished
//!   (`POST /{page}/photos` `url`, `published=false` → its `media_fbid`; harmless: nothing is
//!   shown until a post attaches them); commit = `POST /{page}/feed` with `message` and
//!   `attached_media=[{"media_fbid":…}]`.
//! - **Video**: nothing remote to prepare; commit = `POST /{page}/videos` (`file_url`,
//!   `description`).
//!
//! # How an ambiguous commit is resolved
//! Facebook has no container whose status says "published", so an unanswered `/feed` or
//! `/videos` call is looked up in what the Page shows: its feed (or videos) since the slot was
//! armed, less two minutes of clock slack, for an item whose text has the fingerprint of the
//! text that was sent (SHA-256, kept in the slot's remote ids so the look-up works even after
//! the manifest is gone) and, for photos, that carries the attached photos.
//! - Found → published (its id and permalink).
//! - Not found, less than two minutes after the commit → pending: the feed may lag; look again.
//! - Not found later → not published: the commit is sent again (once per attempt; the photos
//!   are still unattached, so they can be).
//! - The feed cannot be read → retried later; refused for good (permissions) → needs review.
//!
//! Remote ids: `["feed:<fingerprint>", photo ids…]` or `["video:<fingerprint>"]`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::containers::parse_graph_time;
use super::context::Context;
use super::credentials::AccountAccess;
use super::graph::{CallError, Graph, Step, id_of};
use super::instagram::single;
use crate::plan::desired::hex;
use crate::reconcile::publisher::BoxFuture;
use crate::reconcile::{
    Commit, Failure, LookupResult, Outcome, Prepared, Published, Publisher, SlotJob,
};

/// How long after a commit the feed is trusted to show it.
const FEED_SETTLES: chrono::Duration = chrono::Duration::minutes(2);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Options {
    link: Option<String>,
}

pub struct FacebookPublisher {
    cx: Context,
}

/// The text's fingerprint: 16 hex digits of its SHA-256.
fn fingerprint(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))[..16].to_owned()
}

impl FacebookPublisher {
    pub fn new(cx: Context) -> Self {
        Self { cx }
    }

    fn graph<'a>(&'a self, access: &'a AccountAccess) -> Graph<'a> {
        Graph {
            http: &self.cx.http,
            base: &self.cx.endpoints.facebook_graph,
            token: &access.token,
            platform: "Facebook",
            usage: &self.cx.usage,
            account: &access.id,
            now: self.cx.now(),
        }
    }

    async fn prepare_inner(&self, job: &SlotJob) -> Outcome<Prepared> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        let media = self.cx.stage_all(job).await?;
        let fp = fingerprint(job.content.text.as_deref().unwrap_or(""));
        if media.iter().any(|m| m.is_video()) {
            single(&media, "a Facebook video post")?;
            return Ok(Prepared {
                remote_ids: vec![format!("video:{fp}")],
            });
        }
        let mut ids = vec![format!("feed:{fp}")];
        let graph = self.graph(&access);
        for photo in &media {
            let mut form = vec![("url", photo.url.clone()), ("published", "false".into())];
            if let Some(alt) = &photo.alt {
                form.push(("alt_text_custom", alt.clone()));
            }
            let id = graph
                .post(&format!("{}/photos", access.id), &form)
                .await
                .and_then(|b| id_of(&b, "Facebook photo upload"))
                .map_err(|e| self.cx.failure(target, &access, e, Step::Harmless))?;
            ids.push(id);
        }
        Ok(Prepared { remote_ids: ids })
    }

    async fn commit_inner(&self, job: &SlotJob, prepared: &Prepared) -> Outcome<Commit> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        let graph = self.graph(&access);
        let text = job.content.text.as_deref().unwrap_or("").to_owned();
        let failure = |e| self.cx.failure(target, &access, e, Step::Commit);
        let kind = prepared
            .remote_ids
            .first()
            .map(String::as_str)
            .unwrap_or("");
        if kind.starts_with("video:") {
            let media = self.cx.stage_all(job).await?;
            let video = single(&media, "a Facebook video post")?;
            let form = vec![("file_url", video.url.clone()), ("description", text)];
            let id = graph
                .post(&format!("{}/videos", access.id), &form)
                .await
                .and_then(|b| id_of(&b, "Facebook video upload"))
                .map_err(failure)?;
            let permalink = Some(format!(
                "https://www.facebook.com/{}/videos/{id}/",
                access.id
            ));
            return Ok(Commit::Published(Published {
                remote_id: id,
                permalink,
            }));
        }
        let mut form = Vec::new();
        if !text.is_empty() {
            form.push(("message", text));
        }
        let options: Options = serde_json::from_value(job.content.options()).unwrap_or_default();
        if let Some(link) = options.link {
            form.push(("link", link));
        }
        let photos = &prepared.remote_ids[1.min(prepared.remote_ids.len())..];
        if !photos.is_empty() {
            let attached: Vec<Value> = photos
                .iter()
                .map(|id| json!({ "media_fbid": id }))
                .collect();
            form.push(("attached_media", Value::Array(attached).to_string()));
        }
        let id = graph
            .post(&format!("{}/feed", access.id), &form)
            .await
            .and_then(|b| id_of(&b, "Facebook feed post"))
            .map_err(failure)?;
        let permalink = permalink(&graph, &id).await;
        Ok(Commit::Published(Published {
            remote_id: id,
            permalink,
        }))
    }

    async fn lookup_inner(
        &self,
        job: &SlotJob,
        prepared: &Prepared,
        since: DateTime<Utc>,
    ) -> Outcome<LookupResult> {
        let target = &job.key.target;
        let access = self.cx.access(target).await?;
        let graph = self.graph(&access);
        let failure = |e| self.cx.failure(target, &access, e, Step::Harmless);
        let Some(kind) = prepared.remote_ids.first() else {
            return Ok(LookupResult::Unknown {
                why: "the slot was armed without a record of what was sent; check the Page".into(),
            });
        };
        let (edge, text_field, fp) = match kind.split_once(':') {
            Some(("video", fp)) => ("videos", "description", fp),
            Some((_, fp)) => ("feed", "message", fp),
            None => ("feed", "message", kind.as_str()),
        };
        let fields = format!("id,{text_field},created_time,permalink_url");
        let body = graph
            .get(
                &format!("{}/{edge}", access.id),
                &[("fields", &fields), ("limit", "50")],
            )
            .await
            .map_err(failure)?;
        let found = body
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|item| {
                let at = item
                    .get("created_time")
                    .and_then(Value::as_str)
                    .and_then(parse_graph_time);
                let text = item.get(text_field).and_then(Value::as_str).unwrap_or("");
                at.is_some_and(|at| at >= since - FEED_SETTLES) && fingerprint(text) == fp
            });
        if let Some(item) = found {
            let remote_id = id_of(item, "Facebook feed item").map_err(failure)?;
            let permalink = item
                .get("permalink_url")
                .and_then(Value::as_str)
                .map(str::to_owned);
            return Ok(LookupResult::Published(Published {
                remote_id,
                permalink,
            }));
        }
        if self.cx.now() - since < FEED_SETTLES {
            return Ok(LookupResult::Pending {
                why: "checking the Page's feed for the post".into(),
            });
        }
        Ok(LookupResult::NotPublished { can_commit: true })
    }
}

async fn permalink(graph: &Graph<'_>, id: &str) -> Option<String> {
    let body: Result<Value, CallError> = graph.get(id, &[("fields", "permalink_url")]).await;
    body.ok().and_then(|b| {
        b.get("permalink_url")
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

impl Publisher for FacebookPublisher {
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>> {
        Box::pin(self.prepare_inner(job))
    }

    fn commit<'a>(&'a self, job: &'a SlotJob, p: &'a Prepared) -> BoxFuture<'a, Outcome<Commit>> {
        Box::pin(async move {
            if p.remote_ids.is_empty() {
                return Err(Failure::permanent(
                    "internal: a Facebook post prepared without its kind",
                ));
            }
            self.commit_inner(job, p).await
        })
    }

    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        p: &'a Prepared,
        since: DateTime<Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>> {
        Box::pin(self.lookup_inner(job, p, since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_short_and_stable() {
        assert_eq!(fingerprint("hello").len(), 16);
        assert_eq!(fingerprint("hello"), fingerprint("hello"));
        assert_ne!(fingerprint("hello"), fingerprint("hello!"));
    }
}
