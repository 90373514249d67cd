//! GitOps: the daemon follows a git remote itself (`run --git-remote URL --git-branch main`),
//! as Flux does for clusters: it keeps a clone as the calendar directory, fetches on an
//! interval (and at once on SIGHUP), and moves only forward to what the reviewed branch holds.
//!
//! The git command line does the work (`git clone`, `git fetch`, `git merge --ff-only`): every
//! machine that keeps a calendar in git has it, it speaks every transport and credential helper
//! the user already configured, and it adds nothing to postcal's build. (gix, the pure-Rust
//! alternative, was measured: see the README's GitOps section.)
//!
//! # Guarantees
//! - Only a fast-forward is ever applied: a remote branch rewritten to an older or unrelated
//!   commit (a force-push) is reported and not followed, so nothing published is re-posted or
//!   orphaned by it. Local changes in the clone are never overwritten (the merge refuses).
//! - A failed fetch changes nothing; it is retried with a doubling delay (up to an hour) and
//!   reported in `.postcal/sync.json`, which `status` shows.
//! - After a move the calendar is rescanned like after any edit: posts the new revision breaks
//!   are blocked (their last valid version kept), the others go on.
//!
//! # Errors
//! [`SyncError`]: git is missing, the directory is not a clone of the remote, a command failed
//! (with git's own words, credentials never included: git does not print them).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub url: String,
    pub branch: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("cannot run git ({0}); --git-remote needs git on the PATH")]
    NoGit(String),
    #[error(
        "{dir} is not a clone of {url}: its origin is `{found}`; give an empty directory or that clone"
    )]
    OtherOrigin {
        dir: PathBuf,
        url: String,
        found: String,
    },
    #[error("{dir} exists and is not empty, and is not a git clone; give an empty directory")]
    NotAClone { dir: PathBuf },
    #[error("git {command}: {message}")]
    Git { command: String, message: String },
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Already at the remote branch's commit.
    UpToDate { commit: String },
    /// Moved forward.
    Advanced { from: String, to: String },
    /// The remote branch is not ahead of the clone (rewritten): the clone stays where it is.
    Diverged { local: String, remote: String },
}

/// What `status` shows of the sync (`.postcal/sync.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    pub remote: String,
    pub branch: String,
    /// The commit the calendar is at.
    pub commit: Option<String>,
    pub last_sync: Option<DateTime<Utc>>,
    /// Why the last sync did not move forward (a failed fetch, a rewritten branch).
    pub problem: Option<String>,
    pub next_try: Option<DateTime<Utc>>,
}

/// The sync state file in a state directory.
pub fn state_file(state_dir: &Path) -> PathBuf {
    state_dir.join("sync.json")
}

impl SyncState {
    /// Reads `.postcal/sync.json` (`None` when the calendar is not synced).
    pub fn read(state_dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(state_file(state_dir)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Writes it atomically (temp file, rename).
    pub fn write(&self, state_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(state_dir)?;
        let tmp = state_dir.join("sync.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).unwrap_or_default())?;
        std::fs::rename(tmp, state_file(state_dir))
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String, SyncError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // Never wait for a password prompt: a daemon has no one to answer it.
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| SyncError::NoGit(e.to_string()))?;
    if !out.status.success() {
        return Err(SyncError::Git {
            command: args.first().copied().unwrap_or("").to_owned(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl Remote {
    /// Makes `dir` a clone of the remote's branch, or checks that it is one.
    pub fn ensure_clone(&self, dir: &Path) -> Result<String, SyncError> {
        let empty = std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none());
        if empty {
            std::fs::create_dir_all(dir).map_err(|e| SyncError::Git {
                command: "clone".into(),
                message: e.to_string(),
            })?;
            let parent = dir
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            git(
                parent,
                &[
                    "clone",
                    "--branch",
                    &self.branch,
                    "--single-branch",
                    &self.url,
                    &dir.to_string_lossy(),
                ],
            )?;
        } else if !dir.join(".git").exists() {
            return Err(SyncError::NotAClone {
                dir: dir.to_path_buf(),
            });
        } else {
            let found = git(dir, &["remote", "get-url", "origin"]).unwrap_or_default();
            if found != self.url {
                return Err(SyncError::OtherOrigin {
                    dir: dir.to_path_buf(),
                    url: self.url.clone(),
                    found,
                });
            }
        }
        git(dir, &["rev-parse", "HEAD"])
    }

    /// Fetches the branch and moves forward to it if that is a fast-forward.
    pub fn sync(&self, dir: &Path) -> Result<Outcome, SyncError> {
        git(
            dir,
            &[
                "fetch",
                "--quiet",
                "origin",
                &format!("+refs/heads/{b}:refs/remotes/origin/{b}", b = self.branch),
            ],
        )?;
        let local = git(dir, &["rev-parse", "HEAD"])?;
        let remote = git(
            dir,
            &["rev-parse", &format!("refs/remotes/origin/{}", self.branch)],
        )?;
        if local == remote {
            return Ok(Outcome::UpToDate { commit: local });
        }
        let ahead = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["merge-base", "--is-ancestor", &local, &remote])
            .status()
            .map_err(|e| SyncError::NoGit(e.to_string()))?
            .success();
        if !ahead {
            return Ok(Outcome::Diverged { local, remote });
        }
        git(dir, &["merge", "--ff-only", "--quiet", &remote])?;
        Ok(Outcome::Advanced {
            from: local,
            to: remote,
        })
    }
}

/// The commit a git checkout at `root` is at, read from `.git` without running git (it is
/// called at every rescan): `HEAD`, a loose ref, or `packed-refs`. `None` when `root` is not
/// a checkout (or a worktree with a `.git` file, or anything unusual).
pub fn head_commit(root: &Path) -> Option<String> {
    let git = root.join(".git");
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let is_hash = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(name) = head.strip_prefix("ref: ") else {
        return is_hash(head).then(|| head.to_owned());
    };
    if let Ok(loose) = std::fs::read_to_string(git.join(name)) {
        let loose = loose.trim();
        return is_hash(loose).then(|| loose.to_owned());
    }
    let packed = std::fs::read_to_string(git.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (hash, r) = line.split_once(' ')?;
        (r == name && is_hash(hash)).then(|| hash.to_owned())
    })
}

/// The delay before the next try after `failures` failures in a row.
pub fn retry_delay(interval: chrono::Duration, failures: u32) -> chrono::Duration {
    let factor = 1i32 << failures.min(10);
    (interval * factor)
        .min(chrono::Duration::hours(1))
        .max(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_fetches_back_off_to_an_hour() {
        let i = chrono::Duration::seconds(60);
        assert_eq!(retry_delay(i, 0), i);
        assert_eq!(retry_delay(i, 1), i * 2);
        assert_eq!(retry_delay(i, 3), i * 8);
        assert_eq!(retry_delay(i, 30), chrono::Duration::hours(1));
    }
}
