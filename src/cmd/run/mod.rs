//! `postcal run`: the daemon (or one pass of it with `--once`).

mod feed;
pub mod logging;
mod report;
mod sync;
mod tokens;
pub mod wiring;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use miette::{IntoDiagnostic, miette};
use tokio::sync::watch;

use super::Exit;
use super::plan::{parse_now, parse_time_option};
use crate::clock::{SharedClock, SystemClock, WarpClock};
use crate::plan::render::{dry_run_summary_line, summary_line};
use crate::reconcile::{
    Daemon, FakePublisher, Options, Publisher, RecordingPublisher, Wakeup, WatchOptions,
};
use crate::state::{self, MemStore, OpenMode, Record, SledStore, StateLock, Store};
pub use logging::LogFormat;
pub use wiring::Destination;

/// Publish on time: watch the calendar and publish each slot when it is due.
///
/// Takes an exclusive lock on the calendar's state directory (`.postcal/`), then loops: after
/// any change to the manifests (debounced) or when the next slot comes due, it recomputes the
/// plan and acts on what is due; in between it sleeps. Slots are prepared ahead of their time
/// where that is harmless (Instagram and Threads containers, unpublished Facebook photos), so
/// a video that takes minutes to process still goes out on time. Every step of a publication
/// is recorded durably before the next, so a crash or kill at any moment never posts twice and
/// never loses a post: on restart, unfinished work is resolved by look-up. SIGINT/SIGTERM stop
/// it between steps and exit 0 within a second (a call still in flight then is cut off, and
/// resolved at the next start as after a crash); a second signal exits at once; SIGHUP rescans.
///
/// Without `--sandbox`, it publishes for real: tokens come from POSTCAL_TOKEN_<PLATFORM>_<ACCOUNT>
/// variables and media are served to the platforms at `public_url` (README, "Publishing for
/// real").
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
    #[arg(long, conflicts_with_all = ["sandbox", "sandbox_url"])]
    pub dry_run: bool,
    /// Publish to a platform simulator started in this process instead of the platforms: the
    /// calendar's accounts are created in it, the media are served to it over loopback, and
    /// every post really goes through the publishing protocol. No credentials, no network.
    #[arg(long, conflicts_with = "sandbox_url")]
    pub sandbox: bool,
    /// Publish to an already running `postcal sandbox` at this URL (its ledger outlives this
    /// process: tests kill the daemon and check it).
    #[arg(long, value_name = "URL")]
    pub sandbox_url: Option<String>,
    /// Exit once nothing is left to publish (every slot published, failed, missed or waiting
    /// for review), instead of waiting for more.
    #[arg(long)]
    pub exit_when_idle: bool,
    /// Exit when the clock reaches this time (RFC 3339, or local time in the calendar's
    /// timezone).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Start the clock at this time (RFC 3339, or local time in the calendar's timezone) for
    /// demos and tests; with --warp it runs faster than real time.
    #[arg(long)]
    pub now: Option<String>,
    /// How many times faster than real time the clock runs (60 = an hour a minute), from
    /// 0.001 to 1000000.
    #[arg(
        long,
        default_value_t = 1.0,
        allow_hyphen_values = true,
        value_parser = parse_warp
    )]
    pub warp: f64,
    /// Jump over the time when nothing is happening (after a short pause) instead of waiting
    /// for it: a demo of months of posts in a minute. Work in flight still runs at --warp.
    #[arg(long)]
    pub fast_forward: bool,
    /// With --fast-forward: the pause before each jump, in milliseconds (tests use 0).
    #[arg(long, default_value_t = 600, hide = true)]
    pub fast_forward_pause_ms: u64,
    /// Follow a git remote (GitOps): DIR is kept as a clone of URL's --git-branch (cloned when
    /// empty), fetched every --git-interval and at once on SIGHUP, and moved only forward to
    /// what the branch holds; a branch rewritten to an older commit is reported, not followed.
    #[arg(long, value_name = "URL")]
    pub git_remote: Option<String>,
    /// The reviewed branch to follow.
    #[arg(
        long,
        value_name = "BRANCH",
        default_value = "main",
        requires = "git_remote"
    )]
    pub git_branch: String,
    /// Seconds between fetches (failed fetches back off, up to an hour).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        requires = "git_remote"
    )]
    pub git_interval: u64,
    /// Where the media server listens (publishing for real): the platforms fetch media through
    /// `public_url`, which a reverse proxy or tunnel maps to this address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8791")]
    pub media_listen: SocketAddr,
    /// Serve the calendar as a live iCalendar feed at `http://ADDR/calendar.ics` (read-only:
    /// the same feed as `postcal export ics`, with the daemon's current states), for the team
    /// to subscribe to. Port 0 picks a free one; the address is logged.
    #[arg(long, value_name = "ADDR")]
    pub ics_listen: Option<SocketAddr>,
    /// How long before its time a slot is prepared (containers, unpublished photos), in
    /// minutes; 0 prepares when due.
    #[arg(long, value_name = "MINUTES", default_value_t = 10)]
    pub prepare_lead: u32,
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
    /// A publisher for tests and benchmarks: `fake` is an in-process fake platform.
    #[arg(long, value_enum, hide = true)]
    pub publisher: Option<PublisherChoice>,
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

