//! TikTok read calls: `creator_info/query` (docs/platform-rules.md §2.2) and `status/fetch` (§2.5).

use std::sync::Arc;

use axum::response::Response;
use serde_json::{Value, json};

use super::{Call, authorize, ok};
use crate::sandbox::container::Check;
use crate::sandbox::engine::Engine;
use crate::sandbox::errors::TikTokError;

/// `POST /v2/post/publish/creator_info/query/` (docs/platform-rules.md §2.2).
pub(super) fn creator_info(engine: &Arc<Engine>, call: Call) -> Result<Response, TikTokError> {
    let mut world = engine.world();
    let limit = engine.config.tiktok.creator_info_per_minute;
    let (_, account) = authorize(
        engine,
        &mut world,
        &call,
        &["video.publish"],
        "creator_info",
        limit,
    )?;
    let c = &account.tiktok;
    Ok(ok(
        engine,
        json!({
            "creator_avatar_url": format!("https://p16-sign.tiktokcdn.com/sandbox/{}.jpeg", account.username),
            "creator_username": account.username,
            "creator_nickname": account.name,
            "privacy_level_options": c.privacy_level_options(),
            "comment_disabled": c.comment_disabled,
            "duet_disabled": c.duet_disabled,
            "stitch_disabled": c.stitch_disabled,
            "max_video_post_duration_sec": c.max_video_post_duration_sec,
        }),
    ))
}

/// `status/fetch` (docs/platform-rules.md §2.5 `status`, `fail_reason`).
pub(super) fn status_fetch(engine: &Arc<Engine>, call: Call) -> Result<Response, TikTokError> {
    let now = engine.now();
    let mut world = engine.world();
    let limit = engine.config.tiktok.status_per_minute;
    let (_, account) = authorize(
        engine,
        &mut world,
        &call,
        &["video.publish", "video.upload"],
        "status_fetch",
        limit,
    )?;
    let id = call
        .body
        .get("publish_id")
        .and_then(Value::as_str)
        .ok_or_else(|| TikTokError::invalid_params("publish_id is required"))?;
    // TT-STATUS error table: unknown → invalid_publish_id, another creator's →
    // token_not_authorized_for_specified_publish_id (both HTTP 400).
    let p = world
        .tiktok
        .publishes
        .get(id)
        .ok_or_else(TikTokError::invalid_publish_id)?;
    if p.owner != account.id {
        return Err(TikTokError::foreign_publish_id());
    }
    let (status, fail_reason) = p.status(now);
    let mut data = json!({ "status": status });
    if let Some(reason) = fail_reason {
        data["fail_reason"] = json!(reason);
    }
    let public =
        p.options.get("privacy_level").and_then(Value::as_str) == Some("PUBLIC_TO_EVERYONE");
    data["publicaly_available_post_id"] = match (&p.post_id, public) {
        (Some(post), true) => json!([post.parse::<u64>().unwrap_or_default()]),
        _ => json!([]),
    };
    if let Some(up) = &p.upload {
        data["uploaded_bytes"] =
            json!(up.chunks_done.min(up.total_chunks) * up.chunk_size.min(up.video_size));
        if up.completed_at.is_some() {
            data["uploaded_bytes"] = json!(up.video_size);
        }
    } else if !p.photo {
        let downloaded = match &p.check {
            Check::Done(Ok(m)) => m.iter().map(|m| m.bytes).sum::<u64>(),
            _ => 0,
        };
        data["downloaded_bytes"] = json!(downloaded);
    }
    Ok(ok(engine, data))
}
