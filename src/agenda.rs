//! The agenda: every slot of a calendar within a window of time, each with the state a person
//! cares about, for the views a team browses or subscribes to (`postcal preview`'s calendar,
//! `postcal export ics`).
//!
//! It is the plan ([`crate::plan::plan`], the function `postcal plan` and the daemon use) with a
//! longer horizon, plus the history the plan leaves out: every published, missed or failed
//! record, not only the latest publication of a repeating post.
//!
//! # Guarantees
//! - Pure: built from the desired state, the records and `now`; the same inputs give the same
//!   agenda, in the same order (by time, then post, then target).
//! - Every slot appears once (keyed by post, target and occurrence): a slot the plan lists is
//!   shown as the plan sees it; a record the plan leaves out is shown as its state says.
//! - The horizon bounds repeats only: every one-off post is listed however far ahead it is,
//!   and a repeating post lists at most [`MAX_UPCOMING`] occurrences per target.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::plan::{self, ChangeKind, Desired, Policy};
use crate::state::{Record, SlotKey, SlotState};

/// The most upcoming occurrences listed per post and target (an hourly repeat over three
/// months is 2,200): bounds the pages and events a runaway `repeat` makes.
pub const MAX_UPCOMING: usize = 5_000;

/// The default window ahead of `now`: about three months.
pub const DEFAULT_HORIZON_DAYS: i64 = 92;

/// What a person sees of a slot, in the few colours a calendar can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    /// To publish: now, at its time, or again after a retryable failure or a full quota.
    Waiting,
    /// Published (with its permalink when the platform gave one).
    Published,
    /// Due while postcal was down and not published.
    Missed,
    /// The manifest has errors: nothing is published from it.
    Blocked,
    /// Failed for good, or maybe published: a person must look.
    Attention,
    /// Paused or a draft: never published as it is.
    Held,
}

impl Shown {
    /// The word shown in legends, CSS classes and ICS summaries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Published => "published",
            Self::Missed => "missed",
            Self::Blocked => "blocked",
            Self::Attention => "attention",
            Self::Held => "held",
        }
    }

    pub const ALL: [Shown; 6] = [
        Self::Waiting,
        Self::Published,
        Self::Missed,
        Self::Blocked,
        Self::Attention,
        Self::Held,
    ];
}

/// One slot of the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaSlot {
    #[serde(flatten)]
    pub key: SlotKey,
    pub shown: Shown,
    /// The plan's word for the slot (`wait`, `drift`, `retry`...) or the record's state.
    pub change: &'static str,
    /// Why, in a few words, when there is more to say (the first error, the retry time...).
    pub detail: Option<String>,
    pub permalink: Option<String>,
    /// The manifest, when it still exists.
    pub path: Option<String>,
    /// Whether the post is a one-off (no `repeat`): its one slot is "the post", wherever its
    /// `at` moves.
    pub one_off: bool,
}

/// Every slot in the window, sorted by time, then post, then target.
#[derive(Debug, Clone)]
pub struct Agenda {
    pub now: DateTime<Utc>,
    pub timezone: Tz,
    pub slots: Vec<AgendaSlot>,
    /// Errors in the calendar (`postcal validate` lists them).
    pub errors: usize,
}

