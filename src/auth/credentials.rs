//! [`VaultCredentials`]: the credentials a real run publishes with once `postcal login` has
//! created a vault. Tokens come from the vault, are renewed on each platform's rules when a post
//! needs them and proactively ([`VaultCredentials::maintain`], called by the daemon on its
//! clock), and every renewed set is written to the vault before it is used.
//!
//! Precedence: an account's `POSTCAL_TOKEN_<PLATFORM>_<ACCOUNT>` variable, when set, wins (an
//! explicit override for one process); then the vault; then the fallback (the sandbox's seeded
//! tokens with `--sandbox-url`).
//!
//! # Guarantees
//! - A renewed set reaches the vault (fsynced) before its access token is handed to a
//!   publisher, so a rotated TikTok refresh token is never only in memory when a post uses it.
//! - One renewal at a time (a rotated refresh token is never presented twice).
//! - A refused renewal or a token the platform rejects marks the account "needs login" in the
//!   vault: its slots wait (they never fail for it), the summary and the log say so, and a new
//!   `postcal login` (noticed by the vault file changing) clears it.
//! - A login written by another process while this one runs is picked up at the next access.
//!
//! # Kills during a renewal (see the kill tests)
//! - before the request, or after the vault write: nothing is lost; a restart carries on;
//! - after the answer, before the vault write completes: Meta tokens are fine (the old token
//!   stays valid and is renewed again); TikTok has already rotated the refresh token, and the
//!   new one died with the process: the account needs a new login, and says so.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use super::refresh::{due, next_refresh};
use super::summary::Summary;
use super::vault::{StoredAccount, Vault, VaultData, VaultError};
use crate::clock::SharedClock;
use crate::platform::TargetKey;
use crate::platform::credentials::{
    AccountAccess, CredentialError, Credentials, EnvCredentials, Refresher, env_var,
};
use crate::reconcile::publisher::BoxFuture;
use crate::secret::Secret;

/// Where a simulated kill falls during a renewal (tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillPoint {
    BeforeRequest,
    AfterAnswer,
    /// The new vault's temporary file is written, not yet renamed over the vault.
    DuringVaultWrite,
    AfterVaultWrite,
}

/// What one maintenance pass found.
#[derive(Debug, Clone, Default)]
pub struct Maintenance {
    /// When the next renewal falls due (none: nothing will).
    pub next_due: Option<DateTime<Utc>>,
    /// Accounts that need attention (needs login, grant running out).
    pub warnings: Vec<String>,
}

pub struct VaultCredentials {
    vault: Vault,
    refresher: Arc<dyn Refresher>,
    clock: SharedClock,
    env: Option<EnvCredentials>,
    fallback: Option<Arc<dyn Credentials>>,
    cache: Mutex<(VaultData, Option<(std::time::SystemTime, u64)>)>,
    refreshing: tokio::sync::Mutex<()>,
    kill: Mutex<Option<KillPoint>>,
    dead: AtomicBool,
}

impl VaultCredentials {
    /// Opens the vault (a wrong key or a damaged vault is an error here, before any post).
    pub fn open(
        vault: Vault,
        refresher: Arc<dyn Refresher>,
        clock: SharedClock,
    ) -> Result<Self, VaultError> {
        let stamp = vault.stamp();
        let data = vault.read()?;
        Ok(Self {
            vault,
            refresher,
            clock,
            env: None,
            fallback: None,
            cache: Mutex::new((data, stamp)),
            refreshing: tokio::sync::Mutex::new(()),
            kill: Mutex::new(None),
            dead: AtomicBool::new(false),
        })
    }

    /// Accounts with a `POSTCAL_TOKEN_…` variable use it instead of the vault.
    pub fn env_overrides(mut self, env: EnvCredentials) -> Self {
        self.env = Some(env);
        self
    }

    /// Accounts the vault does not hold are served by `fallback`.
    pub fn fallback(mut self, fallback: Arc<dyn Credentials>) -> Self {
        self.fallback = Some(fallback);
        self
    }

