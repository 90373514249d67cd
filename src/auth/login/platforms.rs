//! Each platform's side of a login: the code exchange, Meta's short→long-lived exchange, and
//! reading back who the token acts for and what it grants (platform-rules §6, §1.1, §3).
//!
//! # Errors
//! Every failure is a [`LoginError`] whose text has had the tokens, the code and the app
//! secret scrubbed from it.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{LoggedIn, LoginError, LoginSetup, scopes};
use crate::auth::vault::StoredAccount;
use crate::manifest::config::InstagramLogin;
use crate::platform::Platform;
use crate::platform::credentials::TokenSet;
use crate::platform::http::{GRAPH_VERSION, THREADS_VERSION};
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
async fn answer(
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
async fn long_lived(
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

async fn get(
    http: &reqwest::Client,
    url: String,
    token: &Secret,
    query: &[(&str, &str)],
) -> Result<Value, LoginError> {
    let mut q: Vec<(&str, &str)> = query.to_vec();
    q.push(("access_token", token.expose()));
    answer(http.get(url).query(&q).send().await, &[token])
        .await
        .map_err(LoginError::Account)
}

/// What the token grants, from `debug_token` (Graph, Threads); `None` if it cannot be read.
async fn debug_scopes(
    http: &reqwest::Client,
    base: &str,
    token: &Secret,
) -> Option<(Vec<String>, Option<i64>)> {
    let v = get(
        http,
        format!("{base}/debug_token"),
        token,
        &[("input_token", token.expose())],
    )
    .await
    .ok()?;
    let data = v.get("data")?;
    let scopes = data
        .get("scopes")?
        .as_array()?
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    let expires = data
        .get("expires_at")
        .and_then(Value::as_i64)
        .filter(|t| *t > 0);
    Some((scopes, expires))
}

/// Long-lived exchange (Meta), identity and scopes: the finished login.
pub(super) async fn complete(
    http: &reqwest::Client,
    setup: &LoginSetup,
    got: Imported,
    now: DateTime<Utc>,
) -> Result<LoggedIn, LoginError> {
    let h = &setup.hosts;
    let short = got.access.clone().ok_or(LoginError::NoCode)?;
    let platform = setup.target.platform;
    let meta = platform != Platform::Tiktok;
    let (access, mut expires_in) = if meta && !got.long_lived {
        long_lived(http, setup, &short).await?
    } else {
        (short, got.expires_in)
    };
    let fb_graph = format!("{}/{GRAPH_VERSION}", h.facebook_graph);
    let mut scopes_granted = got.scopes.clone();
    let (id, username, access, expires_in) = match (platform, setup.login) {
        (Platform::Instagram, InstagramLogin::Instagram) => {
            let me = get(
                http,
                format!("{}/{GRAPH_VERSION}/me", h.instagram_graph),
                &access,
                &[("fields", "user_id,username")],
            )
            .await?;
            let id = str_field(&me, "user_id").or_else(|| str_field(&me, "id"));
            (id, str_field(&me, "username"), access, expires_in)
        }
        (Platform::Threads, _) => {
            let base = format!("{}/{THREADS_VERSION}", h.threads_graph);
            if let Some((s, exp)) = debug_scopes(http, &base, &access).await {
                scopes_granted = Some(s);
                expires_in = expires_in.or(exp.map(|t| t - now.timestamp()));
            }
            let me = get(
                http,
                format!("{base}/me"),
                &access,
                &[("fields", "id,username")],
            )
            .await?;
            (
                str_field(&me, "id"),
                str_field(&me, "username"),
                access,
                expires_in,
            )
        }
        (Platform::Tiktok, _)
            if got
                .scopes
                .as_ref()
                .is_some_and(|s| !s.iter().any(|g| g == "video.publish")) =>
        {
            // creator_info needs video.publish: the missing scope is reported below instead.
            (got.user_id.clone(), None, access, expires_in)
        }
        (Platform::Tiktok, _) => {
            let resp = http
                .post(format!(
                    "{}/v2/post/publish/creator_info/query/",
                    h.tiktok_api
                ))
                .bearer_auth(access.expose())
                .header("content-type", "application/json; charset=UTF-8")
                .body("{}")
                .send()
                .await;
            let info = answer(resp, &[&access])
                .await
                .map_err(LoginError::Account)?;
            let username = info
                .pointer("/data/creator_username")
                .and_then(Value::as_str)
                .map(str::to_owned);
            (got.user_id.clone(), username, access, expires_in)
        }
        (Platform::Instagram | Platform::Facebook, _) => {
            if let Some((s, exp)) = debug_scopes(http, &fb_graph, &access).await {
                scopes_granted = Some(s);
                expires_in = expires_in.or(exp.map(|t| t - now.timestamp()));
            }
            let pages = get(
                http,
                format!("{fb_graph}/me/accounts"),
                &access,
                &[(
                    "fields",
                    "id,name,username,access_token,instagram_business_account",
                )],
            )
            .await?;
            let pages = pages
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if platform == Platform::Facebook {
                let page = pick_page(&pages, setup.expected_id.as_deref())?;
                let token = str_field(page, "access_token")
                    .map(Secret::from)
                    .ok_or_else(|| {
                        LoginError::Account("the Page came without an access token".into())
                    })?;
                let name = str_field(page, "username").or_else(|| str_field(page, "name"));
                // A Page token from a long-lived user token does not expire (platform-rules §3).
                (str_field(page, "id"), name, token, None)
            } else {
                let linked: Vec<String> = pages
                    .iter()
                    .filter_map(|p| {
                        p.pointer("/instagram_business_account/id")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .collect();
                let id = setup
                    .expected_id
                    .clone()
                    .or_else(|| (linked.len() == 1).then(|| linked[0].clone()));
                let Some(id) = id else {
                    return Err(LoginError::Account(format!(
                        "cannot tell which Instagram account to use ({} linked to your Pages); add its id to {} in postcal.yaml",
                        linked.len(),
                        setup.target
                    )));
                };
                let me = get(http, format!("{fb_graph}/{id}"), &access, &[("fields", "id,username")]).await.map_err(|e| {
                    LoginError::Account(format!("the Instagram account {id} cannot be reached with this login ({e}); is it linked to a Page you manage?"))
                })?;
                (
                    str_field(&me, "id"),
                    str_field(&me, "username"),
                    access,
                    expires_in,
                )
            }
        }
    };
    // TikTok: the token names the creator; its open_id is informative only.
    let id = match id {
        Some(id) => id,
        None if platform == Platform::Tiktok => String::new(),
        None => {
            return Err(LoginError::Account(
                "the platform did not report the account's id".into(),
            ));
        }
    };
    let (need, _) = scopes(platform, setup.login);
    let missing = match &scopes_granted {
        Some(granted) => need
            .iter()
            .filter(|s| !granted.iter().any(|g| g == *s))
            .map(|s| (*s).to_owned())
            .collect(),
        None => Vec::new(),
    };
    let id_mismatch = setup
        .expected_id
        .clone()
        .filter(|e| *e != id && platform != Platform::Tiktok);
    let secs = |s: Option<i64>| s.map(|s| now + Duration::seconds(s));
    Ok(LoggedIn {
        account: StoredAccount {
            tokens: TokenSet {
                id,
                login: setup.login,
                access,
                issued_at: now,
                expires_at: secs(expires_in),
                refresh: got.refresh.clone(),
                refresh_expires_at: secs(got.refresh_expires_in),
            },
            username,
            scopes: scopes_granted.unwrap_or_default(),
            logged_in_at: now,
            needs_login: None,
        },
        missing_scopes: missing,
        id_mismatch,
    })
}

/// A token obtained elsewhere (`--token-stdin`): identity and scopes read back as for a login.
pub async fn import(
    http: &reqwest::Client,
    setup: &LoginSetup,
    token: Imported,
    now: DateTime<Utc>,
) -> Result<LoggedIn, LoginError> {
    complete(http, setup, token, now).await
}

/// Scopes as the platforms list them: comma- or space-separated.
fn scope_list(raw: &str) -> Vec<String> {
    raw.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn str_field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| {
        x.as_str()
            .map(str::to_owned)
            .or_else(|| x.as_u64().map(|n| n.to_string()))
    })
}

fn pick_page<'a>(pages: &'a [Value], expected: Option<&str>) -> Result<&'a Value, LoginError> {
    let listing = || {
        pages
            .iter()
            .map(|p| {
                format!(
                    "{} ({})",
                    str_field(p, "id").unwrap_or_default(),
                    str_field(p, "name").unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match expected {
        Some(id) => pages.iter().find(|p| str_field(p, "id").as_deref() == Some(id)).ok_or_else(|| {
            LoginError::Account(format!("this login manages no Page with id {id} (it manages: {}); log in as a person who manages it, or fix the id in postcal.yaml", listing()))
        }),
        None if pages.len() == 1 => Ok(&pages[0]),
        None if pages.is_empty() => Err(LoginError::Account("this login manages no Facebook Page (or `pages_show_list` was not granted)".into())),
        None => Err(LoginError::Account(format!("this login manages several Pages: {}; add the one to use as `id:` in postcal.yaml", listing()))),
    }
}
