//! Threads publishing flows and errors (docs/platform-rules.md §4).

use postcal::platform::Platform;
use postcal::sandbox::{SandboxConfig, SeededAccount};
use serde_json::Value;

use super::util::{Reply, Sim, dead_url, media_bytes, sha256};

struct Th {
    sim: Sim,
    acct: SeededAccount,
}

impl Th {
    async fn with(config: SandboxConfig) -> Self {
        let sim = Sim::with(config).await;
        let acct = sim.account(Platform::Threads, "acme");
        Self { sim, acct }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1.0/{path}", self.sim.sb.urls().threads_graph)
    }

    async fn create(&self, form: &[(&str, &str)]) -> Reply {
        self.sim
            .post(
                &self.url(&format!("{}/threads", self.acct.id)),
                &self.acct.access_token,
                form,
            )
            .await
    }

    async fn publish(&self, container: &str) -> Reply {
        let url = self.url(&format!("{}/threads_publish", self.acct.id));
        self.sim
            .post(&url, &self.acct.access_token, &[("creation_id", container)])
            .await
    }

    async fn get(&self, id: &str, fields: &str) -> Value {
        self.sim
            .get(
                &self.url(id),
                &self.acct.access_token,
                &[("fields", fields)],
            )
            .await
            .ok()
            .clone()
    }
}

#[tokio::test]
async fn text_post_is_ready_at_once_and_reads_back_as_a_text_post() {
    let th = Th::with(SandboxConfig::default()).await;
    let c = th
        .create(&[
            ("media_type", "TEXT"),
            ("text", "Hello Threads 👋"),
            ("topic_tag", "launch"),
        ])
        .await
        .id();
    assert_eq!(
        th.get(&c, "status,error_message").await["status"],
        "FINISHED"
    );
    let post = th.publish(&c).await.id();
    let p = th
        .get(
            &post,
            "id,media_product_type,media_type,permalink,text,timestamp,username",
        )
        .await;
    assert_eq!(p["media_product_type"], "THREADS");
    assert_eq!(p["media_type"], "TEXT_POST");
    assert_eq!(p["text"], "Hello Threads 👋");
    assert_eq!(p["timestamp"], "2026-11-22T09:00:00+0000");
    assert!(
        p["permalink"]
            .as_str()
            .unwrap()
            .starts_with("https://www.threads.net/@acme/post/")
    );
    assert_eq!(th.get(&c, "status").await["status"], "PUBLISHED");
    let e = &th.sim.sb.ledger()[0];
    assert_eq!(
        (e.kind.as_str(), e.text.as_deref()),
        ("TEXT", Some("Hello Threads 👋"))
    );
    assert_eq!(e.options["topic_tag"], "launch");
    // A published container does not publish twice.
    assert_eq!(th.publish(&c).await.graph_error().0, 9007);
    assert_eq!(th.sim.sb.ledger().len(), 1);
}

#[tokio::test]
async fn carousel_of_image_and_video_publishes_as_one_album() {
    let th = Th::with(SandboxConfig::default()).await;
    let a = th
        .create(&[
            ("media_type", "IMAGE"),
            ("image_url", &th.sim.url("photo.png")),
            ("is_carousel_item", "true"),
        ])
        .await
        .id();
    let b = th
        .create(&[
            ("media_type", "VIDEO"),
            ("video_url", &th.sim.url("reel.mp4")),
            ("is_carousel_item", "true"),
        ])
        .await
        .id();
    let parent = th
        .create(&[
            ("media_type", "CAROUSEL"),
            ("children", &format!("{a},{b}")),
            ("text", "Album"),
        ])
        .await
        .id();
    assert_eq!(
        th.publish(&parent).await.graph_error().0,
        9007,
        "children still processing"
    );
    th.sim.process().await;
    let post = th.publish(&parent).await.id();
    let p = th.get(&post, "media_type,children").await;
    assert_eq!(p["media_type"], "CAROUSEL_ALBUM");
    assert_eq!(p["children"]["data"].as_array().unwrap().len(), 2);
    let e = &th.sim.sb.ledger()[0];
    assert_eq!(e.kind, "CAROUSEL");
    assert_eq!(
        e.media[0].sha256,
        sha256(&media_bytes("photo.png")),
        "Threads accepts PNG"
    );
    let one = th
        .create(&[("media_type", "CAROUSEL"), ("children", &a)])
        .await;
    assert_eq!(one.graph_error().0, 100, "a carousel needs 2 to 20 items");
}

