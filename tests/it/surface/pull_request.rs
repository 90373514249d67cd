//! The plan on pull requests: `plan --base REF` against a git repository holding the example
//! calendar, in Markdown (snapshot), JSON and for a terminal; `--against DIR`; and the example
//! GitHub Actions workflow.

use std::path::Path;
use std::process::Command;

use crate::util::{Postcal, copy_tree, git, repo_root};

/// A repository with the example calendar on `main`, and a branch that moves a post, edits
/// one, adds one and breaks one.
fn repository() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    git(root, &["init", "-q", "-b", "main"]);
    copy_tree(&repo_root().join("examples/calendar"), &root.join("cal"));
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "the calendar"]);
    git(root, &["checkout", "-qb", "change"]);
    let posts = root.join("cal/posts");
    let edit = |file: &str, from: &str, to: &str| {
        let path = posts.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    };
    edit(
        "2026-12-09-water-matters.yaml",
        "at: 2026-12-09 10:00",
        "at: 2026-12-09 11:30",
    );
    edit(
        "2026-12-14-shop-photos.yaml",
        "The shop is dressed",
        "The shop is now dressed",
    );
    std::fs::write(
        posts.join("new.yaml"),
        "id: new-post\nat: 2026-12-20 10:00\ntext: Hello\ntargets:\n  threads/harborlane: {}\n",
    )
    .unwrap();
    std::fs::write(
        posts.join("broken.yaml"),
        "id: broken\nat: 2026-12-21 10:00\ntargets:\n  threads/harborlane: {}\n",
    )
    .unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "the change"]);
    repo
}

fn plan(root: &Path, extra: &[&str]) -> crate::util::Output {
    let mut args = vec!["plan", "cal", "--now", "2026-11-30 09:00"];
    args.extend_from_slice(extra);
    Postcal::new().current_dir(root).args(args).run()
}

