//! Fault injection: ambiguous commits ("apply then drop", "apply then 500"), injected errors,
//! processing failures, latency, hangs, the admin endpoint, and determinism from a seed.

use postcal::platform::Platform;
use postcal::sandbox::{
    ErrorFault, FaultAction, FaultCode, FaultPlan, FaultRule, ProcessingFault, SandboxConfig,
};
use serde_json::json;

use super::util::{Sim, reply};

fn ig(sim: &Sim, path: &str) -> String {
    format!("{}/v23.0/{path}", sim.sb.urls().instagram_graph)
}

#[tokio::test]
async fn apply_then_drop_publishes_but_closes_the_connection_and_a_retry_stays_one_post() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    sim.sb
        .faults()
        .add(FaultRule::new("instagram.media_publish", FaultAction::ApplyThenDrop).times(1));
    let c = sim
        .post(
            &ig(&sim, &format!("{}/media", acct.id)),
            &acct.access_token,
            &[("image_url", &sim.url("square.jpg"))],
        )
        .await
        .id();
    sim.process().await;
    let publish_url = ig(&sim, &format!("{}/media_publish", acct.id));
    let dropped = sim
        .http
        .post(&publish_url)
        .bearer_auth(acct.access_token.expose())
        .form(&[("creation_id", &c)])
        .send()
        .await;
    let err = dropped.expect_err("the client must see a closed connection, not an answer");
    assert!(!err.is_timeout(), "{err}");

    // The post went out: the ledger has it and the container reads PUBLISHED.
    let ledger = sim.sb.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].source, c);
    let status = sim
        .get(
            &ig(&sim, &c),
            &acct.access_token,
            &[("fields", "status_code")],
        )
        .await;
    assert_eq!(status.ok()["status_code"], "PUBLISHED");
    // Publishing the same container again does not make a second post.
    let again = sim
        .post(&publish_url, &acct.access_token, &[("creation_id", &c)])
        .await;
    assert_eq!(again.graph_error(), (9007, Some(2207027)));
    assert_eq!(sim.sb.ledger().len(), 1);
    assert_eq!(sim.sb.counters()["instagram.media_publish"], 2);
}

#[tokio::test]
async fn apply_then_500_commits_and_answers_an_internal_error_in_each_envelope() {
    let sim = Sim::start().await;
    let page = sim.account(Platform::Facebook, "page");
    let tt = sim.account(Platform::Tiktok, "creator");
    sim.sb
        .faults()
        .add(FaultRule::new("facebook.feed", FaultAction::ApplyThen500));
    sim.sb.faults().add(FaultRule::new(
        "tiktok.video_init",
        FaultAction::ApplyThen500,
    ));
    let feed = format!("{}/v23.0/{}/feed", sim.sb.urls().facebook_graph, page.id);
    let r = sim
        .post(&feed, &page.access_token, &[("message", "did it go out?")])
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.graph_error().0, 2);
    let body = json!({ "post_info": { "privacy_level": "SELF_ONLY" }, "source_info": { "source": "PULL_FROM_URL", "video_url": sim.url("reel.mp4") } });
    let r = sim
        .tiktok("/v2/post/publish/video/init/", &tt.access_token, body)
        .await;
    assert_eq!(
        (r.status, r.tiktok_code().as_str()),
        (500, "internal_error")
    );
    sim.process().await;
    let kinds: Vec<_> = sim
        .sb
        .ledger()
        .iter()
        .map(|e| (e.platform, e.kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Platform::Facebook, "FEED".to_owned()),
            (Platform::Tiktok, "VIDEO".to_owned())
        ]
    );
}

