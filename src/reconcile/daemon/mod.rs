//! The daemon loop: level-triggered reconciliation of the calendar with the records.
//!
//! Each pass: rescan the calendar if it changed since the last scan (a generation counter that
//! the watcher bumps), compute the [`Plan`], and start work on every slot that needs it: due
//! slots are published, slots due within the prepare lead are prepared ahead. Work runs as
//! tasks: each account has one lane for its publications (its commits go out one at a time, in
//! order), preparations run beside them, and at most `concurrency` slots are worked on at once.
//! The loop wakes when the plan's next time comes, the calendar changes, a slot's work ends, or
//! shutdown is asked, and runs the same pass whatever woke it.
//!
//! # Guarantees
//! - Every transition is durable before the next remote call (see [`super::machine`]).
//! - A slot is worked on by at most one task at a time; an account publishes one slot at a
//!   time, so a slow upload on one account never delays another.
//! - Shutdown (SIGINT/SIGTERM) is honoured between transitions: no new work starts, preparing
//!   slots are abandoned where they stand (harmless), a commit in flight is finished and
//!   recorded, then the loop exits.
//! - A manifest that stops validating keeps its last valid version (in memory) and is shown
//!   as blocked; nothing new is published from it.
//! - Between due times the daemon does nothing: it waits on the clock, the watcher and its
//!   tasks, no polling.
//!
//! # Errors
//! [`Fatal`]: the store cannot be read or written, or the calendar directory cannot be read at
//! start-up. Publisher failures are never fatal: they are recorded on their slot.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use super::backoff::{Backoff, Jitter};
use super::calendar::CalendarView;
use super::machine::{CallLimits, Goal, Machine, SharedStore};
use super::publisher::Publisher;
use crate::clock::SharedClock;
use crate::manifest::load::LoadError;
use crate::plan::{self, Change, ChangeKind, Plan, Policy};
use crate::platform::TargetKey;
use crate::state::{Record, SlotKey, SlotState, Store, StoreError, write_snapshot};

/// Errors that stop the daemon.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Calendar(#[from] LoadError),
    #[error(
        "a publishing task ended abnormally ({0}); stopping rather than guessing what was published"
    )]
    Task(String),
}

/// Wakes the daemon when the calendar changed. The generation is the level (has the calendar
/// changed since the last scan?); the notification only interrupts a sleep.
#[derive(Debug, Default)]
pub struct Wakeup {
    generation: AtomicU64,
    notify: Notify,
}

impl Wakeup {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Marks the calendar as changed and wakes the daemon.
    pub fn calendar_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        // A stored permit if the daemon is not sleeping yet: the wake-up is never lost.
        self.notify.notify_one();
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

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
    /// Slots worked on at once, across accounts.
    pub concurrency: usize,
    pub limits: CallLimits,
    /// Return from [`Daemon::run`] once nothing is left to publish (demos, tests).
    pub exit_when_idle: bool,
    /// Return from [`Daemon::run`] once the clock reaches this time.
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

/// The end of one slot's task.
struct Done {
    key: SlotKey,
    goal: Goal,
    label: String,
    result: Result<Record, StoreError>,
}

pub struct Daemon {
    store: SharedStore,
    publisher: Arc<dyn Publisher>,
    clock: SharedClock,
    options: Options,
    jitter: Arc<Mutex<Jitter>>,
    records: BTreeMap<SlotKey, Record>,
    calendar: CalendarView,
    loaded_generation: Option<u64>,
    /// A manifest changed under a due slot since the last scan: rescan before acting.
    stale: bool,
    tasks: JoinSet<Done>,
    in_flight: HashMap<SlotKey, Goal>,
    /// Accounts with a publication in flight (one at a time each).
    busy: HashSet<TargetKey>,
    permits: Arc<Semaphore>,
    view: watch::Sender<View>,
}

impl Daemon {
    /// Reads every record (a corrupt one is fatal) and prepares the loop. The calendar is read
    /// by the first pass.
    pub fn new(
        root: PathBuf,
        store: Box<dyn Store>,
        publisher: Arc<dyn Publisher>,
        clock: SharedClock,
        options: Options,
    ) -> Result<Self, Fatal> {
        let records = store.load_all()?;
        Ok(Self::with_records(
            root, store, records, publisher, clock, options,
        ))
    }

