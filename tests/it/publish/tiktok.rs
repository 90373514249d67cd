//! The TikTok publisher against the sandbox: videos by chunked upload and by pull, photo
//! posts, the creator's settings, the rates and the daily cap kept locally, and what happens
//! after an init whose answer is lost. The sandbox ledger is compared with what was sent.

use std::sync::Arc;

use postcal::media::synth;
use postcal::platform::tiktok::TiktokPublisher;
use postcal::platform::tiktok::limits::Rates;
use postcal::platform::tiktok::upload::Resend;
use postcal::platform::{Platform, TargetKey};
use postcal::reconcile::{
    Commit, Failure, FailureClass, Goal, LookupResult, Prepared, Published, Publisher, SlotJob,
};
use postcal::sandbox::{
    AccountSpec, CreatorSettings, FaultAction, FaultRule, LedgerEntry, ProcessingFault,
    SandboxConfig, SeededAccount,
};
use postcal::state::{MemStore, Record, Revision, SlotKey, SlotState, Store};
use serde_json::{Value, json};

use super::direct::{Harness, job, sha256, t0};

struct Tt {
    h: Harness,
    target: TargetKey,
    account: SeededAccount,
    publisher: Arc<TiktokPublisher>,
}

impl Tt {
    async fn with(creator: CreatorSettings, rates: Rates) -> Self {
        let h = Harness::start(SandboxConfig::default()).await;
        let (target, account) =
            h.account(AccountSpec::new(Platform::Tiktok, "acme").tiktok(creator));
        let resend = Resend {
            attempts: 3,
            delay: std::time::Duration::from_millis(5),
        };
        let publisher = TiktokPublisher::new(h.context())
            .with_rates(rates)
            .with_resend(resend);
        Self {
            h,
            target,
            account,
            publisher: Arc::new(publisher),
        }
    }

    async fn start() -> Self {
        Self::with(CreatorSettings::default(), Rates::default()).await
    }

    fn video_job(&self, post: &str, text: &str, video: &[u8], options: Value) -> SlotJob {
        let media = self.h.media.add(&format!("{post}.mp4"), video);
        job(&self.target, post, Some(text), vec![media], options)
    }

    /// prepare → ready → commit as the machine calls them, then the follow-up if any: the
    /// publish_id.
    async fn post(&self, job: &SlotJob) -> Result<String, Failure> {
        let p = self.publisher.prepare(job).await?;
        self.publisher.ready(job, &p).await?;
        match self.publisher.commit(job, &p).await? {
            Commit::Accepted { remote_ids, then } => {
                if let Some(then) = then {
                    self.publisher.follow_up(job, &remote_ids, then).await?;
                }
                Ok(remote_ids[0].clone())
            }
            Commit::Published(p) => panic!("TikTok publishes asynchronously, got {p:?}"),
        }
    }

    async fn lookup(&self, job: &SlotJob, publish_id: &str) -> Result<LookupResult, Failure> {
        let prepared = Prepared {
            remote_ids: vec![publish_id.to_owned()],
        };
        self.publisher.lookup(job, &prepared, t0()).await
    }

    /// Lets pulls finish and processing complete (on the sandbox clock).
    async fn process(&self) {
        self.h.sb.settle().await;
        self.h.advance(60);
    }

    fn calls(&self, endpoint: &str) -> u64 {
        self.h.sb.counters().get(endpoint).copied().unwrap_or(0)
    }

    fn only_entry(&self) -> LedgerEntry {
        let ledger = self.h.sb.ledger();
        assert_eq!(ledger.len(), 1, "{ledger:#?}");
        ledger[0].clone()
    }
}

/// A real (synthetic) 10 s video padded to `size` bytes with a trailing `free` box.
fn video(size: usize) -> Vec<u8> {
    let mut v = synth::mp4(&synth::VideoSpec::default());
    let pad = size - v.len();
    v.extend((pad as u32).to_be_bytes());
    v.extend(b"free");
    v.resize(size, 0);
    v
}

fn reel() -> Vec<u8> {
    synth::mp4(&synth::VideoSpec::default())
}

fn wait_until(f: &Failure) -> chrono::DateTime<chrono::Utc> {
    match f.class {
        FailureClass::Wait { until } => until,
        other => panic!("expected a wait, got {other:?}: {}", f.message),
    }
}

