//! The media server: serves staged files, and nothing else, to the platforms that pull media
//! from a URL (Instagram, Threads, TikTok photos). `public_url` in postcal.yaml says how they
//! reach it (a reverse proxy or a tunnel in front of [`MediaServer::addr`]).
//!
//! A file is shared by [`MediaServer::share`] as `/m/<token>/<sha-prefix>.<ext>`, where the
//! token seals the file's SHA-256 and an expiry under the daemon's [`ShareKey`] (`server/token.rs`).
//!
//! # Guarantees
//! - No part of a request path reaches the file system. The path must be exactly
//!   `/m/<token>/<name>` with a token of base64url characters, which is opened with the key into
//!   a SHA-256; the file is then looked up by that hash in the [`Stager`] (which accepts only 64
//!   lowercase hex digits) and opened without following a symlink. Nothing is percent-decoded,
//!   so `..`, `%2e%2e`, `%252e`, backslashes and absolute paths match nothing: 404.
//! - Unknown, altered and expired tokens (expiry read from the injected clock), and a name that
//!   is not the file's, get 404, as does every other path: there are no listings.
//! - `GET` and `HEAD` only, with `Content-Type` from the staged format, `Content-Length`,
//!   `Accept-Ranges: bytes` and single `Range` requests (206, or 416 past the end).
//! - Bounded: at most [`MAX_CONNECTIONS`] connections at once (more wait in the listen queue),
//!   [`HEADER_READ_TIMEOUT`] to send the request head, [`MAX_CONNECTION_LIFETIME`] in all.
//!
//! # Errors
//! [`MediaServerError`]: the address cannot be bound, or the key cannot be read or made.

mod range;
#[cfg(test)]
mod tests;
mod token;

use std::io::{self, SeekFrom};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::{JoinHandle, JoinSet};

pub use token::{KEY_FILE, KeyError, ShareKey};

use crate::clock::SharedClock;
use crate::media::stage::{StagedMedia, Stager};

/// Connections served at once; more wait in the kernel's listen queue.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a client may take to send a request's head (slow-loris guard).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a connection lives: TikTok gives up a pull after an hour.
pub const MAX_CONNECTION_LIFETIME: Duration = Duration::from_secs(3600);
/// Bytes read from a file per body chunk.
const CHUNK: usize = 64 * 1024;

/// Why the media server could not start.
#[derive(Debug, thiserror::Error)]
pub enum MediaServerError {
    #[error("the media server cannot listen on {addr}: {source}; choose another listen address")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// A running media server; [`MediaServer::shutdown`] stops it.
pub struct MediaServer {
    addr: SocketAddr,
    key: ShareKey,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The bounds a server enforces; tests shrink them.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    max_connections: usize,
    header_read_timeout: Duration,
}

const BOUNDS: Bounds = Bounds {
    max_connections: MAX_CONNECTIONS,
    header_read_timeout: HEADER_READ_TIMEOUT,
};

struct Shared {
    stager: Arc<Stager>,
    clock: SharedClock,
    key: ShareKey,
}

impl MediaServer {
    /// Listens on `listen` (port 0 picks a free one) and serves `stager`'s files.
    pub async fn start(
        listen: SocketAddr,
        stager: Arc<Stager>,
        clock: SharedClock,
        key: ShareKey,
    ) -> Result<Self, MediaServerError> {
        Self::start_with(listen, stager, clock, key, BOUNDS).await
    }

