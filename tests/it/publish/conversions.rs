//! What the platforms receive after postcal's conversions, through the real stager and media
//! server (as `run --sandbox` wires them): a PNG sent to Instagram arrives as a JPEG, and a
//! reel ffmpeg wrote with edit lists and `moov` last (the sandbox refuses both, as Meta does)
//! arrives remuxed and is published.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use postcal::clock::{SharedClock, WarpClock};
use postcal::cmd::run::{Destination, wiring};
use postcal::reconcile::{Daemon, Options, Wakeup};
use postcal::state::{MemStore, SlotState};

use super::util::sha256;
use crate::util::repo_root;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converted_media_reach_the_platform_as_staged() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("postcal.yaml"),
        "timezone: UTC\naccounts:\n  instagram/acme: {}\n  threads/acme: {}\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("posts")).unwrap();
    std::fs::create_dir_all(root.join("media")).unwrap();
    let fixtures = repo_root().join("tests/fixtures/media");
    for (from, to) in [
        (
            repo_root().join("examples/calendar/media/carousel-2.png"),
            "square.png",
        ),
        (fixtures.join("reel-edit-list-moov-last.mp4"), "reel.mp4"),
    ] {
        std::fs::copy(from, root.join("media").join(to)).unwrap();
    }
    let at = "2026-12-01T08:59:00Z";
    std::fs::write(
        root.join("posts/png.yaml"),
        format!("id: png\nat: {at}\ntext: A PNG\nmedia: [media/square.png]\ntargets:\n  instagram/acme: {{}}\n  threads/acme: {{}}\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("posts/reel.yaml"),
        format!("id: reel\nat: {at}\ntext: A reel\nmedia: [media/reel.mp4]\ntargets:\n  instagram/acme: {{ kind: reel }}\n"),
    )
    .unwrap();
    let clock: SharedClock = Arc::new(WarpClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        500.0,
    ));
    let config = postcal::manifest::load::config_only(root).unwrap();
    let state = root.join(".postcal/sandbox");
    let w = wiring::wire(&Destination::Sandbox, root, &config, &state, clock.clone())
        .await
        .unwrap();
    let store = MemStore::new();
    let daemon = Daemon::new(
        root.to_path_buf(),
        Box::new(store.clone()),
        w.publisher.clone(),
        clock,
        Options {
            exit_when_idle: true,
            ..Options::default()
        },
    )
    .unwrap();
    let (_stop, rx) = tokio::sync::watch::channel(false);
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        daemon.run(Wakeup::new(), rx),
    )
    .await
    .unwrap()
    .unwrap();
    for r in store.records() {
        assert!(matches!(r.state, SlotState::Published { .. }), "{r:?}");
    }
    let ledger = w.sandbox().unwrap().ledger();
    assert_eq!(ledger.len(), 3, "{ledger:#?}");
    let png_sha = sha256(&std::fs::read(root.join("media/square.png")).unwrap());
    let staged = |sha: &str| {
        let found = std::fs::read_dir(state.join("media"))
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().contains(sha));
        assert!(found, "{sha} is not a staged file");
    };
    for e in &ledger {
        let m = &e.media[0];
        match (e.platform, e.kind.as_str()) {
            // Instagram takes only JPEG: converted; Threads takes PNG as it is.
            (postcal::platform::Platform::Instagram, "IMAGE") => {
                assert_eq!(m.format, "jpeg", "{e:#?}");
                staged(&m.sha256);
            }
            (postcal::platform::Platform::Threads, _) => {
                assert_eq!(
                    (m.format.as_str(), m.sha256.as_str()),
                    ("png", png_sha.as_str())
                );
            }
            (_, "REELS") => {
                assert_ne!(
                    m.sha256,
                    sha256(&std::fs::read(root.join("media/reel.mp4")).unwrap())
                );
                staged(&m.sha256);
            }
            other => panic!("{other:?}: {e:#?}"),
        }
    }
}