#[tokio::test]
async fn a_video_is_uploaded_in_chunks_and_published_once_through_the_machine() {
    let tt = Tt::start().await;
    let bytes = video(21_000_000); // chunks of 10,000,000 and 11,000,000 bytes
    let options = json!({"privacy": "PUBLIC_TO_EVERYONE", "allow_comment": true, "cover_timestamp": 1500, "ai_generated": true});
    let job = tt.video_job("launch", "Launch day #tiktok", &bytes, options);
    let store = MemStore::new();
    let (machine, _stop) = tt.h.machine(tt.publisher.clone(), &store);
    let r = Record::planned(
        job.key.clone(),
        job.content_hash.clone(),
        Revision::default(),
        t0(),
    );
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    assert!(
        matches!(&r.state, SlotState::Committed { remote_ids } if remote_ids.len() == 1),
        "{r:?}"
    );
    assert_eq!(
        r.waiting.as_deref(),
        Some("TikTok is receiving or processing the uploaded video (PROCESSING_UPLOAD)")
    );
    assert_eq!(tt.calls("tiktok.upload_chunk"), 2);
    tt.h.advance(60);
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    let e = tt.only_entry();
    let SlotState::Published {
        remote_id,
        permalink,
        ..
    } = &r.state
    else {
        panic!("{r:?}")
    };
    assert_eq!(remote_id, &e.post_id);
    assert_eq!(
        permalink.as_deref(),
        Some(format!("https://www.tiktok.com/@acme/video/{}", e.post_id).as_str())
    );
    assert_eq!(
        (e.kind.as_str(), e.text.as_deref()),
        ("VIDEO", Some("Launch day #tiktok"))
    );
    assert_eq!(e.options["privacy_level"], "PUBLIC_TO_EVERYONE");
    assert_eq!(e.options["disable_comment"], false);
    assert_eq!(
        e.options["disable_duet"], true,
        "toggles are off unless allowed"
    );
    assert_eq!(e.options["disable_stitch"], true);
    assert_eq!(e.options["video_cover_timestamp_ms"], 1500);
    assert_eq!(e.options["is_aigc"], true);
    assert_eq!(
        (e.media[0].sha256.as_str(), e.media[0].url.as_deref()),
        (sha256(&bytes).as_str(), None)
    );
    assert_eq!(tt.calls("tiktok.video_init"), 1);
    // Neither the token nor the upload URL reached the records.
    let stored = serde_json::to_string(&store.load_all().unwrap()).unwrap();
    assert!(
        !stored.contains(tt.account.access_token.expose()),
        "{stored}"
    );
    assert!(!stored.contains("upload"), "{stored}");
}

#[tokio::test]
async fn a_video_on_a_verified_domain_is_pulled() {
    let tt = Tt::start().await;
    tt.h.media.verify(true);
    let job = tt.video_job("pulled", "Pulled", &reel(), json!({"privacy": "SELF_ONLY"}));
    let id = tt.post(&job).await.unwrap();
    assert_eq!(tt.calls("tiktok.upload_chunk"), 0);
    assert!(matches!(
        tt.lookup(&job, &id).await.unwrap(),
        LookupResult::Pending { .. }
    ));
    tt.process().await;
    // SELF_ONLY posts get no public id: published, known by the publish_id.
    assert_eq!(
        tt.lookup(&job, &id).await.unwrap(),
        LookupResult::Published(Published {
            remote_id: id.clone(),
            permalink: None
        })
    );
    let e = tt.only_entry();
    assert_eq!(e.source, id);
    assert!(
        e.media[0]
            .url
            .as_deref()
            .unwrap()
            .starts_with(&tt.h.media.base)
    );
    assert_eq!(e.media[0].sha256, sha256(&reel()));
}

