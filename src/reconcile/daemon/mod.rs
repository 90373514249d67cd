//! The daemon loop: level-triggered reconciliation of the calendar with the records.
//!
//! Each pass: rescan the calendar if it changed since the last scan (a generation counter that
//! the watcher bumps, [`Wakeup`]), compute the [`Plan`], and start work on every slot that
//! needs it: due slots are published, slots due within the prepare lead are prepared ahead.
//! Work runs as tasks (`slots.rs`): each account has one lane for its publications (its commits
//! go out one at a time, in order), preparations run beside them, and at most `concurrency`
//! slots are worked on at once. The loop wakes when the plan's next time comes, the calendar
//! changes, a slot's work ends, or shutdown is asked, and runs the same pass whatever woke it.
//!
//! # Guarantees
//! - Every transition is durable before the next remote call (see [`super::machine`]).
//! - A slot is worked on by at most one task at a time; an account publishes one slot at a
//!   time, so a slow upload on one account never delays another.
//! - Shutdown (SIGINT/SIGTERM in `postcal run`) is honoured between transitions: no new work
//!   starts; each slot in flight stops at its next transition, harmless calls in flight
//!   (prepare, checks, look-ups) are abandoned and irreversible ones (commit, the follow-up of
//!   an accepted commit) finished and recorded; then the store is flushed and the loop exits.
//!   Every record then rests at a state a restart resumes (`preparing`, `prepared`, `armed`,
//!   `committed`, or a final one). (The `run` command gives that a
//!   second; a call cut off there is resolved at the next start, like any crash.)
//! - A manifest that stops validating keeps its last valid version (in memory) and is shown
//!   as blocked; nothing new is published from it.
//! - Before acting, a slot's content is rebuilt from its manifest and used only if it hashes to
//!   what was planned; otherwise the calendar is rescanned first. What is published is what
//!   was planned and validated.
//! - Between due times the daemon does nothing: it waits on the clock, the watcher and its
//!   tasks, no polling.
//!
//! # Assumptions
//! - **One daemon per state directory.** `postcal run` takes the state-directory lock
//!   ([`crate::state::StateLock`]) before anything else, and the store checks before each pass
//!   that its directory is still the one it locked. Everything here holds per process: two
//!   processes writing one store would break the machine's exactly-once guarantee.
//! - **Publishers report, they do not panic.** A publisher answers every failure as a
//!   [`super::Failure`]; a task that panics is a bug, and the daemon stops ([`Fatal::Task`])
//!   rather than guess what was published.
//! - The assumptions of [`super::machine`] (a persisted record survives, look-ups are
//!   truthful, preparing is harmless).
//!
//! # Caveats
//! - **A stop can take a while.** It waits for commits and follow-ups in flight (at most their
//!   [`super::CallLimits`]); `postcal run` exits at once on a second signal, leaving those slots
//!   where a crash would, to be resolved by look-up on restart.
//! - **One account, one lane.** An account's publications go out in order, so a long upload
//!   on an account delays that account's next slot (never another account's).
//! - **Downtime is not made up in a burst.** A slot due while postcal was down is published
//!   only within `max_lateness` of its time; a repeating post catches up its latest due
//!   occurrence only (see [`crate::plan`]); the rest are recorded missed.
//! - **The last valid version lives in memory.** A restart with a manifest that no longer
//!   validates blocks its posts until it is fixed.
//! - **Slots that need review wait for a person** (see [`super::machine`], `postcal resolve`).
//!
//! # Errors
//! [`Fatal`]: the store cannot be read or written, or the calendar directory cannot be read at
//! start-up. Publisher failures are never fatal: they are recorded on their slot.

mod options;
mod slots;

