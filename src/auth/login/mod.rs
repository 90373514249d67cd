//! `postcal login`: the OAuth 2 authorization-code flow of each platform (platform-rules §6),
//! ending in a [`LoggedIn`] account ready for the vault.
//!
//! | Platform | Authorize page | Exchanges |
//! |---|---|---|
//! | Instagram (Instagram Login) | `www.instagram.com/oauth/authorize` | code → 1 h token (`api.instagram.com`) → 60 d (`ig_exchange_token`) |
//! | Instagram (Facebook Login), Facebook Pages | `www.facebook.com/{v}/dialog/oauth` | code → short-lived user token → 60 d (`fb_exchange_token`); Pages: the Page token from `/me/accounts` (no expiry) |
//! | Threads | `threads.com/oauth/authorize` | code → 1 h token → 60 d (`th_exchange_token`) |
//! | TikTok | `www.tiktok.com/v2/auth/authorize/` with PKCE S256 | code + `code_verifier` → access (hours) + refresh token (months) |
//!
//! # Guarantees
//! - `state` is 256 random bits and the callback must return it unchanged; otherwise the code
//!   is not exchanged (a forged redirect cannot plant someone else's account).
//! - TikTok's PKCE verifier never leaves this process until the exchange.
//! - Granted scopes are read back (the token answer, or `debug_token`) and compared with what
//!   publishing needs; ids are read back from the platform and compared with `postcal.yaml`.
//!   The caller decides what to save; nothing here writes anything.
//! - Errors never carry a token or a code ([`Secret::scrub`]).
//!
//! # Errors
//! [`LoginError`]: consent denied, `state` mismatch, the platform refusing the code (used,
//! expired), a timeout, or an account the platform does not know.

mod callback;
mod identity;
mod platforms;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use callback::{CALLBACK_PATH, Callback, parse_pasted};
pub use identity::import;
pub use platforms::Imported;

use super::refresh::{App, OAuthHosts};
use super::vault::StoredAccount;
use crate::manifest::config::InstagramLogin;
use crate::platform::{Platform, TargetKey};
use crate::secret::Secret;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(
        "the login was refused at the consent screen ({0}); run `postcal login` again and allow access"
    )]
    Denied(String),
    #[error(
        "the callback's `state` does not match this login: the redirect did not come from this login (an old tab, or a forged link); nothing was saved, run `postcal login` again"
    )]
    StateMismatch,
    #[error("the callback carries no authorization code")]
    NoCode,
    #[error(
        "no callback within {0} s; run `postcal login` again (or --no-browser to open the address elsewhere)"
    )]
    Timeout(u64),
    #[error("{0}")]
    Callback(String),
    #[error("the platform refused the login: {0}")]
    Exchange(String),
    #[error("{0}")]
    Account(String),
}

/// How the browser comes back.
#[derive(Debug, Clone)]
pub enum Redirect {
    /// A one-shot server on `127.0.0.1:port` (0: any free port).
    Loopback(u16),
    /// A registered page: the person pastes the address the browser ended on.
    Registered(String),
}

/// Everything a login needs to know.
#[derive(Debug, Clone)]
pub struct LoginSetup {
    pub target: TargetKey,
    pub login: InstagramLogin,
    pub app: App,
    pub hosts: OAuthHosts,
    pub redirect: Redirect,
    /// The id `postcal.yaml` gives the account, if any.
    pub expected_id: Option<String>,
    /// Extra authorize parameters (the sandbox's `sandbox_account`).
    pub extra: Vec<(String, String)>,
    /// Scopes this account's posts need besides the platform's base ones (Facebook Pages:
    /// `publish_video` when a post has a video).
    pub also_need: Vec<String>,
    pub timeout: Duration,
}

/// A finished login, not yet saved.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub account: StoredAccount,
    /// Scopes publishing needs that the grant lacks (empty: all there).
    pub missing_scopes: Vec<String>,
    /// `postcal.yaml`'s id when the platform reports another one.
    pub id_mismatch: Option<String>,
}

