//! Who a new token acts for and what it grants (platform-rules §1.1, §3, §6): `/me`, TikTok's
//! `creator_info`, Facebook's `/me/accounts` (the Page token), `debug_token` for the scopes;
//! then the comparison with what publishing needs and with `postcal.yaml`.
//!
//! # Errors
//! [`LoginError::Account`] when the platform does not know the account the calendar names;
//! texts are scrubbed of the tokens.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::platforms::{Imported, answer, long_lived, str_field};
use super::{LoggedIn, LoginError, LoginSetup, scopes};
use crate::auth::vault::StoredAccount;
use crate::manifest::config::InstagramLogin;
use crate::platform::Platform;
use crate::platform::credentials::TokenSet;
use crate::platform::http::{GRAPH_VERSION, THREADS_VERSION};
use crate::secret::Secret;

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

/// The permissions a Facebook user token holds (`GET /me/permissions`, status `granted`).
async fn permissions(http: &reqwest::Client, base: &str, token: &Secret) -> Option<Vec<String>> {
    let v = get(http, format!("{base}/me/permissions"), token, &[])
        .await
        .ok()?;
    let granted = v
        .get("data")?
        .as_array()?
        .iter()
        .filter(|p| p.get("status").and_then(Value::as_str) == Some("granted"))
        .filter_map(|p| {
            p.get("permission")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    Some(granted)
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
            } else {
                // debug_token with a user token works for the app's developers only; everyone
                // may read their own `/me/permissions`.
                scopes_granted = permissions(http, &fb_graph, &access)
                    .await
                    .or(scopes_granted);
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
            .map(|s| (*s).to_owned())
            .chain(setup.also_need.iter().cloned())
            .filter(|s| !granted.iter().any(|g| g == s))
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
