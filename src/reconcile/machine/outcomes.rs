//! What each outcome of a step writes on the slot's record, always persisted (written and
//! flushed) before the machine goes on: a failure and when to try again, a wait, a
//! publication, a slot that needs review, a slot cancelled because it is no longer wanted.

use chrono::{DateTime, Utc};

use super::Machine;
use crate::reconcile::publisher::{Failure, FailureClass, Published};
use crate::state::{Record, SlotState, StoreError};

impl Machine {
    /// Writes and flushes `r` off the async threads (a flush is a blocking fsync).
    pub(super) async fn persist(&self, r: &mut Record) -> Result<(), StoreError> {
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
    pub(super) fn retry_at(&self, attempts: u32, after_secs: Option<u64>) -> DateTime<Utc> {
        let unit = self.jitter.lock().unwrap_or_else(|e| e.into_inner()).unit();
        self.now() + self.backoff.delay(attempts.max(1), unit, after_secs)
    }

    /// When to look at an accepted commit again: often at first, then less (TikTok allows 30
    /// status reads a minute per token; moderation can take hours).
    pub(super) fn poll_at(&self, r: &Record) -> DateTime<Utc> {
        let since = r.armed_at.unwrap_or(r.updated_at);
        let age = (self.now() - since).max(chrono::Duration::zero());
        let wait = (age / 4).clamp(chrono::Duration::seconds(5), chrono::Duration::minutes(5));
        self.now() + wait
    }

    /// Records a failed attempt: permanent, retryable with a backoff (permanent after too many
    /// attempts), or a wait that is no failure at all.
    pub(super) async fn fail(&self, r: &mut Record, f: &Failure) -> Result<(), StoreError> {
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
        tracing::warn!(slot = %r.key.show(self.tz), attempts = r.attempts, permanent = permanent || gave_up, error = %f.message, "publish attempt failed");
        self.persist(r).await
    }

    /// Nothing was done and nothing is wrong: act again at `until`. A slot that was about to
    /// be prepared goes back to planned (the attempt is not counted).
    pub(super) async fn wait(
        &self,
        r: &mut Record,
        until: DateTime<Utc>,
        why: &str,
    ) -> Result<(), StoreError> {
        if r.state == SlotState::Preparing {
            r.state = SlotState::Planned;
        }
        if r.waiting.as_deref() != Some(why) {
            tracing::warn!(slot = %r.key.show(self.tz), until = %crate::human::datetime(until, self.tz), why, "waiting");
        }
        r.waiting = Some(why.to_owned());
        r.next_action = Some(until.max(self.now()));
        self.persist(r).await
    }

    pub(super) async fn published(&self, r: &mut Record, p: Published) -> Result<(), StoreError> {
        r.state = SlotState::Published {
            remote_id: p.remote_id,
            permalink: p.permalink,
            at: self.now(),
        };
        r.next_action = None;
        r.last_error = None;
        r.waiting = None;
        if self.publisher.dry_run() {
            tracing::info!(slot = %r.key.show(self.tz), "would publish (dry run: nothing was published)");
        } else {
            tracing::info!(slot = %r.key.show(self.tz), "published");
        }
        self.persist(r).await
    }

    pub(super) async fn needs_review(
        &self,
        mut r: Record,
        why: String,
    ) -> Result<Record, StoreError> {
        tracing::error!(slot = %r.key.show(self.tz), why = %why, "slot needs review: it may or may not be published");
        r.state = SlotState::NeedsReview { why };
        r.next_action = None;
        r.waiting = None;
        self.persist(&mut r).await?;
        Ok(r)
    }

    /// A prepared or armed-but-unpublished slot that is no longer wanted: nothing is public;
    /// record it as a permanent failure (a manifest change makes it publishable again).
    pub(super) async fn cancel(&self, mut r: Record) -> Result<Record, StoreError> {
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
