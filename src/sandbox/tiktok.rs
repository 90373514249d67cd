//! TikTok Content Posting API on `open.tiktokapis.com` (platform-rules §2): `creator_info`,
//! direct-post `video/init` (PULL_FROM_URL and FILE_UPLOAD), inbox `video/init`, photo
//! `content/init`, and `status/fetch`.
//!
//! # Guarantees
//! - Envelope `{data, error:{code, message, log_id}}`, `error.code == "ok"` on success (§2.1).
//! - Per-token rate limits per minute and the per-creator daily cap are rolling windows on the
//!   sandbox clock; a post enters the ledger when it reaches PUBLISH_COMPLETE (lazily, in the
//!   order of completion).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::accounts::Account;
use super::container::{Check, Rejection};
use super::engine::{CheckTarget, Engine};
use super::errors::{ApiError, Envelope, TikTokError, tiktok_body};
use super::judge::Want;
use super::ledger::{LedgerMedia, NewEntry};
use super::media::hex_sha256;
use super::request::header_token;
use super::server::{ConnHandle, gate};
use super::state::World;
use super::tiktok_upload::{Upload, new_upload, put_chunk, validate_plan};
use super::tokens::{TokenKind, TokenRecord};
use crate::platform::Platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Direct,
    Inbox,
}

/// One `publish_id` and where it stands.
#[derive(Debug, Clone)]
pub(crate) struct Publish {
    pub id: String,
    pub owner: String,
    pub photo: bool,
    pub mode: Mode,
    pub pulled: bool,
    pub created_at: DateTime<Utc>,
    /// When processing starts: init for pulls, the last chunk for uploads.
    pub started_at: DateTime<Utc>,
    pub delay: Duration,
    pub check: Check,
    pub forced: Option<Rejection>,
    pub upload: Option<Upload>,
    pub text: Option<String>,
    pub options: BTreeMap<String, Value>,
    pub post_id: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct TikTokState {
    publishes: BTreeMap<String, Publish>,
}

impl TikTokState {
    pub fn finish_check(&mut self, id: &str, outcome: Result<Vec<LedgerMedia>, Rejection>) {
        if let Some(p) = self.publishes.get_mut(id) {
            p.check = Check::Done(outcome);
        }
    }

    pub fn by_upload_id(&mut self, upload_id: &str) -> Option<&mut Publish> {
        self.publishes
            .values_mut()
            .find(|p| p.upload.as_ref().is_some_and(|u| u.upload_id == upload_id))
    }
}

impl Publish {
    /// platform-rules §2.5 `status` values, computed at `now`.
    fn status(&self, now: DateTime<Utc>) -> (&'static str, Option<String>) {
        let processing = if self.pulled {
            "PROCESSING_DOWNLOAD"
        } else {
            "PROCESSING_UPLOAD"
        };
        if let Check::Done(Err(Rejection::TikTok { fail_reason })) = &self.check {
            return ("FAILED", Some(fail_reason.clone()));
        }
        let uploading = self
            .upload
            .as_ref()
            .is_some_and(|u| u.completed_at.is_none());
        if uploading || self.check == Check::Pending || now < self.started_at + self.delay {
            return (processing, None);
        }
        if let Some(Rejection::TikTok { fail_reason }) = &self.forced {
            return ("FAILED", Some(fail_reason.clone()));
        }
        match self.mode {
            Mode::Direct => ("PUBLISH_COMPLETE", None),
            Mode::Inbox => ("SEND_TO_USER_INBOX", None),
        }
    }