/// How long a stop signal waits for the step in flight before the process exits anyway: a
/// step cut off is resolved at the next start, as after a crash.
const STOP_GRACE: Duration = Duration::from_millis(900);

/// Installs the stop signals (SIGINT, SIGTERM) and SIGHUP, first thing, so a signal at any
/// moment is honoured: the first stop asks the daemon to stop between steps and exits anyway
/// after [`STOP_GRACE`]; a second exits at once; SIGHUP makes the daemon rescan.
fn install_signals(
    runtime: &tokio::runtime::Runtime,
) -> miette::Result<(watch::Receiver<bool>, Arc<Wakeup>, Arc<tokio::sync::Notify>)> {
    let _enter = runtime.enter();
    let mut signals = Signals::install().into_diagnostic()?;
    let wake = Wakeup::new();
    let sync_now = Arc::new(tokio::sync::Notify::new());
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hup = signal(SignalKind::hangup()).into_diagnostic()?;
        let wake = wake.clone();
        let sync_now = sync_now.clone();
        runtime.spawn(async move {
            while hup.recv().await.is_some() {
                tracing::info!("SIGHUP: rescanning the calendar (and fetching, with --git-remote)");
                sync_now.notify_one();
                wake.calendar_changed();
            }
        });
    }
    let (stop, stop_rx) = watch::channel(false);
    runtime.spawn(async move {
        signals.next().await;
        tracing::info!("signal received: stopping between steps (a second signal exits at once)");
        let _ = stop.send(true);
        // A plain thread: it exits even if every runtime thread is busy.
        std::thread::spawn(|| {
            std::thread::sleep(STOP_GRACE);
            tracing::warn!("a step was still in flight; exiting now (the next start resolves it)");
            std::process::exit(0);
        });
        signals.next().await;
        tracing::warn!("second signal: exiting now");
        std::process::exit(130);
    });
    Ok((stop_rx, wake, sync_now))
}

