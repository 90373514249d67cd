//! Crash recovery: kill the loop between any two steps, or stop it while the publisher hangs,
//! restart on the same store, and check the fake platform's ledger shows exactly one
//! publication. Plus: every transition is flushed before the next remote call.

use std::sync::{Arc, Mutex};

use super::harness::*;
use postcal::reconcile::fake::failure;
use postcal::reconcile::publisher::BoxFuture;
use postcal::reconcile::{
    Commit, FakePublisher, LookupResult, Outcome, Prepared, Publisher, Script, SlotJob, Step,
};
use postcal::state::{MemStore, Record, SlotState, Store, StoreError};

/// Every crash point: the step that hangs (the daemon is killed there), and how.
fn crash_points() -> Vec<(&'static str, Step, Vec<Script>)> {
    vec![
        ("before prepare lands", Step::Prepare, vec![Script::Hang]),
        (
            "after prepare landed",
            Step::Prepare,
            vec![Script::ApplyThenHang],
        ),
        ("before commit lands", Step::Commit, vec![Script::Hang]),
        (
            "after commit landed",
            Step::Commit,
            vec![Script::ApplyThenHang],
        ),
    ]
}

#[tokio::test]
async fn a_restart_after_a_kill_at_any_step_publishes_exactly_once() {
    for (name, step, script) in crash_points() {
        let h = Harness::new(t(0));
        h.cal.post("launch", t(0), "Big news");
        let key = slot("launch", t(0));
        h.fake.script(step, script);
        let d = h.spawn();
        h.hung(name).await;
        d.kill().await;
        h.store.crash();
        h.fake.clear_scripts();

        // Restart on the same store, a little later (still within max_lateness).
        h.clock.advance(chrono::Duration::minutes(5));
        let plan = h.once().await;
        assert_eq!(h.fake.published(&key), 1, "{name}: {:?}", h.fake.ledger());
        assert!(has(&plan, &key, "nothing"), "{name}: {:?}", kinds(&plan));
        // And again: still one.
        h.once().await;
        assert_eq!(h.fake.published(&key), 1, "{name}");
    }
}

#[tokio::test]
async fn a_kill_during_the_look_up_after_an_ambiguous_commit_publishes_once() {
    for applied in [true, false] {
        let h = Harness::new(t(0));
        h.cal.post("launch", t(0), "Big news");
        let key = slot("launch", t(0));
        let commit = if applied {
            Script::ApplyThenFail(failure("ambiguous"))
        } else {
            Script::Fail(failure("ambiguous"))
        };
        h.fake.script(Step::Commit, [commit]);
        h.fake.script(Step::Lookup, [Script::Hang]);
        let d = h.spawn();
        h.hung(&format!("applied={applied}")).await;
        d.kill().await;
        h.store.crash();
        h.fake.clear_scripts();
        assert!(matches!(
            h.record(&key).unwrap().state,
            SlotState::Armed { .. }
        ));
        h.once().await;
        assert_eq!(h.fake.published(&key), 1, "applied={applied}");
        assert!(matches!(
            h.record(&key).unwrap().state,
            SlotState::Published { .. }
        ));
    }
}

/// (commit script, lookup script, expected final state, publications)
#[tokio::test]
async fn ambiguous_commits_are_resolved_by_look_up_only() {
    let cases: Vec<(&str, Script, Script, &str, usize)> = vec![
        (
            "applied, look-up finds it",
            Script::ApplyThenFail(failure("ambiguous")),
            Script::Succeed,
            "published",
            1,
        ),
        (
            "not applied, look-up proves it, committed again",
            Script::Fail(failure("ambiguous")),
            Script::Succeed,
            "published",
            1,
        ),
        (
            "applied, platform cannot tell",
            Script::ApplyThenFail(failure("ambiguous")),
            Script::Unknown,
            "needs_review",
            1,
        ),
        (
            "look-up fails permanently",
            Script::ApplyThenFail(failure("ambiguous")),
            Script::Fail(failure("permanent")),
            "needs_review",
            1,
        ),
        (
            "container expired: prepared again",
            Script::Fail(failure("ambiguous")),
            Script::Expired,
            "published",
            1,
        ),
        (
            "look-up retryable: stays armed",
            Script::ApplyThenFail(failure("ambiguous")),
            Script::Fail(failure("retryable")),
            "armed",
            1,
        ),
    ];
    for (name, commit, lookup, state, publications) in cases {
        let h = Harness::new(t(0));
        h.cal.post("launch", t(0), "Big news");
        let key = slot("launch", t(0));
        h.fake.script(Step::Commit, [commit]);
        h.fake.script(Step::Lookup, [lookup]);
        h.once().await;
        let record = h.record(&key).unwrap();
        assert_eq!(record.state.name(), state, "{name}: {record:?}");
        assert_eq!(h.fake.published(&key), publications, "{name}");
        // Running again never re-sends a commit for a slot needing review.
        h.once().await;
        assert_eq!(h.fake.published(&key), publications, "{name} (second run)");
    }
}

