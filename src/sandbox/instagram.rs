//! Instagram content publishing (both flavours: Instagram Login on `graph.instagram.com`,
//! Facebook Login on `graph.facebook.com`; platform-rules §1.1): containers, their status,
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

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use serde_json::{Map, Value, json};

use super::accounts::Account;
use super::config::secs;
use super::container::{Check, Container, Kind, Phase, PublishedMedia, Rejection};
use super::engine::{CheckTarget, Engine};
use super::errors::GraphError;
use super::graph::{GraphCall, GraphHost, graph_time, select};
use super::judge::Want;
use super::ledger::NewEntry;
use super::request::parse_list;
use super::state::World;
use super::text;
use super::tokens::TokenKind;
use crate::platform::Platform;

/// platform-rules §1.5: the Graph code that goes with each subcode.
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

/// platform-rules §1.4 "Publishing before FINISHED": code 9007 / subcode 2207027.
fn not_ready() -> GraphError {
    GraphError::new(9007, "Media ID is not available")
        .subcode(2207027)
        .user(
            "Media not ready for publishing",
            "The media is not ready for publishing, please wait for a moment",
        )
}

/// The Instagram account behind `seg` if this token may act for it (platform-rules §1.1
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

/// What the request asks to create (platform-rules §1.2 "Container types").
fn container_kind(call: &GraphCall) -> Result<(Kind, bool), GraphError> {
    let p = &call.params;
    let item = p.bool("is_carousel_item")?.unwrap_or(false);
    let media_type = p.text("media_type").map(str::to_ascii_uppercase);
    let unsupported = |why: &str| GraphError::invalid_param(why).subcode(2207023);
    let kind = match (media_type.as_deref(), item) {
        (None | Some("IMAGE"), _) => Kind::Image,
        (Some("VIDEO"), true) => Kind::Video,
        // platform-rules §1.2 "Single feed video": not accepted since 2023-11-09.
        (Some("VIDEO"), false) => {
            return Err(unsupported(
                "The VIDEO media type is no longer supported for single posts; use REELS",
            ));
        }
        (Some("REELS"), true) => {
            return Err(unsupported(
                "REELS is not allowed inside a carousel; use VIDEO with is_carousel_item",
            ));
        }
        (Some("STORIES"), true) => return Err(unsupported("STORIES cannot be a carousel item")),
        (Some("CAROUSEL"), true) => {
            return Err(unsupported("A CAROUSEL cannot be a carousel item"));
        }
        (Some("REELS"), false) => Kind::Reels,
        (Some("STORIES"), false) => Kind::Stories,
        (Some("CAROUSEL"), false) => Kind::Carousel,
        (Some(other), _) => {
            return Err(unsupported(&format!(
                "The media type {other} is not supported"
            )));
        }
    };
    Ok((kind, item))
}

