//! Shared helpers: a sandbox on a manual clock, a tiny 127.0.0.1 media server for it to
//! download from, and an HTTP client that returns status + JSON.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use postcal::clock::ManualClock;
use postcal::media::synth;
use postcal::platform::Platform;
use postcal::sandbox::{AccountSpec, Sandbox, SandboxConfig, Secret, SeededAccount};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

/// Files served by [`MediaServer`]: path → (content type, bytes).
type Files = Arc<HashMap<String, (&'static str, Vec<u8>)>>;

async fn serve_file(State(files): State<Files>, Path(path): Path<String>) -> Response {
    if path == "redirect" {
        return (StatusCode::FOUND, [(header::LOCATION, "/elsewhere.mp4")]).into_response();
    }
    match files.get(&path) {
        Some((ctype, bytes)) => ([(header::CONTENT_TYPE, *ctype)], bytes.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A static file server on 127.0.0.1 that stops when dropped. `/redirect` answers 302.
pub struct MediaServer {
    pub base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl MediaServer {
    pub async fn start(files: Vec<(&str, &'static str, Vec<u8>)>) -> Self {
        let files: Files = Arc::new(
            files
                .into_iter()
                .map(|(p, c, b)| (p.to_owned(), (c, b)))
                .collect(),
        );
        let app = axum::Router::new()
            .route("/{*path}", axum::routing::get(serve_file))
            .with_state(files);
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
        Self { base, _stop: stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }
}

/// A URL nothing listens on (a port that was free a moment ago).
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/gone.jpg")
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A 10 s 1080×1920 H.264 reel (the synth default).
pub fn reel() -> Vec<u8> {
    synth::mp4(&synth::VideoSpec::default())
}

pub fn video(width: u32, height: u32, duration_ms: u64) -> Vec<u8> {
    synth::mp4(&synth::VideoSpec {
        width,
        height,
        duration_ms,
        ..synth::VideoSpec::default()
    })
}

/// The standard media every test can use, by path.
pub fn standard_media() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        ("square.jpg", "image/jpeg", synth::jpeg(1080, 1080)),
        ("portrait.jpg", "image/jpeg", synth::jpeg(1080, 1350)),
        ("too-tall.jpg", "image/jpeg", synth::jpeg(1080, 1500)),
        ("story.jpg", "image/jpeg", synth::jpeg(1080, 1920)),
        ("cover.jpg", "image/jpeg", synth::jpeg(1080, 1920)),
        ("photo.png", "image/png", synth::png(64, 64)),
        ("photo.webp", "image/webp", synth::webp(64, 64)),
        ("reel.mp4", "video/mp4", reel()),
        ("landscape.mp4", "video/mp4", video(1920, 1080, 10_000)),
        ("long.mp4", "video/mp4", video(1080, 1920, 120_000)),
    ]
}

/// The served bytes of a standard media file.
pub fn media_bytes(path: &str) -> Vec<u8> {
    standard_media()
        .into_iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, _, b)| b)
        .unwrap()
}

/// A status and a JSON body (`Value::Null` for an empty or non-JSON body).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub location: Option<String>,
}

impl Reply {
    /// The body of a 200 answer (fails the test otherwise).
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(
            self.status, 200,
            "expected 200, got {}: {}",
            self.status, self.body
        );
        &self.body
    }

    #[track_caller]
    pub fn id(&self) -> String {
        self.ok()["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_owned()
    }

    /// Graph `(code, error_subcode)`, checking the whole envelope is there.
    #[track_caller]
    pub fn graph_error(&self) -> (i64, Option<i64>) {
        let e = &self.body["error"];
        assert!(
            self.status >= 400,
            "expected an error, got {}: {}",
            self.status,
            self.body
        );
        for field in ["message", "type", "code", "fbtrace_id"] {
            assert!(
                e.get(field).is_some(),
                "Graph error without {field}: {}",
                self.body
            );
        }
        (e["code"].as_i64().unwrap(), e["error_subcode"].as_i64())
    }

    /// TikTok `error.code`, checking the envelope.
    #[track_caller]
    pub fn tiktok_code(&self) -> String {
        let e = &self.body["error"];
        assert!(
            e["log_id"].is_string() && e["message"].is_string(),
            "not a TikTok envelope: {}",
            self.body
        );
        e["code"].as_str().unwrap().to_owned()
    }
}

pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = resp.text().await.unwrap();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        location,
    }
}

/// A sandbox on a manual clock at [`t0`], with the standard media served next to it.
pub struct Sim {
    pub sb: Sandbox,
    pub clock: ManualClock,
    pub http: reqwest::Client,
    pub media: MediaServer,
}

impl Sim {
    pub async fn start() -> Self {
        Self::with(SandboxConfig::default()).await
    }

    pub async fn with(config: SandboxConfig) -> Self {
        let clock = ManualClock::new(t0());
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let sb = Sandbox::start_with(config, Arc::new(clock.clone()), addr)
            .await
            .unwrap();
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let media = MediaServer::start(standard_media()).await;
        Self {
            sb,
            clock,
            http,
            media,
        }
    }

    pub fn account(&self, platform: Platform, username: &str) -> SeededAccount {
        self.sb.add_account(AccountSpec::new(platform, username))
    }

    pub fn url(&self, path: &str) -> String {
        self.media.url(path)
    }

    pub fn advance(&self, secs: i64) {
        self.clock.advance(chrono::Duration::seconds(secs));
    }

    /// Lets every download finish, then moves past every processing delay.
    pub async fn process(&self) {
        self.sb.settle().await;
        self.advance(60);
    }

    /// A form POST with the token as `Authorization: Bearer`.
    pub async fn post(&self, url: &str, token: &Secret, form: &[(&str, &str)]) -> Reply {
        reply(
            self.http
                .post(url)
                .bearer_auth(token.expose())
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A GET with `access_token` in the query, as the official SDKs send it.
    pub async fn get(&self, url: &str, token: &Secret, query: &[(&str, &str)]) -> Reply {
        let mut q = query.to_vec();
        q.push(("access_token", token.expose()));
        reply(self.http.get(url).query(&q).send().await.unwrap()).await
    }

    /// A TikTok JSON POST with a bearer token.
    pub async fn tiktok(&self, path: &str, token: &Secret, body: Value) -> Reply {
        let url = format!("{}{path}", self.sb.urls().tiktok_api);
        reply(
            self.http
                .post(url)
                .bearer_auth(token.expose())
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

impl Sim {
    pub fn clock_now(&self) -> DateTime<Utc> {
        use postcal::clock::Clock;
        self.clock.now()
    }
}

/// A server on 127.0.0.1 whose every answer is an endless `200 OK` body of zeros, counting the
/// bytes it managed to send: what a hostile or broken media URL looks like.
pub struct EndlessServer {
    pub url: String,
    pub sent: Arc<std::sync::atomic::AtomicU64>,
}

impl EndlessServer {
    pub async fn start() -> Self {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/endless.jpg", listener.local_addr().unwrap());
        let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = sent.clone();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let _ = tcp.read(&mut request).await;
                    let head =
                        b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nConnection: close\r\n\r\n";
                    if tcp.write_all(head).await.is_err() {
                        return;
                    }
                    let zeros = vec![0u8; 64 * 1024];
                    while tcp.write_all(&zeros).await.is_ok() {
                        counter.fetch_add(zeros.len() as u64, Ordering::Relaxed);
                    }
                });
            }
        });
        Self { url, sent }
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }
}