/// The agenda of `desired` against `records`, from the plan's lookback up to `horizon` after
/// `now` (and every one-off post beyond it).
pub fn agenda(
    desired: &Desired,
    records: Vec<Record>,
    now: DateTime<Utc>,
    horizon: Duration,
) -> Agenda {
    let policy = Policy {
        horizon,
        upcoming_limit: MAX_UPCOMING,
        ..Policy::new(desired.max_lateness)
    };
    let observed: BTreeMap<SlotKey, Record> =
        records.into_iter().map(|r| (r.key.clone(), r)).collect();
    let plan = plan::plan(desired, &observed, now, &policy);
    let one_off: HashSet<&str> = desired
        .posts
        .iter()
        .filter(|p| p.schedule.as_ref().is_some_and(|s| s.repeat.is_none()))
        .map(|p| p.id.as_str())
        .collect();
    let mut slots = Vec::with_capacity(plan.changes.len());
    let mut listed: HashSet<&SlotKey> = HashSet::new();
    for change in &plan.changes {
        listed.insert(&change.slot);
        let (shown, detail, permalink) = from_change(&change.kind);
        slots.push(AgendaSlot {
            one_off: one_off.contains(change.slot.post.as_str()),
            key: change.slot.clone(),
            shown,
            change: change.kind.name(),
            detail,
            permalink,
            path: change.path.clone(),
        });
    }
    let paths: BTreeMap<&str, &str> = desired
        .posts
        .iter()
        .map(|p| (p.id.as_str(), p.revision.path.as_str()))
        .collect();
    for (key, record) in &observed {
        if listed.contains(key) {
            continue;
        }
        let Some((shown, detail, permalink)) = from_record(&record.state) else {
            continue;
        };
        slots.push(AgendaSlot {
            one_off: one_off.contains(key.post.as_str()),
            key: key.clone(),
            shown,
            change: record.state.name(),
            detail,
            permalink,
            path: paths.get(key.post.as_str()).map(|p| (*p).to_owned()),
        });
    }
    slots.sort_by(|a, b| {
        (a.key.at, &a.key.post, &a.key.target).cmp(&(b.key.at, &b.key.post, &b.key.target))
    });
    Agenda {
        now,
        timezone: desired.timezone.unwrap_or(Tz::UTC),
        slots,
        errors: desired.errors,
    }
}

type Seen = (Shown, Option<String>, Option<String>);

fn from_change(kind: &ChangeKind) -> Seen {
    match kind {
        ChangeKind::Publish => (Shown::Waiting, Some("due now".into()), None),
        ChangeKind::Wait => (Shown::Waiting, None, None),
        ChangeKind::Retry { at, last_error, .. } => (
            Shown::Waiting,
            Some(match last_error {
                Some(e) => format!("retry at {}: {e}", at.to_rfc3339()),
                None => format!("retry at {}", at.to_rfc3339()),
            }),
            None,
        ),
        ChangeKind::Waiting { why, .. } => (Shown::Waiting, Some(why.clone()), None),
        ChangeKind::Resume { state, .. } => {
            (Shown::Waiting, Some(format!("{state}: resumed")), None)
        }
        ChangeKind::Nothing { permalink, .. } => (Shown::Published, None, permalink.clone()),
        ChangeKind::Drift { permalink, why, .. } => {
            (Shown::Published, Some(why.clone()), permalink.clone())
        }
        ChangeKind::Orphan { permalink, .. } => (
            Shown::Published,
            Some("its manifest is gone".into()),
            permalink.clone(),
        ),
        ChangeKind::Missed { .. } => (Shown::Missed, None, None),
        ChangeKind::Blocked { first_error, .. } => {
            (Shown::Blocked, Some(first_error.clone()), None)
        }
        ChangeKind::Paused => (Shown::Held, Some("paused".into()), None),
        ChangeKind::Draft => (Shown::Held, Some("draft".into()), None),
        ChangeKind::Failed { reason } => (Shown::Attention, Some(reason.clone()), None),
        ChangeKind::NeedsReview { why } => (Shown::Attention, Some(why.clone()), None),
    }
}

/// History the plan leaves out; work in progress is always in the plan, so it is skipped.
fn from_record(state: &SlotState) -> Option<Seen> {
    Some(match state {
        SlotState::Published { permalink, .. } => (Shown::Published, None, permalink.clone()),
        SlotState::Missed => (Shown::Missed, None, None),
        SlotState::Failed { reason, .. } => (Shown::Attention, Some(reason.clone()), None),
        SlotState::NeedsReview { why } => (Shown::Attention, Some(why.clone()), None),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shown_state_has_its_own_name() {
        let names: HashSet<_> = Shown::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names.len(), Shown::ALL.len());
    }

    #[test]
    fn history_the_plan_leaves_out_is_kept_and_work_in_progress_is_not() {
        let published = SlotState::Published {
            remote_id: "1".into(),
            permalink: Some("https://example.com/p/1".into()),
            at: Utc::now(),
        };
        let seen = from_record(&published).map(|s| (s.0, s.2));
        assert_eq!(
            seen,
            Some((Shown::Published, Some("https://example.com/p/1".into())))
        );
        assert_eq!(
            from_record(&SlotState::Missed).map(|s| s.0),
            Some(Shown::Missed)
        );
        assert_eq!(from_record(&SlotState::Preparing), None);
        assert_eq!(from_record(&SlotState::Planned), None);
    }
}
