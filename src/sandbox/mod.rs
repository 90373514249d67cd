//! The sandbox: a local simulator of the Instagram, Threads, Facebook Pages and TikTok
//! publishing APIs, built from `docs/platform-rules.md` (docs/design.md §7).
//!
//! It serves the real paths, parameters and envelopes of each API on 127.0.0.1, one path prefix
//! per real host ([`SandboxUrls`]): a client given `urls.instagram_graph` appends the real path
//! (`/v23.0/{ig-user-id}/media`) and cannot tell the difference. It really downloads the media
//! it is given and judges them by content, processes containers asynchronously on a virtual
//! clock, enforces quotas, rate limits, token lifetimes and scopes, and records every published
//! post in a [`ledger`](ledger::LedgerEntry). [`faults`] make chosen calls fail in the ways
//! that matter to an exactly-once publisher.
//!
//! ```no_run
//! # async fn demo() -> Result<(), postcal::sandbox::SandboxError> {
//! use postcal::sandbox::{AccountSpec, Sandbox, SandboxConfig};
//! use postcal::platform::Platform;
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let acme = sandbox.add_account(AccountSpec::new(Platform::Instagram, "acme"));
//! let url = format!("{}/v23.0/{}/media", sandbox.urls().instagram_graph, acme.id);
//! // POST image_url=... with `Authorization: Bearer {acme.access_token.expose()}`
//! # Ok(()) }
//! ```
//!
//! # Guarantees
//! - Listens on loopback only when started with [`Sandbox::start`]; stops when the handle is
//!   dropped or [`Sandbox::shutdown`] is awaited, within `server.shutdown_grace_ms` whatever
//!   clients are doing (see [`ServerSettings`] for its timeouts and connection limit).
//! - Tokens and app secrets never appear in its log, its errors or its ledger.
//! - Every endpoint answers malformed input with the platform's error envelope, never a panic.
//!
//! # Assumptions
//! - Time is the injected [`Clock`](crate::clock::Clock): tests advance a `ManualClock` to
//!   expire containers and tokens or free quotas; downloads use real time and are awaited with
//!   [`Sandbox::settle`]. Tests in other processes move the clock with `POST /_sandbox/clock`.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub mod accounts;
pub mod config;
pub mod errors;
pub mod faults;
pub mod ledger;
pub mod tokens;

mod admin;
mod conn;
mod container;
mod engine;
mod facebook;
mod fields;
mod graph;
mod instagram;
mod judge;
mod media;
mod oauth;
mod quota;
mod request;
mod rng;
mod server;
mod state;
mod text;
mod threads;
mod tiktok;

pub use accounts::{AccountSpec, CreatorSettings, SeededAccount};
pub use config::{SandboxConfig, ServerSettings};
pub use faults::{
    ErrorFault, FaultAction, FaultCode, FaultPlan, FaultRule, Faults, ProcessingFault,
};
pub use ledger::{LedgerEntry, LedgerMedia};
pub use tokens::Secret;

use crate::clock::{MoveError, OffsetClock, SharedClock};
use engine::Engine;

/// The base URL of every simulated host. Append the real path to each.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SandboxUrls {
    /// `http://127.0.0.1:PORT`, the listener itself.
    pub root: String,
    /// `graph.instagram.com`: Instagram API with Instagram Login, `access_token`,
    /// `refresh_access_token`.
    pub instagram_graph: String,
    /// `graph.facebook.com`: Pages, Instagram with Facebook Login, `oauth/access_token`.
    pub facebook_graph: String,
    /// `graph-video.facebook.com`: the Page video upload host (same endpoints as `facebook_graph`).
    pub facebook_graph_video: String,
    /// `graph.threads.net`.
    pub threads_graph: String,
    /// `open.tiktokapis.com`.
    pub tiktok_api: String,
    /// `open-upload.tiktokapis.com`: where TikTok `upload_url`s point.
    pub tiktok_upload: String,
    /// `api.instagram.com`: Instagram Login code exchange and authorize.
    pub instagram_api: String,
    /// `www.instagram.com`: Business Login authorize page (`/oauth/authorize`).
    pub instagram_www: String,
    /// `www.facebook.com`: Facebook Login dialog (`/{v}/dialog/oauth`).
    pub facebook_www: String,
    /// `threads.net`: Threads authorize page (`/oauth/authorize`).
    pub threads_www: String,
    /// `www.tiktok.com`: TikTok authorize page (`/v2/auth/authorize/`).
    pub tiktok_www: String,
    /// `/_sandbox`: ledger, counters, faults, accounts (no real API uses this prefix).
    pub admin: String,
}

