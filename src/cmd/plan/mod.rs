//! `postcal plan`: what the daemon would do, and when.

mod base;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use miette::IntoDiagnostic;

use super::Exit;
use crate::manifest::time::parse_time;
use crate::plan::render::View;
use crate::plan::{self, Policy, render, repeats};
use crate::state::{self, ObservedSource};

/// Show what postcal will publish and when, against what it already did.
///
/// Reads the manifests and the state (while a daemon runs, its status snapshot), and prints
/// every slot: to publish now, waiting, to retry, published (drift when the manifest changed
/// since; orphan when the manifest is gone), missed, blocked by errors, paused, draft. Under
/// each slot that publishes: the kind of post, its media and the conversions postcal will make
/// (PNG → JPEG, remux), and the start of its text; each repeating post's rule in words. Times
/// are in the calendar's timezone; `--format json` has them in RFC 3339 UTC. It never
/// publishes and never writes state. Exit codes: 0 nothing to do, 1 an error (including
/// manifest errors), 2 something to do (only with --detailed-exitcode), 64 a usage error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Plan as if it were this time: RFC 3339 (`2026-12-01T09:00:00Z`) or a local time in the
    /// calendar's timezone (`2026-12-01 09:00`). Useful to preview a day, and in tests.
    #[arg(long)]
    pub now: Option<String>,
    /// How far ahead to list upcoming occurrences of repeating posts: `4w`, `10d`, `12h`
    /// (the next one is always listed).
    #[arg(long, default_value = "4w", value_parser = parse_horizon)]
    pub horizon: chrono::Duration,
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 2 when anything is to publish, retry or resume, now or later (for CI gates and
    /// scripts), instead of 0.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Show only what the calendar changes against this git revision (a branch against
    /// `main`, for a pull request): slots added, moved, edited, removed, posts it blocks or
    /// makes drift. Needs `git`; the revision is read without touching your working tree.
    #[arg(long, value_name = "REF", conflicts_with = "against")]
    pub base: Option<String>,
    /// Like --base, against another copy of the calendar on disk.
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Grouped by time, with symbols and a summary line.
    Human,
    /// A versioned JSON document (`format_version`).
    Json,
    /// For a pull-request comment: a summary and a compact table, details collapsed.
    Markdown,
}

/// The forms `--now` and `--until` accept, for their errors.
const NOW_FORMS: &str = "write an instant in RFC 3339 (`2026-12-01T09:00:00Z`, \
     `2026-12-01T10:00:00+01:00`) or a local time in the calendar's timezone (`2026-12-01 09:00`, \
     `2026-12-01T09:00:30`); words such as `tomorrow` are not accepted";

/// Parses a time option (`--now`, `--until`): RFC 3339, or a local time in `tz`. A value it
/// cannot read is a usage error that lists the accepted forms.
pub fn parse_time_option(
    option: &str,
    value: &str,
    tz: Option<Tz>,
) -> miette::Result<DateTime<Utc>> {
    let spec = parse_time(value)
        .map_err(|e| super::usage(format!("{option}: {e}"), Some(NOW_FORMS.into())))?;
    spec.resolve(tz.unwrap_or(Tz::UTC)).instant().ok_or_else(|| {
        super::usage(
            format!("{option}: `{value}` does not exist in the calendar's timezone: the clocks skip it (a DST gap)"),
            Some("give a time outside the gap, e.g. an hour later".into()),
        )
    })
}

/// Parses `--now`: RFC 3339, or a local time in `tz`.
pub fn parse_now(value: &str, tz: Option<Tz>) -> miette::Result<DateTime<Utc>> {
    parse_time_option("--now", value, tz)
}

/// Parses `--horizon`: a duration in weeks, days, hours or minutes (`4w`, `10d`, `1d12h`).
fn parse_horizon(value: &str) -> Result<chrono::Duration, String> {
    let weeks = value
        .trim()
        .strip_suffix('w')
        .and_then(|n| n.parse::<i64>().ok())
        .and_then(chrono::Duration::try_weeks);
    let horizon = match weeks {
        Some(w) => w,
        None => crate::manifest::time::parse_duration(value)
            .map_err(|_| format!("`{value}` is not a duration; write e.g. `4w`, `10d` or `12h`"))?,
    };
    if horizon <= chrono::Duration::zero() || horizon > chrono::Duration::days(3660) {
        return Err(format!(
            "`{value}`: give a horizon from a minute to 10 years"
        ));
    }
    Ok(horizon)
}

pub fn run(args: Args) -> miette::Result<Exit> {
    super::calendar_dir(&args.dir)?;
    // The store and the manifests are independent reads: do them at once.
    let state_dir = state::state_dir(&args.dir);
    let (desired, observed) = std::thread::scope(|scope| {
        let observed = scope.spawn(|| state::read_observed(&state_dir));
        let desired = plan::desired::load_with_previews(&args.dir);
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
    let tz = desired.timezone.unwrap_or(Tz::UTC);
    if let ObservedSource::Snapshot { written_at, pid } = &observed.source {
        super::output::note(&format!(
            "note: a daemon (pid {pid}) holds the state; using its snapshot of {}",
            crate::human::datetime(*written_at, tz)
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
    let horizon = now + args.horizon;
    let policy = Policy {
        horizon: args.horizon,
        upcoming_limit: repeats::LIST_LIMIT,
        ..Policy::new(desired.max_lateness)
    };
    let plan = plan::plan(&desired, &records, now, &policy);
    let repeating = repeats::repeating(&desired, &records, now, horizon, tz);
    let view = View {
        horizon: Some(horizon),
        max_lateness: desired.max_lateness,
        repeats: &repeating,
        ..View::new(&plan, tz).with_previews(&desired)
    };
    let base = match (&args.base, &args.against) {
        (Some(rev), _) => {
            let tree = base::checkout(&args.dir, rev)?;
            Some((
                rev.clone(),
                base::plan_of(&tree.calendar, &records, now, &policy)?,
                Some(tree),
            ))
        }
        (None, Some(dir)) => Some((
            dir.display().to_string(),
            base::plan_of(dir, &records, now, &policy)?,
            None,
        )),
        (None, None) => None,
    };
    let out = match (args.format, &base) {
        (PlanFormat::Human, None) => render::human(&view, super::output::stdout_color()),
        (PlanFormat::Json, None) => render::json(&view),
        (PlanFormat::Markdown, None) => render::markdown(&view),
        (format, Some((name, (base_plan, base_desired), _))) => {
            let differences = plan::diff::diff((base_plan, base_desired), (&plan, &desired));
            match format {
                PlanFormat::Markdown => render::markdown_diff(&view, name, &differences),
                PlanFormat::Json => base::json(name, &differences),
                PlanFormat::Human => base::human(name, &differences, tz),
            }
        }
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
