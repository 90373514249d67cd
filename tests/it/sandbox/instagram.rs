//! Instagram publishing flows and their documented errors (docs/platform-rules.md §1).

use postcal::platform::Platform;
use postcal::sandbox::{SandboxConfig, SeededAccount};
use serde_json::Value;

use super::util::{Sim, dead_url, media_bytes, sha256};

struct Ig {
    sim: Sim,
    acct: SeededAccount,
}

impl Ig {
    async fn start() -> Self {
        Self::with(SandboxConfig::default()).await
    }

    async fn with(config: SandboxConfig) -> Self {
        let sim = Sim::with(config).await;
        let acct = sim.account(Platform::Instagram, "acme");
        Self { sim, acct }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v23.0/{path}", self.sim.sb.urls().instagram_graph)
    }

    async fn create(&self, form: &[(&str, &str)]) -> super::util::Reply {
        self.sim
            .post(
                &self.url(&format!("{}/media", self.acct.id)),
                &self.acct.access_token,
                form,
            )
            .await
    }

    async fn status(&self, container: &str) -> Value {
        let r = self
            .sim
            .get(
                &self.url(container),
                &self.acct.access_token,
                &[("fields", "status_code,status")],
            )
            .await;
        r.ok().clone()
    }

    async fn publish(&self, container: &str) -> super::util::Reply {
        let url = self.url(&format!("{}/media_publish", self.acct.id));
        self.sim
            .post(&url, &self.acct.access_token, &[("creation_id", container)])
            .await
    }

    async fn read(&self, media: &str) -> Value {
        let fields = "id,media_type,media_product_type,permalink,shortcode,timestamp,caption,username,children";
        self.sim
            .get(
                &self.url(media),
                &self.acct.access_token,
                &[("fields", fields)],
            )
            .await
            .ok()
            .clone()
    }
}

#[tokio::test]
async fn feed_image_is_processed_published_read_back_and_recorded() {
    let ig = Ig::start().await;
    let image = ig.sim.url("square.jpg");
    let c = ig
        .create(&[
            ("image_url", &image),
            ("caption", "Launch day #launch"),
            ("alt_text", "A desk"),
        ])
        .await
        .id();
    assert_eq!(ig.status(&c).await["status_code"], "IN_PROGRESS");
    ig.sim.sb.settle().await;
    assert_eq!(
        ig.status(&c).await["status_code"],
        "IN_PROGRESS",
        "the processing delay has not passed"
    );
    ig.sim.advance(5);
    assert_eq!(ig.status(&c).await["status_code"], "FINISHED");

    let media = ig.publish(&c).await.id();
    assert_ne!(media, c, "the published media gets its own id");
    assert!(media.bytes().all(|b| b.is_ascii_digit()));
    let m = ig.read(&media).await;
    assert_eq!(m["media_type"], "IMAGE");
    assert_eq!(m["media_product_type"], "FEED");
    assert_eq!(m["caption"], "Launch day #launch");
    assert_eq!(m["username"], "acme");
    assert_eq!(m["timestamp"], "2026-11-22T09:00:05+0000");
    assert!(
        m["permalink"]
            .as_str()
            .unwrap()
            .starts_with("https://www.instagram.com/p/")
    );
    assert_eq!(ig.status(&c).await["status_code"], "PUBLISHED");

    let ledger = ig.sim.sb.ledger();
    assert_eq!(ledger.len(), 1);
    let e = &ledger[0];
    assert_eq!(
        (e.post_id.as_str(), e.kind.as_str(), e.source.as_str()),
        (media.as_str(), "IMAGE", c.as_str())
    );
    assert_eq!(e.text.as_deref(), Some("Launch day #launch"));
    assert_eq!(e.media[0].sha256, sha256(&media_bytes("square.jpg")));
    assert_eq!(
        (
            e.media[0].format.as_str(),
            e.media[0].width,
            e.media[0].height
        ),
        ("jpeg", 1080, 1080)
    );
    assert_eq!(e.options["alt_text"], "A desk");

    let limit = ig
        .sim
        .get(
            &ig.url(&format!("{}/content_publishing_limit", ig.acct.id)),
            &ig.acct.access_token,
            &[("fields", "quota_usage,config")],
        )
        .await;
    assert_eq!(limit.ok()["data"][0]["quota_usage"], 1);
    assert_eq!(limit.ok()["data"][0]["config"]["quota_total"], 50);
    assert_eq!(limit.ok()["data"][0]["config"]["quota_duration"], 86400);
}

