//! One publisher driven through the state machine against a sandbox on a manual clock: jobs,
//! the seeded accounts (see [`super::hosts`] for the credentials and the media host).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use postcal::clock::ManualClock;
use postcal::plan::desired::{Content, MediaContent};
use postcal::platform::TargetKey;
use postcal::platform::context::Context;
use postcal::platform::http::Endpoints;
use postcal::reconcile::{Backoff, CallLimits, Jitter, Machine, Publisher, SharedStore, SlotJob};
use postcal::sandbox::{AccountSpec, Sandbox, SandboxConfig, SeededAccount};
use postcal::state::{MemStore, SlotKey, Store};

pub use super::hosts::{LocalMedia, SandboxCredentials, sha256};
use tokio::sync::watch;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
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
        self.credentials
            .insert(target.clone(), &seeded.id, seeded.access_token.clone());
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
