//! Publishers that talk to no platform: [`FakePublisher`] for tests (scriptable outcomes,
//! crash points, a ledger of what was "published") and [`RecordingPublisher`] for `--dry-run`.
//!
//! The fake behaves like a container-based platform (Instagram, Threads): `prepare` creates a
//! container, `commit` publishes it and appends to the ledger, `lookup` reports the container's
//! status. Every `commit` that reaches it appends, so a duplicate publication shows in the
//! ledger: that is what the no-duplicate tests check.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::publisher::{
    BoxFuture, Commit, Failure, LookupResult, Outcome, Prepared, Published, Publisher, SlotJob,
};
use crate::state::SlotKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Prepare,
    Commit,
    Lookup,
}

/// What the fake does on one call of a step; the default is success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    Succeed,
    /// Fail without applying anything.
    Fail(Failure),
    /// Apply the step (commit: publish), then answer with this failure ("commit then drop
    /// the response").
    ApplyThenFail(Failure),
    /// Never answer, without applying: the process is "killed" before the call lands.
    Hang,
    /// Apply, then never answer: "killed" after the call landed, before the answer is stored.
    ApplyThenHang,
    /// Lookup only: the container expired (not published, cannot be committed).
    Expired,
    /// Lookup only: the platform cannot tell.
    Unknown,
}

/// One call the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub step: Step,
    pub slot: SlotKey,
}

/// One publication in the fake's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub slot: SlotKey,
    pub remote_id: String,
    pub text: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    calls: Vec<Call>,
    ledger: Vec<Publication>,
    /// container id -> published media id
    containers: HashMap<String, Option<String>>,
    scripts: HashMap<Step, VecDeque<Script>>,
    next_id: u64,
    hung: usize,
}

/// A scriptable fake platform. Clones share state, so a test keeps a handle while the daemon
/// owns another.
#[derive(Debug, Clone, Default)]
pub struct FakePublisher {
    state: Arc<Mutex<State>>,
    hung: Arc<Notify>,
}

impl FakePublisher {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues outcomes for the next calls of `step` (then back to success).
    pub fn script(&self, step: Step, outcomes: impl IntoIterator<Item = Script>) {
        self.lock()
            .scripts
            .entry(step)
            .or_default()
            .extend(outcomes);
    }

    pub fn clear_scripts(&self) {
        self.lock().scripts.clear();
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    pub fn ledger(&self) -> Vec<Publication> {
        self.lock().ledger.clone()
    }

    /// Publications of one slot.
    pub fn published(&self, slot: &SlotKey) -> usize {
        self.lock()
            .ledger
            .iter()
            .filter(|p| &p.slot == slot)
            .count()
    }

    /// Completes once a call is hanging (a test then "kills" the daemon by dropping it).
    pub async fn wait_hung(&self) {
        loop {
            let notified = self.hung.notified();
            if self.lock().hung > 0 {
                return;
            }
            notified.await;
        }
    }

    fn next(&self, step: Step, slot: &SlotKey) -> Script {
        let mut s = self.lock();
        s.calls.push(Call {
            step,
            slot: slot.clone(),
        });
        s.scripts
            .get_mut(&step)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Script::Succeed)
    }

    fn id(&self, prefix: &str) -> String {
        let mut s = self.lock();
        s.next_id += 1;
        format!("{prefix}{}", s.next_id)
    }

    async fn hang<T>(&self) -> T {
        self.lock().hung += 1;
        self.hung.notify_waiters();
        std::future::pending().await
    }

    fn publish(&self, job: &SlotJob, prepared: &Prepared) -> Published {
        let remote_id = self.id("media-");
        let mut s = self.lock();
        for c in &prepared.remote_ids {
            s.containers.insert(c.clone(), Some(remote_id.clone()));
        }
        s.ledger.push(Publication {
            slot: job.key.clone(),
            remote_id: remote_id.clone(),
            text: job.content.text.as_deref().map(str::to_owned),
        });
        Published {
            permalink: Some(format!("https://fake.example/p/{remote_id}")),
            remote_id,
        }
    }
}

