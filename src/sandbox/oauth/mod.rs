//! OAuth as each platform runs it (docs/platform-rules.md §6): authorize pages that approve at once
//! and redirect with a code, and the token endpoints (code exchange, Meta's short→long-lived
//! exchange and refresh, TikTok's refresh with rotation and revoke).
//!
//! The authorize pages act for a sandbox account: the one named by the sandbox-only query
//! parameter `sandbox_account` (a username), else the first account of that platform. Two more
//! sandbox-only parameters play the person at the consent screen: `sandbox_decline=a,b` unticks
//! those scopes (the code grants the rest), `sandbox_deny=1` refuses consent altogether
//! (`error=access_denied`, as the platforms redirect).
//!
//! # Guarantees
//! - Codes are single use and expire (`tokens.auth_code_secs`); the exchange must repeat the
//!   authorize request's `client_id` and `redirect_uri`.
//! - TikTok authorize requires `state` and an S256 `code_challenge`; the exchange checks the
//!   `code_verifier`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};

use super::engine::Engine;
use super::errors::{ApiError, Envelope};
use super::request::parse_urlencoded;
use super::server::{ConnHandle, gate};
use crate::platform::Platform;

pub(crate) mod meta;
pub(crate) mod tiktok;

/// Which login flow a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Facebook,
    Instagram,
    Threads,
    TikTok,
}

impl Flow {
    fn name(self) -> &'static str {
        match self {
            Self::Facebook => "facebook",
            Self::Instagram => "instagram",
            Self::Threads => "threads",
            Self::TikTok => "tiktok",
        }
    }
}

/// An issued authorization code.
#[derive(Clone)]
pub(crate) struct AuthCode {
    pub flow: Flow,
    /// Facebook user id (Facebook Login) or the account id.
    pub subject: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: BTreeSet<String>,
    pub code_challenge: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub used: bool,
}

#[derive(Default)]
pub(crate) struct OAuthState {
    pub codes: HashMap<String, AuthCode>,
}

impl std::fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OAuthState({} codes)", self.codes.len())
    }
}

/// Why a code cannot be exchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeProblem {
    Unknown,
    Used,
    Expired,
    RedirectMismatch,
    ClientMismatch,
}

impl OAuthState {
    /// Consumes a code: it must exist, be unused and fresh, and match the client and redirect.
    pub fn redeem(
        &mut self,
        code: &str,
        flow: Flow,
        client_id: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<AuthCode, CodeProblem> {
        let c = self
            .codes
            .get_mut(code)
            .filter(|c| c.flow == flow)
            .ok_or(CodeProblem::Unknown)?;
        if c.used {
            return Err(CodeProblem::Used);
        }
        if now >= c.issued_at + ttl {
            return Err(CodeProblem::Expired);
        }
        if c.client_id != client_id {
            return Err(CodeProblem::ClientMismatch);
        }
        if c.redirect_uri != redirect_uri {
            return Err(CodeProblem::RedirectMismatch);
        }
        c.used = true;
        Ok(c.clone())
    }
}

/// The scopes of a request: comma- or space-separated.
pub(crate) fn scope_set(raw: &str) -> BTreeSet<String> {
    raw.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Scope names each authorize page knows (Facebook accepts any permission name).
fn unknown_scope(flow: Flow, scopes: &BTreeSet<String>) -> Option<String> {
    let known = |s: &str| match flow {
        Flow::Facebook => true,
        // docs/platform-rules.md §1.1 "Scopes": the old `business_*` names are dead since
        // 2025-01-27.
        Flow::Instagram => s.starts_with("instagram_business_") || s == "instagram_basic",
        Flow::Threads => s.starts_with("threads_"),
        Flow::TikTok => matches!(
            s,
            "user.info.basic"
                | "user.info.profile"
                | "user.info.stats"
                | "video.list"
                | "video.publish"
                | "video.upload"
        ),
    };
    scopes.iter().find(|s| !known(s)).cloned()
}

fn page(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_owned())]).into_response()
}

/// `redirect_uri` with `pairs` added to its query (and an optional fragment).
fn redirect_with(
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    fragment: Option<&str>,
) -> Option<String> {
    let mut url = reqwest::Url::parse(redirect_uri).ok()?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    url.set_fragment(fragment);
    Some(url.to_string())
}

