//! The publishing state machine of one slot (design.md §5), driven to a resting state.
//!
//! ```text
//! (none) | failed(retryable) -> preparing -> prepared{ids}
//! prepared, before its time (prepared ahead)  -> rests, acted on again at its time
//! prepared, due -> ready? (quota, creator checks) -> armed{ids} -> commit
//!     commit ok (public)            -> published
//!     commit accepted (async)       -> committed{ids} -> follow-up -> look-up
//!     commit retryable / permanent  -> failed{permanent?}
//!     commit wait (quota)           -> prepared, waiting until the window frees
//!     commit ambiguous / no answer  -> (armed) look-up
//! armed (after a crash or an ambiguous answer) -> look-up
//!     published                 -> published
//!     not published, can commit -> commit again (only while the slot is still wanted)
//!     not published, expired    -> prepare again
//!     unknown / look-up fails   -> needs_review (a look-up that is merely retryable waits)
//! committed -> look-up: published | pending (look again later) | failed (a new attempt)
//! ```
//!
//! # Guarantees
//! - Every transition is [`Store::persist`]ed (written and flushed) before the next remote
//!   call; in particular `armed` is durable before `commit` is called, and the ids of an
//!   accepted commit are durable before anything else happens.
//! - `commit` is only ever called from `prepared` (first time) or after a look-up said "not
//!   published, can commit": never blindly after a crash or an ambiguous answer.
//! - Nothing is committed before the slot's time, nor later than `max_lateness` after it (a
//!   prepared slot that waited too long is recorded missed: nothing of it is public).
//! - A slot that is no longer wanted (post deleted, paused, blocked or edited since it was
//!   prepared) is resolved by look-up but never committed.
//! - Shutdown is honoured between transitions: a prepare in progress is abandoned (it is
//!   harmless and its record says `preparing`); a commit in progress is finished and recorded.
//! - Every publisher call is bounded: a commit without an answer within its limit is
//!   ambiguous, a prepare or look-up without one is retryable.
//!
//! # Errors
//! Only store errors are returned ([`StoreError`], fatal for the process); every publisher
//! failure is recorded on the slot.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::backoff::{Backoff, Jitter};
use super::publisher::{
    Commit, Failure, FailureClass, LookupResult, Outcome, Prepared, Published, Publisher, SlotJob,
};
use crate::clock::SharedClock;
use crate::state::{Record, SlotState, Store, StoreError};

/// The store, shared by the slots in flight. Persisting holds the lock for one write + flush.
pub type SharedStore = Arc<Mutex<Box<dyn Store>>>;

/// How far to drive a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Prepare it ahead of its time and stop there (only for harmless prepares).
    Prepare,
    /// Publish it (preparing first if needed), if it is due.
    Publish,
}

/// Real-time limits on each publisher call (the clock may be warped; waiting on the network is
/// not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Preparing may wait for video processing.
    pub prepare: Duration,
    pub ready: Duration,
    pub commit: Duration,
    pub follow_up: Duration,
    pub lookup: Duration,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            prepare: Duration::from_secs(45 * 60),
            ready: Duration::from_secs(120),
            commit: Duration::from_secs(120),
            follow_up: Duration::from_secs(45 * 60),
            lookup: Duration::from_secs(120),
        }
    }
}

/// Everything the state machine needs besides the slot. Cheap to clone: one per slot in flight.
#[derive(Clone)]
pub struct Machine {
    pub store: SharedStore,
    pub publisher: Arc<dyn Publisher>,
    pub clock: SharedClock,
    pub backoff: Backoff,
    pub jitter: Arc<Mutex<Jitter>>,
    pub shutdown: watch::Receiver<bool>,
    /// A prepared slot is not committed later than this after its time.
    pub max_lateness: chrono::Duration,
    pub limits: CallLimits,
}

/// A bounded call's result: `None` when shutdown interrupted it.
type Bounded<T> = Option<Outcome<T>>;

