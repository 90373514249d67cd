//! What a sandbox simulates, and how strictly: delays, quotas, token lifetimes, app credentials,
//! seeded accounts and initial faults. Every field has a default taken from
//! `docs/platform-rules.md`, so `SandboxConfig::default()` behaves like the real platforms; a YAML
//! file (`postcal sandbox --config FILE`) overrides any part of it.
//!
//! # Deliberate deviations
//! - `tiktok.allow_loopback_http` (default `true`): real TikTok pulls only `https://` URLs on a
//!   domain (docs/platform-rules.md §2.4 "PULL_FROM_URL"); tests serve media from
//!   `http://127.0.0.1`, so the sandbox accepts plain-http loopback URLs when this is on. Any other
//!   `http://` URL or IP host is refused as the real API refuses it.
//! - `tiktok.verified_url_prefixes` defaults to the loopback origins, standing in for the
//!   developer-portal verification (docs/platform-rules.md §2.4 "URL ownership").

use serde::{Deserialize, Serialize};

use super::accounts::AccountSpec;
use super::faults::FaultPlan;

/// Everything that configures a sandbox. Defaults follow docs/platform-rules.md.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// Seed for ids, tokens and fault decisions: the same seed gives the same run.
    pub seed: u64,
    /// Simulated processing time of containers and TikTok posts, on the sandbox clock.
    pub processing: ProcessingDelays,
    pub instagram: InstagramLimits,
    pub threads: ThreadsLimits,
    pub tiktok: TikTokSettings,
    pub tokens: TokenLifetimes,
    pub apps: Apps,
    pub download: DownloadSettings,
    /// How the HTTP server treats slow and idle clients.
    pub server: ServerSettings,
    /// Accounts created at start-up (their tokens come back from `Sandbox::accounts`).
    pub accounts: Vec<AccountSpec>,
    /// Faults active from the start.
    pub faults: FaultPlan,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            processing: ProcessingDelays::default(),
            instagram: InstagramLimits::default(),
            threads: ThreadsLimits::default(),
            tiktok: TikTokSettings::default(),
            tokens: TokenLifetimes::default(),
            apps: Apps::default(),
            download: DownloadSettings::default(),
            server: ServerSettings::default(),
            accounts: Vec::new(),
            faults: FaultPlan::default(),
        }
    }
}

/// The largest configuration or fault-plan file read: both are short YAML documents.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Why a configuration or fault-plan file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a regular file ({kind}); give the path of a YAML file (a FIFO or device would never end)"
    )]
    NotAFile { path: String, kind: &'static str },
    #[error(
        "{path} is larger than {limit} bytes; a sandbox configuration or fault plan is a short YAML file"
    )]
    TooLarge { path: String, limit: u64 },
    #[error("{path} is not a valid sandbox configuration: {message}")]
    Parse { path: String, message: String },
    #[error("{path} is not a valid fault plan: {message}")]
    FaultPlan { path: String, message: String },
}

/// What a path that is not a regular file is, for the message.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    "not a file"
}

/// Reads a small regular file as text. A FIFO, device or directory is refused before it is
/// opened (opening a FIFO blocks until a writer comes, `/dev/zero` never ends), and at most
/// [`MAX_FILE_BYTES`] are read whatever the file claims.
pub(crate) fn read_small_file(path: &std::path::Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let read_err = |source| ConfigError::Read {
        path: shown.clone(),
        source,
    };
    let not_a_file = |meta: &std::fs::Metadata| ConfigError::NotAFile {
        path: shown.clone(),
        kind: kind_of(meta),
    };
    let too_large = || ConfigError::TooLarge {
        path: shown.clone(),
        limit: MAX_FILE_BYTES,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if !meta.is_file() {
        return Err(not_a_file(&meta));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(read_err)?;
    // The path may have been replaced between the two looks: check what was opened.
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        return Err(not_a_file(&meta));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| {
        read_err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ))
    })
}

impl SandboxConfig {
    /// Parses a YAML configuration (JSON works too: it is YAML).
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        serde_saphyr::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_owned(),
            message: e.to_string(),
        })
    }

    /// Reads and parses a YAML configuration file (a regular file of at most
    /// [`MAX_FILE_BYTES`]).
    pub fn from_file(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = read_small_file(path)?;
        Self::from_yaml(&text, &path.display().to_string())
    }
}

