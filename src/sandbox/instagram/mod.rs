//! Instagram content publishing (both flavours: Instagram Login on `graph.instagram.com`,
//! Facebook Login on `graph.facebook.com`; docs/platform-rules.md §1.1): containers, their status,
//! `media_publish`, `content_publishing_limit`, and reading published media.
//!
//! # Guarantees
//! - A container is published at most once; publishing it again answers 9007/2207027 and
//!   creates nothing (the client should read `status_code` = PUBLISHED instead).
//! - The rolling 24 h post quota is enforced at `media_publish` (a carousel counts 1), the
//!   container quota at creation.
//!
//! # Assumptions
//! - Re-publishing a PUBLISHED container and creating more than the container quota have no
//!   documented error; the sandbox answers 9007/2207027 and 613 (a rate-limit code, §1.5 note).
//! - Resumable uploads (`upload_type=resumable`, rupload host) are not simulated.

use std::sync::Arc;

use chrono::Duration;
use serde_json::{Value, json};

use super::accounts::Account;
use super::config::secs;
use super::container::{Check, Container, Kind, Phase, PublishedMedia, Rejection};
use super::engine::{CheckTarget, Engine};
use super::errors::GraphError;
use super::graph::{GraphCall, GraphHost};
use super::judge::Want;
use super::request::parse_list;
use super::state::World;
use super::tokens::TokenKind;
use crate::platform::Platform;
use params::{check_options, container_kind};
pub(crate) use read::{list, publishing_limit, read};

mod params;
mod read;

/// docs/platform-rules.md §1.5: the Graph code that goes with each subcode.
const SUBCODE_CODES: &[(i64, i64)] = &[
    (2207001, -1),
    (2207003, -2),
    (2207004, 36000),
    (2207005, 36001),
    (2207006, 24),
    (2207008, 24),
    (2207009, 36003),
    (2207010, 36004),
    (2207020, -2),
    (2207023, 100),
    (2207026, 352),
    (2207027, 9007),
    (2207028, 100),
    (2207032, -1),
    (2207042, 9),
    (2207050, 25),
    (2207051, 4),
    (2207052, 9004),
    (2207053, -1),
    (2207057, 1),
];

pub(crate) fn code_for_subcode(subcode: i64) -> i64 {
    SUBCODE_CODES
        .iter()
        .find(|(s, _)| *s == subcode)
        .map_or(-1, |(_, c)| *c)
}

/// docs/platform-rules.md §1.4 "Publishing before FINISHED": code 9007 / subcode 2207027.
fn not_ready() -> GraphError {
    GraphError::new(9007, "Media ID is not available")
        .subcode(2207027)
        .user(
            "Media not ready for publishing",
            "The media is not ready for publishing, please wait for a moment",
        )
}

/// The Instagram account behind `seg` if this token may act for it (docs/platform-rules.md §1.1
/// "Token", "Scopes"); Graph hides accounts a token may not see behind code 100/33.
fn access(
    world: &World,
    call: &GraphCall,
    now: chrono::DateTime<chrono::Utc>,
    seg: &str,
    publish: bool,
) -> Result<Account, GraphError> {
    let auth = call.auth(world, now)?;
    let id = if seg == "me" && call.host == GraphHost::Instagram {
        auth.subject.as_str()
    } else {
        seg
    };
    let hidden = || GraphError::no_object(call.method_name(), seg);
    let account = world
        .account(id)
        .filter(|a| a.platform == Platform::Instagram)
        .ok_or_else(hidden)?;
    let allowed = match call.host {
        GraphHost::Instagram => auth.kind == TokenKind::InstagramUser && auth.subject == account.id,
        _ => {
            auth.kind == TokenKind::FacebookUser
                && account.fb_user.as_deref() == Some(auth.subject.as_str())
        }
    };
    if !allowed {
        return Err(hidden());
    }
    let scope = match (call.host, publish) {
        (GraphHost::Instagram, true) => "instagram_business_content_publish",
        (GraphHost::Instagram, false) => "instagram_business_basic",
        (_, true) => "instagram_content_publish",
        (_, false) => "instagram_basic",
    };
    if !auth.has_scope(scope) {
        return Err(GraphError::permission(scope));
    }
    Ok(account.clone())
}

