//! Meta's token endpoints (docs/platform-rules.md §6 rows "Facebook", "Instagram (IG Login)",
//! "Threads"): code exchange, short→long-lived exchange, and the 24-hour refresh rule.
//!
//! # Assumptions
//! - Code-exchange failures answer Graph code 100 with subcodes 36007 (invalid or expired
//!   code), 36008 (redirect_uri or client mismatch), 36009 (code already used); a wrong app id
//!   101, a wrong app secret 1. `api.instagram.com` answers in its older
//!   `{error_type, code, error_message}` shape.
//! - Refreshing a token younger than 24 h, or a short-lived one, and exchanging a long-lived
//!   token with `ig_exchange_token`/`th_exchange_token`, answer code 100 with a message naming
//!   the rule (Meta documents the rule, not the error).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde_json::{Value, json};

use super::{CodeProblem, Flow};
use crate::sandbox::config::AppCredentials;
use crate::sandbox::engine::Engine;
use crate::sandbox::errors::{ApiError, Envelope, GraphError, IgOAuthError};
use crate::sandbox::graph::{GraphCall, GraphHost};
use crate::sandbox::request::Params;
use crate::sandbox::server::{ConnHandle, gate};
use crate::sandbox::state::World;
use crate::sandbox::tokens::{Issue, Secret, TokenKind};

fn check_app(
    app: &AppCredentials,
    client_id: Option<&str>,
    secret: Option<&str>,
) -> Result<(), GraphError> {
    if client_id.is_some_and(|id| id != app.client_id) {
        return Err(GraphError::new(
            101,
            "Error validating application. Invalid application ID.",
        ));
    }
    if secret != Some(app.client_secret.as_str()) {
        return Err(GraphError::new(1, "Error validating client secret."));
    }
    Ok(())
}

fn code_problem(p: CodeProblem) -> GraphError {
    match p {
        CodeProblem::Unknown | CodeProblem::Expired => GraphError::new(100, "Invalid verification code format.").subcode(36007),
        CodeProblem::Used => GraphError::new(100, "This authorization code has been used.").subcode(36009),
        CodeProblem::RedirectMismatch | CodeProblem::ClientMismatch => GraphError::new(
            100,
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        )
        .subcode(36008),
    }
}

fn issue(
    world: &mut World,
    now: chrono::DateTime<chrono::Utc>,
    kind: TokenKind,
    subject: &str,
    scopes: &BTreeSet<String>,
    secs: i64,
    long_lived: bool,
) -> Secret {
    let World { tokens, rng, .. } = world;
    tokens.issue(
        rng,
        now,
        Issue {
            kind,
            subject,
            scopes,
            lifetime: Some(crate::sandbox::config::secs(secs)),
            long_lived,
            grant: None,
            fixed: None,
        },
    )
}

/// `graph.facebook.com/oauth/access_token` (code, or `grant_type=fb_exchange_token`) and
/// `POST graph.threads.net/oauth/access_token` (code) (docs/platform-rules.md §6 rows "Facebook"
/// and "Threads": code → short-lived token; `fb_exchange_token` → long-lived).
pub(crate) fn code_exchange(
    engine: &Arc<Engine>,
    host: GraphHost,
    call: &GraphCall,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let p = &call.params;
    let lifetimes = &engine.config.tokens;
    let (app, flow) = match host {
        GraphHost::Threads => (&engine.config.apps.threads, Flow::Threads),
        _ => (&engine.config.apps.facebook, Flow::Facebook),
    };
    check_app(app, Some(p.require("client_id")?), p.text("client_secret"))?;
    let mut world = engine.world();
    if host == GraphHost::Facebook && p.text("grant_type") == Some("fb_exchange_token") {
        // docs/platform-rules.md §6 "Facebook": long-lived via fb_exchange_token; expired tokens
        // can't.
        let short = Secret::from(p.require("fb_exchange_token")?);
        let rec = world
            .tokens
            .check(Some(&short), &[TokenKind::FacebookUser], now)
            .map_err(|e| e.graph(now))?
            .clone();
        let token = issue(
            &mut world,
            now,
            TokenKind::FacebookUser,
            &rec.subject,
            &rec.scopes,
            lifetimes.meta_long_lived_secs,
            true,
        );
        return Ok(
            json!({ "access_token": token.expose(), "token_type": "bearer", "expires_in": lifetimes.meta_long_lived_secs }),
        );
    }
    if host == GraphHost::Threads && !call.is_post() {
        return Err(GraphError::no_object("get", "oauth"));
    }
    let code = p.require("code")?;
    let redirect_uri = p.require("redirect_uri")?;
    let ttl = crate::sandbox::config::secs(lifetimes.auth_code_secs);
    let granted = world
        .oauth
        .redeem(code, flow, &app.client_id, redirect_uri, now, ttl)
        .map_err(code_problem)?;
    let kind = if flow == Flow::Threads {
        TokenKind::ThreadsUser
    } else {
        TokenKind::FacebookUser
    };
    let token = issue(
        &mut world,
        now,
        kind,
        &granted.subject,
        &granted.scopes,
        lifetimes.meta_short_lived_secs,
        false,
    );
    Ok(match flow {
        Flow::Threads => json!({ "access_token": token.expose(), "user_id": granted.subject }),
        _ => {
            json!({ "access_token": token.expose(), "token_type": "bearer", "expires_in": lifetimes.meta_short_lived_secs })
        }
    })
}

