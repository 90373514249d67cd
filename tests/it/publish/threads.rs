//! Threads: text (topic tag, link attachment), image, video, carousel.

use std::sync::Arc;

use postcal::platform::threads::ThreadsPublisher;

use super::util::*;

#[tokio::test]
async fn every_threads_kind_is_published_once_as_written() {
    let w = World::start(&["threads/acme"]).await;
    let at = "2026-12-01T08:59:00Z";
    w.write(
        "text.yaml",
        &format!("id: text\nat: {at}\ntext: The water matters more than the grinder.\ntargets:\n  threads/acme:\n    topic_tag: Coffee\n    link_attachment: https://example.com/water\n"),
    );
    w.write(
        "image.yaml",
        &format!("id: image\nat: {at}\ntext: A cup\nmedia:\n  - file: media/threads-1.jpg\n    alt: Six bowls\ntargets:\n  threads/acme: {{}}\n"),
    );
    w.write(
        "video.yaml",
        &format!("id: video\nat: {at}\ntext: A clip\nmedia: [media/reel.mp4]\ntargets:\n  threads/acme: {{}}\n"),
    );
    w.write(
        "carousel.yaml",
        &format!("id: carousel\nat: {at}\ntext: Cards\nmedia: [media/threads-1.jpg, media/threads-2.jpg, media/carousel-2.png]\ntargets:\n  threads/acme: {{}}\n"),
    );
    let publisher = Arc::new(ThreadsPublisher::new(w.cx.clone()));
    let plan = w.publish_due(publisher.clone()).await;
    assert_eq!(plan.summary.nothing, 4, "{:?}", plan.changes);
    let ledger = w.ledger();
    assert_eq!(ledger.len(), 4, "{ledger:#?}");
    let of = |kind: &str| {
        ledger
            .iter()
            .find(|e| e.kind == kind)
            .unwrap_or_else(|| panic!("{kind}: {ledger:#?}"))
    };
    let text = of("TEXT");
    assert_eq!(
        text.text.as_deref(),
        Some("The water matters more than the grinder.")
    );
    assert_eq!(text.options["topic_tag"], "Coffee");
    assert_eq!(text.options["link_attachment"], "https://example.com/water");
    assert_eq!(
        of("IMAGE").media[0].sha256,
        w.file_sha("media/threads-1.jpg")
    );
    assert_eq!(of("VIDEO").media[0].sha256, w.file_sha("media/reel.mp4"));
    let carousel = of("CAROUSEL");
    assert_eq!(carousel.media.len(), 3);
    assert_eq!(carousel.media[2].sha256, w.file_sha("media/carousel-2.png"));
    w.publish_due(publisher).await;
    assert_eq!(w.ledger().len(), 4);
}
