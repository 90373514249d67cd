//! Access and refresh tokens: who issued them for whom, with which scopes, and until when.
//!
//! # Guarantees
//! - A token is only ever shown by [`Secret::expose`]; `Debug` prints `Secret(***)`, so tokens
//!   cannot reach a log line, an error message or the ledger by accident.
//! - Expiry is judged on the sandbox clock, so tests age tokens by advancing the clock.
//! - Refresh-token rotation: issuing a new TikTok refresh token revokes the one it replaced
//!   (docs/platform-rules.md §6 "TikTok": "the old one dies").

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::errors::{GraphError, TikTokError};
use super::rng::Rng;

pub use crate::secret::Secret;

/// What a token is, which decides the hosts that accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Instagram User token (Instagram Login), for `graph.instagram.com`.
    InstagramUser,
    /// Facebook User token, for `graph.facebook.com` (Instagram with Facebook Login,
    /// `/me/accounts`).
    FacebookUser,
    /// Facebook Page token, for Page publishing on `graph.facebook.com`.
    FacebookPage,
    /// Threads User token, for `graph.threads.net`.
    ThreadsUser,
    TikTokAccess,
    TikTokRefresh,
}

impl TokenKind {
    /// The look of real tokens of this kind, so a client's format checks behave the same.
    fn prefix(self) -> &'static str {
        match self {
            Self::InstagramUser => "IGAAS",
            Self::FacebookUser => "EAAS",
            Self::FacebookPage => "EAAP",
            Self::ThreadsUser => "THAAS",
            Self::TikTokAccess => "act.",
            Self::TikTokRefresh => "rft.",
        }
    }
}

/// One issued token.
#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    pub kind: TokenKind,
    /// The account (IG user, Threads user, Page, TikTok open_id) or Facebook user it acts for.
    pub subject: String,
    pub scopes: BTreeSet<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub long_lived: bool,
    pub revoked: bool,
    /// Tokens from one authorization share a grant (TikTok revoke ends the whole grant).
    pub grant: u64,
}

impl TokenRecord {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }
}

/// Why a presented token does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Missing,
    /// Unknown, malformed, or issued for another host.
    Unknown,
    Expired(DateTime<Utc>),
    Revoked,
}

impl TokenProblem {
    /// docs/platform-rules.md §1.5: clients treat code 190 as an invalid token.
    pub fn graph(self, now: DateTime<Utc>) -> GraphError {
        match self {
            Self::Missing => GraphError::token_required(),
            Self::Unknown => GraphError::token_invalid(),
            Self::Expired(at) => GraphError::new(
                190,
                format!(
                    "Error validating access token: Session has expired on {}. The current time is {}.",
                    at.format("%A, %d-%b-%y %H:%M:%S UTC"),
                    now.format("%A, %d-%b-%y %H:%M:%S UTC"),
                ),
            )
            .subcode(463),
            Self::Revoked => GraphError::new(
                190,
                "Error validating access token: The user has not authorized application.",
            )
            .subcode(458),
        }
    }

    /// docs/platform-rules.md §2.5 "access_token_invalid" (401) for every token problem.
    pub fn tiktok(self) -> TikTokError {
        TikTokError::token_invalid()
    }
}

/// Every token the sandbox has issued.
#[derive(Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, TokenRecord>,
    next_grant: u64,
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenStore({} tokens)", self.tokens.len())
    }
}

/// What to issue.
pub(crate) struct Issue<'a> {
    pub kind: TokenKind,
    pub subject: &'a str,
    pub scopes: &'a BTreeSet<String>,
    pub lifetime: Option<Duration>,
    pub long_lived: bool,
    /// `None` starts a new grant.
    pub grant: Option<u64>,
    /// Use this value instead of a generated one (tokens fixed in a config file).
    pub fixed: Option<&'a str>,
}

impl TokenStore {
    pub fn new_grant(&mut self) -> u64 {
        self.next_grant += 1;
        self.next_grant
    }

