//! Each platform's token endpoints as a login uses them: the code exchange and Meta's
//! short→long-lived exchange (platform-rules §6); [`super::identity`] reads the result back.
//!
//! # Errors
//! Every failure is a [`LoginError`] whose text has had the tokens, the code and the app
//! secret scrubbed from it.

use serde_json::Value;

use super::{LoginError, LoginSetup};
use crate::manifest::config::InstagramLogin;
use crate::platform::Platform;
use crate::platform::http::GRAPH_VERSION;
use crate::secret::Secret;

/// What a token endpoint answered (or what `--token-stdin` gave).
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub access: Option<Secret>,
    pub expires_in: Option<i64>,
    pub refresh: Option<Secret>,
    pub refresh_expires_in: Option<i64>,
    pub scopes: Option<Vec<String>>,
    pub user_id: Option<String>,
    /// Already long-lived (an imported token is used as it is).
    pub long_lived: bool,
}

impl Imported {
    /// A token as `--token-stdin` reads it: a bare token, or the JSON a token endpoint returns
    /// (`access_token`, `expires_in`, `refresh_token`, `refresh_expires_in`, `scope`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return (!text.contains(char::is_whitespace)).then(|| Self {
                access: Some(Secret::from(text)),
                long_lived: true,
                ..Self::default()
            });
        };
        let mut i = from_answer(&v);
        i.long_lived = true;
        i.access.is_some().then_some(i)
    }
}

fn from_answer(v: &Value) -> Imported {
    let v = v.pointer("/data/0").unwrap_or(v);
    let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let id = v.get("user_id").or_else(|| v.get("open_id")).and_then(|x| {
        x.as_str()
            .map(str::to_owned)
            .or_else(|| x.as_u64().map(|n| n.to_string()))
    });
    let scopes = s("scope").or_else(|| s("permissions")).map(scope_list);
    Imported {
        access: s("access_token").map(Secret::from),
        expires_in: v.get("expires_in").and_then(Value::as_i64),
        refresh: s("refresh_token").map(Secret::from),
        refresh_expires_in: v.get("refresh_expires_in").and_then(Value::as_i64),
        scopes,
        user_id: id,
        long_lived: false,
    }
}

/// The JSON of an answer, or the platform's message (scrubbed).
pub(super) async fn answer(
    resp: Result<reqwest::Response, reqwest::Error>,
    secrets: &[&Secret],
) -> Result<Value, String> {
    let scrub = |t: String| secrets.iter().fold(t, |t, s| s.scrub(&t));
    let resp =
        resp.map_err(|e| scrub(format!("cannot reach the platform: {}", e.without_url())))?;
    let status = resp.status();
    let body: Value = resp.json().await.map_err(|e| {
        scrub(format!(
            "unreadable answer (HTTP {status}): {}",
            e.without_url()
        ))
    })?;
    let error = body
        .get("error")
        .filter(|e| !e.is_null() && e.get("code").and_then(Value::as_str) != Some("ok"));
    if !status.is_success() || error.is_some() || body.get("error_message").is_some() {
        let msg = body
            .pointer("/error/message")
            .or_else(|| body.get("error_description"))
            .or_else(|| body.get("error_message"))
            .or_else(|| body.get("error"))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_else(|| format!("HTTP {status}"));
        return Err(scrub(msg));
    }
    Ok(body)
}

/// The code exchange of the setup's platform.
pub(super) async fn exchange(
    http: &reqwest::Client,
    setup: &LoginSetup,
    code: &Secret,
    redirect_uri: &str,
    verifier: &Secret,
) -> Result<Imported, LoginError> {
    let h = &setup.hosts;
    let app = &setup.app;
    let secret = app.client_secret.expose();
    let secrets = [code, &app.client_secret, verifier];
    let form = |extra: &[(&'static str, &str)]| {
        let mut f: Vec<(&str, String)> = vec![
            ("client_secret", secret.to_owned()),
            ("code", code.expose().to_owned()),
            ("grant_type", "authorization_code".to_owned()),
            ("redirect_uri", redirect_uri.to_owned()),
        ];
        f.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        f
    };
    let resp = match (setup.target.platform, setup.login) {
        (Platform::Instagram, InstagramLogin::Instagram) => {
            http.post(format!("{}/oauth/access_token", h.instagram_api))
                .form(&form(&[("client_id", &app.client_id)]))
                .send()
                .await
        }
        (Platform::Threads, _) => {
            http.post(format!("{}/oauth/access_token", h.threads_graph))
                .form(&form(&[("client_id", &app.client_id)]))
                .send()
                .await
        }
        (Platform::Tiktok, _) => {
            http.post(format!("{}/v2/oauth/token/", h.tiktok_api))
                .form(&form(&[
                    ("client_key", &app.client_id),
                    ("code_verifier", verifier.expose()),
                ]))
                .send()
                .await
        }
        (Platform::Instagram | Platform::Facebook, _) => {
            http.get(format!(
                "{}/{GRAPH_VERSION}/oauth/access_token",
                h.facebook_graph
            ))
            .query(&[
                ("client_id", app.client_id.as_str()),
                ("client_secret", secret),
                ("redirect_uri", redirect_uri),
                ("code", code.expose()),
            ])
            .send()
            .await
        }
    };
    let body = answer(resp, &secrets).await.map_err(LoginError::Exchange)?;
    let got = from_answer(&body);
    if got.access.is_none() {
        return Err(LoginError::Exchange(
            "the answer carries no access_token".into(),
        ));
    }
    Ok(got)
}

/// Meta's short → long-lived exchange.
pub(super) async fn long_lived(
    http: &reqwest::Client,
    setup: &LoginSetup,
    short: &Secret,
) -> Result<(Secret, Option<i64>), LoginError> {
    let h = &setup.hosts;
    let secret = setup.app.client_secret.expose();
    let req = match setup.target.platform {
        Platform::Threads => http
            .get(format!("{}/access_token", h.threads_graph))
            .query(&[
                ("grant_type", "th_exchange_token"),
                ("client_secret", secret),
                ("access_token", short.expose()),
            ]),
        Platform::Instagram if setup.login == InstagramLogin::Instagram => http
            .get(format!("{}/access_token", h.instagram_graph))
            .query(&[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", secret),
                ("access_token", short.expose()),
            ]),
        _ => http
            .get(format!(
                "{}/{GRAPH_VERSION}/oauth/access_token",
                h.facebook_graph
            ))
            .query(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", setup.app.client_id.as_str()),
                ("client_secret", secret),
                ("fb_exchange_token", short.expose()),
            ]),
    };
    let body = answer(req.send().await, &[short, &setup.app.client_secret])
        .await
        .map_err(|e| LoginError::Exchange(format!("long-lived token exchange: {e}")))?;
    let got = from_answer(&body);
    let token = got
        .access
        .ok_or_else(|| LoginError::Exchange("the long-lived exchange gave no token".into()))?;
    Ok((token, got.expires_in))
}

/// Scopes as the platforms list them: comma- or space-separated.
fn scope_list(raw: &str) -> Vec<String> {
    raw.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn str_field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| {
        x.as_str()
            .map(str::to_owned)
            .or_else(|| x.as_u64().map(|n| n.to_string()))
    })
}
