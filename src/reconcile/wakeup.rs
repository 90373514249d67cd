//! How the watcher tells the daemon the calendar changed: a generation counter (the level: has
//! the calendar changed since the last scan?) and a notification that only interrupts a sleep.
//! Level-triggered, so no change is lost however the two race.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;
use tokio::sync::futures::Notified;

/// Wakes the daemon when the calendar changed. The generation is the level (has the calendar
/// changed since the last scan?); the notification only interrupts a sleep.
#[derive(Debug, Default)]
pub struct Wakeup {
    generation: AtomicU64,
    notify: Notify,
}

impl Wakeup {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Marks the calendar as changed and wakes the daemon.
    pub fn calendar_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        // A stored permit if the daemon is not sleeping yet: the wake-up is never lost.
        self.notify.notify_one();
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Completes at the next [`Wakeup::calendar_changed`], or at once if one came since the
    /// last wait.
    pub fn notified(&self) -> Notified<'_> {
        self.notify.notified()
    }
}