#[tokio::test]
async fn a_photo_post_is_pulled_with_its_title_description_and_cover() {
    let tt = Tt::start().await;
    let photos = [
        ("a.jpg", synth::jpeg(1080, 1350)),
        ("b.webp", synth::webp(1080, 1350)),
        ("c.jpg", synth::jpeg(1080, 1080)),
    ];
    let media = photos.iter().map(|(n, b)| tt.h.media.add(n, b)).collect();
    let options = json!({"privacy": "PUBLIC_TO_EVERYONE", "title": "Three photos", "photo_cover_index": 1, "auto_add_music": true});
    let job = job(
        &tt.target,
        "photos",
        Some("The whole story"),
        media,
        options,
    );
    let id = tt.post(&job).await.unwrap();
    tt.process().await;
    let LookupResult::Published(p) = tt.lookup(&job, &id).await.unwrap() else {
        panic!()
    };
    let e = tt.only_entry();
    assert_eq!(
        p.permalink,
        Some(format!("https://www.tiktok.com/@acme/photo/{}", e.post_id))
    );
    assert_eq!(
        (e.kind.as_str(), e.text.as_deref()),
        ("PHOTO", Some("Three photos"))
    );
    assert_eq!(e.options["description"], "The whole story");
    assert_eq!(e.options["photo_cover_index"], 1);
    assert_eq!(e.options["auto_add_music"], true);
    assert_eq!(e.options["disable_comment"], true);
    let shas: Vec<String> = e.media.iter().map(|m| m.sha256.clone()).collect();
    let sent: Vec<String> = photos.iter().map(|(_, b)| sha256(b)).collect();
    assert_eq!(shas, sent);
}

#[tokio::test]
async fn what_the_creator_does_not_allow_fails_permanently_before_any_init() {
    let private = CreatorSettings {
        private: true,
        max_video_post_duration_sec: 5,
        ..CreatorSettings::default()
    };
    let tt = Tt::with(private, Rates::default()).await;
    let cases = [
        (
            json!({"privacy": "PUBLIC_TO_EVERYONE"}),
            "privacy PUBLIC_TO_EVERYONE is not allowed for @acme on TikTok, which allows FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY",
        ),
        (json!({}), "has no `privacy`"),
        (
            json!({"privacy": "SELF_ONLY"}),
            "the video is 10.0 s long; @acme may post videos of at most 5 s",
        ),
    ];
    for (i, (options, says)) in cases.into_iter().enumerate() {
        let job = tt.video_job(&format!("p{i}"), "t", &reel(), options);
        let p = tt.publisher.prepare(&job).await.unwrap();
        let f = tt.publisher.ready(&job, &p).await.unwrap_err();
        assert_eq!(f.class, FailureClass::Permanent, "{}", f.message);
        assert!(f.message.contains(says), "{}", f.message);
    }
    assert_eq!(tt.calls("tiktok.video_init"), 0);
}

#[tokio::test]
async fn a_banned_creator_is_refused_at_init_and_nothing_is_published() {
    let banned = CreatorSettings {
        banned: true,
        ..CreatorSettings::default()
    };
    let tt = Tt::with(banned, Rates::default()).await;
    let job = tt.video_job("b", "t", &reel(), json!({"privacy": "SELF_ONLY"}));
    let f = tt.post(&job).await.unwrap_err();
    assert_eq!(f.class, FailureClass::Permanent);
    assert!(
        f.message.contains("spam_risk_user_banned_from_posting"),
        "{}",
        f.message
    );
    tt.process().await;
    assert!(tt.h.sb.ledger().is_empty());
}

#[tokio::test]
async fn toggles_the_creator_disabled_are_sent_disabled() {
    let creator = CreatorSettings {
        comment_disabled: true,
        duet_disabled: true,
        ..CreatorSettings::default()
    };
    let tt = Tt::with(creator, Rates::default()).await;
    tt.h.media.verify(true);
    let options = json!({"privacy": "PUBLIC_TO_EVERYONE", "allow_comment": true, "allow_duet": true, "allow_stitch": true});
    let job = tt.video_job("t", "Toggles", &reel(), options);
    tt.post(&job).await.unwrap();
    tt.process().await;
    let e = tt.only_entry();
    assert_eq!(
        e.options["disable_comment"], true,
        "the creator turned comments off"
    );
    assert_eq!(
        e.options["disable_duet"], true,
        "the creator turned duets off"
    );
    assert_eq!(
        e.options["disable_stitch"], false,
        "stitches stay as the manifest says"
    );
}

