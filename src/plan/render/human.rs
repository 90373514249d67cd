//! Rendering a plan: for reviewers (human) and for programs (JSON).
//!
//! Human output groups changes the way a reviewer reads a calendar: what happens now, what is
//! coming (by day, in the calendar's timezone), what needs attention (needs review, drift,
//! missed, failed, blocked, orphans), what is held back (paused, drafts); unchanged
//! publications are only counted. The last line is the summary
//! ("3 to publish, 1 drifted, 0 missed, ...").
//!
//! JSON is the contract: `{"format_version": 1, "now", "next_wake", "summary", "errors",
//! "changes": [{"post", "target", "at", "change", ...}]}`.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{Change, ChangeKind, Plan, Summary};
use crate::platform::TargetKey;

/// Version of the JSON document; bump on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// Terminal styles, or nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

pub const GREEN: &str = "32";
pub const BLUE: &str = "34";
pub const YELLOW: &str = "33";
pub const RED: &str = "1;31";
pub const MAGENTA: &str = "35";
pub const DIM: &str = "2";
pub const BOLD: &str = "1";

/// Symbol, label and colour of a change kind.
pub fn look(kind: &ChangeKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        ChangeKind::Publish => ("+", "publish", GREEN),
        ChangeKind::Wait => ("·", "wait", BLUE),
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

fn local(t: DateTime<Utc>, tz: Tz) -> chrono::DateTime<Tz> {
    t.with_timezone(&tz)
}

fn detail(change: &Change) -> String {
    let remote = |id: &str, link: &Option<String>| match link {
        Some(link) => format!("{id} {link}"),
        None => id.to_owned(),
    };
    match &change.kind {
        ChangeKind::Retry {
            at,
            attempts,
            last_error,
        } => format!(
            "attempt {} at {}{}",
            attempts + 1,
            at.format("%H:%M:%S UTC"),
            last_error
                .as_ref()
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default()
        ),
        ChangeKind::Resume { state, .. } => format!("was {state}; resolving by look-up"),
        ChangeKind::Waiting { until, why } => {
            format!(
                "{why}; waiting until {}",
                until.format("%Y-%m-%d %H:%M:%S UTC")
            )
        }
        ChangeKind::Nothing {
            remote_id,
            permalink,
        } => remote(remote_id, permalink),
        ChangeKind::Drift {
            remote_id,
            permalink,
            why,
        } => format!(
            "{why}; published as {}, not re-posted",
            remote(remote_id, permalink)
        ),
        ChangeKind::Orphan {
            remote_id,
            permalink,
            path,
        } => format!(
            "{path} is gone; publication {} is kept",
            remote(remote_id, permalink)
        ),
        ChangeKind::Missed { .. } => {
            "due while postcal was down; too late, or not the latest occurrence (only that one is caught up)"
                .to_owned()
        }
        ChangeKind::Blocked {
            errors,
            first_error,
        } => match errors {
            0 => first_error.clone(),
            1 => format!("1 error: {first_error}"),
            n => format!("{n} errors, first: {first_error}"),
        },
        ChangeKind::Failed { reason } => format!("{reason}; waits for the manifest to change"),
        ChangeKind::NeedsReview { why } => why.clone(),
        ChangeKind::Publish | ChangeKind::Wait | ChangeKind::Paused | ChangeKind::Draft => {
            String::new()
        }
    }
}

fn line(out: &mut String, change: &Change, tz: Tz, style: Style, with_date: bool) {
    let (symbol, label, color) = look(&change.kind);
    let when = local(change.slot.at, tz);
    let when = if with_date {
        when.format("%Y-%m-%d %H:%M").to_string()
    } else {
        when.format("%H:%M").to_string()
    };
    let detail = detail(change);
    // Pad before painting: escape codes differ in length and would skew the columns.
    let _ = writeln!(
        out,
        "  {} {} {}  {} → {}{}{}",
        style.paint(color, symbol),
        style.paint(color, &format!("{label:<12}")),
        when,
        style.paint(BOLD, &change.slot.post),
        change.slot.target,
        if detail.is_empty() { "" } else { "  " },
        style.paint(DIM, &detail),
    );
}

/// The summary line: "3 to publish, 1 drifted, 0 missed" and whatever else is non-zero.
pub fn summary_line(s: &Summary, errors: usize) -> String {
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
        (s.nothing, "published"),
    ];
    for (n, what) in optional {
        if n > 0 {
            parts.push(format!("{n} {what}"));
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

/// The human rendering.
pub fn human(plan: &Plan, tz: Tz, color: bool) -> String {
    let style = Style::new(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.paint(
            BOLD,
            &format!(
                "Plan at {} ({tz})",
                local(plan.now, tz).format("%Y-%m-%d %H:%M:%S %Z")
            )
        )
    );
    let acting = |c: &Change| {
        matches!(
            c.kind,
            ChangeKind::Publish
                | ChangeKind::Retry { .. }
                | ChangeKind::Resume { .. }
                | ChangeKind::Waiting { .. }
        )
    };
    let now: Vec<&Change> = plan.due().filter(|c| acting(c)).collect();
    let attention: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ChangeKind::NeedsReview { .. }
                    | ChangeKind::Drift { .. }
                    | ChangeKind::Missed { .. }
                    | ChangeKind::Failed { .. }
                    | ChangeKind::Blocked { .. }
                    | ChangeKind::Orphan { .. }
            )
        })
        .collect();
    let held: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::Paused | ChangeKind::Draft))
        .collect();
    if !now.is_empty() {
        let _ = writeln!(out, "\n{}", style.paint(BOLD, "Now"));
        for c in &now {
            line(&mut out, c, tz, style, true);
        }
    }
    let mut day = None;
    for c in plan.changes.iter().filter(|c| {
        !c.is_due(plan.now)
            && matches!(
                c.kind,
                ChangeKind::Wait
                    | ChangeKind::Retry { .. }
                    | ChangeKind::Resume { .. }
                    | ChangeKind::Waiting { .. }
            )
    }) {
        let d = local(c.slot.at, tz).date_naive();
        if day != Some(d) {
            let _ = writeln!(
                out,
                "\n{}",
                style.paint(
                    BOLD,
                    &local(c.slot.at, tz).format("%a %Y-%m-%d").to_string()
                )
            );
            day = Some(d);
        }
        line(&mut out, c, tz, style, false);
    }
    // Missed occurrences of one post and target (a repeating post after downtime) are one
    // line with their count: every one is in the summary and the JSON.
    let mut missed: HashMap<(&str, &TargetKey), (usize, DateTime<Utc>)> = HashMap::new();
    for c in &attention {
        if matches!(c.kind, ChangeKind::Missed { .. }) {
            let e = missed
                .entry((&c.slot.post, &c.slot.target))
                .or_insert((0, c.slot.at));
            e.0 += 1;
            e.1 = e.1.max(c.slot.at);
        }
    }
    for (title, changes) in [("Needs attention", &attention), ("Held back", &held)] {
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", style.paint(BOLD, title));
        for c in changes.iter() {
            if !matches!(c.kind, ChangeKind::Missed { .. }) {
                line(&mut out, c, tz, style, true);
                continue;
            }
            // The first missed occurrence of a stream stands for all of them.
            match missed.remove(&(c.slot.post.as_str(), &c.slot.target)) {
                Some((n, last)) if n > 1 => {
                    let (symbol, label, color) = look(&c.kind);
                    let _ = writeln!(
                        out,
                        "  {} {} {}  {} → {}  {}",
                        style.paint(color, symbol),
                        style.paint(color, &format!("{label:<12}")),
                        local(c.slot.at, tz).format("%Y-%m-%d %H:%M"),
                        style.paint(BOLD, &c.slot.post),
                        c.slot.target,
                        style.paint(
                            DIM,
                            &format!(
                                "and {} more until {}: due while postcal was down; only the latest occurrence is caught up",
                                n - 1,
                                local(last, tz).format("%Y-%m-%d %H:%M")
                            )
                        ),
                    );
                }
                Some(_) => line(&mut out, c, tz, style, true),
                None => {}
            }
        }
    }
    if plan.changes.is_empty() {
        let _ = writeln!(out, "\nNothing scheduled.");
    }
    let _ = writeln!(out, "\n{}", summary_line(&plan.summary, plan.errors));
    out
}

