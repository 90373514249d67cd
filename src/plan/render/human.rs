//! The plan for people: grouped the way a reviewer reads a calendar.
//!
//! What happens now; what is coming, by day; each repeating post's rule; what needs attention
//! (needs review, drift, missed, failed, blocked, orphans), each with what to do about it; what
//! is held back (paused, drafts). Unchanged publications are only counted. Every time is in the
//! calendar's timezone with the zone's name (`09:00 CET`); under a slot that publishes, its
//! [`crate::plan::desired::Preview`]: kind, media, conversions and a caption excerpt. The last
//! line is the summary ("3 to publish, 1 drifted, 0 missed, ...").

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::{View, look, summary_line};
use crate::human::{self, BOLD, DIM, Style};
use crate::plan::{Change, ChangeKind};
use crate::platform::TargetKey;

/// Indentation of a slot's second line (its preview), under its time.
const PREVIEW_INDENT: &str = "                 ";

fn detail(view: &View, change: &Change) -> String {
    let tz = view.tz;
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
            human::datetime(*at, tz),
            last_error
                .as_ref()
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default()
        ),
        ChangeKind::Resume { state, .. } => match *state {
            "prepared" => "prepared ahead; published at its time".to_owned(),
            "committed" => "accepted by the platform; postcal looks until it is public".to_owned(),
            "preparing" => "was being prepared when postcal stopped; prepared again".to_owned(),
            state => format!(
                "was {state} when postcal stopped; resolved by look-up, never sent blindly again"
            ),
        },
        ChangeKind::Waiting { until, why } => {
            format!("{why}; waiting until {}", human::datetime(*until, tz))
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
            "{why}; published as {}, and postcal never re-posts or edits a publication. To \
             publish the new version as a new post, give it a new `id`",
            remote(remote_id, permalink)
        ),
        ChangeKind::Orphan {
            remote_id,
            permalink,
            path,
        } => format!(
            "{path} is gone; publication {} is kept (delete it on the platform if you want it gone)",
            remote(remote_id, permalink)
        ),
        ChangeKind::Missed { .. } => format!(
            "its time passed more than max_lateness ({}) ago: not posted late. To post it, \
             move `at` later or raise `defaults.max_lateness`",
            human::duration(view.max_lateness)
        ),
        ChangeKind::Blocked {
            errors,
            first_error,
            ..
        } => match errors {
            0 => first_error.clone(),
            1 => format!("1 error: {first_error}; run `postcal validate` to see it"),
            n => format!("{n} errors, first: {first_error}; run `postcal validate` to see them"),
        },
        ChangeKind::Failed { reason } => {
            format!("{reason}; fix the manifest and postcal publishes it again")
        }
        ChangeKind::NeedsReview { why } => format!(
            "{why}; check the account, then `postcal resolve {} {} --published URL` or \
             `--not-published`",
            change.slot.post, change.slot.target
        ),
        ChangeKind::Publish | ChangeKind::Wait | ChangeKind::Paused | ChangeKind::Draft => {
            String::new()
        }
    }
}

/// Whether a change's line is followed by what it publishes.
fn publishes(kind: &ChangeKind) -> bool {
    matches!(
        kind,
        ChangeKind::Publish
            | ChangeKind::Wait
            | ChangeKind::Retry { .. }
            | ChangeKind::Resume { .. }
            | ChangeKind::Waiting { .. }
            | ChangeKind::Paused
            | ChangeKind::Draft
    )
}

/// One slot: symbol, label, time, post → target, detail; then its preview.
fn line(out: &mut String, view: &View, change: &Change, style: Style, with_date: bool) {
    let when = match &change.kind {
        ChangeKind::Blocked {
            time_unknown: true, ..
        } => "(time unknown)".to_owned(),
        _ if with_date => human::datetime(change.slot.at, view.tz),
        _ => human::time(change.slot.at, view.tz),
    };
    row(out, change, style, &when, &detail(view, change));
    if publishes(&change.kind)
        && let Some(preview) = view.preview(&change.slot.post, &change.slot.target)
    {
        let _ = writeln!(out, "{PREVIEW_INDENT}{}", style.paint(DIM, &preview.line()));
    }
}

fn row(out: &mut String, change: &Change, style: Style, when: &str, detail: &str) {
    let (symbol, label, color) = look(&change.kind);
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
        style.paint(DIM, detail),
    );
}

fn heading(out: &mut String, style: Style, title: &str) {
    let _ = writeln!(out, "\n{}", style.paint(BOLD, title));
}

