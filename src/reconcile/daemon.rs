//! The daemon loop: level-triggered reconciliation of the calendar with the records.
//!
//! Each pass: rescan the calendar if it changed since the last scan (a generation counter that
//! the watcher bumps), compute the [`Plan`], act on every due slot through the
//! [`Publisher`], and repeat until nothing is due. Then sleep until the plan's next wake time,
//! a calendar change, or shutdown, whichever comes first, and start over. The loop never
//! branches on why it woke: every wake-up runs the same pass.
//!
//! # Guarantees
//! - Every transition is durable before the next remote call (see [`super::machine`]).
//! - Shutdown (SIGINT/SIGTERM) is honoured between slots: the slot in flight finishes its
//!   current step and records it, then the loop exits.
//! - A manifest that stops validating keeps its last valid version (in memory) and is shown
//!   as blocked; nothing new is published from it.
//! - Between due times the daemon does nothing: it waits on the clock and the watcher, no
//!   polling.
//!
//! # Errors
//! [`Fatal`]: the store cannot be read or written, or the calendar directory cannot be read at
//! start-up. Publisher failures are never fatal: they are recorded on their slot.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Notify, watch};

use super::backoff::{Backoff, Jitter};
use super::machine::Machine;
use super::publisher::{Publisher, SlotJob};
use crate::clock::SharedClock;
use crate::manifest::PostStatus;
use crate::manifest::load::LoadError;
use crate::plan::{
    self, Blocked, Change, ChangeKind, Content, Desired, DesiredPost, Plan, Policy, Scanner,
};
use crate::platform::Platform;
use crate::state::{Record, SlotKey, SlotState, Store, StoreError, write_snapshot};

/// Errors that stop the daemon.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Calendar(#[from] LoadError),
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
}

#[derive(Debug, Clone)]
pub struct Options {
    pub backoff: Backoff,
    /// Where to write `status.json` after each slot (the state directory); `None` for none.
    pub snapshot_dir: Option<PathBuf>,
    /// Overrides the policy derived from postcal.yaml.
    pub policy: Option<Policy>,
    pub jitter: Jitter,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            backoff: Backoff::default(),
            snapshot_dir: None,
            policy: None,
            jitter: Jitter::from_time(),
        }
    }
}

