//! The simulated users: Instagram professional accounts, Facebook Pages (and the Facebook users
//! who manage them), Threads profiles and TikTok creators, and how a test seeds one.
//!
//! Seeding an account issues the tokens a finished login would have produced (long-lived for
//! Meta, a fresh access/refresh pair for TikTok), so tests that are not about OAuth can skip it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::config::TokenLifetimes;
use super::state::World;
use super::tokens::{Issue, Secret, TokenKind};
use crate::platform::Platform;

/// An account to create: `Sandbox::add_account`, `POST /_sandbox/accounts`, or `accounts:` in
/// the configuration file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    pub platform: Platform,
    pub username: String,
    /// Display name (TikTok `creator_nickname`, Page name); defaults to the username.
    #[serde(default)]
    pub name: Option<String>,
    /// Scopes granted to the seeded tokens; default: everything publishing needs.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Fixed token values (so a configuration file can name them); generated when absent.
    #[serde(default)]
    pub access_token: Option<Secret>,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    #[serde(default)]
    pub facebook_user_token: Option<Secret>,
    /// TikTok creator settings (ignored for other platforms).
    #[serde(default)]
    pub tiktok: CreatorSettings,
}

impl AccountSpec {
    pub fn new(platform: Platform, username: &str) -> Self {
        Self {
            platform,
            username: username.to_owned(),
            name: None,
            scopes: None,
            access_token: None,
            refresh_token: None,
            facebook_user_token: None,
            tiktok: CreatorSettings::default(),
        }
    }

    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = Some(scopes.iter().map(|s| (*s).to_owned()).collect());
        self
    }

    pub fn tiktok(mut self, settings: CreatorSettings) -> Self {
        self.tiktok = settings;
        self
    }
}

/// What `creator_info/query` reports for a TikTok creator (docs/platform-rules.md §2.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CreatorSettings {
    /// A private account offers FOLLOWER_OF_CREATOR instead of PUBLIC_TO_EVERYONE.
    pub private: bool,
    pub max_video_post_duration_sec: u32,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    /// Banned from posting (`spam_risk_user_banned_from_posting`).
    pub banned: bool,
}

impl Default for CreatorSettings {
    fn default() -> Self {
        Self {
            private: false,
            max_video_post_duration_sec: 600,
            comment_disabled: false,
            duet_disabled: false,
            stitch_disabled: false,
            banned: false,
        }
    }
}

impl CreatorSettings {
    /// docs/platform-rules.md §2.2 `privacy_level_options`.
    pub fn privacy_level_options(&self) -> &'static [&'static str] {
        if self.private {
            &["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        } else {
            &["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        }
    }
}

/// A created account and the tokens a test needs to act as it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeededAccount {
    pub platform: Platform,
    /// Instagram user id, Page id, Threads user id, or TikTok `open_id`.
    pub id: String,
    pub username: String,
    /// Instagram Login token (graph.instagram.com), Page token, Threads token, TikTok access
    /// token.
    pub access_token: Secret,
    /// TikTok only.
    pub refresh_token: Option<Secret>,
    /// Instagram and Facebook: the Facebook user who manages the account.
    pub facebook_user_id: Option<String>,
    /// That user's token: Instagram with Facebook Login (graph.facebook.com), `/me/accounts`.
    pub facebook_user_token: Option<Secret>,
}

/// An account as the sandbox keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub id: String,
    pub platform: Platform,
    pub username: String,
    pub name: String,
    /// The Facebook user who manages it (Instagram, Facebook Pages).
    pub fb_user: Option<String>,
    pub tiktok: CreatorSettings,
}

/// A Facebook user: the person behind Facebook Login.
#[derive(Debug, Clone)]
pub(crate) struct FbUser {
    pub id: String,
    pub name: String,
}

