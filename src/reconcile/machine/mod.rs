//! The publishing state machine of one slot (docs/design.md §5), driven to a resting state.
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
//!   published, can commit": never blindly after a crash or an ambiguous answer, and at most
//!   once per drive after a look-up (a platform that keeps answering ambiguously is left armed
//!   and looked up again later).
//! - Nothing is committed before the slot's time, nor later than `max_lateness` after it (a
//!   prepared slot that waited too long is recorded missed: nothing of it is public).
//! - A slot that is no longer wanted (post deleted, paused, blocked or edited since it was
//!   prepared) is resolved by look-up but never committed.
//! - Shutdown is honoured between transitions: the machine looks at it before each one and
//!   returns the record as last persisted. The harmless calls (prepare, the ready check,
//!   look-ups) are abandoned at once when it comes, leaving the record at `preparing`,
//!   `prepared`, `armed` or `committed`, each of which a restart resumes; the irreversible
//!   ones (commit, and the follow-up of an accepted commit) are finished and their answers
//!   recorded first.
//! - Every publisher call is bounded ([`CallLimits`], real time): a commit without an answer
//!   within its limit is ambiguous (resolved by look-up), a prepare, check or look-up without
//!   one is retryable.
//! - A shutdown or a crash in the middle of a step is not a failed attempt: attempts count
//!   failures the platform (or its silence) reported.
//!
//! # Assumptions
//! What "never twice, never lost" relies on, beyond this module:
//! - **One writer per state directory.** Only one process drives the slots of a store (the
//!   state-directory lock, [`crate::state::StateLock`]), and within it one task per slot (the
//!   daemon's in-flight set). Two writers could both read `prepared` and both commit.
//! - **A persisted record survives.** [`Store::persist`] returns once the record is written
//!   and flushed to disk (sled's log, fsync'ed), so a record read after a crash is the last
//!   one written before any remote call that followed it.
//! - **Look-ups are truthful.** A platform's look-up that answers "not published" means the
//!   commit did not take effect and will not later; "published" means it did. postcal cannot
//!   check this: if a platform applied a commit after denying it, a re-commit would duplicate.
//! - **Preparing is harmless.** A prepare repeated after a crash creates at most an unused
//!   object on the platform (a container that expires in 24 hours, an unattached photo),
//!   never anything public.
//!
//! # Caveats
//! - **What cannot be looked up needs a person.** When a look-up cannot tell (TikTok: an init
//!   whose answer was lost has no `publish_id`, and TikTok offers no list of a creator's posts;
//!   a Facebook Page whose feed cannot be read), the slot becomes `needs_review` and stays
//!   there: postcal never guesses. `postcal resolve POST TARGET --published URL |
//!   --not-published` records what a person saw on the platform.
//! - **A stop may wait for an irreversible call.** A shutdown during a commit waits for its
//!   answer (at most [`CallLimits::commit`]), and during the follow-up of an accepted commit
//!   (a TikTok upload) for the upload to end (at most [`CallLimits::follow_up`]). A second
//!   signal exits at once; the slot is then where a crash would leave it, `armed` or
//!   `committed`, and a restart resolves it by look-up.
//! - **A bounded call may still land.** A prepare abandoned at its limit or at shutdown may
//!   complete on the platform later: harmless by the assumption above. A commit abandoned at
//!   its limit is ambiguous and looked up, never re-sent blindly.
//! - **Time is the injected clock's.** A slot's time and `max_lateness` are judged on
//!   [`crate::clock::Clock`] (warped in demos); the call limits are real time, since the
//!   network does not speed up with a demo clock.
//!
//! # Errors
//! Only store errors are returned ([`StoreError`], fatal for the process); every publisher
//! failure is recorded on the slot.

mod calls;
mod outcomes;

use calls::Bounded;
pub use calls::CallLimits;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::backoff::{Backoff, Jitter};
use super::publisher::{
    Commit, Failure, FailureClass, LookupResult, Outcome, Prepared, Publisher, SlotJob,
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
    /// The calendar's timezone: the log shows slot times in it.
    pub tz: chrono_tz::Tz,
}

impl Machine {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
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
                        tracing::warn!(slot = %r.key.show(self.tz), "missed: prepared, but past max_lateness before it could be published; not published");
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
                    tracing::info!(slot = %r.key.show(self.tz), why = %why, "the platform is still publishing");
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
                tracing::info!(slot = %r.key.show(self.tz), "accepted by the platform; publishing");
                if let Some(then) = then {
                    let call = self.publisher.follow_up(job, &remote_ids, then);
                    let done = self
                        .bounded(self.limits.follow_up, false, "follow-up", call)
                        .await;
                    if let Some(Err(f)) = done {
                        tracing::warn!(slot = %r.key.show(self.tz), error = %f.message, "finishing the accepted post failed; resolving by look-up");
                        r.last_error = Some(f.message);
                        self.persist(r).await?;
                    }
                }
                Ok(false)
            }
            Some(Err(f)) if f.class == FailureClass::Ambiguous => {
                tracing::warn!(slot = %r.key.show(self.tz), error = %f.message, "commit answer ambiguous; resolving by look-up");
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
}
