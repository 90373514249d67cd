//! Starting and ending work on slots: each slot is driven by its own task, at most one at a
//! time per slot, one publication at a time per account (its lane), at most `concurrency`
//! publications and `concurrency` preparations at once (the permits, bound apart so a video's
//! processing never holds up a slot that is due).

use tokio::sync::watch;

use super::{Daemon, Fatal};
use crate::human;
use crate::plan::{self, Change, ChangeKind};
use crate::reconcile::machine::{Goal, Machine};
use crate::state::{Record, SlotKey, SlotState, StoreError};

/// The end of one slot's task.
pub(super) struct Done {
    key: SlotKey,
    goal: Goal,
    label: String,
    result: Result<Record, StoreError>,
}

impl Daemon {
    /// Starts work on one slot (or records it missed).
    pub(super) async fn act(
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
                tracing::warn!(
                    slot = %slot.show(self.tz()),
                    "missed: its time passed more than max_lateness ({}) ago; not posted late \
                     (move `at` later, or raise defaults.max_lateness)",
                    human::duration(self.policy().max_lateness)
                );
                self.lock_store().persist(&r)?;
                if let Some(observer) = &self.options.observer {
                    (observer.0)(&r, "");
                }
                self.records.insert(r.key.clone(), r);
                self.snapshot_soon();
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
                    tracing::info!(slot = %slot.show(self.tz()), "the manifest or its media changed since the last scan; rescanning before publishing");
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
                tracing::debug!(slot = %slot.show(self.tz()), state = record.state.name(), wanted, ?goal, "working on slot");
                let machine = Machine {
                    store: self.store.clone(),
                    publisher: self.publisher.clone(),
                    clock: self.clock.clone(),
                    backoff: self.options.backoff,
                    jitter: self.jitter.clone(),
                    shutdown: shutdown.clone(),
                    max_lateness: self.policy().max_lateness,
                    limits: self.options.limits,
                    tz: self.tz(),
                };
                let permits = match goal {
                    Goal::Publish => self.publish_permits.clone(),
                    Goal::Prepare => self.prepare_permits.clone(),
                };
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
    pub(super) fn finished(
        &mut self,
        done: Result<Done, tokio::task::JoinError>,
    ) -> Result<(), Fatal> {
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
        self.snapshot_soon();
        Ok(())
    }

    /// Waits for every task to rest (they see shutdown between transitions).
    pub(super) async fn drain(&mut self) -> Result<(), Fatal> {
        while let Some(done) = self.tasks.join_next().await {
            self.finished(done)?;
        }
        Ok(())
    }
}