fn default_scopes(platform: Platform) -> (&'static [&'static str], &'static [&'static str]) {
    // (the account token's scopes, the Facebook user token's scopes)
    match platform {
        Platform::Instagram => (
            &[
                "instagram_business_basic",
                "instagram_business_content_publish",
            ],
            &[
                "instagram_basic",
                "instagram_content_publish",
                "pages_read_engagement",
                "pages_show_list",
            ],
        ),
        Platform::Facebook => (
            &[
                "pages_manage_posts",
                "pages_read_engagement",
                "pages_show_list",
                "publish_video",
            ],
            &[
                "pages_manage_posts",
                "pages_read_engagement",
                "pages_show_list",
                "publish_video",
            ],
        ),
        Platform::Threads => (&["threads_basic", "threads_content_publish"], &[]),
        Platform::Tiktok => (&["user.info.basic", "video.publish", "video.upload"], &[]),
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Creates the account (and its Facebook user) and issues its tokens. With `reuse`, an
/// account of the same platform and username is found again instead (new tokens, same ids):
/// a client that restarts gets its accounts back.
pub(crate) fn seed(
    world: &mut World,
    spec: &AccountSpec,
    now: chrono::DateTime<chrono::Utc>,
    lifetimes: &TokenLifetimes,
    reuse: bool,
) -> SeededAccount {
    let (own, fb) = default_scopes(spec.platform);
    let own_scopes = spec
        .scopes
        .as_ref()
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_else(|| set(own));
    let fb_scopes = spec
        .scopes
        .as_ref()
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_else(|| set(fb));
    let name = spec.name.clone().unwrap_or_else(|| spec.username.clone());
    if reuse
        && let Some(existing) = world
            .accounts
            .values()
            .find(|a| a.platform == spec.platform && a.username == spec.username)
            .cloned()
    {
        return issue(
            world,
            spec,
            existing.id,
            existing.fb_user,
            now,
            lifetimes,
            (own_scopes, fb_scopes),
        );
    }
    let id = world.next_id();

    let fb_user = matches!(spec.platform, Platform::Instagram | Platform::Facebook).then(|| {
        let uid = world.next_id();
        world.fb_users.insert(
            uid.clone(),
            FbUser {
                id: uid.clone(),
                name: format!("{name} (admin)"),
            },
        );
        uid
    });
    world.accounts.insert(
        id.clone(),
        Account {
            id: id.clone(),
            platform: spec.platform,
            username: spec.username.clone(),
            name,
            fb_user: fb_user.clone(),
            tiktok: spec.tiktok.clone(),
        },
    );

    issue(
        world,
        spec,
        id,
        fb_user,
        now,
        lifetimes,
        (own_scopes, fb_scopes),
    )
}

/// Issues a fresh set of tokens for an account (new, or found again by `seed` with `reuse`).
fn issue(
    world: &mut World,
    spec: &AccountSpec,
    id: String,
    fb_user: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
    lifetimes: &TokenLifetimes,
    (own_scopes, fb_scopes): (BTreeSet<String>, BTreeSet<String>),
) -> SeededAccount {
    let long = Some(super::config::secs(lifetimes.meta_long_lived_secs));
    let (kind, lifetime, long_lived) = match spec.platform {
        Platform::Instagram => (TokenKind::InstagramUser, long, true),
        // A Page token obtained from a long-lived user token does not expire
        // (docs/platform-rules.md §3).
        Platform::Facebook => (TokenKind::FacebookPage, None, true),
        Platform::Threads => (TokenKind::ThreadsUser, long, true),
        Platform::Tiktok => (
            TokenKind::TikTokAccess,
            Some(super::config::secs(lifetimes.tiktok_access_secs)),
            false,
        ),
    };
    let grant = world.tokens.new_grant();
    let access_token = world.tokens.issue(
        &mut world.rng,
        now,
        Issue {
            kind,
            subject: &id,
            scopes: &own_scopes,
            lifetime,
            long_lived,
            grant: Some(grant),
            fixed: spec.access_token.as_ref().map(Secret::expose),
        },
    );
    let refresh_token = (spec.platform == Platform::Tiktok).then(|| {
        world.tokens.issue(
            &mut world.rng,
            now,
            Issue {
                kind: TokenKind::TikTokRefresh,
                subject: &id,
                scopes: &own_scopes,
                lifetime: Some(super::config::secs(lifetimes.tiktok_refresh_secs)),
                long_lived: true,
                grant: Some(grant),
                fixed: spec.refresh_token.as_ref().map(Secret::expose),
            },
        )
    });
    let facebook_user_token = fb_user.as_ref().map(|uid| {
        world.tokens.issue(
            &mut world.rng,
            now,
            Issue {
                kind: TokenKind::FacebookUser,
                subject: uid,
                scopes: &fb_scopes,
                lifetime: long,
                long_lived: true,
                grant: None,
                fixed: spec.facebook_user_token.as_ref().map(Secret::expose),
            },
        )
    });
    SeededAccount {
        platform: spec.platform,
        id,
        username: spec.username.clone(),
        access_token,
        refresh_token,
        facebook_user_id: fb_user,
        facebook_user_token,
    }
}
