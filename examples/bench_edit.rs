//! Edit-to-plan latency: `cargo run --release --example bench_edit -- DIR [DEBOUNCE_MS] [ROUNDS]`.
//!
//! Runs the real daemon loop (system clock, fake publisher, in-memory copy of the records, the
//! real watcher) on DIR (made by `gen_calendar`), then, ROUNDS times, moves one post's `at` by
//! a minute and measures the time from the write until the daemon's plan shows the new slot.
//! Prints each latency minus the debounce window, and the worst.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use postcal::clock::SystemClock;
use postcal::reconcile::{Daemon, FakePublisher, Options, Wakeup, WatchOptions, watch};
use postcal::state::{MemStore, read_observed};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: bench_edit DIR [DEBOUNCE_MS] [ROUNDS]")?,
    );
    let debounce = Duration::from_millis(args.next().map_or(Ok(300), |s| s.parse())?);
    let rounds: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let observed = read_observed(&dir.join(".postcal"))?;
    let daemon = Daemon::new(
        dir.clone(),
        Box::new(MemStore::with_records(observed.records)),
        Arc::new(FakePublisher::new()),
        Arc::new(SystemClock),
        Options::default(),
    )?;
    let mut view = daemon.subscribe();
    let wake = Wakeup::new();
    let _watcher = watch(
        &dir,
        wake.clone(),
        WatchOptions {
            debounce,
            cap: Duration::from_secs(3),
        },
    )?;
    let (_stop, stop_rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    tokio::spawn(daemon.run(wake, stop_rx));
    view.wait_for(|v| v.rescans >= 1).await?;
    println!("initial scan and plan: {:?}", started.elapsed());
    let plan = view.borrow().plan.clone();
    let target = plan
        .changes
        .iter()
        .filter(|c| c.kind.name() == "wait")
        // A one-off post: moving `at` moves its only slot (a repeating post's slots follow cron).
        .find(|c| {
            c.path.as_ref().is_some_and(|p| {
                std::fs::read_to_string(dir.join(p)).is_ok_and(|t| !t.contains("\nrepeat:"))
            })
        })
        .ok_or("no waiting one-off post in the calendar")?
        .clone();
    let path = dir.join(target.path.clone().ok_or("no path")?);
    let mut worst = Duration::ZERO;
    for round in 1..=rounds {
        let at = target.slot.at + chrono::Duration::minutes(round as i64);
        let text = std::fs::read_to_string(&path)?;
        let edited: String = text
            .lines()
            .map(|l| {
                if l.starts_with("at: ") {
                    format!("at: {}\n", at.to_rfc3339())
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let written = Instant::now();
        std::fs::write(&path, edited)?;
        view.wait_for(|v| {
            v.plan
                .changes
                .iter()
                .any(|c| c.slot.post == target.slot.post && c.slot.at == at)
        })
        .await?;
        let latency = written.elapsed();
        let past = latency.saturating_sub(debounce);
        worst = worst.max(past);
        println!(
            "round {round}: new plan after {latency:?} ({past:?} past the {debounce:?} debounce)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("worst past the debounce window: {worst:?}");
    Ok(())
}
