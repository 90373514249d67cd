//! Token renewal on a manual clock: 400 simulated days of a daemon that publishes nothing
//! (only its maintenance runs), and a kill at every point of a renewal.

use chrono::Duration;
use postcal::auth::KillPoint;
use postcal::auth::vault::StoredAccount;
use postcal::clock::Clock;
use postcal::manifest::config::InstagramLogin;
use postcal::platform::credentials::{AccountAccess, CredentialError, Credentials};
use postcal::platform::{Platform, TargetKey};
use postcal::secret::Secret;

use super::util::{Env, t0};

const ACCOUNTS: &[(&str, InstagramLogin)] = &[
    ("instagram/harbor", InstagramLogin::Instagram),
    ("instagram/viafb", InstagramLogin::Facebook),
    ("facebook/harborpage", InstagramLogin::Instagram),
    ("threads/harbor", InstagramLogin::Instagram),
    ("tiktok/harbor", InstagramLogin::Instagram),
];

/// Logs every account in and saves it in the vault.
async fn logged_in(env: &Env, accounts: &[(&str, InstagramLogin)]) {
    for (target, login) in accounts {
        let seeded = env.account(target);
        let mut setup = env.setup(target, *login);
        if *login == InstagramLogin::Facebook {
            setup.expected_id = Some(seeded.id.clone());
        }
        let (done, _, _) = env.login_with(&setup, |u| u).await;
        let account = done.unwrap().account;
        let key = (*target).to_owned();
        env.vault
            .update(|d| {
                d.accounts.insert(key, account);
            })
            .unwrap();
    }
}

/// Whether the sandbox accepts `access` for `target` now (a read each platform allows).
async fn works(env: &Env, target: &TargetKey, access: &AccountAccess) -> bool {
    let h = &env.hosts;
    let token = access.token.expose();
    let req = match (target.platform, access.login) {
        (Platform::Instagram, InstagramLogin::Instagram) => {
            env.http.get(format!("{}/v24.0/me", h.instagram_graph))
        }
        (Platform::Instagram | Platform::Facebook, _) => env
            .http
            .get(format!("{}/v24.0/{}", h.facebook_graph, access.id)),
        (Platform::Threads, _) => env.http.get(format!("{}/v1.0/me", h.threads_graph)),
        (Platform::Tiktok, _) => {
            let resp = env
                .http
                .post(format!(
                    "{}/v2/post/publish/creator_info/query/",
                    h.tiktok_api
                ))
                .bearer_auth(token)
                .header("content-type", "application/json; charset=UTF-8")
                .body("{}")
                .send()
                .await
                .unwrap();
            return resp.status().is_success();
        }
    };
    let resp = req
        .query(&[("fields", "id"), ("access_token", token)])
        .send()
        .await
        .unwrap();
    resp.status().is_success()
}

