//! Reading Facebook state: `/me/accounts` and `GET /{id}` for Pages, users, posts, photos
//! and videos (docs/platform-rules.md §3).

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{FacebookState, Photo, Post, Video, access};
use crate::platform::Platform;
use crate::sandbox::accounts::Account;
use crate::sandbox::engine::Engine;
use crate::sandbox::errors::GraphError;
use crate::sandbox::fields::{graph_time, paged, select};
use crate::sandbox::graph::GraphCall;
use crate::sandbox::state::World;
use crate::sandbox::tokens::{Issue, TokenKind};
use chrono::{DateTime, Utc};

/// `GET /{user-id}/accounts`: the Pages a user manages, each with a Page token
/// (docs/platform-rules.md §3 "Page token").
pub(crate) fn accounts(
    engine: &Arc<Engine>,
    call: &GraphCall,
    user: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let mut world = engine.world();
    let auth = call.auth(&world, now)?;
    let id = if user == "me" {
        auth.subject.clone()
    } else {
        user.to_owned()
    };
    if auth.kind != TokenKind::FacebookUser || auth.subject != id {
        return Err(GraphError::no_object("get", user));
    }
    if !auth.has_scope("pages_show_list") {
        return Err(GraphError::permission("pages_show_list"));
    }
    let pages: Vec<Account> = world
        .accounts
        .values()
        .filter(|a| a.platform == Platform::Facebook && a.fb_user.as_deref() == Some(id.as_str()))
        .cloned()
        .collect();
    let mut data = Vec::new();
    for page in pages {
        let World { tokens, rng, .. } = &mut *world;
        let token = tokens.issue(
            rng,
            now,
            Issue {
                kind: TokenKind::FacebookPage,
                subject: &page.id,
                scopes: &auth.scopes,
                lifetime: None,
                long_lived: true,
                grant: None,
                fixed: None,
            },
        );
        data.push(json!({
            "id": page.id,
            "name": page.name,
            "category": "Brand",
            "access_token": token.expose(),
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        }));
    }
    Ok(json!({ "data": data, "paging": { "cursors": { "before": "QVFI", "after": "QVFI" } } }))
}

/// A photo as a story attachment (Graph's `attachments` items).
fn photo_attachment(photo: &Photo) -> Value {
    let url = format!("https://www.facebook.com/photo.php?fbid={}", photo.id);
    json!({
        "type": "photo",
        "media_type": "photo",
        "url": url,
        "description": photo.caption,
        "target": { "id": photo.id, "url": url },
        "media": { "image": {
            "src": photo.media.url,
            "width": photo.media.width,
            "height": photo.media.height,
        } },
    })
}

/// `attachments` and `full_picture` of a post: one photo, an album of several, or a link
/// share; a text post has neither.
fn attachments(fb: &FacebookState, post: &Post) -> (Value, Value) {
    let photos: Vec<&Photo> = post
        .photos
        .iter()
        .filter_map(|id| fb.photos.get(id))
        .collect();
    let full_picture = photos
        .first()
        .and_then(|p| p.media.url.clone())
        .map_or(Value::Null, Value::String);
    let (page_id, n) = post.id.split_once('_').unwrap_or((&post.page, &post.id));
    let attachment = match photos.as_slice() {
        [] => match &post.link {
            Some(link) => json!({
                "type": "share",
                "media_type": "link",
                "url": link,
                "target": { "url": link },
            }),
            None => return (Value::Null, full_picture),
        },
        [one] => photo_attachment(one),
        many => {
            let url = format!("https://www.facebook.com/{page_id}/posts/{n}");
            let mut album = photo_attachment(many[0]);
            album["type"] = json!("album");
            album["media_type"] = json!("album");
            album["url"] = json!(url);
            album["target"] = json!({ "id": n, "url": url });
            album["description"] = json!(post.message);
            album["subattachments"] =
                json!({ "data": many.iter().map(|p| photo_attachment(p)).collect::<Vec<_>>() });
            album
        }
    };
    (json!({ "data": [attachment] }), full_picture)
}

/// Every field of a Page post (docs/platform-rules.md §3 "Text / link post", "Scheduling"), with
/// the `attachments` and `full_picture` the real API returns for photo and link posts.
fn post_node(fb: &FacebookState, post: &Post, now: DateTime<Utc>) -> Map<String, Value> {
    let visible = post.published && post.scheduled_for.is_none_or(|at| at <= now);
    let (page_id, n) = post.id.split_once('_').unwrap_or((&post.page, &post.id));
    let mut all = Map::new();
    all.insert("id".into(), json!(post.id));
    all.insert(
        "message".into(),
        post.message.clone().map_or(Value::Null, Value::String),
    );
    all.insert(
        "link".into(),
        post.link.clone().map_or(Value::Null, Value::String),
    );
    all.insert("created_time".into(), json!(graph_time(post.created_at)));
    all.insert("is_published".into(), json!(visible));
    all.insert(
        "scheduled_publish_time".into(),
        post.scheduled_for
            .map_or(Value::Null, |t| json!(t.timestamp())),
    );
    all.insert(
        "permalink_url".into(),
        json!(format!("https://www.facebook.com/{page_id}/posts/{n}")),
    );
    let (attachments, full_picture) = attachments(fb, post);
    all.insert("attachments".into(), attachments);
    all.insert("full_picture".into(), full_picture);
    all
}

