//! The command line: readers that go away, out-of-range options, directories that do not exist.

use super::*;

/// Runs `postcal ARGS` in `dir` with stdout closed after 10 bytes (`| head -c 10`): the verb
/// exits quietly with its usual code, without a panic.
fn piped_to_head(what: &str, dir: &Path, args: &[&str], code: i32) {
    let out = Postcal::new()
        .current_dir(dir)
        .args(args)
        .close_stdout_after(10)
        .timeout(Duration::from_secs(20))
        .run();
    assert!(!out.timed_out, "{what}: hung");
    assert_eq!(
        out.code,
        Some(code),
        "{what}: exit code; stderr:\n{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("failed printing"),
        "{what}: {}",
        out.stderr
    );
    assert_eq!(out.stdout.len(), 10, "{what}: the reader took 10 bytes");
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let cal = Cal::new();
    // Enough output to overflow the one-page pipe: 60 posts, 20 of them with an error.
    for i in 0..60 {
        let extra = if i % 3 == 0 { "oops: 1\n" } else { "" };
        cal.write(
            &format!("posts/p{i}.yaml"),
            format!(
                "id: p{i}\nat: 2026-01-0{} 09:00\ntext: Hello\n{extra}targets:\n  threads/acme: {{}}\n",
                1 + i % 9
            ),
        );
    }
    piped_to_head("validate | head", cal.dir(), &["validate", "cal"], 1);
    piped_to_head(
        "validate --format json | head",
        cal.dir(),
        &["validate", "cal", "--format", "json"],
        1,
    );
    piped_to_head("plan | head", cal.dir(), &["plan", "cal"], 1);
    // Records to show: with the errors fixed, every post is long past, so one pass records
    // each one missed.
    for i in (0..60).step_by(3) {
        cal.write(
            &format!("posts/p{i}.yaml"),
            format!(
                "id: p{i}\nat: 2026-01-01 09:00\ntext: Hello\ntargets:\n  threads/acme: {{}}\n"
            ),
        );
    }
    probe(
        "run --once",
        cal.dir(),
        &["run", "cal", "--once", "--publisher", "fake"],
        0,
    );
    let status = probe(
        "status",
        cal.dir(),
        &["status", "cal", "--format", "json"],
        0,
    );
    assert!(status.stdout.len() > 8192, "{}", status.stdout);
    piped_to_head(
        "status --format json | head",
        cal.dir(),
        &["status", "cal", "--format", "json"],
        0,
    );
    piped_to_head("status | head", cal.dir(), &["status", "cal"], 0);
}

#[test]
fn warp_factors_out_of_range_are_usage_errors() {
    let cal = Cal::new();
    cal.post("fine", "");
    for warp in ["0", "-1", "NaN", "inf", "-inf", "1e308", "1e-300", "fast"] {
        let out = probe(
            &format!("--warp {warp}"),
            cal.dir(),
            &[
                "run",
                "cal",
                "--dry-run",
                "--once",
                "--now",
                "2026-12-01T09:00:00Z",
                "--warp",
                warp,
            ],
            64,
        );
        assert!(
            out.stderr.contains("0.001 to 1000000") || out.stderr.contains("is not a number"),
            "--warp {warp}: {}",
            out.stderr
        );
    }
    let out = probe(
        "--warp 60",
        cal.dir(),
        &[
            "run",
            "cal",
            "--dry-run",
            "--once",
            "--now",
            "2026-12-01T09:00:00Z",
            "--warp",
            "60",
        ],
        0,
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("would publish") && l.contains("fine")),
        "{}",
        out.stdout
    );
}

/// A mistyped calendar path is a usage error (64), never an empty calendar or an empty state.
#[test]
fn a_calendar_that_does_not_exist_is_an_error_for_every_verb() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("file"), "not a directory");
    for verb in ["status", "plan", "validate"] {
        let out = probe(verb, tmp.path(), &[verb, "nowhere"], 64);
        assert!(
            out.stderr.contains("nowhere does not exist"),
            "{verb}: {}",
            out.stderr
        );
        let out = probe(verb, tmp.path(), &[verb, "file"], 64);
        assert!(
            out.stderr.contains("file is not a directory"),
            "{verb}: {}",
            out.stderr
        );
    }
}

#[test]
fn unknown_options_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for args in [
        &["validate", "--no-such-flag"][..],
        &["plan", "--format", "yaml"],
    ] {
        probe(&args.join(" "), tmp.path(), args, 64);
    }
}
