//! The bad-input suite (issue 10): every probe class that concerns loading, `validate`, `plan`,
//! `status` and the command line, including the ones that always held. Each probe runs the
//! real binary on input made in a temporary directory (nothing large is committed; large
//! files are sparse) and must finish within 3 s of CPU time and 256 MiB, never panic, say
//! clearly what is wrong, and exit 1 (64 for usage errors). CPU time, not wall time, so that a
//! busy machine (the whole suite on two cores) does not fail a probe; a probe that waits
//! instead of working is caught by a wall-time bound of 10 s, and a hang is killed after 20 s.
//!
//! - [`loading`]: manifests and `postcal.yaml` that are bombs, huge, binary, UTF-16, FIFOs,
//!   devices, sockets, symlink loops and escapes, non-UTF-8 names, `posts: .`;
//! - [`media`]: media paths that are FIFOs, devices, directories, or lead out of the calendar,
//!   through `validate`, `plan` and the daemon's content hashing (`run --once`);
//! - [`cli`]: broken pipes, `--warp`, `status` of a directory that does not exist.

mod cli;
mod loading;
mod media;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::{Output, Postcal};

/// The limits every probe stays within.
const MAX_TIME: Duration = Duration::from_secs(3);
/// Time a probe may spend not working (blocked, or waiting for a core).
const MAX_WALL: Duration = Duration::from_secs(10);
const MAX_RSS_KIB: u64 = 256 * 1024;

/// Runs `postcal ARGS` in `dir` and checks what every probe must: it ended by itself, in time,
/// within memory, without a panic, with `code`. Returns the output for the probe's own checks.
pub fn probe(what: &str, dir: &Path, args: &[&str], code: i32) -> Output {
    let out = Postcal::new()
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(20))
        .run();
    let context = format!(
        "{what}: postcal {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        out.stdout,
        out.stderr
    );
    assert!(!out.timed_out, "hung (killed after 20 s): {context}");
    assert!(!out.stderr.contains("panicked"), "panicked: {context}");
    assert_eq!(out.code, Some(code), "exit code: {context}");
    assert!(
        out.cpu < MAX_TIME,
        "used {:?} of CPU (limit {MAX_TIME:?}): {context}",
        out.cpu
    );
    assert!(
        out.elapsed < MAX_WALL,
        "took {:?} (limit {MAX_WALL:?}): {context}",
        out.elapsed
    );
    assert!(
        out.max_rss_kib < MAX_RSS_KIB,
        "used {} KiB (limit {MAX_RSS_KIB}): {context}",
        out.max_rss_kib
    );
    out
}

/// `validate` (human and JSON) and `plan --format json` on the calendar `cal` (a directory
/// under `dir`): each a probe exiting `code`, and `plan` counts the errors `validate` does.
/// Returns the human `validate` output and the plan's JSON.
pub fn validate_and_plan(what: &str, dir: &Path, cal: &str, code: i32) -> (Output, Output) {
    let human = probe(what, dir, &["validate", cal, "--color", "never"], code);
    let json = probe(what, dir, &["validate", cal, "--format", "json"], code);
    let plan = probe(
        what,
        dir,
        &[
            "plan",
            cal,
            "--format",
            "json",
            "--now",
            "2026-12-01T08:00:00Z",
        ],
        code,
    );
    let errors = |out: &Output, pointer: &str| {
        let doc: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{what}: invalid JSON ({e}):\n{}", out.stdout));
        doc.pointer(pointer).and_then(serde_json::Value::as_u64)
    };
    assert_eq!(
        errors(&json, "/summary/errors"),
        errors(&plan, "/errors"),
        "{what}: validate and plan count different errors\n{}\n{}",
        json.stdout,
        plan.stdout
    );
    (human, plan)
}

/// Whether human output says `needle`, however miette wrapped it: words compared, the
/// frame's `│` left out.
pub fn says(out: &Output, needle: &str) -> bool {
    let flat = |s: &str| {
        s.split_whitespace()
            .filter(|w| *w != "│")
            .collect::<Vec<_>>()
            .join(" ")
    };
    flat(&out.stdout).contains(&flat(needle))
}

/// Asserts that no output of a probe shows `secret` (content of a file outside the calendar).
pub fn never_shows(what: &str, outputs: &[&Output], secret: &str) {
    for out in outputs {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{what}: printed the content of a file outside the calendar:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

/// A calendar in a temporary directory: `<tmp>/cal` with settings for four accounts, a posts
/// and a media directory. `<tmp>` itself is "outside the calendar".
pub struct Cal {
    pub tmp: tempfile::TempDir,
}

pub const CONFIG: &str = "timezone: UTC\naccounts:\n  threads/acme: {}\n  instagram/acme: {}\n  facebook/acme-page: {}\n";

impl Cal {
    pub fn new() -> Self {
        let cal = Cal {
            tmp: tempfile::tempdir().expect("tempdir"),
        };
        cal.write("postcal.yaml", CONFIG);
        std::fs::create_dir_all(cal.path("posts")).expect("posts");
        std::fs::create_dir_all(cal.path("media")).expect("media");
        cal
    }

    /// The directory postcal is run from (the calendar is `cal` in it).
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// A path inside the calendar.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join("cal").join(rel)
    }

    /// A path outside the calendar (in the temporary directory that holds it).
    pub fn outside(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        write(&self.path(rel), bytes)
    }

    /// `posts/<id>.yaml`: a Threads text post at 2026-12-01 09:00, with `extra` lines.
    pub fn post(&self, id: &str, extra: &str) {
        self.write(
            &format!("posts/{id}.yaml"),
            format!(
                "id: {id}\nat: 2026-12-01 09:00\ntext: Hello\n{extra}targets:\n  threads/acme: {{}}\n"
            ),
        );
    }

    /// `posts/<id>.yaml`: an Instagram post with one media file, `written` as in a manifest.
    pub fn media_post(&self, id: &str, written: &str) {
        self.write(
            &format!("posts/{id}.yaml"),
            format!(
                "id: {id}\nat: 2026-12-01 09:00\nmedia: [\"{written}\"]\ntargets:\n  instagram/acme: {{}}\n"
            ),
        );
    }
}

pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> PathBuf {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create directory");
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.to_path_buf()
}

pub fn fifo(path: &Path) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create directory");
    }
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// A character device (`/dev/zero`'s numbers) at `path`, when this user may make one (root in
/// a container usually may); `false` otherwise, and the probe is skipped.
pub fn zero_device(path: &Path) -> bool {
    let made = std::process::Command::new("mknod")
        .arg(path)
        .args(["c", "1", "5"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("cannot make a device node here: device probe skipped");
    }
    made
}

pub fn symlink(target: impl AsRef<Path>, link: &Path) {
    if let Some(dir) = link.parent() {
        std::fs::create_dir_all(dir).expect("create directory");
    }
    std::os::unix::fs::symlink(target, link).expect("symlink");
}
