//! The plan: what the daemon will do, as a pure function of the desired state (the manifests),
//! the observed state (the records), the time and a policy (docs/design.md §3).
//!
//! - [`desired`]: the calendar turned into posts, schedules and content hashes (reads media);
//! - [`compute`]: [`plan()`], pure;
//! - [`repeats`]: each repeating post's rule in words and its occurrences, for `postcal plan`;
//! - [`render`]: the human and JSON renderings of `postcal plan`.
//!
//! # Guarantees
//! - [`plan()`] is deterministic and does no IO: the same inputs give the same plan, so it is
//!   table-tested and the daemon and `postcal plan` always agree.
//! - Nothing published is ever planned again: a published slot is `nothing`, `drift` (the
//!   manifest changed since) or `orphan` (the manifest is gone), never `publish`.

pub mod compute;
pub mod desired;
pub mod diff;
pub mod kind;
pub mod render;
pub mod repeats;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use compute::plan;
pub use desired::{Blocked, Content, Desired, DesiredPost, DesiredTarget, Scanner};

use crate::state::SlotKey;

/// How the plan treats time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// A slot due at T still goes out while `now - T <= max_lateness`; later it is missed.
    pub max_lateness: chrono::Duration,
    /// How far back unrecorded occurrences are looked for (to report them missed). Every one
    /// in that window is listed: none is dropped to keep the plan short.
    pub lookback: chrono::Duration,
    /// How far ahead upcoming occurrences are listed (the next one is always listed).
    pub horizon: chrono::Duration,
    /// At most this many upcoming occurrences per post and target (the next one is always
    /// listed; the others come in later plans).
    pub upcoming_limit: usize,
}

impl Policy {
    pub fn new(max_lateness: chrono::Duration) -> Self {
        Self {
            max_lateness,
            lookback: chrono::Duration::days(7).max(max_lateness),
            horizon: chrono::Duration::days(7),
            upcoming_limit: 20,
        }
    }
}

/// What the plan says about one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ChangeKind {
    /// Due now (within `max_lateness`): publish.
    Publish,
    /// Upcoming: publish at the slot's time.
    Wait,
    /// A retryable failure: try again at `at`.
    Retry {
        at: DateTime<Utc>,
        attempts: u32,
        last_error: Option<String>,
    },
    /// Nothing failed, but the slot cannot go out yet: a quota or rate window is full, or
    /// the account needs a login (`why` says which). Acted on again at `until`.
    Waiting {
        until: DateTime<Utc>,
        why: String,
    },
    /// Work started and not finished (preparing, prepared, armed): resume it at `at` (a
    /// look-up after an ambiguous commit, never a blind re-commit).
    Resume {
        state: &'static str,
        at: DateTime<Utc>,
    },
    /// Published and unchanged.
    Nothing {
        remote_id: String,
        permalink: Option<String>,
    },
    /// Published, and the manifest changed since: reported, never re-posted.
    Drift {
        remote_id: String,
        permalink: Option<String>,
        why: String,
    },
    /// Published, and the manifest is gone: the publication is kept.
    Orphan {
        remote_id: String,
        permalink: Option<String>,
        path: String,
    },
    /// Due while postcal was down, past `max_lateness`: not published. `recorded` is false
    /// until the daemon has written it down.
    Missed {
        recorded: bool,
    },
    /// The manifest has errors: its last valid version is kept, nothing new is published.
    Blocked {
        errors: usize,
        first_error: String,
        /// The post's time cannot be read (an `at` in a DST gap, say) and no record has one:
        /// the slot's `at` is then the plan's `now`, which means nothing.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        time_unknown: bool,
    },
    Paused,
    Draft,
    /// A permanent failure: waits for the manifest to change.
    Failed {
        reason: String,
    },
    /// Maybe published, maybe not: a person must check. Never retried automatically.
    NeedsReview {
        why: String,
    },
}

impl ChangeKind {
    /// The kind's name in JSON and summaries.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::Wait => "wait",
            Self::Retry { .. } => "retry",
            Self::Resume { .. } => "resume",
            Self::Waiting { .. } => "waiting",
            Self::Nothing { .. } => "nothing",
            Self::Drift { .. } => "drift",
            Self::Orphan { .. } => "orphan",
            Self::Missed { .. } => "missed",
            Self::Blocked { .. } => "blocked",
            Self::Paused => "paused",
            Self::Draft => "draft",
            Self::Failed { .. } => "failed",
            Self::NeedsReview { .. } => "needs_review",
        }
    }
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    #[serde(flatten)]
    pub slot: SlotKey,
    #[serde(flatten)]
    pub kind: ChangeKind,
    /// The manifest the slot comes from, when it still exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Change {
    /// When the daemon has to act on this slot, if ever.
    pub fn action_at(&self) -> Option<DateTime<Utc>> {
        match &self.kind {
            ChangeKind::Publish | ChangeKind::Wait => Some(self.slot.at),
            ChangeKind::Retry { at, .. } | ChangeKind::Resume { at, .. } => Some(*at),
            ChangeKind::Waiting { until, .. } => Some(*until),
            ChangeKind::Missed { recorded: false } => Some(self.slot.at),
            _ => None,
        }
    }

    /// Whether the daemon acts on it at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.action_at().is_some_and(|t| t <= now)
    }
}

/// The counts of the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub publish: usize,
    pub wait: usize,
    pub retry: usize,
    pub resume: usize,
    pub waiting: usize,
    pub nothing: usize,
    pub drift: usize,
    pub orphan: usize,
    pub missed: usize,
    pub blocked: usize,
    pub paused: usize,
    pub draft: usize,
    pub failed: usize,
    pub needs_review: usize,
}

impl Summary {
    fn count(&mut self, kind: &ChangeKind) {
        let n = match kind {
            ChangeKind::Publish => &mut self.publish,
            ChangeKind::Wait => &mut self.wait,
            ChangeKind::Retry { .. } => &mut self.retry,
            ChangeKind::Resume { .. } => &mut self.resume,
            ChangeKind::Waiting { .. } => &mut self.waiting,
            ChangeKind::Nothing { .. } => &mut self.nothing,
            ChangeKind::Drift { .. } => &mut self.drift,
            ChangeKind::Orphan { .. } => &mut self.orphan,
            ChangeKind::Missed { .. } => &mut self.missed,
            ChangeKind::Blocked { .. } => &mut self.blocked,
            ChangeKind::Paused => &mut self.paused,
            ChangeKind::Draft => &mut self.draft,
            ChangeKind::Failed { .. } => &mut self.failed,
            ChangeKind::NeedsReview { .. } => &mut self.needs_review,
        };
        *n += 1;
    }

    /// Whether anything is pending for `--detailed-exitcode`: something to publish now or
    /// later, to retry, to resume, or a missed slot not yet recorded.
    pub fn pending(&self) -> usize {
        self.publish + self.wait + self.retry + self.resume + self.waiting
    }
}

/// The plan: every slot the calendar and the records know about, and when to wake next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub now: DateTime<Utc>,
    pub changes: Vec<Change>,
    /// The earliest future instant at which something becomes due.
    pub next_wake: Option<DateTime<Utc>>,
    pub summary: Summary,
    /// Errors in the calendar (`postcal validate` lists them).
    pub errors: usize,
}

impl Plan {
    /// The changes the daemon acts on now.
    pub fn due(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.is_due(self.now))
    }
}
