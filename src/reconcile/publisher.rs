//! The [`Publisher`] trait: the interface every platform adapter implements.
//!
//! Publishing is three steps (docs/design.md §5): a harmless **prepare** whose result can be looked
//! up (an Instagram/Threads container, an unpublished Facebook photo, a TikTok creator check),
//! one irreversible **commit**, and a read-only **lookup** that says whether a prepared or
//! committed object was published. Every step's failure is classified once, by the adapter,
//! into a [`FailureClass`].
//!
//! Some platforms take the commit and publish asynchronously (TikTok answers a `publish_id`,
//! then processes the video): their commit answers [`Commit::Accepted`] with the ids to look up,
//! the machine makes them durable, lets the adapter finish what must follow on the same
//! connection ([`Publisher::follow_up`], e.g. uploading the video's chunks), and resolves the
//! slot by look-up.
//!
//! # Guarantees (what the reconcile loop does with the answers)
//! - `Retryable`: the platform says nothing was applied; the step is tried again after a
//!   backoff.
//! - `Wait`: nothing was applied and nothing is wrong: a quota or rate window is full, or the
//!   account needs a login. The step is tried again at `until`; it does not count as a failed
//!   attempt.
//! - `Permanent`: retrying cannot help (bad media, policy); the slot waits for its manifest to
//!   change.
//! - `Ambiguous`: the request may have been applied (timeout, 5xx, a success-looking error). A
//!   commit is never re-sent after it: the slot is resolved by `lookup` only.
//!
//! # Assumptions
//! - `prepare` and `ready` never make anything public, so repeating them is safe (at worst an
//!   unused container expires on the platform).
//! - `lookup` never changes anything remotely.
//! - Error messages carry no secrets (tokens, signed URLs): they are stored and logged.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::plan::Content;
use crate::state::SlotKey;

/// A boxed, sendable future: publishers are used as `dyn Publisher`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What to publish for one slot.
#[derive(Debug, Clone)]
pub struct SlotJob {
    pub key: SlotKey,
    pub content: Arc<Content>,
    pub content_hash: String,
}

/// The remote objects a prepare step created (none for platforms whose prepare only checks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prepared {
    pub remote_ids: Vec<String>,
}

/// A publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub remote_id: String,
    pub permalink: Option<String>,
}

/// Work that must follow an accepted commit at once, in the same process (e.g. the upload URL
/// of a TikTok post, which is a credential and never stored). Opaque to the machine.
pub struct FollowUp(pub Box<dyn Any + Send + Sync>);

impl std::fmt::Debug for FollowUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FollowUp(..)")
    }
}

/// What a commit did.
#[derive(Debug)]
pub enum Commit {
    /// Public now.
    Published(Published),
    /// The platform took the commit and publishes asynchronously: `remote_ids` are what to look
    /// up; `then` is handed to [`Publisher::follow_up`] once they are durable.
    Accepted {
        remote_ids: Vec<String>,
        then: Option<FollowUp>,
    },
}

/// What a look-up found out about a prepared or committed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupResult {
    Published(Published),
    /// Not published. `can_commit`: the prepared object can still be committed (false when it
    /// expired or errored; then a new prepare is needed).
    NotPublished {
        can_commit: bool,
    },
    /// The platform is still working on an accepted commit (processing, moderation): look again
    /// later. Nothing to do until then.
    Pending {
        why: String,
    },
    /// The platform gave up on an accepted commit for good: nothing is public. A new attempt
    /// is allowed unless the failure is permanent.
    Failed(Failure),
    /// The platform cannot tell: a person has to check.
    Unknown {
        why: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// Nothing was applied; try again, no sooner than `after_secs` when the platform said so.
    Retryable { after_secs: Option<u64> },
    /// Nothing was applied and nothing is wrong with the post: wait until `until` (a quota or
    /// rate window frees up, or a login is needed; the message says which).
    Wait { until: DateTime<Utc> },
    /// Retrying cannot help.
    Permanent,
    /// It may have been applied.
    Ambiguous,
}

use crate::secret::scrub_known;

/// A classified failure of one step (its message scrubbed of every secret the process holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub class: FailureClass,
    /// For people and logs; never contains secrets.
    pub message: String,
}

impl Failure {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            class: FailureClass::Retryable { after_secs: None },
            message: scrub_known(&message.into()),
        }
    }

    /// Retryable, no sooner than `secs` from now.
    pub fn retry_after(secs: u64, message: impl Into<String>) -> Self {
        Self {
            class: FailureClass::Retryable {
                after_secs: Some(secs),
            },
            message: scrub_known(&message.into()),
        }
    }

    pub fn wait(until: DateTime<Utc>, message: impl Into<String>) -> Self {
        Self {
            class: FailureClass::Wait { until },
            message: scrub_known(&message.into()),
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            class: FailureClass::Permanent,
            message: scrub_known(&message.into()),
        }
    }

    pub fn ambiguous(message: impl Into<String>) -> Self {
        Self {
            class: FailureClass::Ambiguous,
            message: scrub_known(&message.into()),
        }
    }

    /// The same failure, as the answer to a step that is harmless to repeat (prepare, lookup,
    /// a check): "maybe applied" means nothing there, so it is retryable.
    pub fn harmless(self) -> Self {
        match self.class {
            FailureClass::Ambiguous => Self::retryable(self.message),
            _ => self,
        }
    }
}

pub type Outcome<T> = Result<T, Failure>;

/// A platform adapter.
pub trait Publisher: Send + Sync {
    /// Whether this publisher only says what it would do (`--dry-run`): the daemon's log then
    /// says "would publish", never "published".
    fn dry_run(&self) -> bool {
        false
    }

    /// Creates the remote objects to publish (harmless; may be repeated). May take minutes
    /// (video processing): it returns once the objects can be committed.
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>>;

    /// How long before its due time a slot may be prepared: `Some` only where preparing is
    /// harmless and its result lasts (containers live 24 h). `None`: prepare when due.
    fn prepare_ahead(&self, _job: &SlotJob) -> Option<chrono::Duration> {
        None
    }

    /// Read-only checks right before a commit: the live quota, the creator's settings. A
    /// full quota answers `Wait`.
    fn ready<'a>(
        &'a self,
        _job: &'a SlotJob,
        _prepared: &'a Prepared,
    ) -> BoxFuture<'a, Outcome<()>> {
        Box::pin(async { Ok(()) })
    }

    /// The irreversible step: makes the prepared objects public (or has the platform start
    /// publishing them).
    fn commit<'a>(
        &'a self,
        job: &'a SlotJob,
        prepared: &'a Prepared,
    ) -> BoxFuture<'a, Outcome<Commit>>;

    /// Finishes an accepted commit (see [`Commit::Accepted`]). Its failures are resolved by
    /// look-up, like an ambiguous commit.
    fn follow_up<'a>(
        &'a self,
        _job: &'a SlotJob,
        _remote_ids: &'a [String],
        _then: FollowUp,
    ) -> BoxFuture<'a, Outcome<()>> {
        Box::pin(async { Ok(()) })
    }

    /// Read-only: was this prepared (or committed) object published? `since`: when the slot was
    /// armed, so a look-up through recent posts only considers what came after it.
    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        prepared: &'a Prepared,
        since: DateTime<Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>>;

    /// Publications postcal recorded lately (the last 24 h), so quotas that the platform does
    /// not report live can be kept across restarts. Called once at start.
    fn seed_history(&self, _published: &[(SlotKey, DateTime<Utc>)]) {}
}
