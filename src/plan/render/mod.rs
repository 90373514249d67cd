//! Rendering a plan: for reviewers ([`human()`]) and for programs ([`json()`]).
//!
//! Both take a [`View`]: the plan, plus what only a person reading it needs: the calendar's
//! timezone, the horizon upcoming occurrences were listed to, each repeating post's rule
//! ([`super::repeats`]), and each target's [`Preview`] (kind, caption excerpt, media,
//! conversions). The daemon renders nothing but [`summary_line`]. [`post`] renders one post
//! for `postcal show`.

mod human;
mod json;
mod markdown;
pub mod post;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use human::human;
pub use json::{FORMAT_VERSION, json};
pub use markdown::{markdown, markdown_diff};

use super::desired::{Desired, Preview};
use super::repeats::Repeating;
use super::{ChangeKind, Plan, Summary};
use crate::human::{DIM, GREEN, MAGENTA, RED, YELLOW};
use crate::platform::TargetKey;

/// A plan and what people need to read it.
#[derive(Debug, Clone)]
pub struct View<'a> {
    pub plan: &'a Plan,
    /// The calendar's timezone: every time is shown in it, with the zone's name.
    pub tz: Tz,
    /// Upcoming occurrences are listed up to this instant (`plan --horizon`).
    pub horizon: Option<DateTime<Utc>>,
    /// `defaults.max_lateness`, to say why a slot was missed.
    pub max_lateness: chrono::Duration,
    pub repeats: &'a [Repeating],
    pub previews: HashMap<(&'a str, &'a TargetKey), &'a Preview>,
}

impl<'a> View<'a> {
    /// A view of `plan` alone: no horizon, no repeats, no previews.
    pub fn new(plan: &'a Plan, tz: Tz) -> Self {
        Self {
            plan,
            tz,
            horizon: None,
            max_lateness: chrono::Duration::hours(1),
            repeats: &[],
            previews: HashMap::new(),
        }
    }

    /// Adds the previews of `desired`'s targets (those it was scanned with).
    pub fn with_previews(mut self, desired: &'a Desired) -> Self {
        for post in &desired.posts {
            for target in &post.targets {
                if let Some(preview) = &target.preview {
                    self.previews
                        .entry((post.id.as_str(), &target.key))
                        .or_insert(preview);
                }
            }
        }
        self
    }

    fn preview(&self, post: &str, target: &TargetKey) -> Option<&'a Preview> {
        self.previews.get(&(post, target)).copied()
    }
}

/// Symbol, label and colour of a change kind.
pub fn look(kind: &ChangeKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        ChangeKind::Publish => ("+", "publish", GREEN),
        ChangeKind::Wait => ("·", "wait", crate::human::BLUE),
        ChangeKind::Retry { .. } => ("↻", "retry", YELLOW),
        ChangeKind::Resume { .. } => ("↻", "resume", YELLOW),
        ChangeKind::Waiting { .. } => ("…", "waiting", YELLOW),
        ChangeKind::Nothing { .. } => ("=", "published", DIM),
        ChangeKind::Drift { .. } => ("~", "drift", YELLOW),
        ChangeKind::Orphan { .. } => ("?", "orphan", MAGENTA),
        ChangeKind::Missed { .. } => ("✗", "missed", RED),
        ChangeKind::Blocked { .. } => ("⊘", "blocked", RED),
        ChangeKind::Paused => ("‖", "paused", DIM),
        ChangeKind::Draft => ("✎", "draft", DIM),
        ChangeKind::Failed { .. } => ("✗", "failed", RED),
        ChangeKind::NeedsReview { .. } => ("!", "needs review", RED),
    }
}

/// The summary line: "3 to publish, 1 drifted, 0 missed" and whatever else is non-zero.
pub fn summary_line(s: &Summary, errors: usize) -> String {
    summary_with(s, errors, "published")
}

/// The summary line of a dry run's plan, where what looks published was only recorded by
/// the dry run: "1 would be published".
pub fn dry_run_summary_line(s: &Summary, errors: usize) -> String {
    summary_with(s, errors, "would be published")
}

fn summary_with(s: &Summary, errors: usize, published: &str) -> String {
    let mut parts = vec![
        format!("{} to publish", s.publish),
        format!("{} waiting", s.wait),
        format!("{} drifted", s.drift),
        format!("{} missed", s.missed),
    ];
    let optional = [
        (s.retry, "to retry"),
        (s.resume, "to resume"),
        (s.waiting, "waiting for quota or login"),
        (s.needs_review, "need review"),
        (s.failed, "failed"),
        (s.blocked, "blocked"),
        (s.orphan, "orphaned"),
        (s.paused, "paused"),
        (s.draft, "drafts"),
        (s.nothing, published),
    ];
    for (n, what) in optional {
        match n {
            0 => {}
            1 if what == "drafts" => parts.push("1 draft".to_owned()),
            n => parts.push(format!("{n} {what}")),
        }
    }
    if errors > 0 {
        parts.push(format!(
            "{errors} error{} (run `postcal validate`)",
            if errors == 1 { "" } else { "s" }
        ));
    }
    parts.join(", ")
}
