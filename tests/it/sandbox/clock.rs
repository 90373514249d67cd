//! The admin clock: `GET /_sandbox/clock` and `POST /_sandbox/clock` (`{"advance": "25h"}` or
//! `{"set": RFC 3339}`, forward only), so tests in other processes can expire tokens,
//! containers and upload URLs, and make scheduled posts due.

use postcal::clock::Clock;
use postcal::platform::Platform;
use serde_json::json;

use super::util::{Sim, reply, t0};

async fn clock_post(sim: &Sim, body: serde_json::Value) -> super::util::Reply {
    let url = format!("{}/clock", sim.sb.urls().admin);
    reply(sim.http.post(url).json(&body).send().await.unwrap()).await
}

#[tokio::test]
async fn the_admin_clock_reads_and_moves_the_sandbox_clock_forward_only() {
    let sim = Sim::start().await;
    let url = format!("{}/clock", sim.sb.urls().admin);
    let now = reply(sim.http.get(&url).send().await.unwrap()).await;
    assert_eq!(now.ok()["now"], "2026-11-22T09:00:00Z");
    assert_eq!(now.ok()["unix"], t0().timestamp());

    let moved = clock_post(&sim, json!({ "advance": "25h" })).await;
    assert_eq!(moved.ok()["now"], "2026-11-23T10:00:00Z");
    assert_eq!(
        sim.clock.now(),
        t0() + chrono::Duration::hours(25),
        "the injected clock moved"
    );
    let moved = clock_post(&sim, json!({ "advance": "1d2h30m15s" })).await;
    assert_eq!(moved.ok()["now"], "2026-11-24T12:30:15Z");
    let set = clock_post(&sim, json!({ "set": "2026-12-01T00:00:00Z" })).await;
    assert_eq!(set.ok()["now"], "2026-12-01T00:00:00Z");
    let offset = clock_post(&sim, json!({ "set": "2026-12-01T02:00:00+01:00" })).await;
    assert_eq!(offset.ok()["now"], "2026-12-01T01:00:00Z");

    let back = clock_post(&sim, json!({ "set": "2026-11-30T00:00:00Z" })).await;
    assert_eq!(back.status, 409, "time never goes backwards: {}", back.body);
    for bad in [
        json!({ "advance": "-1h" }),
        json!({ "advance": "soon" }),
        json!({ "advance": "" }),
        json!({ "advance": 5 }),
        json!({ "set": "yesterday" }),
        json!({ "advance": "1h", "set": "2027-01-01T00:00:00Z" }),
        json!({}),
    ] {
        let r = clock_post(&sim, bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(r.body["error"].is_string());
    }
    assert_eq!(sim.clock.now(), t0() + chrono::Duration::hours(8 * 24 + 16));
}

#[tokio::test]
async fn advancing_the_admin_clock_expires_tokens() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Tiktok, "acme");
    let creator = || {
        sim.tiktok(
            "/v2/post/publish/creator_info/query/",
            &acct.access_token,
            json!({}),
        )
    };
    assert_eq!(creator().await.tiktok_code(), "ok");
    clock_post(&sim, json!({ "advance": "2h" })).await.ok();
    assert_eq!(
        creator().await.tiktok_code(),
        "access_token_invalid",
        "TikTok access tokens live 2 hours"
    );
}

#[tokio::test]
async fn library_users_move_the_clock_when_their_clock_allows_it() {
    use postcal::clock::{MoveError, SystemClock};
    use postcal::sandbox::{Sandbox, SandboxConfig};
    // `Sandbox::start` runs on the system time plus an offset that can grow.
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let before = sb.clock().now();
    let moved = sb.advance_clock(chrono::Duration::days(61)).unwrap();
    assert!(moved >= before + chrono::Duration::days(61));
    assert!(sb.clock().now() >= moved);
    assert!(
        matches!(sb.set_clock(before), Err(MoveError::Backwards(_))),
        "time never goes backwards"
    );
    sb.shutdown().await;

    // A manual clock moves too (the `Sim` helpers use one).
    let sim = Sim::start().await;
    let to = t0() + chrono::Duration::hours(3);
    assert_eq!(sim.sb.set_clock(to), Ok(to));
    assert_eq!(sim.clock.now(), to);

    // A clock that follows real time only cannot be moved, through either door.
    let fixed = Sandbox::start_with(
        SandboxConfig::default(),
        std::sync::Arc::new(SystemClock),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        fixed.advance_clock(chrono::Duration::hours(1)),
        Err(MoveError::NotAdjustable)
    );
    let r = reply(
        sim.http
            .post(format!("{}/clock", fixed.urls().admin))
            .body(r#"{"advance":"1h"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
}