/// platform-rules §1.2 "Parameter" rows checked at creation; returns the options to remember.
fn check_options(
    call: &GraphCall,
    kind: Kind,
    item: bool,
    is_video: bool,
) -> Result<BTreeMap<String, Value>, GraphError> {
    let p = &call.params;
    let mut opts = BTreeMap::new();
    let only = |cond: bool, name: &str, what: &str| {
        if p.contains(name) && !cond {
            Err(GraphError::invalid_param(format!(
                "Param {name} is only supported for {what}"
            )))
        } else {
            Ok(())
        }
    };
    if let Some(caption) = p.text("caption") {
        if item {
            return Err(GraphError::invalid_param(
                "Param caption is not supported on carousel items",
            ));
        }
        // platform-rules §1.2 `caption`: 2,200 chars, 30 hashtags, 20 @-tags → 2207010.
        let (n, tags, ats) = (
            caption.chars().count(),
            text::hashtags(caption),
            text::mentions(caption),
        );
        if n > 2200 || tags > 30 || ats > 20 {
            let why = format!(
                "The caption has {n} characters, {tags} hashtags and {ats} @-tags; the limits are 2200, 30 and 20"
            );
            return Err(GraphError::new(36004, why).subcode(2207010));
        }
    }
    only(
        kind == Kind::Image || (kind == Kind::Stories && !is_video),
        "alt_text",
        "images",
    )?;
    if let Some(alt) = p.text("alt_text") {
        if alt.chars().count() > 1000 {
            return Err(GraphError::invalid_param(
                "Param alt_text must be at most 1000 characters",
            ));
        }
        opts.insert("alt_text".into(), json!(alt));
    }
    only(
        kind != Kind::Stories,
        "collaborators",
        "feed posts, reels and carousels",
    )?;
    if let Some(c) = p.list("collaborators")? {
        if c.len() > 3 {
            return Err(GraphError::invalid_param(
                "Param collaborators must have at most 3 usernames",
            ));
        }
        opts.insert("collaborators".into(), json!(c));
    }
    if let Some(raw) = p.text("user_tags") {
        opts.insert("user_tags".into(), user_tags(raw, kind == Kind::Image)?);
    }
    only(kind == Kind::Reels, "cover_url", "reels")?;
    only(
        matches!(kind, Kind::Reels | Kind::Video) || (kind == Kind::Stories && is_video),
        "thumb_offset",
        "videos",
    )?;
    if let Some(t) = p.int("thumb_offset")? {
        opts.insert("thumb_offset".into(), json!(t));
    }
    only(
        matches!(kind, Kind::Reels | Kind::Carousel),
        "share_to_feed",
        "reels and carousels",
    )?;
    if let Some(s) = p.bool("share_to_feed")? {
        opts.insert("share_to_feed".into(), json!(s));
    }
    for name in ["location_id", "is_ai_generated", "product_tags"] {
        if item && p.contains(name) {
            return Err(GraphError::invalid_param(format!(
                "Param {name} is not supported on carousel items"
            )));
        }
    }
    only(kind == Kind::Reels, "trial_params", "reels")?;
    for name in [
        "cover_url",
        "location_id",
        "audio_name",
        "trial_params",
        "product_tags",
    ] {
        if let Some(v) = p.text(name) {
            opts.insert(name.into(), json!(v));
        }
    }
    if let Some(v) = p.bool("is_ai_generated")? {
        opts.insert("is_ai_generated".into(), json!(v));
    }
    Ok(opts)
}

/// platform-rules §1.2 `user_tags`: a JSON array of `{username, x, y}`, x/y in 0.0–1.0,
/// required for images.
fn user_tags(raw: &str, image: bool) -> Result<Value, GraphError> {
    let bad = |why: &str| GraphError::invalid_param(format!("Param user_tags {why}"));
    let Ok(Value::Array(tags)) = serde_json::from_str::<Value>(raw) else {
        return Err(bad("must be a JSON array"));
    };
    for tag in &tags {
        if !tag.get("username").is_some_and(Value::is_string) {
            return Err(bad("entries need a username"));
        }
        for axis in ["x", "y"] {
            match tag.get(axis).map(Value::as_f64) {
                Some(Some(v)) if (0.0..=1.0).contains(&v) => {}
                Some(_) => return Err(bad(&format!("{axis} must be a number from 0.0 to 1.0"))),
                None if image => return Err(bad(&format!("entries need {axis} on images"))),
                None => {}
            }
        }
    }
    Ok(Value::Array(tags))
}

/// `POST /{ig-user-id}/media` (platform-rules §1.1 "Endpoints", §1.2).
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
    let thumb_offset = p.int("thumb_offset")?;
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

    // platform-rules §1.4 "Containers created": ≤400 per rolling 24 h.
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
            text: p.text("caption").map(str::to_owned),
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

/// platform-rules §1.2 "Carousel parent": `children` (comma-separated or JSON), 2–10 items of
/// this user's carousel-item containers (error 2207028 outside 2–10).
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

