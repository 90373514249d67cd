//! TikTok init calls: direct-post and inbox `video/init`, photo `content/init`, and the rules
//! they enforce (docs/platform-rules.md §2.1, §2.3, §2.4, §2.5 init-time errors).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use chrono::Duration;
use serde_json::{Value, json};

use super::{Call, Mode, Publish, authorize, ok};
use crate::sandbox::accounts::Account;
use crate::sandbox::container::{Check, Rejection};
use crate::sandbox::engine::{CheckTarget, Engine};
use crate::sandbox::errors::TikTokError;
use crate::sandbox::judge::Want;
use crate::sandbox::state::World;
use crate::sandbox::tiktok::upload::{new_upload, validate_plan};

pub(super) fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// docs/platform-rules.md §2.3 `post_info` rules shared by video and photo direct posts; returns
/// the options to remember.
pub(super) fn post_info(
    engine: &Engine,
    account: &Account,
    info: &Value,
    photo: bool,
) -> Result<BTreeMap<String, Value>, TikTokError> {
    if !info.is_object() {
        return Err(TikTokError::invalid_params(
            "post_info is required for a direct post",
        ));
    }
    let title = info.get("title").and_then(Value::as_str).unwrap_or("");
    let max_title = if photo { 90 } else { 2200 };
    if utf16_len(title) > max_title {
        return Err(TikTokError::invalid_params(format!(
            "title is longer than {max_title} UTF-16 code units"
        )));
    }
    if photo
        && info
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| utf16_len(d) > 4000)
    {
        return Err(TikTokError::invalid_params(
            "description is longer than 4000 UTF-16 code units",
        ));
    }
    // docs/platform-rules.md §2.3 `privacy_level`: required, and a value outside the creator's
    // options (a missing one included) is `privacy_level_option_mismatch` (403), as TT-DP
    // documents.
    let privacy = info.get("privacy_level").and_then(Value::as_str);
    let Some(privacy) = privacy.filter(|p| account.tiktok.privacy_level_options().contains(p))
    else {
        return Err(TikTokError::new(
            axum::http::StatusCode::FORBIDDEN,
            "privacy_level_option_mismatch",
            match privacy {
                Some(p) => format!(
                    "privacy_level {p} is not one of the creator's privacy_level_options"
                ),
                None => "post_info.privacy_level is required and must be one of the creator's privacy_level_options".to_owned(),
            },
        ));
    };
    // docs/platform-rules.md §2.3 UX rules: branded content cannot be SELF_ONLY.
    if info.get("brand_content_toggle").and_then(Value::as_bool) == Some(true)
        && privacy == "SELF_ONLY"
    {
        return Err(TikTokError::invalid_params(
            "Branded content cannot be posted with privacy_level SELF_ONLY",
        ));
    }
    // docs/platform-rules.md §2.5 caps: unaudited clients may post to private accounts only.
    if !engine.config.tiktok.audited && !account.tiktok.private {
        return Err(TikTokError::new(
            axum::http::StatusCode::FORBIDDEN,
            "unaudited_client_can_only_post_to_private_accounts",
            "This client is not audited and may only post to private accounts",
        ));
    }
    let mut opts = BTreeMap::new();
    if let Some(map) = info.as_object() {
        for (k, v) in map
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "title" | "description"))
        {
            opts.insert(k.clone(), v.clone());
        }
    }
    Ok(opts)
}

/// docs/platform-rules.md §2.4 "PULL_FROM_URL" and "URL ownership".
pub(super) fn check_pull_url(engine: &Engine, url: &str) -> Result<(), TikTokError> {
    let settings = &engine.config.tiktok;
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| TikTokError::invalid_params("The media URL is not a valid URL"))?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    let allowed_plain = settings.allow_loopback_http && loopback;
    if parsed.scheme() != "https" && !allowed_plain {
        return Err(TikTokError::invalid_params("The media URL must use https"));
    }
    let host = parsed
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']');
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    if is_ip && !allowed_plain {
        return Err(TikTokError::invalid_params(
            "The media URL host must be a domain, not an IP address",
        ));
    }
    if !settings
        .verified_url_prefixes
        .iter()
        .any(|p| url.starts_with(p.as_str()))
    {
        return Err(TikTokError::new(
            axum::http::StatusCode::FORBIDDEN,
            "url_ownership_unverified",
            "The media URL's domain or prefix is not verified for this app",
        ));
    }
    Ok(())
}

