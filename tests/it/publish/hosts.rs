//! What the publisher tests share: the seeded accounts' tokens handed to publishers through a
//! tiny [`Credentials`], and a [`MediaHost`] that stages calendar files as they are (no
//! conversion) and serves them from 127.0.0.1.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use postcal::manifest::config::InstagramLogin;
use postcal::media::probe_bytes;
use postcal::plan::desired::MediaContent;
use postcal::platform::credentials::{AccountAccess, CredentialError, Credentials};
use postcal::platform::media::{MediaHost, StagedRef};
use postcal::platform::{Platform, TargetKey};
use postcal::reconcile::Failure;
use postcal::reconcile::publisher::BoxFuture;
use postcal::sandbox::Secret;
use sha2::{Digest, Sha256};

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

impl SandboxCredentials {
    /// Hands `token` out for `target`, whose platform id is `id`.
    pub fn insert(&self, target: TargetKey, id: &str, token: Secret) {
        self.accounts
            .lock()
            .unwrap()
            .insert(target, (id.to_owned(), token));
    }
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
    root: Root,
    pub base: String,
    served: Served,
    verified: AtomicBool,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Where the calendar files are: a directory of the media host's own, or a calendar's.
enum Root {
    Own(tempfile::TempDir),
    At(PathBuf),
}

impl Root {
    fn path(&self) -> &std::path::Path {
        match self {
            Self::Own(dir) => dir.path(),
            Self::At(path) => path,
        }
    }
}

impl LocalMedia {
    /// Serves files of a temporary directory of its own ([`Self::add`] writes them).
    pub async fn start() -> Self {
        Self::serve(Root::Own(tempfile::tempdir().unwrap())).await
    }

    /// Serves the files of the calendar at `root`.
    pub async fn start_at(root: &std::path::Path) -> Self {
        Self::serve(Root::At(root.to_path_buf())).await
    }

    async fn serve(root: Root) -> Self {
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
            root,
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
