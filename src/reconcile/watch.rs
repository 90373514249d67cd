//! Watching the calendar: file events in, one debounced "calendar changed" out.
//!
//! The watcher watches **directories**: the calendar root (not recursively, for `postcal.yaml`,
//! manifests directly in the root with `posts: .`, and new top-level folders) and every
//! top-level folder recursively (`posts/`, `media/`, ...) except those
//! [`crate::manifest::ignore`] lists, the same list the walk skips: `.git/` and `.postcal/` are
//! never watched, so a `git gc` or the daemon's own snapshot writes cost nothing, and every
//! folder the walk reads is watched.
//!
//! Events are filtered (ignored paths, access-only events), then debounced on a dedicated
//! thread: the first relevant event opens a window that every further event extends by
//! `debounce`, up to `cap` after the first. At its end the [`Wakeup`] generation is bumped
//! once. A `git checkout` touching thousands of files, or vim's write-by-rename, is one rescan.
//! The window is measured on a [`Clock`]: real (monotonic) time by default, a
//! [`crate::clock::ManualClock`] in tests ([`watch_on`]), so no test waits for a window to end.
//!
//! # Guarantees
//! - No polling: the thread blocks on the event channel between bursts.
//! - No event is lost: an event that arrives while the daemon rescans bumps the generation
//!   again, so the daemon rescans once more (level-triggered).
//! - If the OS reports an error or a queue overflow, a rescan is triggered (better one
//!   rescan too many than a missed edit).
//!
//! # Caveats
//! - Manifests outside the top-level folders and the root (a `posts:` that is a symlink out of
//!   the calendar) are refused by the walk and not watched.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::wakeup::Wakeup;
use crate::clock::{Clock, SharedClock, WarpClock};
use crate::manifest::ignore::{is_ignored, is_ignored_path, is_manifest_name};
use crate::manifest::load::CONFIG_FILE;

#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// Quiet time after the last event before rescanning.
    pub debounce: Duration,
    /// Longest time from the first event of a burst to its rescan.
    pub cap: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            debounce: Duration::from_millis(300),
            cap: Duration::from_secs(3),
        }
    }
}

/// What the watcher has taken in so far: tests wait on it instead of sleeping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Events received from the OS, relevant or not.
    pub events: u64,
    /// The paths of the last event received.
    pub last_paths: Vec<PathBuf>,
    /// A burst is open: a rescan will be asked for when its window ends.
    pub burst_open: bool,
    /// Bursts ended, each with one "calendar changed".
    pub bursts: u64,
}

/// Keeps watching while alive.
pub struct CalendarWatcher {
    _thread: std::thread::JoinHandle<()>,
    stop: mpsc::UnboundedSender<Msg>,
    progress: tokio::sync::watch::Receiver<Progress>,
}

impl CalendarWatcher {
    /// Follows what the watcher has taken in.
    pub fn progress(&self) -> tokio::sync::watch::Receiver<Progress> {
        self.progress.clone()
    }
}

impl Drop for CalendarWatcher {
    fn drop(&mut self) {
        let _ = self.stop.send(Msg::Stop);
    }
}

enum Msg {
    Event(notify::Result<notify::Event>),
    Stop,
}

/// Starts watching `root`; each debounced burst calls `wake.calendar_changed()`. Windows are
/// measured in real time, on a monotonic clock (a wall-clock jump does not stretch one).
pub fn watch(
    root: &Path,
    wake: Arc<Wakeup>,
    options: WatchOptions,
) -> Result<CalendarWatcher, notify::Error> {
    let real_time = Arc::new(WarpClock::new(Utc::now(), 1.0));
    watch_on(root, wake, options, real_time)
}

/// [`watch`], with the debounce windows measured on `clock`.
pub fn watch_on(
    root: &Path,
    wake: Arc<Wakeup>,
    options: WatchOptions,
    clock: SharedClock,
) -> Result<CalendarWatcher, notify::Error> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let (tx, rx) = mpsc::unbounded_channel::<Msg>();
    let events = tx.clone();
    let mut watcher = notify::recommended_watcher(move |e| {
        let _ = events.send(Msg::Event(e));
    })?;
    let mut watched = HashSet::new();
    sync_watches(&mut watcher, &root, &mut watched)?;
    let (progress_tx, progress) = tokio::sync::watch::channel(Progress::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(notify::Error::io)?;
    let thread = std::thread::Builder::new()
        .name("postcal-watch".into())
        .spawn(move || {
            let mut watcher = watcher;
            // Read by the filter, updated at the end of each burst.
            let watched = std::cell::RefCell::new(watched);
            runtime.block_on(debounce_loop(
                rx,
                &*clock,
                options,
                &progress_tx,
                |e| relevant(&root, &watched.borrow(), e),
                || {
                    if let Err(e) = sync_watches(&mut watcher, &root, &mut watched.borrow_mut()) {
                        tracing::warn!(error = %e, "cannot update watches");
                    }
                    wake.calendar_changed();
                },
            ));
        })
        .map_err(notify::Error::io)?;
    Ok(CalendarWatcher {
        _thread: thread,
        stop: tx,
        progress,
    })
}