#[tokio::test]
async fn the_per_token_rates_are_kept_without_tiktok_refusing() {
    let tt = Tt::start().await;
    tt.h.media.verify(true);
    let jobs: Vec<SlotJob> = (0..7)
        .map(|i| {
            tt.video_job(
                &format!("r{i}"),
                "Rate",
                &reel(),
                json!({"privacy": "SELF_ONLY"}),
            )
        })
        .collect();
    let mut ids = Vec::new();
    for job in &jobs[..6] {
        ids.push(tt.post(job).await.unwrap());
    }
    let f = tt.post(&jobs[6]).await.unwrap_err();
    assert_eq!(wait_until(&f), t0() + chrono::Duration::seconds(60));
    assert!(f.message.contains("6 post inits a minute"), "{}", f.message);
    assert_eq!(
        tt.calls("tiktok.video_init"),
        6,
        "the seventh was never sent"
    );
    // Status fetches: 30 a minute per token.
    for _ in 0..30 {
        tt.lookup(&jobs[0], &ids[0]).await.unwrap();
    }
    let f = tt.lookup(&jobs[0], &ids[0]).await.unwrap_err();
    assert_eq!(wait_until(&f), t0() + chrono::Duration::seconds(60));
    assert_eq!(tt.calls("tiktok.status_fetch"), 30);
    tt.h.advance(60);
    tt.post(&jobs[6]).await.unwrap();
    tt.process().await;
    assert_eq!(tt.h.sb.ledger().len(), 7);
}

#[tokio::test]
async fn the_daily_cap_counts_recorded_posts_and_waits_for_the_oldest_to_leave() {
    let rates = Rates {
        posts_per_24h: 2,
        ..Rates::default()
    };
    let tt = Tt::with(CreatorSettings::default(), rates).await;
    tt.h.media.verify(true);
    let earlier = t0() - chrono::Duration::hours(23);
    tt.publisher.seed_history(&[(
        SlotKey::new("yesterday", tt.target.clone(), earlier),
        earlier,
    )]);
    let first = tt.video_job("c1", "One", &reel(), json!({"privacy": "SELF_ONLY"}));
    let second = tt.video_job("c2", "Two", &reel(), json!({"privacy": "SELF_ONLY"}));
    tt.post(&first).await.unwrap();
    let f = tt.post(&second).await.unwrap_err();
    assert_eq!(wait_until(&f), t0() + chrono::Duration::hours(1));
    assert!(
        f.message.starts_with("waiting for quota until"),
        "{}",
        f.message
    );
    assert_eq!(tt.calls("tiktok.video_init"), 1);
    tt.h.advance(3600);
    tt.post(&second).await.unwrap();
}

#[tokio::test]
async fn an_init_applied_then_answered_500_is_never_sent_again() {
    let tt = Tt::start().await;
    tt.h.media.verify(true);
    tt.h.sb
        .faults()
        .add(FaultRule::new("tiktok.video_init", FaultAction::ApplyThen500).times(1));
    let job = tt.video_job(
        "lost",
        "Lost answer",
        &reel(),
        json!({"privacy": "SELF_ONLY"}),
    );
    let store = MemStore::new();
    let (machine, _stop) = tt.h.machine(tt.publisher.clone(), &store);
    let r = Record::planned(
        job.key.clone(),
        job.content_hash.clone(),
        Revision::default(),
        t0(),
    );
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    let SlotState::NeedsReview { why } = &r.state else {
        panic!("{r:?}")
    };
    for part in ["@acme", "profile", "will not send it again"] {
        assert!(why.contains(part), "{part}: {why}");
    }
    assert!(
        r.last_error.as_deref().unwrap().contains("internal_error"),
        "{r:?}"
    );
    // TikTok did create it; postcal made it once and says so.
    tt.process().await;
    assert_eq!(tt.only_entry().text.as_deref(), Some("Lost answer"));
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    assert!(matches!(r.state, SlotState::NeedsReview { .. }));
    // After a restart (nothing in memory) the look-up still names the profile to check.
    let restarted = TiktokPublisher::new(tt.h.context());
    let found = restarted.lookup(&job, &Prepared::default(), t0()).await;
    assert!(
        matches!(&found, Ok(LookupResult::Unknown { why }) if why.contains("@acme")),
        "{found:?}"
    );
    assert_eq!(tt.calls("tiktok.video_init"), 1);
}