/// Seconds from a configuration value, clamped to 0–100 years so no setting can overflow the
/// clock arithmetic.
pub(crate) fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::try_seconds(n.clamp(0, 100 * 365 * 86_400)).unwrap_or_default()
}

/// Processing time per kind of media, in seconds of sandbox time (counted from container
/// creation, or from the last uploaded chunk). Real platforms take seconds to minutes
/// (docs/platform-rules.md §1.4 polling advice, §4 "Flow" (30 s on average), §2.5 timing).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessingDelays {
    pub text_secs: u64,
    pub image_secs: u64,
    pub video_secs: u64,
}

impl Default for ProcessingDelays {
    fn default() -> Self {
        Self {
            text_secs: 0,
            image_secs: 5,
            video_secs: 30,
        }
    }
}

/// docs/platform-rules.md §1.4 and §9.1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InstagramLimits {
    /// Published posts per rolling 24 h (§9.1: read `quota_total`, fall back to 50).
    pub posts_per_24h: u32,
    /// Containers created per rolling 24 h (§1.4: 400).
    pub containers_per_24h: u32,
}

impl Default for InstagramLimits {
    fn default() -> Self {
        Self {
            posts_per_24h: 50,
            containers_per_24h: 400,
        }
    }
}

/// docs/platform-rules.md §4 "Quotas".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ThreadsLimits {
    pub posts_per_24h: u32,
}

impl Default for ThreadsLimits {
    fn default() -> Self {
        Self { posts_per_24h: 250 }
    }
}

/// docs/platform-rules.md §2.1 (per-token rates), §2.4 (URL rules), §2.5 (caps).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TikTokSettings {
    /// `video/init`, `inbox/video/init` and `content/init`: requests per minute per token.
    pub init_per_minute: u32,
    pub creator_info_per_minute: u32,
    pub status_per_minute: u32,
    /// Direct posts per creator per rolling 24 h (`spam_risk_too_many_posts`).
    pub posts_per_24h: u32,
    /// Pending inbox (draft) shares per creator per rolling 24 h.
    pub pending_shares_per_24h: u32,
    /// URL prefixes whose ownership counts as verified for PULL_FROM_URL.
    pub verified_url_prefixes: Vec<String>,
    /// Accept `http://127.0.0.1`, `http://localhost` and `http://[::1]` media URLs (see the
    /// module docs: a deliberate deviation so tests can serve media locally).
    pub allow_loopback_http: bool,
    /// Whether the app passed TikTok's audit; unaudited apps may only post to private accounts.
    pub audited: bool,
}

impl Default for TikTokSettings {
    fn default() -> Self {
        Self {
            init_per_minute: 6,
            creator_info_per_minute: 20,
            status_per_minute: 30,
            posts_per_24h: 15,
            pending_shares_per_24h: 5,
            verified_url_prefixes: vec![
                "http://127.0.0.1:".into(),
                "http://localhost:".into(),
                "http://[::1]:".into(),
            ],
            allow_loopback_http: true,
            audited: true,
        }
    }
}

/// Token lifetimes in seconds (docs/platform-rules.md §6; TikTok follows the 2026-11 docs, §9.7).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TokenLifetimes {
    pub meta_short_lived_secs: i64,
    pub meta_long_lived_secs: i64,
    pub tiktok_access_secs: i64,
    pub tiktok_refresh_secs: i64,
    /// Authorization codes are single use and expire after this long.
    pub auth_code_secs: i64,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            meta_short_lived_secs: 3_600,
            meta_long_lived_secs: 5_184_000,
            tiktok_access_secs: 7_200,
            tiktok_refresh_secs: 15_552_000,
            auth_code_secs: 600,
        }
    }
}

/// One app's credentials as registered with a platform.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AppCredentials {
    /// Meta `client_id` (the app id) or TikTok `client_key`.
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl AppCredentials {
    fn new(id: &str, secret: &str) -> Self {
        Self {
            client_id: id.into(),
            client_secret: secret.into(),
        }
    }
}