/// `POST /{ig-user-id}/media` (docs/platform-rules.md §1.1 "Endpoints", §1.2).
pub(crate) fn create_container(
    engine: &Arc<Engine>,
    call: &GraphCall,
    user: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let p = &call.params;
    let mut world = engine.world();
    let account = access(&world, call, now, user, true)?;
    if p.text("upload_type").is_some() {
        return Err(GraphError::invalid_param(
            "upload_type=resumable is not simulated by the sandbox; use video_url",
        ));
    }
    let (kind, item) = container_kind(call)?;
    let (image_url, video_url) = (p.text("image_url"), p.text("video_url"));
    let is_video = match kind {
        Kind::Image => false,
        Kind::Video | Kind::Reels => true,
        Kind::Stories => video_url.is_some() && image_url.is_none(),
        Kind::Carousel | Kind::Text => false,
    };
    // docs/platform-rules.md §1.2 `cover_url` "wins over `thumb_offset`": the offset is then
    // ignored, not judged against the video's duration.
    let thumb_offset = p
        .int("thumb_offset")?
        .filter(|_| p.text("cover_url").is_none());
    let mut jobs: Vec<(String, Want)> = match kind {
        Kind::Image => vec![(p.require("image_url")?.to_owned(), Want::IgFeedImage)],
        Kind::Video => vec![(p.require("video_url")?.to_owned(), Want::IgCarouselVideo)],
        Kind::Reels => vec![(
            p.require("video_url")?.to_owned(),
            Want::IgReel {
                thumb_offset_ms: thumb_offset,
            },
        )],
        Kind::Stories => match (image_url, video_url) {
            (Some(i), None) => vec![(i.to_owned(), Want::IgStoryImage)],
            (None, Some(v)) => vec![(v.to_owned(), Want::IgStoryVideo)],
            _ => {
                return Err(GraphError::invalid_param(
                    "A story needs exactly one of image_url or video_url",
                ));
            }
        },
        Kind::Carousel | Kind::Text => Vec::new(),
    };
    if let Some(cover) = p.text("cover_url") {
        jobs.push((cover.to_owned(), Want::IgCover));
    }
    let options = check_options(call, kind, item, is_video)?;
    let children = if kind == Kind::Carousel {
        carousel_children(&world, call, &account, now)?
    } else {
        Vec::new()
    };

    // docs/platform-rules.md §1.4 "Containers created": ≤400 per rolling 24 h.
    let limit = engine.config.instagram.containers_per_24h;
    if !world.windows.try_take(
        &format!("ig.containers:{}", account.id),
        limit,
        Duration::hours(24),
        now,
    ) {
        return Err(GraphError::new(
            613,
            "Calls to this api have exceeded the rate limit.",
        ));
    }
    let id = world.next_id();
    let delays = &engine.config.processing;
    let delay = secs(if is_video {
        delays.video_secs
    } else {
        delays.image_secs
    } as i64);
    let forced = engine.processing_fault("instagram.processing").map(|f| {
        let subcode = f.subcode.unwrap_or(2207001);
        Rejection::Graph {
            code: code_for_subcode(subcode),
            subcode,
            message: "Injected processing failure".into(),
        }
    });
    for c in &children {
        if let Some(child) = world.containers.get_mut(c) {
            child.parent = Some(id.clone());
        }
    }
    let check = if jobs.is_empty() {
        Check::Done(Ok(Vec::new()))
    } else {
        Check::Pending
    };
    world.containers.insert(
        id.clone(),
        Container {
            id: id.clone(),
            platform: Platform::Instagram,
            owner: account.id.clone(),
            kind,
            is_carousel_item: item,
            is_video,
            created_at: now,
            delay,
            check,
            forced,
            children,
            // docs/platform-rules.md §1.2 "Story": caption not listed; Instagram ignores it.
            text: p
                .text("caption")
                .filter(|_| kind != Kind::Stories)
                .map(str::to_owned),
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

/// docs/platform-rules.md §1.2 "Carousel parent": `children` (comma-separated or JSON), 2–10 items
/// of this user's carousel-item containers (error 2207028 outside 2–10).
fn carousel_children(
    world: &World,
    call: &GraphCall,
    account: &Account,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>, GraphError> {
    let raw = call.params.require("children")?;
    let children = parse_list(raw).ok_or_else(|| {
        GraphError::invalid_param("Param children must be a list of container ids")
    })?;
    if !(2..=10).contains(&children.len()) {
        return Err(
            GraphError::invalid_param("The carousel must have between 2 and 10 items")
                .subcode(2207028),
        );
    }
    for c in &children {
        let ok = world.containers.get(c).is_some_and(|ch| {
            ch.platform == Platform::Instagram
                && ch.owner == account.id
                && ch.is_carousel_item
                && ch.phase(now, &world.containers) != Phase::Expired
        });
        if !ok {
            return Err(GraphError::invalid_param(format!(
                "Param children contains {c}, which is not a carousel item container of this user"
            )));
        }
    }
    Ok(children)
}

/// `POST /{ig-user-id}/media_publish` with `creation_id` (docs/platform-rules.md §1.1, §1.4).
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
        .filter(|c| c.platform == Platform::Instagram && c.owner == account.id)
        .ok_or_else(|| {
            GraphError::invalid_param(format!(
                "Param creation_id {creation_id} is not a media container of this user"
            ))
        })?
        .clone();
    if container.is_carousel_item {
        return Err(GraphError::invalid_param(
            "A carousel item can only be published through its carousel container",
        ));
    }
    match container.phase(now, &world.containers) {
        Phase::InProgress | Phase::Published => return Err(not_ready()),
        Phase::Error(Rejection::Graph {
            code,
            subcode,
            message,
        }) => return Err(GraphError::new(code, message).subcode(subcode)),
        Phase::Error(_) => return Err(GraphError::new(-1, "Create media failed").subcode(2207032)),
        // docs/platform-rules.md §1.5 2207020 "media expired (container >24 h)".
        Phase::Expired => return Err(GraphError::new(-2, "The media has expired").subcode(2207020)),
        Phase::Finished => {}
    }
    // docs/platform-rules.md §1.4 "Published posts" per rolling 24 h, §1.5 2207042 (code 9).
    let quota = engine.config.instagram.posts_per_24h;
    if !world.windows.try_take(
        &format!("ig.posts:{}", account.id),
        quota,
        Duration::hours(24),
        now,
    ) {
        return Err(GraphError::new(
            9,
            "Application request limit reached: the account reached its daily publishing limit",
        )
        .subcode(2207042)
        .user(
            "Publishing limit reached",
            "You reached the maximum number of posts allowed in 24 hours",
        ));
    }
    let kind = match container.kind {
        Kind::Reels => "REELS",
        Kind::Stories => "STORIES",
        Kind::Carousel => "CAROUSEL",
        _ => "IMAGE",
    };
    let media_id = world.publish_container(&container, &account, kind, now);
    Ok(json!({ "id": media_id }))
}

impl PublishedMedia {
    /// Whether this media is a post of its own (not a carousel child).
    fn container_is_top(&self, world: &World) -> bool {
        world
            .containers
            .get(&self.container)
            .is_none_or(|c| !c.is_carousel_item)
    }
}