/// Watches the root and each top-level directory that is not ignored (new ones are added as
/// they appear).
fn sync_watches(
    watcher: &mut notify::RecommendedWatcher,
    root: &Path,
    watched: &mut HashSet<PathBuf>,
) -> Result<(), notify::Error> {
    if watched.insert(root.to_path_buf()) {
        watcher.watch(root, RecursiveMode::NonRecursive)?;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let visible = !is_ignored(&entry.file_name().to_string_lossy());
        if visible && entry.file_type().is_ok_and(|t| t.is_dir()) && !watched.contains(&path) {
            match watcher.watch(&path, RecursiveMode::Recursive) {
                Ok(()) => {
                    watched.insert(path);
                }
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "cannot watch"),
            }
        }
    }
    // Folders that disappeared are unwatched by the OS; forget them so they are re-added.
    watched.retain(|p| p.exists());
    Ok(())
}

/// Takes events until [`Msg::Stop`] (or every sender is gone); calls `burst_ended` once at the
/// end of each burst of relevant events.
async fn debounce_loop(
    mut rx: mpsc::UnboundedReceiver<Msg>,
    clock: &dyn Clock,
    options: WatchOptions,
    progress: &tokio::sync::watch::Sender<Progress>,
    mut relevant: impl FnMut(&notify::Result<notify::Event>) -> bool,
    mut burst_ended: impl FnMut(),
) {
    let after = |t: DateTime<Utc>, d: Duration| {
        t + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
    };
    // Takes one message in; `None` to stop, else whether it was a relevant event.
    let mut take = |msg: Option<Msg>| -> Option<bool> {
        let Some(Msg::Event(e)) = msg else {
            return None;
        };
        let hit = relevant(&e);
        progress.send_modify(|p| {
            p.events += 1;
            p.last_paths = e.as_ref().map(|e| e.paths.clone()).unwrap_or_default();
            p.burst_open |= hit;
        });
        Some(hit)
    };
    loop {
        // Idle: block until something happens.
        match take(rx.recv().await) {
            None => return,
            Some(false) => continue,
            Some(true) => {}
        }
        let first = clock.now();
        let end = after(first, options.cap);
        let mut quiet_until = after(first, options.debounce);
        loop {
            let deadline = quiet_until.min(end);
            if clock.now() >= deadline {
                break;
            }
            tokio::select! {
                msg = rx.recv() => match take(msg) {
                    None => return,
                    Some(true) => quiet_until = after(clock.now(), options.debounce),
                    Some(false) => {}
                },
                () = clock.sleep_until(deadline) => break,
            }
        }
        tracing::debug!(
            burst_ms = (clock.now() - first).num_milliseconds(),
            "calendar changed"
        );
        // Before the wake-up: whoever sees the rescan sees the burst closed.
        progress.send_modify(|p| {
            p.burst_open = false;
            p.bursts += 1;
        });
        burst_ended();
    }
}

/// Whether an event can change the calendar. Directly in the root only `postcal.yaml`,
/// manifests (`posts: .`) and folders matter (a log file written next to postcal.yaml must not
/// cause rescans).
fn relevant(
    root: &Path,
    watched: &HashSet<PathBuf>,
    event: &notify::Result<notify::Event>,
) -> bool {
    let event = match event {
        Ok(e) => e,
        // Overflow or another OS error: rescan to be safe.
        Err(_) => return true,
    };
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    if event.need_rescan() || event.paths.is_empty() {
        return true;
    }
    event.paths.iter().any(|p| {
        let top_level = p.parent() == Some(root);
        !ignored(root, p)
            && (!top_level
                || p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n == CONFIG_FILE || is_manifest_name(&n)
                })
                || p.is_dir()
                || watched.contains(p))
    })
}

