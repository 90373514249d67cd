//! [`plan`]: desired × observed × now × policy → [`Plan`], without IO.
//!
//! Per post and target ("stream"), records are classified first, then the schedule is walked:
//!
//! - a published record is `nothing`, or `drift` when the content hash (or, for a one-off post,
//!   the time) changed since; only the latest publication of a stream is compared, older ones
//!   of a repeating post are history;
//! - preparing/prepared/armed records are `resume`, whatever the manifest says now (an armed
//!   slot may already be public and must be resolved by look-up);
//! - retryable failures are `retry` at their next action time; permanent ones wait for a
//!   content change, then publish again; `needs_review` is shown until a person resolves it;
//! - of the unrecorded occurrences in the past (all of them back to the lookback, never a
//!   sample), only the latest one due is caught up: `publish` within `max_lateness`. Every
//!   other is `missed`, one change each, so they are counted and shown, never published in a
//!   burst after downtime (as systemd's `Persistent=` and Kubernetes CronJobs do);
//! - future occurrences are `wait` (the next one always, more up to the horizon);
//! - a one-off post with a publication (or work in flight, or a review pending) at another time
//!   is not planned again: moving its `at` after publishing is drift, not a second post;
//! - records whose post or target is gone are `orphan` when published (kept, never deleted),
//!   or `blocked` when their manifest file is still there but has errors.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::desired::{Desired, DesiredPost, DesiredTarget};
use super::{Change, ChangeKind, Plan, Policy, Summary};
use crate::manifest::PostStatus;
use crate::platform::TargetKey;
use crate::state::{Record, SlotKey, SlotState};

type Streams<'a> = BTreeMap<(&'a str, &'a TargetKey), Vec<&'a Record>>;