#[tokio::test]
async fn an_armed_slot_whose_post_was_deleted_is_looked_up_but_never_committed() {
    let h = Harness::new(t(0));
    h.cal.post("launch", t(0), "Big news");
    let key = slot("launch", t(0));
    h.fake.script(Step::Commit, [Script::Hang]);
    let d = h.spawn();
    h.hung("commit").await;
    d.kill().await;
    h.fake.clear_scripts();
    h.cal.remove("launch.yaml");
    h.once().await;
    assert_eq!(h.fake.published(&key), 0);
    let r = h.record(&key).unwrap();
    assert!(
        matches!(
            r.state,
            SlotState::Failed {
                permanent: true,
                ..
            }
        ),
        "{r:?}"
    );
    let commits = h
        .fake
        .calls()
        .iter()
        .filter(|c| c.step == Step::Commit)
        .count();
    assert_eq!(commits, 1, "only the commit that hung");
}

/// A stop (SIGINT/SIGTERM in `postcal run`) while the publisher hangs in a harmless call: the
/// daemon stops at once, the record rests at the state persisted before the call (not a failed
/// attempt), and a restart publishes exactly once.
#[tokio::test]
async fn a_stop_while_the_publisher_hangs_rests_at_a_persisted_state_and_a_restart_publishes_once()
{
    // (what hangs, the scripts, the state the record rests at)
    type Case = (&'static str, Vec<(Step, Script)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "hung in prepare",
            vec![(Step::Prepare, Script::Hang)],
            "preparing",
        ),
        (
            "hung in the look-up after an applied ambiguous commit",
            vec![
                (Step::Commit, Script::ApplyThenFail(failure("ambiguous"))),
                (Step::Lookup, Script::Hang),
            ],
            "armed",
        ),
        (
            "hung in the look-up after a lost commit",
            vec![
                (Step::Commit, Script::Fail(failure("ambiguous"))),
                (Step::Lookup, Script::Hang),
            ],
            "armed",
        ),
    ];
    for (name, scripts, resting) in cases {
        let h = Harness::new(t(0));
        h.cal.post("launch", t(0), "Big news");
        let key = slot("launch", t(0));
        for (step, script) in scripts {
            h.fake.script(step, [script]);
        }
        let d = h.spawn();
        h.hung(name).await;
        // Within 10 s, although the hanging call's own limit is minutes away.
        d.stop().await;
        // Only what was flushed counts.
        h.store.crash();
        let r = h.record(&key).expect("a persisted record");
        assert_eq!(r.state.name(), resting, "{name}: {r:?}");
        assert_eq!(r.attempts, 0, "{name}: a stop is not a failed attempt");

        h.fake.clear_scripts();
        h.once().await;
        assert_eq!(h.fake.published(&key), 1, "{name}: {:?}", h.fake.ledger());
        assert_eq!(h.record(&key).unwrap().state.name(), "published", "{name}");
        h.once().await;
        assert_eq!(h.fake.published(&key), 1, "{name} (second run)");
    }
}

/// A store and a publisher that write to one shared log.
#[derive(Clone)]
struct Logged<T> {
    inner: T,
    log: Arc<Mutex<Vec<String>>>,
}

impl Store for Logged<MemStore> {
    fn load_all(&self) -> Result<Vec<Record>, StoreError> {
        self.inner.load_all()
    }
    fn write(&mut self, r: &Record) -> Result<(), StoreError> {
        self.log
            .lock()
            .unwrap()
            .push(format!("write {}", r.state.name()));
        self.inner.write(r)
    }
    fn flush(&mut self) -> Result<(), StoreError> {
        self.log.lock().unwrap().push("flush".into());
        self.inner.flush()
    }
}

impl Publisher for Logged<FakePublisher> {
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>> {
        self.log.lock().unwrap().push("call prepare".into());
        self.inner.prepare(job)
    }
    fn commit<'a>(&'a self, job: &'a SlotJob, p: &'a Prepared) -> BoxFuture<'a, Outcome<Commit>> {
        self.log.lock().unwrap().push("call commit".into());
        self.inner.commit(job, p)
    }
    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        p: &'a Prepared,
        since: chrono::DateTime<chrono::Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>> {
        self.log.lock().unwrap().push("call lookup".into());
        self.inner.lookup(job, p, since)
    }
}

#[tokio::test]
async fn every_transition_is_flushed_before_the_next_remote_call() {
    let h = Harness::new(t(0));
    h.cal.post("launch", t(0), "Big news");
    h.fake
        .script(Step::Commit, [Script::ApplyThenFail(failure("ambiguous"))]);
    let log = Arc::new(Mutex::new(Vec::new()));
    let store = Logged {
        inner: h.store.clone(),
        log: log.clone(),
    };
    let publisher = Logged {
        inner: h.fake.clone(),
        log: log.clone(),
    };
    let mut daemon = postcal::reconcile::Daemon::new(
        h.cal.root(),
        Box::new(store),
        Arc::new(publisher),
        Arc::new(h.clock.clone()),
        postcal::reconcile::Options::default(),
    )
    .unwrap();
    let (_stop, rx) = tokio::sync::watch::channel(false);
    daemon.pass(&h.wake, &rx).await.unwrap();
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log,
        [
            "write preparing",
            "flush",
            "call prepare",
            "write prepared",
            "flush",
            "write armed",
            "flush",
            "call commit",
            "write armed",
            "flush",
            "call lookup",
            "write published",
            "flush",
        ],
    );
    assert_eq!(h.fake.ledger().len(), 1);
}