/// The app registered with each platform (a Facebook app also serves Instagram with Facebook
/// Login; Instagram Login and Threads have their own app ids).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Apps {
    pub facebook: AppCredentials,
    pub instagram: AppCredentials,
    pub threads: AppCredentials,
    pub tiktok: AppCredentials,
}

impl Default for Apps {
    fn default() -> Self {
        Self {
            facebook: AppCredentials::new("1000000000000001", "sandbox-facebook-app-secret"),
            instagram: AppCredentials::new("1000000000000002", "sandbox-instagram-app-secret"),
            threads: AppCredentials::new("1000000000000003", "sandbox-threads-app-secret"),
            tiktok: AppCredentials::new("sbawsandboxclientkey", "sandbox-tiktok-client-secret"),
        }
    }
}

/// How the sandbox downloads media (real wall-clock time: this is network I/O).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DownloadSettings {
    /// A download slower than this fails as the platform's timeout (IG 2207003).
    pub timeout_secs: u64,
    /// Larger bodies are cut off and judged too large.
    pub max_bytes: u64,
}

impl Default for DownloadSettings {
    fn default() -> Self {
        Self {
            timeout_secs: 30,
            max_bytes: 1 << 30,
        }
    }
}

/// Timeouts and limits of the listener, so a half-sent request or a crowd of idle
/// connections can neither block shutdown nor starve other clients.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// A request's head (request line and headers) must arrive within this long, counted from
    /// when the server starts waiting for it; an idle keep-alive connection is closed after it.
    pub header_timeout_ms: u64,
    /// A request body that sends nothing for this long is cut off (the request fails).
    pub body_idle_timeout_ms: u64,
    /// Connections open at once. At the limit, idle ones are closed to make room; when none
    /// is idle, new connections wait.
    pub max_connections: u32,
    /// On shutdown, requests in flight get this long to finish before their connections are
    /// closed.
    pub shutdown_grace_ms: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_timeout_ms: 30_000,
            body_idle_timeout_ms: 30_000,
            max_connections: 512,
            shutdown_grace_ms: 3_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_default_and_fields_override_it() {
        assert_eq!(
            SandboxConfig::from_yaml("{}", "t").unwrap(),
            SandboxConfig::default()
        );
        let c = SandboxConfig::from_yaml(
            "seed: 9\ninstagram:\n  posts_per_24h: 3\ntiktok:\n  verified_url_prefixes: [\"https://cdn.example.com/\"]\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.seed, 9);
        assert_eq!(c.instagram.posts_per_24h, 3);
        assert_eq!(c.instagram.containers_per_24h, 400);
        assert_eq!(
            c.tiktok.verified_url_prefixes,
            vec!["https://cdn.example.com/".to_owned()]
        );
    }

    #[test]
    fn unknown_fields_are_refused_with_the_file_name() {
        let err =
            SandboxConfig::from_yaml("instagram:\n  post_per_24h: 3\n", "sb.yaml").unwrap_err();
        assert!(err.to_string().contains("sb.yaml"), "{err}");
    }

    #[test]
    fn only_small_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = SandboxConfig::from_file(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::NotAFile {
                    kind: "a directory",
                    ..
                }
            ),
            "{err}"
        );
        #[cfg(unix)]
        {
            let err = SandboxConfig::from_file(std::path::Path::new("/dev/zero")).unwrap_err();
            assert!(
                err.to_string().contains("not a regular file (a device)"),
                "{err}"
            );
        }
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        let err = SandboxConfig::from_file(&big).unwrap_err();
        assert!(matches!(err, ConfigError::TooLarge { .. }), "{err}");
        let ok = dir.path().join("ok.yaml");
        std::fs::write(&ok, "seed: 3\n").unwrap();
        assert_eq!(SandboxConfig::from_file(&ok).unwrap().seed, 3);
    }

    #[test]
    fn app_secrets_do_not_show_in_debug_output() {
        let shown = format!("{:?}", SandboxConfig::default());
        assert!(!shown.contains("app-secret"), "{shown}");
    }
}
