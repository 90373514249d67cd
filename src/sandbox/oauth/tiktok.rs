//! TikTok's token endpoints (docs/platform-rules.md §6 row "TikTok"): `POST /v2/oauth/token/` with
//! `authorization_code` (+ PKCE `code_verifier`) or `refresh_token`, and `POST
//! /v2/oauth/revoke/`. Lifetimes follow the 2026-11 docs (access 2 h, refresh 180 d, §9.7).
//!
//! # Guarantees
//! - Refresh rotates: the presented refresh token is revoked and a new one issued; using the
//!   old one again answers `invalid_grant`.
//! - Revoking ends the whole grant (access and refresh tokens).
//! - Both endpoints read `application/x-www-form-urlencoded` bodies only; anything else is
//!   `invalid_request`.
//!
//! # Assumptions
//! - The S256 challenge is accepted as base64url (RFC 7636) or as hex SHA-256 (TikTok's
//!   desktop variant, §6 "unverified").

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{CodeProblem, Flow};
use crate::sandbox::engine::Engine;
use crate::sandbox::errors::{ApiError, Envelope, TikTokOAuthError};
use crate::sandbox::request::Params;
use crate::sandbox::server::{ConnHandle, gate};
use crate::sandbox::state::World;
use crate::sandbox::tokens::{Issue, Secret, TokenKind};

fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    let digest = Sha256::digest(verifier.as_bytes());
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    challenge == b64 || challenge.eq_ignore_ascii_case(&hex)
}

