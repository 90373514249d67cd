//! GitOps with the real binary against a local bare repository (`file://`): `run --git-remote`
//! clones into an empty directory, picks up a merged commit (within the interval, or at once on
//! SIGHUP),
//! blocks only the posts a broken commit breaks, never follows a force-push to an older
//! commit, and retries an unreachable remote, showing all of it in `status`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::util::{Postcal, git};

fn post(work: &Path, id: &str, body: &str) {
    let at = (chrono::Utc::now() - chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::fs::write(
        work.join("posts").join(format!("{id}.yaml")),
        format!("id: {id}\nat: {at}\n{body}targets:\n  threads/acme: {{}}\n"),
    )
    .unwrap();
}

fn push(work: &Path, message: &str) -> String {
    git(work, &["add", "-A"]);
    git(work, &["commit", "-qm", message]);
    git(work, &["push", "-q", "origin", "main"]);
    git(work, &["rev-parse", "HEAD"])
}

/// `status --format json` of the daemon's calendar: (post, state, commit) of every record, and
/// what it says on stderr.
fn status(cal: &Path) -> (Vec<(String, String, String)>, String) {
    let out = Postcal::new()
        .args(["status", "--format", "json"])
        .args([cal])
        .run();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_default();
    let records = doc["records"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r["key"]["post"].as_str().unwrap_or("").to_owned(),
                r["state"].as_str().unwrap_or("").to_owned(),
                r["revision"]["commit"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    (records, out.stderr)
}

fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A bare repository with a calendar of one post on `main`, and a working clone of it: the
/// working clone, the remote's `file://` URL and the first commit.
fn remote_with_a_first_post(tmp: &Path) -> (PathBuf, String, String) {
    let bare = tmp.join("remote.git");
    let work = tmp.join("work");
    git(
        tmp,
        &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()],
    );
    git(
        tmp,
        &[
            "clone",
            "-q",
            bare.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    std::fs::write(
        work.join("postcal.yaml"),
        "timezone: UTC\naccounts:\n  threads/acme: {}\n",
    )
    .unwrap();
    std::fs::create_dir(work.join("posts")).unwrap();
    post(&work, "first", "text: One\n");
    let c1 = push(&work, "first post");
    (work, format!("file://{}", bare.display()), c1)
}

#[test]
fn a_merged_commit_is_picked_up_within_the_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, url, _) = remote_with_a_first_post(tmp.path());
    let cal = tmp.path().join("cal");
    // A 10-minute interval on a clock warped 600×: a fetch every real second, and nothing
    // asks for one.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let daemon = Postcal::new()
        .args(["run", cal.to_str().unwrap(), "--publisher", "fake"])
        .args(["--git-remote", &url, "--git-interval", "600"])
        .args(["--now", &now, "--warp", "600"])
        .spawn();
    until("the first post", || {
        status(&cal)
            .0
            .iter()
            .any(|r| r.0 == "first" && r.1 == "published")
            .then_some(())
    });
    post(&work, "second", "text: Two\n");
    let c2 = push(&work, "second post");
    until("the second post, from the next fetch", || {
        let (r, _) = status(&cal);
        r.iter()
            .any(|r| r.0 == "second" && r.1 == "published" && r.2 == c2)
            .then_some(())
    });
    let out = daemon.kill();
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn the_daemon_follows_the_reviewed_branch_forward_only() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, url, c1) = remote_with_a_first_post(tmp.path());
    let bare = tmp.path().join("remote.git");
    let cal = tmp.path().join("cal");
    let daemon = Postcal::new()
        .args([
            "run",
            cal.to_str().unwrap(),
            "--publisher",
            "fake",
            "--git-remote",
            &url,
            "--git-interval",
            "3600",
        ])
        .env("POSTCAL_LOG", "info")
        .spawn();

    // Cloned into the empty directory, and the first post published from the first commit.
    let (records, _) = until("the first post", || {
        let s = status(&cal);
        s.0.iter()
            .any(|r| r.0 == "first" && r.1 == "published")
            .then_some(s)
    });
    assert_eq!(records, [("first".into(), "published".into(), c1.clone())]);

    // A merged commit: picked up at the next fetch (asked for with SIGHUP here).
    post(&work, "second", "text: Two\n");
    let c2 = push(&work, "second post");
    daemon.signal(libc::SIGHUP);
    until("the second post", || {
        let (r, _) = status(&cal);
        r.iter()
            .any(|r| r.0 == "second" && r.1 == "published" && r.2 == c2)
            .then_some(())
    });

    // A commit that breaks one post blocks only that post.
    post(&work, "broken", "");
    post(&work, "third", "text: Three\n");
    let c3 = push(&work, "a broken post and a good one");
    daemon.signal(libc::SIGHUP);
    until("the third post", || {
        let (r, _) = status(&cal);
        r.iter()
            .any(|r| r.0 == "third" && r.1 == "published" && r.2 == c3)
            .then_some(())
    });
    let plan = Postcal::new()
        .args(["plan", "--format", "json"])
        .args([&cal])
        .run();
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let kind_of = |id: &str| {
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["post"] == id)
            .map(|c| c["change"].as_str().unwrap().to_owned())
    };
    assert_eq!(kind_of("broken").as_deref(), Some("blocked"));
    assert_eq!(kind_of("first").as_deref(), Some("nothing"));

    // A force-push back to the first commit is not followed: nothing is re-posted or orphaned.
    git(&work, &["reset", "-q", "--hard", &c1]);
    git(&work, &["push", "-q", "--force", "origin", "main"]);
    daemon.signal(libc::SIGHUP);
    let (records, stderr) = until("the rewrite reported", || {
        let s = status(&cal);
        s.1.contains("rewritten").then_some(s)
    });
    assert!(stderr.contains(&c3[..10]), "{stderr}");
    assert_eq!(
        git(&cal, &["rev-parse", "HEAD"]),
        c3,
        "the clone stayed where it was"
    );
    assert_eq!(records.iter().filter(|r| r.1 == "published").count(), 3);

    // An unreachable remote: reported, retried later, nothing changes.
    std::fs::rename(&bare, tmp.path().join("gone.git")).unwrap();
    daemon.signal(libc::SIGHUP);
    let (_, stderr) = until("the failed fetch reported", || {
        let s = status(&cal);
        (s.1.contains("warning: sync") && !s.1.contains("rewritten")).then_some(s)
    });
    assert!(stderr.contains("next"), "{stderr}");
    let out = daemon.kill();
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}
