//! Every OAuth flow end to end: authorize (approves at once), code exchange, Meta's
//! long-lived exchange and 24-hour refresh rule, TikTok PKCE, refresh rotation and revoke
//! (docs/platform-rules.md §6).

use base64::Engine as _;
use postcal::platform::Platform;
use postcal::sandbox::{SandboxConfig, Secret};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::util::{Reply, Sim, reply};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// Follows the authorize page and returns the query of its redirect.
async fn authorize(sim: &Sim, url: &str, query: &[(&str, &str)]) -> Vec<(String, String)> {
    let r = reply(sim.http.get(url).query(query).send().await.unwrap()).await;
    assert_eq!(r.status, 302, "{}", r.body);
    let location = reqwest::Url::parse(r.location.as_deref().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    location
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {pairs:?}"))
}

pub(super) async fn form(sim: &Sim, url: &str, form: &[(&str, &str)]) -> Reply {
    reply(sim.http.post(url).form(form).send().await.unwrap()).await
}

#[tokio::test]
async fn instagram_login_code_exchange_long_lived_and_the_24_hour_refresh_rule() {
    let sim = Sim::with(SandboxConfig::default()).await;
    let acct = sim.account(Platform::Instagram, "acme");
    let app = SandboxConfig::default().apps.instagram;
    let urls = sim.sb.urls().clone();
    let authorize_url = format!("{}/oauth/authorize", urls.instagram_www);
    let q = [
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        (
            "scope",
            "instagram_business_basic,instagram_business_content_publish",
        ),
        ("state", "s1"),
    ];
    let r = reply(sim.http.get(&authorize_url).query(&q).send().await.unwrap()).await;
    assert!(
        r.location.as_deref().unwrap().ends_with("#_"),
        "Instagram appends #_"
    );
    let pairs = authorize(&sim, &authorize_url, &q).await;
    assert_eq!(param(&pairs, "state"), "s1");
    let code = param(&pairs, "code").to_owned();

    // api.instagram.com takes multipart, as `curl -F` sends it.
    let exchange = |code: String| {
        let fields = [
            ("client_id", app.client_id.as_str()),
            ("client_secret", &app.client_secret),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ];
        let body: String = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "--XBOUNDARY\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
            })
            .collect::<String>()
            + "--XBOUNDARY--\r\n";
        sim.http
            .post(format!("{}/oauth/access_token", urls.instagram_api))
            .header("Content-Type", "multipart/form-data; boundary=XBOUNDARY")
            .body(body)
            .send()
    };
    let r = reply(exchange(code.clone()).await.unwrap()).await;
    let data = &r.ok()["data"][0];
    assert_eq!(data["user_id"], acct.id.as_str());
    assert_eq!(
        data["permissions"],
        "instagram_business_basic,instagram_business_content_publish"
    );
    let short = Secret::from(data["access_token"].as_str().unwrap());
    let reused = reply(exchange(code).await.unwrap()).await;
    assert_eq!(
        (reused.status, reused.body["error_type"].as_str()),
        (400, Some("OAuthException"))
    );

    let graph = &urls.instagram_graph;
    let bad_secret = sim
        .get(
            &format!("{graph}/access_token"),
            &short,
            &[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_eq!(bad_secret.graph_error().0, 1);
    let long = sim
        .get(
            &format!("{graph}/access_token"),
            &short,
            &[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", &app.client_secret),
            ],
        )
        .await;
    assert_eq!(long.ok()["expires_in"], 5_184_000);
    assert_eq!(long.ok()["token_type"], "bearer");
    let long = Secret::from(long.ok()["access_token"].as_str().unwrap());
    sim.get(&format!("{graph}/v23.0/me"), &long, &[]).await.ok();

    let sim = &sim;
    let refresh_url = format!("{graph}/refresh_access_token");
    let refresh_url = &refresh_url;
    let refresh = |token: Secret| async move {
        sim.get(refresh_url, &token, &[("grant_type", "ig_refresh_token")])
            .await
    };
    assert_eq!(
        refresh(short.clone()).await.graph_error().0,
        100,
        "short-lived tokens cannot be refreshed"
    );
    assert_eq!(
        refresh(long.clone()).await.graph_error().0,
        100,
        "younger than 24 hours"
    );
    sim.advance(24 * 3600);
    assert_eq!(
        refresh(short.clone()).await.graph_error(),
        (190, Some(463)),
        "the short-lived token expired after an hour"
    );
    let refreshed = refresh(long.clone()).await;
    assert_eq!(refreshed.ok()["expires_in"], 5_184_000);
    let refreshed = Secret::from(refreshed.ok()["access_token"].as_str().unwrap());
    sim.advance(59 * 24 * 3600);
    assert_eq!(
        refresh(long).await.graph_error(),
        (190, Some(463)),
        "60 days unrefreshed: dead"
    );
    sim.get(&format!("{graph}/v23.0/me"), &refreshed, &[])
        .await
        .ok();
}

#[tokio::test]
async fn facebook_login_code_exchange_long_lived_then_page_token() {
    let sim = Sim::with(SandboxConfig::default()).await;
    let page = sim.account(Platform::Facebook, "acme-page");
    let app = SandboxConfig::default().apps.facebook;
    let urls = sim.sb.urls().clone();
    let dialog = format!("{}/v23.0/dialog/oauth", urls.facebook_www);
    let q = [
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("state", "xyz"),
        (
            "scope",
            "pages_show_list,pages_manage_posts,pages_read_engagement",
        ),
    ];
    let pairs = authorize(&sim, &dialog, &q).await;
    let token_url = format!("{}/v23.0/oauth/access_token", urls.facebook_graph);
    let code = param(&pairs, "code").to_owned();
    let mismatch = reply(
        sim.http
            .get(&token_url)
            .query(&[
                ("client_id", app.client_id.as_str()),
                ("client_secret", &app.client_secret),
                ("redirect_uri", "http://127.0.0.1:9/other"),
                ("code", &code),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(mismatch.graph_error(), (100, Some(36008)));
    let r = reply(
        sim.http
            .get(&token_url)
            .query(&[
                ("client_id", app.client_id.as_str()),
                ("client_secret", &app.client_secret),
                ("redirect_uri", REDIRECT),
                ("code", &code),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.ok()["expires_in"], 3600);
    let short = r.ok()["access_token"].as_str().unwrap().to_owned();
    let again = reply(
        sim.http
            .get(&token_url)
            .query(&[
                ("client_id", app.client_id.as_str()),
                ("client_secret", &app.client_secret),
                ("redirect_uri", REDIRECT),
                ("code", &code),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        again.graph_error(),
        (100, Some(36009)),
        "codes are single use"
    );
    let long = reply(
        sim.http
            .get(&token_url)
            .query(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", app.client_id.as_str()),
                ("client_secret", &app.client_secret),
                ("fb_exchange_token", &short),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(long.ok()["expires_in"], 5_184_000);
    let long = Secret::from(long.ok()["access_token"].as_str().unwrap());
    let accounts = sim
        .get(
            &format!("{}/v23.0/me/accounts", urls.facebook_graph),
            &long,
            &[],
        )
        .await;
    let page_token = Secret::from(accounts.ok()["data"][0]["access_token"].as_str().unwrap());
    sim.post(
        &format!("{}/v23.0/{}/feed", urls.facebook_graph, page.id),
        &page_token,
        &[("message", "logged in")],
    )
    .await
    .id();
    sim.advance(2 * 3600);
    let expired = reply(
        sim.http
            .get(&token_url)
            .query(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", app.client_id.as_str()),
                ("client_secret", &app.client_secret),
                ("fb_exchange_token", &short),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        expired.graph_error(),
        (190, Some(463)),
        "expired tokens cannot be exchanged"
    );
}

#[tokio::test]
async fn threads_login_and_refresh() {
    let sim = Sim::with(SandboxConfig::default()).await;
    let acct = sim.account(Platform::Threads, "acme");
    let app = SandboxConfig::default().apps.threads;
    let urls = sim.sb.urls().clone();
    let q = [
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "threads_basic,threads_content_publish"),
    ];
    let pairs = authorize(&sim, &format!("{}/oauth/authorize", urls.threads_www), &q).await;
    let r = form(
        &sim,
        &format!("{}/oauth/access_token", urls.threads_graph),
        &[
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code", param(&pairs, "code")),
        ],
    )
    .await;
    assert_eq!(r.ok()["user_id"], acct.id.as_str());
    let short = Secret::from(r.ok()["access_token"].as_str().unwrap());
    let long = sim
        .get(
            &format!("{}/access_token", urls.threads_graph),
            &short,
            &[
                ("grant_type", "th_exchange_token"),
                ("client_secret", &app.client_secret),
            ],
        )
        .await;
    let long = Secret::from(long.ok()["access_token"].as_str().unwrap());
    let refresh_url = format!("{}/refresh_access_token", urls.threads_graph);
    let refresh = || sim.get(&refresh_url, &long, &[("grant_type", "th_refresh_token")]);
    assert_eq!(refresh().await.graph_error().0, 100);
    sim.advance(25 * 3600);
    assert_eq!(refresh().await.ok()["expires_in"], 5_184_000);
    let bad_scope = authorize(
        &sim,
        &format!("{}/oauth/authorize", urls.threads_www),
        &[
            ("client_id", app.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "business_basic"),
        ],
    )
    .await;
    assert_eq!(param(&bad_scope, "error"), "invalid_scope");
}

fn pkce() -> (String, String) {
    let verifier = "a-sandbox-code-verifier-of-enough-length-0123456789".to_owned();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

#[tokio::test]
async fn tiktok_pkce_login_refresh_rotation_and_revoke() {
    let sim = Sim::with(SandboxConfig::default()).await;
    let acct = sim.account(Platform::Tiktok, "acme");
    let app = SandboxConfig::default().apps.tiktok;
    let urls = sim.sb.urls().clone();
    let (verifier, challenge) = pkce();
    let authorize_url = format!("{}/v2/auth/authorize/", urls.tiktok_www);
    let base = [
        ("client_key", app.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "user.info.basic,video.publish"),
    ];
    let no_state = authorize(
        &sim,
        &authorize_url,
        &[
            &base[..],
            &[
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
        ]
        .concat(),
    )
    .await;
    assert_eq!(param(&no_state, "error"), "invalid_request");
    let no_pkce = authorize(
        &sim,
        &authorize_url,
        &[&base[..], &[("state", "st")]].concat(),
    )
    .await;
    assert_eq!(param(&no_pkce, "error"), "invalid_request");
    let q = [
        &base[..],
        &[
            ("state", "st"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    ]
    .concat();
    let pairs = authorize(&sim, &authorize_url, &q).await;
    assert_eq!(param(&pairs, "state"), "st");
    assert_eq!(param(&pairs, "scopes"), "user.info.basic,video.publish");
    let code = param(&pairs, "code").to_owned();

    let token_url = format!("{}/v2/oauth/token/", urls.tiktok_api);
    let exchange = |verifier: &str| {
        let f = [
            ("client_key", app.client_id.clone()),
            ("client_secret", app.client_secret.clone()),
            ("code", code.clone()),
            ("grant_type", "authorization_code".into()),
            ("redirect_uri", REDIRECT.into()),
            ("code_verifier", verifier.to_owned()),
        ];
        sim.http.post(&token_url).form(&f).send()
    };
    let wrong = reply(exchange("not-the-verifier").await.unwrap()).await;
    assert_eq!(
        (wrong.status, wrong.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(wrong.body["log_id"].is_string());
    let code_after_wrong = reply(exchange(&verifier).await.unwrap()).await;
    assert_eq!(
        code_after_wrong.body["error"], "invalid_grant",
        "a code is spent even by a failed exchange"
    );

    let pairs = authorize(&sim, &authorize_url, &q).await;
    let code = param(&pairs, "code").to_owned();
    let f = [
        ("client_key", app.client_id.as_str()),
        ("client_secret", &app.client_secret),
        ("code", &code),
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &verifier),
    ];
    let tokens = form(&sim, &token_url, &f).await;
    let t = tokens.ok();
    assert_eq!(t["open_id"], acct.id.as_str());
    assert_eq!(
        (t["expires_in"].as_i64(), t["refresh_expires_in"].as_i64()),
        (Some(7200), Some(15_552_000))
    );
    assert_eq!(t["token_type"], "Bearer");
    let access = Secret::from(t["access_token"].as_str().unwrap());
    let refresh1 = t["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        sim.tiktok("/v2/post/publish/creator_info/query/", &access, json!({}))
            .await
            .tiktok_code(),
        "ok"
    );

    let refresh = |token: String| {
        let f = [
            ("client_key", app.client_id.clone()),
            ("client_secret", app.client_secret.clone()),
            ("grant_type", "refresh_token".into()),
            ("refresh_token", token),
        ];
        let request = sim.http.post(&token_url).form(&f).send();
        async move { reply(request.await.unwrap()).await }
    };
    let r2 = refresh(refresh1.clone()).await;
    let refresh2 = r2.ok()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh2, refresh1);
    let old = refresh(refresh1).await;
    assert_eq!(
        old.body["error"], "invalid_grant",
        "the rotated-out refresh token is dead"
    );
    let access2 = Secret::from(r2.ok()["access_token"].as_str().unwrap());

    let revoked = form(
        &sim,
        &format!("{}/v2/oauth/revoke/", urls.tiktok_api),
        &[
            ("client_key", app.client_id.as_str()),
            ("client_secret", &app.client_secret),
            ("token", access2.expose()),
        ],
    )
    .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(
        sim.tiktok("/v2/post/publish/creator_info/query/", &access2, json!({}))
            .await
            .tiktok_code(),
        "access_token_invalid"
    );
    assert_eq!(
        refresh(refresh2).await.body["error"],
        "invalid_grant",
        "revoke ends the whole grant"
    );
    let bad_client = form(
        &sim,
        &token_url,
        &[
            ("client_key", "nope"),
            ("client_secret", "x"),
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
        ],
    )
    .await;
    assert_eq!(
        (bad_client.status, bad_client.body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}
