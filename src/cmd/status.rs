//! `postcal status`: one row per slot postcal has worked on.

use std::fmt::Write;
use std::path::PathBuf;

use chrono::SecondsFormat;
use miette::IntoDiagnostic;
use serde::Serialize;

use super::Exit;
use super::output::ColorChoice;
use super::plan::PlanFormat;
use crate::plan::render::{BLUE, DIM, GREEN, RED, Style, YELLOW};
use crate::state::{self, ObservedSource, Record, SlotState};

/// Show what postcal did: one row per slot (post, account, time, state, remote id or
/// permalink, last error, next action).
///
/// Safe while the daemon runs: it reads the daemon's status snapshot then, and never waits for
/// or blocks the daemon. Slots in `needs_review` may or may not have been published: check
/// them on the platform.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

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

/// The human table.
pub fn human(records: &[Record], source: &ObservedSource, color: bool) -> String {
    let style = Style::new(color);
    let mut out = String::new();
    match source {
        ObservedSource::Empty => {
            let _ = writeln!(
                out,
                "No state yet: postcal has not worked on any slot here."
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
                        "(daemon pid {pid} running; snapshot of {})",
                        written_at.to_rfc3339_opts(SecondsFormat::Secs, true)
                    )
                )
            );
        }
        ObservedSource::Store => {}
    }
    let rows: Vec<[String; 7]> = records
        .iter()
        .map(|r| {
            let error = match &r.state {
                SlotState::Failed { reason, .. } => reason.clone(),
                SlotState::NeedsReview { why } => why.clone(),
                _ => r.last_error.clone().unwrap_or_default(),
            };
            [
                r.key.post.clone(),
                r.key.target.to_string(),
                r.key.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                r.state.name().to_owned(),
                remote(&r.state),
                error,
                r.next_action
                    .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "POST",
        "ACCOUNT",
        "TIME",
        "STATE",
        "REMOTE",
        "LAST ERROR",
        "NEXT ACTION",
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
    let review = records
        .iter()
        .filter(|r| matches!(r.state, SlotState::NeedsReview { .. }))
        .count();
    let published = records
        .iter()
        .filter(|r| matches!(r.state, SlotState::Published { .. }))
        .count();
    let _ = writeln!(
        out,
        "\n{} slots: {published} published, {review} need review",
        records.len()
    );
    out
}

pub fn run(args: Args) -> miette::Result<Exit> {
    // "No state yet" is true of a calendar postcal never ran on, not of a mistyped path.
    match std::fs::metadata(&args.dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(crate::manifest::load::LoadError::NotADirectory { path: args.dir })
                .into_diagnostic();
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(crate::manifest::load::LoadError::NotFound { path: args.dir })
                .into_diagnostic();
        }
        Err(source) => {
            return Err(crate::manifest::load::LoadError::Io {
                path: args.dir,
                source,
            })
            .into_diagnostic();
        }
    }
    let observed = state::read_observed(&state::state_dir(&args.dir)).into_diagnostic()?;
    for w in crate::auth::summary::calendar_warnings(&args.dir, chrono::Utc::now()) {
        super::output::note(&format!("warning: {w}"));
    }
    let out = match args.format {
        PlanFormat::Human => human(&observed.records, &observed.source, args.color.enabled()),
        PlanFormat::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                format_version: u32,
                source: &'static str,
                records: &'a [Record],
            }
            let doc = Doc {
                format_version: state::snapshot::SNAPSHOT_FORMAT_VERSION,
                source: match observed.source {
                    ObservedSource::Empty => "empty",
                    ObservedSource::Store => "store",
                    ObservedSource::Snapshot { .. } => "snapshot",
                },
                records: &observed.records,
            };
            let mut s = serde_json::to_string_pretty(&doc).into_diagnostic()?;
            s.push('\n');
            s
        }
    };
    super::output::print(&out)?;
    Ok(Exit::Clean)
}
