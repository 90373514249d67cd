//! `postcal plan`: what the daemon would do, and when.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use miette::{IntoDiagnostic, miette};

use super::Exit;
use super::output::ColorChoice;
use crate::manifest::time::parse_time;
use crate::plan::{self, Policy, render};
use crate::state::{self, ObservedSource};

/// Show what postcal will publish and when, against what it already did.
///
/// Reads the manifests and the state (while a daemon runs, its status snapshot), and prints
/// every slot: to publish now, waiting, to retry, published (drift when the manifest changed
/// since; orphan when the manifest is gone), missed, blocked by errors, paused, draft. It never
/// publishes and never writes state. Exit codes: 0 nothing to do, 1 an error (including
/// manifest errors), 2 something to do (only with --detailed-exitcode).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Plan as if it were this time: RFC 3339 (`2026-12-01T09:00:00Z`) or a local time in the
    /// calendar's timezone (`2026-12-01 09:00`). Useful to preview a day, and in tests.
    #[arg(long)]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Exit 2 when anything is to publish, retry or resume, now or later (for CI gates and
    /// scripts), instead of 0.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Grouped by time, with symbols and a summary line.
    Human,
    /// A versioned JSON document (`format_version`).
    Json,
}

/// Parses `--now`: RFC 3339, or a local time in `tz`.
pub fn parse_now(value: &str, tz: Option<Tz>) -> miette::Result<DateTime<Utc>> {
    let spec = parse_time(value).map_err(|e| miette!("--now: {e}"))?;
    spec.resolve(tz.unwrap_or(Tz::UTC))
        .instant()
        .ok_or_else(|| miette!("--now: `{value}` does not exist in that timezone (DST gap)"))
}

pub fn run(args: Args) -> miette::Result<Exit> {
    // The store and the manifests are independent reads: do them at once.
    let state_dir = state::state_dir(&args.dir);
    let (desired, observed) = std::thread::scope(|scope| {
        let observed = scope.spawn(|| state::read_observed(&state_dir));
        let desired = plan::desired::load(&args.dir);
        let observed = observed
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (desired, observed)
    });
    let desired = desired.into_diagnostic()?;
    let observed = observed.into_diagnostic()?;
    let now = match &args.now {
        Some(v) => parse_now(v, desired.timezone)?,
        None => Utc::now(),
    };
    if let ObservedSource::Snapshot { written_at, pid } = &observed.source {
        super::output::note(&format!(
            "note: a daemon (pid {pid}) holds the state; using its snapshot of {}",
            written_at.to_rfc3339()
        ));
    }
    let records: BTreeMap<_, _> = observed
        .records
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect();
    for w in crate::auth::summary::calendar_warnings(&args.dir, now) {
        super::output::note(&format!("warning: {w}"));
    }
    let plan = plan::plan(&desired, &records, now, &Policy::new(desired.max_lateness));
    let out = match args.format {
        PlanFormat::Human => render::human(
            &plan,
            desired.timezone.unwrap_or(Tz::UTC),
            args.color.enabled(),
        ),
        PlanFormat::Json => render::json(&plan),
    };
    super::output::print(&out)?;
    Ok(if plan.errors > 0 {
        Exit::Problems
    } else if args.detailed_exitcode && plan.summary.pending() > 0 {
        Exit::ChangesPending
    } else {
        Exit::Clean
    })
}
