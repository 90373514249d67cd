//! Reading Threads state: `threads_publishing_limit`, users, containers and posts
//! (docs/platform-rules.md §4).

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

/// `GET /{threads-user-id}/threads_publishing_limit` (docs/platform-rules.md §4 "Quotas").
pub(crate) fn publishing_limit(
    engine: &Arc<Engine>,
    call: &GraphCall,
    user: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let mut world = engine.world();
    let account = access(&world, call, now, user, false)?;
    let usage = world.windows.count(
        &format!("th.posts:{}", account.id),
        Duration::hours(24),
        now,
    );
    let mut all = Map::new();
    all.insert("quota_usage".into(), json!(usage));
    all.insert(
        "config".into(),
        json!({ "quota_total": engine.config.threads.posts_per_24h, "quota_duration": 86_400 }),
    );
    all.insert("reply_quota_usage".into(), json!(0));
    all.insert(
        "reply_config".into(),
        json!({ "quota_total": 1000, "quota_duration": 86_400 }),
    );
    let item = select(
        "ThreadsPublishingLimit",
        all,
        &call.params,
        &["quota_usage"],
    )?;
    Ok(json!({ "data": [item] }))
}

/// `GET /{id}`: a Threads user, container (`status`, `error_message`) or post
/// (docs/platform-rules.md §4 "Container status"; §1.6 "Read a media", timestamps).
pub(crate) fn read(engine: &Engine, call: &GraphCall, id: &str) -> Result<Value, GraphError> {
    let now = engine.now();
    let world = engine.world();
    let hidden = || GraphError::no_object("get", id);
    if id == "me"
        || world
            .account(id)
            .is_some_and(|a| a.platform == Platform::Threads)
    {
        let account = access(&world, call, now, id, false)?;
        let mut all = Map::new();
        all.insert("id".into(), json!(account.id));
        all.insert("username".into(), json!(account.username));
        all.insert("name".into(), json!(account.name));
        all.insert(
            "threads_profile_picture_url".into(),
            json!(format!(
                "https://www.threads.net/@{}/picture",
                account.username
            )),
        );
        all.insert("threads_biography".into(), json!(""));
        return select("ThreadsUser", all, &call.params, &["id"]);
    }
    if let Some(c) = world
        .containers
        .get(id)
        .filter(|c| c.platform == Platform::Threads)
    {
        access(&world, call, now, &c.owner, false).map_err(|_| hidden())?;
        let phase = c.phase(now, &world.containers);
        let mut all = Map::new();
        all.insert("id".into(), json!(c.id));
        all.insert("status".into(), json!(phase.code()));
        let error = match &phase {
            Phase::Error(Rejection::Threads { error_message }) => json!(error_message),
            Phase::Error(_) => json!("UNKNOWN"),
            _ => Value::Null,
        };
        all.insert("error_message".into(), error);
        return select("ThreadsContainer", all, &call.params, &["id"]);
    }
    let m = world
        .media
        .get(id)
        .filter(|m| m.platform == Platform::Threads)
        .ok_or_else(hidden)?;
    let account = access(&world, call, now, &m.owner, false).map_err(|_| hidden())?;
    select(
        "ThreadsMedia",
        post_node(&world, m, &account),
        &call.params,
        &["id"],
    )
}

/// Every field of a published Threads post, its carousel children as whole nodes (for nested
/// selections); `media_url` is the URL the media were fetched from.
fn post_node(world: &World, m: &PublishedMedia, account: &Account) -> Map<String, Value> {
    let media_type = match m.kind {
        Kind::Text => "TEXT_POST",
        Kind::Video => "VIDEO",
        Kind::Carousel => "CAROUSEL_ALBUM",
        _ => "IMAGE",
    };
    let permalink = format!(
        "https://www.threads.net/@{}/post/{}",
        account.username, m.shortcode
    );
    let mut all = Map::new();
    all.insert("id".into(), json!(m.id));
    all.insert("media_product_type".into(), json!("THREADS"));
    all.insert("media_type".into(), json!(media_type));
    all.insert("permalink".into(), json!(permalink));
    all.insert("shortcode".into(), json!(m.shortcode));
    all.insert(
        "text".into(),
        m.text.clone().map_or(Value::Null, Value::String),
    );
    all.insert("timestamp".into(), json!(graph_time(m.published_at)));
    all.insert("username".into(), json!(account.username));
    all.insert("owner".into(), json!({ "id": account.id }));
    all.insert("is_quote_post".into(), json!(false));
    all.insert(
        "media_url".into(),
        m.media_url.clone().map_or(Value::Null, Value::String),
    );
    let thumbnail = (m.kind == Kind::Video).then(|| {
        json!(format!(
            "https://scontent.cdninstagram.com/v/sandbox/{}_thumbnail.jpg",
            m.id
        ))
    });
    all.insert("thumbnail_url".into(), thumbnail.unwrap_or(Value::Null));
    let children = m
        .children
        .iter()
        .filter_map(|c| world.media.get(c))
        .map(|c| Value::Object(post_node(world, c, account)))
        .collect::<Vec<_>>();
    let children = if children.is_empty() {
        Value::Null
    } else {
        json!({ "data": children })
    };
    all.insert("children".into(), children);
    all
}

/// `GET /{threads-user-id}/threads`: the user's posts, newest first, for resolving an
/// unanswered `threads_publish` by look-up (docs/platform-rules.md §8 "look first").
pub(crate) fn list(engine: &Engine, call: &GraphCall, user: &str) -> Result<Value, GraphError> {
    let now = engine.now();
    let world = engine.world();
    let account = access(&world, call, now, user, false)?;
    let mut mine: Vec<&PublishedMedia> = world
        .media
        .values()
        .filter(|m| m.platform == Platform::Threads && m.owner == account.id)
        .filter(|m| {
            world
                .containers
                .get(&m.container)
                .is_none_or(|c| !c.is_carousel_item)
        })
        .collect();
    mine.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
    let items = mine
        .into_iter()
        .map(|m| {
            select(
                "ThreadsMedia",
                post_node(&world, m, &account),
                &call.params,
                &["id"],
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    paged(engine, call, items)
}
