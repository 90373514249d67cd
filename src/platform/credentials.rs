//! How publishers get an account's token: one small interface, [`Credentials`], with the
//! providers this crate ships: [`EnvCredentials`] (a token per account in an environment
//! variable, for servers) and [`TokenCredentials`] (tokens held in memory, refreshed on each
//! platform's rules; the sandbox and the vault use it).
//!
//! # Guarantees
//! - Tokens are [`Secret`]s: no provider puts one in an error message or a log line.
//! - A missing, expired or revoked token is [`CredentialError::NeedsLogin`], which the
//!   publishers turn into a wait ("needs login"), never into a failed post.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::{Platform, TargetKey};
use crate::manifest::config::{Config, InstagramLogin};
use crate::reconcile::publisher::BoxFuture;
use crate::secret::Secret;

/// What a publisher needs to act as one account.
#[derive(Debug, Clone)]
pub struct AccountAccess {
    /// The platform's id for the account: Instagram user id, Facebook Page id, Threads user
    /// id, TikTok `open_id` (may be empty for TikTok: the token names the creator).
    pub id: String,
    pub token: Secret,
    /// Instagram: which API the account is reached through.
    pub login: InstagramLogin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// No usable token: the account must be logged in (again).
    #[error("{target} needs login: {why}")]
    NeedsLogin { target: String, why: String },
    /// The credentials exist but cannot be read now (a locked vault, a refresh that failed
    /// for a passing reason).
    #[error("the credentials of {target} are unavailable: {why}")]
    Unavailable { target: String, why: String },
}

/// Where publishers get tokens.
pub trait Credentials: Send + Sync {
    /// The account's id and a token valid now (refreshed first if it is due).
    fn access<'a>(
        &'a self,
        target: &'a TargetKey,
    ) -> BoxFuture<'a, Result<AccountAccess, CredentialError>>;

    /// The platform refused `token` as invalid (expired, revoked): forget it, so the account
    /// shows "needs login" until it is logged in again.
    fn rejected(&self, _target: &TargetKey, _token: &Secret) {}
}

/// The environment variable holding an account's token: `POSTCAL_TOKEN_<PLATFORM>_<ACCOUNT>`,
/// upper case, every character that is not a letter or digit as `_`
/// (`instagram/harbor-lane` → `POSTCAL_TOKEN_INSTAGRAM_HARBOR_LANE`).
pub fn env_var(target: &TargetKey) -> String {
    let account: String = target
        .account
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "POSTCAL_TOKEN_{}_{account}",
        target.platform.key().to_ascii_uppercase()
    )
}

/// Tokens from environment variables (see [`env_var`]), account ids from `postcal.yaml`. For
/// servers where tokens are obtained elsewhere and injected as secrets; they are not refreshed.
#[derive(Debug, Clone, Default)]
pub struct EnvCredentials {
    accounts: HashMap<TargetKey, (String, InstagramLogin)>,
}

impl EnvCredentials {
    pub fn from_config(config: &Config) -> Self {
        let accounts = config
            .accounts
            .iter()
            .map(|a| {
                let key = TargetKey::new(a.platform, &a.name);
                let id = a.id.as_ref().map(|i| i.value.clone()).unwrap_or_default();
                let login = a
                    .instagram_login
                    .as_ref()
                    .map_or(InstagramLogin::Instagram, |l| l.value);
                (key, (id, login))
            })
            .collect();
        Self { accounts }
    }
}

impl Credentials for EnvCredentials {
    fn access<'a>(
        &'a self,
        target: &'a TargetKey,
    ) -> BoxFuture<'a, Result<AccountAccess, CredentialError>> {
        Box::pin(async move {
            let needs = |why: String| CredentialError::NeedsLogin {
                target: target.to_string(),
                why,
            };
            let (id, login) = self
                .accounts
                .get(target)
                .cloned()
                .ok_or_else(|| needs("the account is not in postcal.yaml".into()))?;
            if id.is_empty() && target.platform != Platform::Tiktok {
                return Err(needs(format!(
                    "postcal.yaml gives no `id` for {target}; add the platform's id for it"
                )));
            }
            let var = env_var(target);
            match std::env::var(&var) {
                Ok(token) if !token.trim().is_empty() => Ok(AccountAccess {
                    id,
                    token: Secret::from(token.trim()),
                    login,
                }),
                _ => Err(needs(format!("set {var} to the account's access token"))),
            }
        })
    }
}

/// An account's tokens as a provider keeps them.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TokenSet {
    pub id: String,
    pub login: InstagramLogin,
    pub access: Secret,
    /// When the access token was issued (Meta refreshes only tokens at least 24 h old).
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// TikTok: the refresh token (rotated by every refresh).
    pub refresh: Option<Secret>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

