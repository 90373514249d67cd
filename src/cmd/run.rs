//! `postcal run`: the daemon (or one pass of it with `--once`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use miette::{IntoDiagnostic, miette};
use tokio::sync::watch;

use super::Exit;
use super::plan::parse_now;
use crate::clock::{SharedClock, SystemClock, WarpClock};
use crate::plan::render::summary_line;
use crate::reconcile::{
    Daemon, FakePublisher, Options, Publisher, RecordingPublisher, Wakeup, WatchOptions,
};
use crate::state::{self, MemStore, OpenMode, Record, SledStore, StateLock, Store};

/// Publish on time: watch the calendar and publish each slot when it is due.
///
/// Takes an exclusive lock on the calendar's state directory (`.postcal/`), then loops: after
/// any change to the manifests (debounced) or when the next slot comes due, it recomputes the
/// plan and acts on what is due; in between it sleeps. Every step of a publication is recorded
/// durably before the next, so a crash or kill at any moment never posts twice and never loses
/// a post: on restart, unfinished work is resolved by look-up. SIGINT/SIGTERM finish the step
/// in flight, then exit 0.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Act on what is due now, then exit (for cron and CI) instead of running as a daemon.
    #[arg(long)]
    pub once: bool,
    /// Publish nothing and write no state: print what would be done. Reads the current state,
    /// so it shows exactly what a real run would do next.
    #[arg(long)]
    pub dry_run: bool,
    /// Start the clock at this time (RFC 3339, or local time in the calendar's timezone) for
    /// demos and tests; with --warp it runs faster than real time.
    #[arg(long)]
    pub now: Option<String>,
    /// With --now: how many times faster than real time the clock runs (60 = an hour a minute),
    /// from 0.001 to 1000000.
    #[arg(
        long,
        default_value_t = 1.0,
        requires = "now",
        allow_hyphen_values = true,
        value_parser = parse_warp
    )]
    pub warp: f64,
    /// Log format on stderr. Set POSTCAL_LOG (e.g. `debug`, `postcal=trace`) for more detail.
    #[arg(long, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    /// Quiet time after the last file change before rescanning, in milliseconds: editors and
    /// `git checkout` write many files at once, and one rescan covers them all.
    #[arg(long, default_value_t = 300)]
    pub debounce_ms: u64,
    /// Longest wait from the first change of a burst to its rescan, in milliseconds, so a
    /// directory that never stops changing is still picked up.
    #[arg(long, default_value_t = 3000)]
    pub debounce_cap_ms: u64,
    /// Which publisher to use. Platform adapters are not built yet; `fake` is an in-process
    /// fake platform for tests and benchmarks.
    #[arg(long, value_enum, hide = true)]
    pub publisher: Option<PublisherChoice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublisherChoice {
    Fake,
}

/// Parses `--warp`: a finite factor within [`WarpClock::FACTORS`]; anything else is a usage
/// error (0, negative, NaN or infinite factors would stop or break the clock).
fn parse_warp(value: &str) -> Result<f64, String> {
    let range = WarpClock::FACTORS;
    let factor: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a number"))?;
    if range.contains(&factor) {
        Ok(factor)
    } else {
        Err(format!(
            "must be from {} to {} (how many times faster than real time the clock runs)",
            range.start(),
            range.end()
        ))
    }
}

/// Installs the tracing subscriber (stderr, human or JSON, filtered by `POSTCAL_LOG`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTCAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

pub fn run(args: Args) -> miette::Result<Exit> {
    init_logging(args.log_format);
    if !args.dir.join(crate::manifest::load::CONFIG_FILE).is_file() {
        return Err(miette!(
            "no postcal.yaml in {}; give postcal the calendar directory",
            args.dir.display()
        ));
    }
    let publisher: Arc<dyn Publisher> = match (args.dry_run, args.publisher) {
        (true, _) => Arc::new(RecordingPublisher::new(true)),
        (false, Some(PublisherChoice::Fake)) => Arc::new(FakePublisher::new()),
        (false, None) => {
            return Err(miette!(
                help = "run `postcal run --dry-run` to see what would be published, and when",
                "postcal cannot publish to the platforms yet (the platform adapters are not built)"
            ));
        }
    };
    let clock: SharedClock = match &args.now {
        Some(v) => {
            let tz = crate::manifest::load::config_only(&args.dir)
                .and_then(|c| crate::manifest::time::parse_timezone(&c.timezone.value).ok());
            Arc::new(WarpClock::new(
                parse_now(v, tz.or(Some(Tz::UTC)))?,
                args.warp,
            ))
        }
        None => Arc::new(SystemClock),
    };
    let state_dir = state::state_dir(&args.dir);
    // The lock comes first: a second instance fails here, before it has touched anything.
    #[allow(clippy::type_complexity)]
    let (store, records, _lock, snapshot_dir): (
        Box<dyn Store>,
        Vec<Record>,
        Option<StateLock>,
        Option<PathBuf>,
    ) = if args.dry_run {
        let observed = state::read_observed(&state_dir).into_diagnostic()?;
        let records = observed.records.clone();
        (
            Box::new(MemStore::with_records(observed.records)),
            records,
            None,
            None,
        )
    } else {
        let lock = StateLock::acquire(&state_dir).into_diagnostic()?;
        let (store, records) = SledStore::open_and_load(&state_dir, OpenMode::Create)
            .into_diagnostic()?
            .ok_or_else(|| miette!("the state store could not be created"))?;
        (Box::new(store), records, Some(lock), Some(state_dir))
    };
    let options = Options {
        snapshot_dir,
        ..Options::default()
    };
    let mut daemon =
        Daemon::with_records(args.dir.clone(), store, records, publisher, clock, options);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .into_diagnostic()?;
    runtime.block_on(async {
        let wake = Wakeup::new();
        if args.once {
            let (_stop, stop_rx) = watch::channel(false);
            let plan = daemon.pass(&wake, &stop_rx).await.into_diagnostic()?;
            super::output::print(&format!("{}\n", summary_line(&plan.summary, plan.errors)))?;
            return Ok(Exit::Clean);
        }
        let _watcher = crate::reconcile::watch(
            &args.dir,
            wake.clone(),
            WatchOptions {
                debounce: Duration::from_millis(args.debounce_ms),
                cap: Duration::from_millis(args.debounce_cap_ms.max(args.debounce_ms)),
            },
        )
        .into_diagnostic()?;
        let (stop, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("signal received: finishing the step in flight, then exiting");
            let _ = stop.send(true);
            // Keep the sender alive so the daemon sees `true`, not a closed channel.
            std::future::pending::<()>().await;
        });
        tracing::info!(dir = %args.dir.display(), pid = std::process::id(), "postcal daemon started");
        daemon.run(wake, stop_rx).await.into_diagnostic()?;
        Ok(Exit::Clean)
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
