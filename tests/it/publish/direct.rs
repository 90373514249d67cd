//! Shared by the publisher tests, for any platform: a sandbox on a manual clock, the seeded
//! accounts' tokens handed to publishers through a tiny [`Credentials`], a [`MediaHost`] that
//! stages calendar files and serves them from 127.0.0.1 (an origin the sandbox counts as
//! verified for TikTok pulls), jobs, and a state machine to drive a publisher with.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use postcal::clock::ManualClock;
use postcal::manifest::config::InstagramLogin;
use postcal::media::probe_bytes;
use postcal::plan::desired::{Content, MediaContent};
use postcal::platform::context::Context;
use postcal::platform::credentials::{AccountAccess, CredentialError, Credentials};
use postcal::platform::http::Endpoints;
use postcal::platform::media::{MediaHost, StagedRef};
use postcal::platform::{Platform, TargetKey};
use postcal::reconcile::publisher::BoxFuture;
use postcal::reconcile::{
    Backoff, CallLimits, Failure, Jitter, Machine, Publisher, SharedStore, SlotJob,
};
use postcal::sandbox::{AccountSpec, Sandbox, SandboxConfig, Secret, SeededAccount};
use postcal::state::{MemStore, SlotKey, Store};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The seeded accounts' tokens, by target; remembers which tokens a publisher rejected.
#[derive(Default)]
pub struct SandboxCredentials {
    accounts: Mutex<HashMap<TargetKey, (String, Secret)>>,
    pub rejected: Mutex<Vec<TargetKey>>,
}

impl Credentials for SandboxCredentials {
    fn access<'a>(
        &'a self,
        target: &'a TargetKey,
    ) -> BoxFuture<'a, Result<AccountAccess, CredentialError>> {
        Box::pin(async move {
            let found = self.accounts.lock().unwrap().get(target).cloned();
            let (id, token) = found.ok_or_else(|| CredentialError::NeedsLogin {
                target: target.to_string(),
                why: "not seeded".into(),
            })?;
            Ok(AccountAccess {
                id,
                token,
                login: InstagramLogin::Instagram,
            })
        })
    }

    fn rejected(&self, target: &TargetKey, _token: &Secret) {
        self.rejected.lock().unwrap().push(target.clone());
    }
}

