//! What the daemon is told ([`Options`]) and what it shows ([`View`], [`Observer`]).

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::plan::{Plan, Policy};
use crate::reconcile::backoff::{Backoff, Jitter};
use crate::reconcile::machine::CallLimits;
use crate::state::Record;

/// What the daemon shows after each pass (tests and benchmarks watch it).
#[derive(Debug, Clone)]
pub struct View {
    pub plan: Arc<Plan>,
    /// Calendar scans so far (the first one included).
    pub rescans: u64,
    /// The watcher generation the plan was computed from.
    pub generation: u64,
    /// Slots being worked on when the plan was computed.
    pub in_flight: usize,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub backoff: Backoff,
    /// Where to write `status.json` after each slot (the state directory); `None` for none.
    pub snapshot_dir: Option<PathBuf>,
    /// Overrides the policy derived from postcal.yaml.
    pub policy: Option<Policy>,
    pub jitter: Jitter,
    /// How long before its time a slot is prepared (containers, uploads), so its commit lands
    /// on time even when the platform takes minutes to process a video. Zero: when due.
    pub prepare_lead: chrono::Duration,
    /// Slots published at once across accounts, and slots prepared at once (each bound apart).
    pub concurrency: usize,
    pub limits: CallLimits,
    /// Return from [`Daemon::run`](super::Daemon::run) once nothing is left to publish (demos, tests).
    pub exit_when_idle: bool,
    /// Return from [`Daemon::run`](super::Daemon::run) once the clock reaches this time.
    pub until: Option<DateTime<Utc>>,
    /// Sees every record a slot's work ends with (the CLI prints publications as they happen).
    pub observer: Option<Observer>,
}

/// A callback for finished slot work: the record it ended with, and the kind of post in words
/// ("carousel of 3").
#[derive(Clone)]
pub struct Observer(pub Arc<ObserveFn>);

/// What an [`Observer`] calls.
pub type ObserveFn = dyn Fn(&Record, &str) + Send + Sync;

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer(..)")
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            backoff: Backoff::default(),
            snapshot_dir: None,
            policy: None,
            jitter: Jitter::from_time(),
            prepare_lead: chrono::Duration::minutes(10),
            concurrency: 16,
            limits: CallLimits::default(),
            exit_when_idle: false,
            until: None,
            observer: None,
        }
    }
}
