//! TikTok content posting: creator info, video by pull and by chunked upload, photos, status
//! transitions, and the documented refusals (docs/platform-rules.md §2).

use postcal::media::synth;
use postcal::platform::Platform;
use postcal::sandbox::{AccountSpec, CreatorSettings, SandboxConfig, SeededAccount};
use serde_json::{Value, json};

use super::util::{Reply, Sim, dead_url, media_bytes, sha256};

struct Tt {
    sim: Sim,
    acct: SeededAccount,
}

impl Tt {
    async fn with(config: SandboxConfig, creator: CreatorSettings) -> Self {
        let sim = Sim::with(config).await;
        let acct = sim
            .sb
            .add_account(AccountSpec::new(Platform::Tiktok, "acme").tiktok(creator));
        Self { sim, acct }
    }

    async fn start() -> Self {
        Self::with(SandboxConfig::default(), CreatorSettings::default()).await
    }

    async fn call(&self, path: &str, body: Value) -> Reply {
        self.sim
            .tiktok(
                &format!("/v2/post/publish/{path}"),
                &self.acct.access_token,
                body,
            )
            .await
    }

    async fn pull_video(&self, url: &str, privacy: &str) -> Reply {
        let body = json!({
            "post_info": { "title": "Hello #tiktok", "privacy_level": privacy, "disable_duet": true },
            "source_info": { "source": "PULL_FROM_URL", "video_url": url }
        });
        self.call("video/init/", body).await
    }

    async fn status(&self, publish_id: &str) -> Value {
        let r = self
            .call("status/fetch/", json!({ "publish_id": publish_id }))
            .await;
        assert_eq!(r.tiktok_code(), "ok");
        r.body["data"].clone()
    }
}

