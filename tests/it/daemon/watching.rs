//! The watcher with a real filesystem: each kind of change is one rescan and the right plan.
//!
//! The watcher's debounce windows run on a manual clock, so nothing here waits for one to end:
//! a test makes its changes, waits until the watcher has taken in their events (a hidden fence
//! file written last: its event comes after theirs), checks a burst is open (or not), then
//! moves the watcher's clock past the window. Real time only bounds how long a test may wait
//! for the file system's events before it fails.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::harness::*;
use postcal::clock::ManualClock;
use postcal::reconcile::watch::Progress;
use postcal::reconcile::{CalendarWatcher, WatchOptions, watch_on};

const DEBOUNCE: Duration = Duration::from_millis(300);

/// A watcher on a manual clock, feeding the harness's wake-up.
struct Watching {
    _watcher: CalendarWatcher,
    ticks: ManualClock,
    progress: tokio::sync::watch::Receiver<Progress>,
    fences: u32,
}

impl Watching {
    fn start(h: &Harness) -> Self {
        let ticks = ManualClock::new(t(0));
        let watcher = watch_on(
            &h.cal.root(),
            h.wake.clone(),
            WatchOptions {
                debounce: DEBOUNCE,
                cap: Duration::from_secs(3),
            },
            std::sync::Arc::new(ticks.clone()),
        )
        .unwrap();
        let progress = watcher.progress();
        Self {
            _watcher: watcher,
            ticks,
            progress,
            fences: 0,
        }
    }

    /// Waits until the watcher has taken in the events of every change made so far in
    /// watched folders: writes an ignored fence file into `dir` and waits for its event.
    async fn settle(&mut self, dir: &Path) {
        self.fences += 1;
        let fence = dir.join(format!(".fence-{}", self.fences));
        std::fs::write(&fence, "").unwrap();
        let fence = fence.canonicalize().unwrap();
        let seen = self.progress.wait_for(|p| p.last_paths.contains(&fence));
        tokio::time::timeout(Duration::from_secs(10), seen)
            .await
            .unwrap_or_else(|_| panic!("the watcher never saw {}", fence.display()))
            .unwrap();
    }

    fn burst_open(&self) -> bool {
        self.progress.borrow().burst_open
    }

    /// Ends the open burst: the watcher's clock moves past the quiet time.
    fn quiet(&self) {
        self.ticks
            .advance(chrono::Duration::from_std(DEBOUNCE).unwrap());
    }
}

/// Once every event of the changes is in, they are one open burst and the daemon has not
/// rescanned yet; at the end of the quiet time it rescans exactly once, to `n` scans.
async fn one_rescan(d: &mut Running, w: &mut Watching, dir: &Path, n: u64, what: &str) {
    w.settle(dir).await;
    assert!(w.burst_open(), "{what}: the changes opened no burst");
    assert_eq!(d.view.borrow().rescans, n - 1, "{what}: rescanned early");
    w.quiet();
    d.until(what, |v| v.rescans >= n).await;
    assert_eq!(d.view.borrow().rescans, n, "{what}");
    assert!(!w.burst_open(), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_by_rename_delete_and_create_are_one_rescan_each() {
    let h = Harness::new(t(0));
    h.cal.post("a", t(60), "A");
    h.cal.post("b", t(60), "B");
    let mut w = Watching::start(&h);
    let mut d = h.spawn();
    d.until("start", |v| v.rescans >= 1).await;
    let posts = h.cal.root().join("posts");

    // vim: probe file 4913, original renamed to a backup, new file written, backup removed.
    h.cal.write("4913", "");
    std::fs::remove_file(h.cal.path("4913")).unwrap();
    std::fs::rename(h.cal.path("a.yaml"), h.cal.path("a.yaml~")).unwrap();
    h.cal.post("a", t(30), "A");
    std::fs::remove_file(h.cal.path("a.yaml~")).unwrap();
    one_rescan(&mut d, &mut w, &posts, 2, "save by rename").await;
    let plan = d.view.borrow().plan.clone();
    assert!(has(&plan, &slot("a", t(30)), "wait"), "{:?}", plan.changes);
    assert!(!has(&plan, &slot("a", t(60)), "wait"));

    h.cal.remove("b.yaml");
    one_rescan(&mut d, &mut w, &posts, 3, "delete").await;
    assert!(!has(&d.view.borrow().plan, &slot("b", t(60)), "wait"));

    h.cal.post("c", t(90), "C");
    one_rescan(&mut d, &mut w, &posts, 4, "create").await;
    assert!(has(&d.view.borrow().plan, &slot("c", t(90)), "wait"));

    // Hidden paths (.git, .postcal) and editor swap files open no burst.
    std::fs::create_dir_all(h.cal.root().join(".git")).unwrap();
    std::fs::write(h.cal.root().join(".git/index"), "x").unwrap();
    h.cal.write(".c.yaml.swp", "x");
    h.cal.write("c.yaml.tmp", "x");
    w.settle(&posts).await;
    assert!(!w.burst_open(), "ignored files opened a burst");
    w.quiet();
    assert_eq!(d.view.borrow().rescans, 4, "ignored files caused a rescan");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_5000_file_changes_is_one_rescan() {
    let h = Harness::new(t(0));
    let mut w = Watching::start(&h);
    let mut d = h.spawn();
    d.until("start", |v| v.rescans >= 1).await;
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
    one_rescan(&mut d, &mut w, &h.cal.root().join("posts"), 2, "the burst").await;
    assert_eq!(d.view.borrow().plan.summary.wait, 5000);
    d.stop().await;
}

/// Writes `postcal.yaml` with `posts: <posts>` and creates that folder.
fn posts_in(h: &Harness, posts: &str) -> PathBuf {
    std::fs::write(
        h.cal.root().join("postcal.yaml"),
        format!("timezone: UTC\nposts: {posts}\naccounts:\n  {TARGET}: {{}}\n"),
    )
    .unwrap();
    let dir = h.cal.root().join(posts);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn manifest(id: &str) -> String {
    format!(
        "id: {id}\nat: {}\ntext: {id}\ntargets:\n  {TARGET}: {{}}\n",
        rfc(t(60))
    )
}

/// Wherever `posts:` points, even a top-level folder called `target` or the root itself, a new
/// manifest there is noticed; in the root, other files are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_folder_the_walk_reads_is_watched() {
    for posts in ["target", "."] {
        let what = format!("a manifest in `{posts}`");
        let h = Harness::new(t(0));
        let dir = posts_in(&h, posts);
        let mut w = Watching::start(&h);
        let mut d = h.spawn();
        d.until("start", |v| v.rescans >= 1).await;
        std::fs::write(dir.join("a.yaml"), manifest("a")).unwrap();
        one_rescan(&mut d, &mut w, &dir, 2, &what).await;
        assert!(
            has(&d.view.borrow().plan, &slot("a", t(60)), "wait"),
            "{what}"
        );
        if posts == "." {
            std::fs::write(dir.join("postcal.log"), "started\n").unwrap();
            w.settle(&dir).await;
            assert!(
                !w.burst_open(),
                "a log file next to postcal.yaml opened a burst"
            );
        }
        d.stop().await;
    }
}
