//! The run's tokens: the vault's credentials when the calendar has a vault, and the task that
//! renews them on the run's clock.
//!
//! # Guarantees
//! - A vault that exists is opened before anything is published: a missing or wrong key stops
//!   the run at once, with what to do.
//! - Every token is renewed when it falls due (looked at least hourly), whether or not a post
//!   needs it: a daemon with nothing to publish for months keeps its Meta tokens alive.

use std::path::Path;
use std::sync::Arc;

use miette::miette;
use tokio::sync::watch;

use crate::auth::vault::Vault;
use crate::auth::{App, HttpRefresher, OAuthHosts, VaultCredentials};
use crate::clock::SharedClock;
use crate::manifest::config::Config;
use crate::platform::Platform;

pub(super) fn app_of(a: &crate::sandbox::config::AppCredentials) -> App {
    App {
        client_id: a.client_id.clone(),
        client_secret: a.client_secret.clone().into(),
    }
}

/// The vault's credentials, when `state_dir` has a vault: opened now, so a missing or wrong key
/// stops the run before it publishes anything. `apps`: the (Facebook, TikTok) apps to renew
/// tokens with; by default the ones postcal.yaml names, with secrets from the environment or
/// the vault.
pub(super) fn vault_credentials(
    root: &Path,
    state_dir: &Path,
    config: &Config,
    hosts: OAuthHosts,
    apps: Option<(App, App)>,
    http: &reqwest::Client,
    clock: &SharedClock,
) -> miette::Result<Option<VaultCredentials>> {
    if !Vault::exists_in(state_dir) {
        return Ok(None);
    }
    let vault = crate::cmd::login::open_vault(root, state_dir)?;
    let data = vault.read().map_err(|e| miette!("{e}"))?;
    let (facebook, tiktok) = match apps {
        Some((f, t)) => (Some(f), Some(t)),
        None => {
            let app = |p: Platform| {
                let id = config.apps.as_ref()?.get(p)?.client_id.value.clone();
                let var = format!("POSTCAL_{}_CLIENT_SECRET", p.key().to_ascii_uppercase());
                let secret = std::env::var(var)
                    .ok()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| crate::secret::Secret::from(s.trim()))
                    .or_else(|| data.app_secrets.get(p.key()).cloned())?;
                Some(App {
                    client_id: id,
                    client_secret: secret,
                })
            };
            (app(Platform::Facebook), app(Platform::Tiktok))
        }
    };
    let refresher = HttpRefresher {
        http: http.clone(),
        hosts,
        tiktok,
        facebook,
    };
    VaultCredentials::open(vault, Arc::new(refresher), clock.clone())
        .map(Some)
        .map_err(|e| miette!("{e}"))
}

/// Renews the vault's tokens when they fall due (at least hourly a look), until `stop`.
pub(super) async fn keep_tokens_alive(
    vault: Arc<crate::auth::VaultCredentials>,
    mut last: crate::auth::Maintenance,
    clock: SharedClock,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let now = clock.now();
        let latest = now + crate::auth::credentials::MAINTAIN_EVERY;
        // A renewal that failed for a passing reason is due again at once: look a minute later.
        let next = last
            .next_due
            .map_or(latest, |t| t.min(latest))
            .max(now + chrono::Duration::minutes(1));
        tokio::select! {
            () = clock.sleep_until(next) => {}
            _ = stop.changed() => return,
        }
        last = vault.maintain().await;
    }
}
