//! The kill test, with the real binaries: `postcal sandbox` in one process, `postcal run
//! --sandbox-url` in another, the daemon SIGKILLed at random moments and restarted each time
//! while the slots publish; at the end the sandbox's ledger equals the calendar, each slot
//! exactly once.
//!
//! `cargo test --test it kill_` runs a short version (25 kills); the full one (200 kills, 105
//! slots) is `POSTCAL_KILLS=200 cargo test --release --test it -- --ignored kill_ --nocapture`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{Postcal, Process, repo_root};

/// Accounts per platform and posts per account: 5 × (4 Instagram + 5 Threads + 12 Facebook).
const PER_ACCOUNT: [(&str, usize); 3] = [("instagram", 4), ("threads", 5), ("facebook", 12)];
const ACCOUNTS: usize = 5;

/// A `postcal sandbox` process (killed when dropped) and its root URL.
struct Sandbox {
    _process: Process,
    url: String,
}

fn start_sandbox(dir: &Path) -> Sandbox {
    let config = dir.join("sandbox.yaml");
    std::fs::write(
        &config,
        "processing: { text_secs: 0, image_secs: 0, video_secs: 0 }\ninstagram: { posts_per_24h: 1000 }\nthreads: { posts_per_24h: 1000 }\n",
    )
    .unwrap();
    let process = Postcal::new()
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "5",
            "--config",
        ])
        .args([&config])
        .env("POSTCAL_LOG", "warn")
        .spawn();
    let out = process.wait_for_stdout("its address", Duration::from_secs(20), |out| {
        out.contains('\n')
    });
    let first = out.lines().next().unwrap_or_default();
    let url = first
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    Sandbox {
        _process: process,
        url,
    }
}

/// The calendar: every post due a minute ago, each with a text of its own.
fn write_calendar(dir: &Path) -> BTreeMap<(String, String), usize> {
    let mut yaml = String::from("timezone: UTC\ndefaults:\n  max_lateness: 6h\naccounts:\n");
    for (platform, _) in PER_ACCOUNT {
        for a in 0..ACCOUNTS {
            yaml.push_str(&format!("  {platform}/k{a}: {{}}\n"));
        }
    }
    std::fs::write(dir.join("postcal.yaml"), yaml).unwrap();
    std::fs::create_dir_all(dir.join("posts")).unwrap();
    std::fs::create_dir_all(dir.join("media")).unwrap();
    std::fs::copy(
        repo_root().join("examples/calendar/media/feed-1080x1350.jpg"),
        dir.join("media/feed.jpg"),
    )
    .unwrap();
    let at = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let mut expected = BTreeMap::new();
    for (platform, n) in PER_ACCOUNT {
        for a in 0..ACCOUNTS {
            for i in 0..n {
                let id = format!("{platform}-k{a}-{i}");
                let text = format!("Kill test {id}");
                let media = match (platform, i % 3) {
                    ("instagram", _) | ("facebook", 0) => "media: [media/feed.jpg]\n",
                    _ => "",
                };
                std::fs::write(
                    dir.join("posts").join(format!("{id}.yaml")),
                    format!("id: {id}\nat: {at}\ntext: {text}\n{media}targets:\n  {platform}/k{a}: {{}}\n"),
                )
                .unwrap();
                *expected.entry((format!("k{a}"), text)).or_default() += 1;
            }
        }
    }
    expected
}

fn daemon(dir: &Path, url: &str) -> Process {
    Postcal::new()
        .args(["run"])
        .args([dir])
        .args(["--sandbox-url", url, "--exit-when-idle"])
        .env("POSTCAL_LOG", "warn")
        .spawn()
}

/// A small deterministic random source for the kill times.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn kill_run(kills: usize, max_gap_ms: u64) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = start_sandbox(dir.path());
    let cal = dir.path().join("cal");
    std::fs::create_dir(&cal).unwrap();
    let expected = write_calendar(&cal);
    let mut dice = Dice(kills as u64);
    let started = Instant::now();
    let mut published_during_kills = 0;
    for k in 0..kills {
        let child = daemon(&cal, &sandbox.url);
        std::thread::sleep(Duration::from_millis(dice.below(max_gap_ms)));
        // SIGKILL: no handler runs, nothing is flushed that was not flushed already.
        child.kill();
        if k + 1 == kills {
            published_during_kills = ledger(&sandbox.url).len();
        }
    }
    // The last start runs to the end (a slot whose commit was cut off is looked up, and a
    // Facebook post not found yet is looked for again for two minutes).
    let last = daemon(&cal, &sandbox.url).finish(Duration::from_secs(600));
    assert!(!last.timed_out, "the last run did not finish");
    last.assert_code(0);
    let entries = ledger(&sandbox.url);
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in &entries {
        let key = (
            e["username"].as_str().unwrap_or_default().to_owned(),
            e["text"].as_str().unwrap_or_default().to_owned(),
        );
        *seen.entry(key).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    let lost: Vec<_> = expected.keys().filter(|k| !seen.contains_key(*k)).collect();
    assert!(twice.is_empty(), "posted more than once: {twice:?}");
    assert!(lost.is_empty(), "never posted: {lost:?}");
    assert_eq!(seen, expected);
    eprintln!(
        "kill test: {kills} kills, {} slots, {published_during_kills} published while killing, {:.0} s",
        expected.len(),
        started.elapsed().as_secs_f64()
    );
}

fn ledger(url: &str) -> Vec<serde_json::Value> {
    let body = http_get(url, "/_sandbox/ledger");
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["entries"].as_array().cloned())
        .unwrap_or_default()
}

fn http_get(url: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

#[test]
fn kill_the_daemon_while_it_publishes_and_every_slot_goes_out_once() {
    kill_run(25, 1500);
}

#[test]
#[ignore = "several minutes: run it with the command in the module docs"]
fn kill_the_daemon_200_times_while_105_slots_publish() {
    let kills = std::env::var("POSTCAL_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(200);
    kill_run(kills, 3000);
}
