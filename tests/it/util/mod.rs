//! Helpers every integration test shares: the launcher of the real `postcal` binary
//! ([`postcal`]), validation runs and their snapshots, and calendars copied into temporary
//! directories.

mod postcal;

use std::path::Path;

pub use postcal::{Output, Postcal, Process};

/// The repository root: fixtures are named relative to it, so paths in output are stable.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `postcal validate <calendar> --color never` and `--format json`, run from `dir`.
pub struct Validated {
    pub human: Output,
    pub json: Output,
    pub report: serde_json::Value,
}

pub fn validate_in(dir: &Path, calendar: &str) -> Validated {
    let human = Postcal::new()
        .current_dir(dir)
        .args(["validate", calendar, "--color", "never"])
        .run();
    let json = Postcal::new()
        .current_dir(dir)
        .args(["validate", calendar, "--format", "json"])
        .run();
    let report = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("--format json printed invalid JSON ({e}):\n{}", json.stdout));
    assert_eq!(human.code, json.code, "exit code differs between formats");
    assert_eq!(human.stderr, "", "postcal wrote to stderr");
    Validated {
        human,
        json,
        report,
    }
}

/// Validates `tests/fixtures/<case>` from the repository root.
pub fn validate_fixture(case: &str) -> Validated {
    validate_fixture_path(&format!("tests/fixtures/{case}"))
}

/// Validates a calendar given relative to the repository root, from there.
pub fn validate_fixture_path(path: &str) -> Validated {
    validate_in(repo_root(), path)
}

impl Validated {
    /// Every diagnostic as `(code, severity, file:line:column)`, in output order.
    pub fn diagnostics(&self) -> Vec<(String, String, String)> {
        let items = self.report["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        items
            .iter()
            .map(|d| {
                let at = match (d["file"].as_str(), d["line"].as_u64(), d["column"].as_u64()) {
                    (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
                    (Some(f), _, _) => f.to_owned(),
                    _ => String::new(),
                };
                let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
                (s(&d["code"]), s(&d["severity"]), at)
            })
            .collect()
    }

    /// The distinct codes reported, sorted.
    pub fn codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self.diagnostics().into_iter().map(|d| d.0).collect();
        codes.sort();
        codes.dedup();
        codes
    }

    /// Where `code` was reported (`file:line:column`), in output order.
    pub fn locations(&self, code: &str) -> Vec<String> {
        self.diagnostics()
            .into_iter()
            .filter(|d| d.0 == code)
            .map(|d| d.2)
            .collect()
    }
}

/// Snapshots the human (`--color never`) and JSON renderings of a validation under
/// `<name>_human` and `<name>_json`, in the calling test's module. The human one has long
/// multi-line labels collapsed (see [`collapse_long_spans`]).
#[macro_export]
macro_rules! assert_rendered {
    ($name:expr, $validated:expr) => {{
        let v = &$validated;
        insta::assert_snapshot!(
            format!("{}_human", $name),
            $crate::util::collapse_long_spans(&v.human.stdout)
        );
        insta::assert_snapshot!(format!("{}_json", $name), v.json.stdout);
    }};
}

/// Keeps the first three and the last line of each run of quoted lines under a multi-line
/// label (`12 │ │ ...`), so a 60,000-character text does not fill a snapshot. The JSON
/// snapshot keeps the exact span.
pub fn collapse_long_spans(human: &str) -> String {
    let lines: Vec<&str> = human.lines().collect();
    let inside = |line: &str| line.contains("│ │") && !line.contains("├─▶");
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let run = lines[i..].iter().take_while(|l| inside(l)).count();
        if run > 5 {
            out.extend_from_slice(&lines[i..i + 3]);
            out.push("    ┆ (lines elided by the test)");
            out.push(lines[i + run - 1]);
            i += run;
        } else {
            out.push(lines[i]);
            i += 1;
        }
    }
    out.join("\n") + "\n"
}

/// Copies the directory tree `from` into `to` (regular files and directories only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
    {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Writes `head` then grows the file to `len` bytes without writing them (a sparse file), so
/// a "300 MB video" costs the disk nothing: the probe reads only headers.
pub fn write_sparse(path: &Path, head: &[u8], len: u64) {
    std::fs::write(path, head).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("reopen for set_len");
    file.set_len(len).expect("set_len");
}

/// Runs `git -C dir ARGS` with a fixed author, fails the test on an error, and returns its
/// trimmed standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