/// The JSON rendering (pretty, newline-terminated).
pub fn json(plan: &Plan) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        format_version: u32,
        now: DateTime<Utc>,
        next_wake: Option<DateTime<Utc>>,
        summary: &'a Summary,
        errors: usize,
        changes: &'a [Change],
    }
    let doc = Doc {
        format_version: FORMAT_VERSION,
        now: plan.now,
        next_wake: plan.next_wake,
        summary: &plan.summary,
        errors: plan.errors,
        changes: &plan.changes,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SlotKey;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(minute)
    }

    fn change(post: &str, minute: i64, kind: ChangeKind) -> Change {
        Change {
            slot: SlotKey::new(post, "threads/acme".parse().unwrap(), at(minute)),
            kind,
            path: None,
        }
    }

    #[test]
    fn the_missed_occurrences_of_a_post_are_one_line_with_their_count() {
        let missed = || ChangeKind::Missed { recorded: false };
        let mut changes: Vec<Change> = (-19..0).map(|m| change("minutely", m, missed())).collect();
        changes.push(change("once", -30, missed()));
        changes.push(change("minutely", 0, ChangeKind::Publish));
        changes.sort_by_key(|c| c.slot.at);
        let mut summary = Summary::default();
        for c in &changes {
            summary.count(&c.kind);
        }
        let plan = Plan {
            now: at(0),
            changes,
            next_wake: None,
            summary,
            errors: 0,
        };
        let out = human(&plan, Tz::UTC, false);
        assert_eq!(out.matches("minutely").count(), 2, "{out}");
        assert!(
            out.contains(
                "2026-12-01 08:41  minutely → threads/acme  and 18 more until 2026-12-01 08:59"
            ),
            "{out}"
        );
        assert!(
            out.contains("08:30  once → threads/acme  due while postcal was down"),
            "{out}"
        );
        assert!(
            out.contains("1 to publish, 0 waiting, 0 drifted, 20 missed"),
            "{out}"
        );
    }
}
