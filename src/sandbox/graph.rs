//! The three Graph API hosts (`graph.instagram.com`, `graph.facebook.com` and its video host,
//! `graph.threads.net`): one dispatcher that reads a request the Graph way, strips an optional
//! version prefix (`/v23.0/`), resolves `/{id}` and `/{id}/{edge}` paths, and hands the call to
//! the platform module, through the fault gate.
//!
//! # Guarantees
//! - Every answer, including unknown paths and malformed bodies, is a Graph envelope
//!   (docs/platform-rules.md §1.6; errors §1.5).
//! - `fields=` selects response fields as Graph does ([`super::fields`]).

use std::sync::Arc;

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::Value;

use super::engine::Engine;
use super::errors::{ApiError, Envelope, GraphError};
use super::request::Params;
use super::server::{ConnHandle, gate, render};
use super::state::World;
use super::tokens::{Secret, TokenKind, TokenRecord};
use super::{facebook, instagram, oauth, threads};

/// Bodies above this are refused before anything else is read: Graph bodies are parameters
/// only (media travel by URL; the longest text, a Page post, is about 250 KB of UTF-8), and the
/// token may be inside the body, so it cannot be checked first.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GraphHost {
    Instagram,
    Facebook,
    Threads,
}

impl GraphHost {
    fn name(self) -> &'static str {
        match self {
            Self::Instagram => "instagram",
            Self::Facebook => "facebook",
            Self::Threads => "threads",
        }
    }

    pub(crate) fn token_kinds(self) -> &'static [TokenKind] {
        match self {
            Self::Instagram => &[TokenKind::InstagramUser],
            Self::Facebook => &[TokenKind::FacebookUser, TokenKind::FacebookPage],
            Self::Threads => &[TokenKind::ThreadsUser],
        }
    }
}

/// A parsed Graph request.
#[derive(Debug)]
pub(crate) struct GraphCall {
    pub host: GraphHost,
    pub method: Method,
    pub params: Params,
    pub token: Option<Secret>,
    /// The request path (after the host prefix) and query, for paging links.
    pub path_and_query: (String, Option<String>),
}

impl GraphCall {
    /// The token's record if it is valid on this host now (else code 104/190).
    pub fn auth(
        &self,
        world: &World,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<TokenRecord, GraphError> {
        world
            .tokens
            .check(self.token.as_ref(), self.host.token_kinds(), now)
            .cloned()
            .map_err(|p| p.graph(now))
    }

    pub fn is_post(&self) -> bool {
        self.method == Method::POST
    }

    pub fn method_name(&self) -> &'static str {
        if self.is_post() { "post" } else { "get" }
    }
}

