//! TikTok Content Posting API on `open.tiktokapis.com` (docs/platform-rules.md §2): `creator_info`,
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
use super::engine::Engine;
use super::errors::{ApiError, Envelope, TikTokError, tiktok_body};
use super::ledger::{LedgerMedia, NewEntry};
use super::media::hex_sha256;
use super::request::header_token;
use super::server::{ConnHandle, gate};
use super::state::World;
use super::tokens::{TokenKind, TokenRecord};
use crate::platform::Platform;
use init::{content_init, video_init};
use query::{creator_info, status_fetch};
use upload::{Upload, put_chunk};

mod init;
mod query;
mod upload;

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

    pub fn has_upload_token(&self, token: &str) -> bool {
        self.publishes
            .values()
            .any(|p| p.upload.as_ref().is_some_and(|u| u.upload_token == token))
    }

    pub fn by_upload_id(&mut self, upload_id: &str) -> Option<&mut Publish> {
        self.publishes
            .values_mut()
            .find(|p| p.upload.as_ref().is_some_and(|u| u.upload_id == upload_id))
    }
}

impl Publish {
    /// docs/platform-rules.md §2.5 `status` values, computed at `now`.
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
    // docs/platform-rules.md §2.1 "Per-token limit".
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
            // The token travels in a header: check it before reading a byte of the body.
            let token = header_token(&parts.headers);
            {
                let now = engine.now();
                let world = engine.world();
                world
                    .tokens
                    .check(token.as_ref(), &[TokenKind::TikTokAccess], now)
                    .map_err(|p| p.tiktok())?;
            }
            let bytes = to_bytes(body, 1024 * 1024)
                .await
                .map_err(|_| TikTokError::invalid_params("The request body is too large"))?;
            let body = if bytes.iter().all(u8::is_ascii_whitespace) {
                json!({})
            } else {
                serde_json::from_slice::<Value>(&bytes).map_err(|e| {
                    TikTokError::invalid_params(format!("The request body is not valid JSON: {e}"))
                })?
            };
            if !body.is_object() {
                return Err(
                    TikTokError::invalid_params("The request body must be a JSON object").into(),
                );
            }
            {
                let now = engine.now();
                catch_up(&mut engine.world(), now);
            }
            f(&engine, Call { token, body }).map_err(ApiError::from)
        },
    )
    .await
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
        "invalid_params",
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
