//! `postcal status`: one row per slot postcal has worked on (rendered by
//! [`crate::state::status_render`]).

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use miette::IntoDiagnostic;

use super::Exit;
use crate::state::{self, status_render};

/// Show what postcal did: one row per slot (post, account, time, state, remote id or
/// permalink, next action, and a note: the last error, why it waits, what to check).
///
/// Safe while the daemon runs: it reads the daemon's status snapshot then, and never waits for
/// or blocks the daemon. Slots in `needs_review` may or may not have been published: check
/// them on the platform. Times are in the calendar's timezone; `--format json` has them in
/// RFC 3339 UTC. To see what postcal will do next, run `postcal plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = StatusFormat::Human)]
    pub format: StatusFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// A table, one row per slot, times in the calendar's timezone, then a count per state.
    Human,
    /// A versioned JSON document (`format_version`): every record as stored, times in UTC.
    Json,
}

/// The calendar's timezone, for showing times (UTC when postcal.yaml cannot say).
pub fn calendar_timezone(dir: &Path) -> Tz {
    crate::manifest::load::config_only(dir)
        .and_then(|c| crate::manifest::time::parse_timezone(&c.timezone.value).ok())
        .unwrap_or(Tz::UTC)
}

pub fn run(args: Args) -> miette::Result<Exit> {
    // "No state yet" is true of a calendar postcal never ran on, not of a mistyped path.
    super::calendar_dir(&args.dir)?;
    let observed = state::read_observed(&state::state_dir(&args.dir)).into_diagnostic()?;
    for w in crate::auth::summary::calendar_warnings(&args.dir, chrono::Utc::now()) {
        super::output::note(&format!("warning: {w}"));
    }
    if let Some(sync) = crate::gitops::SyncState::read(&state::state_dir(&args.dir)) {
        let tz = calendar_timezone(&args.dir);
        let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or_else(|| "never".to_owned(), |t| crate::human::datetime(t, tz))
        };
        let commit = sync
            .commit
            .as_deref()
            .map_or("no commit", |c| &c[..c.len().min(10)]);
        super::output::note(&format!(
            "following {} {} at {commit}; last sync {}, next {}",
            sync.remote,
            sync.branch,
            at(sync.last_sync),
            at(sync.next_try)
        ));
        if let Some(problem) = &sync.problem {
            super::output::note(&format!("warning: sync: {problem}"));
        }
    }
    let out = match args.format {
        StatusFormat::Human => {
            let plan_hint = if args.dir == Path::new(".") {
                "postcal plan".to_owned()
            } else {
                format!("postcal plan {}", args.dir.display())
            };
            status_render::human(
                &observed.records,
                &observed.source,
                calendar_timezone(&args.dir),
                super::output::stdout_color(),
                &plan_hint,
            )
        }
        StatusFormat::Json => status_render::json(&observed.records, &observed.source),
    };
    super::output::print(&out)?;
    Ok(Exit::Clean)
}
