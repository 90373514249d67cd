//! Every login flow end to end against the sandbox's OAuth pages: the authorize address is
//! opened with reqwest, which follows the sandbox's redirect to postcal's one-shot callback.

use std::time::Duration;

use postcal::auth::login::{Callback, LoginError};
use postcal::manifest::config::InstagramLogin;

use super::util::{Env, t0};

const FLOWS: &[(&str, InstagramLogin)] = &[
    ("instagram/harbor", InstagramLogin::Instagram),
    ("instagram/viafb", InstagramLogin::Facebook),
    ("facebook/harborpage", InstagramLogin::Instagram),
    ("threads/harbor", InstagramLogin::Instagram),
    ("tiktok/harbor", InstagramLogin::Instagram),
];

#[tokio::test]
async fn every_flow_logs_in_reads_the_account_back_and_gets_long_lived_tokens() {
    let env = Env::start().await;
    for (target, login) in FLOWS {
        let seeded = env.account(target);
        let mut setup = env.setup(target, *login);
        if *login == InstagramLogin::Facebook {
            // The sandbox links no Page to the Instagram account: postcal.yaml names it.
            setup.expected_id = Some(seeded.id.clone());
        }
        let (done, attempt, _) = env.login_with(&setup, |u| u).await;
        let done = done.unwrap_or_else(|e| panic!("{target}: {e}"));
        let a = &done.account;
        assert_eq!(a.tokens.id, seeded.id, "{target}");
        assert_eq!(
            a.username.as_deref(),
            Some(seeded.username.as_str()),
            "{target}"
        );
        assert!(
            done.missing_scopes.is_empty(),
            "{target}: {:?}",
            done.missing_scopes
        );
        assert!(done.id_mismatch.is_none());
        let lifetime = a.tokens.expires_at.map(|e| (e - t0()).num_hours());
        let expected = match *target {
            "facebook/harborpage" => None,
            "tiktok/harbor" => Some(2),
            _ => Some(60 * 24),
        };
        assert_eq!(
            lifetime, expected,
            "{target}: a long-lived token (or a Page token)"
        );
        if target.starts_with("tiktok") {
            assert!(a.tokens.refresh.is_some());
            assert!(attempt.url.contains("code_challenge_method=S256"));
        }
        // The callback server is gone once the browser came back.
        assert!(
            env.http.get(&attempt.redirect_uri).send().await.is_err(),
            "{target}"
        );
    }
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused_before_any_exchange() {
    let env = Env::start().await;
    for (target, login) in FLOWS
        .iter()
        .filter(|(_, l)| *l == InstagramLogin::Instagram)
    {
        env.account(target);
        let setup = env.setup(target, *login);
        let (done, attempt, code) = env
            .login_with(&setup, |u| {
                let q = u
                    .split("state=")
                    .nth(1)
                    .unwrap()
                    .split('&')
                    .next()
                    .unwrap()
                    .to_owned();
                u.replace(&format!("state={q}"), "state=forged-by-someone-else")
            })
            .await;
        assert!(
            matches!(done, Err(LoginError::StateMismatch)),
            "{target}: {done:?}"
        );
        assert!(code.is_none(), "the code is not even read");
        assert!(!attempt.state.is_empty());
    }
}

#[tokio::test]
async fn a_code_is_good_once() {
    let env = Env::start().await;
    for (target, login) in FLOWS
        .iter()
        .filter(|(t, _)| !t.starts_with("instagram/viafb"))
    {
        env.account(target);
        let setup = env.setup(target, *login);
        let (done, attempt, code) = env.login_with(&setup, |u| u).await;
        done.unwrap();
        let again = attempt
            .finish(&env.http, &setup, &code.unwrap(), t0())
            .await
            .unwrap_err();
        let LoginError::Exchange(why) = &again else {
            panic!("{target}: {again:?}");
        };
        assert!(why.to_lowercase().contains("used"), "{target}: {why}");
    }
}

#[tokio::test]
async fn a_denied_consent_saves_nothing_and_says_so() {
    let env = Env::start().await;
    for (target, login) in FLOWS {
        env.account(target);
        let setup = env.setup(target, *login);
        let (done, _, _) = env.login_with(&setup, |u| u + "&sandbox_deny=1").await;
        let err = done.unwrap_err();
        assert!(matches!(err, LoginError::Denied(_)), "{target}: {err:?}");
        assert!(err.to_string().contains("allow access"), "{err}");
    }
}

#[tokio::test]
async fn missing_scopes_are_named() {
    let env = Env::start().await;
    let cases = [
        (
            "instagram/harbor",
            InstagramLogin::Instagram,
            "instagram_business_content_publish",
        ),
        (
            "instagram/viafb",
            InstagramLogin::Facebook,
            "instagram_content_publish",
        ),
        (
            "facebook/harborpage",
            InstagramLogin::Instagram,
            "pages_manage_posts",
        ),
        (
            "threads/harbor",
            InstagramLogin::Instagram,
            "threads_content_publish",
        ),
        ("tiktok/harbor", InstagramLogin::Instagram, "video.publish"),
    ];
    for (target, login, scope) in cases {
        let seeded = env.account(target);
        let mut setup = env.setup(target, login);
        setup.expected_id = (login == InstagramLogin::Facebook).then(|| seeded.id.clone());
        let (done, _, _) = env
            .login_with(&setup, |u| format!("{u}&sandbox_decline={scope}"))
            .await;
        let done = done.unwrap_or_else(|e| panic!("{target}: {e}"));
        assert_eq!(done.missing_scopes, vec![scope.to_owned()], "{target}");
    }
}

#[tokio::test]
async fn an_account_other_than_the_one_in_postcal_yaml_is_a_mismatch() {
    let env = Env::start().await;
    env.account("threads/harbor");
    let mut setup = env.setup("threads/harbor", InstagramLogin::Instagram);
    setup.expected_id = Some("17840000000000000".into());
    let (done, _, _) = env.login_with(&setup, |u| u).await;
    assert_eq!(
        done.unwrap().id_mismatch.as_deref(),
        Some("17840000000000000")
    );
}

#[tokio::test]
async fn the_callback_server_gives_up_after_its_timeout() {
    let server = Callback::bind(0).await.unwrap();
    let err = server.wait(Duration::from_millis(50)).await.unwrap_err();
    assert!(matches!(err, LoginError::Timeout(_)));
}

#[tokio::test]
async fn a_page_with_video_posts_needs_publish_video() {
    let env = Env::start().await;
    env.account("facebook/harborpage");
    let mut setup = env.setup("facebook/harborpage", InstagramLogin::Instagram);
    let decline = |u: String| u + "&sandbox_decline=publish_video";
    let (done, _, _) = env.login_with(&setup, decline).await;
    assert!(
        done.unwrap().missing_scopes.is_empty(),
        "text-only Pages do without it"
    );
    setup.also_need = vec!["publish_video".into()];
    let (done, _, _) = env.login_with(&setup, decline).await;
    assert_eq!(done.unwrap().missing_scopes, ["publish_video"]);
}
