//! The running simulator's shared core: configuration, clock, the [`World`] behind its lock,
//! faults, call counters, the media fetcher, and the bookkeeping of background downloads.
//!
//! # Guarantees
//! - [`Engine::settle`] returns once every download started so far has been judged and its
//!   result stored: tests call it instead of sleeping, then advance the clock.
//! - A lock poisoned by a panic elsewhere is recovered, never propagated as a panic.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::SandboxUrls;
use super::config::SandboxConfig;
use super::container::{Check, Rejection};
use super::faults::{FaultAction, Faults, ProcessingFault};
use super::judge::Want;
use super::ledger::LedgerMedia;
use super::media::Fetcher;
use super::rng::Rng;
use super::state::World;
use crate::clock::SharedClock;

/// Where the outcome of a media check goes.
#[derive(Debug, Clone)]
pub(crate) enum CheckTarget {
    Container(String),
    TikTok(String),
}

pub(crate) struct Engine {
    pub config: SandboxConfig,
    pub clock: SharedClock,
    world: Mutex<World>,
    pub faults: Arc<Faults>,
    counters: Mutex<BTreeMap<String, u64>>,
    pub fetcher: Fetcher,
    inflight: watch::Sender<usize>,
    shutdown: watch::Receiver<bool>,
    trace_rng: Mutex<Rng>,
    pub urls: SandboxUrls,
}

/// Decrements the in-flight count however the task ends.
struct InFlight(watch::Sender<usize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Engine {
    pub fn new(
        config: SandboxConfig,
        clock: SharedClock,
        fetcher: Fetcher,
        shutdown: watch::Receiver<bool>,
        urls: SandboxUrls,
    ) -> Self {
        let faults = Arc::new(Faults::new(config.faults.clone(), config.seed));
        let world = World::new(config.seed);
        let trace_rng = Rng::new(config.seed.wrapping_add(0x7ACE));
        Self {
            config,
            clock,
            world: Mutex::new(world),
            faults,
            counters: Mutex::new(BTreeMap::new()),
            fetcher,
            inflight: watch::channel(0).0,
            shutdown,
            trace_rng: Mutex::new(trace_rng),
            urls,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn count(&self, endpoint: &str) {
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        *c.entry(endpoint.to_owned()).or_default() += 1;
    }

    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.counters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether `value` is a secret the sandbox knows: an issued token, an authorization code,
    /// a TikTok upload token or an app secret (so the request log can mask it under any name).
    pub fn is_secret(&self, value: &str) -> bool {
        if value.is_empty() {
            return false;
        }
        let apps = &self.config.apps;
        if [&apps.facebook, &apps.instagram, &apps.threads, &apps.tiktok]
            .iter()
            .any(|app| app.client_secret == value)
        {
            return true;
        }
        let world = self.world();
        world.tokens.get(value).is_some()
            || world.oauth.codes.contains_key(value)
            || world.tiktok.has_upload_token(value)
    }

    /// A Graph `fbtrace_id`-looking string.
    pub fn trace_id(&self) -> String {
        self.trace_rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .alnum(11)
    }

    /// A TikTok `log_id`: UTC timestamp then hex, as TikTok writes them.
    pub fn log_id(&self) -> String {
        let hex = self
            .trace_rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .hex(20);
        format!("{}{hex}", self.now().format("%Y%m%d%H%M%S"))
    }

    /// A processing failure injected for `endpoint` (`instagram.processing`, ...).
    pub fn processing_fault(&self, endpoint: &str) -> Option<ProcessingFault> {
        match self.faults.draw(endpoint) {
            Some(FaultAction::ProcessingError(p)) => Some(p),
            _ => None,
        }
    }

    /// Resolves once the sandbox is shutting down.
    pub async fn shutting_down(&self) {
        let mut rx = self.shutdown.clone();
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// Runs `fut` in the background, counted by [`Engine::settle`].
    pub fn spawn_tracked(self: &Arc<Self>, fut: impl Future<Output = ()> + Send + 'static) {
        self.inflight.send_modify(|n| *n += 1);
        let guard = InFlight(self.inflight.clone());
        tokio::spawn(async move {
            let _guard = guard;
            fut.await;
        });
    }

    /// Waits until no background download is running.
    pub async fn settle(&self) {
        let mut rx = self.inflight.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// Downloads and judges `jobs` in the background, then stores the outcome on `target`.
    pub fn spawn_check(
        self: &Arc<Self>,
        target: CheckTarget,
        jobs: Vec<(String, Want)>,
        follow_redirects: bool,
    ) {
        let engine = Arc::clone(self);
        self.spawn_tracked(async move {
            // A panic while probing hostile bytes must not leave the container IN_PROGRESS
            // forever: it becomes the platform's generic server-side failure.
            let first = jobs.first().map(|(_, want)| *want);
            let checker = Arc::clone(&engine);
            let outcome =
                match tokio::spawn(async move { checker.check_all(&jobs, follow_redirects).await })
                    .await
                {
                    Ok(outcome) => outcome,
                    Err(_) => Err(first.map_or(
                        Rejection::TikTok {
                            fail_reason: "internal".into(),
                        },
                        Want::internal_failure,
                    )),
                };
            let mut world = engine.world();
            match target {
                CheckTarget::Container(id) => {
                    if let Some(c) = world.containers.get_mut(&id) {
                        c.check = Check::Done(outcome);
                    }
                }
                CheckTarget::TikTok(id) => world.tiktok.finish_check(&id, outcome),
            }
        });
    }

    async fn check_all(
        &self,
        jobs: &[(String, Want)],
        follow: bool,
    ) -> Result<Vec<LedgerMedia>, Rejection> {
        let mut media = Vec::with_capacity(jobs.len());
        for (url, want) in jobs {
            let file = self
                .fetcher
                .get(url, follow, want.max_bytes())
                .await
                .map_err(|e| want.download_failed(&e))?;
            want.judge(&file)?;
            media.push(file.ledger_media());
        }
        Ok(media)
    }
}
