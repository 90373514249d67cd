//! Page photos as posts: a published photo's `post_id` is a real post (readable, listed in
//! `/feed` and `/posts`, with `attachments` and `full_picture`), photos answer `images`, and
//! `/photos` takes `scheduled_publish_time` with the same window and rules as `/feed`
//! (docs/platform-rules.md §3 "Scheduling", "Single photo").

use chrono::Duration;
use postcal::platform::Platform;
use postcal::sandbox::SeededAccount;
use serde_json::Value;

use super::util::{Reply, Sim, t0};

struct Fb {
    sim: Sim,
    page: SeededAccount,
}

impl Fb {
    async fn start() -> Self {
        let sim = Sim::start().await;
        let page = sim.account(Platform::Facebook, "acme-page");
        Self { sim, page }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v23.0/{path}", self.sim.sb.urls().facebook_graph)
    }

    async fn post(&self, edge: &str, form: &[(&str, &str)]) -> Reply {
        let url = self.url(&format!("{}/{edge}", self.page.id));
        self.sim.post(&url, &self.page.access_token, form).await
    }

    async fn get(&self, path: &str, fields: &str) -> Reply {
        self.sim
            .get(
                &self.url(path),
                &self.page.access_token,
                &[("fields", fields)],
            )
            .await
    }

    async fn listed(&self, edge: &str) -> Vec<String> {
        let r = self.get(&format!("{}/{edge}", self.page.id), "id").await;
        r.ok()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn a_published_photos_post_id_is_a_readable_listed_post() {
    let fb = Fb::start().await;
    let r = fb
        .post(
            "photos",
            &[("url", &fb.sim.url("square.jpg")), ("caption", "A photo")],
        )
        .await;
    let photo = r.id();
    let post = r.ok()["post_id"].as_str().unwrap().to_owned();
    let p = fb
        .get(
            &post,
            "message,full_picture,attachments,is_published,permalink_url",
        )
        .await;
    let p = p.ok();
    assert_eq!(p["message"], "A photo");
    assert_eq!(p["is_published"], true);
    assert_eq!(p["full_picture"], fb.sim.url("square.jpg"));
    let attachment = &p["attachments"]["data"][0];
    assert_eq!(attachment["type"], "photo");
    assert_eq!(attachment["target"]["id"], photo.as_str());
    assert_eq!(attachment["media"]["image"]["width"], 1080);
    assert_eq!(fb.listed("feed").await, [post.as_str()]);
    assert_eq!(fb.listed("posts").await, [post.as_str()]);
    let nested = fb.get(&post, "attachments{target}").await;
    assert_eq!(
        nested.ok()["attachments"]["data"][0]["target"]["id"],
        photo.as_str()
    );
    let ph = fb.get(&photo, "images,page_story_id").await;
    let ph = ph.ok();
    assert_eq!(ph["page_story_id"], post.as_str());
    let images = ph["images"].as_array().unwrap();
    assert_eq!(
        (images[0]["width"].as_u64(), images[0]["height"].as_u64()),
        (Some(1080), Some(1080))
    );
    assert_eq!(images[0]["source"], fb.sim.url("square.jpg"));
}

#[tokio::test]
async fn a_text_post_has_no_attachments_and_a_multi_photo_post_has_an_album() {
    let fb = Fb::start().await;
    let text = fb.post("feed", &[("message", "Just text")]).await.id();
    let t = fb.get(&text, "message,attachments,full_picture").await;
    assert_eq!(t.ok().as_object().unwrap().len(), 2, "{}", t.body);
    let mut ids = Vec::new();
    for file in ["square.jpg", "portrait.jpg"] {
        let r = fb
            .post(
                "photos",
                &[("url", &fb.sim.url(file)), ("published", "false")],
            )
            .await;
        ids.push(r.id());
    }
    let attached =
        serde_json::json!([{ "media_fbid": ids[0] }, { "media_fbid": ids[1] }]).to_string();
    let album = fb
        .post("feed", &[("message", "Two"), ("attached_media", &attached)])
        .await
        .id();
    let a = fb.get(&album, "attachments,full_picture").await;
    let a = a.ok();
    assert_eq!(a["full_picture"], fb.sim.url("square.jpg"));
    let subs: Vec<&Value> = a["attachments"]["data"][0]["subattachments"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["target"]["id"])
        .collect();
    assert_eq!(
        subs,
        [&Value::from(ids[0].clone()), &Value::from(ids[1].clone())]
    );
}

#[tokio::test]
async fn a_scheduled_photo_follows_the_feed_rules_and_publishes_at_its_time() {
    let fb = Fb::start().await;
    let in_2h = (t0() + Duration::hours(2)).timestamp().to_string();
    let r = fb
        .post(
            "photos",
            &[
                ("url", &fb.sim.url("square.jpg")),
                ("caption", "Later"),
                ("published", "false"),
                ("scheduled_publish_time", &in_2h),
            ],
        )
        .await;
    let post = r.ok()["post_id"].as_str().unwrap().to_owned();
    let e = &fb.sim.sb.ledger()[0];
    assert_eq!(
        (e.kind.as_str(), e.post_id.as_str()),
        ("PHOTO", post.as_str())
    );
    assert_eq!(e.published_at, t0() + Duration::hours(2));
    assert_eq!(
        e.options["scheduled_publish_time"],
        (t0() + Duration::hours(2)).timestamp()
    );
    assert_eq!(
        fb.get(&post, "is_published").await.ok()["is_published"],
        false
    );
    assert_eq!(fb.listed("scheduled_posts").await, [post.as_str()]);
    assert!(fb.listed("feed").await.is_empty());
    fb.sim.advance(2 * 3600);
    assert_eq!(
        fb.get(&post, "is_published").await.ok()["is_published"],
        true
    );
    assert_eq!(fb.listed("feed").await, [post.as_str()]);

    // The same rules as /feed: 10 minutes to 30 days ahead, never with published=true.
    let now = fb.sim.clock_now();
    for (published, ahead) in [
        ("false", Duration::minutes(5)),
        ("false", Duration::days(31)),
        ("false", Duration::days(75)),
        ("true", Duration::hours(1)),
    ] {
        let t = (now + ahead).timestamp().to_string();
        let r = fb
            .post(
                "photos",
                &[
                    ("url", &fb.sim.url("square.jpg")),
                    ("published", published),
                    ("scheduled_publish_time", &t),
                ],
            )
            .await;
        assert_eq!(r.graph_error().0, 100, "published={published}, {ahead}");
    }
    let no_published = fb
        .post(
            "photos",
            &[
                ("url", &fb.sim.url("square.jpg")),
                ("scheduled_publish_time", &in_2h),
            ],
        )
        .await;
    assert_eq!(
        no_published.graph_error().0,
        100,
        "published defaults to true, so a schedule needs published=false"
    );
    assert_eq!(
        fb.sim.sb.ledger().len(),
        1,
        "refused photos publish nothing"
    );
}

#[tokio::test]
async fn feed_schedules_past_30_days_are_refused_the_strict_reading() {
    let fb = Fb::start().await;
    for days in [31, 75] {
        let t = (t0() + Duration::days(days)).timestamp().to_string();
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
        assert_eq!(r.graph_error().0, 100, "{days} days");
    }
    let t = (t0() + Duration::days(30)).timestamp().to_string();
    fb.post(
        "feed",
        &[
            ("message", "x"),
            ("published", "false"),
            ("scheduled_publish_time", &t),
        ],
    )
    .await
    .id();
}
