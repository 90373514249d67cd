//! The HTTP side shared by every publisher: one client, the base URLs, and how a transport
//! failure is classified.
//!
//! # Guarantees
//! - Every request is bounded (connect and total timeouts) and never follows a redirect (a
//!   platform that redirects a publishing call is answered as an error, not followed blindly).
//! - Transport failures are classified once ([`transport_failure`]): a connection that was
//!   never made is retryable (nothing was sent); anything after the request may have left is
//!   ambiguous. Messages never carry the URL (it may hold a token).

use std::time::Duration;

use crate::reconcile::Failure;

/// The base URL of each platform host postcal calls, with the API version where the platform
/// has one. The real hosts by default; the sandbox's in tests and `--sandbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Instagram API with Instagram Login (`https://graph.instagram.com/v24.0`).
    pub instagram_graph: String,
    /// Facebook Pages and Instagram API with Facebook Login (`https://graph.facebook.com/v24.0`).
    pub facebook_graph: String,
    /// Threads (`https://graph.threads.net/v1.0`).
    pub threads_graph: String,
    /// TikTok (`https://open.tiktokapis.com`; paths carry `/v2/...`).
    pub tiktok_api: String,
}

/// The Graph API version postcal speaks.
pub const GRAPH_VERSION: &str = "v24.0";
/// The Threads API version.
pub const THREADS_VERSION: &str = "v1.0";

impl Endpoints {
    pub fn real() -> Self {
        Self {
            instagram_graph: format!("https://graph.instagram.com/{GRAPH_VERSION}"),
            facebook_graph: format!("https://graph.facebook.com/{GRAPH_VERSION}"),
            threads_graph: format!("https://graph.threads.net/{THREADS_VERSION}"),
            tiktok_api: "https://open.tiktokapis.com".into(),
        }
    }

    /// The sandbox at `root` (`http://127.0.0.1:PORT`), laid out as it serves the hosts.
    pub fn sandbox(root: &str) -> Self {
        let root = root.trim_end_matches('/');
        Self {
            instagram_graph: format!("{root}/graph.instagram.com/{GRAPH_VERSION}"),
            facebook_graph: format!("{root}/graph.facebook.com/{GRAPH_VERSION}"),
            threads_graph: format!("{root}/graph.threads.net/{THREADS_VERSION}"),
            tiktok_api: format!("{root}/open.tiktokapis.com"),
        }
    }
}

/// The client every publisher shares. `loopback`: every host is on this machine (the sandbox),
/// so no proxy from the environment applies.
pub fn client(loopback: bool) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder();
    let builder = if loopback {
        builder.no_proxy()
    } else {
        builder
    };
    builder
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("postcal/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.without_url().to_string())
}

/// A transport failure of a call to `what` ("Instagram media_publish").
pub fn transport_failure(e: &reqwest::Error, what: &str) -> Failure {
    let cause = describe(e);
    if e.is_connect() {
        // The connection was never made: the request was not sent.
        Failure::retryable(format!("{what}: cannot connect ({cause})"))
    } else if e.is_timeout() {
        Failure::ambiguous(format!("{what}: no answer in time ({cause})"))
    } else {
        Failure::ambiguous(format!("{what}: the connection failed ({cause})"))
    }
}

/// The error and its causes, without the URL.
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut out = String::new();
    let mut source: Option<&dyn Error> = e.source();
    while let Some(s) = source {
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s.to_string());
        source = s.source();
    }
    if out.is_empty() {
        out = if e.is_timeout() {
            "timed out".into()
        } else {
            "transport error".into()
        };
    }
    out
}
