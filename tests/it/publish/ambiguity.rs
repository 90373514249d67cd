//! The ambiguity matrix: the sandbox's faults on every commit endpoint (the post made, then the
//! answer lost or a 500; or no answer at all), errors while preparing, processing failures,
//! full quotas and revoked tokens. No post is ever made twice, no post that went out is
//! reported failed, and a slot needs review only where the platform truly cannot tell
//! (TikTok has nothing to look an unanswered init up in).

use std::time::Duration;

use postcal::reconcile::{CallLimits, Daemon, Jitter, Options, Wakeup};
use postcal::sandbox::{FaultRule, SandboxConfig};
use postcal::state::{MemStore, SlotState};
use serde_json::json;
use tokio::sync::watch;

use super::crash::{ACCOUNTS, flows};
use super::util::World;

fn rule(endpoint: &str, action: serde_json::Value, times: u32) -> FaultRule {
    serde_json::from_value(json!({ "endpoint": endpoint, "action": action, "times": times }))
        .unwrap()
}

/// Publishes one flow's post with `faults` active until nothing is left to do; returns the
/// number of posts the sandbox made and the slot's final record state.
async fn publish(
    w: &World,
    flow: &str,
    body: &str,
    faults: Vec<FaultRule>,
) -> (usize, SlotState, Option<String>) {
    publish_until(w, flow, body, faults, chrono::Duration::hours(2)).await
}

/// [`publish`], the run ending after `run_for` of (virtual) time at most.
async fn publish_until(
    w: &World,
    flow: &str,
    body: &str,
    faults: Vec<FaultRule>,
    run_for: chrono::Duration,
) -> (usize, SlotState, Option<String>) {
    w.write(
        &format!("{flow}.yaml"),
        &format!("id: {flow}\nat: 2026-12-01T08:59:00Z\n{body}"),
    );
    for f in faults {
        w.sandbox.faults().add(f);
    }
    let store = MemStore::new();
    let daemon = Daemon::new(
        w.root(),
        Box::new(store.clone()),
        w.publishers(),
        w.clock.clone(),
        Options {
            jitter: Jitter::seeded(3),
            exit_when_idle: true,
            // Slots that wait (quota, login) end the run after `run_for` (hours: seconds).
            until: Some(postcal::clock::Clock::now(w.clock.as_ref()) + run_for),
            // A hung commit is given up on quickly (its answer is then ambiguous).
            limits: CallLimits {
                commit: Duration::from_secs(2),
                lookup: Duration::from_secs(2),
                ready: Duration::from_secs(2),
                ..CallLimits::default()
            },
            ..Options::default()
        },
    )
    .unwrap();
    let (_stop, rx) = watch::channel(false);
    tokio::time::timeout(Duration::from_secs(60), daemon.run(Wakeup::new(), rx))
        .await
        .unwrap_or_else(|_| panic!("{flow}: did not finish"))
        .unwrap();
    // TikTok finishes what it accepted on its own (downloads, processing): let it.
    w.sandbox.settle().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let record = store
        .records()
        .into_iter()
        .find(|r| r.key.post == flow)
        .expect("a record of the post");
    (w.ledger().len(), record.state, record.waiting)
}