pub use options::{ObserveFn, Observer, Options, View};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::backoff::Jitter;
use super::calendar::CalendarView;
use super::machine::{Goal, SharedStore};
use super::publisher::Publisher;
use super::wakeup::Wakeup;
use crate::clock::SharedClock;
use crate::manifest::load::LoadError;
use crate::plan::{self, ChangeKind, Plan, Policy};
use crate::platform::TargetKey;
use crate::state::{Record, SlotKey, SlotState, Store, StoreError, write_snapshot};
use slots::Done;

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
    /// Publications and preparations in flight, bounded apart: preparations (which may poll a
    /// video's processing for minutes) never hold up a slot that is due.
    publish_permits: Arc<Semaphore>,
    prepare_permits: Arc<Semaphore>,
    view: watch::Sender<View>,
    /// When a snapshot of changed records is due (see [`Daemon::snapshot_soon`]).
    snapshot_due: Option<std::time::Instant>,
    /// Whether the plan's summary was logged (once, at the first pass).
    announced: bool,
    /// The last "next:" line logged: the slot and when it is acted on.
    next_logged: Option<(SlotKey, DateTime<Utc>)>,
}

/// How often, at most, the status snapshot is written while slots keep finishing.
const SNAPSHOT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

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
        let mut daemon = Self {
            store: Arc::new(Mutex::new(store)),
            publisher,
            clock,
            jitter: Arc::new(Mutex::new(options.jitter.clone())),
            publish_permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
            prepare_permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
            options,
            records,
            calendar: CalendarView::new(root),
            loaded_generation: None,
            stale: false,
            tasks: JoinSet::new(),
            in_flight: HashMap::new(),
            busy: HashSet::new(),
            view,
            snapshot_due: None,
            announced: false,
            next_logged: None,
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
            if self.tasks.is_empty() {
                self.snapshot_pending();
            }
            tracing::debug!(next_wake = ?plan.next_wake, in_flight = self.tasks.len(), "sleeping");
            tokio::select! {
                () = sleep => {}
                () = wake.notified() => {}
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
        let plan = self.settle(wake, shutdown).await;
        self.snapshot_pending();
        plan
    }

    /// [`Daemon::pass`] without the final snapshot.
    async fn settle(
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
        if !self.announced {
            self.announced = true;
            tracing::info!(
                "plan: {}",
                plan::render::summary_line(&plan.summary, plan.errors)
            );
        }
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
        self.announce(&plan);
        self.view.send_replace(View {
            plan: plan.clone(),
            rescans: self.calendar.scans,
            generation,
            in_flight: self.in_flight.len(),
        });
        Ok((plan, wake_at))
    }

    /// The calendar's timezone: logs show times in it.
    fn tz(&self) -> Tz {
        self.calendar.desired.timezone.unwrap_or(Tz::UTC)
    }

    /// Logs after every pass what comes next ([`super::next`]) when that changed, so a quiet
    /// daemon still says what it waits for.
    fn announce(&mut self, plan: &Plan) {
        let next = super::next::next_up(plan);
        let key = next.map(|(t, c)| (c.slot.clone(), t));
        if key != self.next_logged {
            self.next_logged = key;
            tracing::info!("{}", super::next::line(next, plan.now, self.tz()));
        }
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

    /// Writes `status.json` now.
    fn snapshot(&mut self) {
        self.snapshot_due = None;
        if let Some(dir) = &self.options.snapshot_dir {
            let records: Vec<&Record> = self.records.values().collect();
            if let Err(e) = write_snapshot(dir, self.clock.now(), &records) {
                tracing::error!(error = %e, "cannot write the status snapshot");
            }
        }
    }

    /// Notes that the records changed: the snapshot is written at most every
    /// [`SNAPSHOT_EVERY`] (it holds every record: writing it after each of a thousand slots
    /// would write a thousand times the whole state), and whenever the loop rests.
    fn snapshot_soon(&mut self) {
        let now = std::time::Instant::now();
        match self.snapshot_due {
            Some(due) if now >= due => self.snapshot(),
            Some(_) => {}
            None => self.snapshot_due = Some(now + SNAPSHOT_EVERY),
        }
    }

    /// Writes a pending snapshot (the loop is about to rest, or to stop).
    fn snapshot_pending(&mut self) {
        if self.snapshot_due.is_some() {
            self.snapshot();
        }
    }
}