/// `GET /debug_token?input_token=…` (Graph and Threads): what a token grants. The caller's own
/// token authenticates the call; an unknown or dead input token reads `is_valid: false`.
pub(crate) fn debug_token(engine: &Arc<Engine>, call: &GraphCall) -> Result<Value, GraphError> {
    let now = engine.now();
    let world = engine.world();
    call.auth(&world, now)?;
    let input = Secret::from(call.params.require("input_token")?);
    let Ok(rec) = world
        .tokens
        .check(Some(&input), call.host.token_kinds(), now)
    else {
        return Ok(json!({ "data": { "is_valid": false, "scopes": [] } }));
    };
    let kind = if rec.kind == TokenKind::FacebookPage {
        "PAGE"
    } else {
        "USER"
    };
    let unix = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or(0, |t| t.timestamp());
    Ok(json!({ "data": {
        "type": kind,
        "is_valid": true,
        "issued_at": rec.issued_at.timestamp(),
        "expires_at": unix(rec.expires_at),
        "scopes": rec.scopes.iter().collect::<Vec<_>>(),
        "user_id": rec.subject,
    } }))
}

fn flavour(
    engine: &Engine,
    host: GraphHost,
) -> (
    &AppCredentials,
    TokenKind,
    &'static str,
    &'static str,
    &'static str,
) {
    match host {
        GraphHost::Threads => (
            &engine.config.apps.threads,
            TokenKind::ThreadsUser,
            "th_exchange_token",
            "th_refresh_token",
            "threads_basic",
        ),
        _ => (
            &engine.config.apps.instagram,
            TokenKind::InstagramUser,
            "ig_exchange_token",
            "ig_refresh_token",
            "instagram_business_basic",
        ),
    }
}

/// `GET /access_token?grant_type=ig_exchange_token|th_exchange_token` (docs/platform-rules.md §6).
pub(crate) fn long_lived_exchange(
    engine: &Arc<Engine>,
    host: GraphHost,
    call: &GraphCall,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let (app, kind, grant, _, _) = flavour(engine, host);
    if call.params.text("grant_type") != Some(grant) {
        return Err(GraphError::invalid_param(format!(
            "Unsupported grant_type; this endpoint takes {grant}"
        )));
    }
    check_app(app, None, call.params.text("client_secret"))?;
    let mut world = engine.world();
    let rec = call.auth(&world, now)?;
    // docs/platform-rules.md §6: the exchange takes the short-lived (1 h) token; a long-lived one
    // is renewed with refresh_access_token instead.
    if rec.long_lived {
        return Err(GraphError::invalid_param(format!(
            "{grant} exchanges a short-lived access token; this one is already long-lived (use refresh_access_token)"
        )));
    }
    let secs = engine.config.tokens.meta_long_lived_secs;
    let token = issue(&mut world, now, kind, &rec.subject, &rec.scopes, secs, true);
    Ok(json!({ "access_token": token.expose(), "token_type": "bearer", "expires_in": secs }))
}