/// Whether the sandbox still takes `refresh` as a TikTok refresh token (it rotates: presenting
/// a dead one changes nothing).
async fn refresh_token_alive(env: &Env, refresh: &Secret) -> bool {
    let apps = postcal::sandbox::SandboxConfig::default().apps;
    let resp = env
        .http
        .post(format!("{}/v2/oauth/token/", env.hosts.tiktok_api))
        .form(&[
            ("client_key", apps.tiktok.client_id.as_str()),
            ("client_secret", apps.tiktok.client_secret.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
        ])
        .send()
        .await
        .unwrap();
    resp.status().is_success()
}

fn stored(env: &Env, target: &str) -> StoredAccount {
    env.vault.read().unwrap().accounts[target].clone()
}

/// Runs the maintenance of a daemon that publishes nothing from `t0` for `days`, checking at
/// every step that every token works in the sandbox; returns (Meta renewals, TikTok rotations).
async fn idle_daemon(env: &Env, days: i64) -> (u32, u32) {
    logged_in(env, ACCOUNTS).await;
    let creds = env.credentials();
    let targets: Vec<TargetKey> = ACCOUNTS.iter().map(|(t, _)| t.parse().unwrap()).collect();
    let end = t0() + Duration::days(days);
    let (mut meta_renewals, mut tiktok_rotations) = (0, 0);
    loop {
        let now = env.clock.now();
        let before = env.vault.read().unwrap();
        for (key, a) in &before.accounts {
            assert!(
                a.tokens.expires_at.is_none_or(|e| e > now),
                "{key}: expired at {now}"
            );
        }
        let m = creds.maintain().await;
        assert!(m.warnings.is_empty(), "at {now}: {:?}", m.warnings);
        let after = env.vault.read().unwrap();
        for (key, old) in &before.accounts {
            let new = &after.accounts[key];
            if new.tokens.access == old.tokens.access {
                continue;
            }
            if key.starts_with("tiktok") {
                tiktok_rotations += 1;
                let old_refresh = old.tokens.refresh.as_ref().unwrap();
                assert_ne!(new.tokens.refresh.as_ref(), Some(old_refresh));
                assert!(
                    !refresh_token_alive(env, old_refresh).await,
                    "the old refresh token still works after a rotation"
                );
            } else {
                meta_renewals += 1;
                assert!(
                    now - old.tokens.issued_at >= Duration::hours(24),
                    "{key}: renewed a token younger than 24 h"
                );
            }
        }
        for t in &targets {
            let a = creds
                .access(t)
                .await
                .unwrap_or_else(|e| panic!("{t} at {now}: {e}"));
            assert!(works(env, t, &a).await, "{t}: its token is dead at {now}");
        }
        if now >= end {
            return (meta_renewals, tiktok_rotations);
        }
        let next = m
            .next_due
            .unwrap()
            .min(now + Duration::days(1))
            .max(now + Duration::minutes(1));
        env.clock.set(next);
    }
}

/// 400 days with TikTok's older lifetimes (access 24 h, refresh 365 d; platform-rules §9.7), so
/// the run stays short: every token stays alive, Meta's 24-hour rule holds, every TikTok
/// rotation kills the old refresh token.
#[tokio::test]
async fn four_hundred_idle_days_keep_every_token_alive() {
    let mut config = postcal::sandbox::SandboxConfig::default();
    config.tokens.tiktok_access_secs = 86_400;
    config.tokens.tiktok_refresh_secs = 365 * 86_400;
    let env = Env::with(config).await;
    let (meta, tiktok) = idle_daemon(&env, 400).await;
    // Meta tokens (60 days) renewed 30 days before expiry: about 13 each in 400 days, for 3
    // Meta user tokens (the Page token never expires). TikTok: once a day, 10 minutes early.
    assert!((36..=42).contains(&meta), "{meta}");
    assert!((395..=410).contains(&tiktok), "{tiktok}");
}

/// The current lifetimes (TikTok access 2 h): a week of rotations.
#[tokio::test]
async fn a_week_of_two_hour_tiktok_tokens_rotates_every_time() {
    let env = Env::start().await;
    let (_, tiktok) = idle_daemon(&env, 7).await;
    assert!((85..=95).contains(&tiktok), "{tiktok}");
}

async fn due_then_killed(platform: &str, point: KillPoint) {
    let env = Env::start().await;
    let account = [(platform, InstagramLogin::Instagram)];
    logged_in(&env, &account).await;
    let target: TargetKey = platform.parse().unwrap();
    let tiktok = target.platform == Platform::Tiktok;
    env.clock.advance(if tiktok {
        Duration::minutes(115)
    } else {
        Duration::days(31)
    });
    let before = stored(&env, platform);
    let vault_before = std::fs::read(env.vault.path()).unwrap();
    let dying = env.credentials();
    dying.kill_at(point);
    let err = dying.access(&target).await.unwrap_err();
    assert!(err.to_string().contains("killed"), "{err}");
    drop(dying);
    let after_kill = stored(&env, platform);
    let written = after_kill.tokens.access != before.tokens.access;
    assert_eq!(
        written,
        point == KillPoint::AfterVaultWrite,
        "{platform} {point:?}: the vault changed only if the kill fell after its write"
    );
    if !written {
        assert_eq!(std::fs::read(env.vault.path()).unwrap(), vault_before);
    }
    // The restarted daemon.
    let restarted = env.credentials();
    let answer = restarted.access(&target).await;
    let rotated_and_lost =
        tiktok && matches!(point, KillPoint::AfterAnswer | KillPoint::DuringVaultWrite);
    if rotated_and_lost {
        // TikTok rotated the refresh token in its answer; the process died before saving it.
        let e = answer.unwrap_err();
        assert!(matches!(e, CredentialError::NeedsLogin { .. }), "{e}");
        assert!(e.to_string().contains("postcal login tiktok/harbor"), "{e}");
        let summary =
            postcal::auth::summary::Summary::read(&env.dir.path().join(".postcal")).unwrap();
        assert!(summary.accounts[0].needs_login.is_some());
    } else {
        let a = answer.unwrap_or_else(|e| panic!("{platform} {point:?}: {e}"));
        assert!(works(&env, &target, &a).await, "{platform} {point:?}");
        let now_stored = stored(&env, platform);
        if tiktok {
            let old = before.tokens.refresh.as_ref().unwrap();
            let new = now_stored.tokens.refresh.as_ref().unwrap();
            assert_ne!(old, new, "{point:?}: renewed, with a rotated refresh token");
            assert!(!refresh_token_alive(&env, old).await, "{point:?}");
        }
    }
}

#[tokio::test]
async fn a_kill_at_every_point_of_a_tiktok_renewal() {
    for point in [
        KillPoint::BeforeRequest,
        KillPoint::AfterAnswer,
        KillPoint::DuringVaultWrite,
        KillPoint::AfterVaultWrite,
    ] {
        due_then_killed("tiktok/harbor", point).await;
    }
}

#[tokio::test]
async fn a_kill_at_every_point_of_an_instagram_renewal() {
    for point in [
        KillPoint::BeforeRequest,
        KillPoint::AfterAnswer,
        KillPoint::DuringVaultWrite,
        KillPoint::AfterVaultWrite,
    ] {
        due_then_killed("instagram/harbor", point).await;
    }
}

#[tokio::test]
async fn a_revoked_tiktok_grant_needs_login_and_the_summary_says_so() {
    let env = Env::start().await;
    logged_in(&env, &[("tiktok/harbor", InstagramLogin::Instagram)]).await;
    let s = stored(&env, "tiktok/harbor");
    assert!(env.sandbox.revoke_token(s.tokens.refresh.as_ref().unwrap()));
    env.clock.advance(Duration::minutes(115));
    let creds = env.credentials();
    let m = creds.maintain().await;
    assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
    assert!(
        m.warnings[0].contains("tiktok/harbor needs login"),
        "{}",
        m.warnings[0]
    );
    assert!(m.warnings[0].contains("postcal login tiktok/harbor"));
    let t: TargetKey = "tiktok/harbor".parse().unwrap();
    assert!(matches!(
        creds.access(&t).await,
        Err(CredentialError::NeedsLogin { .. })
    ));
}
