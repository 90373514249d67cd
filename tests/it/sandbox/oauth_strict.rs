//! Token endpoints at their strict reading: TikTok's take form bodies only, and Meta's
//! long-lived exchange takes only short-lived tokens (docs/platform-rules.md §6).

use postcal::platform::Platform;
use postcal::sandbox::{SandboxConfig, Secret};
use serde_json::json;

use super::oauth::form;
use super::util::{Sim, reply};

#[tokio::test]
async fn tiktok_token_and_revoke_take_only_a_form_body() {
    let sim = Sim::with(SandboxConfig::default()).await;
    let acct = sim.account(Platform::Tiktok, "acme");
    let app = SandboxConfig::default().apps.tiktok;
    let urls = sim.sb.urls().clone();
    let refresh = acct.refresh_token.clone().unwrap();
    let fields = [
        ("client_key", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.expose()),
    ];
    let token_url = format!("{}/v2/oauth/token/", urls.tiktok_api);
    let as_json: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let json_body = reply(
        sim.http
            .post(&token_url)
            .json(&as_json)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (json_body.status, json_body.body["error"].as_str()),
        (400, Some("invalid_request")),
        "TikTok documents application/x-www-form-urlencoded only"
    );
    let urlencoded: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let untyped = reply(
        sim.http
            .post(&token_url)
            .body(urlencoded.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(untyped.body["error"], "invalid_request", "no Content-Type");
    let rotated = form(&sim, &token_url, &fields).await;
    let access = rotated.ok()["access_token"].as_str().unwrap().to_owned();

    let revoke_url = format!("{}/v2/oauth/revoke/", urls.tiktok_api);
    let revoke =
        json!({ "client_key": app.client_id, "client_secret": app.client_secret, "token": access });
    let json_revoke = reply(
        sim.http
            .post(&revoke_url)
            .json(&revoke)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (json_revoke.status, json_revoke.body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert_eq!(
        sim.tiktok(
            "/v2/post/publish/creator_info/query/",
            &Secret::from(access.as_str()),
            json!({})
        )
        .await
        .tiktok_code(),
        "ok",
        "a refused revoke revokes nothing"
    );
}

#[tokio::test]
async fn only_short_lived_tokens_are_exchanged_for_long_lived_ones() {
    let sim = Sim::with(SandboxConfig::default()).await;
    let apps = SandboxConfig::default().apps;
    let urls = sim.sb.urls().clone();
    // Seeded tokens are long-lived, as after a finished login.
    let ig = sim.account(Platform::Instagram, "acme");
    let r = sim
        .get(
            &format!("{}/access_token", urls.instagram_graph),
            &ig.access_token,
            &[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", &apps.instagram.client_secret),
            ],
        )
        .await;
    assert_eq!(
        r.graph_error().0,
        100,
        "ig_exchange_token takes a short-lived token"
    );
    let th = sim.account(Platform::Threads, "acme-threads");
    let r = sim
        .get(
            &format!("{}/access_token", urls.threads_graph),
            &th.access_token,
            &[
                ("grant_type", "th_exchange_token"),
                ("client_secret", &apps.threads.client_secret),
            ],
        )
        .await;
    assert_eq!(
        r.graph_error().0,
        100,
        "th_exchange_token takes a short-lived token"
    );
}