/// The commit endpoint of each flow.
fn commit_endpoint(flow: &str) -> &'static str {
    match flow.split('-').next().unwrap() {
        "ig" => "instagram.media_publish",
        "threads" => "threads.publish",
        "tiktok" if flow.ends_with("photos") => "tiktok.content_init",
        "tiktok" => "tiktok.video_init",
        _ if flow == "fb-video" => "facebook.videos",
        _ => "facebook.feed",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_to_every_commit_never_make_a_post_twice() {
    let mut problems = Vec::new();
    for (flow, body) in flows() {
        let endpoint = commit_endpoint(flow);
        for action in [
            json!("apply_then_drop"),
            json!("apply_then_500"),
            json!("hang"),
        ] {
            let w = World::start(&ACCOUNTS).await;
            let (posts, state, _) =
                publish(&w, flow, body, vec![rule(endpoint, action.clone(), 1)]).await;
            let applied = action != json!("hang");
            let ok = match (&state, flow.starts_with("tiktok")) {
                // Everything but TikTok is resolved by look-up: published exactly once.
                (SlotState::Published { .. }, _) => posts == 1,
                // TikTok cannot tell: a person checks; the post went out once, or not at all.
                (SlotState::NeedsReview { .. }, true) => posts == usize::from(applied),
                _ => false,
            };
            if !ok {
                problems.push(format!(
                    "{flow} {endpoint} {action}: {posts} posts, {state:?}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_before_the_commit_are_retried_and_publish_once() {
    let server_error = |endpoint: &str, code: serde_json::Value| {
        rule(
            endpoint,
            json!({ "error": { "code": code, "status": 500 } }),
            2,
        )
    };
    let cases: Vec<(&str, Vec<FaultRule>)> = vec![
        (
            "ig-feed",
            vec![server_error("instagram.create_container", json!(-1))],
        ),
        (
            "ig-carousel",
            vec![server_error("instagram.container_status", json!(-1))],
        ),
        (
            "threads-text",
            vec![server_error("threads.create_container", json!(-1))],
        ),
        (
            "fb-photos",
            vec![server_error("facebook.photos", json!(-1))],
        ),
        (
            "tiktok-video",
            vec![server_error("tiktok.creator_info", json!("internal_error"))],
        ),
        // Processing that fails for a passing reason: a new container (a new TikTok post).
        (
            "ig-reel",
            vec![rule(
                "instagram.processing",
                json!({ "processing_error": { "subcode": 2207001 } }),
                1,
            )],
        ),
        (
            "threads-carousel",
            vec![rule(
                "threads.processing",
                json!({ "processing_error": { "error_message": "FAILED_DOWNLOADING_VIDEO" } }),
                1,
            )],
        ),
        (
            "tiktok-video",
            vec![rule(
                "tiktok.processing",
                json!({ "processing_error": { "fail_reason": "internal" } }),
                1,
            )],
        ),
        // The look-up after a lost answer fails too, then works.
        (
            "ig-feed",
            vec![
                rule("instagram.media_publish", json!("apply_then_drop"), 1),
                server_error("instagram.container_status", json!(-1)),
            ],
        ),
    ];
    let all = flows();
    let mut problems = Vec::new();
    for (flow, faults) in cases {
        let body = all.iter().find(|(f, _)| *f == flow).unwrap().1;
        let w = World::start(&ACCOUNTS).await;
        let (posts, state, _) = publish(&w, flow, body, faults).await;
        if posts != 1 || !matches!(state, SlotState::Published { .. }) {
            problems.push(format!("{flow}: {posts} posts, {state:?}"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_the_platform_refuses_fails_for_good_with_nothing_published() {
    let all = flows();
    let body = |f: &str| all.iter().find(|(n, _)| *n == f).unwrap().1;
    let w = World::start(&ACCOUNTS).await;
    let (posts, state, _) = publish(
        &w,
        "ig-reel",
        body("ig-reel"),
        vec![rule(
            "instagram.processing",
            json!({ "processing_error": { "subcode": 2207026 } }),
            1,
        )],
    )
    .await;
    assert_eq!(posts, 0);
    match state {
        SlotState::Failed {
            permanent: true,
            reason,
        } => assert!(reason.contains("2207026"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_quota_waits_and_is_never_a_failure() {
    let mut config = SandboxConfig::default();
    config.instagram.posts_per_24h = 1;
    let w = World::with(&ACCOUNTS, config).await;
    let all = flows();
    let body = |f: &str| all.iter().find(|(n, _)| *n == f).unwrap().1;
    w.write(
        "first.yaml",
        &format!("id: first\nat: 2026-12-01T08:58:00Z\n{}", body("ig-feed")),
    );
    // Within max_lateness (1 h): still waiting. (Past it, the slot is recorded missed, as any
    // slot that could not go out in time: never published late.)
    let (posts, state, waiting) = publish_until(
        &w,
        "ig-story",
        body("ig-story"),
        vec![],
        chrono::Duration::minutes(30),
    )
    .await;
    // One post made; the other waits for the rolling window, with the reason shown.
    assert_eq!(posts, 1);
    let waiting = waiting.unwrap_or_default();
    assert!(waiting.contains("waiting for quota"), "{state:?} {waiting}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_makes_the_slot_wait_for_a_login_not_fail() {
    let w = World::start(&ACCOUNTS).await;
    let all = flows();
    let body = |f: &str| all.iter().find(|(n, _)| *n == f).unwrap().1;
    assert!(
        w.sandbox
            .revoke_token(&w.account("threads/acme").access_token)
    );
    let (posts, state, waiting) = publish(&w, "threads-text", body("threads-text"), vec![]).await;
    assert_eq!(posts, 0);
    assert!(
        !matches!(
            state,
            SlotState::Failed { .. } | SlotState::NeedsReview { .. }
        ),
        "{state:?}"
    );
    assert!(
        waiting.unwrap_or_default().contains("needs login"),
        "{state:?}"
    );
}
