//! Facebook Page publishing: feed, multi-photo, scheduled posts, photos, videos, Page tokens
//! (docs/platform-rules.md §3).

use postcal::platform::Platform;
use postcal::sandbox::{SandboxConfig, SeededAccount};

use super::util::{Reply, Sim, media_bytes, sha256, t0};

struct Fb {
    sim: Sim,
    page: SeededAccount,
}

impl Fb {
    async fn start() -> Self {
        let sim = Sim::with(SandboxConfig::default()).await;
        let page = sim.account(Platform::Facebook, "acme-page");
        Self { sim, page }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v23.0/{path}", self.sim.sb.urls().facebook_graph)
    }

    async fn post(&self, edge: &str, form: &[(&str, &str)]) -> Reply {
        self.sim
            .post(
                &self.url(&format!("{}/{edge}", self.page.id)),
                &self.page.access_token,
                form,
            )
            .await
    }

    async fn read(&self, id: &str, fields: &str) -> serde_json::Value {
        self.sim
            .get(
                &self.url(id),
                &self.page.access_token,
                &[("fields", fields)],
            )
            .await
            .ok()
            .clone()
    }
}

#[tokio::test]
async fn feed_post_with_a_link_is_published_and_readable() {
    let fb = Fb::start().await;
    let id = fb
        .post(
            "feed",
            &[
                ("message", "Hello Page"),
                ("link", "https://example.com/launch"),
            ],
        )
        .await
        .id();
    let (page, n) = id.split_once('_').expect("page-scoped post id");
    assert_eq!(page, fb.page.id);
    assert!(n.bytes().all(|b| b.is_ascii_digit()));
    let post = fb
        .read(&id, "message,created_time,is_published,permalink_url")
        .await;
    assert_eq!(post["message"], "Hello Page");
    assert_eq!(post["is_published"], true);
    assert_eq!(post["created_time"], "2026-11-22T09:00:00+0000");
    let e = &fb.sim.sb.ledger()[0];
    assert_eq!((e.kind.as_str(), e.post_id.as_str()), ("FEED", id.as_str()));
    assert_eq!(e.options["link"], "https://example.com/launch");
    assert_eq!(
        fb.post("feed", &[]).await.graph_error().0,
        100,
        "a post needs a message or an attachment"
    );
}

#[tokio::test]
async fn multi_photo_post_attaches_unpublished_photos_once() {
    let fb = Fb::start().await;
    let mut ids = Vec::new();
    for file in ["square.jpg", "photo.png"] {
        let r = fb
            .post(
                "photos",
                &[("url", &fb.sim.url(file)), ("published", "false")],
            )
            .await;
        assert!(
            r.ok().get("post_id").is_none(),
            "an unpublished photo has no post"
        );
        ids.push(r.id());
    }
    assert!(
        fb.sim.sb.ledger().is_empty(),
        "unpublished photos are not posts"
    );
    let attached =
        serde_json::json!([{ "media_fbid": ids[0] }, { "media_fbid": ids[1] }]).to_string();
    let post = fb
        .post(
            "feed",
            &[("message", "Two photos"), ("attached_media", &attached)],
        )
        .await
        .id();
    let e = &fb.sim.sb.ledger()[0];
    assert_eq!(e.post_id, post);
    assert_eq!(
        e.media.iter().map(|m| m.sha256.clone()).collect::<Vec<_>>(),
        [
            sha256(&media_bytes("square.jpg")),
            sha256(&media_bytes("photo.png"))
        ]
    );
    // The indexed form spelling works too, and a photo cannot be attached twice.
    let again = fb
        .post(
            "feed",
            &[
                ("message", "Again"),
                (
                    "attached_media[0]",
                    &format!("{{\"media_fbid\":\"{}\"}}", ids[0]),
                ),
            ],
        )
        .await;
    assert_eq!(again.graph_error().0, 100);
    let third = fb
        .post(
            "photos",
            &[("url", &fb.sim.url("portrait.jpg")), ("published", "false")],
        )
        .await
        .id();
    fb.post(
        "feed",
        &[(
            "attached_media[0]",
            &format!("{{\"media_fbid\":\"{third}\"}}"),
        )],
    )
    .await
    .id();
    assert_eq!(fb.sim.sb.ledger().len(), 2);
}

