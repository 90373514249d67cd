//! `plan --base REF`: the calendar as it is at a git revision, read into a temporary directory
//! without touching the repository's working tree, index or worktree list, and its plan.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use miette::{IntoDiagnostic, miette};
use serde::Serialize;

use crate::plan::diff::Difference;
use crate::plan::{self, Desired, Plan, Policy};
use crate::state::{Record, SlotKey};

/// A revision's files in a temporary directory (removed when dropped).
pub struct Tree {
    _dir: tempfile::TempDir,
    /// The calendar inside it (the same path relative to the repository as the one planned).
    pub calendar: PathBuf,
}

fn git(dir: &Path, args: &[&str], index: Option<&Path>) -> miette::Result<String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    if let Some(index) = index {
        cmd.env("GIT_INDEX_FILE", index);
    }
    let out = cmd.output().map_err(|e| {
        miette!(
            help =
                "--base needs git on the PATH; --against DIR compares with a copy on disk instead",
            "cannot run git: {e}"
        )
    })?;
    if !out.status.success() {
        return Err(miette!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Reads `rev` into a temporary directory: `git read-tree` into a private index file, then
/// `git checkout-index` from it (the repository's own index and working tree stay as they are).
pub fn checkout(calendar: &Path, rev: &str) -> miette::Result<Tree> {
    let top = PathBuf::from(git(calendar, &["rev-parse", "--show-toplevel"], None)?);
    let canonical = calendar.canonicalize().into_diagnostic()?;
    let relative = canonical
        .strip_prefix(top.canonicalize().into_diagnostic()?)
        .map_err(|_| miette!("{} is not inside its git repository", calendar.display()))?
        .to_path_buf();
    git(
        calendar,
        &["rev-parse", "--verify", &format!("{rev}^{{tree}}")],
        None,
    )
    .map_err(|e| {
        miette!(
            help = "name a branch, tag or commit, e.g. origin/main",
            "--base {rev}: {e}"
        )
    })?;
    let dir = tempfile::tempdir().into_diagnostic()?;
    let index = dir.path().join("index");
    let files = dir.path().join("tree");
    git(calendar, &["read-tree", rev], Some(&index))?;
    let prefix = format!("{}/", files.display());
    git(
        calendar,
        &["checkout-index", "--all", &format!("--prefix={prefix}")],
        Some(&index),
    )?;
    Ok(Tree {
        calendar: files.join(relative),
        _dir: dir,
    })
}

/// The plan of the calendar at `dir`, against the same records.
pub fn plan_of(
    dir: &Path,
    records: &BTreeMap<SlotKey, Record>,
    now: DateTime<Utc>,
    policy: &Policy,
) -> miette::Result<(Plan, Desired)> {
    let desired = plan::desired::load(dir)
        .map_err(|e| miette!("the base calendar at {}: {e}", dir.display()))?;
    let plan = plan::plan(&desired, records, now, policy);
    Ok((plan, desired))
}

/// The differences as JSON (`format_version` 1).
pub fn json(base: &str, differences: &[Difference]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        format_version: u32,
        base: &'a str,
        differences: &'a [Difference],
    }
    let doc = Doc {
        format_version: 1,
        base,
        differences,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// The differences for a terminal.
pub fn human(base: &str, differences: &[Difference], tz: Tz) -> String {
    let mut out = format!("Changes against {base}:\n");
    if differences.is_empty() {
        out.push_str("  none: postcal publishes the same as before\n");
    }
    for d in differences {
        let when = crate::human::datetime(d.at(), tz);
        let (what, extra) = match d {
            Difference::Added { .. } => ("+ added  ", String::new()),
            Difference::Removed { .. } => ("- removed", String::new()),
            Difference::Moved { from, .. } => (
                "↦ moved  ",
                format!(" (from {})", crate::human::datetime(*from, tz)),
            ),
            Difference::Edited { .. } => ("✎ edited ", String::new()),
            Difference::Blocked { error, .. } => ("⊘ blocked", format!(": {error}")),
            Difference::Drift { why, .. } => ("~ drift  ", format!(": {why}; not re-posted")),
        };
        let _ = writeln!(out, "  {what} {when}  {} → {}{extra}", d.post(), d.target());
    }
    out
}
