//! Threads publishing on `graph.threads.net` (docs/platform-rules.md §4): containers (TEXT, IMAGE,
//! VIDEO, CAROUSEL), their status, `threads_publish`, `threads_publishing_limit`, reading posts.
//!
//! # Guarantees
//! - Same lifecycle as Instagram containers (IN_PROGRESS → FINISHED | ERROR, EXPIRED after
//!   24 h, PUBLISHED once), published at most once; 250 posts per rolling 24 h.
//!
//! # Assumptions
//! - Threads documents no error codes for publishing an unready, failed, expired or already
//!   published container, or for the posting quota; the sandbox answers Graph code 9007
//!   ("not available"), 100 (failed/expired) and 9 (quota) with explanatory messages.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use serde_json::{Value, json};

use super::accounts::Account;
use super::container::{Check, Container, Kind, Phase, Rejection};
use super::engine::{CheckTarget, Engine};
use super::errors::GraphError;
use super::graph::GraphCall;
use super::judge::Want;
use super::request::parse_list;
use super::state::World;
use super::text;
use crate::platform::Platform;
pub(crate) use read::{list, publishing_limit, read};

mod read;

fn access(
    world: &World,
    call: &GraphCall,
    now: chrono::DateTime<chrono::Utc>,
    seg: &str,
    publish: bool,
) -> Result<Account, GraphError> {
    let auth = call.auth(world, now)?;
    let id = if seg == "me" {
        auth.subject.as_str()
    } else {
        seg
    };
    let account = world
        .account(id)
        .filter(|a| a.platform == Platform::Threads && a.id == auth.subject)
        .ok_or_else(|| GraphError::no_object(call.method_name(), seg))?;
    let scope = if publish {
        "threads_content_publish"
    } else {
        "threads_basic"
    };
    if !auth.has_scope(scope) {
        return Err(GraphError::permission(scope));
    }
    Ok(account.clone())
}

/// docs/platform-rules.md §4 "Text" (≤500, emoji as UTF-8 bytes), "Links" (≤5 unique), "Topic tag".
fn check_text(call: &GraphCall, kind: Kind) -> Result<BTreeMap<String, Value>, GraphError> {
    let p = &call.params;
    let mut opts = BTreeMap::new();
    let body = p.text("text").unwrap_or("");
    let len = text::threads_length(body);
    if len > 500 {
        return Err(GraphError::invalid_param(format!(
            "Param text is {len} characters long; the maximum is 500"
        )));
    }
    if let Some(link) = p.text("link_attachment") {
        if kind != Kind::Text {
            return Err(GraphError::invalid_param(
                "Param link_attachment is only supported for TEXT posts",
            ));
        }
        opts.insert("link_attachment".into(), json!(link));
    }
    let mut links = text::links(body);
    if let Some(l) = p.text("link_attachment")
        && !links.iter().any(|x| x == l)
    {
        links.push(l.to_owned());
    }
    if links.len() > 5 {
        return Err(GraphError::invalid_param(format!(
            "THREADS_API__LINK_LIMIT_EXCEEDED: the post has {} unique links; the maximum is 5",
            links.len()
        )));
    }
    if let Some(tag) = p.text("topic_tag") {
        let n = tag.chars().count();
        if !(1..=50).contains(&n) || tag.contains(['.', '&']) {
            return Err(GraphError::invalid_param(
                "Param topic_tag must be 1-50 characters without '.' or '&'",
            ));
        }
        opts.insert("topic_tag".into(), json!(tag));
    }
    for name in ["reply_control", "quote_post_id", "location_id", "alt_text"] {
        if let Some(v) = p.text(name) {
            opts.insert(name.into(), json!(v));
        }
    }
    Ok(opts)
}