type Served = Arc<Mutex<HashMap<String, (PathBuf, &'static str)>>>;

async fn serve(State(served): State<Served>, Path(path): Path<String>) -> Response {
    let found = served.lock().unwrap().get(&path).cloned();
    match found {
        Some((file, mime)) => match tokio::fs::read(file).await {
            Ok(bytes) => ([(header::CONTENT_TYPE, mime)], bytes).into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        },
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Calendar files in a temporary directory, staged as they are (no conversion) and served
/// on 127.0.0.1 under `/{n}/{file}`. Pulls count as verified only when [`Self::verify`] says so.
pub struct LocalMedia {
    root: tempfile::TempDir,
    pub base: String,
    served: Served,
    verified: AtomicBool,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl LocalMedia {
    pub async fn start() -> Self {
        let served = Served::default();
        let app = axum::Router::new()
            .route("/{*path}", axum::routing::get(serve))
            .with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            root: tempfile::tempdir().unwrap(),
            base,
            served,
            verified: AtomicBool::new(false),
            _stop: stop,
        }
    }

    /// Writes a calendar file and names it as a post would.
    pub fn add(&self, name: &str, bytes: &[u8]) -> MediaContent {
        std::fs::write(self.root.path().join(name), bytes).unwrap();
        MediaContent {
            file: name.to_owned(),
            sha256: sha256(bytes),
            alt: None,
        }
    }

    /// Whether TikTok may pull from this host (a domain verified in its developer portal).
    pub fn verify(&self, verified: bool) {
        self.verified.store(verified, Ordering::SeqCst);
    }
}

impl MediaHost for LocalMedia {
    fn stage<'a>(
        &'a self,
        media: &'a MediaContent,
        _platform: Platform,
        _until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<StagedRef, Failure>> {
        Box::pin(async move {
            let path = self.root.path().join(&media.file);
            let bytes = std::fs::read(&path)
                .map_err(|e| Failure::retryable(format!("{}: {e}", media.file)))?;
            let info = probe_bytes(&bytes).map_err(|e| Failure::permanent(e.to_string()))?;
            let mut served = self.served.lock().unwrap();
            let key = format!("{}/{}", served.len(), media.file);
            served.insert(key.clone(), (path.clone(), info.format.mime_type()));
            Ok(StagedRef {
                url: format!("{}/{key}", self.base),
                format: info.format,
                size: bytes.len() as u64,
                sha256: sha256(&bytes),
                path,
                alt: media.alt.clone(),
            })
        })
    }

    fn tiktok_verified(&self, url: &str) -> bool {
        self.verified.load(Ordering::SeqCst) && url.starts_with(&self.base)
    }
}

/// A sandbox on a manual clock at [`t0`], its accounts' tokens, and a media host.
pub struct Harness {
    pub sb: Sandbox,
    pub clock: ManualClock,
    pub credentials: Arc<SandboxCredentials>,
    pub media: Arc<LocalMedia>,
}

impl Harness {
    pub async fn start(config: SandboxConfig) -> Self {
        let clock = ManualClock::new(t0());
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let sb = Sandbox::start_with(config, Arc::new(clock.clone()), addr)
            .await
            .unwrap();
        Self {
            sb,
            clock,
            credentials: Arc::default(),
            media: Arc::new(LocalMedia::start().await),
        }
    }

    /// Creates the account in the sandbox and hands its token to the publishers.
    pub fn account(&self, spec: AccountSpec) -> (TargetKey, SeededAccount) {
        let seeded = self.sb.add_account(spec);
        let target = TargetKey::new(seeded.platform, &seeded.username);
        self.credentials.accounts.lock().unwrap().insert(
            target.clone(),
            (seeded.id.clone(), seeded.access_token.clone()),
        );
        (target, seeded)
    }

    pub fn context(&self) -> Context {
        Context {
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap(),
            endpoints: Endpoints::sandbox(&self.sb.urls().root),
            credentials: self.credentials.clone(),
            media: self.media.clone(),
            clock: Arc::new(self.clock.clone()),
            poll: Default::default(),
            usage: Arc::default(),
        }
    }

    pub fn advance(&self, secs: i64) {
        self.clock.advance(chrono::Duration::seconds(secs));
    }

    /// The state machine the daemon would run, on this clock and an in-memory store, with a
    /// `max_lateness` of 6 hours (so a retry an hour later is not recorded missed). Keep the
    /// returned sender: shutdown goes through it.
    pub fn machine(
        &self,
        publisher: Arc<dyn Publisher>,
        store: &MemStore,
    ) -> (Machine, watch::Sender<bool>) {
        let (stop, shutdown) = watch::channel(false);
        let store: Box<dyn Store> = Box::new(store.clone());
        let machine = Machine {
            store: SharedStore::new(Mutex::new(store)),
            publisher,
            clock: Arc::new(self.clock.clone()),
            backoff: Backoff::default(),
            jitter: Arc::new(Mutex::new(Jitter::seeded(7))),
            shutdown,
            max_lateness: chrono::Duration::hours(6),
            limits: CallLimits::default(),
            tz: chrono_tz::Tz::UTC,
        };
        (machine, stop)
    }
}

/// A slot of `target` at [`t0`] publishing `text`, `media` and the target's `options`.
pub fn job(
    target: &TargetKey,
    post: &str,
    text: Option<&str>,
    media: Vec<MediaContent>,
    options: serde_json::Value,
) -> SlotJob {
    let content = Content {
        platform: target.platform,
        text: text.map(Arc::from),
        media,
        options: options.to_string().into(),
    };
    SlotJob {
        key: SlotKey::new(post, target.clone(), t0()),
        content_hash: content.hash(),
        content: Arc::new(content),
    }
}
