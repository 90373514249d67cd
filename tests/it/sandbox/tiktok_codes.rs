//! TikTok's documented error codes for status look-ups: `invalid_publish_id`,
//! `token_not_authorized_for_specified_publish_id`, and `invalid_params` (plural) for bad
//! fields (TT-STATUS, TikTok's v2 error page).

use postcal::platform::Platform;
use serde_json::json;

use super::util::Sim;

#[tokio::test]
async fn status_of_an_unknown_or_foreign_publish_id_uses_the_documented_codes() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Tiktok, "acme");
    let init = sim
        .tiktok(
            "/v2/post/publish/video/init/",
            &acct.access_token,
            json!({
                "post_info": { "privacy_level": "SELF_ONLY" },
                "source_info": { "source": "PULL_FROM_URL", "video_url": sim.url("reel.mp4") }
            }),
        )
        .await;
    let id = init.body["data"]["publish_id"].as_str().unwrap().to_owned();
    let status = |body: serde_json::Value| {
        sim.tiktok("/v2/post/publish/status/fetch/", &acct.access_token, body)
    };
    let unknown = status(json!({ "publish_id": "v_pub_url~v2-1.0" })).await;
    assert_eq!(
        (unknown.status, unknown.tiktok_code().as_str()),
        (400, "invalid_publish_id")
    );
    let other = sim.account(Platform::Tiktok, "other");
    let foreign = sim
        .tiktok(
            "/v2/post/publish/status/fetch/",
            &other.access_token,
            json!({ "publish_id": id }),
        )
        .await;
    assert_eq!(
        (foreign.status, foreign.tiktok_code().as_str()),
        (400, "token_not_authorized_for_specified_publish_id")
    );
    let missing = status(json!({})).await;
    assert_eq!(
        (missing.status, missing.tiktok_code().as_str()),
        (400, "invalid_params"),
        "bad fields are invalid_params (plural, TikTok's v2 error page)"
    );
}
