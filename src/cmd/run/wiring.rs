//! What `run` publishes through: the platforms themselves, the built-in sandbox
//! (`--sandbox`), or a sandbox already running (`--sandbox-url`). Each way builds the same
//! four publishers; only the base URLs, the credentials and the media URLs differ.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use miette::{IntoDiagnostic, WrapErr, miette};

use crate::auth::{App, HttpRefresher, OAuthHosts, VaultCredentials};
use crate::clock::SharedClock;
use crate::manifest::config::{Config, InstagramLogin};
use crate::media::server::{MediaServer, ShareKey};
use crate::media::stage::Stager;
use crate::platform::containers::Poll;
use crate::platform::context::Context;
use crate::platform::credentials::{Credentials, EnvCredentials, TokenCredentials, TokenSet};
use crate::platform::facebook::FacebookPublisher;
use crate::platform::http::{Endpoints, client};
use crate::platform::instagram::InstagramPublisher;
use crate::platform::media::LocalMediaHost;
use crate::platform::router::Publishers;
use crate::platform::threads::ThreadsPublisher;
use crate::platform::tiktok::TiktokPublisher;
use crate::platform::{Platform, TargetKey};
use crate::sandbox::{AccountSpec, CreatorSettings, Sandbox, SandboxConfig, SeededAccount};

/// Where the posts go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// The platforms' real APIs, with tokens from the environment.
    Platforms { media_listen: SocketAddr },
    /// A sandbox in this process.
    Sandbox,
    /// A `postcal sandbox` at this URL.
    SandboxAt(String),
}

/// The publishers and what must live as long as they do.
pub struct Wiring {
    /// The vault's credentials, when the run uses a vault (the daemon keeps them renewed).
    pub vault: Option<Arc<VaultCredentials>>,
    pub publisher: Arc<Publishers>,
    /// The in-process sandbox, alive as long as the run.
    _sandbox: Option<Sandbox>,
    pub media_server: Arc<MediaServer>,
    /// For the log and the summary: where the posts went.
    pub describe: String,
    /// The sandbox's ledger, when there is one.
    pub ledger_url: Option<String>,
}

/// The destination's endpoints, credentials and media URLs.
struct Route {
    endpoints: Endpoints,
    credentials: Arc<dyn Credentials>,
    vault: Option<Arc<VaultCredentials>>,
    base_url: Option<String>,
    verified: Vec<String>,
    sandbox: Option<Sandbox>,
    describe: String,
    ledger_url: Option<String>,
}