pub struct Daemon {
    root: PathBuf,
    store: Box<dyn Store>,
    publisher: Arc<dyn Publisher>,
    clock: SharedClock,
    options: Options,
    records: BTreeMap<SlotKey, Record>,
    desired: Desired,
    /// Index of `desired.posts` by id (first post with the id).
    by_id: HashMap<String, usize>,
    last_valid: HashMap<String, Arc<DesiredPost>>,
    /// What the last rescan built: a rescan rebuilds only the manifests that changed.
    scanner: Scanner,
    loaded_generation: Option<u64>,
    /// A manifest changed under a due slot since the last scan: rescan before acting.
    stale: bool,
    rescans: u64,
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
        });
        let daemon = Self {
            root,
            store,
            publisher,
            clock,
            options,
            records,
            desired: Desired::default(),
            by_id: HashMap::new(),
            last_valid: HashMap::new(),
            scanner: Scanner::new(),
            loaded_generation: None,
            stale: false,
            rescans: 0,
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

    /// Runs until `shutdown` becomes true (or its sender is dropped).
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
            let plan = self.pass(&wake, &shutdown).await?;
            if *shutdown.borrow() {
                break;
            }
            let clock = self.clock.clone();
            let sleep = async {
                match plan.next_wake {
                    Some(t) => clock.sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            if self.rescans != trimmed_at {
                // Between bursts, give the rescan's transient memory back (idle RSS).
                crate::memory::release_free_memory();
                trimmed_at = self.rescans;
            }
            tracing::debug!(next_wake = ?plan.next_wake, "sleeping");
            tokio::select! {
                () = sleep => {}
                () = wake.notify.notified() => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        self.store.flush()?;
        self.snapshot();
        tracing::info!("stopped");
        Ok(())
    }

    /// One level-triggered pass: rescan if needed, plan, act on everything due, until nothing
    /// is due. Returns the last plan. `run --once` is one pass.
    pub async fn pass(
        &mut self,
        wake: &Wakeup,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<Arc<Plan>, Fatal> {
        // The state directory deleted or replaced under us: stop before acting (issue 10).
        self.store.check_intact()?;
        // Bounded: every action moves a slot forward, but never spin on a platform that keeps
        // answering "now".
        for _ in 0..64 {
            let generation = wake.generation();
            if self.stale || self.loaded_generation != Some(generation) {
                self.rescan(generation)?;
            }
            let plan = Arc::new(self.plan());
            self.view.send_replace(View {
                plan: plan.clone(),
                rescans: self.rescans,
                generation,
            });
            let due: Vec<Change> = plan.due().cloned().collect();
            if due.is_empty() {
                return Ok(plan);
            }
            for change in &due {
                if *shutdown.borrow() {
                    return Ok(plan);
                }
                self.act(change).await?;
            }
        }
        Ok(Arc::new(self.plan()))
    }

    fn policy(&self) -> Policy {
        self.options
            .policy
            .unwrap_or_else(|| Policy::new(self.desired.max_lateness))
    }

    /// The current plan.
    pub fn plan(&self) -> Plan {
        plan::plan(
            &self.desired,
            &self.records,
            self.clock.now(),
            &self.policy(),
        )
    }

    fn rescan(&mut self, generation: u64) -> Result<(), Fatal> {
        let started = std::time::Instant::now();
        self.stale = false;
        let mut desired = match self.scanner.scan(&self.root) {
            Ok(d) => d,
            Err(e) if self.loaded_generation.is_some() => {
                // The directory vanished for a moment (a checkout, a rename): keep the last scan.
                tracing::error!(error = %e, "cannot read the calendar; keeping the last scan");
                self.loaded_generation = Some(generation);
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let was_blocked: HashSet<String> = self
            .desired
            .posts
            .iter()
            .filter(|p| p.blocked.is_some())
            .map(|p| p.id.clone())
            .collect();
        let present: HashSet<String> = desired.posts.iter().map(|p| p.id.clone()).collect();
        for post in desired.posts.iter().filter(|p| p.blocked.is_none()) {
            self.last_valid.insert(post.id.clone(), post.clone());
        }
        // Posts that vanished because their manifest no longer parses: keep the last valid
        // version, blocked. Posts whose manifest is fine but no longer has them are gone.
        let mut kept = Vec::new();
        self.last_valid.retain(|id, post| {
            if present.contains(id) {
                return true;
            }
            if desired.files_with_errors.contains(&post.revision.path) {
                let mut post = DesiredPost::clone(post);
                post.blocked = Some(Blocked {
                    errors: 0,
                    first_error: format!(
                        "{} has errors; keeping its last valid version (run `postcal validate`)",
                        post.revision.path
                    ),
                });
                kept.push(Arc::new(post));
                return true;
            }
            false
        });
        desired.posts.extend(kept);
        for post in desired.posts.iter().filter(|p| p.blocked.is_some()) {
            if !was_blocked.contains(&post.id) {
                let first = post.blocked.as_ref().map(|b| b.first_error.as_str());
                tracing::warn!(post = %post.id, path = %post.revision.path, error = first.unwrap_or(""), "post is blocked by manifest errors; nothing new is published from it");
            }
        }
        self.by_id.clear();
        for (i, post) in desired.posts.iter().enumerate() {
            self.by_id.entry(post.id.clone()).or_insert(i);
        }
        self.desired = desired;
        self.loaded_generation = Some(generation);
        self.rescans += 1;
        let stats = self.scanner.stats();
        tracing::info!(
            posts = self.desired.posts.len(),
            errors = self.desired.errors,
            manifests = stats.manifests,
            read = stats.read,
            checked = stats.checked,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "calendar scanned"
        );
        Ok(())
    }

    /// The job for a slot and whether it is still wanted. The content is rebuilt from the
    /// manifest only when the slot is wanted; `None` when the manifest or its media changed
    /// since the last scan (the caller rescans first, so only planned content is published).
    fn job_for(&mut self, slot: &SlotKey) -> Option<(SlotJob, bool)> {
        // A handle of its own, so the scanner can be borrowed to rebuild the content.
        let post = self.post_of(slot).cloned();
        let target = post.as_ref().and_then(|p| target_of(p, slot));
        if let (Some(post), Some(target)) = (&post, target) {
            let wanted = post.blocked.is_none()
                && post.status == PostStatus::Scheduled
                && post
                    .schedule
                    .as_ref()
                    .is_some_and(|s| s.next_after(slot.at, true) == Some(slot.at));
            let content = if wanted {
                Arc::new(self.scanner.content(&self.root, post, &target.key)?)
            } else {
                no_content(target.key.platform)
            };
            let job = SlotJob {
                key: slot.clone(),
                platform: target.key.platform,
                account: target.key.account.clone(),
                content,
                content_hash: target.content_hash.clone(),
            };
            return Some((job, wanted));
        }
        let platform = slot.target.platform;
        let account = slot.target.account.as_str();
        let record = self.records.get(slot);
        let job = SlotJob {
            key: slot.clone(),
            platform,
            account: account.to_owned(),
            content: no_content(platform),
            content_hash: record.map(|r| r.content_hash.clone()).unwrap_or_default(),
        };
        Some((job, false))
    }

    /// The content hash a record of this slot starts from.
    fn content_hash_of(&self, slot: &SlotKey) -> String {
        self.post_of(slot)
            .and_then(|p| target_of(p, slot))
            .map(|t| t.content_hash.clone())
            .or_else(|| self.records.get(slot).map(|r| r.content_hash.clone()))
            .unwrap_or_default()
    }

    fn revision_of(&self, slot: &SlotKey) -> crate::state::Revision {
        self.post_of(slot)
            .map(|p| p.revision.clone())
            .unwrap_or_default()
    }

    /// The post a slot belongs to, if the calendar still has it.
    fn post_of(&self, slot: &SlotKey) -> Option<&Arc<DesiredPost>> {
        self.by_id
            .get(&slot.post)
            .and_then(|&i| self.desired.posts.get(i))
    }

    async fn act(&mut self, change: &Change) -> Result<(), Fatal> {
        let now = self.clock.now();
        let slot = &change.slot;
        match &change.kind {
            ChangeKind::Missed { recorded: false } => {
                let mut r = Record::planned(
                    slot.clone(),
                    self.content_hash_of(slot),
                    self.revision_of(slot),
                    now,
                );
                r.state = SlotState::Missed;
                tracing::warn!(slot = %slot, "missed: due while postcal was down, past max_lateness; not published");
                self.store.persist(&r)?;
                self.records.insert(r.key.clone(), r);
            }
            ChangeKind::Publish | ChangeKind::Retry { .. } | ChangeKind::Resume { .. } => {
                let Some((job, mut wanted)) = self.job_for(slot) else {
                    tracing::info!(slot = %slot, "the manifest or its media changed since the last scan; rescanning before publishing");
                    self.stale = true;
                    return Ok(());
                };
                let record = match self.records.get(slot).cloned() {
                    None => Record::planned(
                        slot.clone(),
                        job.content_hash.clone(),
                        self.revision_of(slot),
                        now,
                    ),
                    Some(mut r) => {
                        let fresh =
                            matches!(r.state, SlotState::Planned | SlotState::Failed { .. });
                        if fresh && wanted && r.content_hash != job.content_hash {
                            // The manifest changed since the last attempt: a fresh start.
                            r.content_hash = job.content_hash.clone();
                            r.revision = self.revision_of(slot);
                            r.attempts = 0;
                        }
                        // Work in flight for other content is resolved, never committed.
                        wanted &= r.content_hash == job.content_hash;
                        r
                    }
                };
                tracing::info!(slot = %slot, state = record.state.name(), wanted, "working on slot");
                let mut machine = Machine {
                    store: self.store.as_mut(),
                    publisher: self.publisher.as_ref(),
                    clock: self.clock.as_ref(),
                    backoff: &self.options.backoff,
                    jitter: &mut self.options.jitter,
                };
                let r = machine.drive(record, &job, wanted).await?;
                self.records.insert(r.key.clone(), r);
            }
            _ => return Ok(()),
        }
        self.snapshot();
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

/// The content of a job that will not be published (resolving work in flight, an orphan).
fn no_content(platform: Platform) -> Arc<Content> {
    Arc::new(Content {
        platform,
        text: None,
        media: Vec::new(),
        options: "null".into(),
    })
}

fn target_of<'a>(post: &'a DesiredPost, slot: &SlotKey) -> Option<&'a plan::DesiredTarget> {
    post.targets.iter().find(|t| t.key == slot.target)
}
