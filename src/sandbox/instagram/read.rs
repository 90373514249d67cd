//! Reading Instagram state: `content_publishing_limit`, users, containers and published media
//! (docs/platform-rules.md §1.4, §1.6).

use std::sync::Arc;

use chrono::Duration;
use serde_json::{Map, Value, json};

use super::access;
use crate::platform::Platform;
use crate::sandbox::accounts::Account;
use crate::sandbox::container::{Kind, Phase, PublishedMedia, Rejection};
use crate::sandbox::engine::Engine;
use crate::sandbox::errors::GraphError;
use crate::sandbox::fields::{graph_time, paged, select};
use crate::sandbox::graph::GraphCall;
use crate::sandbox::state::World;

/// `GET /{ig-user-id}/content_publishing_limit` (docs/platform-rules.md §1.4 "Read live quota").
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

/// `GET /{id}`: an Instagram user, container or published media (docs/platform-rules.md §1.6 "Read
/// a media"; §1.4 `status_code`).
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
    select(
        "IGMedia",
        media_node(&world, m, &account),
        &call.params,
        &["id"],
    )
}

/// Every field of a published media (docs/platform-rules.md §1.6 "Read a media", `media_type`,
/// `media_product_type`, `timestamp`), its carousel children as whole nodes so a nested
/// selection (`children{media_type}`) can read them. `media_url` is the URL the media were
/// fetched from, `thumbnail_url` a video's cover (or a CDN-style URL when it has none); no
/// one likes or comments in the sandbox.
fn media_node(world: &World, m: &PublishedMedia, account: &Account) -> Map<String, Value> {
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
    all.insert("like_count".into(), json!(0));
    all.insert("comments_count".into(), json!(0));
    all.insert(
        "media_url".into(),
        m.media_url.clone().map_or(Value::Null, Value::String),
    );
    let thumbnail = match (&m.thumbnail_url, media_type) {
        (Some(cover), _) => json!(cover),
        (None, "VIDEO") => json!(format!(
            "https://scontent.cdninstagram.com/v/sandbox/{}_thumbnail.jpg",
            m.id
        )),
        _ => Value::Null,
    };
    all.insert("thumbnail_url".into(), thumbnail);
    let children = m
        .children
        .iter()
        .filter_map(|c| world.media.get(c))
        .map(|c| Value::Object(media_node(world, c, account)))
        .collect::<Vec<_>>();
    let children = if children.is_empty() {
        Value::Null
    } else {
        json!({ "data": children })
    };
    all.insert("children".into(), children);
    all
}

/// `GET /{ig-user-id}/media` (feed posts and reels) and `/stories` (stories of the last 24 h),
/// newest first: the read-only look-up that resolves an unanswered `media_publish`
/// (docs/platform-rules.md §8 "look first").
pub(crate) fn list(
    engine: &Engine,
    call: &GraphCall,
    user: &str,
    stories: bool,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let world = engine.world();
    let account = access(&world, call, now, user, false)?;
    let mut mine: Vec<&PublishedMedia> = world
        .media
        .values()
        .filter(|m| {
            m.platform == Platform::Instagram && m.owner == account.id && m.container_is_top(&world)
        })
        .filter(|m| (m.kind == Kind::Stories) == stories)
        .filter(|m| !stories || now < m.published_at + Duration::hours(24))
        .collect();
    mine.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
    let items = mine
        .into_iter()
        .map(|m| {
            select(
                "IGMedia",
                media_node(&world, m, &account),
                &call.params,
                &["id"],
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    paged(engine, call, items)
}