/// Scopes publishing needs, then scopes asked for too because some posts may need them.
pub fn scopes(
    platform: Platform,
    login: InstagramLogin,
) -> (&'static [&'static str], &'static [&'static str]) {
    match (platform, login) {
        (Platform::Instagram, InstagramLogin::Instagram) => (
            &[
                "instagram_business_basic",
                "instagram_business_content_publish",
            ],
            &[],
        ),
        (Platform::Instagram, InstagramLogin::Facebook) => (
            &[
                "instagram_basic",
                "instagram_content_publish",
                "pages_show_list",
                "pages_read_engagement",
            ],
            &[],
        ),
        (Platform::Facebook, _) => (
            &[
                "pages_show_list",
                "pages_manage_posts",
                "pages_read_engagement",
            ],
            &["publish_video"],
        ),
        (Platform::Threads, _) => (&["threads_basic", "threads_content_publish"], &[]),
        (Platform::Tiktok, _) => (&["user.info.basic", "video.publish"], &["video.upload"]),
    }
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The OS generator failing is not something a login can recover from.
    if getrandom::getrandom(&mut buf).is_err() {
        panic!("the operating system's random generator failed");
    }
    URL_SAFE_NO_PAD.encode(buf)
}

/// One login attempt: its `state`, PKCE verifier and authorize address.
pub struct Attempt {
    pub state: String,
    verifier: Secret,
    pub redirect_uri: String,
    pub url: String,
}

impl Attempt {
    pub fn new(setup: &LoginSetup, redirect_uri: &str) -> Self {
        let state = random_token(32);
        let verifier = random_token(48);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let (need, extra) = scopes(setup.target.platform, setup.login);
        let h = &setup.hosts;
        let (base, sep) = match (setup.target.platform, setup.login) {
            (Platform::Instagram, InstagramLogin::Instagram) => {
                (format!("{}/oauth/authorize", h.instagram_www), ",")
            }
            (Platform::Instagram | Platform::Facebook, _) => (
                format!(
                    "{}/{}/dialog/oauth",
                    h.facebook_www,
                    crate::platform::http::GRAPH_VERSION
                ),
                ",",
            ),
            (Platform::Threads, _) => (format!("{}/oauth/authorize", h.threads_www), ","),
            (Platform::Tiktok, _) => (format!("{}/v2/auth/authorize/", h.tiktok_www), ","),
        };
        let scope = need
            .iter()
            .chain(extra)
            .copied()
            .collect::<Vec<_>>()
            .join(sep);
        let id_param = if setup.target.platform == Platform::Tiktok {
            "client_key"
        } else {
            "client_id"
        };
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair(id_param, &setup.app.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", &scope)
            .append_pair("state", &state);
        if setup.target.platform == Platform::Tiktok {
            q.append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
        }
        for (k, v) in &setup.extra {
            q.append_pair(k, v);
        }
        Self {
            url: format!("{base}?{}", q.finish()),
            state,
            verifier: Secret::from(verifier),
            redirect_uri: redirect_uri.to_owned(),
        }
    }

    /// The authorization code of a callback, once its `state` and outcome are checked.
    pub fn code(&self, pairs: &[(String, String)]) -> Result<Secret, LoginError> {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if get("state") != Some(self.state.as_str()) {
            return Err(LoginError::StateMismatch);
        }
        if let Some(e) = get("error") {
            let why = get("error_description").unwrap_or(e);
            return Err(LoginError::Denied(why.to_owned()));
        }
        let code = get("code").ok_or(LoginError::NoCode)?;
        // Instagram appends `#_` to the redirect (platform-rules §6).
        Ok(Secret::from(code.trim_end_matches("#_")))
    }

    /// Exchanges the code and reads the account back.
    pub async fn finish(
        &self,
        http: &reqwest::Client,
        setup: &LoginSetup,
        code: &Secret,
        now: DateTime<Utc>,
    ) -> Result<LoggedIn, LoginError> {
        let token =
            platforms::exchange(http, setup, code, &self.redirect_uri, &self.verifier).await?;
        identity::complete(http, setup, token, now).await
    }
}

/// The whole interactive flow: `show` gets the address to open; with a registered redirect,
/// `paste` returns the address the browser ended on.
pub async fn login(
    http: &reqwest::Client,
    setup: &LoginSetup,
    now: impl FnOnce() -> DateTime<Utc>,
    show: impl FnOnce(&str),
    paste: impl FnOnce() -> Option<String>,
) -> Result<LoggedIn, LoginError> {
    let pairs_and_attempt = match &setup.redirect {
        Redirect::Loopback(port) => {
            let server = Callback::bind(*port).await?;
            let attempt = Attempt::new(setup, &server.redirect_uri);
            show(&attempt.url);
            (server.wait(setup.timeout).await?, attempt)
        }
        Redirect::Registered(uri) => {
            let attempt = Attempt::new(setup, uri);
            show(&attempt.url);
            let pasted = paste().ok_or(LoginError::NoCode)?;
            (parse_pasted(&pasted)?, attempt)
        }
    };
    let (pairs, attempt) = pairs_and_attempt;
    let code = attempt.code(&pairs)?;
    attempt.finish(http, setup, &code, now()).await
}