    /// [`Daemon::new`] with the records already read from `store`.
    pub fn with_records(
        root: PathBuf,
        store: Box<dyn Store>,
        records: Vec<Record>,
        publisher: Arc<dyn Publisher>,
        clock: SharedClock,
        options: Options,
    ) -> Self {
        let day_ago = clock.now() - chrono::Duration::hours(24);
        let recent: Vec<(SlotKey, DateTime<Utc>)> = records
            .iter()
            .filter_map(|r| match &r.state {
                SlotState::Published { at, .. } if *at >= day_ago => Some((r.key.clone(), *at)),
                _ => None,
            })
            .collect();
        publisher.seed_history(&recent);
        let records = records.into_iter().map(|r| (r.key.clone(), r)).collect();
        let empty = Plan {
            now: clock.now(),
            changes: Vec::new(),
            next_wake: None,
            summary: Default::default(),
            errors: 0,
        };
        let (view, _) = watch::channel(View {
            plan: Arc::new(empty),
            rescans: 0,
            generation: 0,
            in_flight: 0,
        });
        let daemon = Self {
            store: Arc::new(Mutex::new(store)),
            publisher,
            clock,
            jitter: Arc::new(Mutex::new(options.jitter.clone())),
            permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
            options,
            records,
            calendar: CalendarView::new(root),
            loaded_generation: None,
            stale: false,
            tasks: JoinSet::new(),
            in_flight: HashMap::new(),
            busy: HashSet::new(),
            view,
        };
        daemon.snapshot();
        daemon
    }

    /// Follows every plan the daemon computes.
    pub fn subscribe(&self) -> watch::Receiver<View> {
        self.view.subscribe()
    }

    pub fn records(&self) -> &BTreeMap<SlotKey, Record> {
        &self.records
    }