#[tokio::test]
async fn text_limits_count_emoji_as_bytes_and_links_up_to_five() {
    let th = Th::with(SandboxConfig::default()).await;
    let ok = "a".repeat(496) + "😀"; // 496 + 4 bytes = 500
    th.create(&[("media_type", "TEXT"), ("text", &ok)])
        .await
        .id();
    let over = "a".repeat(497) + "😀";
    assert_eq!(
        th.create(&[("media_type", "TEXT"), ("text", &over)])
            .await
            .graph_error()
            .0,
        100
    );
    let links = (1..=6)
        .map(|i| format!("https://e{i}.example/"))
        .collect::<Vec<_>>()
        .join(" ");
    let r = th.create(&[("media_type", "TEXT"), ("text", &links)]).await;
    assert_eq!(r.graph_error().0, 100);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("THREADS_API__LINK_LIMIT_EXCEEDED")
    );
    let five = (1..=4)
        .map(|i| format!("https://e{i}.example/"))
        .collect::<Vec<_>>()
        .join(" ");
    th.create(&[
        ("media_type", "TEXT"),
        ("text", &five),
        ("link_attachment", "https://e5.example/"),
    ])
    .await
    .id();
}

#[tokio::test]
async fn failed_downloads_show_in_the_container_status() {
    let th = Th::with(SandboxConfig::default()).await;
    let c = th
        .create(&[("media_type", "VIDEO"), ("video_url", &dead_url())])
        .await
        .id();
    th.sim.process().await;
    let s = th.get(&c, "status,error_message").await;
    assert_eq!(
        (s["status"].as_str(), s["error_message"].as_str()),
        (Some("ERROR"), Some("FAILED_DOWNLOADING_VIDEO"))
    );
    assert_eq!(th.publish(&c).await.graph_error().0, 100);
    assert!(th.sim.sb.ledger().is_empty());
}

#[tokio::test]
async fn the_publishing_limit_is_readable_and_enforced() {
    let mut config = SandboxConfig::default();
    config.threads.posts_per_24h = 1;
    let th = Th::with(config).await;
    let a = th
        .create(&[("media_type", "TEXT"), ("text", "one")])
        .await
        .id();
    let b = th
        .create(&[("media_type", "TEXT"), ("text", "two")])
        .await
        .id();
    th.publish(&a).await.id();
    let limit_url = th.url(&format!("{}/threads_publishing_limit", th.acct.id));
    let limit = th
        .sim
        .get(
            &limit_url,
            &th.acct.access_token,
            &[("fields", "quota_usage,config")],
        )
        .await;
    assert_eq!(limit.ok()["data"][0]["quota_usage"], 1);
    assert_eq!(limit.ok()["data"][0]["config"]["quota_total"], 1);
    assert_eq!(th.publish(&b).await.graph_error().0, 9);
    th.sim.advance(24 * 3600);
    assert_eq!(
        th.publish(&b).await.graph_error().0,
        100,
        "the container expired meanwhile"
    );
}

#[tokio::test]
async fn the_default_quota_is_250_posts() {
    let th = Th::with(SandboxConfig::default()).await;
    let limit_url = th.url(&format!("{}/threads_publishing_limit", th.acct.id));
    let limit = th
        .sim
        .get(&limit_url, &th.acct.access_token, &[("fields", "config")])
        .await;
    assert_eq!(limit.ok()["data"][0]["config"]["quota_total"], 250);
}