/// `POST /{ig-user-id}/media_publish` with `creation_id` (platform-rules §1.1, §1.4).
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
        // platform-rules §1.5 2207020 "media expired (container >24 h)".
        Phase::Expired => return Err(GraphError::new(-2, "The media has expired").subcode(2207020)),
        Phase::Finished => {}
    }
    // platform-rules §1.4 "Published posts" per rolling 24 h, §1.5 2207042 (code 9).
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
    let media_id = world.next_id();
    let mut child_media = Vec::new();
    for c in &container.children {
        let child_id = world.next_id();
        let (kind, is_video) = world
            .containers
            .get(c)
            .map_or((Kind::Image, false), |ch| (ch.kind, ch.is_video));
        if let Some(ch) = world.containers.get_mut(c) {
            ch.published = Some(child_id.clone());
        }
        let shortcode = World::shortcode(&child_id);
        world.media.insert(
            child_id.clone(),
            PublishedMedia {
                id: child_id.clone(),
                platform: Platform::Instagram,
                owner: account.id.clone(),
                container: c.clone(),
                kind,
                is_video,
                text: None,
                children: Vec::new(),
                shortcode,
                published_at: now,
            },
        );
        child_media.push(child_id);
    }
    let media = container.media(&world.containers);
    if let Some(c) = world.containers.get_mut(&creation_id) {
        c.published = Some(media_id.clone());
    }
    world.media.insert(
        media_id.clone(),
        PublishedMedia {
            id: media_id.clone(),
            platform: Platform::Instagram,
            owner: account.id.clone(),
            container: creation_id.clone(),
            kind: container.kind,
            is_video: container.is_video,
            text: container.text.clone(),
            children: child_media,
            shortcode: World::shortcode(&media_id),
            published_at: now,
        },
    );
    let kind = match container.kind {
        Kind::Reels => "REELS",
        Kind::Stories => "STORIES",
        Kind::Carousel => "CAROUSEL",
        _ => "IMAGE",
    };
    world.publish(NewEntry {
        platform: Platform::Instagram,
        account_id: account.id.clone(),
        username: account.username.clone(),
        post_id: media_id.clone(),
        kind: kind.into(),
        source: creation_id,
        text: container.text.clone(),
        media,
        options: container.options.clone(),
        committed_at: now,
        published_at: now,
    });
    Ok(json!({ "id": media_id }))
}

/// `GET /{ig-user-id}/content_publishing_limit` (platform-rules §1.4 "Read live quota").
pub(crate) fn publishing_limit(
    engine: &Arc<Engine>,
    call: &GraphCall,
    user: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let mut world = engine.world();
    let account = access(&world, call, now, user, false)?;
    let mut window = Duration::hours(24);
    if let Some(since) = call.params.int("since")? {
        let age = now.timestamp().saturating_sub(since);
        if !(0..=86_400).contains(&age) {
            return Err(GraphError::invalid_param(
                "Param since must be a unix time within the last 24 hours",
            ));
        }
        window = Duration::seconds(age.max(1));
    }
    let usage = world
        .windows
        .count(&format!("ig.posts:{}", account.id), window, now);
    let mut all = Map::new();
    all.insert("quota_usage".into(), json!(usage));
    all.insert(
        "config".into(),
        json!({ "quota_total": engine.config.instagram.posts_per_24h, "quota_duration": 86_400 }),
    );
    let item = select(
        "ContentPublishingLimitResponse",
        all,
        &call.params,
        &["quota_usage"],
    )?;
    Ok(json!({ "data": [item] }))
}

