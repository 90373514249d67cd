//! `postcal status`'s two renderings of the records: a table for people (times in the
//! calendar's timezone, with the zone) and a versioned JSON document for programs.
//!
//! JSON is the contract: `{"format_version": 1, "source": "empty"|"store"|"snapshot",
//! "records": [Record, ...]}`, each record as the store keeps it (times RFC 3339 UTC). Its
//! version is [`STATUS_FORMAT_VERSION`], its own: the daemon's snapshot file has another
//! ([`super::snapshot::SNAPSHOT_FORMAT_VERSION`]), and either may change without the other.

use std::fmt::Write;

use chrono_tz::Tz;
use serde::Serialize;

use super::{ObservedSource, Record, SlotState};
use crate::human::{self, BLUE, DIM, GREEN, RED, Style, YELLOW};

/// Version of `status --format json`; bump on incompatible changes (adding fields is not one).
pub const STATUS_FORMAT_VERSION: u32 = 1;

fn color_of(state: &SlotState) -> &'static str {
    match state {
        SlotState::Published { .. } => GREEN,
        SlotState::Planned | SlotState::Preparing | SlotState::Prepared { .. } => BLUE,
        SlotState::Armed { .. }
        | SlotState::Committed { .. }
        | SlotState::Failed {
            permanent: false, ..
        } => YELLOW,
        SlotState::Failed { .. } | SlotState::NeedsReview { .. } | SlotState::Missed => RED,
    }
}

fn remote(state: &SlotState) -> String {
    match state {
        SlotState::Published {
            remote_id,
            permalink,
            ..
        } => permalink.clone().unwrap_or_else(|| remote_id.clone()),
        SlotState::Prepared { remote_ids }
        | SlotState::Armed { remote_ids }
        | SlotState::Committed { remote_ids } => remote_ids.join(","),
        _ => String::new(),
    }
}

/// What a person should know about the slot beyond its state: why it failed, why it waits,
/// what to check.
fn note(r: &Record) -> String {
    match &r.state {
        SlotState::Failed {
            reason,
            permanent: true,
        } => format!("{reason} (waits for the manifest to change)"),
        SlotState::NeedsReview { why } => {
            format!("{why}; check the account, then `postcal resolve` the slot as published or not")
        }
        SlotState::Missed => {
            "its time passed while postcal could not post it; not posted late".to_owned()
        }
        _ => match (&r.waiting, &r.last_error) {
            (Some(why), _) => format!("waiting: {why}"),
            (None, Some(error)) => format!("last error: {error}"),
            (None, None) => String::new(),
        },
    }
}

/// The human table. `plan_hint` is the command that shows the plan (`postcal plan DIR`),
/// offered when there is no state yet.
pub fn human(
    records: &[Record],
    source: &ObservedSource,
    tz: Tz,
    color: bool,
    plan_hint: &str,
) -> String {
    let style = Style::new(color);
    let mut out = String::new();
    match source {
        ObservedSource::Empty => {
            let _ = writeln!(
                out,
                "No state yet: postcal has not published or tried anything from this calendar.\n\
                 `{plan_hint}` shows what it will publish, and when."
            );
            return out;
        }
        ObservedSource::Snapshot { written_at, pid } => {
            let _ = writeln!(
                out,
                "{}",
                style.paint(
                    DIM,
                    &format!(
                        "(daemon pid {pid} running; its snapshot of {})",
                        human::datetime(*written_at, tz)
                    )
                )
            );
        }
        ObservedSource::Store => {}
    }
    let rows: Vec<[String; 7]> = records
        .iter()
        .map(|r| {
            [
                r.key.post.clone(),
                r.key.target.to_string(),
                human::datetime(r.key.at, tz),
                if r.waiting.is_some() {
                    "waiting".to_owned()
                } else {
                    r.state.name().to_owned()
                },
                remote(&r.state),
                r.next_action
                    .map(|t| human::datetime(t, tz))
                    .unwrap_or_default(),
                note(r),
            ]
        })
        .collect();
    let header = [
        "POST",
        "ACCOUNT",
        "TIME",
        "STATE",
        "REMOTE",
        "NEXT ACTION",
        "NOTE",
    ];
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    let head: Vec<String> = header
        .iter()
        .zip(&widths)
        .map(|(h, w)| pad(h, *w))
        .collect();
    let _ = writeln!(out, "{}", head.join("  ").trim_end());
    for (row, record) in rows.iter().zip(records) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                // Pad before painting: escape codes would skew the columns.
                let cell = pad(c, *w);
                if i == 3 {
                    style.paint(color_of(&record.state), &cell)
                } else {
                    cell
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    let _ = writeln!(out, "\n{}", summary_line(records));
    out
}

/// `5 slots: 3 published, 1 need review` and every other state that is not zero.
fn summary_line(records: &[Record]) -> String {
    let (mut published, mut review, mut in_flight, mut retry) = (0, 0, 0, 0);
    let (mut waiting, mut failed, mut missed) = (0, 0, 0);
    for r in records {
        match &r.state {
            _ if r.waiting.is_some() => waiting += 1,
            SlotState::Published { .. } => published += 1,
            SlotState::NeedsReview { .. } => review += 1,
            SlotState::Failed {
                permanent: false, ..
            } => retry += 1,
            SlotState::Failed { .. } => failed += 1,
            SlotState::Missed => missed += 1,
            s if s.in_flight() => in_flight += 1,
            _ => {}
        }
    }
    let mut line = format!(
        "{} slot{}: {published} published, {review} need review",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
    );
    for (n, what) in [
        (in_flight, "in flight"),
        (retry, "to retry"),
        (waiting, "waiting for a quota or a login"),
        (failed, "failed"),
        (missed, "missed"),
    ] {
        if n > 0 {
            let _ = write!(line, ", {n} {what}");
        }
    }
    line
}

/// The JSON document (pretty, newline-terminated).
pub fn json(records: &[Record], source: &ObservedSource) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        format_version: u32,
        source: &'static str,
        records: &'a [Record],
    }
    let doc = Doc {
        format_version: STATUS_FORMAT_VERSION,
        source: match source {
            ObservedSource::Empty => "empty",
            ObservedSource::Store => "store",
            ObservedSource::Snapshot { .. } => "snapshot",
        },
        records,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
