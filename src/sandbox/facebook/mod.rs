//! Facebook Pages publishing on `graph.facebook.com` (docs/platform-rules.md §3): `/feed` posts
//! (text, link, scheduled, multi-photo via `attached_media`), `/photos` (published, scheduled, or
//! `published=false` → `media_fbid`), `/videos` (`file_url`), `/me/accounts`, reading nodes.
//!
//! # Guarantees
//! - A published post, photo or video is in the ledger once per successful call; a scheduled
//!   post or photo is in the ledger with `published_at` = its schedule time.
//! - A published or scheduled photo is also a Page post (its `post_id`): readable, listed in
//!   `/feed` and `/posts` (or `/scheduled_posts` until its time), with `attachments`.
//! - `scheduled_publish_time` follows one rule for `/feed` and `/photos`: only with
//!   `published=false`, 10 minutes to 30 days ahead (the current guide; older references
//!   allowed 75 days, docs/platform-rules.md §9.11: the strict reading wins).
//! - An unpublished photo can be attached to one post only.
//!
//! # Assumptions
//! - Page photos and videos are downloaded during the request (the answer comes after), and
//!   refused with Graph codes 324 (photo), 352/389 (video): the codes client libraries report.
//! - `scheduled_publish_time` accepts a unix time or an ISO 8601 time; strtotime phrases
//!   ("tomorrow") are not simulated. Reels and Page stories are not simulated.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::accounts::Account;
use super::engine::Engine;
use super::errors::GraphError;
use super::graph::GraphCall;
use super::ledger::{LedgerMedia, NewEntry};
use super::state::World;
use super::tokens::{TokenKind, TokenRecord};
use crate::platform::Platform;
pub(crate) use media::{photos, videos};
pub(crate) use read::{accounts, list, list_videos, read};

mod media;
mod read;

#[derive(Debug, Default)]
pub(crate) struct FacebookState {
    posts: BTreeMap<String, Post>,
    photos: BTreeMap<String, Photo>,
    videos: BTreeMap<String, Video>,
}

