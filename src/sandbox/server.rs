//! The HTTP side: one router with a path prefix per real host, a log line per request, and the
//! fault gate every endpoint passes through (connections and their limits: [`super::conn`]).
//!
//! # Guarantees
//! - The request log shows method, path, status and latency; the values of secret
//!   parameters, and any query value or path segment equal to a token, code, upload token or
//!   app secret the sandbox knows, show as `***`.
//! - "Apply then drop": the endpoint runs in full, then its connection is aborted before a
//!   single byte of the answer is written, so the client sees a closed connection.
//! - Shutdown ends injected hangs by dropping their connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use super::engine::Engine;
use super::errors::{ApiError, Envelope};
use super::faults::FaultAction;
use super::request::redacted_path_and_query;

pub(crate) use super::conn::ConnHandle;

/// Marks a response whose connection was dropped, for the request log.
#[derive(Debug, Clone, Copy)]
struct Dropped;

/// Runs one endpoint call through the fault gate: counts it, applies an injected error,
/// latency or hang, runs `call`, then applies "apply then drop" / "apply then 500".
pub(crate) async fn gate<F, Fut>(
    engine: &Engine,
    conn: &ConnHandle,
    endpoint: &str,
    envelope: Envelope,
    call: F,
) -> Response
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Response, ApiError>>,
{
    engine.count(endpoint);
    let fault = engine.faults.draw(endpoint);
    let mut after = None;
    match fault {
        Some(FaultAction::Error(e)) => return render(engine, envelope, e.to_api_error(envelope)),
        Some(FaultAction::Latency { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(FaultAction::Hang) => {
            engine.shutting_down().await;
            conn.kill();
            let mut resp = StatusCode::SERVICE_UNAVAILABLE.into_response();
            resp.extensions_mut().insert(Dropped);
            return resp;
        }
        Some(a @ (FaultAction::ApplyThenDrop | FaultAction::ApplyThen500)) => after = Some(a),
        Some(FaultAction::ProcessingError(_)) | None => {}
    }
    let resp = match call().await {
        Ok(r) => r,
        Err(e) => render(engine, envelope, e),
    };
    match after {
        Some(FaultAction::ApplyThenDrop) => {
            conn.kill();
            let mut resp = resp;
            resp.extensions_mut().insert(Dropped);
            resp
        }
        Some(_) => render(engine, envelope, ApiError::internal(envelope)),
        None => resp,
    }
}

/// Renders an error with a fresh trace id in the envelope's style.
pub(crate) fn render(engine: &Engine, envelope: Envelope, err: ApiError) -> Response {
    let id = if matches!(envelope, Envelope::TikTok | Envelope::TikTokOAuth) {
        engine.log_id()
    } else {
        engine.trace_id()
    };
    err.into_response_with(&id)
}

/// One line per request: method, redacted path, status, latency.
async fn log_request(State(engine): State<Arc<Engine>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let shown =
        redacted_path_and_query(req.uri().path(), req.uri().query(), |v| engine.is_secret(v));
    let resp = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = if resp.extensions().get::<Dropped>().is_some() {
        "dropped".to_owned()
    } else {
        resp.status().as_u16().to_string()
    };
    tracing::info!(target: "postcal::sandbox", "{method} {shown} -> {status} ({ms:.1} ms)");
    resp
}

/// Paths no simulated host knows.
async fn not_found(State(engine): State<Arc<Engine>>, req: Request) -> Response {
    engine.count("unknown");
    let path = req.uri().path();
    if path.starts_with("/open.tiktokapis.com/") || path.starts_with("/open-upload.tiktokapis.com/")
    {
        let e = super::errors::TikTokError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "The requested path does not exist.",
        );
        return render(&engine, Envelope::TikTok, e.into());
    }
    render(
        &engine,
        Envelope::Plain,
        ApiError::Plain(
            StatusCode::NOT_FOUND,
            format!("no simulated endpoint at {path}"),
        ),
    )
}

/// The whole router: every simulated host under its own prefix, plus `/_sandbox/`.
pub(crate) fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .merge(super::graph::routes())
        .merge(super::tiktok::routes())
        .merge(super::oauth::routes())
        .merge(super::admin::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(engine.clone(), log_request))
        .with_state(engine)
}