/// The authorize page of every flow: approves at once and redirects with a code
/// (docs/platform-rules.md §6, "Authorization" column: `client_id`/`client_key`, `redirect_uri`,
/// `scope`, `state`, `response_type=code`, TikTok `code_challenge` + S256; Instagram's `#_`).
fn authorize(engine: &Engine, flow: Flow, query: &str) -> Response {
    let q = parse_urlencoded(query);
    let get = |k: &str| {
        q.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let app = match flow {
        Flow::Facebook => &engine.config.apps.facebook,
        Flow::Instagram => &engine.config.apps.instagram,
        Flow::Threads => &engine.config.apps.threads,
        Flow::TikTok => &engine.config.apps.tiktok,
    };
    let id_param = if flow == Flow::TikTok {
        "client_key"
    } else {
        "client_id"
    };
    if get(id_param) != Some(app.client_id.as_str()) {
        return page(
            StatusCode::BAD_REQUEST,
            &format!("Invalid {id_param}: this app is not registered"),
        );
    }
    let Some(redirect_uri) = get("redirect_uri").filter(|r| reqwest::Url::parse(r).is_ok()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "redirect_uri is missing or not a valid URL",
        );
    };
    let state = get("state");
    let fail = |error: &str, description: &str| {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(s) = state {
            pairs.push(("state", s));
        }
        redirect_with(redirect_uri, &pairs, None).map_or_else(
            || page(StatusCode::BAD_REQUEST, description),
            |to| redirect(&to),
        )
    };
    if flow != Flow::Facebook && get("response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    let mut scopes = get("scope").map(scope_set).unwrap_or_default();
    if flow != Flow::Facebook && scopes.is_empty() {
        return fail("invalid_scope", "scope is required");
    }
    if let Some(bad) = unknown_scope(flow, &scopes) {
        return fail("invalid_scope", &format!("Invalid Scopes: {bad}"));
    }
    if get("sandbox_deny").is_some() {
        return fail("access_denied", "The user denied your request.");
    }
    if let Some(declined) = get("sandbox_decline").map(scope_set) {
        scopes.retain(|s| !declined.contains(s));
    }
    let challenge = get("code_challenge").map(str::to_owned);
    if flow == Flow::TikTok {
        // The sandbox insists on CSRF state and PKCE S256 for TikTok (docs/platform-rules.md §6).
        if state.is_none() {
            return fail("invalid_request", "state is required");
        }
        if challenge.is_none() || get("code_challenge_method") != Some("S256") {
            return fail(
                "invalid_request",
                "code_challenge with code_challenge_method=S256 is required",
            );
        }
    }
    let now = engine.now();
    let mut world = engine.world();
    let platform = match flow {
        Flow::Facebook => Platform::Facebook,
        Flow::Instagram => Platform::Instagram,
        Flow::Threads => Platform::Threads,
        Flow::TikTok => Platform::Tiktok,
    };
    let wanted = get("sandbox_account");
    let account = world.accounts.values().find(|a| {
        let platform_ok =
            a.platform == platform || (flow == Flow::Facebook && a.platform == Platform::Instagram);
        platform_ok && wanted.is_none_or(|w| a.username == w)
    });
    let Some(account) = account else {
        return fail(
            "access_denied",
            "no sandbox account for this login; create one with POST /_sandbox/accounts",
        );
    };
    let subject = if flow == Flow::Facebook {
        account.fb_user.clone().unwrap_or_default()
    } else {
        account.id.clone()
    };
    let code = world.rng.alnum(48);
    world.oauth.codes.insert(
        code.clone(),
        AuthCode {
            flow,
            subject,
            client_id: app.client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scopes: scopes.clone(),
            code_challenge: challenge,
            issued_at: now,
            used: false,
        },
    );
    drop(world);
    let scope_list = scopes.iter().cloned().collect::<Vec<_>>().join(",");
    let mut pairs = vec![("code", code.as_str())];
    if flow == Flow::TikTok {
        pairs.push(("scopes", &scope_list));
    }
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    // Instagram appends `#_` to the redirect (docs/platform-rules.md §6: "strip `#_`").
    let fragment = (flow == Flow::Instagram).then_some("_");
    redirect_with(redirect_uri, &pairs, fragment).map_or_else(
        || page(StatusCode::BAD_REQUEST, "invalid redirect_uri"),
        |to| redirect(&to),
    )
}

async fn authorize_with(
    engine: Arc<Engine>,
    conn: ConnHandle,
    flow: Flow,
    req: Request,
) -> Response {
    let query = req.uri().query().unwrap_or("").to_owned();
    let endpoint = format!("oauth.{}.authorize", flow.name());
    gate(&engine, &conn, &endpoint, Envelope::Plain, || async {
        Ok::<_, ApiError>(authorize(&engine, flow, &query))
    })
    .await
}

macro_rules! authorize_handler {
    ($name:ident, $flow:expr) => {
        async fn $name(
            State(e): State<Arc<Engine>>,
            ConnectInfo(c): ConnectInfo<ConnHandle>,
            req: Request,
        ) -> Response {
            authorize_with(e, c, $flow, req).await
        }
    };
}

authorize_handler!(facebook_authorize, Flow::Facebook);
authorize_handler!(instagram_authorize, Flow::Instagram);
authorize_handler!(threads_authorize, Flow::Threads);
authorize_handler!(tiktok_authorize, Flow::TikTok);

async fn instagram_wrong_method() -> Response {
    crate::sandbox::errors::IgOAuthError::new("This endpoint only accepts POST").into_response()
}

pub(crate) fn routes() -> Router<Arc<Engine>> {
    Router::new()
        .route(
            "/www.facebook.com/{version}/dialog/oauth",
            get(facebook_authorize),
        )
        .route("/www.facebook.com/dialog/oauth", get(facebook_authorize))
        .route(
            "/www.instagram.com/oauth/authorize",
            get(instagram_authorize),
        )
        .route(
            "/api.instagram.com/oauth/authorize",
            get(instagram_authorize),
        )
        .route("/threads.net/oauth/authorize", get(threads_authorize))
        .route("/www.threads.net/oauth/authorize", get(threads_authorize))
        .route("/threads.com/oauth/authorize", get(threads_authorize))
        .route("/www.threads.com/oauth/authorize", get(threads_authorize))
        .route("/www.tiktok.com/v2/auth/authorize/", get(tiktok_authorize))
        .route(
            "/api.instagram.com/oauth/access_token",
            post(meta::instagram_code_exchange).fallback(instagram_wrong_method),
        )
        .route(
            "/open.tiktokapis.com/v2/oauth/token/",
            post(tiktok::token).fallback(crate::sandbox::tiktok::wrong_method),
        )
        .route(
            "/open.tiktokapis.com/v2/oauth/revoke/",
            post(tiktok::revoke).fallback(crate::sandbox::tiktok::wrong_method),
        )
}