/// `GET /{id}`: an Instagram user, container or published media (platform-rules §1.6 "Read a
/// media"; §1.4 `status_code`).
pub(crate) fn read(engine: &Engine, call: &GraphCall, id: &str) -> Result<Value, GraphError> {
    let now = engine.now();
    let world = engine.world();
    let hidden = || GraphError::no_object("get", id);
    if id == "me"
        || world
            .account(id)
            .is_some_and(|a| a.platform == Platform::Instagram)
    {
        let account = access(&world, call, now, id, false)?;
        let count = world
            .media
            .values()
            .filter(|m| m.owner == account.id && m.container_is_top(&world))
            .count();
        let mut all = Map::new();
        all.insert("id".into(), json!(account.id));
        all.insert("user_id".into(), json!(account.id));
        all.insert("username".into(), json!(account.username));
        all.insert("name".into(), json!(account.name));
        all.insert("account_type".into(), json!("BUSINESS"));
        all.insert("media_count".into(), json!(count));
        return select("IGUser", all, &call.params, &["id"]);
    }
    if let Some(c) = world
        .containers
        .get(id)
        .filter(|c| c.platform == Platform::Instagram)
    {
        access(&world, call, now, &c.owner, false).map_err(|_| hidden())?;
        let phase = c.phase(now, &world.containers);
        let status = match &phase {
            Phase::InProgress => "In Progress: Media is still being processed.".to_owned(),
            Phase::Finished => {
                "Finished: Media has been uploaded and it is ready to be published.".to_owned()
            }
            Phase::Published => "Published: Media has been published.".to_owned(),
            Phase::Expired => {
                "Expired: Media has expired and can no longer be published.".to_owned()
            }
            Phase::Error(Rejection::Graph {
                subcode, message, ..
            }) => {
                format!("Error: Media upload has failed with error code {subcode}. {message}")
            }
            Phase::Error(_) => "Error: Media upload has failed.".to_owned(),
        };
        let mut all = Map::new();
        all.insert("id".into(), json!(c.id));
        all.insert("status_code".into(), json!(phase.code()));
        all.insert("status".into(), json!(status));
        return select("IGContainer", all, &call.params, &["id"]);
    }
    let m = world
        .media
        .get(id)
        .filter(|m| m.platform == Platform::Instagram)
        .ok_or_else(hidden)?;
    let account = access(&world, call, now, &m.owner, false).map_err(|_| hidden())?;
    let (media_type, product, path) = match (m.kind, m.is_video) {
        (Kind::Carousel, _) => ("CAROUSEL_ALBUM", "FEED", "p"),
        (Kind::Reels, _) => ("VIDEO", "REELS", "reel"),
        (Kind::Stories, true) => ("VIDEO", "STORY", "stories"),
        (Kind::Stories, false) => ("IMAGE", "STORY", "stories"),
        (Kind::Video, _) => ("VIDEO", "FEED", "p"),
        _ => ("IMAGE", "FEED", "p"),
    };
    let permalink = if path == "stories" {
        format!(
            "https://www.instagram.com/stories/{}/{}/",
            account.username, m.id
        )
    } else {
        format!("https://www.instagram.com/{path}/{}/", m.shortcode)
    };
    let mut all = Map::new();
    all.insert("id".into(), json!(m.id));
    all.insert("media_type".into(), json!(media_type));
    all.insert("media_product_type".into(), json!(product));
    all.insert("permalink".into(), json!(permalink));
    all.insert("shortcode".into(), json!(m.shortcode));
    all.insert("timestamp".into(), json!(graph_time(m.published_at)));
    all.insert(
        "caption".into(),
        m.text.clone().map_or(Value::Null, Value::String),
    );
    all.insert("username".into(), json!(account.username));
    all.insert("owner".into(), json!({ "id": account.id }));
    all.insert("is_comment_enabled".into(), json!(true));
    let children = m
        .children
        .iter()
        .map(|c| json!({ "id": c }))
        .collect::<Vec<_>>();
    all.insert(
        "children".into(),
        if children.is_empty() {
            Value::Null
        } else {
            json!({ "data": children })
        },
    );
    select("IGMedia", all, &call.params, &["id"])
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