    fn done_at(&self) -> DateTime<Utc> {
        self.started_at + self.delay
    }
}

/// Turns direct posts that have completed by `now` into published posts and ledger entries,
/// oldest completion first. Called before anything reads or appends to the ledger.
pub(crate) fn catch_up(world: &mut World, now: DateTime<Utc>) {
    let mut due: Vec<(DateTime<Utc>, String)> = world
        .tiktok
        .publishes
        .values()
        .filter(|p| {
            p.post_id.is_none() && p.mode == Mode::Direct && p.status(now).0 == "PUBLISH_COMPLETE"
        })
        .map(|p| (p.done_at(), p.id.clone()))
        .collect();
    due.sort();
    for (at, id) in due {
        let post_id = world.next_id();
        let Some(p) = world.tiktok.publishes.get_mut(&id) else {
            continue;
        };
        p.post_id = Some(post_id.clone());
        let p = p.clone();
        let username = world
            .account(&p.owner)
            .map(|a| a.username.clone())
            .unwrap_or_default();
        let media = match &p.check {
            Check::Done(Ok(m)) => m.clone(),
            _ => Vec::new(),
        };
        world.ledger.record(NewEntry {
            platform: Platform::Tiktok,
            account_id: p.owner.clone(),
            username,
            post_id,
            kind: if p.photo { "PHOTO" } else { "VIDEO" }.into(),
            source: p.id.clone(),
            text: p.text.clone(),
            media,
            options: p.options.clone(),
            committed_at: p.created_at,
            published_at: at,
        });
    }
}

/// A parsed TikTok API call: its token and JSON body.
struct Call {
    token: Option<super::tokens::Secret>,
    body: Value,
}

fn ok(engine: &Engine, data: Value) -> Response {
    axum::Json(tiktok_body(data, "ok", "", &engine.log_id())).into_response()
}

/// Checks the token, its scope (any of `scopes`) and the per-token rate (`limit` per minute).
fn authorize(
    engine: &Engine,
    world: &mut World,
    call: &Call,
    scopes: &[&str],
    endpoint: &str,
    limit: u32,
) -> Result<(TokenRecord, Account), TikTokError> {
    let now = engine.now();
    let auth = world
        .tokens
        .check(call.token.as_ref(), &[TokenKind::TikTokAccess], now)
        .map_err(|p| p.tiktok())?
        .clone();
    if !scopes.iter().any(|s| auth.has_scope(s)) {
        return Err(TikTokError::scope(&scopes.join(" or ")));
    }
    let token_key = call
        .token
        .as_ref()
        .map(|t| hex_sha256(t.expose().as_bytes()))
        .unwrap_or_default();
    // platform-rules §2.1 "Per-token limit".
    if !world.windows.try_take(
        &format!("tt.{endpoint}:{}", &token_key[..16.min(token_key.len())]),
        limit,
        Duration::minutes(1),
        now,
    ) {
        return Err(TikTokError::rate_limited());
    }
    let account = world
        .account(&auth.subject)
        .filter(|a| a.platform == Platform::Tiktok)
        .cloned()
        .ok_or_else(TikTokError::token_invalid)?;
    Ok((auth, account))
}

async fn run<F>(
    engine: Arc<Engine>,
    conn: ConnHandle,
    endpoint: &'static str,
    req: Request,
    f: F,
) -> Response
where
    F: FnOnce(&Arc<Engine>, Call) -> Result<Response, TikTokError>,
{
    gate(
        &engine.clone(),
        &conn,
        endpoint,
        Envelope::TikTok,
        || async move {
            let (parts, body) = req.into_parts();
            let bytes = to_bytes(body, 1024 * 1024)
                .await
                .map_err(|_| TikTokError::invalid_param("The request body is too large"))?;
            let body = if bytes.iter().all(u8::is_ascii_whitespace) {
                json!({})
            } else {
                serde_json::from_slice::<Value>(&bytes).map_err(|e| {
                    TikTokError::invalid_param(format!("The request body is not valid JSON: {e}"))
                })?
            };
            if !body.is_object() {
                return Err(
                    TikTokError::invalid_param("The request body must be a JSON object").into(),
                );
            }
            {
                let now = engine.now();
                catch_up(&mut engine.world(), now);
            }
            f(
                &engine,
                Call {
                    token: header_token(&parts.headers),
                    body,
                },
            )
            .map_err(ApiError::from)
        },
    )
    .await
}

/// `POST /v2/post/publish/creator_info/query/` (platform-rules §2.2).
fn creator_info(engine: &Arc<Engine>, call: Call) -> Result<Response, TikTokError> {
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

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// platform-rules §2.3 `post_info` rules shared by video and photo direct posts; returns the
/// options to remember.
fn post_info(
    engine: &Engine,
    account: &Account,
    info: &Value,
    photo: bool,
) -> Result<BTreeMap<String, Value>, TikTokError> {
    if !info.is_object() {
        return Err(TikTokError::invalid_param(
            "post_info is required for a direct post",
        ));
    }
    let title = info.get("title").and_then(Value::as_str).unwrap_or("");
    let max_title = if photo { 90 } else { 2200 };
    if utf16_len(title) > max_title {
        return Err(TikTokError::invalid_param(format!(
            "title is longer than {max_title} UTF-16 code units"
        )));
    }
    if photo
        && info
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| utf16_len(d) > 4000)
    {
        return Err(TikTokError::invalid_param(
            "description is longer than 4000 UTF-16 code units",
        ));
    }
    let privacy = info
        .get("privacy_level")
        .and_then(Value::as_str)
        .ok_or_else(|| TikTokError::invalid_param("post_info.privacy_level is required"))?;
    if !account.tiktok.privacy_level_options().contains(&privacy) {
        return Err(TikTokError::new(
            axum::http::StatusCode::FORBIDDEN,
            "privacy_level_option_mismatch",
            format!("privacy_level {privacy} is not one of the creator's privacy_level_options"),
        ));
    }
    // platform-rules §2.3 UX rules: branded content cannot be SELF_ONLY.
    if info.get("brand_content_toggle").and_then(Value::as_bool) == Some(true)
        && privacy == "SELF_ONLY"
    {
        return Err(TikTokError::invalid_param(
            "Branded content cannot be posted with privacy_level SELF_ONLY",
        ));
    }
    // platform-rules §2.5 caps: unaudited clients may post to private accounts only.
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

/// platform-rules §2.4 "PULL_FROM_URL" and "URL ownership".
fn check_pull_url(engine: &Engine, url: &str) -> Result<(), TikTokError> {
    let settings = &engine.config.tiktok;
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| TikTokError::invalid_param("The media URL is not a valid URL"))?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    let allowed_plain = settings.allow_loopback_http && loopback;
    if parsed.scheme() != "https" && !allowed_plain {
        return Err(TikTokError::invalid_param("The media URL must use https"));
    }
    let host = parsed
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']');
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    if is_ip && !allowed_plain {
        return Err(TikTokError::invalid_param(
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
fn creator_caps(
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

fn uint(v: &Value, name: &str) -> Result<u64, TikTokError> {
    v.get(name).and_then(Value::as_u64).ok_or_else(|| {
        TikTokError::invalid_param(format!("source_info.{name} must be a positive integer"))
    })
}

/// `video/init` (direct post) and `inbox/video/init` (platform-rules §2.1, §2.3, §2.4).
fn video_init(engine: &Arc<Engine>, call: Call, mode: Mode) -> Result<Response, TikTokError> {
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
        .ok_or_else(|| TikTokError::invalid_param("source_info is required"))?;
    let max_duration = account.tiktok.max_video_post_duration_sec;
    let (pulled, pull_url, plan) = match source.get("source").and_then(Value::as_str) {
        Some("PULL_FROM_URL") => {
            let url = source
                .get("video_url")
                .and_then(Value::as_str)
                .ok_or_else(|| TikTokError::invalid_param("source_info.video_url is required"))?;
            check_pull_url(engine, url)?;
            (true, Some(url.to_owned()), None)
        }
        Some("FILE_UPLOAD") => {
            let (size, chunk, total) = (
                uint(source, "video_size")?,
                uint(source, "chunk_size")?,
                uint(source, "total_chunk_count")?,
            );
            validate_plan(size, chunk, total).map_err(TikTokError::invalid_param)?;
            (false, None, Some((size, chunk, total)))
        }
        _ => {
            return Err(TikTokError::invalid_param(
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
        // platform-rules §2.4: no redirects for PULL_FROM_URL.
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

fn forced_failure(engine: &Engine) -> Option<Rejection> {
    engine
        .processing_fault("tiktok.processing")
        .map(|f| Rejection::TikTok {
            fail_reason: f.fail_reason.unwrap_or_else(|| "internal".into()),
        })
}

/// `content/init` for photos (platform-rules §2.1 "Photo", §2.3, §2.4 `photo_images`).
fn content_init(engine: &Arc<Engine>, call: Call) -> Result<Response, TikTokError> {
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
            return Err(TikTokError::invalid_param(
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
        return Err(TikTokError::invalid_param("media_type must be PHOTO"));
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
        .ok_or_else(|| TikTokError::invalid_param("source_info is required"))?;
    if source.get("source").and_then(Value::as_str) != Some("PULL_FROM_URL") {
        return Err(TikTokError::invalid_param(
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
        return Err(TikTokError::invalid_param(
            "photo_images must hold 1 to 35 URLs",
        ));
    }
    let cover = source
        .get("photo_cover_index")
        .and_then(Value::as_u64)
        .ok_or_else(|| TikTokError::invalid_param("photo_cover_index is required"))?;
    if cover as usize >= images.len() {
        return Err(TikTokError::invalid_param(
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

/// `status/fetch` (platform-rules §2.5 `status`, `fail_reason`).
fn status_fetch(engine: &Arc<Engine>, call: Call) -> Result<Response, TikTokError> {
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
        .ok_or_else(|| TikTokError::invalid_param("publish_id is required"))?;
    let p = world
        .tiktok
        .publishes
        .get(id)
        .filter(|p| p.owner == account.id)
        .ok_or_else(|| TikTokError::invalid_param("publish_id does not exist for this user"))?;
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

macro_rules! handler {
    ($name:ident, $endpoint:literal, $f:expr) => {
        async fn $name(
            State(engine): State<Arc<Engine>>,
            ConnectInfo(conn): ConnectInfo<ConnHandle>,
            req: Request,
        ) -> Response {
            run(engine, conn, $endpoint, req, $f).await
        }
    };
}

handler!(creator_info_h, "tiktok.creator_info", creator_info);
handler!(video_init_h, "tiktok.video_init", |e, c| video_init(
    e,
    c,
    Mode::Direct
));
handler!(inbox_init_h, "tiktok.inbox_video_init", |e, c| video_init(
    e,
    c,
    Mode::Inbox
));
handler!(content_init_h, "tiktok.content_init", content_init);
handler!(status_fetch_h, "tiktok.status_fetch", status_fetch);

/// Any other method on a TikTok path: the TikTok envelope, HTTP 405.
pub(crate) async fn wrong_method(State(engine): State<Arc<Engine>>) -> Response {
    engine.count("tiktok.wrong_method");
    let e = TikTokError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "invalid_param",
        "This endpoint does not support this HTTP method.",
    );
    e.into_response_with(&engine.log_id())
}

pub(crate) fn routes() -> Router<Arc<Engine>> {
    let api = "/open.tiktokapis.com/v2/post/publish";
    Router::new()
        .route(
            &format!("{api}/creator_info/query/"),
            post(creator_info_h).fallback(wrong_method),
        )
        .route(
            &format!("{api}/video/init/"),
            post(video_init_h).fallback(wrong_method),
        )
        .route(
            &format!("{api}/inbox/video/init/"),
            post(inbox_init_h).fallback(wrong_method),
        )
        .route(
            &format!("{api}/content/init/"),
            post(content_init_h).fallback(wrong_method),
        )
        .route(
            &format!("{api}/status/fetch/"),
            post(status_fetch_h).fallback(wrong_method),
        )
        .route(
            "/open-upload.tiktokapis.com/video/",
            put(put_chunk).fallback(wrong_method),
        )
}