/// Computes the plan. `observed` is every record, keyed by slot.
pub fn plan(
    desired: &Desired,
    observed: &BTreeMap<SlotKey, Record>,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Plan {
    let mut streams: Streams = BTreeMap::new();
    for r in observed.values() {
        streams
            .entry((r.key.post.as_str(), &r.key.target))
            .or_default()
            .push(r);
    }
    let mut out = Vec::new();
    let mut visited: HashSet<(&str, &TargetKey)> = HashSet::new();
    let mut seen_ids: HashSet<&str> = HashSet::new();
    let mut blocked_ids: HashSet<&str> = HashSet::new();
    for post in &desired.posts {
        // A duplicate id is a validation error on the second post; the first one stands.
        if !seen_ids.insert(post.id.as_str()) {
            continue;
        }
        if let Some(blocked) = &post.blocked {
            blocked_ids.insert(post.id.as_str());
            for target in &post.targets {
                let recs = streams
                    .get(&(post.id.as_str(), &target.key))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                // The post's own time: its next occurrence, else its latest one; never the
                // plan's `now` unless no time can be known.
                let known = match &post.schedule {
                    Some(s) => Some(
                        s.next_after(now, true)
                            .or_else(|| s.prev_before(now, true))
                            .unwrap_or(s.start),
                    ),
                    None => recs.last().map(|r| r.key.at),
                };
                out.push(change(
                    &post.id,
                    &target.key,
                    known.unwrap_or(now),
                    ChangeKind::Blocked {
                        errors: blocked.errors,
                        first_error: blocked.first_error.clone(),
                        time_unknown: known.is_none(),
                    },
                    Some(&post.revision.path),
                ));
            }
            continue;
        }
        for target in &post.targets {
            let key = (post.id.as_str(), &target.key);
            visited.insert(key);
            let recs = streams.get(&key).map(Vec::as_slice).unwrap_or_default();
            plan_stream(post, target, recs, now, policy, &mut out);
        }
    }
    for (key, recs) in &streams {
        if visited.contains(key) {
            continue;
        }
        let latest = recs.last().map(|r| r.revision.path.as_str());
        let gone = if blocked_ids.contains(key.0) {
            Gone::PostBlocked
        } else if latest.is_some_and(|p| desired.files_with_errors.contains(p)) {
            Gone::FileBroken
        } else {
            Gone::Deleted
        };
        gone_stream(recs, gone, now, &mut out);
    }
    out.sort_by(|a, b| {
        (a.slot.at, &a.slot.post, &a.slot.target).cmp(&(b.slot.at, &b.slot.post, &b.slot.target))
    });
    // The daemon holds its plan while it sleeps: no spare capacity.
    out.shrink_to_fit();
    let mut summary = Summary::default();
    for c in &out {
        summary.count(&c.kind);
    }
    let next_wake = out
        .iter()
        .filter_map(Change::action_at)
        .filter(|t| *t > now)
        .min();
    Plan {
        now,
        changes: out,
        next_wake,
        summary,
        errors: desired.errors,
    }
}

fn change(
    post: &str,
    target: &TargetKey,
    at: DateTime<Utc>,
    kind: ChangeKind,
    path: Option<&str>,
) -> Change {
    Change {
        slot: SlotKey::new(post, target.clone(), at),
        kind,
        path: path.map(str::to_owned),
    }
}

fn plan_stream(
    post: &DesiredPost,
    target: &DesiredTarget,
    recs: &[&Record],
    now: DateTime<Utc>,
    policy: &Policy,
    out: &mut Vec<Change>,
) {
    let path = Some(post.revision.path.as_str());
    let Some(schedule) = &post.schedule else {
        return;
    };
    let scheduled = post.status == PostStatus::Scheduled;
    let one_off = schedule.repeat.is_none();
    let is_occurrence = |t: DateTime<Utc>| schedule.next_after(t, true) == Some(t);
    let latest_published = recs
        .iter()
        .rev()
        .find(|r| matches!(r.state, SlotState::Published { .. }));
    let mut recorded: HashSet<DateTime<Utc>> = HashSet::new();
    let mut push = |r: &Record, kind| out.push(change(&post.id, &target.key, r.key.at, kind, path));
    for r in recs {
        if r.state != SlotState::Planned || r.waiting.is_some() {
            recorded.insert(r.key.at);
        }
        match &r.state {
            SlotState::Planned
            | SlotState::Prepared { .. }
            | SlotState::Failed {
                permanent: false, ..
            } if r.waiting.is_some() => push(
                r,
                ChangeKind::Waiting {
                    until: r.next_action.unwrap_or(now),
                    why: r.waiting.clone().unwrap_or_default(),
                },
            ),
            SlotState::Planned => {}
            SlotState::Published {
                remote_id,
                permalink,
                ..
            } => {
                if latest_published.is_none_or(|l| l.key != r.key) {
                    continue;
                }
                let why = if r.content_hash != target.content_hash {
                    Some("the manifest changed since it was published".to_owned())
                } else if one_off && r.key.at != schedule.start {
                    Some(format!(
                        "`at` moved to {} after it was published",
                        schedule.start.to_rfc3339()
                    ))
                } else {
                    None
                };
                let (remote_id, permalink) = (remote_id.clone(), permalink.clone());
                push(
                    r,
                    match why {
                        Some(why) => ChangeKind::Drift {
                            remote_id,
                            permalink,
                            why,
                        },
                        None => ChangeKind::Nothing {
                            remote_id,
                            permalink,
                        },
                    },
                );
            }
            s if s.in_flight() => push(
                r,
                ChangeKind::Resume {
                    state: s.name(),
                    at: r.next_action.unwrap_or(now),
                },
            ),
            SlotState::NeedsReview { why } => {
                push(r, ChangeKind::NeedsReview { why: why.clone() });
            }
            SlotState::Failed { reason, permanent } => {
                if !scheduled || !is_occurrence(r.key.at) {
                    continue;
                }
                if !permanent {
                    push(
                        r,
                        ChangeKind::Retry {
                            at: r.next_action.unwrap_or(now),
                            attempts: r.attempts,
                            last_error: r.last_error.clone(),
                        },
                    );
                } else if r.content_hash != target.content_hash {
                    // Fixed since the permanent failure: publish again, at once.
                    push(r, ChangeKind::Publish);
                } else {
                    push(
                        r,
                        ChangeKind::Failed {
                            reason: reason.clone(),
                        },
                    );
                }
            }
            SlotState::Missed => {
                if is_occurrence(r.key.at) {
                    push(r, ChangeKind::Missed { recorded: true });
                }
            }
            SlotState::Preparing
            | SlotState::Prepared { .. }
            | SlotState::Armed { .. }
            | SlotState::Committed { .. } => {}
        }
    }
    if !scheduled {
        if let Some(next) = schedule.next_after(now, true) {
            let kind = if post.status == PostStatus::Draft {
                ChangeKind::Draft
            } else {
                ChangeKind::Paused
            };
            out.push(change(&post.id, &target.key, next, kind, path));
        }
        return;
    }
    if one_off
        && recs.iter().any(|r| {
            r.key.at != schedule.start
                && (r.state.in_flight()
                    || matches!(
                        r.state,
                        SlotState::Published { .. } | SlotState::NeedsReview { .. }
                    ))
        })
    {
        return;
    }
    let after = if one_off {
        schedule.start - chrono::Duration::seconds(1)
    } else {
        now - policy.lookback
    };
    let past = schedule.recent(after, now, usize::MAX);
    let latest = past.last().copied();
    for t in past {
        if recorded.contains(&t) {
            continue;
        }
        let kind = if Some(t) == latest && now - t <= policy.max_lateness {
            ChangeKind::Publish
        } else {
            ChangeKind::Missed { recorded: false }
        };
        out.push(change(&post.id, &target.key, t, kind, path));
    }
    let mut upcoming = schedule.upcoming(now, now + policy.horizon, policy.upcoming_limit);
    if upcoming.is_empty()
        && let Some(next) = schedule.next_after(now, false)
    {
        upcoming.push(next);
    }
    for t in upcoming {
        if !recorded.contains(&t) {
            out.push(change(&post.id, &target.key, t, ChangeKind::Wait, path));
        }
    }
}

/// Why a stream with records has no valid desired post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gone {
    /// The post is there but invalid: it already has its `blocked` line.
    PostBlocked,
    /// The post could not be read from its manifest, which has errors.
    FileBroken,
    /// The post or the target was removed.
    Deleted,
}