#[tokio::test]
async fn an_upload_cut_short_is_given_up_once_its_url_expired_and_posted_again_once() {
    let tt = Tt::start().await;
    let bytes = video(21_000_000);
    let job = tt.video_job("cut", "Cut short", &bytes, json!({"privacy": "SELF_ONLY"}));
    // The init is answered, then postcal stops before a single chunk is sent.
    let p = tt.publisher.prepare(&job).await.unwrap();
    tt.publisher.ready(&job, &p).await.unwrap();
    let Commit::Accepted { remote_ids, then } = tt.publisher.commit(&job, &p).await.unwrap() else {
        panic!()
    };
    assert!(then.is_some());
    drop(then);
    let store = MemStore::new();
    let (machine, _stop) = tt.h.machine(tt.publisher.clone(), &store);
    let mut r = Record::planned(
        job.key.clone(),
        job.content_hash.clone(),
        Revision::default(),
        t0(),
    );
    r.state = SlotState::Committed { remote_ids };
    r.armed_at = Some(t0());
    tt.h.advance(30 * 60);
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    assert!(
        matches!(r.state, SlotState::Committed { .. }),
        "within the URL's hour: pending {r:?}"
    );
    tt.h.advance(41 * 60);
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    assert!(
        matches!(
            r.state,
            SlotState::Failed {
                permanent: false,
                ..
            }
        ),
        "{r:?}"
    );
    tt.h.advance(120);
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    tt.h.advance(60);
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    assert!(matches!(r.state, SlotState::Published { .. }), "{r:?}");
    assert_eq!(tt.only_entry().media[0].sha256, sha256(&bytes));
    assert_eq!(tt.calls("tiktok.video_init"), 2);
}

#[tokio::test]
async fn a_post_tiktok_failed_internally_is_tried_again_and_published_once() {
    let tt = Tt::start().await;
    tt.h.media.verify(true);
    let internal = ProcessingFault {
        fail_reason: Some("internal".into()),
        ..ProcessingFault::default()
    };
    tt.h.sb
        .faults()
        .add(FaultRule::new("tiktok.processing", FaultAction::ProcessingError(internal)).times(1));
    let job = tt.video_job("retry", "Again", &reel(), json!({"privacy": "SELF_ONLY"}));
    let id = tt.post(&job).await.unwrap();
    tt.process().await;
    let LookupResult::Failed(f) = tt.lookup(&job, &id).await.unwrap() else {
        panic!()
    };
    assert!(matches!(f.class, FailureClass::Retryable { .. }), "{f:?}");
    assert!(f.message.contains("internal"), "{}", f.message);
    assert!(tt.h.sb.ledger().is_empty());
    // Through the machine: failed, retried, published once.
    let store = MemStore::new();
    let (machine, _stop) = tt.h.machine(tt.publisher.clone(), &store);
    let mut r = Record::planned(
        job.key.clone(),
        job.content_hash.clone(),
        Revision::default(),
        t0(),
    );
    r.state = SlotState::Committed {
        remote_ids: vec![id],
    };
    r.armed_at = Some(t0());
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    assert!(
        matches!(
            r.state,
            SlotState::Failed {
                permanent: false,
                ..
            }
        ),
        "{r:?}"
    );
    tt.h.advance(120);
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    assert!(matches!(r.state, SlotState::Committed { .. }), "{r:?}");
    tt.process().await;
    let r = machine.drive(r, &job, true, Goal::Publish).await.unwrap();
    assert!(matches!(r.state, SlotState::Published { .. }), "{r:?}");
    assert_eq!(tt.only_entry().text.as_deref(), Some("Again"));
}

#[tokio::test]
async fn a_chunk_whose_answer_is_lost_is_not_uploaded_twice() {
    let tt = Tt::start().await;
    tt.h.sb
        .faults()
        .add(FaultRule::new("tiktok.upload_chunk", FaultAction::ApplyThenDrop).times(1));
    let bytes = video(21_000_000);
    let job = tt.video_job("drop", "Dropped", &bytes, json!({"privacy": "SELF_ONLY"}));
    tt.post(&job).await.unwrap();
    tt.process().await;
    assert_eq!(tt.only_entry().media[0].sha256, sha256(&bytes));
    assert_eq!(
        tt.calls("tiktok.upload_chunk"),
        3,
        "the first chunk was sent again once"
    );
}

#[tokio::test]
async fn a_refused_token_waits_for_a_login() {
    let tt = Tt::start().await;
    tt.h.sb.revoke_token(&tt.account.access_token);
    let job = tt.video_job("login", "t", &reel(), json!({"privacy": "SELF_ONLY"}));
    let f = tt.post(&job).await.unwrap_err();
    assert!(f.message.starts_with("needs login"), "{}", f.message);
    assert!(matches!(f.class, FailureClass::Wait { .. }));
    let rejected = tt.h.credentials.rejected.lock().unwrap().clone();
    assert_eq!(rejected, vec![tt.target.clone()]);
}
