//! Watching the calendar: file events in, one debounced "calendar changed" out.
//!
//! The watcher watches **directories**: the calendar root (not recursively, for `postcal.yaml`
//! and new top-level folders) and every visible top-level folder recursively (`posts/`,
//! `media/`, ...). Hidden folders (`.git/`, `.postcal/`) are never watched, so a `git gc` or
//! the daemon's own snapshot writes cost nothing.
//!
//! Events are filtered (hidden paths, editor temporaries such as `*.swp`, `*~`, `4913`, and
//! access-only events are dropped), then debounced on a dedicated thread: the first relevant
//! event opens a window that every further event extends by `debounce`, up to `cap` after the
//! first. At its end the [`Wakeup`] generation is bumped once. A `git checkout` touching
//! thousands of files, or vim's write-by-rename, is one rescan.
//!
//! # Guarantees
//! - No polling: the thread blocks on the event channel between bursts.
//! - No event is lost: an event that arrives while the daemon rescans bumps the generation
//!   again, so the daemon rescans once more (level-triggered).
//! - If the OS reports an error or a queue overflow, a rescan is triggered (better one
//!   rescan too many than a missed edit).

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use super::daemon::Wakeup;

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

/// Keeps watching while alive.
pub struct CalendarWatcher {
    _thread: std::thread::JoinHandle<()>,
    stop: mpsc::Sender<Msg>,
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

/// Starts watching `root`; each debounced burst calls `wake.calendar_changed()`.
pub fn watch(
    root: &Path,
    wake: Arc<Wakeup>,
    options: WatchOptions,
) -> Result<CalendarWatcher, notify::Error> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let (tx, rx) = mpsc::channel::<Msg>();
    let events = tx.clone();
    let mut watcher = notify::recommended_watcher(move |e| {
        let _ = events.send(Msg::Event(e));
    })?;
    let mut watched = HashSet::new();
    sync_watches(&mut watcher, &root, &mut watched)?;
    let thread = std::thread::Builder::new()
        .name("postcal-watch".into())
        .spawn(move || debounce_loop(rx, watcher, root, watched, wake, options))
        .map_err(notify::Error::io)?;
    Ok(CalendarWatcher {
        _thread: thread,
        stop: tx,
    })
}

/// Watches the root and each visible top-level directory (new ones are added as they appear).
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
        let visible = entry
            .file_name()
            .to_str()
            .is_some_and(|n| !n.starts_with('.') && n != "target");
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

fn debounce_loop(
    rx: mpsc::Receiver<Msg>,
    mut watcher: notify::RecommendedWatcher,
    root: PathBuf,
    mut watched: HashSet<PathBuf>,
    wake: Arc<Wakeup>,
    options: WatchOptions,
) {
    loop {
        // Idle: block until something happens.
        match rx.recv() {
            Ok(Msg::Event(e)) if relevant(&root, &watched, &e) => {}
            Ok(Msg::Event(_)) => continue,
            Ok(Msg::Stop) | Err(_) => return,
        }
        let first = Instant::now();
        let mut quiet_until = first + options.debounce;
        loop {
            let deadline = quiet_until.min(first + options.cap);
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match rx.recv_timeout(left) {
                Ok(Msg::Event(e)) => {
                    if relevant(&root, &watched, &e) {
                        quiet_until = Instant::now() + options.debounce;
                    }
                }
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        if let Err(e) = sync_watches(&mut watcher, &root, &mut watched) {
            tracing::warn!(error = %e, "cannot update watches");
        }
        tracing::debug!(
            burst_ms = first.elapsed().as_millis() as u64,
            "calendar changed"
        );
        wake.calendar_changed();
    }
}

/// Whether an event can change the calendar. Directly in the root only `postcal.yaml` and
/// folders matter (a log file written next to postcal.yaml must not cause rescans).
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
                || p.file_name()
                    .is_some_and(|n| n == crate::manifest::load::CONFIG_FILE)
                || p.is_dir()
                || watched.contains(p))
    })
}

/// Hidden paths (any component starting with `.`) and editor temporaries.
pub fn ignored(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let hidden = rel.components().any(|c| match c {
        Component::Normal(name) => name.to_str().is_none_or(|n| n.starts_with('.')),
        _ => false,
    });
    if hidden {
        return true;
    }
    let Some(name) = rel.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", ".part"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_hidden_paths_and_editor_temporaries() {
        let root = Path::new("/cal");
        let cases = [
            ("/cal/posts/a.yaml", false),
            ("/cal/postcal.yaml", false),
            ("/cal/media/x.jpg", false),
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
}
