//! Media paths that are not regular files inside the calendar, through every command that
//! reads media: `validate` probes them, `plan` and the daemon (`run --once`) hash them.
//!
//! Before one function decided what a media path may be, `validate` refused these while
//! `plan` and the daemon opened whatever a manifest named: a FIFO blocked forever in `open`,
//! a symlink to `/dev/zero` was read forever, a file outside the calendar was read in full.
//! A FIFO outside the calendar makes "read outside" observable: opening it would block.

use super::*;

/// Each case its own calendar: a post naming `written`, made by `make`; `expected` is in
/// `validate`'s message.
fn refused(what: &str, written: &str, make: &dyn Fn(&Cal) -> bool, expected: &str) {
    let cal = Cal::new();
    if !make(&cal) {
        return;
    }
    cal.media_post("bad-media", written);
    let (human, plan) = validate_and_plan(what, cal.dir(), "cal", 1);
    assert!(says(&human, expected), "{what}: {}", human.stdout);
    assert!(
        plan.stdout.contains("\"change\": \"blocked\""),
        "{what}: {}",
        plan.stdout
    );
    // The daemon's scan hashes every post's media, blocked or not.
    let once = probe(
        what,
        cal.dir(),
        &[
            "run",
            "cal",
            "--once",
            "--dry-run",
            "--now",
            "2026-12-01T09:00:00Z",
        ],
        0,
    );
    assert!(once.stdout.contains("1 blocked"), "{what}: {}", once.stdout);
    never_shows(what, &[&human, &plan, &once], "outside-secret");
}

#[test]
fn a_fifo_is_refused_without_being_opened() {
    refused(
        "FIFO",
        "media/pipe.jpg",
        &|c| {
            fifo(&c.path("media/pipe.jpg"));
            true
        },
        "is a FIFO (named pipe), not a file",
    );
}

#[test]
fn a_device_is_refused_without_being_read() {
    refused(
        "device",
        "media/zero.jpg",
        &|c| zero_device(&c.path("media/zero.jpg")),
        "is a character device, not a file",
    );
    refused(
        "symlink to /dev/zero",
        "media/zero.jpg",
        &|c| {
            symlink("/dev/zero", &c.path("media/zero.jpg"));
            true
        },
        "symlink to a file outside the calendar",
    );
}

#[test]
fn nothing_outside_the_calendar_is_opened() {
    let outside_fifo = |c: &Cal| {
        fifo(&c.outside("pipe.jpg"));
        true
    };
    refused(
        "symlink to a FIFO outside",
        "media/pipe.jpg",
        &|c| {
            outside_fifo(c);
            symlink(c.outside("pipe.jpg"), &c.path("media/pipe.jpg"));
            true
        },
        "symlink to a file outside the calendar",
    );
    refused(
        "symlinked directory leading out",
        "media/out/pipe.jpg",
        &|c| {
            outside_fifo(c);
            symlink(c.outside(""), &c.path("media/out"));
            true
        },
        "symlink to a file outside the calendar",
    );
    refused(
        "`..` to a FIFO outside",
        "../pipe.jpg",
        &outside_fifo,
        "`..` leads outside the calendar",
    );
    refused(
        "symlink to a file outside",
        "media/secret.jpg",
        &|c| {
            write(&c.outside("secret.jpg"), "outside-secret");
            symlink(c.outside("secret.jpg"), &c.path("media/secret.jpg"));
            true
        },
        "symlink to a file outside the calendar",
    );
}

#[test]
fn an_absolute_path_to_a_fifo_is_refused_without_being_opened() {
    let cal = Cal::new();
    fifo(&cal.outside("pipe.jpg"));
    let written = cal.outside("pipe.jpg").display().to_string();
    cal.media_post("absolute", &written);
    let (human, _) = validate_and_plan("absolute path", cal.dir(), "cal", 1);
    assert!(says(&human, "it is an absolute path"), "{}", human.stdout);
}

#[test]
fn directories_and_loops_are_not_files() {
    refused(
        "directory",
        "media/folder.jpg",
        &|c| std::fs::create_dir(c.path("media/folder.jpg")).is_ok(),
        "is a directory, not a file",
    );
    refused(
        "symlink loop",
        "media/a.jpg",
        &|c| {
            symlink(c.path("media/b.jpg"), &c.path("media/a.jpg"));
            symlink(c.path("media/a.jpg"), &c.path("media/b.jpg"));
            true
        },
        "cannot read media file `media/a.jpg`",
    );
}
