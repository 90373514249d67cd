//! The daemon loop on a manual clock: publishing on time, rescheduling, orphans, misses.

use super::harness::*;
use postcal::reconcile::{Script, Step};
use postcal::state::{SlotKey, SlotState};

#[tokio::test]
async fn a_slot_due_at_t_is_published_once_at_t() {
    let h = Harness::new(t(-30));
    h.cal.post("launch", t(0), "Big news");
    let mut d = h.spawn();
    let key = slot("launch", t(0));
    d.until("the post waits", |v| has(&v.plan, &key, "wait"))
        .await;
    assert!(h.fake.ledger().is_empty());

    // Within the prepare lead (10 minutes): prepared ahead, not published.
    h.clock.advance(chrono::Duration::minutes(29));
    d.until("prepared ahead", |v| has(&v.plan, &key, "resume"))
        .await;
    tokio::task::yield_now().await;
    assert!(h.fake.ledger().is_empty(), "published early");

    h.clock.advance(chrono::Duration::minutes(1));
    d.until("published", |v| has(&v.plan, &key, "nothing"))
        .await;
    assert_eq!(h.fake.published(&key), 1);
    match h.record(&key).unwrap().state {
        SlotState::Published { at, .. } => assert_eq!(at, t(0)),
        other => panic!("{other:?}"),
    }

    // Time goes on; nothing more happens.
    h.clock.advance(chrono::Duration::days(2));
    tokio::task::yield_now().await;
    d.stop().await;
    assert_eq!(h.fake.ledger().len(), 1);
}

#[tokio::test]
async fn editing_a_future_posts_time_reschedules_it() {
    let h = Harness::new(t(0));
    h.cal.post("launch", t(120), "Big news");
    let mut d = h.spawn();
    d.until("waits at +2h", |v| {
        has(&v.plan, &slot("launch", t(120)), "wait")
    })
    .await;

    h.cal.post("launch", t(60), "Big news");
    h.wake.calendar_changed();
    d.until("waits at +1h", |v| {
        has(&v.plan, &slot("launch", t(60)), "wait")
            && !has(&v.plan, &slot("launch", t(120)), "wait")
    })
    .await;

    h.clock.set(t(60));
    d.until("published at +1h", |v| {
        has(&v.plan, &slot("launch", t(60)), "nothing")
    })
    .await;
    h.clock.set(t(180));
    tokio::task::yield_now().await;
    d.stop().await;
    let ledger = h.fake.ledger();
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0].slot, slot("launch", t(60)));
}

#[tokio::test]
async fn deleting_a_published_posts_manifest_makes_an_orphan_not_a_deletion() {
    let h = Harness::new(t(0));
    h.cal.post("launch", t(0), "Big news");
    let mut d = h.spawn();
    let key = slot("launch", t(0));
    d.until("published", |v| has(&v.plan, &key, "nothing"))
        .await;

    h.cal.remove("launch.yaml");
    h.wake.calendar_changed();
    let view = d
        .until("orphan", |v| {
            v.plan.changes.iter().any(|c| is_orphan(&c.kind))
        })
        .await;
    assert_eq!(view.plan.summary.orphan, 1);
    d.stop().await;
    assert!(matches!(
        h.record(&key).unwrap().state,
        SlotState::Published { .. }
    ));
    assert_eq!(h.fake.ledger().len(), 1);
    assert!(
        h.fake
            .calls()
            .iter()
            .all(|c| c.step != postcal::reconcile::Step::Commit || c.slot == key)
    );
}

#[tokio::test]
async fn a_post_missed_past_max_lateness_is_reported_and_not_published() {
    // Default max_lateness is 1h: one post 2h late, one 30 min late.
    let h = Harness::new(t(0));
    h.cal.post("late", t(-120), "Too late");
    h.cal.post("recent", t(-30), "Still fine");
    let plan = h.once().await;
    assert!(
        has(&plan, &slot("late", t(-120)), "missed"),
        "{:?}",
        kinds(&plan)
    );
    assert!(
        has(&plan, &slot("recent", t(-30)), "nothing"),
        "{:?}",
        kinds(&plan)
    );
    assert_eq!(h.fake.published(&slot("late", t(-120))), 0);
    assert_eq!(h.fake.published(&slot("recent", t(-30))), 1);
    assert_eq!(
        h.record(&slot("late", t(-120))).unwrap().state,
        SlotState::Missed
    );
    assert_eq!(plan.summary.missed, 1);
}

#[tokio::test]
async fn a_manifest_that_stops_parsing_keeps_its_last_valid_version_blocked() {
    let h = Harness::new(t(0));
    h.cal.post("later", t(60), "Soon");
    let mut d = h.spawn();
    d.until("waits", |v| has(&v.plan, &slot("later", t(60)), "wait"))
        .await;
    h.cal.write("later.yaml", "id: later\nat: [unclosed\n");
    h.wake.calendar_changed();
    d.until("blocked", |v| v.plan.summary.blocked == 1).await;
    h.clock.set(t(90));
    // Blocked: nothing is published from it at its time (any wake-up replans; none publishes).
    h.wake.calendar_changed();
    d.until("still blocked after its time", |v| {
        v.plan.now >= t(90) && v.plan.summary.blocked == 1
    })
    .await;
    assert!(h.fake.ledger().is_empty());
    // Fixed: it is due (30 min late, within max_lateness) and goes out once.
    h.cal.post("later", t(60), "Soon");
    h.wake.calendar_changed();
    d.until("published after the fix", |v| {
        has(&v.plan, &slot("later", t(60)), "nothing")
    })
    .await;
    d.stop().await;
    assert_eq!(h.fake.ledger().len(), 1);
}

