//! The crash matrix: every flow of every platform, killed before and after each publisher call
//! and each persist, then restarted on the same store against the same sandbox: the sandbox's
//! ledger must show the post exactly once (or, only where TikTok truly cannot tell, a slot that
//! needs review and at most one post).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use postcal::reconcile::publisher::BoxFuture;
use postcal::reconcile::{
    Commit, Daemon, FollowUp, Jitter, LookupResult, Options, Outcome, Prepared, Publisher, SlotJob,
    Wakeup,
};
use postcal::state::{MemStore, Record, Store, StoreError};
use tokio::sync::{Notify, watch};

use super::util::World;

/// Where to die.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Point {
    /// Before the n-th publisher call reaches the platform.
    BeforeCall(usize),
    /// After the n-th publisher call was answered, before anything is recorded.
    AfterCall(usize),
    /// Before the n-th persist is written.
    BeforePersist(usize),
    /// After the n-th persist is durable.
    AfterPersist(usize),
    Never,
}

/// Counts calls and persists, and "dies" at its point: a publisher call never returns; a
/// store refuses every write from then on (the daemon stops with a fatal error, as a process
/// killed there would stop writing).
struct Crash {
    point: Point,
    calls: AtomicUsize,
    persists: AtomicUsize,
    dead: AtomicBool,
    died: Notify,
}

impl Crash {
    fn new(point: Point) -> Arc<Self> {
        Arc::new(Self {
            point,
            calls: AtomicUsize::new(0),
            persists: AtomicUsize::new(0),
            dead: AtomicBool::new(false),
            died: Notify::new(),
        })
    }

    fn die(&self) {
        self.dead.store(true, Ordering::SeqCst);
        self.died.notify_one();
    }
}

struct CrashingPublisher {
    inner: Arc<dyn Publisher>,
    crash: Arc<Crash>,
}

impl CrashingPublisher {
    fn call<'a, T: Send + 'a>(
        &'a self,
        inner: BoxFuture<'a, Outcome<T>>,
    ) -> BoxFuture<'a, Outcome<T>> {
        let n = self.crash.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if self.crash.dead.load(Ordering::SeqCst) || self.crash.point == Point::BeforeCall(n) {
                self.crash.die();
                return std::future::pending().await;
            }
            let out = inner.await;
            if self.crash.point == Point::AfterCall(n) {
                self.crash.die();
                return std::future::pending().await;
            }
            out
        })
    }
}

impl Publisher for CrashingPublisher {
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>> {
        self.call(self.inner.prepare(job))
    }
    fn ready<'a>(&'a self, job: &'a SlotJob, p: &'a Prepared) -> BoxFuture<'a, Outcome<()>> {
        self.call(self.inner.ready(job, p))
    }
    fn commit<'a>(&'a self, job: &'a SlotJob, p: &'a Prepared) -> BoxFuture<'a, Outcome<Commit>> {
        self.call(self.inner.commit(job, p))
    }
    fn follow_up<'a>(
        &'a self,
        job: &'a SlotJob,
        ids: &'a [String],
        then: FollowUp,
    ) -> BoxFuture<'a, Outcome<()>> {
        self.call(self.inner.follow_up(job, ids, then))
    }
    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        p: &'a Prepared,
        since: DateTime<Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>> {
        self.call(self.inner.lookup(job, p, since))
    }
}

struct CrashingStore {
    inner: MemStore,
    crash: Arc<Crash>,
}

impl Store for CrashingStore {
    fn load_all(&self) -> Result<Vec<Record>, StoreError> {
        self.inner.load_all()
    }
    fn write(&mut self, record: &Record) -> Result<(), StoreError> {
        self.inner.write(record)
    }
    fn flush(&mut self) -> Result<(), StoreError> {
        self.inner.flush()
    }
    fn persist(&mut self, record: &Record) -> Result<(), StoreError> {
        let dead = || StoreError::Write("killed".into());
        if self.crash.dead.load(Ordering::SeqCst) {
            return Err(dead());
        }
        let n = self.crash.persists.fetch_add(1, Ordering::SeqCst);
        if self.crash.point == Point::BeforePersist(n) {
            self.crash.die();
            return Err(dead());
        }
        self.inner.write(record)?;
        self.inner.flush()?;
        if self.crash.point == Point::AfterPersist(n) {
            self.crash.die();
        }
        Ok(())
    }
}

pub const ACCOUNTS: [&str; 4] = [
    "instagram/acme",
    "threads/acme",
    "facebook/page",
    "tiktok/acme",
];