/// Records whose post or target is no longer in the calendar (or is blocked).
fn gone_stream(recs: &[&Record], gone: Gone, now: DateTime<Utc>, out: &mut Vec<Change>) {
    let latest_published = recs
        .iter()
        .rev()
        .find(|r| matches!(r.state, SlotState::Published { .. }));
    for r in recs {
        let path = Some(r.revision.path.as_str());
        let kind = match &r.state {
            s if s.in_flight() => ChangeKind::Resume {
                state: s.name(),
                at: r.next_action.unwrap_or(now),
            },
            SlotState::NeedsReview { why } => ChangeKind::NeedsReview { why: why.clone() },
            SlotState::Published {
                remote_id,
                permalink,
                ..
            } if latest_published.is_some_and(|l| l.key == r.key) => match gone {
                Gone::PostBlocked => ChangeKind::Nothing {
                    remote_id: remote_id.clone(),
                    permalink: permalink.clone(),
                },
                Gone::FileBroken => ChangeKind::Blocked {
                    errors: 0,
                    first_error: format!(
                        "{} has errors; its last valid version is kept (run `postcal validate`)",
                        r.revision.path
                    ),
                    time_unknown: false,
                },
                Gone::Deleted => ChangeKind::Orphan {
                    remote_id: remote_id.clone(),
                    permalink: permalink.clone(),
                    path: r.revision.path.clone(),
                },
            },
            _ => continue,
        };
        out.push(change(&r.key.post, &r.key.target, r.key.at, kind, path));
    }
}

#[cfg(test)]
#[path = "compute_tests.rs"]
mod tests;