#[tokio::test]
async fn facebook_login_flavour_publishes_with_the_user_token_on_graph_facebook_com() {
    let ig = Ig::start().await;
    let fb_token = ig.acct.facebook_user_token.clone().unwrap();
    let base = format!("{}/v23.0/{}", ig.sim.sb.urls().facebook_graph, ig.acct.id);
    let c = ig
        .sim
        .post(
            &format!("{base}/media"),
            &fb_token,
            &[("image_url", &ig.sim.url("portrait.jpg"))],
        )
        .await
        .id();
    ig.sim.process().await;
    let media = ig
        .sim
        .post(
            &format!("{base}/media_publish"),
            &fb_token,
            &[("creation_id", &c)],
        )
        .await
        .id();
    let read = ig
        .sim
        .get(
            &format!("{}/v23.0/{media}", ig.sim.sb.urls().facebook_graph),
            &fb_token,
            &[("fields", "media_type")],
        )
        .await;
    assert_eq!(read.ok()["media_type"], "IMAGE");
    // Tokens belong to their host: an Instagram Login token means nothing to graph.facebook.com.
    let wrong = ig
        .sim
        .post(
            &format!("{base}/media"),
            &ig.acct.access_token,
            &[("image_url", "x")],
        )
        .await;
    assert_eq!(wrong.graph_error(), (190, None));
}

#[tokio::test]
async fn carousel_with_a_video_child_waits_for_its_children_and_publishes_as_one_post() {
    let ig = Ig::start().await;
    let image = ig
        .create(&[
            ("image_url", &ig.sim.url("square.jpg")),
            ("is_carousel_item", "true"),
        ])
        .await
        .id();
    let video = ig
        .create(&[
            ("media_type", "VIDEO"),
            ("video_url", &ig.sim.url("landscape.mp4")),
            ("is_carousel_item", "true"),
        ])
        .await
        .id();
    let children = format!("{image},{video}");
    let parent = ig
        .create(&[
            ("media_type", "CAROUSEL"),
            ("children", &children),
            ("caption", "Two things"),
        ])
        .await
        .id();
    ig.sim.advance(10);
    assert_eq!(
        ig.status(&parent).await["status_code"],
        "IN_PROGRESS",
        "the video child is still downloading or processing"
    );
    ig.sim.process().await;
    assert_eq!(ig.status(&parent).await["status_code"], "FINISHED");
    let media = ig.publish(&parent).await.id();
    let m = ig.read(&media).await;
    assert_eq!(m["media_type"], "CAROUSEL_ALBUM");
    assert_eq!(m["children"]["data"].as_array().unwrap().len(), 2);
    let ledger = ig.sim.sb.ledger();
    assert_eq!(ledger.len(), 1, "a carousel is one post");
    assert_eq!(ledger[0].kind, "CAROUSEL");
    let hashes: Vec<_> = ledger[0].media.iter().map(|m| m.sha256.clone()).collect();
    assert_eq!(
        hashes,
        [
            sha256(&media_bytes("square.jpg")),
            sha256(&media_bytes("landscape.mp4"))
        ]
    );
    // A child cannot be published on its own.
    assert_eq!(ig.publish(&image).await.graph_error().0, 100);
    // The children list is also accepted JSON-encoded, as the official SDK sends it.
    let a = ig
        .create(&[
            ("image_url", &ig.sim.url("square.jpg")),
            ("is_carousel_item", "true"),
        ])
        .await
        .id();
    let b = ig
        .create(&[
            ("image_url", &ig.sim.url("portrait.jpg")),
            ("is_carousel_item", "true"),
        ])
        .await
        .id();
    let json_children = format!("[\"{a}\",\"{b}\"]");
    ig.create(&[("media_type", "CAROUSEL"), ("children", &json_children)])
        .await
        .id();
}