/// One post per flow: (name, manifest body after `id`/`at`).
pub fn flows() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "ig-feed",
            "text: A cup\nmedia: [media/feed-1080x1350.jpg]\ntargets:\n  instagram/acme: {}\n",
        ),
        (
            "ig-carousel",
            "text: Frames\nmedia: [media/carousel-1.jpg, media/carousel-clip.mp4]\ntargets:\n  instagram/acme: { kind: carousel }\n",
        ),
        (
            "ig-reel",
            "text: Pour\nmedia: [media/reel.mp4]\ntargets:\n  instagram/acme: { kind: reel }\n",
        ),
        (
            "ig-story",
            "media: [media/story.mp4]\ntargets:\n  instagram/acme: { kind: story }\n",
        ),
        (
            "threads-text",
            "text: Water matters\ntargets:\n  threads/acme: { topic_tag: Coffee }\n",
        ),
        (
            "threads-carousel",
            "text: Cards\nmedia: [media/threads-1.jpg, media/carousel-2.png]\ntargets:\n  threads/acme: {}\n",
        ),
        (
            "fb-link",
            "text: Hours\ntargets:\n  facebook/page: { link: \"https://example.com/h\" }\n",
        ),
        (
            "fb-photos",
            "text: The shop\nmedia: [media/carousel-1.jpg, media/square-1080.jpg]\ntargets:\n  facebook/page: {}\n",
        ),
        (
            "fb-video",
            "text: A clip\nmedia: [media/reel.mp4]\ntargets:\n  facebook/page: {}\n",
        ),
        (
            "tiktok-video",
            "text: Pour-over\nmedia: [media/tiktok-video.mp4]\ntargets:\n  tiktok/acme: { privacy: PUBLIC_TO_EVERYONE }\n",
        ),
        (
            "tiktok-photos",
            "text: Gift boxes\nmedia: [media/tiktok-photo-1.jpg, media/tiktok-photo-2.webp]\ntargets:\n  tiktok/acme: { privacy: PUBLIC_TO_EVERYONE, title: Boxes, photo_cover_index: 0 }\n",
        ),
    ]
}

/// How one run of a flow with one crash point ended.
#[derive(Debug)]
struct Outcome_ {
    posts: usize,
    state: &'static str,
}

async fn run_flow(flow: &str, body: &str, point: Point, seed: u64) -> (Outcome_, usize, usize) {
    let w = World::start(&ACCOUNTS).await;
    w.write(
        &format!("{flow}.yaml"),
        &format!("id: {flow}\nat: 2026-12-01T08:59:00Z\n{body}"),
    );
    let crash = Crash::new(point);
    let store = MemStore::new();
    let daemon = |store: Box<dyn Store>, publisher: Arc<dyn Publisher>| {
        Daemon::new(
            w.root(),
            store,
            publisher,
            w.clock.clone(),
            Options {
                jitter: Jitter::seeded(seed),
                exit_when_idle: true,
                ..Options::default()
            },
        )
        .unwrap()
    };
    let first = daemon(
        Box::new(CrashingStore {
            inner: store.clone(),
            crash: crash.clone(),
        }),
        Arc::new(CrashingPublisher {
            inner: w.publishers(),
            crash: crash.clone(),
        }),
    );
    let (_stop, rx) = watch::channel(false);
    let mut task = tokio::spawn(first.run(Wakeup::new(), rx.clone()));
    let finished = tokio::select! {
        () = crash.died.notified() => false,
        _ = &mut task => true,
        _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => panic!("{flow} {point:?}: the first run hung"),
    };
    // The kill: whatever was in flight stops here; unflushed writes are lost.
    if !finished {
        task.abort();
        let _ = task.await;
    }
    store.crash();
    let (calls, persists) = (
        crash.calls.load(Ordering::SeqCst),
        crash.persists.load(Ordering::SeqCst),
    );
    // The restart runs until nothing is left to do (waits pass on the warped clock).
    let restarted = daemon(Box::new(store.clone()), w.publishers());
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        restarted.run(Wakeup::new(), rx),
    )
    .await
    .unwrap_or_else(|_| panic!("{flow} {point:?}: the restart did not finish"))
    .unwrap();
    let records = store.records();
    let state = records.first().map_or("none", |r| r.state.name());
    (
        Outcome_ {
            posts: w.ledger().len(),
            state,
        },
        calls,
        persists,
    )
}

/// The no-crash run of a flow: how many calls and persists it makes.
async fn points_of(flow: &str, body: &str) -> Vec<Point> {
    let (out, calls, persists) = run_flow(flow, body, Point::Never, 1).await;
    assert_eq!(
        (out.posts, out.state),
        (1, "published"),
        "{flow} without a crash"
    );
    let mut points = Vec::new();
    for n in 0..calls {
        points.push(Point::BeforeCall(n));
        points.push(Point::AfterCall(n));
    }
    for n in 0..persists {
        points.push(Point::BeforePersist(n));
        points.push(Point::AfterPersist(n));
    }
    points
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_at_any_point_of_any_flow_publishes_exactly_once() {
    let failures = Arc::new(Mutex::new(Vec::new()));
    let mut runs = 0;
    // `CRASH_FLOW=ig-reel` runs one flow (to look into a failure).
    let only = std::env::var("CRASH_FLOW").ok();
    for (flow, body) in flows() {
        if only.as_deref().is_some_and(|o| o != flow) {
            continue;
        }
        let points = points_of(flow, body).await;
        for point in &points {
            // Several jitter seeds: the retry timing varies too.
            for seed in [7, 8, 9] {
                let (out, _, _) = run_flow(flow, body, *point, seed).await;
                runs += 1;
                // Only TikTok cannot tell whether an init it never answered landed: that slot
                // needs review, with at most one post. Everything else is published exactly once.
                let ok = match out.state {
                    "published" => out.posts == 1,
                    "needs_review" => flow.starts_with("tiktok") && out.posts <= 1,
                    _ => false,
                };
                if !ok {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{flow} {point:?} seed {seed}: {out:?}"));
                }
            }
        }
    }
    let failures = failures.lock().unwrap();
    eprintln!("crash matrix: {runs} runs");
    assert!(
        failures.is_empty(),
        "{} of {runs} runs: {failures:#?}",
        failures.len()
    );
    assert!(only.is_some() || runs > 150, "only {runs} crash points");
}
