//! Resource bounds: a media URL that never ends is read only up to the limit of what is being
//! fetched (8 MiB for an Instagram image, 4 MiB for a Page photo), not the global download cap.

use postcal::platform::Platform;

use super::util::{EndlessServer, Sim};

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn an_endless_instagram_image_is_cut_off_at_its_8_mib_limit() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    let endless = EndlessServer::start().await;
    let base = format!("{}/v23.0", sim.sb.urls().instagram_graph);
    let c = sim
        .post(
            &format!("{base}/{}/media", acct.id),
            &acct.access_token,
            &[("image_url", &endless.url)],
        )
        .await
        .id();
    sim.process().await;
    let s = sim
        .get(
            &format!("{base}/{c}"),
            &acct.access_token,
            &[("fields", "status_code,status")],
        )
        .await;
    assert_eq!(s.ok()["status_code"], "ERROR");
    assert!(
        s.ok()["status"].as_str().unwrap().contains("2207004"),
        "{}",
        s.body
    );
    // 8 MiB read, plus what the kernel's socket buffers took in: far from the 1 GiB cap.
    assert!(
        endless.sent() < 64 * MIB,
        "{} bytes were read",
        endless.sent()
    );
}

#[tokio::test]
async fn an_endless_page_photo_is_refused_at_its_4_mib_limit() {
    let sim = Sim::start().await;
    let page = sim.account(Platform::Facebook, "acme-page");
    let endless = EndlessServer::start().await;
    let url = format!("{}/v23.0/{}/photos", sim.sb.urls().facebook_graph, page.id);
    let r = sim
        .post(&url, &page.access_token, &[("url", &endless.url)])
        .await;
    assert_eq!(r.graph_error().0, 100, "{}", r.body);
    assert!(
        endless.sent() < 64 * MIB,
        "{} bytes were read",
        endless.sent()
    );
    assert!(sim.sb.ledger().is_empty());
}