#[tokio::test]
async fn scheduled_post_is_in_the_ledger_for_its_time_and_becomes_visible_then() {
    let fb = Fb::start().await;
    let at = (t0() + chrono::Duration::hours(2)).timestamp().to_string();
    let id = fb
        .post(
            "feed",
            &[
                ("message", "Later"),
                ("published", "false"),
                ("scheduled_publish_time", &at),
            ],
        )
        .await
        .id();
    let e = &fb.sim.sb.ledger()[0];
    assert_eq!(e.published_at, t0() + chrono::Duration::hours(2));
    assert_eq!(e.committed_at, t0());
    assert_eq!(fb.read(&id, "is_published").await["is_published"], false);
    fb.sim.advance(2 * 3600);
    assert_eq!(fb.read(&id, "is_published").await["is_published"], true);

    // ISO 8601 is accepted; the window is 10 minutes to 30 days ahead.
    let iso = (fb.sim.clock_now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%S%z")
        .to_string();
    fb.post(
        "feed",
        &[
            ("message", "ISO"),
            ("published", "false"),
            ("scheduled_publish_time", &iso),
        ],
    )
    .await
    .id();
    for ahead in [chrono::Duration::minutes(5), chrono::Duration::days(31)] {
        let t = (fb.sim.clock_now() + ahead).timestamp().to_string();
        let r = fb
            .post(
                "feed",
                &[
                    ("message", "x"),
                    ("published", "false"),
                    ("scheduled_publish_time", &t),
                ],
            )
            .await;
        assert_eq!(r.graph_error().0, 100, "{ahead}");
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("scheduled publish time is invalid")
        );
    }
    let published_with_time = fb
        .post("feed", &[("message", "x"), ("scheduled_publish_time", &at)])
        .await;
    assert_eq!(published_with_time.graph_error().0, 100);
    assert_eq!(fb.sim.sb.ledger().len(), 2);
}

#[tokio::test]
async fn single_photo_and_video_posts() {
    let fb = Fb::start().await;
    let r = fb
        .post(
            "photos",
            &[("url", &fb.sim.url("square.jpg")), ("caption", "A photo")],
        )
        .await;
    let post_id = r.ok()["post_id"].as_str().unwrap().to_owned();
    assert!(post_id.starts_with(&format!("{}_", fb.page.id)));
    let video = fb
        .post(
            "videos",
            &[
                ("file_url", &fb.sim.url("reel.mp4")),
                ("description", "A video"),
            ],
        )
        .await
        .id();
    assert_eq!(
        fb.read(&video, "description,status").await["status"]["video_status"],
        "ready"
    );
    let kinds: Vec<_> = fb.sim.sb.ledger().iter().map(|e| e.kind.clone()).collect();
    assert_eq!(kinds, ["PHOTO", "VIDEO"]);
    let bad = fb
        .post("videos", &[("file_url", &super::util::dead_url())])
        .await;
    assert_eq!(bad.graph_error().0, 389);
    let not_video = fb
        .post("videos", &[("file_url", &fb.sim.url("square.jpg"))])
        .await;
    assert_eq!(not_video.graph_error().0, 352);
}

#[tokio::test]
async fn pages_are_posted_to_with_a_page_token_from_me_accounts() {
    let fb = Fb::start().await;
    let user_token = fb.page.facebook_user_token.clone().unwrap();
    let as_user = fb
        .sim
        .post(
            &fb.url(&format!("{}/feed", fb.page.id)),
            &user_token,
            &[("message", "x")],
        )
        .await;
    assert_eq!(
        as_user.graph_error().0,
        200,
        "a user token cannot post as the Page"
    );
    let accounts = fb.sim.get(&fb.url("me/accounts"), &user_token, &[]).await;
    let page = &accounts.ok()["data"][0];
    assert_eq!(page["id"], fb.page.id.as_str());
    let page_token = postcal::sandbox::Secret::from(page["access_token"].as_str().unwrap());
    fb.sim
        .post(
            &fb.url(&format!("{}/feed", fb.page.id)),
            &page_token,
            &[("message", "via /me/accounts")],
        )
        .await
        .id();
    let other = fb.sim.account(Platform::Facebook, "other-page");
    let foreign = fb
        .sim
        .post(
            &fb.url(&format!("{}/feed", fb.page.id)),
            &other.access_token,
            &[("message", "x")],
        )
        .await;
    assert_eq!(foreign.graph_error(), (100, Some(33)));
}
