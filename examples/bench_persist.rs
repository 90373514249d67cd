//! Cost of one durable transition: `cargo run --release --example bench_persist -- [DIR] [N]`.
//!
//! Opens (creates) a sled store in `DIR/.postcal` (a fresh temporary directory by default, on
//! the same filesystem as `/tmp`), then persists N records (1,000 by default) one at a time,
//! as the reconcile loop does (every transition written and flushed), and prints the mean,
//! median, p99 and worst time of one `persist`. Each record is a new slot, then each is
//! persisted again in another state (an update), so both inserts and updates are measured.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use postcal::state::{OpenMode, Record, Revision, SledStore, SlotKey, SlotState, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let tmp = tempfile::tempdir()?;
    let dir = args.next().map_or(tmp.path().to_path_buf(), PathBuf::from);
    let n: usize = args.next().map_or(Ok(1000), |s| s.parse())?;
    let state_dir = dir.join(".postcal");
    std::fs::create_dir_all(&state_dir)?;
    let mut store = SledStore::open(&state_dir, OpenMode::Create)?.ok_or("no store created")?;
    let at = Utc
        .with_ymd_and_hms(2026, 12, 1, 8, 0, 0)
        .single()
        .ok_or("time")?;
    let target: postcal::platform::TargetKey =
        "threads/acme".parse().map_err(|e| format!("{e:?}"))?;
    let mut times = Vec::with_capacity(2 * n);
    for round in 0..2 {
        for i in 0..n {
            let key = SlotKey::new(format!("post-{i:05}"), target.clone(), at);
            let mut r = Record::planned(key, "a".repeat(64), Revision::default(), at);
            if round == 1 {
                r.state = SlotState::Published {
                    remote_id: format!("m{i}"),
                    permalink: Some(format!("https://example.com/p/{i}")),
                    at,
                };
            }
            let started = Instant::now();
            store.persist(&r)?;
            times.push(started.elapsed());
        }
    }
    times.sort();
    let total: Duration = times.iter().sum();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{} persists: mean {:.3} ms, median {:.3} ms, p99 {:.3} ms, max {:.3} ms, total {:.2} s",
        times.len(),
        ms(total / times.len() as u32),
        ms(times[times.len() / 2]),
        ms(times[times.len() * 99 / 100]),
        ms(times[times.len() - 1]),
        total.as_secs_f64()
    );
    Ok(())
}
