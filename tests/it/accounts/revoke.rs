//! A grant revoked while the daemon runs: that account's slots wait with "needs login", the
//! other account keeps publishing, and after a new login the waiting slots go out, once.

use std::sync::Arc;
use std::time::Duration;

use postcal::auth::key::VaultKey;
use postcal::auth::login::{Attempt, Callback, Redirect};
use postcal::auth::summary::Summary;
use postcal::auth::vault::Vault;
use postcal::auth::{App, HttpRefresher, OAuthHosts, VaultCredentials};
use postcal::manifest::config::InstagramLogin;
use postcal::platform::TargetKey;
use postcal::platform::context::Context;
use postcal::reconcile::Publisher;
use postcal::sandbox::SandboxConfig;
use postcal::state::SlotState;

use crate::publish::util::World;

fn app(a: postcal::sandbox::config::AppCredentials) -> App {
    App {
        client_id: a.client_id,
        client_secret: a.client_secret.into(),
    }
}

/// `postcal login TARGET` against the world's sandbox, saved in `vault`.
async fn login(w: &World, vault: &Vault, target: &str) {
    let t: TargetKey = target.parse().unwrap();
    let apps = SandboxConfig::default().apps;
    let app = match t.platform {
        postcal::platform::Platform::Threads => app(apps.threads),
        _ => app(apps.facebook),
    };
    let setup = postcal::auth::login::LoginSetup {
        target: t.clone(),
        login: InstagramLogin::Instagram,
        app,
        hosts: OAuthHosts::sandbox(&w.sandbox.urls().root),
        redirect: Redirect::Loopback(0),
        expected_id: Some(w.account(target).id.clone()),
        extra: vec![("sandbox_account".into(), t.account.clone())],
        also_need: Vec::new(),
        timeout: Duration::from_secs(20),
    };
    let server = Callback::bind(0).await.unwrap();
    let attempt = Attempt::new(&setup, &server.redirect_uri);
    let waiting = tokio::spawn(server.wait(Duration::from_secs(20)));
    let browser = reqwest::Client::builder().no_proxy().build().unwrap();
    browser.get(&attempt.url).send().await.unwrap();
    let code = attempt.code(&waiting.await.unwrap().unwrap()).unwrap();
    let done = attempt
        .finish(&w.cx.http, &setup, &code, w.clock.now())
        .await
        .unwrap();
    vault
        .update(|d| {
            d.accounts.insert(target.to_owned(), done.account);
        })
        .unwrap();
}

fn publishers(cx: &Context) -> Arc<dyn Publisher> {
    use postcal::platform::{facebook, instagram, router, threads, tiktok};
    Arc::new(router::Publishers {
        instagram: Arc::new(instagram::InstagramPublisher::new(cx.clone())),
        tiktok: Arc::new(tiktok::TiktokPublisher::new(cx.clone())),
        threads: Arc::new(threads::ThreadsPublisher::new(cx.clone())),
        facebook: Arc::new(facebook::FacebookPublisher::new(cx.clone())),
    })
}

fn post(id: &str, text: &str) -> String {
    format!(
        "id: {id}\nat: 2026-12-01T08:59:00Z\ntext: {text}\ntargets:\n  threads/harbor: {{}}\n  facebook/harborpage: {{}}\n"
    )
}

#[tokio::test]
async fn a_revoked_grant_waits_for_login_while_other_accounts_publish() {
    let w = World::start(&["threads/harbor", "facebook/harborpage"]).await;
    let state = w.root().join(".postcal");
    let vault = Vault::new(&state, Arc::new(VaultKey::generate()));
    login(&w, &vault, "threads/harbor").await;
    login(&w, &vault, "facebook/harborpage").await;
    let apps = SandboxConfig::default().apps;
    let refresher = HttpRefresher {
        http: w.cx.http.clone(),
        hosts: OAuthHosts::sandbox(&w.sandbox.urls().root),
        tiktok: Some(app(apps.tiktok)),
        facebook: Some(app(apps.facebook)),
    };
    let creds =
        VaultCredentials::open(vault.clone(), Arc::new(refresher), w.clock.clone()).unwrap();
    let mut cx = w.cx.clone();
    cx.credentials = Arc::new(creds);
    let publisher = publishers(&cx);

    w.write("before.yaml", &post("before", "Before the revoke"));
    w.publish_due(publisher.clone()).await;
    assert_eq!(w.ledger().len(), 2);

    // The person removes the app from their Threads account.
    let token = vault.read().unwrap().accounts["threads/harbor"]
        .tokens
        .access
        .clone();
    assert!(w.sandbox.revoke_token(&token));
    w.write("after.yaml", &post("after", "After the revoke"));
    w.publish_due(publisher.clone()).await;
    let ledger = w.ledger();
    assert_eq!(ledger.len(), 3, "Facebook kept publishing: {ledger:#?}");
    assert_eq!(ledger[2].platform.to_string(), "facebook");
    let waiting = w
        .records()
        .into_iter()
        .find(|r| r.key.post == "after" && r.key.target.to_string() == "threads/harbor")
        .unwrap();
    let why = waiting.waiting.clone().unwrap_or_default();
    assert!(why.contains("needs login"), "{waiting:?}");
    assert!(why.contains("postcal login threads/harbor"), "{why}");
    assert!(
        !matches!(waiting.state, SlotState::Failed { .. }),
        "waits, never fails"
    );
    let warnings = Summary::read(&state).unwrap().warnings(w.clock.now());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("threads/harbor needs login"),
        "{}",
        warnings[0]
    );

    // `plan`, `status` and `accounts` say so, with the command that fixes it.
    for verb in ["plan", "status"] {
        let out = crate::util::Postcal::new()
            .args([verb, w.root().to_str().unwrap()])
            .run();
        let said = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            said.contains("threads/harbor needs login")
                && said.contains("run `postcal login threads/harbor`"),
            "{verb}: {}",
            out.stderr
        );
    }

    // `postcal login` again; the daemon notices the vault changed at its next try.
    login(&w, &vault, "threads/harbor").await;
    assert!(
        Summary::read(&state)
            .unwrap()
            .warnings(w.clock.now())
            .is_empty()
    );
    let until = waiting.next_action.unwrap();
    w.clock.sleep_until(until).await;
    w.publish_due(publisher.clone()).await;
    w.publish_due(publisher).await;
    let texts: Vec<_> = w
        .ledger()
        .iter()
        .map(|e| (e.platform.to_string(), e.text.clone().unwrap_or_default()))
        .collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert_eq!(
        texts
            .iter()
            .filter(|(p, t)| p == "threads" && t == "After the revoke")
            .count(),
        1
    );
}