    /// Runs until `shutdown` becomes true (or its sender is dropped), then lets the work in
    /// flight reach a resting point.
    pub async fn run(
        mut self,
        wake: Arc<Wakeup>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), Fatal> {
        let mut trimmed_at = 0;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let (plan, wake_at) = self.pass_once(&wake, &shutdown).await?;
            if *shutdown.borrow() {
                break;
            }
            if self.stale {
                continue;
            }
            if self.options.exit_when_idle && self.tasks.is_empty() && plan.summary.pending() == 0 {
                tracing::info!("nothing left to publish; exiting (--exit-when-idle)");
                break;
            }
            if self.options.until.is_some_and(|u| self.clock.now() >= u) {
                tracing::info!("reached --until; exiting");
                break;
            }
            let wake_at = match (wake_at, self.options.until) {
                (Some(w), Some(u)) => Some(w.min(u)),
                (w, u) => w.or(u),
            };
            let clock = self.clock.clone();
            let idle = self.tasks.is_empty();
            let sleep = async {
                match wake_at {
                    // Nothing in flight: a demo clock may jump to the next due time.
                    Some(t) if idle => clock.idle_until(t).await,
                    Some(t) => clock.sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            if self.calendar.scans != trimmed_at && self.tasks.is_empty() {
                // Between bursts, give the rescan's transient memory back (idle RSS).
                crate::memory::release_free_memory();
                trimmed_at = self.calendar.scans;
            }
            tracing::debug!(next_wake = ?plan.next_wake, in_flight = self.tasks.len(), "sleeping");
            tokio::select! {
                () = sleep => {}
                () = wake.notify.notified() => {}
                Some(done) = self.tasks.join_next() => self.finished(done)?,
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        self.drain().await?;
        self.lock_store().flush()?;
        self.snapshot();
        tracing::info!("stopped");
        Ok(())
    }

    /// Acts on everything due until nothing is due and nothing is in flight (or shutdown),
    /// and returns the last plan. `run --once` is one pass.
    pub async fn pass(
        &mut self,
        wake: &Wakeup,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<Arc<Plan>, Fatal> {
        // Bounded: every action moves a slot forward, but never spin on a platform that keeps
        // answering "now".
        let mut rounds = 0;
        loop {
            let (plan, _) = self.pass_once(wake, shutdown).await?;
            rounds += 1;
            if rounds > 64 + 8 * plan.changes.len() {
                break;
            }
            if *shutdown.borrow() {
                self.drain().await?;
                return Ok(plan);
            }
            match self.tasks.join_next().await {
                Some(done) => self.finished(done)?,
                None if !self.stale => return Ok(plan),
                None => {}
            }
        }
        self.drain().await?;
        Ok(Arc::new(self.plan()))
    }

    /// Rescans if needed, plans, and starts what is due. Returns the plan and when the loop
    /// must look again (the plan's next time, or a prepare-ahead time).
    async fn pass_once(
        &mut self,
        wake: &Wakeup,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(Arc<Plan>, Option<DateTime<Utc>>), Fatal> {
        // The state directory deleted or replaced under us: stop before acting.
        self.lock_store().check_intact()?;
        let generation = wake.generation();
        if self.stale || self.loaded_generation != Some(generation) {
            self.stale = false;
            match self.calendar.rescan() {
                Ok(()) => {}
                Err(e) if self.loaded_generation.is_some() => {
                    // The directory vanished for a moment (a checkout, a rename): keep the last
                    // scan.
                    tracing::error!(error = %e, "cannot read the calendar; keeping the last scan");
                }
                Err(e) => return Err(e.into()),
            }
            self.loaded_generation = Some(generation);
        }
        let plan = Arc::new(self.plan());
        let now = plan.now;
        let lead = self.options.prepare_lead;
        let mut wake_at = plan.next_wake;
        for change in &plan.changes {
            if *shutdown.borrow() || self.stale {
                break;
            }
            if self.in_flight.contains_key(&change.slot) {
                continue;
            }
            let Some(at) = change.action_at() else {
                continue;
            };
            let ahead = matches!(
                change.kind,
                ChangeKind::Wait | ChangeKind::Retry { .. } | ChangeKind::Waiting { .. }
            ) && change.slot.at > now;
            if at <= now && !ahead {
                self.act(change, Goal::Publish, shutdown).await?;
            } else if ahead && lead > chrono::Duration::zero() {
                // Prepare ahead once within the lead (and once any retry or wait is over).
                let from = match change.kind {
                    ChangeKind::Wait => change.slot.at - lead,
                    _ => (change.slot.at - lead).max(at),
                };
                if from <= now {
                    self.act(change, Goal::Prepare, shutdown).await?;
                } else {
                    wake_at = Some(wake_at.map_or(from, |w| w.min(from)));
                }
            }
        }
        self.view.send_replace(View {
            plan: plan.clone(),
            rescans: self.calendar.scans,
            generation,
            in_flight: self.in_flight.len(),
        });
        Ok((plan, wake_at))
    }

    fn policy(&self) -> Policy {
        self.options
            .policy
            .unwrap_or_else(|| Policy::new(self.calendar.desired.max_lateness))
    }

    /// The current plan.
    pub fn plan(&self) -> Plan {
        plan::plan(
            &self.calendar.desired,
            &self.records,
            self.clock.now(),
            &self.policy(),
        )
    }

    fn lock_store(&self) -> std::sync::MutexGuard<'_, Box<dyn Store>> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts work on one slot (or records it missed).
    async fn act(
        &mut self,
        change: &Change,
        goal: Goal,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(), Fatal> {
        let now = self.clock.now();
        let slot = &change.slot;
        match &change.kind {
            ChangeKind::Missed { recorded: false } => {
                let hash = self
                    .calendar
                    .content_hash_of(slot)
                    .or_else(|| self.records.get(slot).map(|r| r.content_hash.clone()))
                    .unwrap_or_default();
                let mut r =
                    Record::planned(slot.clone(), hash, self.calendar.revision_of(slot), now);
                r.state = SlotState::Missed;
                tracing::warn!(slot = %slot, "missed: due while postcal was down, past max_lateness; not published");
                self.lock_store().persist(&r)?;
                if let Some(observer) = &self.options.observer {
                    (observer.0)(&r, "");
                }
                self.records.insert(r.key.clone(), r);
                self.snapshot();
            }
            ChangeKind::Publish
            | ChangeKind::Wait
            | ChangeKind::Retry { .. }
            | ChangeKind::Resume { .. }
            | ChangeKind::Waiting { .. } => {
                if goal == Goal::Publish && self.busy.contains(&slot.target) {
                    // The account's lane is taken: its turn comes when that slot rests.
                    return Ok(());
                }
                let record = self.records.get(slot);
                if goal == Goal::Prepare && record.is_some_and(|r| r.state.in_flight()) {
                    // Ahead of time only fresh work starts; resolving waits for the slot's time.
                    return Ok(());
                }
                let Some((job, mut wanted)) = self.calendar.job_for(slot, record) else {
                    tracing::info!(slot = %slot, "the manifest or its media changed since the last scan; rescanning before publishing");
                    self.stale = true;
                    return Ok(());
                };
                let record = match self.records.get(slot).cloned() {
                    None => Record::planned(
                        slot.clone(),
                        job.content_hash.clone(),
                        self.calendar.revision_of(slot),
                        now,
                    ),
                    Some(mut r) => {
                        let fresh =
                            matches!(r.state, SlotState::Planned | SlotState::Failed { .. });
                        if fresh && wanted && r.content_hash != job.content_hash {
                            // The manifest changed since the last attempt: a fresh start.
                            r.content_hash = job.content_hash.clone();
                            r.revision = self.calendar.revision_of(slot);
                            r.attempts = 0;
                        }
                        // Work in flight for other content is resolved, never committed.
                        wanted &= r.content_hash == job.content_hash;
                        r
                    }
                };
                if goal == Goal::Prepare && !wanted {
                    return Ok(());
                }
                tracing::debug!(slot = %slot, state = record.state.name(), wanted, ?goal, "working on slot");
                let machine = Machine {
                    store: self.store.clone(),
                    publisher: self.publisher.clone(),
                    clock: self.clock.clone(),
                    backoff: self.options.backoff,
                    jitter: self.jitter.clone(),
                    shutdown: shutdown.clone(),
                    max_lateness: self.policy().max_lateness,
                    limits: self.options.limits,
                };
                let permits = self.permits.clone();
                let key = slot.clone();
                let label = plan::kind::label(&job.content);
                self.in_flight.insert(key.clone(), goal);
                if goal == Goal::Publish {
                    self.busy.insert(key.target.clone());
                }
                self.tasks.spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    let result = machine.drive(record, &job, wanted, goal).await;
                    Done {
                        key,
                        goal,
                        label,
                        result,
                    }
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Takes in the end of one slot's task.
    fn finished(&mut self, done: Result<Done, tokio::task::JoinError>) -> Result<(), Fatal> {
        let done = match done {
            Ok(done) => done,
            Err(e) => {
                // A task cannot panic on input (publishers return failures), so this is a bug:
                // stop rather than guess what was published.
                return Err(Fatal::Task(e.to_string()));
            }
        };
        self.in_flight.remove(&done.key);
        if done.goal == Goal::Publish {
            self.busy.remove(&done.key.target);
        }
        let record = done.result?;
        if let Some(observer) = &self.options.observer {
            (observer.0)(&record, &done.label);
        }
        self.records.insert(record.key.clone(), record);
        self.snapshot();
        Ok(())
    }

    /// Waits for every task to rest (they see shutdown between transitions).
    async fn drain(&mut self) -> Result<(), Fatal> {
        while let Some(done) = self.tasks.join_next().await {
            self.finished(done)?;
        }
        Ok(())
    }

    fn snapshot(&self) {
        if let Some(dir) = &self.options.snapshot_dir {
            let records: Vec<&Record> = self.records.values().collect();
            if let Err(e) = write_snapshot(dir, self.clock.now(), &records) {
                tracing::error!(error = %e, "cannot write the status snapshot");
            }
        }
    }
}
