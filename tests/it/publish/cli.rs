//! The README's first command, with the real binary: the example calendar published to the
//! in-process sandbox, every post once, printed as it happens, the run ending by itself.

use std::time::Duration;

use crate::util::{Postcal, copy_tree, repo_root};

#[test]
fn the_example_calendar_publishes_every_post_once_to_the_built_in_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("examples/calendar"), dir.path());
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            dir.path().to_str().unwrap(),
            "--sandbox",
            "--now",
            "2026-11-30 09:00",
            "--warp",
            "60",
            "--fast-forward",
            "--exit-when-idle",
            "--fast-forward-pause-ms",
            "0",
        ];
        args.extend_from_slice(extra);
        Postcal::new()
            .args(args)
            .timeout(Duration::from_secs(120))
            .run()
    };
    let out = run(&[]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let published: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("  published  "))
        .collect();
    // 7 Instagram, 3 TikTok, 16 Threads and 16 Facebook posts: every target of every
    // scheduled post, the weekly one 12 times; the draft never.
    assert_eq!(published.len(), 42, "{}", out.stdout);
    assert!(out.stdout.contains("Published 42 posts"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("(Facebook 16, Instagram 7, Threads 16, TikTok 3)"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("valentine"),
        "a draft was published: {}",
        out.stdout
    );
    for (post, target, kind) in [
        (
            "2026-12-roastery-tour",
            "instagram/harborlane",
            "carousel of 3",
        ),
        ("2026-12-pour-over-guide", "instagram/harborlane", "reel"),
        ("2026-12-pour-over-guide", "tiktok/harborlane", "video"),
        ("2026-12-advent-story", "instagram/harborlane", "story"),
        ("2026-12-gift-boxes", "tiktok/harborlane", "photo post of 2"),
        (
            "2026-12-cupping-notes",
            "threads/harborlane",
            "carousel of 3",
        ),
        ("2026-12-shop-photos", "facebook/harborlane", "3 photos"),
        ("2026-12-holiday-hours", "facebook/harborlane", "link post"),
    ] {
        assert!(
            published
                .iter()
                .any(|l| l.contains(post) && l.contains(target) && l.contains(kind)),
            "{post} → {target} ({kind}) missing:\n{}",
            out.stdout
        );
    }
    // Local times, in the calendar's zone, as the calendar asked.
    assert!(
        published[0].starts_with("Tue 2026-12-01 09:00 CET"),
        "{}",
        published[0]
    );
    // No token ever reaches the output.
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !["IGAAS", "EAAP", "EAAS", "THAAS", "rft."]
                .iter()
                .any(|p| stream.contains(p)),
            "{stream}"
        );
    }
    // The sandbox forgot everything when the run ended, and so did its state: a second run
    // publishes the whole calendar again, to a new sandbox, and the real state is untouched.
    assert!(!dir.path().join(".postcal/db").exists());
    let again = run(&[]);
    assert!(
        again.stdout.contains("Published 42 posts"),
        "{}",
        again.stdout
    );
}