/// Paths the walk skips ([`crate::manifest::ignore`]), relative to the calendar root.
pub fn ignored(root: &Path, path: &Path) -> bool {
    is_ignored_path(path.strip_prefix(root).unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::TimeZone;

    #[test]
    fn ignores_what_the_walk_ignores() {
        let root = Path::new("/cal");
        let cases = [
            ("/cal/posts/a.yaml", false),
            ("/cal/postcal.yaml", false),
            ("/cal/media/x.jpg", false),
            ("/cal/target/a.yaml", false),
            ("/cal/.git/index", true),
            ("/cal/.postcal/status.json", true),
            ("/cal/posts/.a.yaml.swp", true),
            ("/cal/posts/a.yaml~", true),
            ("/cal/posts/4913", true),
            ("/cal/posts/#a.yaml#", true),
            ("/cal/posts/a.yaml.tmp", true),
        ];
        for (path, expected) in cases {
            assert_eq!(ignored(root, Path::new(path)), expected, "{path}");
        }
    }

    fn event(path: &str) -> Msg {
        Msg::Event(Ok(notify::Event::new(EventKind::Any).add_path(path.into())))
    }

    /// A debounce loop on a manual clock, fed by hand; counts its bursts.
    struct Loop {
        tx: mpsc::UnboundedSender<Msg>,
        clock: ManualClock,
        progress: tokio::sync::watch::Receiver<Progress>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Loop {
        fn start(debounce_ms: u64, cap_ms: u64) -> Self {
            let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
            let (tx, rx) = mpsc::unbounded_channel();
            let (progress_tx, progress) = tokio::sync::watch::channel(Progress::default());
            let ticking = clock.clone();
            let options = WatchOptions {
                debounce: Duration::from_millis(debounce_ms),
                cap: Duration::from_millis(cap_ms),
            };
            let task = tokio::spawn(async move {
                debounce_loop(
                    rx,
                    &ticking,
                    options,
                    &progress_tx,
                    |e| !e.as_ref().is_ok_and(|e| e.paths[0].ends_with("ignored")),
                    || {},
                )
                .await;
            });
            Self {
                tx,
                clock,
                progress,
                task,
            }
        }

        /// Sends an event and waits until the loop has taken it in.
        async fn send(&mut self, path: &str) {
            let before = self.progress.borrow().events;
            self.tx.send(event(path)).unwrap();
            self.progress.wait_for(|p| p.events > before).await.unwrap();
        }

        async fn advance_ms(&mut self, ms: i64) {
            self.clock.advance(chrono::Duration::milliseconds(ms));
            // Let the loop see the new time.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
        }

        fn bursts(&self) -> u64 {
            self.progress.borrow().bursts
        }
    }

    #[tokio::test]
    async fn a_burst_ends_after_the_quiet_time_following_its_last_event() {
        let mut l = Loop::start(300, 3000);
        l.send("/cal/posts/a.yaml").await;
        l.advance_ms(200).await;
        l.send("/cal/posts/b.yaml").await;
        l.advance_ms(200).await;
        assert_eq!(l.bursts(), 0, "the second event extended the window");
        assert!(l.progress.borrow().burst_open);
        l.advance_ms(100).await;
        l.progress.wait_for(|p| p.bursts == 1).await.unwrap();
        assert!(!l.progress.borrow().burst_open);
        // An ignored event opens no burst, however long one waits.
        l.send("/cal/posts/ignored").await;
        l.advance_ms(10_000).await;
        assert_eq!(l.bursts(), 1);
        assert!(!l.progress.borrow().burst_open);
        l.tx.send(Msg::Stop).unwrap();
        l.task.await.unwrap();
    }

    #[tokio::test]
    async fn a_burst_that_never_goes_quiet_ends_at_the_cap() {
        let mut l = Loop::start(300, 1000);
        l.send("/cal/posts/a.yaml").await;
        for _ in 0..4 {
            l.advance_ms(250).await;
            l.send("/cal/posts/a.yaml").await;
        }
        // 1000 ms after the first event, although the last one was just now.
        l.progress.wait_for(|p| p.bursts == 1).await.unwrap();
        l.advance_ms(299).await;
        assert_eq!(l.bursts(), 1);
        assert!(
            l.progress.borrow().burst_open,
            "the last event opened a new burst"
        );
        l.advance_ms(1).await;
        l.progress.wait_for(|p| p.bursts == 2).await.unwrap();
        drop(l.tx);
        l.task.await.unwrap();
    }
}