impl Machine {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Writes and flushes `r` off the async threads (a flush is a blocking fsync).
    async fn persist(&self, r: &mut Record) -> Result<(), StoreError> {
        r.updated_at = self.now();
        let store = self.store.clone();
        let record = r.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
            store.persist(&record)
        })
        .await
        .map_err(|e| StoreError::Write(format!("the store writer stopped: {e}")))?
    }

    /// When to act again after attempt `attempts`: the one place retry times are computed.
    fn retry_at(&self, attempts: u32, after_secs: Option<u64>) -> DateTime<Utc> {
        let unit = self.jitter.lock().unwrap_or_else(|e| e.into_inner()).unit();
        self.now() + self.backoff.delay(attempts.max(1), unit, after_secs)
    }

    /// When to look at an accepted commit again: often at first, then less (TikTok allows 30
    /// status reads a minute per token; moderation can take hours).
    fn poll_at(&self, r: &Record) -> DateTime<Utc> {
        let since = r.armed_at.unwrap_or(r.updated_at);
        let age = (self.now() - since).max(chrono::Duration::zero());
        let wait = (age / 4).clamp(chrono::Duration::seconds(5), chrono::Duration::minutes(5));
        self.now() + wait
    }

    /// Runs one publisher call within `limit` of real time; with `interruptible`, shutdown
    /// abandons it (only for harmless calls).
    async fn bounded<T>(
        &self,
        limit: Duration,
        interruptible: bool,
        what: &str,
        call: impl Future<Output = Outcome<T>>,
    ) -> Bounded<T> {
        let mut shutdown = self.shutdown.clone();
        let stop = async move {
            if interruptible {
                let _ = shutdown.wait_for(|s| *s).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            r = tokio::time::timeout(limit, call) => Some(r.unwrap_or_else(|_| {
                Err(Failure::ambiguous(format!(
                    "no answer to {what} within {} s",
                    limit.as_secs()
                )))
            })),
            () = stop => None,
        }
    }

    /// Records a failed attempt: permanent, retryable with a backoff (permanent after too many
    /// attempts), or a wait that is no failure at all.
    async fn fail(&self, r: &mut Record, f: &Failure) -> Result<(), StoreError> {
        if let FailureClass::Wait { until } = f.class {
            return self.wait(r, until, &f.message).await;
        }
        let (permanent, after) = match f.class {
            FailureClass::Permanent => (true, None),
            FailureClass::Retryable { after_secs } => (false, after_secs),
            // Only reached for harmless steps, where it means "try again".
            FailureClass::Ambiguous | FailureClass::Wait { .. } => (false, None),
        };
        // Attempts count failures: a crash or a shutdown in the middle of a step is not one.
        r.attempts += 1;
        let gave_up = !permanent && r.attempts >= self.backoff.max_attempts;
        r.last_error = Some(f.message.clone());
        r.waiting = None;
        r.state = SlotState::Failed {
            reason: if gave_up {
                format!("gave up after {} attempts: {}", r.attempts, f.message)
            } else {
                f.message.clone()
            },
            permanent: permanent || gave_up,
        };
        r.next_action = (!permanent && !gave_up).then(|| self.retry_at(r.attempts, after));
        tracing::warn!(slot = %r.key, attempts = r.attempts, permanent = permanent || gave_up, error = %f.message, "publish attempt failed");
        self.persist(r).await
    }

    /// Nothing was done and nothing is wrong: act again at `until`. A slot that was about to
    /// be prepared goes back to planned (the attempt is not counted).
    async fn wait(
        &self,
        r: &mut Record,
        until: DateTime<Utc>,
        why: &str,
    ) -> Result<(), StoreError> {
        if r.state == SlotState::Preparing {
            r.state = SlotState::Planned;
        }
        if r.waiting.as_deref() != Some(why) {
            tracing::warn!(slot = %r.key, until = %until, why, "waiting");
        }
        r.waiting = Some(why.to_owned());
        r.next_action = Some(until.max(self.now()));
        self.persist(r).await
    }

    /// Drives `r` towards `goal` until it rests (published, failed, needs review, waiting for a
    /// retry, a look-up or its time) or shutdown is asked. `wanted`: the slot is still in the
    /// calendar, scheduled, valid, and `job` is its content.
    pub async fn drive(
        &self,
        mut r: Record,
        job: &SlotJob,
        wanted: bool,
        goal: Goal,
    ) -> Result<Record, StoreError> {
        // One re-commit per drive after a look-up says "not published": a platform that keeps
        // answering ambiguously is left armed, to be looked up again later.
        let mut recommits = 0;
        loop {
            if self.stopping() {
                return Ok(r);
            }
            match r.state.clone() {
                SlotState::Planned | SlotState::Failed { .. } | SlotState::Preparing => {
                    if !wanted {
                        return Ok(r);
                    }
                    if r.attempts >= self.backoff.max_attempts {
                        let f = Failure::permanent(format!(
                            "gave up after {} attempts{}",
                            r.attempts,
                            r.last_error
                                .as_ref()
                                .map(|e| format!(": {e}"))
                                .unwrap_or_default()
                        ));
                        self.fail(&mut r, &f).await?;
                        return Ok(r);
                    }
                    r.state = SlotState::Preparing;
                    r.next_action = None;
                    r.waiting = None;
                    r.armed_at = None;
                    self.persist(&mut r).await?;
                    let call = self.publisher.prepare(job);
                    match self
                        .bounded(self.limits.prepare, true, "prepare", call)
                        .await
                    {
                        None => return Ok(r),
                        Some(Ok(p)) => {
                            r.state = SlotState::Prepared {
                                remote_ids: p.remote_ids,
                            };
                            self.persist(&mut r).await?;
                        }
                        Some(Err(f)) => {
                            self.fail(&mut r, &f.harmless()).await?;
                            return Ok(r);
                        }
                    }
                }
                SlotState::Prepared { remote_ids } => {
                    if !wanted {
                        return self.cancel(r).await;
                    }
                    let now = self.now();
                    if goal == Goal::Prepare || now < r.key.at {
                        // Prepared ahead: rest until the slot's time.
                        if r.next_action != Some(r.key.at) || r.waiting.is_some() {
                            r.next_action = Some(r.key.at);
                            r.waiting = None;
                            self.persist(&mut r).await?;
                        }
                        return Ok(r);
                    }
                    if now - r.key.at > self.max_lateness {
                        tracing::warn!(slot = %r.key, "missed: prepared, but past max_lateness before it could be published; not published");
                        r.state = SlotState::Missed;
                        r.next_action = None;
                        r.waiting = None;
                        self.persist(&mut r).await?;
                        return Ok(r);
                    }
                    let prepared = Prepared {
                        remote_ids: remote_ids.clone(),
                    };
                    let call = self.publisher.ready(job, &prepared);
                    match self.bounded(self.limits.ready, true, "check", call).await {
                        None => return Ok(r),
                        Some(Ok(())) => {}
                        Some(Err(f)) => {
                            self.fail(&mut r, &f.harmless()).await?;
                            return Ok(r);
                        }
                    }
                    r.state = SlotState::Armed { remote_ids };
                    r.armed_at = Some(self.now());
                    r.waiting = None;
                    self.persist(&mut r).await?;
                    if self.commit(&mut r, job, prepared).await? {
                        return Ok(r);
                    }
                }
                SlotState::Armed { remote_ids } => {
                    let prepared = Prepared { remote_ids };
                    match self.lookup(&r, job, &prepared).await {
                        None => return Ok(r),
                        Some(Ok(LookupResult::NotPublished { can_commit })) => {
                            if !wanted {
                                return self.cancel(r).await;
                            }
                            if !can_commit {
                                // Expired before it was published: nothing is public, start over.
                                r.state = SlotState::Failed {
                                    reason: "the prepared media expired before publishing".into(),
                                    permanent: false,
                                };
                                continue;
                            }
                            if recommits >= 1 {
                                r.next_action = Some(self.retry_at(r.attempts, None));
                                self.persist(&mut r).await?;
                                return Ok(r);
                            }
                            recommits += 1;
                            // Still armed and durable: the look-up proved the commit safe.
                            if self.commit(&mut r, job, prepared).await? {
                                return Ok(r);
                            }
                        }
                        Some(found) => return self.resolved(r, found, "commit").await,
                    }
                }
                SlotState::Committed { remote_ids } => {
                    let prepared = Prepared { remote_ids };
                    match self.lookup(&r, job, &prepared).await {
                        None => return Ok(r),
                        Some(found) => return self.resolved(r, found, "accepted commit").await,
                    }
                }
                SlotState::Published { .. } | SlotState::NeedsReview { .. } | SlotState::Missed => {
                    return Ok(r);
                }
            }
        }
    }

    async fn lookup(
        &self,
        r: &Record,
        job: &SlotJob,
        prepared: &Prepared,
    ) -> Bounded<LookupResult> {
        let since = r.armed_at.unwrap_or(r.updated_at);
        let call = self.publisher.lookup(job, prepared, since);
        self.bounded(self.limits.lookup, true, "look-up", call)
            .await
            .map(|o| o.map_err(Failure::harmless))
    }

    /// Records what a look-up of an armed or committed slot found, other than "not published".
    async fn resolved(
        &self,
        mut r: Record,
        found: Outcome<LookupResult>,
        after: &str,
    ) -> Result<Record, StoreError> {
        match found {
            Ok(LookupResult::Published(p)) => self.published(&mut r, p).await?,
            Ok(LookupResult::Pending { why }) => {
                r.next_action = Some(self.poll_at(&r));
                r.last_error = None;
                if r.waiting.as_deref() != Some(why.as_str()) {
                    tracing::info!(slot = %r.key, why = %why, "the platform is still publishing");
                }
                r.waiting = Some(why);
                self.persist(&mut r).await?;
            }
            Ok(LookupResult::Failed(f)) => self.fail(&mut r, &f).await?,
            Ok(LookupResult::Unknown { why }) => return self.needs_review(r, why).await,
            Ok(LookupResult::NotPublished { .. }) => {
                // Only reached for an accepted commit (an armed slot's "not published" leads to
                // a commit): accepted, then dropped by the platform. Nothing is public.
                let f =
                    Failure::retryable("the platform accepted the post, then did not publish it");
                self.fail(&mut r, &f).await?;
            }
            Err(f) => match f.class {
                FailureClass::Retryable { after_secs } => {
                    r.last_error = Some(f.message);
                    r.next_action = Some(self.retry_at(r.attempts, after_secs));
                    self.persist(&mut r).await?;
                }
                FailureClass::Wait { until } => self.wait(&mut r, until, &f.message).await?,
                _ => {
                    return self
                        .needs_review(
                            r,
                            format!("the look-up after a {after} failed: {}", f.message),
                        )
                        .await;
                }
            },
        }
        Ok(r)
    }

    /// Calls commit on an armed (durable) slot. `Ok(true)` when the slot rests afterwards,
    /// `Ok(false)` when it must be resolved by look-up (ambiguous answer, or accepted).
    async fn commit(
        &self,
        r: &mut Record,
        job: &SlotJob,
        prepared: Prepared,
    ) -> Result<bool, StoreError> {
        let call = self.publisher.commit(job, &prepared);
        // Never abandoned: an irreversible call in flight is finished and recorded.
        let answer = self
            .bounded(self.limits.commit, false, "commit", call)
            .await;
        match answer {
            None => Ok(false),
            Some(Ok(Commit::Published(p))) => {
                self.published(r, p).await?;
                Ok(true)
            }
            Some(Ok(Commit::Accepted { remote_ids, then })) => {
                r.state = SlotState::Committed {
                    remote_ids: remote_ids.clone(),
                };
                r.last_error = None;
                self.persist(r).await?;
                tracing::info!(slot = %r.key, "accepted by the platform; publishing");
                if let Some(then) = then {
                    let call = self.publisher.follow_up(job, &remote_ids, then);
                    let done = self
                        .bounded(self.limits.follow_up, false, "follow-up", call)
                        .await;
                    if let Some(Err(f)) = done {
                        tracing::warn!(slot = %r.key, error = %f.message, "finishing the accepted post failed; resolving by look-up");
                        r.last_error = Some(f.message);
                        self.persist(r).await?;
                    }
                }
                Ok(false)
            }
            Some(Err(f)) if f.class == FailureClass::Ambiguous => {
                tracing::warn!(slot = %r.key, error = %f.message, "commit answer ambiguous; resolving by look-up");
                r.last_error = Some(f.message);
                self.persist(r).await?;
                Ok(false)
            }
            Some(Err(f)) => {
                if let FailureClass::Wait { until } = f.class {
                    // Refused before anything was applied (a quota): still prepared.
                    r.state = SlotState::Prepared {
                        remote_ids: prepared.remote_ids,
                    };
                    r.armed_at = None;
                    self.wait(r, until, &f.message).await?;
                } else {
                    self.fail(r, &f).await?;
                }
                Ok(true)
            }
        }
    }

    async fn published(&self, r: &mut Record, p: Published) -> Result<(), StoreError> {
        r.state = SlotState::Published {
            remote_id: p.remote_id,
            permalink: p.permalink,
            at: self.now(),
        };
        r.next_action = None;
        r.last_error = None;
        r.waiting = None;
        tracing::info!(slot = %r.key, "published");
        self.persist(r).await
    }

    async fn needs_review(&self, mut r: Record, why: String) -> Result<Record, StoreError> {
        tracing::error!(slot = %r.key, why = %why, "slot needs review: it may or may not be published");
        r.state = SlotState::NeedsReview { why };
        r.next_action = None;
        r.waiting = None;
        self.persist(&mut r).await?;
        Ok(r)
    }

    /// A prepared or armed-but-unpublished slot that is no longer wanted: nothing is public;
    /// record it as a permanent failure (a manifest change makes it publishable again).
    async fn cancel(&self, mut r: Record) -> Result<Record, StoreError> {
        r.state = SlotState::Failed {
            reason: "not published: the post changed or was removed before publishing".into(),
            permanent: true,
        };
        r.next_action = None;
        r.waiting = None;
        self.persist(&mut r).await?;
        Ok(r)
    }
}
