//! The publishing state machine of one slot (design.md §5), driven to a resting state.
//!
//! ```text
//! (none) | failed(retryable) -> preparing -> prepared{ids} -> armed{ids} -> commit
//!     commit ok                    -> published
//!     commit retryable / permanent -> failed{permanent?}
//!     commit ambiguous             -> (armed) lookup
//! armed (after a crash or an ambiguous commit) -> lookup
//!     published               -> published
//!     not published, can commit -> commit again (only while the slot is still wanted)
//!     not published, expired  -> prepare again
//!     unknown / lookup fails   -> needs_review (a lookup that is merely retryable waits)
//! ```
//!
//! # Guarantees
//! - Every transition is [`Store::persist`]ed (written and flushed) before the next remote
//!   call; in particular `armed` is durable before `commit` is called.
//! - `commit` is only ever called from `prepared` (first time) or after a look-up said "not
//!   published, can commit": never blindly after a crash or an ambiguous answer.
//! - A slot that is no longer wanted (post deleted, paused, blocked or edited since it was
//!   prepared) is resolved by look-up but never committed.
//!
//! # Errors
//! Only store errors are returned ([`StoreError`], fatal for the process); every publisher
//! failure is recorded on the slot.

use chrono::{DateTime, Utc};

use super::backoff::{Backoff, Jitter};
use super::publisher::{
    Failure, FailureClass, LookupResult, Prepared, Published, Publisher, SlotJob,
};
use crate::clock::Clock;
use crate::state::{Record, SlotState, Store, StoreError};

/// What the state machine needs besides the slot.
pub struct Machine<'a> {
    pub store: &'a mut dyn Store,
    pub publisher: &'a dyn Publisher,
    pub clock: &'a dyn Clock,
    pub backoff: &'a Backoff,
    pub jitter: &'a mut Jitter,
}