    pub fn issue(&mut self, rng: &mut Rng, now: DateTime<Utc>, req: Issue<'_>) -> Secret {
        let grant = req.grant.unwrap_or_else(|| self.new_grant());
        let value = match req.fixed {
            Some(v) => v.to_owned(),
            None => format!("{}{}", req.kind.prefix(), rng.alnum(64)),
        };
        let record = TokenRecord {
            kind: req.kind,
            subject: req.subject.to_owned(),
            scopes: req.scopes.clone(),
            issued_at: now,
            expires_at: req.lifetime.and_then(|l| now.checked_add_signed(l)),
            long_lived: req.long_lived,
            revoked: false,
            grant,
        };
        self.tokens.insert(value.clone(), record);
        Secret::from(value)
    }

    /// The record of a token that is usable now and of one of `kinds`.
    pub fn check(
        &self,
        token: Option<&Secret>,
        kinds: &[TokenKind],
        now: DateTime<Utc>,
    ) -> Result<&TokenRecord, TokenProblem> {
        let token = token.ok_or(TokenProblem::Missing)?;
        let record = self
            .tokens
            .get(token.expose())
            .ok_or(TokenProblem::Unknown)?;
        if !kinds.contains(&record.kind) {
            return Err(TokenProblem::Unknown);
        }
        if record.revoked {
            return Err(TokenProblem::Revoked);
        }
        match record.expires_at {
            Some(at) if at <= now => Err(TokenProblem::Expired(at)),
            _ => Ok(record),
        }
    }

    pub fn get(&self, token: &str) -> Option<&TokenRecord> {
        self.tokens.get(token)
    }

    /// Revokes one token; returns whether it existed.
    pub fn revoke(&mut self, token: &str) -> bool {
        self.tokens
            .get_mut(token)
            .map(|r| r.revoked = true)
            .is_some()
    }

    /// Revokes every token of a grant (TikTok `/v2/oauth/revoke/`).
    pub fn revoke_grant(&mut self, grant: u64) {
        self.tokens
            .values_mut()
            .filter(|r| r.grant == grant)
            .for_each(|r| r.revoked = true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
    }

    #[test]
    fn a_token_works_until_expiry_on_its_own_kind_only() {
        let mut store = TokenStore::default();
        let mut rng = Rng::new(1);
        let scopes = BTreeSet::from(["instagram_business_basic".to_owned()]);
        let t = store.issue(
            &mut rng,
            t0(),
            Issue {
                kind: TokenKind::InstagramUser,
                subject: "17841400000000001",
                scopes: &scopes,
                lifetime: Some(Duration::hours(1)),
                long_lived: false,
                grant: None,
                fixed: None,
            },
        );
        assert!(t.expose().starts_with("IGAAS"));
        assert!(
            store
                .check(Some(&t), &[TokenKind::InstagramUser], t0())
                .is_ok()
        );
        assert_eq!(
            store
                .check(Some(&t), &[TokenKind::ThreadsUser], t0())
                .unwrap_err(),
            TokenProblem::Unknown
        );
        let later = t0() + Duration::hours(1);
        assert!(matches!(
            store.check(Some(&t), &[TokenKind::InstagramUser], later),
            Err(TokenProblem::Expired(_))
        ));
        assert_eq!(
            store
                .check(None, &[TokenKind::InstagramUser], t0())
                .unwrap_err(),
            TokenProblem::Missing
        );
        assert!(store.revoke(t.expose()));
        assert_eq!(
            store
                .check(Some(&t), &[TokenKind::InstagramUser], t0())
                .unwrap_err(),
            TokenProblem::Revoked
        );
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = Secret::from("IGAAStopsecret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(s)), "Some(Secret(***))");
    }

    #[test]
    fn token_problems_map_to_graph_190_with_real_subcodes() {
        assert_eq!(TokenProblem::Missing.graph(t0()).code, 104);
        assert_eq!(TokenProblem::Unknown.graph(t0()).code, 190);
        let expired = TokenProblem::Expired(t0()).graph(t0());
        assert_eq!((expired.code, expired.subcode), (190, Some(463)));
        assert_eq!(TokenProblem::Revoked.graph(t0()).subcode, Some(458));
        assert_eq!(TokenProblem::Revoked.tiktok().code, "access_token_invalid");
    }
}