#[test]
fn a_branch_shows_only_what_it_changes_against_its_base() {
    let repo = repository();
    let root = repo.path();
    let markdown = plan(root, &["--base", "main", "--format", "markdown"]);
    // The branch breaks a post: the plan exits 1, and still says everything.
    assert_eq!(markdown.code, Some(1), "{}", markdown.stderr);
    let diff = markdown
        .stdout
        .split("<details>")
        .next()
        .unwrap()
        .to_owned();
    insta::assert_snapshot!("plan_base_markdown", diff);
    assert!(
        markdown
            .stdout
            .contains("<details><summary>The whole plan after this change")
    );

    let json = plan(root, &["--base", "main", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let kinds: Vec<&str> = doc["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["difference"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["moved", "edited", "added", "blocked"]);
    assert_eq!(doc["base"], "main");

    // The same against a copy on disk; and a branch against itself changes nothing.
    let base = tempfile::tempdir().unwrap();
    git(
        root,
        &[
            "worktree",
            "add",
            "-q",
            base.path().join("main").to_str().unwrap(),
            "main",
        ],
    );
    let against = plan(
        root,
        &[
            "--against",
            base.path().join("main/cal").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let doc2: serde_json::Value = serde_json::from_str(&against.stdout).unwrap();
    assert_eq!(doc2["differences"], doc["differences"]);
    let same = plan(root, &["--base", "change"]);
    assert!(
        same.stdout
            .contains("none: postcal publishes the same as before"),
        "{}",
        same.stdout
    );

    // Reading the base touches neither the working tree nor the index.
    let status = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert!(
        status.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );

    let missing = plan(root, &["--base", "no-such-branch"]);
    assert_eq!(missing.code, Some(1));
    assert!(
        missing.stderr.contains("no-such-branch"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_example_workflow_validates_and_comments_the_plan() {
    let text = std::fs::read_to_string(repo_root().join("examples/github/postcal.yml")).unwrap();
    let doc: serde_json::Value = serde_saphyr::from_str(&text).expect("valid YAML");
    assert!(doc["on"]["pull_request"].is_null() || doc["on"]["pull_request"].is_object());
    assert!(doc.get("on").is_some(), "a trigger");
    let steps = doc["jobs"]["plan"]["steps"].as_array().expect("steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("postcal validate") && r.contains("--format github"))
    );
    assert!(runs.iter().any(|r| r.contains("postcal plan")
        && r.contains("--base")
        && r.contains("--format markdown")));
    assert!(
        steps
            .iter()
            .all(|s| s.get("uses").is_some() || s.get("run").is_some())
    );
    assert_workflow_shape(&doc);
    // Every postcal invocation of the workflow parses (its flags exist): `--help` after them.
    for verb in ["validate", "plan"] {
        let out = Postcal::new().args([verb, "--help"]).run();
        assert!(out.stdout.contains("--format"), "{verb}");
    }
    let plan_help = Postcal::new().args(["plan", "--help"]).run().stdout;
    assert!(plan_help.contains("--base") && plan_help.contains("markdown"));
}

/// The keys GitHub's workflow syntax allows at each level (docs.github.com, "Workflow syntax for
/// GitHub Actions"; actionlint is a Go binary, not something a test can count on): a misspelt key
/// or a step with both `uses` and `run` is rejected by GitHub, so it fails here.
fn assert_workflow_shape(doc: &serde_json::Value) {
    fn keys_within(what: &str, value: &serde_json::Value, allowed: &[&str]) {
        let map = value
            .as_object()
            .unwrap_or_else(|| panic!("{what} is a mapping"));
        for key in map.keys() {
            assert!(
                allowed.contains(&key.as_str()),
                "{what}: unknown key `{key}`"
            );
        }
    }
    keys_within(
        "workflow",
        doc,
        &[
            "name",
            "run-name",
            "on",
            "permissions",
            "env",
            "defaults",
            "concurrency",
            "jobs",
        ],
    );
    const SCOPES: [&str; 16] = [
        "actions",
        "attestations",
        "checks",
        "contents",
        "deployments",
        "discussions",
        "id-token",
        "issues",
        "models",
        "packages",
        "pages",
        "pull-requests",
        "repository-projects",
        "security-events",
        "statuses",
        "artifact-metadata",
    ];
    for (scope, level) in doc["permissions"].as_object().expect("permissions") {
        assert!(
            SCOPES.contains(&scope.as_str()),
            "permission scope `{scope}`"
        );
        assert!(
            ["read", "write", "none"].contains(&level.as_str().unwrap()),
            "{scope}: {level}"
        );
    }
    keys_within(
        "on",
        &doc["on"],
        &[
            "pull_request",
            "pull_request_target",
            "push",
            "workflow_dispatch",
            "schedule",
        ],
    );
    for (name, job) in doc["jobs"].as_object().expect("jobs") {
        keys_within(
            name,
            job,
            &[
                "name",
                "needs",
                "permissions",
                "if",
                "runs-on",
                "environment",
                "concurrency",
                "outputs",
                "env",
                "defaults",
                "steps",
                "timeout-minutes",
                "strategy",
                "continue-on-error",
                "container",
                "services",
            ],
        );
        assert!(job["runs-on"].is_string(), "{name}: runs-on");
        for step in job["steps"].as_array().expect("steps") {
            keys_within(
                "step",
                step,
                &[
                    "id",
                    "if",
                    "name",
                    "uses",
                    "run",
                    "shell",
                    "with",
                    "env",
                    "continue-on-error",
                    "timeout-minutes",
                    "working-directory",
                ],
            );
            assert!(
                step.get("uses").is_some() != step.get("run").is_some(),
                "a step has exactly one of `uses` and `run`: {step}"
            );
            if let Some(uses) = step["uses"].as_str() {
                let (action, version) = uses.split_once('@').expect("an action is pinned: @ref");
                assert!(action.contains('/') && !version.is_empty(), "{uses}");
            }
        }
    }
}