pub async fn wire(
    to: &Destination,
    root: &Path,
    config: &Config,
    state_dir: &Path,
    clock: SharedClock,
) -> miette::Result<Wiring> {
    std::fs::create_dir_all(state_dir)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create {}", state_dir.display()))?;
    let stager = Arc::new(Stager::open(&state_dir.join("media")).into_diagnostic()?);
    let key = ShareKey::load_or_create(state_dir).into_diagnostic()?;
    let listen = match to {
        Destination::Platforms { media_listen } => *media_listen,
        _ => SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let media_server = Arc::new(
        MediaServer::start(listen, stager.clone(), clock.clone(), key)
            .await
            .into_diagnostic()
            .wrap_err("cannot start the media server")?,
    );
    let loopback = format!("http://{}", media_server.addr());
    let http = client(!matches!(to, Destination::Platforms { .. })).map_err(|e| miette!("{e}"))?;
    let route = match to {
        Destination::Platforms { .. } => {
            let env = EnvCredentials::from_config(config);
            let vault = super::tokens::vault_credentials(
                root,
                state_dir,
                config,
                OAuthHosts::real(),
                None,
                &http,
                &clock,
            )?
            .map(|v| Arc::new(v.env_overrides(env.clone())));
            Route {
                endpoints: Endpoints::real(),
                credentials: match &vault {
                    Some(v) => v.clone(),
                    None => Arc::new(env),
                },
                vault,
                base_url: config.public_url.as_ref().map(|u| u.value.clone()),
                verified: Vec::new(),
                sandbox: None,
                describe: "the platforms".into(),
                ledger_url: None,
            }
        }
        Destination::Sandbox => {
            let sandbox_config = SandboxConfig::default();
            let sandbox = Sandbox::start_with(
                sandbox_config.clone(),
                clock.clone(),
                SocketAddr::from(([127, 0, 0, 1], 0)),
            )
            .await
            .into_diagnostic()?;
            let seeded: Vec<SeededAccount> = specs(config)
                .into_iter()
                .map(|spec| sandbox.add_account(spec))
                .collect();
            let root_url = sandbox.urls().root.clone();
            let creds =
                sandbox_credentials(config, &seeded, &sandbox_config, &root_url, &http, &clock);
            Route {
                endpoints: Endpoints::sandbox(&root_url),
                credentials: creds,
                vault: None,
                base_url: Some(loopback.clone()),
                verified: vec![loopback],
                sandbox: Some(sandbox),
                describe: format!("the built-in sandbox at {root_url}"),
                ledger_url: None,
            }
        }
        Destination::SandboxAt(url) => {
            let url = url.trim_end_matches('/').to_owned();
            let mut seeded = Vec::new();
            for spec in specs(config) {
                let resp = http
                    .post(format!("{url}/_sandbox/accounts"))
                    .json(&spec)
                    .send()
                    .await
                    .map_err(|e| {
                        miette!(
                            help = "start it with `postcal sandbox`",
                            "cannot reach the sandbox at {url}: {}",
                            e.without_url()
                        )
                    })?;
                if !resp.status().is_success() {
                    return Err(miette!(
                        "the sandbox at {url} refused to create {}/{}: HTTP {}",
                        spec.platform,
                        spec.username,
                        resp.status()
                    ));
                }
                seeded.push(resp.json::<SeededAccount>().await.into_diagnostic()?);
            }
            let creds = sandbox_credentials(
                config,
                &seeded,
                &SandboxConfig::default(),
                &url,
                &http,
                &clock,
            );
            // Accounts logged in with `postcal login --sandbox-url` use the sandbox vault; the
            // others the tokens the sandbox just issued.
            let apps = SandboxConfig::default().apps;
            let sandbox_apps = Some((
                super::tokens::app_of(&apps.facebook),
                super::tokens::app_of(&apps.tiktok),
            ));
            let vault = super::tokens::vault_credentials(
                root,
                state_dir,
                config,
                OAuthHosts::sandbox(&url),
                sandbox_apps,
                &http,
                &clock,
            )?
            .map(|v| Arc::new(v.fallback(creds.clone())));
            Route {
                endpoints: Endpoints::sandbox(&url),
                credentials: match &vault {
                    Some(v) => v.clone(),
                    None => creds,
                },
                vault,
                base_url: Some(loopback.clone()),
                verified: vec![loopback],
                sandbox: None,
                describe: format!("the sandbox at {url}"),
                ledger_url: Some(format!("{url}/_sandbox/ledger")),
            }
        }
    };
    let host = LocalMediaHost::new(
        root,
        stager,
        media_server.clone(),
        route.base_url,
        route.verified,
    );
    let cx = Context {
        http,
        endpoints: route.endpoints,
        credentials: route.credentials,
        media: Arc::new(host),
        clock,
        poll: Poll::default(),
        usage: Arc::default(),
    };
    let publisher = Arc::new(Publishers {
        instagram: Arc::new(InstagramPublisher::new(cx.clone())),
        tiktok: Arc::new(TiktokPublisher::new(cx.clone())),
        threads: Arc::new(ThreadsPublisher::new(cx.clone())),
        facebook: Arc::new(FacebookPublisher::new(cx)),
    });
    Ok(Wiring {
        vault: route.vault,
        publisher,
        ledger_url: route.ledger_url,
        _sandbox: route.sandbox,
        media_server,
        describe: route.describe,
    })
}

impl Wiring {
    /// The in-process sandbox, for tests and benchmarks that inspect what it received.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        self._sandbox.as_ref()
    }

    /// The last line of a run: where to see what the platforms received.
    pub fn ledger_line(&self) -> Option<String> {
        match (&self._sandbox, &self.ledger_url) {
            (Some(sandbox), _) => {
                let ledger = sandbox.ledger();
                let accounts: std::collections::BTreeSet<&str> =
                    ledger.iter().map(|e| e.account_id.as_str()).collect();
                Some(format!(
                    "The sandbox's ledger holds {} posts on {} accounts (it ends with this run; \
                     `postcal sandbox` and --sandbox-url keep one to inspect).",
                    ledger.len(),
                    accounts.len()
                ))
            }
            (None, Some(url)) => Some(format!("What the platforms received: {url}")),
            (None, None) => None,
        }
    }
}

