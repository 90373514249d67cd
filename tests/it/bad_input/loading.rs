//! Manifests and `postcal.yaml` that are not what they should be.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use super::*;
use crate::util::write_sparse;

/// A YAML alias bomb ("billion laughs"): each level repeats the previous one ten times.
fn alias_bomb() -> String {
    let mut yaml = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let prev = format!("*a{}", level - 1);
        yaml.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            vec![prev; 10].join(", ")
        ));
    }
    yaml
}

fn utf16(text: &str) -> Vec<u8> {
    format!("\u{feff}{text}")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// One manifest at a time, each its own calendar: (name, file content, what the message says).
#[test]
fn manifests_that_are_not_yaml_posts() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("alias bomb", alias_bomb().into_bytes(), "too complex"),
        (
            "deep nesting",
            format!("x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "recursion limit",
        ),
        (
            "binary",
            vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0],
            "binary",
        ),
        ("utf-16", utf16("id: wide\n"), "UTF-16"),
        ("latin-1", b"id: caf\xe9\n".to_vec(), "not valid UTF-8"),
        (
            "1,025 documents",
            "---\nid: x\n".repeat(1025).into_bytes(),
            "more than 1024 YAML documents",
        ),
    ];
    for (what, bytes, expected) in cases {
        let cal = Cal::new();
        cal.write("posts/bad.yaml", bytes);
        let (human, _) = validate_and_plan(what, cal.dir(), "cal", 1);
        assert!(says(&human, expected), "{what}: {}", human.stdout);
        if what == "1,025 documents" {
            assert!(says(&human, "split the posts"), "{}", human.stdout);
            assert!(!says(&human, "nesting"), "{}", human.stdout);
        }
    }
}

#[test]
fn a_huge_manifest_is_refused_unread() {
    let cal = Cal::new();
    write_sparse(
        &cal.path("posts/huge.yaml"),
        b"id: huge\n",
        200 * 1024 * 1024,
    );
    let (human, _) = validate_and_plan("200 MB manifest", cal.dir(), "cal", 1);
    assert!(
        says(&human, "this file is 209,715,200 bytes"),
        "{}",
        human.stdout
    );
}

#[test]
fn fifos_sockets_and_devices_named_like_manifests_are_never_opened() {
    let cal = Cal::new();
    cal.post("fine", "");
    fifo(&cal.path("posts/fifo.yaml"));
    let _socket = std::os::unix::net::UnixListener::bind(cal.path("posts/socket.yaml"))
        .expect("bind a socket");
    let device = zero_device(&cal.path("posts/zero.yaml"));
    let (human, _) = validate_and_plan("special files", cal.dir(), "cal", 1);
    assert!(says(&human, "a FIFO (named pipe)"), "{}", human.stdout);
    assert!(says(&human, "a socket"), "{}", human.stdout);
    if device {
        assert!(says(&human, "a character device"), "{}", human.stdout);
    }
}

#[test]
fn symlink_loops_and_escapes_among_manifests() {
    let cal = Cal::new();
    symlink(cal.path("posts/b.yaml"), &cal.path("posts/a.yaml"));
    symlink(cal.path("posts/a.yaml"), &cal.path("posts/b.yaml"));
    symlink(cal.path("posts"), &cal.path("posts/loop"));
    let secret = "id: top-secret-manifest\n";
    write(&cal.outside("secret.yaml"), secret);
    symlink(cal.outside("secret.yaml"), &cal.path("posts/secret.yaml"));
    let (human, plan) = validate_and_plan("symlinks", cal.dir(), "cal", 1);
    for expected in [
        "broken symlink (or a symlink loop)",
        "symlinked directories are not followed",
        "symlink to a file outside the calendar",
    ] {
        assert!(says(&human, expected), "{expected}: {}", human.stdout);
    }
    never_shows("symlinked manifest", &[&human, &plan], "top-secret");
}

#[test]
fn a_posts_directory_leading_out_of_the_calendar_is_not_read() {
    let cal = Cal::new();
    std::fs::remove_dir(cal.path("posts")).expect("remove posts");
    write(
        &cal.outside("elsewhere/leak.yaml"),
        "id: leak\nat: 2026-12-01 09:00\ntext: a secret draft\ntargets: {threads/acme: {}}\n",
    );
    symlink(cal.outside("elsewhere"), &cal.path("posts"));
    let (human, plan) = validate_and_plan("posts/ symlinked out", cal.dir(), "cal", 1);
    assert!(
        says(&human, "a symlink to a directory outside the calendar"),
        "{}",
        human.stdout
    );
    never_shows("posts/ symlinked out", &[&human, &plan], "secret draft");
}

