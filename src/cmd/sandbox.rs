//! `postcal sandbox`: run the platform simulator on its own, so a person (or a test in another
//! process) can point a client at it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use miette::{IntoDiagnostic, WrapErr};

use super::Exit;
use crate::clock::OffsetClock;
use crate::sandbox::{FaultPlan, Sandbox, SandboxConfig};

const LONG_ABOUT: &str = "\
Runs a local simulator of the Instagram, Threads, Facebook Pages and TikTok publishing APIs, so \
postcal (or any client) can publish without credentials and without reaching the internet.

Each real host is served under its own path prefix (printed at start): a client given \
http://127.0.0.1:PORT/graph.instagram.com appends the real path, e.g. /v23.0/{ig-user-id}/media.

Simulated: Instagram containers (image, reel, story, carousel), status, media_publish, \
content_publishing_limit and reading media, on both graph.instagram.com and graph.facebook.com; \
Threads containers, threads_publish, threads_publishing_limit; Facebook Page /feed (text, link, \
scheduled, multi-photo), /photos, /videos, /me/accounts; TikTok creator_info, video/init \
(PULL_FROM_URL and chunked FILE_UPLOAD), inbox video/init, photo content/init, status/fetch; \
every platform's OAuth authorize page (approves at once), code exchange, Meta long-lived \
exchange and refresh (24-hour rule), TikTok refresh-token rotation and revoke. Media are really \
downloaded and judged by content (format, size, aspect ratio, duration, frame rate); \
processing is asynchronous; quotas, per-token rate limits, token expiry and scopes are enforced \
with the platforms' real error envelopes and codes.

Not simulated: Instagram resumable uploads (rupload), Facebook reels and stories, comments, \
insights, webhooks, moderation delays, Graph app-level call-rate limits, appsecret_proof.

Admin endpoints (no real API uses /_sandbox/): GET /_sandbox/ledger (what was published), \
GET /_sandbox/counters, GET|PUT|DELETE /_sandbox/faults, POST /_sandbox/accounts (create an \
account and get its tokens), GET|POST /_sandbox/clock (read the sandbox time, or move it \
forward with {\"advance\": \"25h\"} or {\"set\": \"2026-12-01T09:00:00Z\"} so tokens expire and \
schedules come due without waiting; it starts at the system time). Tokens never appear in the \
log.";

#[derive(Debug, clap::Args)]
#[command(about = "Run the local platform simulator (Instagram, Threads, Facebook, TikTok)", long_about = LONG_ABOUT)]
pub struct Args {
    /// Address to listen on. Use port 0 for any free port; the bound address is printed. Keep
    /// it on loopback: the sandbox has no authentication of its own.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8790")]
    pub listen: SocketAddr,

    /// Fault plan (YAML) active from the start: errors, latency, hangs, "apply then drop" on
    /// chosen endpoints. Replaceable later with PUT /_sandbox/faults.
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,

    /// Seed for ids, tokens and fault dice: the same seed replays the same run.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Sandbox configuration (YAML): processing delays, quotas, token lifetimes, app
    /// credentials, accounts to create at start. Defaults follow the platforms' documentation.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    let mut config = match &args.config {
        Some(path) => SandboxConfig::from_file(path).into_diagnostic()?,
        None => SandboxConfig::default(),
    };
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(path) = &args.faults {
        config.faults = FaultPlan::from_file(path).into_diagnostic()?;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTCAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .into_diagnostic()
        .wrap_err("cannot start the async runtime")?;
    runtime.block_on(serve(config, args.listen))?;
    Ok(Exit::Clean)
}

async fn serve(config: SandboxConfig, listen: SocketAddr) -> miette::Result<()> {
    let sandbox = Sandbox::start_with(config, Arc::new(OffsetClock::new()), listen)
        .await
        .into_diagnostic()?;
    let urls = sandbox.urls();
    // Written as a whole, and a reader that went away (a test that read the first line) does
    // not stop the sandbox.
    let mut banner = format!("postcal sandbox listening on {}\n", urls.root);
    for (name, url) in [
        ("instagram graph", &urls.instagram_graph),
        ("facebook graph", &urls.facebook_graph),
        ("threads graph", &urls.threads_graph),
        ("tiktok api", &urls.tiktok_api),
        ("instagram oauth", &urls.instagram_api),
        ("admin", &urls.admin),
    ] {
        banner.push_str(&format!("  {name:<16} {url}\n"));
    }
    for a in sandbox.accounts() {
        banner.push_str(&format!(
            "  account          {}/{} id {}\n",
            a.platform, a.username, a.id
        ));
    }
    banner.push_str(&format!(
        "Create an account and get its tokens: curl -X POST {}/accounts -d '{{\"platform\":\"instagram\",\"username\":\"demo\"}}'\nPress Ctrl-C to stop.\n",
        urls.admin
    ));
    super::output::print(&banner)?;
    wait_for_stop().await;
    tracing::info!(target: "postcal::sandbox", "stopping");
    sandbox.shutdown().await;
    Ok(())
}

/// Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