/// `GET /{page-id}/feed` (also `/posts`, `/published_posts`) and `/scheduled_posts`, newest
/// first: the read-only look-up that resolves an unanswered `/feed` (docs/platform-rules.md §8
/// "look first").
pub(crate) fn list(
    engine: &Engine,
    call: &GraphCall,
    page: &str,
    edge: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let world = engine.world();
    let (page, _) = access(&world, call, now, page, &["pages_read_engagement"], false)?;
    let scheduled = edge == "scheduled_posts";
    let mut posts: Vec<&Post> = world
        .facebook
        .posts
        .values()
        .filter(|p| p.page == page.id && p.published)
        .filter(|p| p.scheduled_for.is_some_and(|at| at > now) == scheduled)
        .collect();
    posts.sort_by_key(|p| {
        std::cmp::Reverse((
            p.scheduled_for.unwrap_or(p.created_at),
            p.created_at,
            p.id.clone(),
        ))
    });
    let items = posts
        .into_iter()
        .map(|p| {
            select(
                "Post",
                post_node(&world.facebook, p, now),
                &call.params,
                &["created_time", "message"],
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    paged(engine, call, items)
}

/// Every field of a Page video (docs/platform-rules.md §3 "Video").
fn video_node(video: &Video) -> Map<String, Value> {
    let mut all = Map::new();
    all.insert("id".into(), json!(video.id));
    all.insert(
        "description".into(),
        video.description.clone().map_or(Value::Null, Value::String),
    );
    all.insert(
        "title".into(),
        video.title.clone().map_or(Value::Null, Value::String),
    );
    all.insert("created_time".into(), json!(graph_time(video.created_at)));
    all.insert(
        "permalink_url".into(),
        json!(format!("/{}/videos/{}/", video.page, video.id)),
    );
    all.insert("status".into(), json!({ "video_status": "ready" }));
    all
}

/// `GET /{page-id}/videos`, newest first: the look-up that resolves an unanswered `/videos`.
pub(crate) fn list_videos(
    engine: &Engine,
    call: &GraphCall,
    page: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let world = engine.world();
    let (page, _) = access(&world, call, now, page, &["pages_read_engagement"], false)?;
    let mut videos: Vec<&Video> = world
        .facebook
        .videos
        .values()
        .filter(|v| v.page == page.id)
        .collect();
    videos.sort_by_key(|v| std::cmp::Reverse((v.created_at, v.id.clone())));
    let items = videos
        .into_iter()
        .map(|v| select("Video", video_node(v), &call.params, &["id", "description"]))
        .collect::<Result<Vec<_>, _>>()?;
    paged(engine, call, items)
}

/// `GET /{id}`: a Page, a Facebook user, a post, a photo or a video (docs/platform-rules.md §3
/// "Text / link post", "Single photo", "Video"; §1.6 timestamps).
pub(crate) fn read(engine: &Engine, call: &GraphCall, id: &str) -> Result<Value, GraphError> {
    let now = engine.now();
    let world = engine.world();
    let hidden = || GraphError::no_object("get", id);
    let auth = call.auth(&world, now)?;
    let subject = if id == "me" {
        auth.subject.clone()
    } else {
        id.to_owned()
    };
    if let Some(user) = world.fb_users.get(&subject) {
        if auth.kind != TokenKind::FacebookUser || auth.subject != user.id {
            return Err(hidden());
        }
        let mut all = Map::new();
        all.insert("id".into(), json!(user.id));
        all.insert("name".into(), json!(user.name));
        return select("User", all, &call.params, &["id", "name"]);
    }
    let page_of = |page: &str| {
        access(&world, call, now, page, &[], false)
            .map(|(p, _)| p)
            .map_err(|_| hidden())
    };
    if world
        .account(&subject)
        .is_some_and(|a| a.platform == Platform::Facebook)
    {
        let page = page_of(&subject)?;
        let mut all = Map::new();
        all.insert("id".into(), json!(page.id));
        all.insert("name".into(), json!(page.name));
        all.insert("username".into(), json!(page.username));
        all.insert("category".into(), json!("Brand"));
        all.insert(
            "link".into(),
            json!(format!("https://www.facebook.com/{}", page.username)),
        );
        return select("Page", all, &call.params, &["id", "name"]);
    }
    let fb = &world.facebook;
    let mut all = Map::new();
    let node = if let Some(post) = fb.posts.get(id) {
        page_of(&post.page)?;
        all = post_node(fb, post, now);
        "Post"
    } else if let Some(photo) = fb.photos.get(id) {
        page_of(&photo.page)?;
        all.insert("id".into(), json!(photo.id));
        all.insert(
            "name".into(),
            photo.caption.clone().map_or(Value::Null, Value::String),
        );
        all.insert("created_time".into(), json!(graph_time(photo.created_at)));
        all.insert(
            "page_story_id".into(),
            photo.post_id.clone().map_or(Value::Null, Value::String),
        );
        all.insert(
            "link".into(),
            json!(format!(
                "https://www.facebook.com/photo.php?fbid={}",
                photo.id
            )),
        );
        all.insert("width".into(), json!(photo.media.width));
        all.insert("height".into(), json!(photo.media.height));
        // The real API lists every size it rendered; the sandbox has the one it received.
        all.insert(
            "images".into(),
            json!([{ "width": photo.media.width, "height": photo.media.height, "source": photo.media.url }]),
        );
        all.insert(
            "picture".into(),
            photo.media.url.clone().map_or(Value::Null, Value::String),
        );
        "Photo"
    } else if let Some(video) = fb.videos.get(id) {
        page_of(&video.page)?;
        all = video_node(video);
        "Video"
    } else {
        return Err(hidden());
    };
    select(node, all, &call.params, &["id"])
}