fn repeats(out: &mut String, view: &View, style: Style) {
    if view.repeats.is_empty() {
        return;
    }
    heading(out, style, "Repeating");
    for r in view.repeats {
        let status = if r.status == "scheduled" {
            String::new()
        } else {
            format!(" ({})", r.status)
        };
        let _ = writeln!(
            out,
            "  ↻ {}{status}  {}",
            style.paint(BOLD, &r.post),
            r.rule
        );
        let mut facts = Vec::new();
        if view.horizon.is_some() {
            facts.push(format!(
                "{} time{} within the horizon",
                r.within_horizon,
                if r.within_horizon == 1 { "" } else { "s" }
            ));
        }
        if let Some(next) = r.next {
            facts.push(format!("next {}", human::datetime(next, view.tz)));
        }
        facts.push(match r.last_published {
            Some(last) => format!(
                "published {} time{} so far, last {}",
                r.published,
                if r.published == 1 { "" } else { "s" },
                human::datetime(last, view.tz)
            ),
            None => "not published yet".to_owned(),
        });
        let targets: Vec<String> = r.targets.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "{PREVIEW_INDENT}{}",
            style.paint(
                DIM,
                &format!("→ {}; {}", targets.join(", "), facts.join("; "))
            )
        );
    }
}

/// The human rendering.
pub fn human(view: &View, color: bool) -> String {
    let style = Style::new(color);
    let plan = view.plan;
    let tz = view.tz;
    let mut out = String::new();
    let mut title = format!(
        "Plan at {} {} ({tz})",
        human::day(plan.now, tz),
        human::time(plan.now, tz)
    );
    if let Some(horizon) = view.horizon {
        let _ = write!(
            title,
            "; repeating posts listed up to {}",
            human::datetime(horizon, tz)
        );
    }
    let _ = writeln!(out, "{}", style.paint(BOLD, &title));
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
    if !now.is_empty() {
        heading(&mut out, style, "Now");
        for c in &now {
            line(&mut out, view, c, style, true);
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
        let d = human::day(c.slot.at, tz);
        if day.as_ref() != Some(&d) {
            heading(&mut out, style, &d);
            day = Some(d);
        }
        line(&mut out, view, c, style, false);
    }
    repeats(&mut out, view, style);
    attention(&mut out, view, style);
    let held: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::Paused | ChangeKind::Draft))
        .collect();
    if !held.is_empty() {
        heading(&mut out, style, "Held back");
        for c in held {
            line(&mut out, view, c, style, true);
        }
    }
    if plan.changes.is_empty() {
        let _ = writeln!(out, "\nNothing scheduled.");
    }
    let _ = writeln!(out, "\n{}", summary_line(&plan.summary, plan.errors));
    out
}

/// Needs review, drift, missed, failed, blocked, orphans. Missed occurrences of one post and
/// target (a repeating post after downtime) are one line with their count: every one is in the
/// summary and the JSON.
fn attention(out: &mut String, view: &View, style: Style) {
    let attention: Vec<&Change> = view
        .plan
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
    if attention.is_empty() {
        return;
    }
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
    heading(out, style, "Needs attention");
    for c in attention {
        if !matches!(c.kind, ChangeKind::Missed { .. }) {
            line(out, view, c, style, true);
            continue;
        }
        // The first missed occurrence of a stream stands for all of them.
        match missed.remove(&(c.slot.post.as_str(), &c.slot.target)) {
            Some((n, last)) if n > 1 => {
                let detail = format!(
                    "and {} more until {}: a repeating post catches up only its latest \
                     occurrence, and only within max_lateness ({}); the others are not posted \
                     late",
                    n - 1,
                    human::datetime(last, view.tz),
                    human::duration(view.max_lateness)
                );
                row(out, c, style, &human::datetime(c.slot.at, view.tz), &detail);
            }
            Some(_) => line(out, view, c, style, true),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Tz;

    use super::*;
    use crate::plan::{Plan, Summary};
    use crate::state::SlotKey;

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
        let out = human(&View::new(&plan, Tz::UTC), false);
        assert_eq!(out.matches("minutely").count(), 2, "{out}");
        assert!(
            out.contains(
                "2026-12-01 08:41 UTC  minutely → threads/acme  and 18 more until 2026-12-01 08:59 UTC"
            ),
            "{out}"
        );
        assert!(
            out.contains("08:30 UTC  once → threads/acme  its time passed more than max_lateness (1 h) ago: not posted late. To post it, move `at` later"),
            "{out}"
        );
        assert!(
            out.contains("1 to publish, 0 waiting, 0 drifted, 20 missed"),
            "{out}"
        );
    }
}