/// `GET /refresh_access_token?grant_type=ig_refresh_token|th_refresh_token`: only a
/// long-lived token at least 24 h old and unexpired (docs/platform-rules.md §6).
pub(crate) fn refresh(
    engine: &Arc<Engine>,
    host: GraphHost,
    call: &GraphCall,
) -> Result<Value, GraphError> {
    let now = engine.now();
    let (_, kind, _, grant, basic) = flavour(engine, host);
    if call.params.text("grant_type") != Some(grant) {
        return Err(GraphError::invalid_param(format!(
            "Unsupported grant_type; this endpoint takes {grant}"
        )));
    }
    let mut world = engine.world();
    let rec = call.auth(&world, now)?;
    if !rec.long_lived {
        return Err(GraphError::invalid_param(
            "Only long-lived access tokens can be refreshed",
        ));
    }
    if now < rec.issued_at + Duration::hours(24) {
        return Err(GraphError::invalid_param(
            "The access token can only be refreshed once it is at least 24 hours old",
        ));
    }
    if !rec.has_scope(basic) {
        return Err(GraphError::permission(basic));
    }
    let secs = engine.config.tokens.meta_long_lived_secs;
    let token = issue(&mut world, now, kind, &rec.subject, &rec.scopes, secs, true);
    Ok(json!({ "access_token": token.expose(), "token_type": "bearer", "expires_in": secs }))
}

/// `POST api.instagram.com/oauth/access_token` (docs/platform-rules.md §6 "Instagram (IG Login)").
pub(crate) async fn instagram_code_exchange(
    State(engine): State<Arc<Engine>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    gate(
        &engine.clone(),
        &conn,
        "oauth.instagram.token",
        Envelope::IgOAuth,
        || async move {
            let (parts, body) = req.into_parts();
            let bytes = to_bytes(body, 1024 * 1024)
                .await
                .map_err(|_| IgOAuthError::new("The request body is too large"))?;
            let p = Params::from_request(parts.uri.query(), &parts.headers, &bytes)
                .map_err(|e| IgOAuthError::new(e.to_string()))?;
            instagram_exchange(&engine, &p)
                .map(|v| axum::Json(v).into_response())
                .map_err(ApiError::from)
        },
    )
    .await
}

fn instagram_exchange(engine: &Engine, p: &Params) -> Result<Value, IgOAuthError> {
    let now = engine.now();
    let app = &engine.config.apps.instagram;
    let missing = |n: &str| IgOAuthError::new(format!("Missing required field {n}"));
    let client_id = p.text("client_id").ok_or_else(|| missing("client_id"))?;
    if client_id != app.client_id {
        return Err(IgOAuthError::new("Invalid platform app"));
    }
    if p.text("client_secret") != Some(app.client_secret.as_str()) {
        return Err(IgOAuthError::new("Error validating client secret."));
    }
    if p.text("grant_type") != Some("authorization_code") {
        return Err(IgOAuthError::new(
            "Invalid grant_type; use authorization_code",
        ));
    }
    let redirect_uri = p
        .text("redirect_uri")
        .ok_or_else(|| missing("redirect_uri"))?;
    let code = p.text("code").ok_or_else(|| missing("code"))?;
    let mut world = engine.world();
    let ttl = crate::sandbox::config::secs(engine.config.tokens.auth_code_secs);
    let granted = world.oauth.redeem(code, Flow::Instagram, client_id, redirect_uri, now, ttl).map_err(|e| match e {
        CodeProblem::Used => IgOAuthError::new("This authorization code has been used"),
        CodeProblem::RedirectMismatch | CodeProblem::ClientMismatch => {
            IgOAuthError::new("Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request")
        }
        CodeProblem::Unknown | CodeProblem::Expired => IgOAuthError::new("Matching code was not found or was already used"),
    })?;
    let secs = engine.config.tokens.meta_short_lived_secs;
    let token = issue(
        &mut world,
        now,
        TokenKind::InstagramUser,
        &granted.subject,
        &granted.scopes,
        secs,
        false,
    );
    let permissions = granted.scopes.iter().cloned().collect::<Vec<_>>().join(",");
    Ok(
        json!({ "data": [{ "access_token": token.expose(), "user_id": granted.subject, "permissions": permissions }] }),
    )
}