pub fn run(args: Args) -> miette::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .into_diagnostic()?;
    let (stop_rx, wake, sync_now) = install_signals(&runtime)?;
    let remote = args.git_remote.as_ref().map(|url| crate::gitops::Remote {
        url: url.clone(),
        branch: args.git_branch.clone(),
    });
    if let Some(remote) = &remote {
        let commit = remote.ensure_clone(&args.dir).map_err(|e| miette!("{e}"))?;
        tracing::info!(commit = %commit, "following {} {}", remote.url, remote.branch);
    }
    super::calendar_dir(&args.dir)?;
    if !args.dir.join(crate::manifest::load::CONFIG_FILE).is_file() {
        return Err(miette!(
            "no postcal.yaml in {}; give postcal the calendar directory",
            args.dir.display()
        ));
    }
    let config = crate::manifest::load::config_only(&args.dir).ok_or_else(|| {
        miette!(
            help = "run `postcal validate` to see what is wrong with it",
            "postcal.yaml cannot be read"
        )
    })?;
    let tz = crate::manifest::time::parse_timezone(&config.timezone.value).unwrap_or(Tz::UTC);
    let start = match &args.now {
        Some(v) => Some(parse_now(v, Some(tz))?),
        None => None,
    };
    let clock: SharedClock = if args.fast_forward {
        let start = start.unwrap_or_else(chrono::Utc::now);
        Arc::new(WarpClock::fast_forward(
            start,
            args.warp,
            Duration::from_millis(args.fast_forward_pause_ms),
        ))
    } else if start.is_some() || args.warp != 1.0 {
        Arc::new(WarpClock::new(
            start.unwrap_or_else(chrono::Utc::now),
            args.warp,
        ))
    } else {
        Arc::new(SystemClock)
    };
    let until = args
        .until
        .as_deref()
        .map(|v| parse_time_option("--until", v, Some(tz)))
        .transpose()?;
    // The sandbox's per-request lines would drown the publications a demo prints; a demo
    // (stdout shows each publication) logs only warnings unless POSTCAL_LOG says otherwise.
    let sandboxed = args.sandbox || args.sandbox_url.is_some();
    logging::init(
        args.log_format,
        if sandboxed {
            "warn"
        } else {
            "info,postcal::sandbox=warn"
        },
        clock.clone(),
        tz,
        super::output::stderr_color(),
    );
    if args.dry_run {
        super::output::print(
            "DRY RUN: nothing is published and no state is written; each line says what a real \
             run would do.\n",
        )?;
    }
    let destination = match (&args.sandbox_url, args.sandbox) {
        (Some(url), _) => Destination::SandboxAt(url.clone()),
        (None, true) => Destination::Sandbox,
        (None, false) => Destination::Platforms {
            media_listen: args.media_listen,
        },
    };
    // Sandbox runs keep their state apart (`.postcal/sandbox/`): a post published to a
    // simulator must never count as published for a real run of the same calendar.
    let real_state = state::state_dir(&args.dir);
    let state_dir = match &destination {
        Destination::Platforms { .. } => real_state,
        _ => real_state.join("sandbox"),
    };
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
    } else if destination == Destination::Sandbox {
        // The in-process sandbox forgets everything when the run ends; so does its state. The
        // snapshot lets `status --sandbox` and the ICS feed see the run while it lasts.
        let lock = StateLock::acquire(&state_dir).into_diagnostic()?;
        (
            Box::new(MemStore::new()),
            Vec::new(),
            Some(lock),
            Some(state_dir.clone()),
        )
    } else {
        let lock = StateLock::acquire(&state_dir).into_diagnostic()?;
        let (mut store, records) = SledStore::open_and_load(&state_dir, OpenMode::Create)
            .into_diagnostic()?
            .ok_or_else(|| miette!("the state store could not be created"))?;
        // The store holds the lock from now on, and checks it before every pass and write.
        store.hold(lock);
        (Box::new(store), records, None, Some(state_dir.clone()))
    };
    if *stop_rx.borrow() {
        return Ok(Exit::Clean);
    }
    runtime.block_on(async {
        let report = report::Report::new(tz, args.dry_run);
        let (publisher, wiring): (Arc<dyn Publisher>, Option<wiring::Wiring>) =
            match (args.dry_run, args.publisher) {
                (true, _) => (Arc::new(RecordingPublisher::new(tz)), None),
                (false, Some(PublisherChoice::Fake)) => (Arc::new(FakePublisher::new()), None),
                (false, None) => {
                    let w = wiring::wire(&destination, &args.dir, &config, &state_dir, clock.clone()).await?;
                    (w.publisher.clone(), Some(w))
                }
            };
        if let Some(w) = &wiring {
            tracing::info!(to = %w.describe, media = %w.media_server.addr(), "publishing");
        }
        // Tokens are renewed proactively on the run's clock: a daemon with nothing to publish
        // for months must not let them expire (`--once` from cron renews them too).
        if let Some(vault) = wiring.as_ref().and_then(|w| w.vault.clone()) {
            let first = vault.maintain().await;
            if !args.once {
                tokio::spawn(tokens::keep_tokens_alive(vault, first, clock.clone(), stop_rx.clone()));
            }
        }
        if let Some(listen) = args.ics_listen {
            let addr = feed::serve(listen, args.dir.clone(), state_dir.clone(), clock.clone(), stop_rx.clone())
                .await
                .map_err(|e| miette!(help = "choose another address with --ics-listen", "cannot listen on {listen} for the ICS feed: {e}"))?;
            let url = format!("http://{addr}{}", feed::PATH);
            tracing::info!(url = %url, "ICS feed");
            // Whoever subscribes needs the address, whatever the log level.
            super::output::print(&format!("ICS feed: {url}\n"))?;
        }
        let options = Options {
            snapshot_dir,
            prepare_lead: chrono::Duration::minutes(i64::from(args.prepare_lead)),
            exit_when_idle: args.exit_when_idle,
            until,
            observer: Some(report.observer()),
            ..Options::default()
        };
        let mut daemon = Daemon::with_records(
            args.dir.clone(),
            store,
            records,
            publisher,
            clock.clone(),
            options,
        );
        if args.once {
            let plan = daemon.pass(&wake, &stop_rx).await.into_diagnostic()?;
            let summary = if args.dry_run {
                dry_run_summary_line(&plan.summary, plan.errors)
            } else {
                summary_line(&plan.summary, plan.errors)
            };
            super::output::print(&format!("{summary}\n"))?;
            report.finish(wiring.as_ref().and_then(wiring::Wiring::ledger_line));
            return Ok(Exit::Clean);
        }
        if let Some(remote) = remote {
            let interval = chrono::Duration::seconds(i64::try_from(args.git_interval.max(1)).unwrap_or(60));
            tokio::spawn(sync::follow(
                remote,
                args.dir.clone(),
                state_dir.clone(),
                interval,
                clock.clone(),
                sync_now,
                wake.clone(),
            ));
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
        tracing::info!(dir = %args.dir.display(), pid = std::process::id(), "postcal daemon started");
        daemon.run(wake, stop_rx).await.into_diagnostic()?;
        report.finish(wiring.as_ref().and_then(wiring::Wiring::ledger_line));
        Ok(Exit::Clean)
    })
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere), registered when created.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
