//! Resource bounds: a media URL that never ends is read only up to the limit of what is being
//! fetched (8 MiB for an Instagram image, 4 MiB for a Page photo), not the global download cap;
//! silent, half-sent and stalled requests are timed out, never block shutdown, and idle
//! connections cannot starve new ones.

use std::time::Duration;

use postcal::platform::Platform;
use postcal::sandbox::{SandboxConfig, ServerSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

#[tokio::test]
async fn graph_bodies_over_1_mib_are_refused_unread() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    let url = format!("{}/v23.0/{}/media", sim.sb.urls().instagram_graph, acct.id);
    let caption = "x".repeat(1024 * 1024);
    let r = sim
        .post(
            &url,
            &acct.access_token,
            &[("image_url", &sim.url("square.jpg")), ("caption", &caption)],
        )
        .await;
    assert_eq!(r.graph_error().0, 100);
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("too large"), "{message}");
}

#[tokio::test]
async fn a_tiktok_call_with_a_bad_token_is_refused_before_its_body_is_read() {
    let sim = Sim::start().await;
    let mut tcp = connect(&sim).await;
    let head = "POST /open.tiktokapis.com/v2/post/publish/video/init/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer act.forged\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{";
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut answer))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("access_token_invalid"), "{answer}");
}

/// A sandbox with the server settings a test needs.
async fn with_server(edit: impl FnOnce(&mut ServerSettings)) -> Sim {
    let mut config = SandboxConfig::default();
    edit(&mut config.server);
    Sim::with(config).await
}

async fn connect(sim: &Sim) -> TcpStream {
    TcpStream::connect(sim.sb.addr()).await.unwrap()
}

/// Whether the server closed `tcp` within `within` (EOF or reset), reading and discarding
/// whatever it answered first.
async fn closed_within(tcp: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_silent_or_half_sent_request_head_is_closed_after_the_header_timeout() {
    let sim = with_server(|s| s.header_timeout_ms = 300).await;
    let mut silent = connect(&sim).await;
    let mut half = connect(&sim).await;
    half.write_all(b"GET /_sandbox/ HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut silent, Duration::from_secs(5)).await,
        "silent connection"
    );
    assert!(
        closed_within(&mut half, Duration::from_secs(5)).await,
        "half-sent head"
    );
    // Requests that arrive in time are served as before.
    let ok = sim
        .http
        .get(format!("{}/", sim.sb.urls().admin))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_stalled_request_body_fails_after_the_body_timeout() {
    let sim = with_server(|s| s.body_idle_timeout_ms = 300).await;
    let page = sim.account(Platform::Facebook, "acme-page");
    let mut tcp = connect(&sim).await;
    let head = format!(
        "POST /graph.facebook.com/v23.0/{}/feed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nmessage=hel",
        page.id,
        page.access_token.expose()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut answer))
        .await
        .expect("the stalled request is answered, not left hanging")
        .unwrap();
    let status = String::from_utf8_lossy(&answer[..n]);
    assert!(status.starts_with("HTTP/1.1 4"), "{status}");
    assert!(
        sim.sb.ledger().is_empty(),
        "nothing was posted from half a body"
    );
}

#[tokio::test]
async fn half_sent_requests_do_not_block_shutdown() {
    let sim = with_server(|s| s.shutdown_grace_ms = 200).await;
    let page = sim.account(Platform::Facebook, "acme-page");
    let mut head_only = connect(&sim).await;
    head_only
        .write_all(b"GET /_sandbox/ HTTP/1.1\r\n")
        .await
        .unwrap();
    let mut body_half = connect(&sim).await;
    let head = format!(
        "POST /graph.facebook.com/v23.0/{}/feed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 1000\r\n\r\nmessage=",
        page.id,
        page.access_token.expose()
    );
    body_half.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await; // let the server read both
    let Sim { sb, .. } = sim;
    tokio::time::timeout(Duration::from_secs(5), sb.shutdown())
        .await
        .expect("shutdown waits for no client longer than its grace");
    assert!(closed_within(&mut body_half, Duration::from_secs(2)).await);
    assert!(closed_within(&mut head_only, Duration::from_secs(2)).await);
}

#[tokio::test]
async fn idle_connections_at_the_limit_make_room_for_new_requests() {
    let sim = with_server(|s| {
        s.max_connections = 4;
        s.header_timeout_ms = 60_000;
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(connect(&sim).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await; // all four accepted
    let started = std::time::Instant::now();
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        fresh.get(format!("{}/", sim.sb.urls().admin)).send(),
    )
    .await
    .expect("a new request is not starved by idle connections")
    .unwrap();
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(3));
    let mut closed = 0;
    for tcp in &mut idle {
        if closed_within(tcp, Duration::from_millis(1500)).await {
            closed += 1;
        }
    }
    assert!(closed >= 1, "an idle connection was closed to make room");
}
