//! What a newcomer reads: plan and status (snapshots over a fixture with every change kind and
//! slot state), `show`, dry-run wording, the daemon's log (simulated time, what comes next),
//! colour only where asked, exit codes, `init`, and every command block of the README.

mod exit_codes;
mod messages;
mod pull_request;
mod readme;
mod run;
mod snapshots;

use std::path::{Path, PathBuf};

use crate::util::{Output, Postcal};

/// A calendar in a temporary directory (`<tmp>/cal`), in Europe/Paris, with a Threads account.
pub struct Cal {
    pub tmp: tempfile::TempDir,
}

impl Cal {
    pub fn new() -> Self {
        let cal = Cal {
            tmp: tempfile::tempdir().expect("tempdir"),
        };
        cal.write(
            "postcal.yaml",
            "timezone: Europe/Paris\naccounts:\n  threads/acme: {}\n",
        );
        std::fs::create_dir_all(cal.path("posts")).expect("posts");
        cal
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join("cal").join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// A text post to threads/acme at `at` (local time).
    pub fn post(&self, id: &str, at: &str) {
        self.write(
            &format!("posts/{id}.yaml"),
            &format!("id: {id}\nat: {at}\ntext: Hello from {id}\ntargets:\n  threads/acme: {{}}\n"),
        );
    }

    /// Runs `postcal ARGS` from the temporary directory (the calendar is `cal`).
    pub fn run(&self, args: &[&str]) -> Output {
        Postcal::new().current_dir(self.tmp.path()).args(args).run()
    }

    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }
}