#[tokio::test]
async fn injected_errors_carry_the_chosen_codes_and_apply_nothing() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    let tt = sim.account(Platform::Tiktok, "creator");
    let graph_error = ErrorFault {
        code: FaultCode::Number(-1),
        subcode: Some(2207001),
        status: Some(500),
        message: None,
    };
    sim.sb.faults().add(
        FaultRule::new(
            "instagram.create_container",
            FaultAction::Error(graph_error),
        )
        .times(1),
    );
    let tiktok_error = ErrorFault {
        code: FaultCode::Text("spam_risk_too_many_posts".into()),
        subcode: None,
        status: None,
        message: None,
    };
    sim.sb.faults().add(
        FaultRule::new("tiktok.*", FaultAction::Error(tiktok_error))
            .skip(1)
            .times(1),
    );
    let create = ig(&sim, &format!("{}/media", acct.id));
    let r = sim
        .post(
            &create,
            &acct.access_token,
            &[("image_url", &sim.url("square.jpg"))],
        )
        .await;
    assert_eq!((r.status, r.graph_error()), (500, (-1, Some(2207001))));
    sim.post(
        &create,
        &acct.access_token,
        &[("image_url", &sim.url("square.jpg"))],
    )
    .await
    .id();
    let info = || {
        sim.tiktok(
            "/v2/post/publish/creator_info/query/",
            &tt.access_token,
            json!({}),
        )
    };
    assert_eq!(
        info().await.tiktok_code(),
        "ok",
        "skip: 1 lets the first call through"
    );
    let hit = info().await;
    assert_eq!(
        (hit.status, hit.tiktok_code().as_str()),
        (403, "spam_risk_too_many_posts")
    );
    assert_eq!(info().await.tiktok_code(), "ok", "times: 1");
}

#[tokio::test]
async fn processing_failures_end_containers_and_posts_in_the_chosen_status() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    let th = sim.account(Platform::Threads, "acme");
    let tt = sim.account(Platform::Tiktok, "creator");
    let faults = sim.sb.faults();
    faults.add(FaultRule::new(
        "instagram.processing",
        FaultAction::ProcessingError(ProcessingFault {
            subcode: Some(2207001),
            ..Default::default()
        }),
    ));
    faults.add(FaultRule::new(
        "threads.processing",
        FaultAction::ProcessingError(ProcessingFault {
            error_message: Some("FAILED_PROCESSING_VIDEO".into()),
            ..Default::default()
        }),
    ));
    faults.add(FaultRule::new(
        "tiktok.processing",
        FaultAction::ProcessingError(ProcessingFault {
            fail_reason: Some("internal".into()),
            ..Default::default()
        }),
    ));

    let c = sim
        .post(
            &ig(&sim, &format!("{}/media", acct.id)),
            &acct.access_token,
            &[("image_url", &sim.url("square.jpg"))],
        )
        .await
        .id();
    let tc = sim
        .post(
            &format!("{}/v1.0/{}/threads", sim.sb.urls().threads_graph, th.id),
            &th.access_token,
            &[("media_type", "VIDEO"), ("video_url", &sim.url("reel.mp4"))],
        )
        .await
        .id();
    let body = json!({ "post_info": { "privacy_level": "SELF_ONLY" }, "source_info": { "source": "PULL_FROM_URL", "video_url": sim.url("reel.mp4") } });
    let init = sim
        .tiktok("/v2/post/publish/video/init/", &tt.access_token, body)
        .await;
    let publish_id = init.body["data"]["publish_id"].as_str().unwrap().to_owned();
    sim.process().await;

    let s = sim
        .get(
            &ig(&sim, &c),
            &acct.access_token,
            &[("fields", "status_code,status")],
        )
        .await;
    assert_eq!(s.ok()["status_code"], "ERROR");
    assert!(s.ok()["status"].as_str().unwrap().contains("2207001"));
    let s = sim
        .get(
            &format!("{}/v1.0/{tc}", sim.sb.urls().threads_graph),
            &th.access_token,
            &[("fields", "status,error_message")],
        )
        .await;
    assert_eq!(s.ok()["error_message"], "FAILED_PROCESSING_VIDEO");
    let s = sim
        .tiktok(
            "/v2/post/publish/status/fetch/",
            &tt.access_token,
            json!({ "publish_id": publish_id }),
        )
        .await;
    assert_eq!(
        (
            s.body["data"]["status"].as_str(),
            s.body["data"]["fail_reason"].as_str()
        ),
        (Some("FAILED"), Some("internal"))
    );
    assert!(sim.sb.ledger().is_empty());
}