#[test]
fn a_postcal_yaml_that_is_not_a_settings_file() {
    let special = |what: &str, make: &dyn Fn(&Cal) -> bool, expected: &str| {
        let cal = Cal::new();
        cal.post("fine", "");
        std::fs::remove_file(cal.path("postcal.yaml")).expect("remove settings");
        if !make(&cal) {
            return;
        }
        let (human, plan) = validate_and_plan(what, cal.dir(), "cal", 1);
        assert!(says(&human, expected), "{what}: {}", human.stdout);
        for wrong in ["manifest", "posts directory"] {
            assert!(
                !says(&human, wrong),
                "{what} talks about {wrong}: {}",
                human.stdout
            );
        }
        never_shows(what, &[&human, &plan], "root:x:0:0");
    };
    special(
        "a FIFO",
        &|c| {
            fifo(&c.path("postcal.yaml"));
            true
        },
        "a FIFO (named pipe), not a regular file",
    );
    special(
        "a device",
        &|c| zero_device(&c.path("postcal.yaml")),
        "a character device",
    );
    special(
        "a directory",
        &|c| std::fs::create_dir(c.path("postcal.yaml")).is_ok(),
        "a directory, not a regular file",
    );
    special(
        "symlink to /dev/zero",
        &|c| {
            symlink("/dev/zero", &c.path("postcal.yaml"));
            true
        },
        "symlink to a file outside the calendar",
    );
    special(
        "symlink out",
        &|c| {
            let lines: String = (0..24)
                .map(|i| format!("root:x:0:0:line {i}:/root:/bin/bash\n"))
                .collect();
            write(&c.outside("passwd"), lines);
            symlink(c.outside("passwd"), &c.path("postcal.yaml"));
            true
        },
        "symlink to a file outside the calendar",
    );
    special(
        "huge",
        &|c| {
            write_sparse(
                &c.path("postcal.yaml"),
                b"timezone: UTC\n",
                200 * 1024 * 1024,
            );
            true
        },
        "postcal reads a settings file of at most",
    );
    special(
        "binary",
        &|c| {
            write(
                &c.path("postcal.yaml"),
                [0x7f, b'E', b'L', b'F', 2, 1, 1, 0],
            );
            true
        },
        "not a settings file",
    );
    special(
        "utf-16",
        &|c| {
            write(&c.path("postcal.yaml"), utf16(CONFIG));
            true
        },
        "this file is UTF-16 (UTF-16LE)",
    );
}

#[test]
fn names_that_are_not_utf8_are_reported_not_skipped() {
    let cal = Cal::new();
    cal.post("fine", "");
    let latin1 = cal.path("posts").join(OsStr::from_bytes(b"caf\xe9.yaml"));
    write(
        &latin1,
        "id: cafe\nat: 2026-12-01 09:00\ntext: x\ntargets: {threads/acme: {}}\n",
    );
    let dir = cal.path("posts").join(OsStr::from_bytes(b"d\xe9cembre"));
    write(&dir.join("a.yaml"), "id: dec\n");
    let (human, _) = validate_and_plan("non-UTF-8 names", cal.dir(), "cal", 1);
    assert_eq!(
        human.stdout.matches("calendar::non-utf8-name").count(),
        2,
        "{}",
        human.stdout
    );
    assert!(
        says(&human, "this directory's name is not valid UTF-8"),
        "{}",
        human.stdout
    );
}

#[test]
fn posts_at_the_root_never_make_postcal_yaml_a_post() {
    let cal = Cal::new();
    cal.write("postcal.yaml", format!("{CONFIG}posts: .\n"));
    cal.post("fine", "");
    let (human, plan) = validate_and_plan("posts: .", cal.dir(), "cal", 0);
    assert!(
        says(&human, "1 post in 1 file: 0 errors"),
        "{}",
        human.stdout
    );
    assert!(plan.stdout.contains("\"errors\": 0"), "{}", plan.stdout);
}

#[test]
fn many_problems_in_one_manifest_render_quickly_and_readably() {
    let cal = Cal::new();
    let keys: String = (0..20_000).map(|i| format!("unknown{i}: x\n")).collect();
    cal.post("many", &keys);
    let (human, _) = validate_and_plan("20,000 unknown keys", cal.dir(), "cal", 1);
    assert!(
        says(
            &human,
            "… and 19,950 more like this (manifest::unknown-field"
        ),
        "{}",
        human.stdout
    );
}

#[test]
fn thousands_of_manifests_stay_small() {
    let cal = Cal::new();
    for i in 0..2_000 {
        cal.post(&format!("p{i}"), "");
    }
    validate_and_plan("2,000 manifests", cal.dir(), "cal", 0);
}