/// What a path means.
enum Route {
    MetaToken(GraphHost),
    DebugToken,
    Exchange(GraphHost),
    Refresh(GraphHost),
    IgCreate(String),
    IgPublish(String),
    IgLimit(String),
    ThCreate(String),
    ThPublish(String),
    ThLimit(String),
    FbFeed(String),
    FbPhotos(String),
    FbVideos(String),
    FbAccounts(String),
    IgList(String, bool),
    ThList(String),
    FbList(String, &'static str),
    FbVideoList(String),
    Read(String),
    Fail(GraphError),
}

fn is_version(seg: &str) -> bool {
    seg.strip_prefix('v').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Decides the route and the endpoint name the gate counts it under.
fn classify(host: GraphHost, method: &Method, segs: &[&str], world: &World) -> (Route, String) {
    let h = host.name();
    let post = *method == Method::POST;
    let ep = |name: &str| format!("{h}.{name}");
    let oauth_ep = |name: &str| format!("oauth.{h}.{name}");
    let wrong = |id: &str| GraphError::no_object(if post { "post" } else { "get" }, id);
    match (host, segs) {
        (GraphHost::Facebook | GraphHost::Threads, ["oauth", "access_token"]) => {
            (Route::MetaToken(host), oauth_ep("token"))
        }
        (GraphHost::Facebook | GraphHost::Threads, ["debug_token"]) if !post => {
            (Route::DebugToken, oauth_ep("debug_token"))
        }
        (GraphHost::Instagram | GraphHost::Threads, ["access_token"]) => {
            (Route::Exchange(host), oauth_ep("exchange"))
        }
        (GraphHost::Instagram | GraphHost::Threads, ["refresh_access_token"]) => {
            (Route::Refresh(host), oauth_ep("refresh"))
        }
        (GraphHost::Instagram | GraphHost::Facebook, [id, "media"]) if post => (
            Route::IgCreate((*id).into()),
            "instagram.create_container".into(),
        ),
        (GraphHost::Instagram | GraphHost::Facebook, [id, "media_publish"]) if post => (
            Route::IgPublish((*id).into()),
            "instagram.media_publish".into(),
        ),
        (GraphHost::Instagram | GraphHost::Facebook, [id, "content_publishing_limit"]) if !post => {
            (
                Route::IgLimit((*id).into()),
                "instagram.publishing_limit".into(),
            )
        }
        (GraphHost::Threads, [id, "threads"]) if post => {
            (Route::ThCreate((*id).into()), ep("create_container"))
        }
        (GraphHost::Threads, [id, "threads_publish"]) if post => {
            (Route::ThPublish((*id).into()), ep("publish"))
        }
        (GraphHost::Threads, [id, "threads_publishing_limit"]) if !post => {
            (Route::ThLimit((*id).into()), ep("publishing_limit"))
        }
        (GraphHost::Facebook, [id, "feed"]) if post => (Route::FbFeed((*id).into()), ep("feed")),
        (GraphHost::Facebook, [id, "photos"]) if post => {
            (Route::FbPhotos((*id).into()), ep("photos"))
        }
        (GraphHost::Facebook, [id, "videos"]) if post => {
            (Route::FbVideos((*id).into()), ep("videos"))
        }
        (GraphHost::Facebook, [id, "accounts"]) if !post => {
            (Route::FbAccounts((*id).into()), ep("accounts"))
        }
        (GraphHost::Instagram | GraphHost::Facebook, [id, edge @ ("media" | "stories")])
            if !post =>
        {
            (
                Route::IgList((*id).into(), *edge == "stories"),
                "instagram.list_media".into(),
            )
        }
        (GraphHost::Threads, [id, "threads"]) if !post => {
            (Route::ThList((*id).into()), ep("list_posts"))
        }
        (
            GraphHost::Facebook,
            [
                id,
                edge @ ("feed" | "posts" | "published_posts" | "scheduled_posts"),
            ],
        ) if !post => {
            let edge = match *edge {
                "scheduled_posts" => "scheduled_posts",
                _ => "published_posts",
            };
            (Route::FbList((*id).into(), edge), ep("list_posts"))
        }
        (GraphHost::Facebook, [id, "videos"]) if !post => {
            (Route::FbVideoList((*id).into()), ep("list_videos"))
        }
        (_, [id]) if !post => (Route::Read((*id).into()), read_endpoint(host, id, world)),
        (
            _,
            [id]
            | [
                id,
                "media"
                | "media_publish"
                | "content_publishing_limit"
                | "threads"
                | "threads_publish"
                | "threads_publishing_limit"
                | "feed"
                | "photos"
                | "videos"
                | "accounts",
            ],
        ) => (Route::Fail(wrong(id)), ep("unsupported")),
        _ => (
            Route::Fail(GraphError::unknown_path(&format!("/{}", segs.join("/")))),
            ep("unknown"),
        ),
    }
}

/// The counter name of a read: what kind of node the id is.
fn read_endpoint(host: GraphHost, id: &str, world: &World) -> String {
    let kind = if id == "me" || world.accounts.contains_key(id) || world.fb_users.contains_key(id) {
        "read_user"
    } else if world.containers.contains_key(id) {
        "container_status"
    } else {
        match host {
            GraphHost::Instagram => "read_media",
            GraphHost::Threads => "read_post",
            GraphHost::Facebook if world.media.contains_key(id) => "read_media",
            GraphHost::Facebook => "read_post",
        }
    };
    let platform = match (host, kind) {
        (GraphHost::Facebook, "container_status" | "read_media") => "instagram",
        _ => host.name(),
    };
    format!("{platform}.{kind}")
}

async fn dispatch(
    engine: Arc<Engine>,
    conn: ConnHandle,
    host: GraphHost,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let envelope = Envelope::Graph;
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        engine.count(&format!("{}.bad_request", host.name()));
        return render(
            &engine,
            envelope,
            GraphError::invalid_param("The request body is too large").into(),
        );
    };
    let params = match Params::from_request(parts.uri.query(), &parts.headers, &body) {
        Ok(p) => p,
        Err(e) => {
            engine.count(&format!("{}.bad_request", host.name()));
            return render(&engine, envelope, GraphError::invalid_param(e).into());
        }
    };
    let path = parts.uri.path();
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).skip(1).collect();
    if segs.first().is_some_and(|s| is_version(s)) {
        segs.remove(0);
    }
    let (route, endpoint) = if matches!(parts.method, Method::GET | Method::POST) {
        classify(host, &parts.method, &segs, &engine.world())
    } else {
        // Graph answers DELETE and the rest of an object it cannot change this way with 100/33.
        let id = segs.first().copied().unwrap_or("");
        let method = parts.method.as_str().to_ascii_lowercase();
        let fail = GraphError::no_object(&method, id);
        (Route::Fail(fail), format!("{}.unsupported", host.name()))
    };
    let call = GraphCall {
        host,
        method: parts.method.clone(),
        token: params.token(&parts.headers),
        params,
        path_and_query: (path.to_owned(), parts.uri.query().map(str::to_owned)),
    };
    gate(&engine, &conn, &endpoint, envelope, || {
        handle(&engine, route, call)
    })
    .await
}

