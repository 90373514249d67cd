//! Reading published objects the way Meta's official SDK does: the fields the real Graph API
//! returns (`media_url`, `thumbnail_url`, `like_count`, `comments_count`, Threads `media_url`)
//! and nested field selection (`children{media_type,id}`).

use postcal::platform::Platform;
use serde_json::json;

use super::strict_params::{ig_create, ig_get, ig_publish};
use super::util::Sim;

#[tokio::test]
async fn instagram_media_answer_the_fields_the_real_api_returns() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    let image = ig_create(&sim, &acct, &[("image_url", &sim.url("square.jpg"))])
        .await
        .id();
    let reel = ig_create(
        &sim,
        &acct,
        &[
            ("media_type", "REELS"),
            ("video_url", &sim.url("reel.mp4")),
            ("cover_url", &sim.url("cover.jpg")),
        ],
    )
    .await
    .id();
    sim.process().await;
    let image = ig_publish(&sim, &acct, &image).await;
    let reel = ig_publish(&sim, &acct, &reel).await;
    let fields = "media_url,thumbnail_url,like_count,comments_count,media_type";
    let m = ig_get(&sim, &acct, &image, fields).await;
    let m = m.ok();
    assert_eq!(m["media_url"], sim.url("square.jpg"));
    assert_eq!(
        (m["like_count"].as_i64(), m["comments_count"].as_i64()),
        (Some(0), Some(0))
    );
    assert!(
        m.get("thumbnail_url").is_none(),
        "images have no thumbnail_url: {m}"
    );
    let r = ig_get(&sim, &acct, &reel, fields).await;
    let r = r.ok();
    assert_eq!(r["media_url"], sim.url("reel.mp4"));
    assert_eq!(r["thumbnail_url"], sim.url("cover.jpg"));
    assert_eq!(r["media_type"], "VIDEO");
}

#[tokio::test]
async fn nested_field_selection_selects_inside_children() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    let a = ig_create(
        &sim,
        &acct,
        &[
            ("image_url", &sim.url("square.jpg")),
            ("is_carousel_item", "true"),
        ],
    )
    .await
    .id();
    let b = ig_create(
        &sim,
        &acct,
        &[
            ("media_type", "VIDEO"),
            ("video_url", &sim.url("landscape.mp4")),
            ("is_carousel_item", "true"),
        ],
    )
    .await
    .id();
    let parent = ig_create(
        &sim,
        &acct,
        &[
            ("media_type", "CAROUSEL"),
            ("children", &format!("{a},{b}")),
        ],
    )
    .await
    .id();
    sim.process().await;
    let album = ig_publish(&sim, &acct, &parent).await;
    let m = ig_get(
        &sim,
        &acct,
        &album,
        "media_type,children{media_type,id,media_url}",
    )
    .await;
    let children = m.ok()["children"]["data"].as_array().unwrap().clone();
    let types: Vec<&str> = children
        .iter()
        .map(|c| c["media_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["IMAGE", "VIDEO"]);
    assert_eq!(children[0]["media_url"], sim.url("square.jpg"));
    assert!(children.iter().all(|c| c["id"].is_string()));
    let plain = ig_get(&sim, &acct, &album, "children").await;
    assert_eq!(
        plain.ok()["children"]["data"][0].as_object().unwrap().len(),
        1,
        "without a nested selection children show their id only: {}",
        plain.body
    );
    let bad = ig_get(&sim, &acct, &album, "children{nope}").await;
    assert_eq!(
        bad.graph_error().0,
        100,
        "unknown nested fields are refused"
    );
    let listed = ig_get(
        &sim,
        &acct,
        &format!("{}/media", acct.id),
        "children{media_type}",
    )
    .await;
    assert_eq!(
        listed.ok()["data"][0]["children"]["data"][1]["media_type"],
        "VIDEO"
    );
}

#[tokio::test]
async fn threads_posts_answer_media_url() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Threads, "acme");
    let base = format!("{}/v1.0", sim.sb.urls().threads_graph);
    let c = sim
        .post(
            &format!("{base}/{}/threads", acct.id),
            &acct.access_token,
            &[
                ("media_type", "IMAGE"),
                ("image_url", &sim.url("photo.png")),
            ],
        )
        .await
        .id();
    sim.process().await;
    let post = sim
        .post(
            &format!("{base}/{}/threads_publish", acct.id),
            &acct.access_token,
            &[("creation_id", &c)],
        )
        .await
        .id();
    let p = sim
        .get(
            &format!("{base}/{post}"),
            &acct.access_token,
            &[("fields", "media_url,media_type,children{id}")],
        )
        .await;
    assert_eq!(
        p.ok(),
        &json!({ "id": post, "media_url": sim.url("photo.png"), "media_type": "IMAGE" })
    );
}
