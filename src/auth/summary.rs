//! The token-free summary of the vault (`.postcal/accounts.json`): what `plan`, `status` and
//! `accounts` show about each account (id, username, scopes, expiry, next refresh, "needs
//! login") without the key.
//!
//! # Guarantees
//! - It never holds a token or a secret: it is built field by field from the vault's accounts.
//! - It is rewritten (atomically, not fsynced: it is rebuilt at the next write) after every vault write; a summary that cannot be written is
//!   logged and skipped: the vault is the truth, the summary a view of it.

use std::fs;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::vault::{SUMMARY_FILE, StoredAccount, VaultData};
use crate::manifest::config::InstagramLogin;
use crate::platform::{Platform, TargetKey};

/// How long before a grant runs out (with no way to renew it) postcal warns.
pub const WARN_BEFORE: Duration = Duration::days(7);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountSummary {
    /// `platform/account`.
    pub account: String,
    pub platform: Platform,
    pub id: String,
    pub username: Option<String>,
    pub login: InstagramLogin,
    pub scopes: Vec<String>,
    pub issued_at: DateTime<Utc>,
    /// When the access token expires (none: it does not, like a Facebook Page token).
    pub expires_at: Option<DateTime<Utc>>,
    /// When postcal will renew it (none: nothing to renew).
    pub next_refresh: Option<DateTime<Utc>>,
    /// After this, only a new login helps (Meta: the token's expiry; TikTok: the refresh
    /// token's).
    pub renewable_until: Option<DateTime<Utc>>,
    /// Why the account must be logged in again, with the command that does it.
    pub needs_login: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub version: u32,
    pub accounts: Vec<AccountSummary>,
}

/// What a person should know about an account's token at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState {
    Valid,
    /// The grant runs out at this time and has not been renewed: log in before then.
    RunsOutSoon(DateTime<Utc>),
    NeedsLogin(String),
}

impl AccountSummary {
    pub fn of(key: &str, stored: &StoredAccount) -> Option<Self> {
        let target: TargetKey = key.parse().ok()?;
        let t = &stored.tokens;
        let renewable_until = match target.platform {
            Platform::Tiktok => t.refresh_expires_at,
            _ => t.expires_at,
        };
        Some(Self {
            account: key.to_owned(),
            platform: target.platform,
            id: t.id.clone(),
            username: stored.username.clone(),
            login: t.login,
            scopes: stored.scopes.clone(),
            issued_at: t.issued_at,
            expires_at: t.expires_at,
            next_refresh: super::refresh::next_refresh(target.platform, t),
            renewable_until,
            needs_login: stored.needs_login.clone(),
        })
    }

    pub fn state(&self, now: DateTime<Utc>) -> TokenState {
        let login = format!("run `postcal login {}`", self.account);
        if let Some(why) = &self.needs_login {
            return TokenState::NeedsLogin(why.clone());
        }
        match self.renewable_until {
            Some(t) if t <= now => TokenState::NeedsLogin(format!("its grant ran out; {login}")),
            Some(t) if t - now <= WARN_BEFORE => TokenState::RunsOutSoon(t),
            _ => TokenState::Valid,
        }
    }

    /// One line for `plan`, `status` and the daemon's log, or none when all is well.
    pub fn warning(&self, now: DateTime<Utc>) -> Option<String> {
        match self.state(now) {
            TokenState::Valid => None,
            TokenState::NeedsLogin(why) => Some(format!(
                "{} needs login: {why} (its posts wait until then)",
                self.account
            )),
            TokenState::RunsOutSoon(t) => Some(format!(
                "{}: its grant runs out on {} and could not be renewed; run `postcal login {}` before then",
                self.account,
                t.format("%Y-%m-%d %H:%M UTC"),
                self.account
            )),
        }
    }
}

impl Summary {
    pub fn of(data: &VaultData) -> Self {
        Self {
            version: 1,
            accounts: data
                .accounts
                .iter()
                .filter_map(|(k, a)| AccountSummary::of(k, a))
                .collect(),
        }
    }

    /// The summary in `state_dir`, if there is one.
    pub fn read(state_dir: &Path) -> Option<Self> {
        let text = fs::read(state_dir.join(SUMMARY_FILE)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Warnings for every account that needs attention at `now`.
    pub fn warnings(&self, now: DateTime<Utc>) -> Vec<String> {
        self.accounts
            .iter()
            .filter_map(|a| a.warning(now))
            .collect()
    }
}

/// Rewrites the summary of `data` in `dir` (temporary file, rename).
pub(crate) fn write(dir: &Path, data: &VaultData) {
    let path = dir.join(SUMMARY_FILE);
    let temp = dir.join(format!("{SUMMARY_FILE}.{}.tmp", std::process::id()));
    let result = serde_json::to_vec_pretty(&Summary::of(data))
        .map_err(std::io::Error::other)
        .and_then(|json| {
            // A view of the vault, rebuilt at every write: no fsync of its own.
            fs::write(&temp, &json)?;
            fs::rename(&temp, &path)
        });
    match result {
        Ok(()) => {}
        Err(e) => {
            let _ = fs::remove_file(&temp);
            tracing::warn!(file = %path.display(), error = %e, "cannot write the accounts summary");
        }
    }
}

/// Warnings about a calendar's accounts at `now`: its real runs' vault, then its sandbox runs'.
pub fn calendar_warnings(calendar: &Path, now: DateTime<Utc>) -> Vec<String> {
    let dir = crate::state::state_dir(calendar);
    let mut out = Summary::read(&dir)
        .map(|s| s.warnings(now))
        .unwrap_or_default();
    if let Some(s) = Summary::read(&dir.join("sandbox")) {
        out.extend(
            s.warnings(now)
                .into_iter()
                .map(|w| format!("(sandbox runs) {w}")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn account(renewable_in: Option<Duration>, needs_login: Option<&str>) -> AccountSummary {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        AccountSummary {
            account: "tiktok/acme".into(),
            platform: Platform::Tiktok,
            id: String::new(),
            username: None,
            login: InstagramLogin::Instagram,
            scopes: Vec::new(),
            issued_at: now,
            expires_at: None,
            next_refresh: None,
            renewable_until: renewable_in.map(|d| now + d),
            needs_login: needs_login.map(str::to_owned),
        }
    }

    #[test]
    fn a_grant_that_runs_out_within_a_week_warns_with_the_fix() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(account(Some(Duration::days(20)), None).warning(now), None);
        assert_eq!(
            account(None, None).warning(now),
            None,
            "Page tokens never run out"
        );
        let soon = account(Some(Duration::days(5)), None).warning(now).unwrap();
        assert!(soon.contains("runs out on 2026-12-06"), "{soon}");
        assert!(soon.contains("postcal login tiktok/acme"), "{soon}");
        let gone = account(Some(-Duration::hours(1)), None)
            .warning(now)
            .unwrap();
        assert!(gone.contains("needs login"), "{gone}");
        let refused = account(
            Some(Duration::days(90)),
            Some("revoked; run `postcal login tiktok/acme`"),
        );
        assert!(
            refused
                .warning(now)
                .unwrap()
                .starts_with("tiktok/acme needs login: revoked")
        );
    }
}
