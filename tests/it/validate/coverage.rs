//! Every diagnostic code `postcal validate` can emit has a failing fixture: the codes written in
//! the source equal the codes found in the committed JSON snapshots. A new rule without a
//! fixture fails here, and so does a snapshot left over from a rule that is gone.
//!
//! Source codes are the string literals shaped `"area::what"` in the modules validation runs
//! (`manifest`, `yaml`, `rules`, `schedule`, `diag`), outside comments and `#[cfg(test)]`
//! modules: every code is written as such a literal, in a `Diagnostic::error`/`warning` call or
//! in a limits table.

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::repo_root;

const VALIDATION_MODULES: [&str; 5] = [
    "src/manifest",
    "src/yaml",
    "src/rules",
    "src/schedule",
    "src/diag",
];

/// `"area::what"` string literals in `text`, with `area` and `what` in lowercase kebab-case.
fn code_literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in text.split('"').skip(1).step_by(2) {
        let Some((area, what)) = piece.split_once("::") else {
            continue;
        };
        let kebab = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if kebab(area) && kebab(what) && !area.contains('-') {
            out.push(piece.to_owned());
        }
    }
    out
}

fn source_codes(dir: &Path, codes: &mut BTreeSet<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_codes(&path, codes);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                codes.extend(code_literals(line));
            }
        }
    }
}

fn snapshot_codes() -> BTreeSet<String> {
    let dir = repo_root().join("tests/it/validate/snapshots");
    let mut codes = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("snapshots directory") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().ends_with("_json.snap") {
            let text = std::fs::read_to_string(&path).expect("read snapshot");
            for line in text
                .lines()
                .filter(|l| l.trim_start().starts_with("\"code\":"))
            {
                codes.extend(code_literals(line));
            }
        }
    }
    codes
}

#[test]
fn every_code_the_source_can_emit_has_a_failing_fixture() {
    let mut emitted = BTreeSet::new();
    for dir in VALIDATION_MODULES {
        source_codes(&repo_root().join(dir), &mut emitted);
    }
    let covered = snapshot_codes();
    let missing: Vec<_> = emitted.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&emitted).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "codes without a failing fixture (add one under tests/fixtures and snapshot it): \
         {missing:?}\ncodes in snapshots that the source no longer emits: {stale:?}"
    );
    assert!(
        emitted.len() > 100,
        "the scan found only {} codes",
        emitted.len()
    );
}

#[test]
fn finds_code_literals() {
    assert_eq!(
        code_literals(r#"Diagnostic::error("instagram::caption-too-long", "x::y z")"#),
        ["instagram::caption-too-long"]
    );
    assert_eq!(
        code_literals(r#"let (code, help) = ("yaml::syntax", "fix")"#),
        ["yaml::syntax"]
    );
    assert!(code_literals(r#""Std::Io" "a::" "::b""#).is_empty());
}
