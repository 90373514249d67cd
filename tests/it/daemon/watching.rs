//! The watcher with a real filesystem: each kind of change is one rescan and the right plan.
//! These wait on real file events (with timeouts), never on the schedule.

use std::time::Duration;

use super::harness::*;
use postcal::reconcile::{CalendarWatcher, WatchOptions, watch};

fn start(h: &Harness, debounce_ms: u64) -> CalendarWatcher {
    watch(
        &h.cal.root(),
        h.wake.clone(),
        WatchOptions {
            debounce: Duration::from_millis(debounce_ms),
            cap: Duration::from_secs(20),
        },
    )
    .unwrap()
}

/// Waits until the daemon has rescanned `n` times, then a little longer to check it stays `n`.
async fn exactly_rescans(d: &mut Running, n: u64, what: &str, settle_ms: u64) {
    d.until(what, |v| v.rescans >= n).await;
    tokio::time::sleep(Duration::from_millis(settle_ms)).await;
    let got = d.view.borrow().rescans;
    assert_eq!(got, n, "{what}: expected {n} rescans, got {got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_by_rename_delete_and_create_are_one_rescan_each() {
    let h = Harness::new(t(0));
    h.cal.post("a", t(60), "A");
    h.cal.post("b", t(60), "B");
    let _w = start(&h, 50);
    let mut d = h.spawn();
    exactly_rescans(&mut d, 1, "start", 200).await;

    // vim: probe file 4913, original renamed to a backup, new file written, backup removed.
    h.cal.write("4913", "");
    std::fs::remove_file(h.cal.path("4913")).unwrap();
    std::fs::rename(h.cal.path("a.yaml"), h.cal.path("a.yaml~")).unwrap();
    h.cal.post("a", t(30), "A");
    std::fs::remove_file(h.cal.path("a.yaml~")).unwrap();
    exactly_rescans(&mut d, 2, "save by rename", 300).await;
    let plan = d.view.borrow().plan.clone();
    assert!(has(&plan, &slot("a", t(30)), "wait"), "{:?}", plan.changes);
    assert!(!has(&plan, &slot("a", t(60)), "wait"));

    h.cal.remove("b.yaml");
    exactly_rescans(&mut d, 3, "delete", 300).await;
    assert!(!has(&d.view.borrow().plan, &slot("b", t(60)), "wait"));

    h.cal.post("c", t(90), "C");
    exactly_rescans(&mut d, 4, "create", 300).await;
    assert!(has(&d.view.borrow().plan, &slot("c", t(90)), "wait"));

    // Hidden paths (.git, .postcal) and editor swap files are ignored.
    std::fs::create_dir_all(h.cal.root().join(".git")).unwrap();
    std::fs::write(h.cal.root().join(".git/index"), "x").unwrap();
    h.cal.write(".c.yaml.swp", "x");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(d.view.borrow().rescans, 4, "ignored files caused a rescan");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_5000_file_changes_is_one_rescan() {
    let h = Harness::new(t(0));
    let _w = start(&h, 250);
    let mut d = h.spawn();
    exactly_rescans(&mut d, 1, "start", 100).await;
    let dir = h.cal.root().join("posts/burst");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..5000 {
        std::fs::write(
            dir.join(format!("p{i}.yaml")),
            format!(
                "id: p{i}\nat: {}\ntext: post {i}\ntargets:\n  {TARGET}: {{}}\n",
                rfc(t(60))
            ),
        )
        .unwrap();
    }
    d.until("the burst is scanned", |v| v.rescans >= 2).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let view = d.view.borrow().clone();
    assert_eq!(view.rescans, 2, "one rescan for the burst");
    assert_eq!(view.plan.summary.wait, 5000);
    d.stop().await;
}
