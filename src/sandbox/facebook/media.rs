//! Page media: `POST /{page-id}/photos` (published, scheduled, or unpublished for
//! `attached_media`) and `POST /{page-id}/videos` (docs/platform-rules.md §3 "Single photo",
//! "Multi-photo", "Scheduling", "Video").
//!
//! # Guarantees
//! - Request rules (token, `published`/`scheduled_publish_time`) are checked before the media
//!   are downloaded; a refused request publishes nothing.
//! - A published or scheduled photo creates its Page post in the same step as the photo, so
//!   the answered `post_id` is always readable.
//!
//! # Assumptions
//! - Page photos and videos are downloaded during the request (the answer comes after), and
//!   refused with Graph codes 324 (photo), 352/389 (video): the codes client libraries report.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{Photo, Post, Video, access, record, schedule};
use crate::sandbox::container::Rejection;
use crate::sandbox::engine::Engine;
use crate::sandbox::errors::GraphError;
use crate::sandbox::graph::GraphCall;
use crate::sandbox::judge::Want;
use crate::sandbox::ledger::LedgerMedia;

/// Downloads and judges a Page photo or video during the request.
async fn fetch(engine: &Engine, url: &str, want: Want) -> Result<LedgerMedia, GraphError> {
    let to_graph = |r: Rejection| match r {
        Rejection::Graph { code, message, .. } => GraphError::new(code, message),
        _ => GraphError::new(1, "An unknown error occurred"),
    };
    let file = engine
        .fetcher
        .get(url, true, want.max_bytes())
        .await
        .map_err(|e| to_graph(want.download_failed(&e)))?;
    want.judge(&file).map_err(to_graph)?;
    Ok(file.ledger_media())
}

/// `POST /{page-id}/photos` with `url` (docs/platform-rules.md §3 "Single photo", "Multi-photo",
/// "Scheduling": the same window and rules as `/feed`).
pub(crate) async fn photos(
    engine: &Arc<Engine>,
    call: &GraphCall,
    page: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let p = &call.params;
    let (page, _) = access(
        &engine.world(),
        call,
        now,
        page,
        &["pages_manage_posts", "pages_read_engagement"],
        true,
    )?;
    let url = p
        .text("url")
        .ok_or_else(|| GraphError::new(324, "(#324) Requires upload file"))?;
    let published = p.bool("published")?.unwrap_or(true);
    let scheduled_for = schedule(call, published, now)?;
    let media = fetch(engine, url, Want::FbPhoto).await?;
    let caption = p
        .text("caption")
        .or_else(|| p.text("message"))
        .map(str::to_owned);
    let mut world = engine.world();
    let photo_id = world.next_id();
    let is_post = published || scheduled_for.is_some();
    let post_id = is_post.then(|| format!("{}_{}", page.id, world.next_id()));
    world.facebook.photos.insert(
        photo_id.clone(),
        Photo {
            id: photo_id.clone(),
            page: page.id.clone(),
            caption: caption.clone(),
            media: media.clone(),
            post_id: post_id.clone(),
            attached_to: None,
            created_at: now,
        },
    );
    let Some(post_id) = post_id else {
        return Ok(json!({ "id": photo_id }));
    };
    world.facebook.posts.insert(
        post_id.clone(),
        Post {
            id: post_id.clone(),
            page: page.id.clone(),
            message: caption.clone(),
            link: None,
            photos: vec![photo_id.clone()],
            published: true,
            scheduled_for,
            created_at: now,
        },
    );
    let mut options = BTreeMap::new();
    if let Some(at) = scheduled_for {
        options.insert("scheduled_publish_time".to_owned(), json!(at.timestamp()));
    }
    record(
        &mut world,
        &page,
        &post_id,
        "PHOTO",
        caption,
        vec![media],
        options,
        now,
        scheduled_for.unwrap_or(now),
    );
    Ok(json!({ "id": photo_id, "post_id": post_id }))
}

/// `POST /{page-id}/videos` with `file_url` (docs/platform-rules.md §3 "Video").
pub(crate) async fn videos(
    engine: &Arc<Engine>,
    call: &GraphCall,
    page: &str,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let p = &call.params;
    let (page, _) = access(
        &engine.world(),
        call,
        now,
        page,
        &["pages_manage_posts", "publish_video"],
        true,
    )?;
    let url = p
        .text("file_url")
        .ok_or_else(|| GraphError::param_required("file_url"))?;
    let published = p.bool("published")?.unwrap_or(true);
    let media = fetch(engine, url, Want::FbVideo).await?;
    let description = p.text("description").map(str::to_owned);
    let mut world = engine.world();
    let id = world.next_id();
    let video = Video {
        id: id.clone(),
        page: page.id.clone(),
        description: description.clone(),
        title: p.text("title").map(str::to_owned),
        created_at: now,
    };
    world.facebook.videos.insert(id.clone(), video);
    if published {
        record(
            &mut world,
            &page,
            &id,
            "VIDEO",
            description,
            vec![media],
            BTreeMap::new(),
            now,
            now,
        );
    }
    Ok(json!({ "id": id }))
}