/// The calendar's accounts, as sandbox accounts (TikTok creators with their settings).
fn specs(config: &Config) -> Vec<AccountSpec> {
    config
        .accounts
        .iter()
        .map(|a| {
            let mut spec = AccountSpec::new(a.platform, &a.name);
            if a.platform == Platform::Tiktok {
                let mut creator = CreatorSettings::default();
                if let Some(p) = &a.tiktok_private {
                    creator.private = p.value;
                }
                if let Some(d) = &a.tiktok_max_video_duration {
                    creator.max_video_post_duration_sec = d.value;
                }
                spec = spec.tiktok(creator);
            }
            spec
        })
        .collect()
}

/// Tokens of the seeded accounts, refreshed through the sandbox's OAuth endpoints on the
/// platforms' rules (a months-long demo outlives every token).
fn sandbox_credentials(
    config: &Config,
    seeded: &[SeededAccount],
    sandbox: &SandboxConfig,
    root: &str,
    http: &reqwest::Client,
    clock: &SharedClock,
) -> Arc<dyn Credentials> {
    let now = clock.now();
    let secs = chrono::Duration::seconds;
    let lifetimes = &sandbox.tokens;
    let mut sets = HashMap::new();
    for (account, s) in config.accounts.iter().zip(seeded) {
        let login = account
            .instagram_login
            .as_ref()
            .map_or(InstagramLogin::Instagram, |l| l.value);
        let (access, expires) = match (s.platform, login) {
            (Platform::Instagram, InstagramLogin::Facebook) => (
                s.facebook_user_token
                    .clone()
                    .unwrap_or_else(|| s.access_token.clone()),
                Some(now + secs(lifetimes.meta_long_lived_secs)),
            ),
            (Platform::Instagram | Platform::Threads, _) => (
                s.access_token.clone(),
                Some(now + secs(lifetimes.meta_long_lived_secs)),
            ),
            (Platform::Tiktok, _) => (
                s.access_token.clone(),
                Some(now + secs(lifetimes.tiktok_access_secs)),
            ),
            (Platform::Facebook, _) => (s.access_token.clone(), None),
        };
        sets.insert(
            TargetKey::new(account.platform, &account.name),
            TokenSet {
                id: s.id.clone(),
                login,
                access,
                issued_at: now,
                expires_at: expires,
                refresh: s.refresh_token.clone(),
                refresh_expires_at: s
                    .refresh_token
                    .as_ref()
                    .map(|_| now + secs(lifetimes.tiktok_refresh_secs)),
            },
        );
    }
    let refresher = HttpRefresher {
        http: http.clone(),
        hosts: OAuthHosts::sandbox(root),
        facebook: Some(App {
            client_id: sandbox.apps.facebook.client_id.clone(),
            client_secret: sandbox.apps.facebook.client_secret.clone().into(),
        }),
        tiktok: Some(App {
            client_id: sandbox.apps.tiktok.client_id.clone(),
            client_secret: sandbox.apps.tiktok.client_secret.clone().into(),
        }),
    };
    Arc::new(TokenCredentials::new(
        sets,
        Arc::new(refresher),
        clock.clone(),
    ))
}
