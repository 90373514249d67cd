//! Reconciliation: acting on the plan, on time, without ever posting twice or losing a post.
//!
//! - [`publisher`]: the [`Publisher`] trait platform adapters implement (prepare → commit →
//!   look up, each outcome classified retryable / permanent / ambiguous);
//! - [`machine`]: one slot's state machine, every transition flushed before the next call;
//! - [`backoff`]: exponential backoff with jitter;
//! - [`daemon`]: the level-triggered loop ([`Daemon`]);
//! - [`calendar`]: the daemon's view of the calendar (rescans, content rebuilt when due);
//! - [`next`]: what the daemon waits for, in words, for its log;
//! - [`watch`](mod@watch): the calendar watcher (debounced, capped), which bumps a [`Wakeup`];
//! - [`fake`]: a scriptable fake platform for tests, and the `--dry-run` recorder.

pub mod backoff;
pub mod calendar;
pub mod daemon;
pub mod fake;
pub mod machine;
pub mod next;
pub mod publisher;
pub mod wakeup;
pub mod watch;

pub use backoff::{Backoff, Jitter};
pub use daemon::{Daemon, Fatal, Observer, Options, View};
pub use fake::{FakePublisher, RecordingPublisher, Script, Step};
pub use machine::{CallLimits, Goal, Machine, SharedStore};
pub use publisher::{
    BoxFuture, Commit, Failure, FailureClass, FollowUp, LookupResult, Outcome, Prepared, Published,
    Publisher, SlotJob,
};
pub use wakeup::Wakeup;
pub use watch::{CalendarWatcher, WatchOptions, watch, watch_on};
