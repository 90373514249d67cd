//! Instagram: feed image, carousel (images and a video), reel, story (image and video), through
//! the daemon to the sandbox.

use std::sync::Arc;

use postcal::platform::instagram::InstagramPublisher;
use postcal::state::SlotState;

use super::util::*;

fn publisher(w: &World) -> Arc<InstagramPublisher> {
    Arc::new(InstagramPublisher::new(w.cx.clone()))
}

#[tokio::test]
async fn every_instagram_kind_is_published_once_as_written() {
    let w = World::start(&["instagram/acme"]).await;
    let at = "2026-12-01T08:59:00Z";
    w.write(
        "feed.yaml",
        &format!(
            "id: feed\nat: {at}\ntext: \"Winter is here #coffee\"\nmedia:\n  - file: media/feed-1080x1350.jpg\n    alt: A cup on a counter\ntargets:\n  instagram/acme:\n    collaborators: [friend.one]\n    location: \"110774245616525\"\n"
        ),
    );
    w.write(
        "carousel.yaml",
        &format!(
            "id: carousel\nat: {at}\ntext: Three frames\nmedia:\n  - file: media/carousel-1.jpg\n    alt: Beans\n  - media/carousel-clip.mp4\n  - media/square-1080.jpg\ntargets:\n  instagram/acme: {{ kind: carousel }}\n"
        ),
    );
    w.write(
        "reel.yaml",
        &format!(
            "id: reel\nat: {at}\ntext: Pour-over in 60 s\nmedia: [media/reel.mp4]\ntargets:\n  instagram/acme:\n    kind: reel\n    thumb_offset: 1500\n    share_to_feed: true\n"
        ),
    );
    w.write(
        "story.yaml",
        &format!("id: story\nat: {at}\nmedia: [media/story.jpg]\ntargets:\n  instagram/acme: {{ kind: story }}\n"),
    );
    w.write(
        "story-video.yaml",
        &format!("id: story-video\nat: {at}\nmedia: [media/story.mp4]\ntargets:\n  instagram/acme: {{ kind: story }}\n"),
    );
    let plan = w.publish_due(publisher(&w)).await;
    assert_eq!(plan.summary.nothing, 5, "{:?}", plan.changes);

    let ledger = w.ledger();
    assert_eq!(ledger.len(), 5, "{ledger:#?}");
    let by_kind = |kind: &str| ledger.iter().filter(|e| e.kind == kind).collect::<Vec<_>>();
    let acme = w.account("instagram/acme");
    assert!(ledger.iter().all(|e| e.account_id == acme.id));

    let feed = by_kind("IMAGE");
    assert_eq!(feed.len(), 1, "{ledger:#?}");
    assert_eq!(feed[0].text.as_deref(), Some("Winter is here #coffee"));
    assert_eq!(
        feed[0].media[0].sha256,
        w.file_sha("media/feed-1080x1350.jpg")
    );
    assert_eq!(feed[0].options["alt_text"], "A cup on a counter");
    assert_eq!(
        feed[0].options["collaborators"],
        serde_json::json!(["friend.one"])
    );
    assert_eq!(feed[0].options["location_id"], "110774245616525");

    let carousel = by_kind("CAROUSEL");
    assert_eq!(carousel.len(), 1);
    let shas: Vec<&str> = carousel[0]
        .media
        .iter()
        .map(|m| m.sha256.as_str())
        .collect();
    assert_eq!(
        shas,
        [
            w.file_sha("media/carousel-1.jpg"),
            w.file_sha("media/carousel-clip.mp4"),
            w.file_sha("media/square-1080.jpg")
        ]
    );

    let reel = by_kind("REELS");
    assert_eq!(reel.len(), 1);
    assert_eq!(reel[0].options["thumb_offset"], 1500);
    assert_eq!(reel[0].options["share_to_feed"], true);
    assert_eq!(reel[0].media[0].sha256, w.file_sha("media/reel.mp4"));

    let stories = by_kind("STORIES");
    assert_eq!(stories.len(), 2);

    // Each slot is recorded published with the media id the sandbox gave.
    for r in w.records() {
        match &r.state {
            SlotState::Published {
                remote_id,
                permalink,
                ..
            } => {
                assert!(ledger.iter().any(|e| &e.post_id == remote_id), "{r:?}");
                assert!(
                    permalink
                        .as_deref()
                        .is_some_and(|p| p.starts_with("https://www.instagram.com/")),
                    "{r:?}"
                );
            }
            other => panic!("{}: {other:?}", r.key),
        }
    }

    // Running again publishes nothing more.
    w.publish_due(publisher(&w)).await;
    assert_eq!(w.ledger().len(), 5);
}

/// Drives `fut` while a ticker moves the manual clock a second each millisecond (the
/// publisher polls containers on the clock).
async fn ticking<T>(h: &super::direct::Harness, fut: impl std::future::Future<Output = T>) -> T {
    let clock = h.clock.clone();
    let ticker = tokio::spawn(async move {
        loop {
            clock.advance(chrono::Duration::seconds(1));
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    });
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), fut)
        .await
        .expect("did not finish");
    ticker.abort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_that_expired_before_its_time_is_prepared_again_and_published_once() {
    use postcal::reconcile::Goal;
    use postcal::sandbox::{AccountSpec, SandboxConfig};
    use postcal::state::{MemStore, Record, Revision};

    let h = super::direct::Harness::start(SandboxConfig::default()).await;
    let (target, _) = h.account(AccountSpec::new(
        postcal::platform::Platform::Instagram,
        "acme",
    ));
    let media = h
        .media
        .add("feed.jpg", &postcal::media::synth::jpeg(1080, 1350));
    // Due 25 hours from now, prepared now: its container expires (24 h) before the commit.
    let mut job = super::direct::job(
        &target,
        "late",
        Some("Later"),
        vec![media],
        serde_json::json!({}),
    );
    job.key.at = super::direct::t0() + chrono::Duration::hours(25);
    let store = MemStore::new();
    let (machine, _stop) = h.machine(Arc::new(InstagramPublisher::new(h.context())), &store);
    let planned = Record::planned(
        job.key.clone(),
        job.content_hash.clone(),
        Revision::default(),
        super::direct::t0(),
    );
    let prepared = ticking(&h, machine.drive(planned, &job, true, Goal::Prepare))
        .await
        .unwrap();
    assert!(
        matches!(prepared.state, SlotState::Prepared { .. }),
        "{prepared:?}"
    );
    h.clock.set(job.key.at);
    // The commit finds the container expired (2207020): nothing published, a new container.
    let mut r = prepared;
    for _ in 0..5 {
        r = ticking(&h, machine.drive(r, &job, true, Goal::Publish))
            .await
            .unwrap();
        if matches!(r.state, SlotState::Published { .. }) {
            break;
        }
        if let Some(next) = r.next_action {
            h.clock.set(next);
        }
    }
    assert!(matches!(r.state, SlotState::Published { .. }), "{r:?}");
    assert_eq!(h.sb.ledger().len(), 1);
    assert!(h.sb.counters()["instagram.create_container"] >= 2);
}
