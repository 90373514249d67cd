//! `postcal export ics`: the calendar as an iCalendar file to subscribe to.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use miette::{IntoDiagnostic, miette};

use super::Exit;
use crate::agenda::{self, Agenda};
use crate::plan::Desired;
use crate::state::{self, Observed, ObservedSource};

/// Export the calendar for other tools.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub format: Format,
}

#[derive(Debug, clap::Subcommand)]
pub enum Format {
    /// Every slot as an iCalendar (RFC 5545) event, its state in the summary, so the team can
    /// subscribe in any calendar app. UIDs come from post id, target and occurrence, so edits,
    /// renames and reorders update events in place. Serve the file statically (a web server, a
    /// bucket) and refresh it on a timer or after each merge.
    Ics(IcsArgs),
}

#[derive(Debug, clap::Args)]
pub struct IcsArgs {
    #[command(flatten)]
    pub window: Window,
    /// Write here (atomically: a subscriber never reads half a file) instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Which calendar, which state, and which stretch of time: shared by `export` and `preview`.
#[derive(Debug, clap::Args)]
pub struct Window {
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// As if it were this time: RFC 3339 or a local time in the calendar's timezone. Decides
    /// what is due, waiting or missed.
    #[arg(long)]
    pub now: Option<String>,
    /// How many days ahead repeating posts are listed (every one-off post is listed anyway).
    #[arg(long, default_value_t = agenda::DEFAULT_HORIZON_DAYS, value_parser = clap::value_parser!(i64).range(1..=3660))]
    pub horizon_days: i64,
    /// Read the state of runs against a `postcal sandbox` (`run --sandbox-url`, kept in
    /// `.postcal/sandbox/`) instead of the real one. The in-process `run --sandbox` keeps none.
    #[arg(long)]
    pub sandbox: bool,
}

impl Window {
    /// The state directory this window reads.
    pub fn state_dir(&self) -> PathBuf {
        let real = state::state_dir(&self.dir);
        if self.sandbox {
            real.join("sandbox")
        } else {
            real
        }
    }

    /// The records (read-only, as `postcal plan` reads them), with a note when a daemon's
    /// snapshot is used.
    pub fn observed(&self) -> miette::Result<Observed> {
        let observed = state::read_observed(&self.state_dir()).into_diagnostic()?;
        if let ObservedSource::Snapshot { written_at, pid } = &observed.source {
            super::output::note(&format!(
                "note: a daemon (pid {pid}) holds the state; using its snapshot of {}",
                written_at.to_rfc3339()
            ));
        }
        Ok(observed)
    }

    /// `--now`, or the clock.
    pub fn now(&self, desired: &Desired) -> miette::Result<DateTime<Utc>> {
        match &self.now {
            Some(v) => super::plan::parse_now(v, desired.timezone),
            None => Ok(Utc::now()),
        }
    }

    /// The agenda of `desired` against the state.
    pub fn agenda(&self, desired: &Desired, observed: Observed) -> miette::Result<Agenda> {
        let now = self.now(desired)?;
        Ok(agenda::agenda(
            desired,
            observed.records,
            now,
            Duration::days(self.horizon_days),
        ))
    }
}

pub fn run(args: Args) -> miette::Result<Exit> {
    match args.format {
        Format::Ics(args) => ics(args),
    }
}

fn ics(args: IcsArgs) -> miette::Result<Exit> {
    let window = &args.window;
    let desired = crate::plan::desired::load(&window.dir).into_diagnostic()?;
    let agenda = window.agenda(&desired, window.observed()?)?;
    let name = calendar_name(&window.dir);
    let text = crate::ics::render(&agenda, &name);
    match &args.out {
        Some(path) => write_atomically(path, text.as_bytes())
            .map_err(|e| miette!("cannot write {}: {e}", path.display()))?,
        None => super::output::print(&text)?,
    }
    if agenda.errors > 0 {
        super::output::note(&format!(
            "note: the calendar has {} error(s); their posts are shown as blocked \
             (`postcal validate` lists them)",
            agenda.errors
        ));
    }
    Ok(Exit::Clean)
}

/// The calendar's name in apps: its directory's name.
pub fn calendar_name(dir: &Path) -> String {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "calendar".into());
    format!("postcal: {base}")
}

/// Writes through a temporary file in the same directory and renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file path"))?;
    let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
