//! Refreshing tokens on each platform's rules (platform-rules §6).
//!
//! - **Instagram (Instagram Login)**: `GET graph.instagram.com/refresh_access_token?
//!   grant_type=ig_refresh_token`; only a token at least 24 h old and unexpired; 60 days from
//!   the refresh.
//! - **Threads**: `GET graph.threads.net/refresh_access_token?grant_type=th_refresh_token`,
//!   same rules.
//! - **Facebook Pages**: a Page token from a long-lived user token does not expire: nothing to
//!   refresh.
//! - **Instagram with Facebook Login** publishes with the long-lived Facebook user token (60
//!   days). It is renewed by exchanging it again (`grant_type=fb_exchange_token`, which needs
//!   the Facebook app's secret) on the same schedule as Instagram tokens. Meta documents this
//!   exchange for short-lived tokens (platform-rules §9.12); should it hand back the same expiry,
//!   the account's summary warns a week before it runs out.
//! - **TikTok**: `POST open.tiktokapis.com/v2/oauth/token/` (form) with `grant_type=
//!   refresh_token`; the access token lives hours, the answer carries a **new refresh token and
//!   the old one dies at once**, so the new set is handed to the provider's `on_change` (which
//!   saves it) before it is used.
//!
//! # When
//! [`due`]: Meta tokens once they are at least 24 h old and within 30 days of expiry (so a
//! token used weekly is renewed about monthly, long before its 60 days); TikTok access tokens
//! within 10 minutes of expiry.
//!
//! # Errors
//! A refused refresh (revoked grant, expired refresh token) is `NeedsLogin`; a network problem
//! is `Unavailable` (the publisher retries).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::manifest::config::InstagramLogin;
use crate::platform::credentials::{CredentialError, Refresher, TokenSet};
use crate::platform::{Platform, TargetKey};
use crate::reconcile::publisher::BoxFuture;
use crate::secret::Secret;

/// Where the OAuth pages and endpoints are (the real hosts, or the sandbox's).
#[derive(Debug, Clone)]
pub struct OAuthHosts {
    /// `https://graph.instagram.com`
    pub instagram_graph: String,
    /// `https://graph.threads.net`
    pub threads_graph: String,
    /// `https://graph.facebook.com`
    pub facebook_graph: String,
    /// `https://open.tiktokapis.com`
    pub tiktok_api: String,
    /// `https://api.instagram.com` (Instagram Login's code exchange)
    pub instagram_api: String,
    /// `https://www.facebook.com` (Facebook Login's dialog)
    pub facebook_www: String,
    /// `https://www.instagram.com` (Instagram Login's authorize page)
    pub instagram_www: String,
    /// `https://threads.com` (Threads' authorize page)
    pub threads_www: String,
    /// `https://www.tiktok.com` (TikTok's authorize page)
    pub tiktok_www: String,
}

impl OAuthHosts {
    pub fn real() -> Self {
        Self::at(|host| format!("https://{host}"))
    }

    /// The sandbox at `root`, which serves every host under `/{host}`.
    pub fn sandbox(root: &str) -> Self {
        let root = root.trim_end_matches('/');
        Self::at(|host| format!("{root}/{host}"))
    }

    fn at(url: impl Fn(&str) -> String) -> Self {
        Self {
            instagram_graph: url("graph.instagram.com"),
            threads_graph: url("graph.threads.net"),
            facebook_graph: url("graph.facebook.com"),
            tiktok_api: url("open.tiktokapis.com"),
            instagram_api: url("api.instagram.com"),
            facebook_www: url("www.facebook.com"),
            instagram_www: url("www.instagram.com"),
            threads_www: url("threads.com"),
            tiktok_www: url("www.tiktok.com"),
        }
    }
}