/// Renews a [`TokenSet`] on its platform's rules (implemented by [`crate::auth`]).
pub trait Refresher: Send + Sync {
    /// A renewed set when `set` is due for a refresh at `now`, `Ok(None)` when it is not.
    fn refresh<'a>(
        &'a self,
        target: &'a TargetKey,
        set: &'a TokenSet,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Option<TokenSet>, CredentialError>>;
}

/// Called with every renewed token set, before it is used.
pub type OnChange = Box<dyn Fn(&TargetKey, &TokenSet) + Send + Sync>;

/// Tokens held in memory and refreshed when due; `on_change` sees every renewed set (to save
/// it, before it is used: a rotated TikTok refresh token must never be lost).
pub struct TokenCredentials {
    sets: Mutex<HashMap<TargetKey, TokenSet>>,
    refresher: Arc<dyn Refresher>,
    clock: crate::clock::SharedClock,
    /// One refresh at a time per provider (a rotated refresh token must not be used twice).
    refreshing: tokio::sync::Mutex<()>,
    on_change: OnChange,
}

impl TokenCredentials {
    pub fn new(
        sets: HashMap<TargetKey, TokenSet>,
        refresher: Arc<dyn Refresher>,
        clock: crate::clock::SharedClock,
    ) -> Self {
        Self {
            sets: Mutex::new(sets),
            refresher,
            clock,
            refreshing: tokio::sync::Mutex::new(()),
            on_change: Box::new(|_, _| {}),
        }
    }

    pub fn on_change(mut self, f: impl Fn(&TargetKey, &TokenSet) + Send + Sync + 'static) -> Self {
        self.on_change = Box::new(f);
        self
    }

    fn get(&self, target: &TargetKey) -> Option<TokenSet> {
        self.sets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(target)
            .cloned()
    }
}

impl Credentials for TokenCredentials {
    fn access<'a>(
        &'a self,
        target: &'a TargetKey,
    ) -> BoxFuture<'a, Result<AccountAccess, CredentialError>> {
        Box::pin(async move {
            let missing = || CredentialError::NeedsLogin {
                target: target.to_string(),
                why: format!("no token; run `postcal login {target}`"),
            };
            let _one = self.refreshing.lock().await;
            let set = self.get(target).ok_or_else(missing)?;
            let now = self.clock.now();
            let set = match self.refresher.refresh(target, &set, now).await? {
                Some(renewed) => {
                    (self.on_change)(target, &renewed);
                    self.sets
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(target.clone(), renewed.clone());
                    renewed
                }
                None => set,
            };
            if set.expires_at.is_some_and(|t| t <= now) {
                return Err(CredentialError::NeedsLogin {
                    target: target.to_string(),
                    why: format!("its token expired; run `postcal login {target}`"),
                });
            }
            Ok(AccountAccess {
                id: set.id,
                token: set.access,
                login: set.login,
            })
        })
    }

    fn rejected(&self, target: &TargetKey, token: &Secret) {
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        if sets.get(target).is_some_and(|s| &s.access == token) {
            tracing::error!(account = %target, "the platform refused the account's token; it needs a new login");
            sets.remove(target);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn environment_tokens_say_which_variable_is_missing() {
        let mut accounts = HashMap::new();
        let key: TargetKey = "threads/env-probe-7731".parse().unwrap();
        accounts.insert(key.clone(), ("1789".to_owned(), InstagramLogin::Instagram));
        let no_id: TargetKey = "instagram/env-probe-no-id".parse().unwrap();
        accounts.insert(no_id.clone(), (String::new(), InstagramLogin::Instagram));
        let creds = EnvCredentials { accounts };
        match creds.access(&key).await {
            Err(CredentialError::NeedsLogin { why, .. }) => {
                assert!(
                    why.contains("POSTCAL_TOKEN_THREADS_ENV_PROBE_7731"),
                    "{why}"
                );
            }
            other => panic!("{other:?}"),
        }
        match creds.access(&no_id).await {
            Err(CredentialError::NeedsLogin { why, .. }) => assert!(why.contains("`id`"), "{why}"),
            other => panic!("{other:?}"),
        }
        // SAFETY: this variable is read by this test only.
        unsafe {
            std::env::set_var(
                "POSTCAL_TOKEN_THREADS_ENV_PROBE_7731",
                " THAAS-test-token \n",
            )
        };
        let access = creds.access(&key).await.unwrap();
        assert_eq!(
            (access.id.as_str(), access.token.expose()),
            ("1789", "THAAS-test-token")
        );
        assert_eq!(format!("{:?}", access.token), "Secret(***)");
    }

    #[test]
    fn token_variables_are_named_after_the_account() {
        let key = |s: &str| s.parse::<TargetKey>().unwrap();
        assert_eq!(
            env_var(&key("instagram/harbor-lane")),
            "POSTCAL_TOKEN_INSTAGRAM_HARBOR_LANE"
        );
        assert_eq!(env_var(&key("tiktok/a.b")), "POSTCAL_TOKEN_TIKTOK_A_B");
    }
}