/// Creator-level refusals shared by every init: banned, daily cap, pending inbox shares.
pub(super) fn creator_caps(
    engine: &Engine,
    world: &mut World,
    account: &Account,
    mode: Mode,
) -> Result<(), TikTokError> {
    let forbidden =
        |code: &str, msg: &str| TikTokError::new(axum::http::StatusCode::FORBIDDEN, code, msg);
    if account.tiktok.banned {
        return Err(forbidden(
            "spam_risk_user_banned_from_posting",
            "The user is banned from posting",
        ));
    }
    let now = engine.now();
    let (key, limit, code) = match mode {
        Mode::Direct => (
            format!("tt.posts:{}", account.id),
            engine.config.tiktok.posts_per_24h,
            "spam_risk_too_many_posts",
        ),
        Mode::Inbox => (
            format!("tt.inbox:{}", account.id),
            engine.config.tiktok.pending_shares_per_24h,
            "spam_risk_too_many_pending_share",
        ),
    };
    if !world
        .windows
        .try_take(&key, limit, Duration::hours(24), now)
    {
        return Err(forbidden(
            code,
            "The creator reached the daily limit of posts through the API",
        ));
    }
    Ok(())
}

pub(super) fn uint(v: &Value, name: &str) -> Result<u64, TikTokError> {
    v.get(name).and_then(Value::as_u64).ok_or_else(|| {
        TikTokError::invalid_params(format!("source_info.{name} must be a positive integer"))
    })
}

/// `video/init` (direct post) and `inbox/video/init` (docs/platform-rules.md §2.1, §2.3, §2.4).
pub(super) fn video_init(
    engine: &Arc<Engine>,
    call: Call,
    mode: Mode,
) -> Result<Response, TikTokError> {
    let now = engine.now();
    let mut world = engine.world();
    let limit = engine.config.tiktok.init_per_minute;
    let (scope, name) = match mode {
        Mode::Direct => ("video.publish", "video_init"),
        Mode::Inbox => ("video.upload", "inbox_video_init"),
    };
    let (_, account) = authorize(engine, &mut world, &call, &[scope], name, limit)?;
    let options = match mode {
        Mode::Direct => post_info(
            engine,
            &account,
            call.body.get("post_info").unwrap_or(&Value::Null),
            false,
        )?,
        Mode::Inbox => BTreeMap::new(),
    };
    let source = call
        .body
        .get("source_info")
        .filter(|s| s.is_object())
        .ok_or_else(|| TikTokError::invalid_params("source_info is required"))?;
    let max_duration = account.tiktok.max_video_post_duration_sec;
    let (pulled, pull_url, plan) = match source.get("source").and_then(Value::as_str) {
        Some("PULL_FROM_URL") => {
            let url = source
                .get("video_url")
                .and_then(Value::as_str)
                .ok_or_else(|| TikTokError::invalid_params("source_info.video_url is required"))?;
            check_pull_url(engine, url)?;
            (true, Some(url.to_owned()), None)
        }
        Some("FILE_UPLOAD") => {
            let (size, chunk, total) = (
                uint(source, "video_size")?,
                uint(source, "chunk_size")?,
                uint(source, "total_chunk_count")?,
            );
            validate_plan(size, chunk, total).map_err(TikTokError::invalid_params)?;
            (false, None, Some((size, chunk, total)))
        }
        _ => {
            return Err(TikTokError::invalid_params(
                "source_info.source must be FILE_UPLOAD or PULL_FROM_URL",
            ));
        }
    };
    creator_caps(engine, &mut world, &account, mode)?;
    let n = world.next_id();
    let id = format!(
        "v_{}_{}~v2-1.{n}",
        if mode == Mode::Inbox { "inbox" } else { "pub" },
        if pulled { "url" } else { "file" }
    );
    let mut data = json!({ "publish_id": id });
    let upload = plan.map(|(size, chunk, total)| {
        let token = world.rng.alnum(32);
        data["upload_url"] = json!(format!(
            "{}/video/?upload_id={n}&upload_token={token}",
            engine.urls.tiktok_upload
        ));
        new_upload(n.clone(), token, size, chunk, total, now)
    });
    let title = call
        .body
        .pointer("/post_info/title")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let publish = Publish {
        id: id.clone(),
        owner: account.id.clone(),
        photo: false,
        mode,
        pulled,
        created_at: now,
        started_at: now,
        delay: crate::sandbox::config::secs(engine.config.processing.video_secs as i64),
        check: Check::Pending,
        forced: forced_failure(engine),
        upload,
        text: title,
        options,
        post_id: None,
    };
    world.tiktok.publishes.insert(id.clone(), publish);
    drop(world);
    if let Some(url) = pull_url {
        // docs/platform-rules.md §2.4: no redirects for PULL_FROM_URL.
        engine.spawn_check(
            CheckTarget::TikTok(id),
            vec![(
                url,
                Want::TikTokVideo {
                    max_duration_sec: max_duration,
                },
            )],
            false,
        );
    }
    Ok(ok(engine, data))
}