#[tokio::test]
async fn carousel_rules_refuse_reels_inside_and_fewer_than_two_items() {
    let ig = Ig::start().await;
    let reel_child = ig
        .create(&[
            ("media_type", "REELS"),
            ("video_url", &ig.sim.url("reel.mp4")),
            ("is_carousel_item", "true"),
        ])
        .await;
    assert_eq!(reel_child.graph_error(), (100, Some(2207023)));
    let one = ig
        .create(&[
            ("image_url", &ig.sim.url("square.jpg")),
            ("is_carousel_item", "true"),
        ])
        .await
        .id();
    let parent = ig
        .create(&[("media_type", "CAROUSEL"), ("children", &one)])
        .await;
    assert_eq!(parent.graph_error(), (100, Some(2207028)));
    let foreign = ig
        .create(&[
            ("media_type", "CAROUSEL"),
            ("children", &format!("{one},123")),
        ])
        .await;
    assert_eq!(foreign.graph_error().0, 100);
    let captioned_child = ig
        .create(&[
            ("image_url", &ig.sim.url("square.jpg")),
            ("is_carousel_item", "true"),
            ("caption", "no"),
        ])
        .await;
    assert_eq!(captioned_child.graph_error().0, 100);
}

#[tokio::test]
async fn reel_reads_back_as_video_with_the_reels_product_type() {
    let ig = Ig::start().await;
    let form = [
        ("media_type", "REELS"),
        ("video_url", &ig.sim.url("reel.mp4")),
        ("cover_url", &ig.sim.url("cover.jpg")),
        ("share_to_feed", "true"),
        ("thumb_offset", "2000"),
        ("collaborators", "[\"friend_one\",\"friend_two\"]"),
        ("caption", "Reel"),
    ];
    let c = ig.create(&form).await.id();
    ig.sim.sb.settle().await;
    ig.sim.advance(29);
    assert_eq!(
        ig.status(&c).await["status_code"],
        "IN_PROGRESS",
        "videos take video_secs (30 s) to process"
    );
    ig.sim.advance(1);
    let media = ig.publish(&c).await.id();
    let m = ig.read(&media).await;
    assert_eq!(
        (m["media_type"].as_str(), m["media_product_type"].as_str()),
        (Some("VIDEO"), Some("REELS"))
    );
    assert!(m["permalink"].as_str().unwrap().contains("/reel/"));
    let e = &ig.sim.sb.ledger()[0];
    assert_eq!(e.kind, "REELS");
    assert_eq!(e.options["share_to_feed"], true);
    assert_eq!(
        e.options["collaborators"],
        serde_json::json!(["friend_one", "friend_two"])
    );
    assert_eq!(e.media.len(), 2, "the video and its cover");
    assert_eq!(e.media[0].duration_ms, Some(10_000));
}

#[tokio::test]
async fn media_problems_end_in_error_with_the_documented_subcodes() {
    let ig = Ig::start().await;
    let cases: Vec<(Vec<(&str, String)>, i64)> = vec![
        (vec![("image_url", ig.sim.url("photo.png"))], 2207005),
        (vec![("image_url", ig.sim.url("too-tall.jpg"))], 2207009),
        (vec![("image_url", dead_url())], 2207052),
        (vec![("image_url", ig.sim.url("missing.jpg"))], 2207052),
        (vec![("image_url", ig.sim.url("reel.mp4"))], 2207005),
        (
            vec![
                ("media_type", "REELS".into()),
                ("video_url", ig.sim.url("square.jpg")),
            ],
            2207026,
        ),
        (
            vec![
                ("media_type", "REELS".into()),
                ("video_url", ig.sim.url("reel.mp4")),
                ("thumb_offset", "10000".into()),
            ],
            2207057,
        ),
        (
            vec![
                ("media_type", "STORIES".into()),
                ("video_url", ig.sim.url("long.mp4")),
            ],
            2207026,
        ),
    ];
    for (form, subcode) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let c = ig.create(&form).await.id();
        ig.sim.process().await;
        let s = ig.status(&c).await;
        assert_eq!(s["status_code"], "ERROR", "{form:?}");
        assert!(
            s["status"].as_str().unwrap().contains(&subcode.to_string()),
            "{form:?}: {s}"
        );
        assert_eq!(
            ig.publish(&c).await.graph_error().1,
            Some(subcode),
            "{form:?}"
        );
    }
    assert!(ig.sim.sb.ledger().is_empty());
}

