//! `postcal validate`: check every manifest against every platform rule, offline.

use std::path::PathBuf;

use miette::IntoDiagnostic;

use super::Exit;
use super::output::{Format, stdout_color};
use crate::diag;
use crate::manifest::LoadOptions;
use crate::rules::validation::{Validation, validate};

/// Check the calendar: every manifest, against every platform rule, offline.
///
/// Reports every problem at once (never only the first), each with a stable code, the exact
/// file:line:column, and help. Run it in your editor loop and in CI on every pull request:
/// it exits 0 when the calendar is clean (warnings allowed), 1 when there are errors.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format. `github` prints annotations that GitHub Actions shows on the PR diff.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    super::calendar_dir(&args.dir)?;
    let Validation {
        diagnostics,
        sources,
        summary,
    } = validate(&args.dir, &LoadOptions::default()).into_diagnostic()?;
    let diagnostics = diagnostics.sorted(&sources);
    let out = match args.format {
        Format::Human => diag::human::render(&diagnostics, &sources, &summary, stdout_color()),
        Format::Json => diag::json::render(&diagnostics, &sources, &summary),
        Format::Github => diag::github::render(&diagnostics, &sources, &summary),
    };
    super::output::print(&out)?;
    Ok(if summary.errors > 0 {
        Exit::Problems
    } else {
        Exit::Clean
    })
}