fn publish_id(r: &Reply) -> String {
    assert_eq!(r.tiktok_code(), "ok", "{}", r.body);
    r.body["data"]["publish_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn creator_info_reports_the_creators_options() {
    let tt = Tt::with(
        SandboxConfig::default(),
        CreatorSettings {
            private: true,
            max_video_post_duration_sec: 180,
            ..Default::default()
        },
    )
    .await;
    let r = tt.call("creator_info/query/", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.tiktok_code(), "ok");
    let d = &r.body["data"];
    assert_eq!(d["creator_username"], "acme");
    assert_eq!(
        d["privacy_level_options"],
        json!(["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"])
    );
    assert_eq!(d["max_video_post_duration_sec"], 180);
    assert_eq!(d["comment_disabled"], false);
}

#[tokio::test]
async fn video_by_pull_goes_from_download_to_publish_complete() {
    let tt = Tt::start().await;
    let id = publish_id(
        &tt.pull_video(&tt.sim.url("reel.mp4"), "PUBLIC_TO_EVERYONE")
            .await,
    );
    assert!(id.starts_with("v_pub_url~"), "{id}");
    assert_eq!(tt.status(&id).await["status"], "PROCESSING_DOWNLOAD");
    tt.sim.sb.settle().await;
    assert_eq!(
        tt.status(&id).await["status"],
        "PROCESSING_DOWNLOAD",
        "processing takes video_secs"
    );
    assert!(tt.sim.sb.ledger().is_empty());
    tt.sim.advance(30);
    let s = tt.status(&id).await;
    assert_eq!(s["status"], "PUBLISH_COMPLETE");
    assert_eq!(s["downloaded_bytes"], media_bytes("reel.mp4").len());
    let ledger = tt.sim.sb.ledger();
    assert_eq!(ledger.len(), 1);
    let e = &ledger[0];
    assert_eq!((e.kind.as_str(), e.source.as_str()), ("VIDEO", id.as_str()));
    assert_eq!(e.text.as_deref(), Some("Hello #tiktok"));
    assert_eq!(e.options["privacy_level"], "PUBLIC_TO_EVERYONE");
    assert_eq!(e.options["disable_duet"], true);
    assert_eq!(e.media[0].sha256, sha256(&media_bytes("reel.mp4")));
    assert_eq!(
        e.published_at,
        super::util::t0() + chrono::Duration::seconds(30)
    );
    assert_eq!(s["publicaly_available_post_id"][0].to_string(), e.post_id);
}

#[tokio::test]
async fn pull_failures_and_media_checks_end_in_failed_with_a_fail_reason() {
    let tt = Tt::with(
        SandboxConfig::default(),
        CreatorSettings {
            max_video_post_duration_sec: 60,
            ..Default::default()
        },
    )
    .await;
    let cases = [
        (dead_url(), "video_pull_failed"),
        (tt.sim.url("missing.mp4"), "video_pull_failed"),
        (tt.sim.url("redirect"), "video_pull_failed"),
        (tt.sim.url("long.mp4"), "duration_check_failed"),
        (tt.sim.url("square.jpg"), "file_format_check_failed"),
    ];
    for (url, reason) in cases {
        let id = publish_id(&tt.pull_video(&url, "SELF_ONLY").await);
        tt.sim.process().await;
        let s = tt.status(&id).await;
        assert_eq!(
            (s["status"].as_str(), s["fail_reason"].as_str()),
            (Some("FAILED"), Some(reason)),
            "{url}"
        );
        tt.sim.advance(60); // keep under the init rate limit
    }
    assert!(tt.sim.sb.ledger().is_empty());
}

/// `video` padded to `size` bytes with a trailing `free` box (ignored by MP4 readers).
fn padded(video: Vec<u8>, size: usize) -> Vec<u8> {
    let pad = size - video.len();
    let mut out = video;
    out.extend((pad as u32).to_be_bytes());
    out.extend(b"free");
    out.resize(size, 0);
    out
}

#[tokio::test]
async fn chunked_upload_answers_206_then_201_and_enforces_the_chunk_rules() {
    let tt = Tt::start().await;
    let video = padded(synth::mp4(&synth::VideoSpec::default()), 11_000_000);
    let chunk = 5 * 1024 * 1024;
    let init = |chunk_size: usize, total: usize| {
        json!({
            "post_info": { "title": "Uploaded", "privacy_level": "SELF_ONLY" },
            "source_info": { "source": "FILE_UPLOAD", "video_size": video.len(), "chunk_size": chunk_size, "total_chunk_count": total }
        })
    };
    let bad_count = tt.call("video/init/", init(chunk, 3)).await;
    assert_eq!(
        (bad_count.status, bad_count.tiktok_code().as_str()),
        (400, "invalid_params"),
        "count must be floor(size/chunk)"
    );
    let small_chunk = tt.call("video/init/", init(1024 * 1024, 10)).await;
    assert_eq!(
        small_chunk.tiktok_code(),
        "invalid_params",
        "chunks are at least 5 MB"
    );

    let r = tt.call("video/init/", init(chunk, 2)).await;
    let id = publish_id(&r);
    assert!(id.starts_with("v_pub_file~"));
    let upload_url = r.body["data"]["upload_url"].as_str().unwrap().to_owned();
    assert!(upload_url.starts_with(&tt.sim.sb.urls().tiktok_upload));
    let put = |range: String, body: Vec<u8>| {
        tt.sim
            .http
            .put(&upload_url)
            .header("Content-Type", "video/mp4")
            .header("Content-Range", range)
            .body(body)
            .send()
    };
    let total = video.len();
    let wrong = put(
        format!("bytes {chunk}-{}/{total}", total - 1),
        video[chunk..].to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 416, "chunks go in order");
    let first = put(
        format!("bytes 0-{}/{total}", chunk - 1),
        video[..chunk].to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(first.status(), 206);
    assert_eq!(tt.status(&id).await["status"], "PROCESSING_UPLOAD");
    let last = put(
        format!("bytes {chunk}-{}/{total}", total - 1),
        video[chunk..].to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(last.status(), 201);
    assert_eq!(tt.status(&id).await["status"], "PROCESSING_UPLOAD");
    tt.sim.advance(30);
    let s = tt.status(&id).await;
    assert_eq!(s["status"], "PUBLISH_COMPLETE");
    assert_eq!(s["uploaded_bytes"], total);
    assert_eq!(
        s["publicaly_available_post_id"],
        json!([]),
        "SELF_ONLY posts are never public"
    );
    let e = &tt.sim.sb.ledger()[0];
    assert_eq!(e.media[0].sha256, sha256(&video));
    assert_eq!(e.media[0].url, None);

    // An upload URL lives one hour.
    let late = tt.call("video/init/", init(chunk, 2)).await;
    let late_url = late.body["data"]["upload_url"].as_str().unwrap().to_owned();
    tt.sim.advance(3600);
    let expired = tt
        .sim
        .http
        .put(&late_url)
        .header("Content-Type", "video/mp4")
        .header("Content-Range", format!("bytes 0-{}/{total}", chunk - 1))
        .body(video[..chunk].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 403);
}

#[tokio::test]
async fn a_small_file_is_one_chunk() {
    let tt = Tt::start().await;
    let video = media_bytes("reel.mp4");
    let r = tt
        .call(
            "video/init/",
            json!({
                "post_info": { "privacy_level": "SELF_ONLY" },
                "source_info": { "source": "FILE_UPLOAD", "video_size": video.len(), "chunk_size": video.len(), "total_chunk_count": 1 }
            }),
        )
        .await;
    let url = r.body["data"]["upload_url"].as_str().unwrap().to_owned();
    let n = video.len();
    let resp = tt
        .sim
        .http
        .put(&url)
        .header("Content-Type", "video/mp4")
        .header("Content-Range", format!("bytes 0-{}/{n}", n - 1))
        .body(video)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn photo_post_with_a_png_fails_and_jpeg_with_webp_completes() {
    let tt = Tt::start().await;
    let photo = |images: Vec<String>| {
        json!({
            "post_info": { "title": "Photos", "description": "Two photos", "privacy_level": "PUBLIC_TO_EVERYONE" },
            "source_info": { "source": "PULL_FROM_URL", "photo_cover_index": 0, "photo_images": images },
            "post_mode": "DIRECT_POST",
            "media_type": "PHOTO"
        })
    };
    let png = publish_id(
        &tt.call(
            "content/init/",
            photo(vec![tt.sim.url("square.jpg"), tt.sim.url("photo.png")]),
        )
        .await,
    );
    assert!(png.starts_with("p_pub_url~"));
    let good = publish_id(
        &tt.call(
            "content/init/",
            photo(vec![tt.sim.url("square.jpg"), tt.sim.url("photo.webp")]),
        )
        .await,
    );
    let gone = publish_id(&tt.call("content/init/", photo(vec![dead_url()])).await);
    tt.sim.process().await;
    let s = tt.status(&png).await;
    assert_eq!(
        (s["status"].as_str(), s["fail_reason"].as_str()),
        (Some("FAILED"), Some("file_format_check_failed"))
    );
    assert_eq!(tt.status(&gone).await["fail_reason"], "photo_pull_failed");
    assert_eq!(tt.status(&good).await["status"], "PUBLISH_COMPLETE");
    let ledger = tt.sim.sb.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].kind, "PHOTO");
    assert_eq!(ledger[0].media.len(), 2);
    let out_of_range = json!({
        "post_info": { "privacy_level": "SELF_ONLY" },
        "source_info": { "source": "PULL_FROM_URL", "photo_cover_index": 2, "photo_images": [tt.sim.url("square.jpg")] },
        "post_mode": "DIRECT_POST", "media_type": "PHOTO"
    });
    assert_eq!(
        tt.call("content/init/", out_of_range).await.tiktok_code(),
        "invalid_params"
    );
}

#[tokio::test]
async fn privacy_options_are_enforced() {
    let tt = Tt::with(
        SandboxConfig::default(),
        CreatorSettings {
            private: true,
            ..Default::default()
        },
    )
    .await;
    let r = tt
        .pull_video(&tt.sim.url("reel.mp4"), "PUBLIC_TO_EVERYONE")
        .await;
    assert_eq!(
        (r.status, r.tiktok_code().as_str()),
        (403, "privacy_level_option_mismatch")
    );
    publish_id(
        &tt.pull_video(&tt.sim.url("reel.mp4"), "FOLLOWER_OF_CREATOR")
            .await,
    );
    let missing = tt.call("video/init/", json!({ "post_info": {}, "source_info": { "source": "PULL_FROM_URL", "video_url": tt.sim.url("reel.mp4") } })).await;
    assert_eq!(
        (missing.status, missing.tiktok_code().as_str()),
        (403, "privacy_level_option_mismatch"),
        "a missing privacy_level is not among the options (documented code)"
    );
    let branded_private = tt
        .call(
            "video/init/",
            json!({ "post_info": { "privacy_level": "SELF_ONLY", "brand_content_toggle": true }, "source_info": { "source": "PULL_FROM_URL", "video_url": tt.sim.url("reel.mp4") } }),
        )
        .await;
    assert_eq!(branded_private.tiktok_code(), "invalid_params");
}

#[tokio::test]
async fn init_is_limited_to_six_calls_a_minute_per_token() {
    let tt = Tt::start().await;
    for i in 0..6 {
        let r = tt.pull_video(&tt.sim.url("reel.mp4"), "SELF_ONLY").await;
        assert_eq!(r.tiktok_code(), "ok", "call {i}");
    }
    let limited = tt.pull_video(&tt.sim.url("reel.mp4"), "SELF_ONLY").await;
    assert_eq!(
        (limited.status, limited.tiktok_code().as_str()),
        (429, "rate_limit_exceeded")
    );
    tt.sim.advance(60);
    assert_eq!(
        tt.pull_video(&tt.sim.url("reel.mp4"), "SELF_ONLY")
            .await
            .tiktok_code(),
        "ok"
    );
}

#[tokio::test]
async fn the_daily_post_cap_and_url_rules_refuse_at_init() {
    let mut config = SandboxConfig::default();
    config.tiktok.posts_per_24h = 1;
    config.tiktok.verified_url_prefixes = vec!["http://127.0.0.1:".into()];
    let tt = Tt::with(config, CreatorSettings::default()).await;
    let unverified = tt.sim.url("reel.mp4").replace("127.0.0.1", "localhost");
    let r = tt.pull_video(&unverified, "SELF_ONLY").await;
    assert_eq!(
        (r.status, r.tiktok_code().as_str()),
        (403, "url_ownership_unverified")
    );
    let plain_http = tt
        .pull_video("http://cdn.example.com/v.mp4", "SELF_ONLY")
        .await;
    assert_eq!(
        plain_http.tiktok_code(),
        "invalid_params",
        "https only, except loopback in the sandbox"
    );
    let ip = tt.pull_video("https://10.0.0.1/v.mp4", "SELF_ONLY").await;
    assert_eq!(
        ip.tiktok_code(),
        "invalid_params",
        "the host must be a domain"
    );
    publish_id(&tt.pull_video(&tt.sim.url("reel.mp4"), "SELF_ONLY").await);
    let capped = tt.pull_video(&tt.sim.url("reel.mp4"), "SELF_ONLY").await;
    assert_eq!(
        (capped.status, capped.tiktok_code().as_str()),
        (403, "spam_risk_too_many_posts")
    );
}

#[tokio::test]
async fn tokens_and_scopes_are_checked() {
    let tt = Tt::start().await;
    let bad = tt
        .sim
        .tiktok(
            "/v2/post/publish/creator_info/query/",
            &"act.nope".into(),
            json!({}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.tiktok_code().as_str()),
        (401, "access_token_invalid")
    );
    let upload_only = tt.sim.sb.add_account(
        AccountSpec::new(Platform::Tiktok, "u").scopes(&["user.info.basic", "video.upload"]),
    );
    let r = tt
        .sim
        .tiktok(
            "/v2/post/publish/video/init/",
            &upload_only.access_token,
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.tiktok_code().as_str()),
        (401, "scope_not_authorized")
    );
    tt.sim.advance(2 * 3600);
    let expired = tt.call("creator_info/query/", json!({})).await;
    assert_eq!(
        expired.tiktok_code(),
        "access_token_invalid",
        "access tokens live 2 hours"
    );
}

#[tokio::test]
async fn inbox_uploads_are_delivered_to_the_inbox_not_published() {
    let tt = Tt::start().await;
    let body = json!({ "source_info": { "source": "PULL_FROM_URL", "video_url": tt.sim.url("reel.mp4") } });
    let id = publish_id(&tt.call("inbox/video/init/", body).await);
    tt.sim.process().await;
    assert_eq!(tt.status(&id).await["status"], "SEND_TO_USER_INBOX");
    assert!(tt.sim.sb.ledger().is_empty());
}
