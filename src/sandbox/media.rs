//! Downloading media the way the platforms do: a real HTTP GET of the URL a client gave, with a
//! time limit and a size cap, then probing the bytes by content (`crate::media::probe_bytes`).
//!
//! # Guarantees
//! - Downloads bypass any HTTP proxy from the environment, so a URL on 127.0.0.1 is fetched
//!   from 127.0.0.1.
//! - A body larger than the smaller of the caller's limit (what the platform accepts for this
//!   kind of file) and `download.max_bytes` is cut off there, never buffered whole.
//! - TikTok-style fetches follow no redirects (docs/platform-rules.md §2.4 "PULL_FROM_URL": a 3xx is invalid);
//!   Meta-style fetches follow up to 5.
//!
//! # Assumptions
//! - The sandbox judges what it received, not what the URL's extension or `Content-Type` claim.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::config::DownloadSettings;
use super::ledger::LedgerMedia;
use crate::media::{MediaInfo, probe_bytes};

/// Why a download failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// Connection refused, DNS failure, reset, or an unparsable URL.
    Unreachable,
    /// The server answered with this non-success status.
    Status(u16),
    /// A 3xx where redirects are not followed.
    Redirect(u16),
    TimedOut,
    TooLarge,
}

/// A downloaded file.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    pub url: Option<String>,
    pub size: u64,
    pub sha256: String,
    /// What the bytes are, or why they are nothing known.
    pub info: Result<MediaInfo, String>,
}

impl Fetched {
    /// Probes bytes received by upload rather than download.
    pub fn from_bytes(url: Option<String>, bytes: &[u8]) -> Self {
        Self {
            url,
            size: bytes.len() as u64,
            sha256: hex_sha256(bytes),
            info: probe_bytes(bytes).map_err(|e| e.to_string()),
        }
    }

    /// The ledger's record of this file.
    pub fn ledger_media(&self) -> LedgerMedia {
        let (format, (width, height), duration_ms) = match &self.info {
            Ok(info) => {
                let fmt = serde_json::to_value(info.format)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                (fmt, info.dimensions(), info.video().map(|v| v.duration_ms))
            }
            Err(_) => (String::from("unknown"), (0, 0), None),
        };
        LedgerMedia {
            url: self.url.clone(),
            sha256: self.sha256.clone(),
            bytes: self.size,
            format,
            width,
            height,
            duration_ms,
        }
    }
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The sandbox's HTTP client for media.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    follow: reqwest::Client,
    strict: reqwest::Client,
    max_bytes: u64,
}

impl Fetcher {
    pub fn new(settings: &DownloadSettings) -> Result<Self, reqwest::Error> {
        let build = |policy| {
            reqwest::Client::builder()
                .no_proxy()
                .redirect(policy)
                .timeout(Duration::from_secs(settings.timeout_secs.max(1)))
                .user_agent("postcal-sandbox (platform simulator)")
                .build()
        };
        Ok(Self {
            follow: build(reqwest::redirect::Policy::limited(5))?,
            strict: build(reqwest::redirect::Policy::none())?,
            max_bytes: settings.max_bytes,
        })
    }

    /// GETs `url` and probes what came back; a body over `limit` bytes (or the configured
    /// cap, if smaller) is [`FetchError::TooLarge`].
    pub async fn get(
        &self,
        url: &str,
        follow_redirects: bool,
        limit: u64,
    ) -> Result<Fetched, FetchError> {
        let limit = limit.min(self.max_bytes);
        let client = if follow_redirects {
            &self.follow
        } else {
            &self.strict
        };
        let mut resp = client.get(url).send().await.map_err(classify)?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(FetchError::Redirect(status.as_u16()));
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::from_bytes(Some(url.to_owned()), &bytes))
    }
}

fn classify(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::TimedOut
    } else {
        FetchError::Unreachable
    }
}
