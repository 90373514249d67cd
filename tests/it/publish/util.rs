//! Publishing for real against the sandbox: a calendar in a temporary directory, the sandbox and
//! the daemon on one warped clock, the calendar's accounts created in the sandbox, and a media
//! host that serves the calendar's files on 127.0.0.1.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use postcal::clock::{SharedClock, WarpClock};
use postcal::plan::Plan;
use postcal::platform::TargetKey;
use postcal::platform::containers::Poll;
use postcal::platform::context::Context;
use postcal::platform::http::Endpoints;
use postcal::reconcile::{Daemon, Jitter, Options, Publisher, Wakeup};
use postcal::sandbox::{AccountSpec, LedgerEntry, Sandbox, SandboxConfig, SeededAccount};
use postcal::state::{MemStore, Record};
use tokio::sync::watch;

/// 2026-12-01 09:00 UTC plus `minutes`.
pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

pub use super::hosts::{LocalMedia, SandboxCredentials, sha256};

/// A calendar, the sandbox and the publishers, on one clock.
pub struct World {
    pub dir: tempfile::TempDir,
    pub sandbox: Sandbox,
    pub clock: SharedClock,
    pub store: MemStore,
    pub cx: Context,
    pub accounts: HashMap<TargetKey, SeededAccount>,
    _media: Arc<LocalMedia>,
}

/// How fast the shared clock runs: processing delays of seconds take milliseconds.
const WARP: f64 = 2000.0;

impl World {
    /// A calendar with the given accounts (`instagram/acme`, ...) and the example media.
    pub async fn start(targets: &[&str]) -> Self {
        Self::with(targets, SandboxConfig::default()).await
    }

    pub async fn with(targets: &[&str], config: SandboxConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut yaml = String::from("timezone: UTC\naccounts:\n");
        for t in targets {
            yaml.push_str(&format!("  {t}: {{}}\n"));
        }
        std::fs::write(root.join("postcal.yaml"), yaml).unwrap();
        std::fs::create_dir(root.join("posts")).unwrap();
        let media = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/calendar/media");
        std::fs::create_dir(root.join("media")).unwrap();
        for entry in std::fs::read_dir(media).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), root.join("media").join(entry.file_name())).unwrap();
        }
        let clock: SharedClock = Arc::new(WarpClock::new(t(-1), WARP));
        let sandbox = Sandbox::start_with(
            config,
            clock.clone(),
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .unwrap();
        let mut accounts = HashMap::new();
        let credentials = Arc::new(SandboxCredentials::default());
        for t in targets {
            let key: TargetKey = t.parse().unwrap();
            let seeded = sandbox.add_account(AccountSpec::new(key.platform, &key.account));
            credentials.insert(key.clone(), &seeded.id, seeded.access_token.clone());
            accounts.insert(key, seeded);
        }
        let host = Arc::new(LocalMedia::start_at(root).await);
        // TikTok pulls from this host (the sandbox counts loopback origins as verified).
        host.verify(true);
        let cx = Context {
            http: postcal::platform::http::client(true).unwrap(),
            endpoints: Endpoints::sandbox(&sandbox.urls().root),
            credentials,
            media: host.clone(),
            clock: clock.clone(),
            poll: Poll::default(),
            usage: Arc::default(),
        };
        Self {
            dir,
            sandbox,
            clock,
            store: MemStore::new(),
            cx,
            accounts,
            _media: host,
        }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join("posts").join(name), text).unwrap();
    }

    pub fn account(&self, target: &str) -> &SeededAccount {
        &self.accounts[&target.parse::<TargetKey>().unwrap()]
    }

    /// Bytes of a calendar file, for comparing with the ledger.
    pub fn file_sha(&self, rel: &str) -> String {
        sha256(&std::fs::read(self.dir.path().join(rel)).unwrap())
    }

    pub fn daemon(&self, publisher: Arc<dyn Publisher>) -> Daemon {
        Daemon::new(
            self.root(),
            Box::new(self.store.clone()),
            publisher,
            self.clock.clone(),
            Options {
                jitter: Jitter::seeded(7),
                ..Options::default()
            },
        )
        .unwrap()
    }

    /// Runs daemon passes until nothing is due (at most `limit` of real time).
    pub async fn publish_due(&self, publisher: Arc<dyn Publisher>) -> Arc<Plan> {
        let mut daemon = self.daemon(publisher);
        let (_stop, rx) = watch::channel(false);
        let wake = Wakeup::new();
        tokio::time::timeout(std::time::Duration::from_secs(30), daemon.pass(&wake, &rx))
            .await
            .expect("the daemon did not finish in 30 s")
            .unwrap()
    }

    /// The four publishers, as `run` builds them.
    pub fn publishers(&self) -> Arc<dyn Publisher> {
        use postcal::platform::{facebook, instagram, router, threads, tiktok};
        Arc::new(router::Publishers {
            instagram: Arc::new(instagram::InstagramPublisher::new(self.cx.clone())),
            tiktok: Arc::new(tiktok::TiktokPublisher::new(self.cx.clone())),
            threads: Arc::new(threads::ThreadsPublisher::new(self.cx.clone())),
            facebook: Arc::new(facebook::FacebookPublisher::new(self.cx.clone())),
        })
    }

    pub fn records(&self) -> Vec<Record> {
        self.store.records()
    }

    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.sandbox.ledger()
    }
}