/// An app's credentials with a platform (TikTok's `client_key`/`client_secret`).
#[derive(Debug, Clone)]
pub struct App {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Refreshes tokens over HTTP.
pub struct HttpRefresher {
    pub http: reqwest::Client,
    pub hosts: OAuthHosts,
    pub tiktok: Option<App>,
    /// The Facebook app (Instagram with Facebook Login renews its user token with it).
    pub facebook: Option<App>,
}

/// When `set` will next be due for a renewal (none: it never is).
pub fn next_refresh(platform: Platform, set: &TokenSet) -> Option<DateTime<Utc>> {
    let expires = set.expires_at?;
    match platform {
        Platform::Instagram | Platform::Threads => Some(
            (set.issued_at + chrono::Duration::hours(24)).max(expires - chrono::Duration::days(30)),
        ),
        Platform::Tiktok => Some(expires - chrono::Duration::minutes(10)),
        Platform::Facebook => None,
    }
}

/// Whether `set` should be renewed at `now` (see the module docs).
pub fn due(platform: Platform, set: &TokenSet, now: DateTime<Utc>) -> bool {
    let Some(expires) = set.expires_at else {
        return false;
    };
    match platform {
        Platform::Instagram | Platform::Threads => {
            now - set.issued_at >= chrono::Duration::hours(24)
                && expires - now <= chrono::Duration::days(30)
                && expires > now
        }
        Platform::Tiktok => expires - now <= chrono::Duration::minutes(10),
        Platform::Facebook => false,
    }
}

impl HttpRefresher {
    async fn meta(
        &self,
        target: &TargetKey,
        set: &TokenSet,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, CredentialError> {
        let (base, grant) = match target.platform {
            Platform::Threads => (&self.hosts.threads_graph, "th_refresh_token"),
            _ => (&self.hosts.instagram_graph, "ig_refresh_token"),
        };
        let resp = self
            .http
            .get(format!("{base}/refresh_access_token"))
            .query(&[("grant_type", grant), ("access_token", set.access.expose())])
            .send()
            .await;
        let body = answer(target, &set.access, resp).await?;
        let access = token_field(target, &body, "access_token")?;
        let expires_in = body.get("expires_in").and_then(Value::as_i64);
        Ok(TokenSet {
            access,
            issued_at: now,
            expires_at: expires_in.map(|s| now + chrono::Duration::seconds(s)),
            ..set.clone()
        })
    }

    /// Instagram with Facebook Login: the user token exchanged again for a long-lived one.
    async fn facebook_user(
        &self,
        target: &TargetKey,
        set: &TokenSet,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenSet>, CredentialError> {
        let Some(app) = &self.facebook else {
            return Ok(None);
        };
        let resp = self
            .http
            .get(format!("{}/oauth/access_token", self.hosts.facebook_graph))
            .query(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", app.client_id.as_str()),
                ("client_secret", app.client_secret.expose()),
                ("fb_exchange_token", set.access.expose()),
            ])
            .send()
            .await;
        let body = answer(target, &set.access, resp).await?;
        let access = token_field(target, &body, "access_token")?;
        let expires_in = body.get("expires_in").and_then(Value::as_i64);
        Ok(Some(TokenSet {
            access,
            issued_at: now,
            expires_at: expires_in.map(|s| now + chrono::Duration::seconds(s)),
            ..set.clone()
        }))
    }

    async fn tiktok(
        &self,
        target: &TargetKey,
        set: &TokenSet,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, CredentialError> {
        let needs = |why: &str| CredentialError::NeedsLogin {
            target: target.to_string(),
            why: why.to_owned(),
        };
        let refresh = set
            .refresh
            .as_ref()
            .ok_or_else(|| needs("no refresh token; run `postcal login`"))?;
        if set.refresh_expires_at.is_some_and(|t| t <= now) {
            return Err(needs("the refresh token expired; run `postcal login`"));
        }
        let app = self
            .tiktok
            .as_ref()
            .ok_or_else(|| CredentialError::Unavailable {
                target: target.to_string(),
                why: "no TikTok client key and secret to refresh with".into(),
            })?;
        let form = [
            ("client_key", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
        ];
        let resp = self
            .http
            .post(format!("{}/v2/oauth/token/", self.hosts.tiktok_api))
            .form(&form)
            .send()
            .await;
        let body = answer(target, refresh, resp).await?;
        let secs = |k: &str| {
            body.get(k)
                .and_then(Value::as_i64)
                .map(chrono::Duration::seconds)
        };
        Ok(TokenSet {
            access: token_field(target, &body, "access_token")?,
            issued_at: now,
            expires_at: secs("expires_in").map(|d| now + d),
            refresh: Some(token_field(target, &body, "refresh_token")?),
            refresh_expires_at: secs("refresh_expires_in").map(|d| now + d),
            ..set.clone()
        })
    }
}

/// The JSON of an OAuth answer; a refusal means the grant is gone.
async fn answer(
    target: &TargetKey,
    secret: &Secret,
    resp: Result<reqwest::Response, reqwest::Error>,
) -> Result<Value, CredentialError> {
    let unavailable = |why: String| CredentialError::Unavailable {
        target: target.to_string(),
        why: secret.scrub(&why),
    };
    let resp = resp.map_err(|e| unavailable(format!("refresh failed: {}", e.without_url())))?;
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .map_err(|e| unavailable(format!("refresh answer unreadable: {}", e.without_url())))?;
    if status.is_server_error() {
        return Err(unavailable(format!(
            "the refresh endpoint answered HTTP {status}"
        )));
    }
    if !status.is_success() || body.get("error").is_some_and(|e| !e.is_null()) {
        let detail = body
            .pointer("/error/message")
            .or_else(|| body.get("error_description"))
            .or_else(|| body.get("error"))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default();
        return Err(CredentialError::NeedsLogin {
            target: target.to_string(),
            why: secret.scrub(&format!(
                "the platform refused to refresh its token ({detail}); run `postcal login {target}`"
            )),
        });
    }
    Ok(body)
}

fn token_field(target: &TargetKey, body: &Value, field: &str) -> Result<Secret, CredentialError> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(Secret::from)
        .ok_or_else(|| CredentialError::Unavailable {
            target: target.to_string(),
            why: format!("the refresh answer has no {field}"),
        })
}

impl Refresher for HttpRefresher {
    fn refresh<'a>(
        &'a self,
        target: &'a TargetKey,
        set: &'a TokenSet,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Option<TokenSet>, CredentialError>> {
        Box::pin(async move {
            if !due(target.platform, set, now) {
                return Ok(None);
            }
            let renewed = match target.platform {
                Platform::Tiktok => self.tiktok(target, set, now).await?,
                Platform::Instagram if set.login == InstagramLogin::Facebook => {
                    match self.facebook_user(target, set, now).await? {
                        Some(s) => s,
                        None => return Ok(None),
                    }
                }
                Platform::Instagram | Platform::Threads => self.meta(target, set, now).await?,
                Platform::Facebook => return Ok(None),
            };
            tracing::info!(account = %target, "token refreshed");
            Ok(Some(renewed))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn set(issued: DateTime<Utc>, lifetime: chrono::Duration) -> TokenSet {
        TokenSet {
            id: "1".into(),
            login: InstagramLogin::Instagram,
            access: Secret::from("token-value-1"),
            issued_at: issued,
            expires_at: Some(issued + lifetime),
            refresh: None,
            refresh_expires_at: None,
        }
    }

    #[test]
    fn meta_tokens_are_renewed_only_after_24_hours_and_well_before_expiry() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let s = set(t0, chrono::Duration::days(60));
        let at = |d: i64| t0 + chrono::Duration::days(d);
        assert!(!due(
            Platform::Instagram,
            &s,
            t0 + chrono::Duration::hours(23)
        ));
        assert!(!due(Platform::Instagram, &s, at(29)));
        assert!(due(Platform::Instagram, &s, at(31)));
        assert!(due(Platform::Threads, &s, at(59)));
        assert!(
            !due(Platform::Threads, &s, at(61)),
            "expired tokens cannot be refreshed"
        );
        // A short-lived token younger than a day is never refreshed.
        let short = set(t0, chrono::Duration::hours(1));
        assert!(!due(
            Platform::Instagram,
            &short,
            t0 + chrono::Duration::minutes(55)
        ));
    }

    #[test]
    fn tiktok_access_tokens_are_renewed_just_before_they_expire() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let s = set(t0, chrono::Duration::hours(2));
        assert!(!due(
            Platform::Tiktok,
            &s,
            t0 + chrono::Duration::minutes(100)
        ));
        assert!(due(
            Platform::Tiktok,
            &s,
            t0 + chrono::Duration::minutes(111)
        ));
        assert!(due(Platform::Tiktok, &s, t0 + chrono::Duration::hours(3)));
        assert!(!due(
            Platform::Facebook,
            &s,
            t0 + chrono::Duration::hours(3)
        ));
    }
}
