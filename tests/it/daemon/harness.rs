//! A calendar in a temporary directory, a daemon on a manual clock with a fake publisher and an
//! in-memory store, and helpers to wait for what the daemon shows.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use postcal::clock::ManualClock;
use postcal::plan::{ChangeKind, Plan};
use postcal::reconcile::{Daemon, FakePublisher, Jitter, Options, View, Wakeup};
use postcal::state::{MemStore, SlotKey, Store};
use tokio::sync::watch;

pub const TARGET: &str = "threads/acme";

/// 2026-12-01 09:00 UTC plus `minutes`.
pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

pub fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// A calendar on disk.
pub struct Cal {
    pub dir: tempfile::TempDir,
}

impl Cal {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("postcal.yaml"),
            "timezone: UTC\naccounts:\n  threads/acme: {}\n  instagram/acme: {}\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("posts")).unwrap();
        Self { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join("posts").join(name)
    }

    /// Writes `posts/<id>.yaml`: a Threads post at `at`.
    pub fn post(&self, id: &str, at: DateTime<Utc>, text: &str) {
        self.write(
            &format!("{id}.yaml"),
            &format!(
                "id: {id}\nat: {}\ntext: {text}\ntargets:\n  {TARGET}: {{}}\n",
                rfc(at)
            ),
        );
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    pub fn remove(&self, name: &str) {
        std::fs::remove_file(self.path(name)).unwrap();
    }
}

pub fn slot(id: &str, at: DateTime<Utc>) -> SlotKey {
    SlotKey::new(id, TARGET.parse().unwrap(), at)
}

/// Everything a loop test needs; clones of the store and the fake outlive daemons ("restarts").
pub struct Harness {
    pub cal: Cal,
    pub store: MemStore,
    pub fake: FakePublisher,
    pub clock: ManualClock,
    pub wake: Arc<Wakeup>,
}

impl Harness {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            cal: Cal::new(),
            store: MemStore::new(),
            fake: FakePublisher::new(),
            clock: ManualClock::new(now),
            wake: Wakeup::new(),
        }
    }

    pub fn daemon(&self) -> Daemon {
        self.daemon_with(Box::new(self.store.clone()))
    }

    pub fn daemon_with(&self, store: Box<dyn Store>) -> Daemon {
        Daemon::new(
            self.cal.root(),
            store,
            Arc::new(self.fake.clone()),
            Arc::new(self.clock.clone()),
            Options {
                jitter: Jitter::seeded(7),
                ..Options::default()
            },
        )
        .unwrap()
    }

    /// Starts a daemon in the background.
    pub fn spawn(&self) -> Running {
        let daemon = self.daemon();
        let view = daemon.subscribe();
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(daemon.run(self.wake.clone(), stop_rx));
        Running { view, stop, task }
    }

    /// One pass of a fresh daemon (a `run --once`).
    pub async fn once(&self) -> Arc<Plan> {
        let mut daemon = self.daemon();
        let (_stop, stop_rx) = watch::channel(false);
        daemon.pass(&self.wake, &stop_rx).await.unwrap()
    }

    /// Waits (at most 10 s of real time) until a publisher call hangs, as scripted.
    pub async fn hung(&self, what: &str) {
        tokio::time::timeout(Duration::from_secs(10), self.fake.wait_hung())
            .await
            .unwrap_or_else(|_| panic!("{what}: the publisher never hung"));
    }

    pub fn record(&self, key: &SlotKey) -> Option<postcal::state::Record> {
        self.store.get(key)
    }
}

pub struct Running {
    pub view: watch::Receiver<View>,
    pub stop: watch::Sender<bool>,
    pub task: tokio::task::JoinHandle<Result<(), postcal::reconcile::Fatal>>,
}

impl Running {
    /// Waits (at most 10 s of real time) until the daemon shows a view matching `f`.
    pub async fn until(&mut self, what: &str, f: impl Fn(&View) -> bool) -> View {
        let got = tokio::time::timeout(Duration::from_secs(10), self.view.wait_for(|v| f(v)))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|v| v.clone());
        match got {
            Some(v) => v,
            None => panic!(
                "timed out waiting for: {what}; last plan: {:#?}",
                self.view.borrow().plan.changes
            ),
        }
    }

    /// Stops the daemon cleanly and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("daemon did not stop")
            .unwrap()
            .unwrap();
    }

    /// "Kills" the daemon: drops it wherever it is.
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Whether the plan has a change of `kind` for `slot`.
pub fn has(plan: &Plan, slot: &SlotKey, kind: &str) -> bool {
    plan.changes
        .iter()
        .any(|c| &c.slot == slot && c.kind.name() == kind)
}

pub fn kinds(plan: &Plan) -> Vec<(String, String)> {
    plan.changes
        .iter()
        .map(|c| (c.slot.post.clone(), c.kind.name().to_owned()))
        .collect()
}

pub fn is_orphan(kind: &ChangeKind) -> bool {
    matches!(kind, ChangeKind::Orphan { .. })
}
