//! The README's exit-code table is true: every example in it exits with its code.

use crate::util::{Postcal, repo_root};

/// `(code, command)` for each row of the table under `## Exit codes`.
fn table() -> Vec<(i32, String)> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    let section = readme
        .split("\n## Exit codes\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("an `## Exit codes` section");
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Code"))
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
            let code = cells[0].parse().unwrap_or_else(|_| panic!("code in {row}"));
            let command = cells[2].trim_matches('`').to_owned();
            (code, command)
        })
        .collect()
}

/// Splits a command line as a shell would for these examples (double quotes only).
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[test]
fn every_documented_exit_code_is_the_real_one() {
    let rows = table();
    for code in [0, 1, 2, 64] {
        assert!(
            rows.iter().any(|(c, _)| *c == code),
            "the table documents no {code}"
        );
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    for dir in ["examples", "tests/fixtures"] {
        crate::util::copy_tree(&repo_root().join(dir), &tmp.path().join(dir));
    }
    for (code, command) in rows {
        let words = words(&command);
        assert_eq!(words[0], "postcal", "{command}");
        let out = Postcal::new()
            .current_dir(tmp.path())
            .args(&words[1..])
            .env("NO_COLOR", "1")
            .run();
        assert_eq!(
            out.code,
            Some(code),
            "`{command}`\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.stdout,
            out.stderr
        );
    }
}