#[tokio::test]
async fn retryable_failures_back_off_and_permanent_ones_wait_for_an_edit() {
    use postcal::reconcile::fake::failure;
    use postcal::reconcile::{Script, Step};
    let h = Harness::new(t(0));
    h.cal.post("a", t(0), "A");
    h.cal.post("b", t(0), "B");
    h.fake.script(
        Step::Prepare,
        [
            Script::Fail(failure("retryable")),
            Script::Fail(failure("permanent")),
        ],
    );
    let plan = h.once().await;
    assert_eq!(plan.summary.retry, 1, "{:?}", kinds(&plan));
    assert_eq!(plan.summary.failed, 1, "{:?}", kinds(&plan));
    let retry_at = plan
        .changes
        .iter()
        .find_map(|c| match c.kind {
            postcal::plan::ChangeKind::Retry { at, .. } => Some(at),
            _ => None,
        })
        .unwrap();
    // First retry after 30 s ± 20 %.
    let wait = retry_at - t(0);
    assert!(
        wait >= chrono::Duration::seconds(24) && wait <= chrono::Duration::seconds(36),
        "{wait}"
    );
    h.clock.set(retry_at);
    let plan = h.once().await;
    assert_eq!(plan.summary.retry, 0);
    assert_eq!(plan.summary.failed, 1);
    assert_eq!(h.fake.ledger().len(), 1);
    // The permanent one goes out once its manifest changes.
    h.cal.post("b", t(0), "B, fixed");
    h.cal.post("a", t(0), "A");
    let plan = h.once().await;
    assert_eq!(plan.summary.failed, 0, "{:?}", kinds(&plan));
    assert_eq!(h.fake.ledger().len(), 2);
}

#[tokio::test]
async fn an_edit_the_daemon_has_not_scanned_yet_is_what_gets_published() {
    let h = Harness::new(t(-10));
    h.cal.post("launch", t(0), "Draft wording");
    let mut d = h.spawn();
    let key = slot("launch", t(0));
    // Within the prepare lead: it is prepared ahead with the draft wording.
    d.until("the post is prepared", |v| has(&v.plan, &key, "resume"))
        .await;
    // Edited with no watcher event (a missed or not yet delivered one): the content is read
    // from the manifest when publishing, found changed since the scan, and rescanned first.
    h.cal.post("launch", t(0), "Final wording");
    h.clock.advance(chrono::Duration::minutes(10));
    d.until("published", |v| has(&v.plan, &key, "nothing"))
        .await;
    let ledger = h.fake.ledger();
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0].text.as_deref(), Some("Final wording"));
    let record = h.record(&key).unwrap();
    assert!(matches!(record.state, SlotState::Published { .. }));
    // Recorded as published from the final wording: a later scan sees no drift.
    let scanned = d.view.borrow().rescans;
    h.wake.calendar_changed();
    let view = d.until("rescanned", |v| v.rescans > scanned).await;
    assert!(has(&view.plan, &key, "nothing"), "{:?}", kinds(&view.plan));
    d.stop().await;
}

#[tokio::test]
async fn after_downtime_a_repeating_post_publishes_its_latest_occurrence_once_not_a_burst() {
    // Every 10 minutes (144 a day: within Threads' 250) since t(-60): postcal was down for
    // that hour. The old plan published all seven at once.
    let h = Harness::new(t(0));
    h.cal.write(
        "every-ten.yaml",
        &format!(
            "id: every-ten\nat: {}\nrepeat: \"*/10 * * * *\"\ntext: Tick\ntargets:\n  {TARGET}: {{}}\n",
            rfc(t(-60))
        ),
    );
    // The plan after the pass: what was published, and every miss.
    let plan = h.once().await;
    assert_eq!(plan.summary.nothing, 1, "{:?}", kinds(&plan));
    assert_eq!(plan.summary.missed, 6, "t-60 … t-10, every one counted");
    let ledger = h.fake.ledger();
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0].slot, slot("every-ten", t(0)));
    for m in [-60, -50, -40, -30, -20, -10] {
        let record = h
            .record(&slot("every-ten", t(m)))
            .expect("missed is recorded");
        assert_eq!(record.state, SlotState::Missed, "t{m}");
    }
}

#[tokio::test]
async fn a_slow_account_never_delays_another() {
    let h = Harness::new(t(0));
    std::fs::write(
        h.cal.root().join("postcal.yaml"),
        "timezone: UTC\naccounts:\n  threads/acme: {}\n  threads/other: {}\n",
    )
    .unwrap();
    h.cal.post("slow", t(-2), "On one account");
    h.cal.write(
        "other.yaml",
        &format!(
            "id: other\nat: {}\ntext: On another\ntargets:\n  threads/other: {{}}\n",
            rfc(t(-1))
        ),
    );
    // The first prepare never answers: a video that takes forever to process. Accounts
    // prepare concurrently, so which of the two asks first is a race; whichever it is, the
    // other account publishes.
    h.fake.script(Step::Prepare, [Script::Hang]);
    let mut d = h.spawn();
    let slow = slot("slow", t(-2));
    let other = SlotKey::new("other", "threads/other".parse().unwrap(), t(-1));
    d.until("the account that did not hang published", |v| {
        has(&v.plan, &other, "nothing") || has(&v.plan, &slow, "nothing")
    })
    .await;
    assert_eq!(
        h.fake.published(&slow) + h.fake.published(&other),
        1,
        "one account published, the other still hangs"
    );
    d.stop().await;
}