#[tokio::test]
async fn story_image_publishes_as_a_story() {
    let ig = Ig::start().await;
    let c = ig
        .create(&[
            ("media_type", "STORIES"),
            ("image_url", &ig.sim.url("story.jpg")),
            ("caption", "ignored"),
        ])
        .await
        .id();
    ig.sim.process().await;
    let media = ig.publish(&c).await.id();
    let m = ig.read(&media).await;
    assert_eq!(
        (m["media_type"].as_str(), m["media_product_type"].as_str()),
        (Some("IMAGE"), Some("STORY"))
    );
    assert!(m.get("caption").is_none(), "stories have no caption: {m}");
    assert_eq!(ig.sim.sb.ledger()[0].kind, "STORIES");
    assert_eq!(ig.sim.sb.ledger()[0].text, None);
    let delete = ig
        .sim
        .http
        .delete(ig.url(&media))
        .bearer_auth(ig.acct.access_token.expose());
    let delete = super::util::reply(delete.send().await.unwrap()).await;
    assert_eq!(
        delete.graph_error(),
        (100, Some(33)),
        "the sandbox deletes nothing"
    );
    let with_collab = ig
        .create(&[
            ("media_type", "STORIES"),
            ("image_url", &ig.sim.url("story.jpg")),
            ("collaborators", "a"),
        ])
        .await;
    assert_eq!(
        with_collab.graph_error().0,
        100,
        "no collaborators on stories"
    );
}

#[tokio::test]
async fn publishing_before_finished_fails_and_publishing_twice_makes_one_post() {
    let ig = Ig::start().await;
    let c = ig
        .create(&[("image_url", &ig.sim.url("square.jpg"))])
        .await
        .id();
    let early = ig.publish(&c).await;
    assert_eq!(early.graph_error(), (9007, Some(2207027)));
    assert_eq!(early.body["error"]["message"], "Media ID is not available");
    ig.sim.process().await;
    let first = ig.publish(&c).await.id();
    let again = ig.publish(&c).await;
    assert_eq!(
        again.graph_error(),
        (9007, Some(2207027)),
        "a published container is not publishable again"
    );
    assert_eq!(ig.sim.sb.ledger().len(), 1);
    assert_eq!(ig.sim.sb.ledger()[0].post_id, first);
    assert_eq!(ig.status(&c).await["status_code"], "PUBLISHED");
}

#[tokio::test]
async fn containers_expire_after_24_hours() {
    let ig = Ig::start().await;
    let c = ig
        .create(&[("image_url", &ig.sim.url("square.jpg"))])
        .await
        .id();
    ig.sim.process().await;
    ig.sim.advance(24 * 3600 - 61);
    assert_eq!(ig.status(&c).await["status_code"], "FINISHED");
    ig.sim.advance(1);
    assert_eq!(ig.status(&c).await["status_code"], "EXPIRED");
    assert_eq!(ig.publish(&c).await.graph_error(), (-2, Some(2207020)));
}

#[tokio::test]
async fn the_rolling_post_quota_refuses_then_frees_as_time_passes() {
    let mut config = SandboxConfig::default();
    config.instagram.posts_per_24h = 2;
    let ig = Ig::with(config).await;
    let image = ig.sim.url("square.jpg");
    let first = ig.create(&[("image_url", &image)]).await.id();
    let second = ig.create(&[("image_url", &image)]).await.id();
    ig.sim.process().await; // t0 + 60 s
    ig.publish(&first).await.id();
    ig.sim.advance(3600);
    ig.publish(&second).await.id();
    let third = ig.create(&[("image_url", &image)]).await.id();
    ig.sim.process().await; // t0 + 1 h + 120 s
    let refused = ig.publish(&third).await;
    assert_eq!(refused.graph_error(), (9, Some(2207042)));
    let limit_url = ig.url(&format!("{}/content_publishing_limit", ig.acct.id));
    let limit = ig.sim.get(&limit_url, &ig.acct.access_token, &[]).await;
    assert_eq!(limit.ok()["data"][0]["quota_usage"], 2);
    // The first post leaves the rolling window 24 h after it was made (t0 + 60 s + 24 h).
    ig.sim.advance(24 * 3600 - 3600 - 61);
    assert_eq!(ig.publish(&third).await.graph_error(), (9, Some(2207042)));
    ig.sim.advance(1);
    ig.publish(&third).await.id();
    assert_eq!(ig.sim.sb.ledger().len(), 3);
}

