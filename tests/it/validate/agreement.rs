//! `validate` and `plan` agree: one pipeline decides a calendar's diagnostics
//! (`rules::pipeline::check_calendar`), so for every fixture and the example calendar `plan`
//! counts exactly the errors `validate` reports.

use crate::util::{Postcal, repo_root};

fn errors(args: &[&str], pointer: &str) -> u64 {
    let out = Postcal::new().args(args).run();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "postcal {}: invalid JSON ({e})\n{}\n{}",
            args.join(" "),
            out.stdout,
            out.stderr
        )
    });
    doc.pointer(pointer)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or_else(|| panic!("postcal {}: no {pointer}\n{}", args.join(" "), out.stdout))
}

#[test]
fn plan_counts_the_errors_validate_reports_for_every_fixture() {
    let mut calendars: Vec<String> = std::fs::read_dir(repo_root().join("tests/fixtures"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| format!("tests/fixtures/{}", e.file_name().to_string_lossy()))
        .collect();
    calendars.sort();
    calendars.push("examples/calendar".to_owned());
    let mut checked = 0;
    for cal in &calendars {
        let validated = errors(&["validate", cal, "--format", "json"], "/summary/errors");
        let planned = errors(
            &[
                "plan",
                cal,
                "--format",
                "json",
                "--now",
                "2026-11-01T00:00:00Z",
            ],
            "/errors",
        );
        assert_eq!(validated, planned, "{cal}: validate and plan disagree");
        checked += 1;
    }
    assert!(checked > 10, "only {checked} calendars");
}