impl SandboxUrls {
    fn new(addr: SocketAddr) -> Self {
        let root = format!("http://{addr}");
        let at = |host: &str| format!("{root}/{host}");
        Self {
            instagram_graph: at("graph.instagram.com"),
            facebook_graph: at("graph.facebook.com"),
            facebook_graph_video: at("graph-video.facebook.com"),
            threads_graph: at("graph.threads.net"),
            tiktok_api: at("open.tiktokapis.com"),
            tiktok_upload: at("open-upload.tiktokapis.com"),
            instagram_api: at("api.instagram.com"),
            instagram_www: at("www.instagram.com"),
            facebook_www: at("www.facebook.com"),
            threads_www: at("threads.net"),
            tiktok_www: at("www.tiktok.com"),
            admin: at("_sandbox"),
            root,
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot build the media download client: {0}")]
    Client(String),
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    engine: Arc<Engine>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    seeded: Vec<SeededAccount>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts on 127.0.0.1 with an ephemeral port and the system clock (an [`OffsetClock`],
    /// so [`Sandbox::advance_clock`] and `POST /_sandbox/clock` can move it forward).
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        Self::start_with(
            config,
            Arc::new(OffsetClock::new()),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
    }

    /// Starts with a chosen clock (tests: a `ManualClock`) and listen address.
    pub async fn start_with(
        config: SandboxConfig,
        clock: SharedClock,
        listen: SocketAddr,
    ) -> Result<Self, SandboxError> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: listen,
            source,
        })?;
        let fetcher = media::Fetcher::new(&config.download)
            .map_err(|e| SandboxError::Client(e.to_string()))?;
        let (stop, stop_rx) = watch::channel(false);
        let specs = config.accounts.clone();
        let engine = Arc::new(Engine::new(
            config,
            clock,
            fetcher,
            stop_rx.clone(),
            SandboxUrls::new(addr),
        ));
        let app = server::router(engine.clone());
        let settings = engine.config.server.clone();
        let task = tokio::spawn(conn::serve(listener, app, settings, stop_rx));
        let mut sandbox = Self {
            engine,
            addr,
            stop,
            task: Some(task),
            seeded: Vec::new(),
        };
        sandbox.seeded = specs
            .iter()
            .map(|s| sandbox.add_account(s.clone()))
            .collect();
        Ok(sandbox)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn urls(&self) -> &SandboxUrls {
        &self.engine.urls
    }

    /// Accounts created from `SandboxConfig::accounts` at start-up.
    pub fn accounts(&self) -> &[SeededAccount] {
        &self.seeded
    }

    /// Creates an account and returns its ids and tokens.
    pub fn add_account(&self, spec: AccountSpec) -> SeededAccount {
        let now = self.engine.now();
        let lifetimes = self.engine.config.tokens.clone();
        accounts::seed(&mut self.engine.world(), &spec, now, &lifetimes, false)
    }

    /// Revokes a token as if the user had removed the app (Graph 190/458, TikTok
    /// `access_token_invalid`); returns whether the token existed.
    pub fn revoke_token(&self, token: &Secret) -> bool {
        self.engine.world().tokens.revoke(token.expose())
    }

    /// Every published post, in order (pending TikTok completions are brought up to date first).
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        admin::ledger(&self.engine, None)
    }

    /// The published posts of one account, in order.
    pub fn ledger_for(&self, account_id: &str) -> Vec<LedgerEntry> {
        admin::ledger(&self.engine, Some(account_id))
    }

    /// Calls received per endpoint name (see [`faults::ENDPOINTS`]; `unknown` for other paths).
    pub fn counters(&self) -> std::collections::BTreeMap<String, u64> {
        self.engine.counters()
    }

    pub fn faults(&self) -> &Faults {
        &self.engine.faults
    }

    pub fn clock(&self) -> SharedClock {
        self.engine.clock.clone()
    }

    /// Moves the sandbox clock forward by `by` and returns the new time, as
    /// `POST /_sandbox/clock {"advance": ...}` does. Works when the injected clock can be moved
    /// (a `ManualClock`, an `OffsetClock`); time never goes backwards.
    pub fn advance_clock(
        &self,
        by: chrono::Duration,
    ) -> Result<chrono::DateTime<chrono::Utc>, MoveError> {
        self.engine.clock.try_advance(by)
    }

    /// Moves the sandbox clock forward to `to` (never back), as `POST /_sandbox/clock
    /// {"set": ...}` does.
    pub fn set_clock(
        &self,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<chrono::DateTime<chrono::Utc>, MoveError> {
        self.engine.clock.try_advance(to - self.engine.now())
    }

    /// Waits until every media download started so far has finished and been judged.
    pub async fn settle(&self) {
        self.engine.settle().await;
    }

    /// Stops accepting, ends hangs, lets requests in flight finish for
    /// `server.shutdown_grace_ms`, then closes what is left and returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
