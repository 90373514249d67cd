//! The [`Publisher`] trait: the interface every platform adapter implements.
//!
//! Publishing is three steps (design.md §5): a harmless **prepare** whose result can be looked
//! up (an Instagram/Threads container, a TikTok upload, an unpublished Facebook photo), one
//! irreversible **commit**, and a read-only **lookup** that says whether a prepared object was
//! published. Every step's failure is classified once, by the adapter, into a [`FailureClass`].
//!
//! # Guarantees (what the reconcile loop does with the answers)
//! - `Retryable`: the platform says nothing was applied; the step is tried again after a
//!   backoff.
//! - `Permanent`: retrying cannot help (bad media, policy); the slot waits for its manifest to
//!   change.
//! - `Ambiguous`: the request may have been applied (timeout, 5xx, a success-looking error). A
//!   commit is never re-sent after it: the slot is resolved by `lookup` only.
//!
//! # Assumptions
//! - `prepare` never makes anything public, so repeating it is safe (at worst an unused
//!   container expires on the platform).
//! - `lookup` never changes anything remotely.
//! - Error messages carry no secrets (tokens, signed URLs): they are stored and logged.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::plan::Content;
use crate::platform::Platform;
use crate::state::SlotKey;

/// A boxed, sendable future: publishers are used as `dyn Publisher`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What to publish for one slot.
#[derive(Debug, Clone)]
pub struct SlotJob {
    pub key: SlotKey,
    pub platform: Platform,
    pub account: String,
    pub content: Arc<Content>,
    pub content_hash: String,
}

/// The remote objects a prepare step created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub remote_ids: Vec<String>,
}

/// A publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub remote_id: String,
    pub permalink: Option<String>,
}

/// What a look-up found out about a prepared object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupResult {
    Published(Published),
    /// Not published. `can_commit`: the prepared object can still be committed (false when it
    /// expired or errored; then a new prepare is needed).
    NotPublished {
        can_commit: bool,
    },
    /// The platform cannot tell: a person has to check.
    Unknown {
        why: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// Nothing was applied; try again, no sooner than `after_secs` when the platform said so.
    Retryable { after_secs: Option<u64> },
    /// Retrying cannot help.
    Permanent,
    /// It may have been applied.
    Ambiguous,
}

/// A classified failure of one step.
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
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            class: FailureClass::Permanent,
            message: message.into(),
        }
    }

    pub fn ambiguous(message: impl Into<String>) -> Self {
        Self {
            class: FailureClass::Ambiguous,
            message: message.into(),
        }
    }
}

pub type Outcome<T> = Result<T, Failure>;

/// A platform adapter.
pub trait Publisher: Send + Sync {
    /// Creates the remote objects to publish (harmless; may be repeated).
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>>;

    /// The irreversible step: makes the prepared objects public.
    fn commit<'a>(
        &'a self,
        job: &'a SlotJob,
        prepared: &'a Prepared,
    ) -> BoxFuture<'a, Outcome<Published>>;

    /// Read-only: was this prepared object published?
    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        prepared: &'a Prepared,
    ) -> BoxFuture<'a, Outcome<LookupResult>>;
}
