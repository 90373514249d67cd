//! Publishing throughput, lateness and memory, against the in-process sandbox:
//!
//! ```sh
//! cargo run --release --example bench_publish -- due        # 1,000 slots due at once, 100 accounts
//! cargo run --release --example bench_publish -- lateness   # 200 slots over 2 h, 30 s video processing
//! ```
//!
//! `due`: a calendar of 100 accounts (25 per platform), 10 posts each, every one due at the
//! start (Instagram photos and reels, Threads texts and images, Facebook texts and photos,
//! TikTok videos and photo posts); the sandbox with its default processing delays (image 5 s,
//! video 30 s); the daemon, publishers, media stager and media server exactly as `run
//! --sandbox` builds them, on a clock warped 60x that fast-forwards over idle time. Prints the
//! wall time until everything is published, and the process's peak resident memory.
//!
//! `lateness`: 200 slots due over two hours (videos on every platform, 30 s of processing),
//! prepared ahead by the default 10-minute lead; prints the commit lateness (the time the slot
//! was armed, just before its commit call, minus its due time) in simulated seconds: p50, p99,
//! max.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use postcal::clock::{SharedClock, WarpClock};
use postcal::cmd::run::{Destination, wiring};
use postcal::reconcile::{Daemon, Options, Wakeup};
use postcal::state::{MemStore, SlotState};

const PLATFORMS: [&str; 4] = ["instagram", "threads", "facebook", "tiktok"];

/// The target options and media of post `i` on `platform` (`video`: always a video).
fn post(platform: &str, account: &str, i: usize, video: bool) -> String {
    let image = i.is_multiple_of(2) && !video;
    let (media, options) = match platform {
        "instagram" if image => ("[media/feed-1080x1350.jpg]", "{}"),
        "instagram" => ("[media/reel.mp4]", "{ kind: reel }"),
        "threads" | "facebook" if image => ("[media/threads-1.jpg]", "{}"),
        "threads" | "facebook" if !video => ("[]", "{}"),
        "threads" | "facebook" => ("[media/reel.mp4]", "{}"),
        _ if image => (
            "[media/tiktok-photo-1.jpg]",
            "{ privacy: PUBLIC_TO_EVERYONE, photo_cover_index: 0 }",
        ),
        _ => (
            "[media/tiktok-video.mp4]",
            "{ privacy: PUBLIC_TO_EVERYONE }",
        ),
    };
    format!(
        "text: Post {i} of {platform}/{account}\nmedia: {media}\ntargets:\n  {platform}/{account}: {options}\n"
    )
}

fn calendar(
    root: &Path,
    accounts_per_platform: usize,
    posts: usize,
    spread_mins: i64,
    video: bool,
) {
    let mut yaml = String::from("timezone: UTC\ndefaults:\n  max_lateness: 12h\naccounts:\n");
    for p in PLATFORMS {
        for a in 0..accounts_per_platform {
            let _ = writeln!(yaml, "  {p}/a{a}: {{}}");
        }
    }
    std::fs::write(root.join("postcal.yaml"), yaml).unwrap();
    std::fs::create_dir_all(root.join("posts")).unwrap();
    std::fs::create_dir_all(root.join("media")).unwrap();
    let media = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/calendar/media");
    for f in [
        "feed-1080x1350.jpg",
        "reel.mp4",
        "threads-1.jpg",
        "tiktok-photo-1.jpg",
        "tiktok-video.mp4",
    ] {
        std::fs::copy(media.join(f), root.join("media").join(f)).unwrap();
    }
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let total = PLATFORMS.len() * accounts_per_platform * posts;
    let mut n = 0;
    for p in PLATFORMS {
        for a in 0..accounts_per_platform {
            for i in 0..posts {
                // Due times spread evenly over the window, interleaved across accounts.
                let at = start
                    + chrono::Duration::seconds(
                        spread_mins * 60 * (n as i64) / (total as i64).max(1),
                    );
                n += 1;
                let id = format!("{p}-a{a}-{i}");
                let body = post(p, &format!("a{a}"), i, video);
                std::fs::write(
                    root.join("posts").join(format!("{id}.yaml")),
                    format!("id: {id}\nat: {}\n{body}", at.to_rfc3339()),
                )
                .unwrap();
            }
        }
    }
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn publish(
    root: &Path,
    clock: SharedClock,
) -> Result<(MemStore, Duration), Box<dyn std::error::Error>> {
    let config = postcal::manifest::load::config_only(root).ok_or("postcal.yaml")?;
    let state = root.join(".postcal/sandbox");
    let w = wiring::wire(&Destination::Sandbox, root, &config, &state, clock.clone()).await?;
    let store = MemStore::new();
    let daemon = Daemon::new(
        root.to_path_buf(),
        Box::new(store.clone()),
        w.publisher.clone(),
        clock,
        Options {
            exit_when_idle: true,
            ..Options::default()
        },
    )?;
    let started = Instant::now();
    let (_stop, rx) = tokio::sync::watch::channel(false);
    daemon.run(Wakeup::new(), rx).await?;
    Ok((store, started.elapsed()))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "due".into());
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    match mode.as_str() {
        "due" => {
            calendar(root, 25, 10, 0, false);
            let clock: SharedClock = Arc::new(WarpClock::fast_forward(start, 60.0, Duration::ZERO));
            let (store, wall) = publish(root, clock).await?;
            let records = store.records();
            let published = records
                .iter()
                .filter(|r| matches!(r.state, SlotState::Published { .. }))
                .count();
            println!(
                "due: {published} of {} slots published on 100 accounts in {:.1} s wall; peak RSS {:.0} MiB",
                records.len(),
                wall.as_secs_f64(),
                peak_rss_mib()
            );
        }
        "lateness" => {
            calendar(root, 5, 10, 120, true);
            let clock: SharedClock = Arc::new(WarpClock::fast_forward(
                start - chrono::Duration::minutes(15),
                60.0,
                Duration::ZERO,
            ));
            let (store, wall) = publish(root, clock).await?;
            let mut late: Vec<f64> = store
                .records()
                .iter()
                .filter(|r| matches!(r.state, SlotState::Published { .. }))
                .filter_map(|r| {
                    r.armed_at
                        .map(|a| (a - r.key.at).num_milliseconds() as f64 / 1000.0)
                })
                .collect();
            late.sort_by(f64::total_cmp);
            println!(
                "lateness: {} slots (videos, 30 s processing), commit - due in simulated seconds: p50 {:.2}, p99 {:.2}, max {:.2}; {:.1} s wall; peak RSS {:.0} MiB",
                late.len(),
                percentile(&late, 0.5),
                percentile(&late, 0.99),
                late.last().copied().unwrap_or(f64::NAN),
                wall.as_secs_f64(),
                peak_rss_mib()
            );
        }
        other => return Err(format!("unknown mode {other}: use `due` or `lateness`").into()),
    }
    Ok(())
}