    async fn start_with(
        listen: SocketAddr,
        stager: Arc<Stager>,
        clock: SharedClock,
        key: ShareKey,
        bounds: Bounds,
    ) -> Result<Self, MediaServerError> {
        let bind = |source| MediaServerError::Bind {
            addr: listen,
            source,
        };
        let listener = TcpListener::bind(listen).await.map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let shared = Arc::new(Shared {
            stager,
            clock,
            key: key.clone(),
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept(listener, shared, stopped, bounds));
        Ok(Self {
            addr,
            key,
            stop,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL path (`/m/<token>/<sha-prefix>.<ext>`) under which `staged` is served until
    /// `until`; append it to `public_url` (or `http://<addr>`).
    pub fn share(&self, staged: &StagedMedia, until: DateTime<Utc>) -> String {
        // A StagedMedia from the stager always has a valid hash; a made-up one gets a path that
        // serves nothing.
        let token = self.key.token(&staged.sha256, until).unwrap_or_default();
        format!("/m/{token}/{}", file_name(staged))
    }

    /// Stops listening and closes every connection.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// The last path segment of a shared file: a hash prefix and the format's extension, so a
/// platform that looks at the URL sees what it gets.
fn file_name(staged: &StagedMedia) -> String {
    let prefix = staged.sha256.get(..16).unwrap_or(&staged.sha256);
    format!("{prefix}.{}", staged.format.extension())
}

async fn accept(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
    bounds: Bounds,
) {
    let app = Router::new().fallback(respond).with_state(shared);
    let limit = Arc::new(Semaphore::new(bounds.max_connections));
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            _ = &mut stopped => break,
            permit = limit.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let service = TowerToHyperService::new(app.clone());
        connections.spawn(async move {
            let _permit = permit;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(bounds.header_read_timeout)
                .max_buf_size(16 * 1024);
            let connection = http.serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(MAX_CONNECTION_LIFETIME, connection).await;
        });
    }
    connections.shutdown().await;
}

fn status(code: StatusCode) -> Response {
    (code, [(header::CACHE_CONTROL, "no-store")]).into_response()
}

/// The staged file a request path names, if the path is exactly `/m/<token>/<name>` with a
/// genuine, unexpired token and the file's own name.
fn find(shared: &Shared, path: &str) -> Option<StagedMedia> {
    let (token, name) = path.strip_prefix("/m/")?.split_once('/')?;
    let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if token.is_empty() || !token.bytes().all(base64url) {
        return None;
    }
    let sha256 = shared.key.open(token, shared.clock.now())?;
    let staged = shared.stager.get(&sha256)?;
    (name == file_name(&staged)).then_some(staged)
}

async fn respond(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = status(StatusCode::METHOD_NOT_ALLOWED);
        let allow = HeaderValue::from_static("GET, HEAD");
        response.headers_mut().insert(header::ALLOW, allow);
        return response;
    }
    let Some(staged) = find(&shared, uri.path()) else {
        return status(StatusCode::NOT_FOUND);
    };
    let file = match shared.stager.open_staged(&staged) {
        Ok(file)
            if file
                .metadata()
                .is_ok_and(|m| m.is_file() && m.len() == staged.size) =>
        {
            file
        }
        _ => return status(StatusCode::NOT_FOUND),
    };
    let size = staged.size;
    let asked = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (code, start, len) = match range::wanted(asked, size) {
        range::Wanted::Whole => (StatusCode::OK, 0, size),
        range::Wanted::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        range::Wanted::Unsatisfiable => {
            let mut response = status(StatusCode::RANGE_NOT_SATISFIABLE);
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return response;
        }
    };
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        stream(tokio::fs::File::from_std(file), start, len)
    };
    let mut response = Response::new(body);
    *response.status_mut() = code;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(staged.format.mime_type()),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", staged.sha256)) {
        h.insert(header::ETAG, etag);
    }
    if code == StatusCode::PARTIAL_CONTENT
        && let Ok(value) =
            HeaderValue::from_str(&format!("bytes {start}-{}/{size}", start + len - 1))
    {
        h.insert(header::CONTENT_RANGE, value);
    }
    response
}

/// `len` bytes of `file` from `start`, in chunks.
fn stream(file: tokio::fs::File, start: u64, len: u64) -> Body {
    let state = (file, start, len, false);
    let chunks = futures_util::stream::unfold(state, |(mut file, at, left, sought)| async move {
        if left == 0 {
            return None;
        }
        if !sought && let Err(e) = file.seek(SeekFrom::Start(at)).await {
            return Some((Err(e), (file, at, 0, true)));
        }
        let mut buf = vec![0u8; usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK))];
        match file.read(&mut buf).await {
            Ok(0) => {
                let short = io::Error::new(io::ErrorKind::UnexpectedEof, "staged file shrank");
                Some((Err(short), (file, at, 0, true)))
            }
            Ok(n) => {
                buf.truncate(n);
                let n = n as u64;
                Some((Ok(Bytes::from(buf)), (file, at + n, left - n, true)))
            }
            Err(e) => Some((Err(e), (file, at, 0, true))),
        }
    });
    Body::from_stream(chunks)
}