#[derive(Debug, Clone)]
struct Post {
    id: String,
    page: String,
    message: Option<String>,
    link: Option<String>,
    /// The photos it shows, in order (a `/photos` post, or `attached_media`).
    photos: Vec<String>,
    published: bool,
    scheduled_for: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Photo {
    id: String,
    page: String,
    caption: Option<String>,
    media: LedgerMedia,
    post_id: Option<String>,
    attached_to: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Video {
    id: String,
    page: String,
    description: Option<String>,
    title: Option<String>,
    created_at: DateTime<Utc>,
}

/// The Page behind `seg`, for a Page token of that Page (posting) or, for reads, also a user
/// token of its admin (docs/platform-rules.md §3 "Permissions", "Page token").
fn access(
    world: &World,
    call: &GraphCall,
    now: DateTime<Utc>,
    seg: &str,
    scopes: &[&str],
    post: bool,
) -> Result<(Account, TokenRecord), GraphError> {
    let auth = call.auth(world, now)?;
    let id = if seg == "me" {
        auth.subject.as_str()
    } else {
        seg
    };
    let page = world
        .account(id)
        .filter(|a| a.platform == Platform::Facebook)
        .ok_or_else(|| GraphError::no_object(call.method_name(), seg))?;
    let is_page_token = auth.kind == TokenKind::FacebookPage && auth.subject == page.id;
    let is_admin = auth.kind == TokenKind::FacebookUser
        && page.fb_user.as_deref() == Some(auth.subject.as_str());
    if post && is_admin {
        return Err(GraphError::new(
            200,
            "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission",
        )
        .kind("OAuthException"));
    }
    if !is_page_token && !is_admin {
        return Err(GraphError::no_object(call.method_name(), seg));
    }
    if let Some(missing) = scopes.iter().find(|s| !auth.has_scope(s)) {
        return Err(GraphError::new(
            200,
            format!("(#200) The permission {missing} is required for this action"),
        ));
    }
    Ok((page.clone(), auth))
}

/// docs/platform-rules.md §3 "Scheduling": unix time or ISO 8601.
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<i64>() {
        return DateTime::from_timestamp(secs, 0);
    }
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `published` and `scheduled_publish_time` of `/feed` and `/photos` (docs/platform-rules.md §3
/// "Scheduling"): a schedule needs `published=false` (which defaults to true) and a time 10
/// minutes to 30 days ahead. The Page Feed reference once allowed 75 days; the current guide
/// says 30, and the sandbox keeps the strict reading (§9.11).
fn schedule(
    call: &GraphCall,
    published: bool,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, GraphError> {
    let Some(raw) = call.params.text("scheduled_publish_time") else {
        return Ok(None);
    };
    if published {
        return Err(GraphError::invalid_param(
            "You cannot specify a scheduled publish time on a published post",
        ));
    }
    let invalid = || GraphError::invalid_param("The specified scheduled publish time is invalid.");
    let at = parse_time(raw).ok_or_else(invalid)?;
    if at < now + Duration::minutes(10) || at > now + Duration::days(30) {
        return Err(invalid());
    }
    Ok(Some(at))
}

/// `attached_media` as a JSON array or as `attached_media[N]` fields, each `{"media_fbid": id}`.
fn attached_media(call: &GraphCall) -> Result<Vec<String>, GraphError> {
    let bad = |name: &str| {
        GraphError::invalid_param(format!("param {name} must be an object with a media_fbid"))
    };
    let fbid = |v: &Value| {
        v.get("media_fbid").and_then(|f| {
            f.as_str()
                .map(str::to_owned)
                .or_else(|| f.as_u64().map(|n| n.to_string()))
        })
    };
    let mut ids = Vec::new();
    if let Some(raw) = call.params.text("attached_media") {
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(raw) else {
            return Err(bad("attached_media"));
        };
        for item in &items {
            ids.push(fbid(item).ok_or_else(|| bad("attached_media"))?);
        }
    }
    for (name, raw) in call.params.with_prefix("attached_media[") {
        let v: Value = serde_json::from_str(raw).map_err(|_| bad(name))?;
        ids.push(fbid(&v).ok_or_else(|| bad(name))?);
    }
    Ok(ids)
}

/// `POST /{page-id}/feed` (docs/platform-rules.md §3 "Text / link post", "Scheduling",
/// "Multi-photo").
pub(crate) fn feed(
    engine: &Arc<Engine>,
    call: &GraphCall,
    page: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let p = &call.params;
    let mut world = engine.world();
    let (page, _) = access(
        &world,
        call,
        now,
        page,
        &["pages_manage_posts", "pages_read_engagement"],
        true,
    )?;
    let message = p.text("message").map(str::to_owned);
    let link = p.text("link").map(str::to_owned);
    let attached = attached_media(call)?;
    if message.is_none() && link.is_none() && attached.is_empty() {
        return Err(GraphError::invalid_param("Missing message or attachment"));
    }
    let published = p.bool("published")?.unwrap_or(true);
    let scheduled_for = schedule(call, published, now)?;
    let mut media = Vec::new();
    for (i, fbid) in attached.iter().enumerate() {
        let photo = world
            .facebook
            .photos
            .get(fbid)
            .filter(|ph| ph.page == page.id && ph.post_id.is_none() && ph.attached_to.is_none())
            .ok_or_else(|| {
                GraphError::invalid_param(format!(
                    "param attached_media[{i}] has an invalid media_fbid {fbid}"
                ))
            })?;
        media.push(photo.media.clone());
    }
    let post_id = format!("{}_{}", page.id, world.next_id());
    for fbid in &attached {
        if let Some(ph) = world.facebook.photos.get_mut(fbid) {
            ph.attached_to = Some(post_id.clone());
        }
    }
    let post = Post {
        id: post_id.clone(),
        page: page.id.clone(),
        message: message.clone(),
        link: link.clone(),
        photos: attached.clone(),
        published: published || scheduled_for.is_some(),
        scheduled_for,
        created_at: now,
    };
    world.facebook.posts.insert(post_id.clone(), post);
    if published || scheduled_for.is_some() {
        let mut options = BTreeMap::new();
        if let Some(l) = &link {
            options.insert("link".to_owned(), json!(l));
        }
        if let Some(at) = scheduled_for {
            options.insert("scheduled_publish_time".to_owned(), json!(at.timestamp()));
        }
        if !attached.is_empty() {
            options.insert("attached_media".to_owned(), json!(attached));
        }
        record(
            &mut world,
            &page,
            &post_id,
            "FEED",
            message,
            media,
            options,
            now,
            scheduled_for.unwrap_or(now),
        );
    }
    Ok(json!({ "id": post_id }))
}

#[allow(clippy::too_many_arguments)]
fn record(
    world: &mut World,
    page: &Account,
    id: &str,
    kind: &str,
    text: Option<String>,
    media: Vec<LedgerMedia>,
    options: BTreeMap<String, Value>,
    now: DateTime<Utc>,
    at: DateTime<Utc>,
) {
    world.publish(NewEntry {
        platform: Platform::Facebook,
        account_id: page.id.clone(),
        username: page.username.clone(),
        post_id: id.to_owned(),
        kind: kind.to_owned(),
        source: id.to_owned(),
        text,
        media,
        options,
        committed_at: now,
        published_at: at,
    });
}