    /// Tests: the next renewal stops at `point` as a killed process would, and this provider
    /// is dead from then on (a restart is a new provider on the same vault).
    pub fn kill_at(&self, point: KillPoint) {
        *self.kill.lock().unwrap_or_else(|e| e.into_inner()) = Some(point);
    }

    fn killed(&self, here: KillPoint, target: &TargetKey) -> Result<(), CredentialError> {
        let mut k = self.kill.lock().unwrap_or_else(|e| e.into_inner());
        if *k == Some(here) {
            *k = None;
            self.dead.store(true, Ordering::SeqCst);
            return Err(unavailable(target, "killed (simulated)"));
        }
        Ok(())
    }

    /// The vault's accounts as this provider sees them (re-read when the file changed).
    fn snapshot(&self) -> Result<VaultData, VaultError> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = self.vault.stamp();
        if stamp != cache.1 {
            cache.0 = self.vault.read()?;
            cache.1 = stamp;
        }
        Ok(cache.0.clone())
    }

    fn store(&self, data: VaultData) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        *cache = (data, self.vault.stamp());
    }

    /// Records that `target` needs a new login, in the vault and loudly in the log.
    fn mark_needs_login(&self, target: &TargetKey, why: &str, only_if_token: Option<&Secret>) {
        let key = target.to_string();
        let fix = format!("{why}; run `postcal login {target}`");
        let result = self.vault.update(|d| {
            if let Some(a) = d.accounts.get_mut(&key)
                && only_if_token.is_none_or(|t| &a.tokens.access == t)
            {
                a.needs_login = Some(fix.clone());
            }
            d.clone()
        });
        match result {
            Ok(d) => self.store(d),
            Err(e) => {
                tracing::error!(account = %target, error = %e, "cannot record that the account needs login")
            }
        }
        tracing::error!(account = %target, "NEEDS LOGIN: {fix}; its posts wait until then");
    }

    /// Renews `stored` if it is due, saving the new set before returning it.
    async fn renew(
        &self,
        target: &TargetKey,
        stored: StoredAccount,
    ) -> Result<StoredAccount, CredentialError> {
        let now = self.clock.now();
        if !due(target.platform, &stored.tokens, now) {
            return Ok(stored);
        }
        self.killed(KillPoint::BeforeRequest, target)?;
        let renewed = match self.refresher.refresh(target, &stored.tokens, now).await {
            Ok(Some(set)) => set,
            Ok(None) => return Ok(stored),
            Err(CredentialError::NeedsLogin { why, .. }) => {
                self.mark_needs_login(target, &why, Some(&stored.tokens.access));
                return Err(needs_login(target, &why));
            }
            Err(e @ CredentialError::Unavailable { .. }) => {
                // A passing failure: the current token still works until it expires.
                tracing::warn!(account = %target, error = %e, "token renewal failed; retrying later");
                return Ok(stored);
            }
        };
        self.killed(KillPoint::AfterAnswer, target)?;
        if *self.kill.lock().unwrap_or_else(|e| e.into_inner()) == Some(KillPoint::DuringVaultWrite)
        {
            self.vault.kill_next_write_before_rename();
        }
        let key = target.to_string();
        let logged_in_at = stored.logged_in_at;
        let next = StoredAccount {
            tokens: renewed,
            needs_login: None,
            ..stored
        };
        let written = self.vault.update(|d| {
            // A login that happened meanwhile wins over this renewal of the older grant.
            match d.accounts.get(&key) {
                Some(a) if a.logged_in_at != logged_in_at => {}
                _ => {
                    d.accounts.insert(key.clone(), next.clone());
                }
            }
            d.clone()
        });
        match written {
            Ok(d) => {
                let current = d.accounts.get(&key).cloned();
                self.store(d);
                self.killed(KillPoint::AfterVaultWrite, target)?;
                tracing::info!(account = %target, "token renewed and saved");
                current.ok_or_else(|| needs_login(target, "it is no longer in the vault"))
            }
            Err(VaultError::Killed(_)) => {
                self.dead.store(true, Ordering::SeqCst);
                Err(unavailable(target, "killed (simulated)"))
            }
            Err(e) => {
                // Never use a token that is not saved: a rotated refresh token would be lost.
                tracing::error!(account = %target, error = %e, "cannot save the renewed token");
                Err(unavailable(
                    target,
                    &format!("cannot save its renewed token: {e}"),
                ))
            }
        }
    }

    /// Renews every token that is due (a daemon with nothing to publish for months must not let
    /// them die), and says when to look again and what needs attention.
    pub async fn maintain(&self) -> Maintenance {
        if self.dead.load(Ordering::SeqCst) {
            return Maintenance::default();
        }
        let _one = self.refreshing.lock().await;
        let data = match self.snapshot() {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the token vault");
                return Maintenance {
                    next_due: None,
                    warnings: vec![e.to_string()],
                };
            }
        };
        for (key, stored) in data.accounts {
            let Ok(target) = key.parse::<TargetKey>() else {
                continue;
            };
            if stored.needs_login.is_none() {
                let _ = self.renew(&target, stored).await;
            }
            if self.dead.load(Ordering::SeqCst) {
                return Maintenance::default();
            }
        }
        let data = self.snapshot().unwrap_or_else(|_| {
            self.cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .0
                .clone()
        });
        let now = self.clock.now();
        let warnings = Summary::of(&data).warnings(now);
        for w in &warnings {
            tracing::warn!("{w}");
        }
        let next_due = data
            .accounts
            .iter()
            .filter(|(_, a)| a.needs_login.is_none())
            .filter_map(|(k, a)| {
                let p = k.parse::<TargetKey>().ok()?.platform;
                next_refresh(p, &a.tokens)
            })
            .min();
        Maintenance { next_due, warnings }
    }
}