#[tokio::test]
async fn a_hang_never_answers_and_ends_when_the_sandbox_shuts_down() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    sim.sb
        .faults()
        .add(FaultRule::new("instagram.read_user", FaultAction::Hang));
    let request = sim
        .http
        .get(ig(&sim, "me"))
        .bearer_auth(acct.access_token.expose())
        .send();
    let pending = tokio::spawn(request);
    while !sim.sb.counters().contains_key("instagram.read_user") {
        tokio::task::yield_now().await;
    }
    assert!(!pending.is_finished());
    let Sim { sb, .. } = sim;
    tokio::time::timeout(std::time::Duration::from_secs(10), sb.shutdown())
        .await
        .expect("shutdown ends hangs");
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(
        outcome.is_err(),
        "the hung request gets no answer: {outcome:?}"
    );
}

#[tokio::test]
async fn added_latency_delays_the_answer() {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Instagram, "acme");
    sim.sb.faults().add(FaultRule::new(
        "instagram.read_user",
        FaultAction::Latency { ms: 15 },
    ));
    let started = std::time::Instant::now();
    sim.get(&ig(&sim, "me"), &acct.access_token, &[]).await.ok();
    assert!(started.elapsed() >= std::time::Duration::from_millis(15));
}

#[tokio::test]
async fn the_admin_endpoint_sets_faults_from_yaml_and_shows_ledger_and_counters() {
    let sim = Sim::start().await;
    let admin = sim.sb.urls().admin.clone();
    let created = reply(
        sim.http
            .post(format!("{admin}/accounts"))
            .body(r#"{"platform":"facebook","username":"page"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(created.status, 201);
    let page_id = created.body["id"].as_str().unwrap().to_owned();
    let token = postcal::sandbox::Secret::from(created.body["access_token"].as_str().unwrap());
    let plan = "rules:\n  - endpoint: facebook.feed\n    times: 1\n    action: { error: { code: 368, message: Temporarily blocked } }\n";
    let put = reply(
        sim.http
            .put(format!("{admin}/faults"))
            .body(plan)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let feed = format!("{}/v23.0/{page_id}/feed", sim.sb.urls().facebook_graph);
    assert_eq!(
        sim.post(&feed, &token, &[("message", "1")])
            .await
            .graph_error()
            .0,
        368
    );
    sim.post(&feed, &token, &[("message", "2")]).await.id();
    let ledger = reply(
        sim.http
            .get(format!("{admin}/ledger"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ledger.body["entries"].as_array().unwrap().len(), 1);
    assert_eq!(ledger.body["entries"][0]["text"], "2");
    assert!(
        !ledger.body.to_string().contains(token.expose()),
        "no token in the ledger"
    );
    let counters = reply(
        sim.http
            .get(format!("{admin}/counters"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(counters.body["calls"]["facebook.feed"], 2);
    let bad = reply(
        sim.http
            .put(format!("{admin}/faults"))
            .body("rules: [ { endpoint: x } ]")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, 400);
    let cleared = sim
        .http
        .delete(format!("{admin}/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert_eq!(sim.sb.faults().plan(), FaultPlan::default());
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_ids_and_tokens() {
    async fn run(seed: u64) -> (Vec<u16>, String, String) {
        let mut config = SandboxConfig {
            seed,
            ..SandboxConfig::default()
        };
        config.faults.rules.push(
            FaultRule::new(
                "instagram.read_user",
                FaultAction::Error(ErrorFault {
                    code: FaultCode::Number(1),
                    subcode: None,
                    status: None,
                    message: None,
                }),
            )
            .rate(0.5),
        );
        let sim = Sim::with(config).await;
        let acct = sim.account(Platform::Instagram, "acme");
        let mut statuses = Vec::new();
        for _ in 0..16 {
            statuses.push(
                sim.get(&ig(&sim, "me"), &acct.access_token, &[])
                    .await
                    .status,
            );
        }
        (statuses, acct.id, acct.access_token.expose().to_owned())
    }
    let (a, b, c) = (run(11).await, run(11).await, run(12).await);
    assert_eq!(a, b);
    assert_ne!(a.0, c.0);
    assert!(a.0.contains(&200) && a.0.contains(&500));
}
