//! What a change to the calendar changes in the plan: the plan of a branch against the plan of
//! its base (`postcal plan --base main`), slot by slot, for the pull-request comment.
//!
//! Slots are matched by post, target and time. A post whose target's next time differs is
//! *moved*; a slot in both whose content hash differs is *edited*; a slot only in the branch is
//! *added*, only in the base *removed*; a post the branch breaks is *blocked*; a published post
//! the branch edits is *drift* (shown, never re-posted).
//!
//! # Guarantees
//! - Pure: both plans and desired states in, a list out, sorted by time, then post and target.
//! - Only what can publish (or stop publishing) is compared: published, missed and held-back
//!   slots that are the same on both sides are not differences.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ChangeKind, Desired, Plan};
use crate::platform::TargetKey;

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "difference", rename_all = "snake_case")]
pub enum Difference {
    Added {
        post: String,
        target: TargetKey,
        at: DateTime<Utc>,
    },
    Removed {
        post: String,
        target: TargetKey,
        at: DateTime<Utc>,
    },
    Moved {
        post: String,
        target: TargetKey,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    Edited {
        post: String,
        target: TargetKey,
        at: DateTime<Utc>,
    },
    Blocked {
        post: String,
        target: TargetKey,
        at: DateTime<Utc>,
        error: String,
    },
    Drift {
        post: String,
        target: TargetKey,
        at: DateTime<Utc>,
        why: String,
    },
}

impl Difference {
    /// The time the row is sorted and shown by.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Moved { to, .. } => *to,
            Self::Added { at, .. }
            | Self::Removed { at, .. }
            | Self::Edited { at, .. }
            | Self::Blocked { at, .. }
            | Self::Drift { at, .. } => *at,
        }
    }

    pub fn post(&self) -> &str {
        match self {
            Self::Added { post, .. }
            | Self::Removed { post, .. }
            | Self::Moved { post, .. }
            | Self::Edited { post, .. }
            | Self::Blocked { post, .. }
            | Self::Drift { post, .. } => post,
        }
    }

    pub fn target(&self) -> &TargetKey {
        match self {
            Self::Added { target, .. }
            | Self::Removed { target, .. }
            | Self::Moved { target, .. }
            | Self::Edited { target, .. }
            | Self::Blocked { target, .. }
            | Self::Drift { target, .. } => target,
        }
    }
}

/// Whether the plan publishes this slot (now, later, or after a retry).
fn publishes(kind: &ChangeKind) -> bool {
    matches!(
        kind,
        ChangeKind::Publish
            | ChangeKind::Wait
            | ChangeKind::Retry { .. }
            | ChangeKind::Resume { .. }
            | ChangeKind::Waiting { .. }
    )
}

/// The content hash of every target, by post and target.
fn hashes(desired: &Desired) -> HashMap<(&str, &TargetKey), &str> {
    desired
        .posts
        .iter()
        .flat_map(|p| {
            p.targets
                .iter()
                .map(move |t| ((p.id.as_str(), &t.key), t.content_hash.as_str()))
        })
        .collect()
}

/// The differences `head` makes against `base`.
pub fn diff(base: (&Plan, &Desired), head: (&Plan, &Desired)) -> Vec<Difference> {
    let mut out = Vec::new();
    let collect = |plan: &Plan| -> BTreeMap<(String, TargetKey), Vec<DateTime<Utc>>> {
        let mut m: BTreeMap<(String, TargetKey), Vec<DateTime<Utc>>> = BTreeMap::new();
        for c in plan.changes.iter().filter(|c| publishes(&c.kind)) {
            m.entry((c.slot.post.clone(), c.slot.target.clone()))
                .or_default()
                .push(c.slot.at);
        }
        m
    };
    let (base_slots, head_slots) = (collect(base.0), collect(head.0));
    let (base_hash, head_hash) = (hashes(base.1), hashes(head.1));
    let keys: std::collections::BTreeSet<&(String, TargetKey)> =
        base_slots.keys().chain(head_slots.keys()).collect();
    for key in keys {
        let (post, target) = (key.0.clone(), key.1.clone());
        let before = base_slots.get(key).cloned().unwrap_or_default();
        let after = head_slots.get(key).cloned().unwrap_or_default();
        let gone: Vec<_> = before
            .iter()
            .filter(|t| !after.contains(t))
            .copied()
            .collect();
        let new: Vec<_> = after
            .iter()
            .filter(|t| !before.contains(t))
            .copied()
            .collect();
        // One slot replaced by one other: the post moved.
        if let ([from], [to]) = (gone.as_slice(), new.as_slice()) {
            out.push(Difference::Moved {
                post: post.clone(),
                target: target.clone(),
                from: *from,
                to: *to,
            });
        } else {
            out.extend(gone.iter().map(|&at| Difference::Removed {
                post: post.clone(),
                target: target.clone(),
                at,
            }));
            out.extend(new.iter().map(|&at| Difference::Added {
                post: post.clone(),
                target: target.clone(),
                at,
            }));
        }
        let k = (post.as_str(), &target);
        let edited = match (base_hash.get(&k), head_hash.get(&k)) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        if edited && let Some(&at) = after.iter().find(|t| before.contains(t)) {
            out.push(Difference::Edited { post, target, at });
        }
    }
    // What the branch breaks or makes drift, and the base did not.
    let noted = |plan: &Plan, want: fn(&ChangeKind) -> bool| -> Vec<(String, TargetKey)> {
        plan.changes
            .iter()
            .filter(|c| want(&c.kind))
            .map(|c| (c.slot.post.clone(), c.slot.target.clone()))
            .collect()
    };
    let is_blocked: fn(&ChangeKind) -> bool = |k| matches!(k, ChangeKind::Blocked { .. });
    let is_drift: fn(&ChangeKind) -> bool = |k| matches!(k, ChangeKind::Drift { .. });
    let (was_blocked, was_drift) = (noted(base.0, is_blocked), noted(base.0, is_drift));
    for c in &head.0.changes {
        let key = (c.slot.post.clone(), c.slot.target.clone());
        match &c.kind {
            ChangeKind::Blocked { first_error, .. } if !was_blocked.contains(&key) => {
                out.push(Difference::Blocked {
                    post: key.0,
                    target: key.1,
                    at: c.slot.at,
                    error: first_error.clone(),
                });
            }
            ChangeKind::Drift { why, .. } if !was_drift.contains(&key) => {
                out.push(Difference::Drift {
                    post: key.0,
                    target: key.1,
                    at: c.slot.at,
                    why: why.clone(),
                });
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| (a.at(), a.post(), a.target()).cmp(&(b.at(), b.post(), b.target())));
    out
}