impl Publisher for FakePublisher {
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>> {
        Box::pin(async move {
            let script = self.next(Step::Prepare, &job.key);
            let create = || {
                let id = self.id("container-");
                self.lock().containers.insert(id.clone(), None);
                Prepared {
                    remote_ids: vec![id],
                }
            };
            match script {
                Script::Fail(f) => Err(f),
                Script::ApplyThenFail(f) => {
                    create();
                    Err(f)
                }
                Script::Hang => self.hang().await,
                Script::ApplyThenHang => {
                    create();
                    self.hang().await
                }
                _ => Ok(create()),
            }
        })
    }

    fn commit<'a>(
        &'a self,
        job: &'a SlotJob,
        prepared: &'a Prepared,
    ) -> BoxFuture<'a, Outcome<Commit>> {
        Box::pin(async move {
            match self.next(Step::Commit, &job.key) {
                Script::Fail(f) => Err(f),
                Script::ApplyThenFail(f) => {
                    self.publish(job, prepared);
                    Err(f)
                }
                Script::Hang => self.hang().await,
                Script::ApplyThenHang => {
                    self.publish(job, prepared);
                    self.hang().await
                }
                _ => Ok(Commit::Published(self.publish(job, prepared))),
            }
        })
    }

    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        prepared: &'a Prepared,
        _since: DateTime<Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>> {
        Box::pin(async move {
            match self.next(Step::Lookup, &job.key) {
                Script::Fail(f) | Script::ApplyThenFail(f) => Err(f),
                Script::Hang | Script::ApplyThenHang => self.hang().await,
                Script::Expired => Ok(LookupResult::NotPublished { can_commit: false }),
                Script::Unknown => Ok(LookupResult::Unknown {
                    why: "the platform does not know this container".into(),
                }),
                Script::Succeed => {
                    let s = self.lock();
                    let found = prepared
                        .remote_ids
                        .iter()
                        .find_map(|c| s.containers.get(c).cloned());
                    Ok(match found {
                        Some(Some(remote_id)) => LookupResult::Published(Published {
                            permalink: Some(format!("https://fake.example/p/{remote_id}")),
                            remote_id,
                        }),
                        Some(None) => LookupResult::NotPublished { can_commit: true },
                        None => LookupResult::NotPublished { can_commit: false },
                    })
                }
            }
        })
    }
}

/// `--dry-run`: says what it would do (in the log, times in the calendar's timezone),
/// publishes nothing.
#[derive(Debug, Clone)]
pub struct RecordingPublisher {
    log: Arc<Mutex<Vec<String>>>,
    tz: Tz,
}

impl Default for RecordingPublisher {
    fn default() -> Self {
        Self::new(Tz::UTC)
    }
}

impl RecordingPublisher {
    /// Logs slots with their times in `tz`.
    pub fn new(tz: Tz) -> Self {
        Self {
            log: Arc::default(),
            tz,
        }
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn record(&self, line: String) {
        tracing::info!(target: "postcal::dry_run", "{line}");
        if let Ok(mut l) = self.log.lock() {
            l.push(line);
        }
    }
}

impl Publisher for RecordingPublisher {
    fn dry_run(&self) -> bool {
        true
    }

    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>> {
        Box::pin(async move {
            self.record(format!(
                "would prepare {} ({} media)",
                job.key.show(self.tz),
                job.content.media.len()
            ));
            Ok(Prepared {
                remote_ids: vec!["dry-run".into()],
            })
        })
    }

    fn commit<'a>(
        &'a self,
        job: &'a SlotJob,
        _prepared: &'a Prepared,
    ) -> BoxFuture<'a, Outcome<Commit>> {
        Box::pin(async move {
            let text = crate::human::excerpt(job.content.text.as_deref().unwrap_or(""), 60);
            self.record(format!(
                "would publish {}: \"{text}\"",
                job.key.show(self.tz)
            ));
            Ok(Commit::Published(Published {
                remote_id: "dry-run".into(),
                permalink: None,
            }))
        })
    }

    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        _prepared: &'a Prepared,
        _since: DateTime<Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>> {
        Box::pin(async move {
            self.record(format!("would look up {}", job.key.show(self.tz)));
            Ok(LookupResult::NotPublished { can_commit: true })
        })
    }
}

/// For tests: a failure of each class.
pub fn failure(class: &str) -> Failure {
    match class {
        "permanent" => Failure::permanent("fake: permanent failure"),
        "ambiguous" => Failure::ambiguous("fake: timeout after sending"),
        _ => Failure::retryable("fake: HTTP 503"),
    }
}