#[tokio::test]
async fn the_container_quota_refuses_with_a_rate_limit_code() {
    let mut config = SandboxConfig::default();
    config.instagram.containers_per_24h = 2;
    let ig = Ig::with(config).await;
    for _ in 0..2 {
        ig.create(&[("image_url", &ig.sim.url("square.jpg"))])
            .await
            .id();
    }
    assert_eq!(
        ig.create(&[("image_url", &ig.sim.url("square.jpg"))])
            .await
            .graph_error()
            .0,
        613
    );
}

#[tokio::test]
async fn request_errors_use_real_codes() {
    let ig = Ig::start().await;
    let long_caption = "x".repeat(2201);
    let tags = (0..31)
        .map(|i| format!("#t{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    type Case<'a> = (Vec<(&'a str, &'a str)>, (i64, Option<i64>));
    let cases: Vec<Case> = vec![
        (
            vec![("media_type", "VIDEO"), ("video_url", "http://x/v.mp4")],
            (100, Some(2207023)),
        ),
        (
            vec![("media_type", "SLIDESHOW"), ("image_url", "http://x/a.jpg")],
            (100, Some(2207023)),
        ),
        (
            vec![("image_url", "http://x/a.jpg"), ("caption", &long_caption)],
            (36004, Some(2207010)),
        ),
        (
            vec![("image_url", "http://x/a.jpg"), ("caption", &tags)],
            (36004, Some(2207010)),
        ),
        (vec![("caption", "no media")], (100, None)),
        (
            vec![
                ("image_url", "http://x/a.jpg"),
                ("user_tags", "[{\"username\":\"a\"}]"),
            ],
            (100, None),
        ),
        (
            vec![
                ("media_type", "REELS"),
                ("video_url", "http://x/v.mp4"),
                ("alt_text", "no"),
            ],
            (100, None),
        ),
    ];
    for (form, expected) in cases {
        assert_eq!(ig.create(&form).await.graph_error(), expected, "{form:?}");
    }
    let tagged = ig
        .create(&[
            ("image_url", &ig.sim.url("square.jpg")),
            ("user_tags", "[{\"username\":\"a\",\"x\":0.5,\"y\":0.5}]"),
        ])
        .await;
    tagged.id();
}

#[tokio::test]
async fn token_problems_answer_190_104_and_permission_10() {
    let ig = Ig::start().await;
    let url = ig.url(&format!("{}/media", ig.acct.id));
    let no_token = super::util::reply(
        ig.sim
            .http
            .post(&url)
            .form(&[("image_url", "x")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(no_token.graph_error(), (104, None));
    let unknown = ig
        .sim
        .post(&url, &"IGAASnope".into(), &[("image_url", "x")])
        .await;
    assert_eq!(unknown.graph_error(), (190, None));
    assert!(unknown.body.to_string().contains("OAuth"));

    let other = ig.sim.account(Platform::Instagram, "other");
    let foreign = ig
        .sim
        .post(&url, &other.access_token, &[("image_url", "x")])
        .await;
    assert_eq!(
        foreign.graph_error(),
        (100, Some(33)),
        "another user's account is not visible"
    );

    let read_only = ig.sim.sb.add_account(
        postcal::sandbox::AccountSpec::new(Platform::Instagram, "ro")
            .scopes(&["instagram_business_basic"]),
    );
    let ro_url = ig.url(&format!("{}/media", read_only.id));
    assert_eq!(
        ig.sim
            .post(&ro_url, &read_only.access_token, &[("image_url", "x")])
            .await
            .graph_error()
            .0,
        10
    );

    assert!(ig.sim.sb.revoke_token(&other.access_token));
    let revoked = ig.sim.get(&ig.url("me"), &other.access_token, &[]).await;
    assert_eq!(revoked.graph_error(), (190, Some(458)));

    ig.sim.advance(61 * 24 * 3600);
    let expired = ig
        .sim
        .post(&url, &ig.acct.access_token, &[("image_url", "x")])
        .await;
    assert_eq!(expired.graph_error(), (190, Some(463)));
    // The token never comes back in an error.
    assert!(
        !expired
            .body
            .to_string()
            .contains(ig.acct.access_token.expose())
    );
}

#[tokio::test]
async fn reads_follow_graph_field_selection() {
    let ig = Ig::start().await;
    let me = ig
        .sim
        .get(
            &ig.url("me"),
            &ig.acct.access_token,
            &[("fields", "id,username")],
        )
        .await;
    assert_eq!(me.ok()["username"], "acme");
    assert_eq!(me.ok()["id"], ig.acct.id.as_str());
    let c = ig
        .create(&[("image_url", &ig.sim.url("square.jpg"))])
        .await
        .id();
    let bare = ig.sim.get(&ig.url(&c), &ig.acct.access_token, &[]).await;
    assert_eq!(
        bare.ok(),
        &serde_json::json!({ "id": c }),
        "Graph answers only the id by default"
    );
    let bad_field = ig
        .sim
        .get(
            &ig.url(&c),
            &ig.acct.access_token,
            &[("fields", "status_code,nope")],
        )
        .await;
    assert_eq!(bad_field.graph_error().0, 100);
    let unknown = ig.sim.get(&ig.url("999"), &ig.acct.access_token, &[]).await;
    assert_eq!(unknown.graph_error(), (100, Some(33)));
    let unversioned = ig
        .sim
        .get(
            &format!("{}/{c}", ig.sim.sb.urls().instagram_graph),
            &ig.acct.access_token,
            &[],
        )
        .await;
    assert_eq!(
        unversioned.ok()["id"],
        c.as_str(),
        "the version prefix is optional, as on Graph"
    );
    let bad_path = ig
        .sim
        .get(
            &ig.url(&format!("{c}/nothing/here")),
            &ig.acct.access_token,
            &[],
        )
        .await;
    assert_eq!(bad_path.graph_error().0, 2500);
}

/// `GET /{ig-user-id}/media` lists published media newest first with Graph cursor paging: the
/// lookup a client makes after an ambiguous `media_publish` (docs/platform-rules.md §1.6).
#[tokio::test]
async fn media_edge_lists_published_media_newest_first_with_cursor_paging() {
    let ig = Ig::start().await;
    let mut published = Vec::new();
    for caption in ["first", "second", "third"] {
        let c = ig
            .create(&[
                ("image_url", &ig.sim.url("square.jpg")),
                ("caption", caption),
            ])
            .await
            .id();
        ig.sim.process().await;
        published.push(ig.publish(&c).await.id());
        ig.sim.advance(60);
    }
    let list_url = ig.url(&format!("{}/media", ig.acct.id));
    let page = ig
        .sim
        .get(
            &list_url,
            &ig.acct.access_token,
            &[("fields", "id,caption"), ("limit", "2")],
        )
        .await
        .ok()
        .clone();
    let ids = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&page), [published[2].clone(), published[1].clone()]);
    assert_eq!(page["data"][0]["caption"], "third");
    let next = page["paging"]["next"]
        .as_str()
        .expect("a next link while items remain");
    let rest = ig
        .sim
        .get(next, &ig.acct.access_token, &[])
        .await
        .ok()
        .clone();
    assert_eq!(ids(&rest), [published[0].clone()]);
    assert!(
        rest["paging"].get("next").is_none(),
        "the last page has no next: {rest}"
    );
    let bad = ig
        .sim
        .get(
            &list_url,
            &ig.acct.access_token,
            &[("after", "not a cursor")],
        )
        .await;
    assert_eq!(bad.graph_error().0, 100);
}