async fn handle(engine: &Arc<Engine>, route: Route, call: GraphCall) -> Result<Response, ApiError> {
    let json = |v: Result<Value, GraphError>| {
        v.map(|v| axum::Json(v).into_response())
            .map_err(ApiError::from)
    };
    match route {
        Route::MetaToken(host) => json(oauth::meta::code_exchange(engine, host, &call)),
        Route::DebugToken => json(oauth::meta::debug_token(engine, &call)),
        Route::Exchange(host) => json(oauth::meta::long_lived_exchange(engine, host, &call)),
        Route::Refresh(host) => json(oauth::meta::refresh(engine, host, &call)),
        Route::IgCreate(user) => json(instagram::create_container(engine, &call, &user)),
        Route::IgPublish(user) => json(instagram::publish(engine, &call, &user)),
        Route::IgLimit(user) => json(instagram::publishing_limit(engine, &call, &user)),
        Route::ThCreate(user) => json(threads::create_container(engine, &call, &user)),
        Route::ThPublish(user) => json(threads::publish(engine, &call, &user)),
        Route::ThLimit(user) => json(threads::publishing_limit(engine, &call, &user)),
        Route::FbFeed(page) => json(facebook::feed(engine, &call, &page)),
        Route::FbPhotos(page) => json(facebook::photos(engine, &call, &page).await),
        Route::FbVideos(page) => json(facebook::videos(engine, &call, &page).await),
        Route::FbAccounts(user) => json(facebook::accounts(engine, &call, &user)),
        Route::IgList(user, stories) => json(instagram::list(engine, &call, &user, stories)),
        Route::ThList(user) => json(threads::list(engine, &call, &user)),
        Route::FbList(page, edge) => json(facebook::list(engine, &call, &page, edge)),
        Route::FbVideoList(page) => json(facebook::list_videos(engine, &call, &page)),
        Route::Read(id) => json(read(engine, &call, &id)),
        Route::Fail(e) => Err(e.into()),
    }
}

/// `GET /{id}`: whichever platform knows the node answers.
fn read(engine: &Engine, call: &GraphCall, id: &str) -> Result<Value, GraphError> {
    match call.host {
        GraphHost::Instagram => instagram::read(engine, call, id),
        GraphHost::Threads => threads::read(engine, call, id),
        GraphHost::Facebook => match instagram::read(engine, call, id) {
            Err(e) if e.subcode == Some(33) => facebook::read(engine, call, id),
            other => other,
        },
    }
}

async fn instagram_host(
    State(e): State<Arc<Engine>>,
    ConnectInfo(c): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    dispatch(e, c, GraphHost::Instagram, req).await
}

async fn facebook_host(
    State(e): State<Arc<Engine>>,
    ConnectInfo(c): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    dispatch(e, c, GraphHost::Facebook, req).await
}

async fn threads_host(
    State(e): State<Arc<Engine>>,
    ConnectInfo(c): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    dispatch(e, c, GraphHost::Threads, req).await
}

pub(crate) fn routes() -> Router<Arc<Engine>> {
    Router::new()
        .route("/graph.instagram.com/{*rest}", any(instagram_host))
        .route("/graph.facebook.com/{*rest}", any(facebook_host))
        .route("/graph-video.facebook.com/{*rest}", any(facebook_host))
        .route("/graph.threads.net/{*rest}", any(threads_host))
        .route("/graph.threads.com/{*rest}", any(threads_host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_recognised() {
        for (seg, is) in [
            ("v23.0", true),
            ("v1.0", true),
            ("v24", true),
            ("v", false),
            ("v2x", false),
            ("me", false),
            ("v1.", false),
        ] {
            assert_eq!(is_version(seg), is, "{seg}");
        }
    }
}