/// The request's form parameters. TikTok documents `Content-Type:
/// application/x-www-form-urlencoded` for both endpoints; JSON, multipart and untyped bodies are
/// refused (a `charset` parameter is allowed: it does not change the media type).
async fn form(req: Request) -> Result<Params, TikTokOAuthError> {
    let (parts, body) = req.into_parts();
    let media_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if media_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(TikTokOAuthError::new(
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    let bytes = to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| TikTokOAuthError::new("invalid_request", "The request body is too large"))?;
    Params::from_request(None, &parts.headers, &bytes)
        .map_err(|e| TikTokOAuthError::new("invalid_request", e.to_string()))
}

fn check_client(engine: &Engine, p: &Params) -> Result<(), TikTokOAuthError> {
    let app = &engine.config.apps.tiktok;
    if p.text("client_key") != Some(app.client_id.as_str())
        || p.text("client_secret") != Some(app.client_secret.as_str())
    {
        return Err(TikTokOAuthError::new(
            "invalid_client",
            "Client key or secret is invalid.",
        ));
    }
    Ok(())
}

/// A fresh access/refresh pair in `grant`, as the token endpoint returns it.
fn issue_pair(
    engine: &Engine,
    world: &mut World,
    subject: &str,
    scopes: &std::collections::BTreeSet<String>,
    grant: u64,
) -> Value {
    let now = engine.now();
    let l = &engine.config.tokens;
    let World { tokens, rng, .. } = world;
    let mut issue = |kind, secs| {
        tokens.issue(
            rng,
            now,
            Issue {
                kind,
                subject,
                scopes,
                lifetime: Some(crate::sandbox::config::secs(secs)),
                long_lived: false,
                grant: Some(grant),
                fixed: None,
            },
        )
    };
    let access = issue(TokenKind::TikTokAccess, l.tiktok_access_secs);
    let refresh = issue(TokenKind::TikTokRefresh, l.tiktok_refresh_secs);
    json!({
        "access_token": access.expose(),
        "expires_in": l.tiktok_access_secs,
        "open_id": subject,
        "refresh_expires_in": l.tiktok_refresh_secs,
        "refresh_token": refresh.expose(),
        "scope": scopes.iter().cloned().collect::<Vec<_>>().join(","),
        "token_type": "Bearer",
    })
}

fn exchange(engine: &Engine, p: &Params) -> Result<Value, TikTokOAuthError> {
    check_client(engine, p)?;
    let now = engine.now();
    let mut world = engine.world();
    match p.text("grant_type") {
        Some("authorization_code") => {
            let code = p
                .text("code")
                .ok_or_else(|| TikTokOAuthError::new("invalid_request", "code is required"))?;
            let redirect = p.text("redirect_uri").ok_or_else(|| {
                TikTokOAuthError::new("invalid_request", "redirect_uri is required")
            })?;
            let ttl = crate::sandbox::config::secs(engine.config.tokens.auth_code_secs);
            let client = engine.config.apps.tiktok.client_id.clone();
            let granted = world
                .oauth
                .redeem(code, Flow::TikTok, &client, redirect, now, ttl)
                .map_err(|e| {
                    let why = match e {
                        CodeProblem::Used => "Authorization code has been used.",
                        CodeProblem::Expired => "Authorization code is expired.",
                        CodeProblem::RedirectMismatch | CodeProblem::ClientMismatch => {
                            "redirect_uri does not match the authorization request."
                        }
                        CodeProblem::Unknown => "Authorization code is invalid.",
                    };
                    TikTokOAuthError::new("invalid_grant", why)
                })?;
            if let Some(challenge) = &granted.code_challenge {
                let verifier = p.text("code_verifier").ok_or_else(|| {
                    TikTokOAuthError::new("invalid_request", "code_verifier is required")
                })?;
                if !pkce_matches(challenge, verifier) {
                    return Err(TikTokOAuthError::new(
                        "invalid_grant",
                        "code_verifier does not match the code_challenge.",
                    ));
                }
            }
            let grant = world.tokens.new_grant();
            Ok(issue_pair(
                engine,
                &mut world,
                &granted.subject,
                &granted.scopes,
                grant,
            ))
        }
        Some("refresh_token") => {
            let presented = Secret::from(p.text("refresh_token").ok_or_else(|| {
                TikTokOAuthError::new("invalid_request", "refresh_token is required")
            })?);
            let rec = world
                .tokens
                .check(Some(&presented), &[TokenKind::TikTokRefresh], now)
                .map_err(|_| {
                    TikTokOAuthError::new("invalid_grant", "Refresh token is invalid or expired.")
                })?
                .clone();
            // Rotation (docs/platform-rules.md §6): the presented refresh token dies now.
            world.tokens.revoke(presented.expose());
            Ok(issue_pair(
                engine,
                &mut world,
                &rec.subject,
                &rec.scopes,
                rec.grant,
            ))
        }
        _ => Err(TikTokOAuthError::new(
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        )),
    }
}

/// `POST /v2/oauth/token/` (docs/platform-rules.md §6 "TikTok": `authorization_code` +
/// `code_verifier`, or `refresh_token` with rotation).
pub(crate) async fn token(
    State(engine): State<Arc<Engine>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    gate(
        &engine.clone(),
        &conn,
        "oauth.tiktok.token",
        Envelope::TikTokOAuth,
        || async move {
            let p = form(req).await?;
            exchange(&engine, &p)
                .map(|v| axum::Json(v).into_response())
                .map_err(ApiError::from)
        },
    )
    .await
}

/// `POST /v2/oauth/revoke/` with the access token in `token` (docs/platform-rules.md §6 "TikTok":
/// revoke).
pub(crate) async fn revoke(
    State(engine): State<Arc<Engine>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    gate(
        &engine.clone(),
        &conn,
        "oauth.tiktok.revoke",
        Envelope::TikTokOAuth,
        || async move {
            let p = form(req).await?;
            check_client(&engine, &p)?;
            let token = p
                .text("token")
                .ok_or_else(|| TikTokOAuthError::new("invalid_request", "token is required"))?;
            let mut world = engine.world();
            if let Some(grant) = world
                .tokens
                .get(token)
                .filter(|r| r.kind == TokenKind::TikTokAccess)
                .map(|r| r.grant)
            {
                world.tokens.revoke_grant(grant);
            }
            Ok::<_, ApiError>(axum::Json(json!({})).into_response())
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_accepts_base64url_and_hex_s256() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        // RFC 7636 appendix B.
        assert!(pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            verifier
        ));
        let hex: String = Sha256::digest(verifier.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(pkce_matches(&hex, verifier));
        assert!(!pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "other"
        ));
    }
}
