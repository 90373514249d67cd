//! Facebook Pages: text, link, photo, multi-photo, video.

use std::sync::Arc;

use postcal::platform::facebook::FacebookPublisher;
use postcal::state::SlotState;

use super::util::*;

#[tokio::test]
async fn every_facebook_kind_is_published_once_as_written() {
    let w = World::start(&["facebook/page"]).await;
    let at = "2026-12-01T08:59:00Z";
    w.write(
        "link.yaml",
        &format!("id: link\nat: {at}\ntext: Holiday hours\ntargets:\n  facebook/page:\n    link: https://example.com/hours\n"),
    );
    w.write(
        "photo.yaml",
        &format!("id: photo\nat: {at}\ntext: One photo\nmedia: [media/feed-1080x1350.jpg]\ntargets:\n  facebook/page: {{}}\n"),
    );
    w.write(
        "photos.yaml",
        &format!("id: photos\nat: {at}\ntext: The shop\nmedia: [media/carousel-1.jpg, media/carousel-2.png, media/square-1080.jpg]\ntargets:\n  facebook/page: {{}}\n"),
    );
    w.write(
        "video.yaml",
        &format!("id: video\nat: {at}\ntext: A video\nmedia: [media/reel.mp4]\ntargets:\n  facebook/page: {{}}\n"),
    );
    let publisher = Arc::new(FacebookPublisher::new(w.cx.clone()));
    let plan = w.publish_due(publisher.clone()).await;
    assert_eq!(plan.summary.nothing, 4, "{:?}", plan.changes);
    let ledger = w.ledger();
    assert_eq!(ledger.len(), 4, "{ledger:#?}");
    let with_text = |t: &str| {
        ledger
            .iter()
            .find(|e| e.text.as_deref() == Some(t))
            .unwrap_or_else(|| panic!("{t}: {ledger:#?}"))
    };
    assert_eq!(
        with_text("Holiday hours").options["link"],
        "https://example.com/hours"
    );
    assert_eq!(
        with_text("One photo").media[0].sha256,
        w.file_sha("media/feed-1080x1350.jpg")
    );
    let photos: Vec<&str> = with_text("The shop")
        .media
        .iter()
        .map(|m| m.sha256.as_str())
        .collect();
    assert_eq!(
        photos,
        [
            w.file_sha("media/carousel-1.jpg"),
            w.file_sha("media/carousel-2.png"),
            w.file_sha("media/square-1080.jpg")
        ]
    );
    assert_eq!(
        with_text("A video").media[0].sha256,
        w.file_sha("media/reel.mp4")
    );
    for r in w.records() {
        assert!(matches!(r.state, SlotState::Published { .. }), "{r:?}");
    }
    w.publish_due(publisher).await;
    assert_eq!(w.ledger().len(), 4);
}