/// `POST /{threads-user-id}/threads` (docs/platform-rules.md §4 "Flow", `media_type`, "Carousel").
pub(crate) fn create_container(
    engine: &Arc<Engine>,
    call: &GraphCall,
    user: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let p = &call.params;
    let mut world = engine.world();
    let account = access(&world, call, now, user, true)?;
    let item = p.bool("is_carousel_item")?.unwrap_or(false);
    // docs/platform-rules.md §4 `media_type`: the documented values are upper case, as on
    // Instagram.
    let media_type = p.require("media_type")?;
    let (kind, jobs) = match (media_type, item) {
        ("TEXT", false) => {
            p.require("text")?;
            (Kind::Text, Vec::new())
        }
        ("IMAGE", _) => (
            Kind::Image,
            vec![(p.require("image_url")?.to_owned(), Want::ThreadsImage)],
        ),
        ("VIDEO", _) => (
            Kind::Video,
            vec![(p.require("video_url")?.to_owned(), Want::ThreadsVideo)],
        ),
        ("CAROUSEL", false) => (Kind::Carousel, Vec::new()),
        (other, _) => {
            return Err(GraphError::invalid_param(format!(
                "Param media_type {other} is not supported here"
            )));
        }
    };
    if item && p.text("text").is_some() {
        return Err(GraphError::invalid_param(
            "Param text is not supported on carousel items",
        ));
    }
    let options = check_text(call, kind)?;
    let children = if kind == Kind::Carousel {
        let raw = p.require("children")?;
        let list = parse_list(raw).ok_or_else(|| {
            GraphError::invalid_param("Param children must be a list of container ids")
        })?;
        if !(2..=20).contains(&list.len()) {
            return Err(GraphError::invalid_param(
                "A carousel must have between 2 and 20 items",
            ));
        }
        for c in &list {
            let ok = world.containers.get(c).is_some_and(|ch| {
                ch.platform == Platform::Threads && ch.owner == account.id && ch.is_carousel_item
            });
            if !ok {
                return Err(GraphError::invalid_param(format!(
                    "Param children contains {c}, which is not a carousel item of this user"
                )));
            }
        }
        list
    } else {
        Vec::new()
    };
    let id = world.next_id();
    let d = &engine.config.processing;
    let secs = match kind {
        Kind::Text => d.text_secs,
        Kind::Video => d.video_secs,
        _ => d.image_secs,
    };
    let forced = engine
        .processing_fault("threads.processing")
        .map(|f| Rejection::Threads {
            error_message: f.error_message.unwrap_or_else(|| "UNKNOWN".into()),
        });
    let check = if jobs.is_empty() {
        Check::Done(Ok(Vec::new()))
    } else {
        Check::Pending
    };
    world.containers.insert(
        id.clone(),
        Container {
            id: id.clone(),
            platform: Platform::Threads,
            owner: account.id.clone(),
            kind,
            is_carousel_item: item,
            is_video: kind == Kind::Video,
            created_at: now,
            delay: super::config::secs(secs as i64),
            check,
            forced,
            children,
            text: p.text("text").map(str::to_owned),
            options,
            published: None,
            parent: None,
        },
    );
    drop(world);
    if !jobs.is_empty() {
        engine.spawn_check(CheckTarget::Container(id.clone()), jobs, true);
    }
    Ok(json!({ "id": id }))
}

/// `POST /{threads-user-id}/threads_publish` with `creation_id` (docs/platform-rules.md §4 "Flow").
pub(crate) fn publish(
    engine: &Arc<Engine>,
    call: &GraphCall,
    user: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let mut world = engine.world();
    let account = access(&world, call, now, user, true)?;
    let creation_id = call.params.require("creation_id")?.trim().to_owned();
    let container = world
        .containers
        .get(&creation_id)
        .filter(|c| c.platform == Platform::Threads && c.owner == account.id && !c.is_carousel_item)
        .ok_or_else(|| {
            GraphError::invalid_param(format!(
                "Param creation_id {creation_id} is not a publishable container of this user"
            ))
        })?
        .clone();
    match container.phase(now, &world.containers) {
        Phase::InProgress | Phase::Published => {
            return Err(GraphError::new(9007, "Media ID is not available"));
        }
        Phase::Error(Rejection::Threads { error_message }) => {
            return Err(GraphError::invalid_param(format!(
                "The container failed processing: {error_message}"
            )));
        }
        Phase::Error(_) => {
            return Err(GraphError::invalid_param("The container failed processing"));
        }
        Phase::Expired => {
            return Err(GraphError::invalid_param(
                "The container has expired (24 hours)",
            ));
        }
        Phase::Finished => {}
    }
    // docs/platform-rules.md §4 "Quotas (24 h rolling)": 250 posts.
    let quota = engine.config.threads.posts_per_24h;
    if !world.windows.try_take(
        &format!("th.posts:{}", account.id),
        quota,
        Duration::hours(24),
        now,
    ) {
        return Err(GraphError::new(
            9,
            format!("The Threads posting limit of {quota} posts per 24 hours was reached"),
        ));
    }
    let kind = match container.kind {
        Kind::Text => "TEXT",
        Kind::Video => "VIDEO",
        Kind::Carousel => "CAROUSEL",
        _ => "IMAGE",
    };
    let media_id = world.publish_container(&container, &account, kind, now);
    Ok(json!({ "id": media_id }))
}