pub(super) fn forced_failure(engine: &Engine) -> Option<Rejection> {
    engine
        .processing_fault("tiktok.processing")
        .map(|f| Rejection::TikTok {
            fail_reason: f.fail_reason.unwrap_or_else(|| "internal".into()),
        })
}

/// `content/init` for photos (docs/platform-rules.md §2.1 "Photo", §2.3, §2.4 `photo_images`).
pub(super) fn content_init(engine: &Arc<Engine>, call: Call) -> Result<Response, TikTokError> {
    let now = engine.now();
    let mut world = engine.world();
    let limit = engine.config.tiktok.init_per_minute;
    let mode = match call.body.get("post_mode").and_then(Value::as_str) {
        Some("DIRECT_POST") => Mode::Direct,
        Some("MEDIA_UPLOAD") => Mode::Inbox,
        _ => {
            authorize(
                engine,
                &mut world,
                &call,
                &["video.publish", "video.upload"],
                "content_init",
                limit,
            )?;
            return Err(TikTokError::invalid_params(
                "post_mode must be DIRECT_POST or MEDIA_UPLOAD",
            ));
        }
    };
    let scope = if mode == Mode::Direct {
        "video.publish"
    } else {
        "video.upload"
    };
    let (_, account) = authorize(engine, &mut world, &call, &[scope], "content_init", limit)?;
    if call.body.get("media_type").and_then(Value::as_str) != Some("PHOTO") {
        return Err(TikTokError::invalid_params("media_type must be PHOTO"));
    }
    let info = call.body.get("post_info").cloned().unwrap_or(Value::Null);
    let options = match mode {
        Mode::Direct => post_info(engine, &account, &info, true)?,
        Mode::Inbox => BTreeMap::new(),
    };
    let source = call
        .body
        .get("source_info")
        .filter(|s| s.is_object())
        .ok_or_else(|| TikTokError::invalid_params("source_info is required"))?;
    if source.get("source").and_then(Value::as_str) != Some("PULL_FROM_URL") {
        return Err(TikTokError::invalid_params(
            "Photos support source PULL_FROM_URL only",
        ));
    }
    let images: Vec<String> = source
        .get("photo_images")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if !(1..=35).contains(&images.len()) {
        return Err(TikTokError::invalid_params(
            "photo_images must hold 1 to 35 URLs",
        ));
    }
    let cover = source
        .get("photo_cover_index")
        .and_then(Value::as_u64)
        .ok_or_else(|| TikTokError::invalid_params("photo_cover_index is required"))?;
    if cover as usize >= images.len() {
        return Err(TikTokError::invalid_params(
            "photo_cover_index is out of range",
        ));
    }
    for url in &images {
        check_pull_url(engine, url)?;
    }
    creator_caps(engine, &mut world, &account, mode)?;
    let id = format!("p_pub_url~v2.{}", world.next_id());
    let title = info.get("title").and_then(Value::as_str).map(str::to_owned);
    let mut options = options;
    options.insert("photo_cover_index".into(), json!(cover));
    if let Some(d) = info.get("description") {
        options.insert("description".into(), d.clone());
    }
    let publish = Publish {
        id: id.clone(),
        owner: account.id.clone(),
        photo: true,
        mode,
        pulled: true,
        created_at: now,
        started_at: now,
        delay: crate::sandbox::config::secs(engine.config.processing.image_secs as i64),
        check: Check::Pending,
        forced: forced_failure(engine),
        upload: None,
        text: title,
        options,
        post_id: None,
    };
    world.tiktok.publishes.insert(id.clone(), publish);
    drop(world);
    let jobs = images.into_iter().map(|u| (u, Want::TikTokPhoto)).collect();
    engine.spawn_check(CheckTarget::TikTok(id.clone()), jobs, false);
    Ok(ok(engine, json!({ "publish_id": id })))
}
