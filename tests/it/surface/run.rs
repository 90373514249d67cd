//! `postcal run` as a person reads it: dry-run says "would publish" everywhere and opens with a
//! banner, the log carries the simulated time in the calendar's timezone and says what comes
//! next, and colour goes only where it is asked for.

use super::Cal;

fn dry_run(cal: &Cal, extra: &[&str]) -> crate::util::Output {
    let mut args = vec![
        "run",
        "cal",
        "--dry-run",
        "--once",
        "--now",
        "2026-12-01 09:00",
    ];
    args.extend_from_slice(extra);
    let out = cal.run(&args);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    out
}

#[test]
fn dry_run_says_would_publish_everywhere_and_opens_with_a_banner() {
    let cal = Cal::new();
    cal.post("hello", "2026-12-01 09:00");
    let out = dry_run(&cal, &[]);
    let mut lines = out.stdout.lines();
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("DRY RUN: nothing is published")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "Tue 2026-12-01 09:00 CET  would publish  hello                        → threads/acme"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Would publish 1 post in"),
        "{}",
        out.stdout
    );
    // Nowhere, on stdout or in the log, does a dry run claim to have published.
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        let lower = line.to_lowercase();
        if lower.contains("published") || lower.contains("publish ") {
            assert!(
                lower.contains("would")
                    || lower.contains("nothing was published")
                    || lower.contains("nothing is published"),
                "a dry run must not say it published: {line}"
            );
        }
    }
    assert!(
        out.stderr
            .contains("would publish hello → threads/acme @ 2026-12-01 09:00 CET"),
        "{}",
        out.stderr
    );
    assert!(!cal.path(".postcal").exists(), "a dry run writes no state");
    // The whole of stdout, the run's duration aside.
    let stdout: String = out
        .stdout
        .lines()
        .map(|l| match l.split_once(" in ") {
            Some((head, tail)) if head.starts_with("Would publish") => {
                let rest = tail.split_once(" s ").map_or("", |(_, r)| r);
                format!("{head} in [duration] s {rest}")
            }
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("dry_run_stdout", stdout);
}

#[test]
fn the_log_carries_the_simulated_time_and_says_what_comes_next() {
    let cal = Cal::new();
    cal.post("hello", "2026-12-01 09:00");
    cal.post("later", "2026-12-03 10:30");
    let out = dry_run(&cal, &[]);
    let log: Vec<&str> = out.stderr.lines().collect();
    assert!(!log.is_empty());
    for line in &log {
        assert!(
            line.starts_with("2026-12-01 09:00:") && line.contains(" CET "),
            "every log line is stamped with the simulated clock in local time: {line}"
        );
    }
    assert!(
        out.stderr
            .contains("plan: 1 to publish, 1 waiting, 0 drifted, 0 missed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("next: later → threads/acme at 2026-12-03 10:30 CET (in 2 d 1 h)"),
        "{}",
        out.stderr
    );
    // JSON logs keep RFC 3339 UTC, from the same simulated clock.
    let json = dry_run(&cal, &["--log-format", "json"]);
    for line in json.stderr.lines() {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let ts = event["timestamp"].as_str().expect("timestamp");
        assert!(
            ts.starts_with("2026-12-01T08:00:") && ts.ends_with('Z'),
            "{line}"
        );
    }
}

#[test]
fn colour_only_where_asked_for() {
    let cal = Cal::new();
    cal.post("hello", "2026-12-01 09:00");
    let escape = "\x1b[";
    // Not a terminal (the test reads pipes): no escape codes anywhere, log included.
    let out = dry_run(&cal, &[]);
    assert!(!out.stdout.contains(escape) && !out.stderr.contains(escape));
    let plan = cal.run(&["plan", "cal", "--now", "2026-12-01 08:00"]);
    assert!(!plan.stdout.contains(escape), "{}", plan.stdout);
    // --color always, on any verb and before or after it, colours even a pipe...
    let out = dry_run(&cal, &["--color", "always"]);
    assert!(out.stderr.contains(escape), "{}", out.stderr);
    cal.write(
        "posts/broken.yaml",
        "id: broken\nat: 2026-12-01 09:00\noops: 1\n",
    );
    for args in [
        &["plan", "cal", "--color", "always"][..],
        &["--color", "always", "plan", "cal"],
        &["validate", "cal", "--color", "always"],
    ] {
        let out = cal.run(args);
        assert!(out.stdout.contains(escape), "{args:?}: {}", out.stdout);
    }
    // ...and wins over NO_COLOR, which --color auto honours.
    let out = crate::util::Postcal::new()
        .current_dir(cal.dir())
        .args(["plan", "cal", "--color", "always"])
        .env("NO_COLOR", "1")
        .run();
    assert!(out.stdout.contains(escape));
    for verb in ["init", "status", "show", "schema", "sandbox", "resolve"] {
        let help = cal.run(&[verb, "--help"]);
        assert!(
            help.stdout.contains("--color <COLOR>"),
            "{verb}: {}",
            help.stdout
        );
    }
}
