//! Instagram and Threads parameters whose documented spelling or interplay is strict:
//! `media_type` values are upper case only, and a reel's `cover_url` makes Instagram ignore
//! `thumb_offset` (docs/platform-rules.md §1.2).

use postcal::platform::Platform;
use postcal::sandbox::SeededAccount;

use super::util::{Reply, Sim};

pub async fn ig_create(sim: &Sim, acct: &SeededAccount, form: &[(&str, &str)]) -> Reply {
    let url = format!("{}/v23.0/{}/media", sim.sb.urls().instagram_graph, acct.id);
    sim.post(&url, &acct.access_token, form).await
}

pub async fn ig_publish(sim: &Sim, acct: &SeededAccount, container: &str) -> String {
    let url = format!(
        "{}/v23.0/{}/media_publish",
        sim.sb.urls().instagram_graph,
        acct.id
    );
    sim.post(&url, &acct.access_token, &[("creation_id", container)])
        .await
        .id()
}

pub async fn ig_get(sim: &Sim, acct: &SeededAccount, path: &str, fields: &str) -> Reply {
    let url = format!("{}/v23.0/{path}", sim.sb.urls().instagram_graph);
    sim.get(&url, &acct.access_token, &[("fields", fields)])
        .await
}

#[tokio::test]
async fn media_type_values_are_upper_case_only() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    for media_type in ["reels", "Reels", "stories", "carousel", "image"] {
        let r = ig_create(
            &sim,
            &acct,
            &[
                ("media_type", media_type),
                ("video_url", &sim.url("reel.mp4")),
            ],
        )
        .await;
        assert_eq!(r.graph_error(), (100, Some(2207023)), "{media_type}");
    }
    ig_create(
        &sim,
        &acct,
        &[("media_type", "REELS"), ("video_url", &sim.url("reel.mp4"))],
    )
    .await
    .id();
}

#[tokio::test]
async fn threads_media_type_values_are_upper_case_only() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Threads, "acme");
    let url = format!("{}/v1.0/{}/threads", sim.sb.urls().threads_graph, acct.id);
    let lower = sim
        .post(
            &url,
            &acct.access_token,
            &[("media_type", "text"), ("text", "hi")],
        )
        .await;
    assert_eq!(lower.graph_error().0, 100);
    sim.post(
        &url,
        &acct.access_token,
        &[("media_type", "TEXT"), ("text", "hi")],
    )
    .await
    .id();
}

#[tokio::test]
async fn a_cover_url_makes_instagram_ignore_thumb_offset() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    // 10,000 ms is past the end of the 10 s reel: an error without a cover (2207057).
    let c = ig_create(
        &sim,
        &acct,
        &[
            ("media_type", "REELS"),
            ("video_url", &sim.url("reel.mp4")),
            ("cover_url", &sim.url("cover.jpg")),
            ("thumb_offset", "10000"),
        ],
    )
    .await
    .id();
    sim.process().await;
    let s = ig_get(&sim, &acct, &c, "status_code,status").await;
    assert_eq!(s.ok()["status_code"], "FINISHED", "{}", s.body);
    ig_publish(&sim, &acct, &c).await;
    let e = &sim.sb.ledger()[0];
    assert!(
        !e.options.contains_key("thumb_offset"),
        "the offset was ignored: {:?}",
        e.options
    );
    assert_eq!(e.options["cover_url"], sim.url("cover.jpg"));
}