impl Machine<'_> {
    fn persist(&mut self, r: &mut Record) -> Result<(), StoreError> {
        r.updated_at = self.clock.now();
        self.store.persist(r)
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Records a failed attempt: permanent, or retryable with a backoff (permanent after too
    /// many attempts).
    fn fail(&mut self, r: &mut Record, f: &Failure) -> Result<(), StoreError> {
        let (permanent, after) = match f.class {
            FailureClass::Permanent => (true, None),
            FailureClass::Retryable { after_secs } => (false, after_secs),
            // Only reached for prepare, which is harmless to repeat.
            FailureClass::Ambiguous => (false, None),
        };
        let gave_up = !permanent && r.attempts >= self.backoff.max_attempts;
        r.last_error = Some(f.message.clone());
        r.state = SlotState::Failed {
            reason: if gave_up {
                format!("gave up after {} attempts: {}", r.attempts, f.message)
            } else {
                f.message.clone()
            },
            permanent: permanent || gave_up,
        };
        r.next_action = (!permanent && !gave_up)
            .then(|| self.now() + self.backoff.delay(r.attempts, self.jitter.unit(), after));
        tracing::warn!(slot = %r.key, attempts = r.attempts, permanent = permanent || gave_up, error = %f.message, "publish attempt failed");
        self.persist(r)
    }

    /// Drives `r` until it rests (published, failed, needs review, or waiting for a retry).
    /// `wanted`: the slot is still in the calendar, scheduled, valid, and `job` is its content.
    pub async fn drive(
        &mut self,
        mut r: Record,
        job: &SlotJob,
        wanted: bool,
    ) -> Result<Record, StoreError> {
        // One re-commit per drive after a look-up says "not published": a platform that keeps
        // answering ambiguously is left armed, to be looked up again later.
        let mut recommits = 0;
        loop {
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
                        self.fail(&mut r, &f)?;
                        return Ok(r);
                    }
                    r.attempts += 1;
                    r.state = SlotState::Preparing;
                    r.next_action = None;
                    self.persist(&mut r)?;
                    match self.publisher.prepare(job).await {
                        Ok(p) => {
                            r.state = SlotState::Prepared {
                                remote_ids: p.remote_ids,
                            };
                            self.persist(&mut r)?;
                        }
                        Err(f) => {
                            self.fail(&mut r, &f)?;
                            return Ok(r);
                        }
                    }
                }
                SlotState::Prepared { remote_ids } => {
                    if !wanted {
                        return self.cancel(r).await;
                    }
                    r.state = SlotState::Armed {
                        remote_ids: remote_ids.clone(),
                    };
                    self.persist(&mut r)?;
                    if self.commit(&mut r, job, remote_ids).await? {
                        return Ok(r);
                    }
                }
                SlotState::Armed { remote_ids } => {
                    let prepared = Prepared {
                        remote_ids: remote_ids.clone(),
                    };
                    match self.publisher.lookup(job, &prepared).await {
                        Ok(LookupResult::Published(p)) => {
                            self.published(&mut r, p)?;
                            return Ok(r);
                        }
                        Ok(LookupResult::NotPublished { can_commit }) => {
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
                                r.next_action = Some(
                                    self.now()
                                        + self.backoff.delay(r.attempts, self.jitter.unit(), None),
                                );
                                self.persist(&mut r)?;
                                return Ok(r);
                            }
                            recommits += 1;
                            // Still armed and durable: the look-up proved the commit safe.
                            if self.commit(&mut r, job, remote_ids).await? {
                                return Ok(r);
                            }
                        }
                        Ok(LookupResult::Unknown { why }) => {
                            return self.needs_review(r, why);
                        }
                        Err(f) if matches!(f.class, FailureClass::Retryable { .. }) => {
                            let after = match f.class {
                                FailureClass::Retryable { after_secs } => after_secs,
                                _ => None,
                            };
                            r.last_error = Some(f.message);
                            r.next_action = Some(
                                self.now()
                                    + self.backoff.delay(r.attempts, self.jitter.unit(), after),
                            );
                            self.persist(&mut r)?;
                            return Ok(r);
                        }
                        Err(f) => {
                            return self.needs_review(
                                r,
                                format!("the look-up after a commit failed: {}", f.message),
                            );
                        }
                    }
                }
                SlotState::Published { .. } | SlotState::NeedsReview { .. } | SlotState::Missed => {
                    return Ok(r);
                }
            }
        }
    }

    /// Calls commit on an armed (durable) slot. `Ok(true)` when the slot rests afterwards,
    /// `Ok(false)` when it must be resolved by look-up (ambiguous answer).
    async fn commit(
        &mut self,
        r: &mut Record,
        job: &SlotJob,
        remote_ids: Vec<String>,
    ) -> Result<bool, StoreError> {
        let prepared = Prepared { remote_ids };
        match self.publisher.commit(job, &prepared).await {
            Ok(p) => {
                self.published(r, p)?;
                Ok(true)
            }
            Err(f) if f.class == FailureClass::Ambiguous => {
                tracing::warn!(slot = %r.key, error = %f.message, "commit answer ambiguous; resolving by look-up");
                r.last_error = Some(f.message);
                self.persist(r)?;
                Ok(false)
            }
            Err(f) => {
                self.fail(r, &f)?;
                Ok(true)
            }
        }
    }

    fn published(&mut self, r: &mut Record, p: Published) -> Result<(), StoreError> {
        r.state = SlotState::Published {
            remote_id: p.remote_id,
            permalink: p.permalink,
            at: self.now(),
        };
        r.next_action = None;
        r.last_error = None;
        tracing::info!(slot = %r.key, "published");
        self.persist(r)
    }

    fn needs_review(&mut self, mut r: Record, why: String) -> Result<Record, StoreError> {
        tracing::error!(slot = %r.key, why = %why, "slot needs review: it may or may not be published");
        r.state = SlotState::NeedsReview { why };
        r.next_action = None;
        self.persist(&mut r)?;
        Ok(r)
    }

    /// A prepared or armed-but-unpublished slot that is no longer wanted: nothing is public;
    /// record it as a permanent failure (a manifest change makes it publishable again).
    async fn cancel(&mut self, mut r: Record) -> Result<Record, StoreError> {
        r.state = SlotState::Failed {
            reason: "not published: the post changed or was removed before publishing".into(),
            permanent: true,
        };
        r.next_action = None;
        self.persist(&mut r)?;
        Ok(r)
    }
}