fn needs_login(target: &TargetKey, why: &str) -> CredentialError {
    CredentialError::NeedsLogin {
        target: target.to_string(),
        why: why.to_owned(),
    }
}

fn unavailable(target: &TargetKey, why: &str) -> CredentialError {
    CredentialError::Unavailable {
        target: target.to_string(),
        why: why.to_owned(),
    }
}

impl Credentials for VaultCredentials {
    fn access<'a>(
        &'a self,
        target: &'a TargetKey,
    ) -> BoxFuture<'a, Result<AccountAccess, CredentialError>> {
        Box::pin(async move {
            if self.dead.load(Ordering::SeqCst) {
                return Err(unavailable(target, "killed (simulated)"));
            }
            if let Some(env) = &self.env
                && std::env::var(env_var(target)).is_ok_and(|v| !v.trim().is_empty())
            {
                return env.access(target).await;
            }
            let _one = self.refreshing.lock().await;
            let data = self
                .snapshot()
                .map_err(|e| unavailable(target, &e.to_string()))?;
            let Some(stored) = data.accounts.get(&target.to_string()).cloned() else {
                drop(_one);
                return match &self.fallback {
                    Some(f) => f.access(target).await,
                    None => Err(needs_login(
                        target,
                        &format!("no token; run `postcal login {target}`"),
                    )),
                };
            };
            if let Some(why) = &stored.needs_login {
                return Err(needs_login(target, why));
            }
            let stored = self.renew(target, stored).await?;
            let now = self.clock.now();
            if stored.tokens.expires_at.is_some_and(|t| t <= now) {
                let why = "its token expired";
                self.mark_needs_login(target, why, Some(&stored.tokens.access));
                return Err(needs_login(
                    target,
                    &format!("{why}; run `postcal login {target}`"),
                ));
            }
            Ok(AccountAccess {
                id: stored.tokens.id,
                token: stored.tokens.access,
                login: stored.tokens.login,
            })
        })
    }

    fn rejected(&self, target: &TargetKey, token: &Secret) {
        let held = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .accounts
            .get(&target.to_string())
            .is_some_and(|a| &a.tokens.access == token);
        if held {
            self.mark_needs_login(
                target,
                "the platform refused its token (revoked or expired)",
                Some(token),
            );
        } else if let Some(f) = &self.fallback {
            f.rejected(target, token);
        }
    }
}

/// How long the daemon waits at most between two maintenance passes.
pub const MAINTAIN_EVERY: Duration = Duration::hours(1);
