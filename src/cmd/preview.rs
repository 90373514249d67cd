//! `postcal preview`: the calendar as a static site, for reviewers.

use std::path::PathBuf;
use std::time::Instant;

use miette::IntoDiagnostic;

use super::Exit;
use super::export::{Window, calendar_name};
use crate::diag::group_digits;

/// Render the calendar as a static site: a month and week view of every slot, and a page per
/// post showing each target as its platform will show it.
///
/// Reviewers see what a change really posts: Instagram captions folded where the feed folds
/// them, pictures cropped as each feed crops them, Threads' 500-character limit, TikTok's title
/// and cover, Facebook's link preview, and every diagnostic at its line. The site is plain
/// files (no network, no script): open `index.html`, attach it to a CI run, or serve it.
/// Runs again in well under a second when little changed: thumbnails are cached by content
/// hash and only changed pages are written. Reads the state read-only; never publishes.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub window: Window,
    /// Where to write the site (default: `.postcal/preview` in the calendar, never committed).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Open the index in the desktop's browser when done.
    #[arg(long)]
    pub open: bool,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    let started = Instant::now();
    let window = &args.window;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::state::state_dir(&window.dir).join("preview"));
    let (loaded, observed) = std::thread::scope(|scope| {
        let observed = scope.spawn(|| window.observed());
        let loaded = crate::preview::load(&window.dir);
        let observed = observed
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (loaded, observed)
    });
    let loaded = loaded.into_diagnostic()?;
    let agenda = window.agenda(&loaded.desired, observed?)?;
    let report = crate::preview::build(
        &window.dir,
        &out,
        &loaded,
        &agenda,
        &calendar_name(&window.dir),
    )
    .into_diagnostic()?;
    let t = &report.thumbs;
    super::output::note(&format!(
        "preview: {} posts, {} slots in {} months and {} weeks; {} pages written, {} unchanged, \
         {} removed; {} thumbnails made, {} reused ({:.2} s)\n  {}",
        group_digits(report.posts as u64),
        group_digits(report.slots as u64),
        report.months,
        report.weeks,
        group_digits(report.written as u64),
        group_digits(report.unchanged as u64),
        report.removed,
        t.made,
        t.reused,
        started.elapsed().as_secs_f64(),
        report.index.display()
    ));
    for (file, why) in &t.failed {
        super::output::note(&format!("warning: no thumbnail for {file}: {why}"));
    }
    if agenda.errors > 0 {
        super::output::note(&format!(
            "note: the calendar has {} error(s); the preview shows each at its line",
            agenda.errors
        ));
    }
    if args.open {
        open(&report.index);
    }
    Ok(Exit::Clean)
}

/// Opens `path` with the desktop's opener; a missing opener is a note, not a failure.
fn open(path: &std::path::Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        super::output::note(&format!(
            "note: could not run {opener} ({e}); open {} yourself",
            path.display()
        ));
    }
}
