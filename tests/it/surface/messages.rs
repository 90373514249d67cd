//! Messages that say how to fix what they report (issue 12 item 8), as a newcomer meets them.

use super::Cal;

fn flat(s: &str) -> String {
    s.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn validation_messages_say_how_to_fix() {
    let cal = Cal::new();
    cal.write(
        "postcal.yaml",
        "timezone: Europe/Paris\naccounts:\n  threads/acme: {}\n  tiktok/acme: {}\n",
    );
    // A colon in unquoted text.
    cal.write(
        "posts/colon.yaml",
        "id: colon\nat: 2026-12-01 09:00\ntext: Open today: 7am\ntargets:\n  threads/acme: {}\n",
    );
    // A missing photo whose name exists with another extension.
    cal.write("media/photo-2.webp", "not read: the name is what matters");
    cal.write("media/photo-1.jpg", "not read");
    cal.write(
        "posts/media.yaml",
        "id: media\nat: 2026-12-01 09:00\nmedia: [media/photo-2.jpg]\ntargets:\n  \
         tiktok/acme: { privacy: SELF_ONLY }\n",
    );
    // A cover time with a unit.
    cal.write(
        "posts/cover.yaml",
        "id: cover\nat: 2026-12-01 09:00\nmedia: [media/photo-1.jpg]\ntargets:\n  \
         tiktok/acme: { privacy: SELF_ONLY, cover_timestamp: 0.5s }\n",
    );
    let out = cal.run(&["validate", "cal"]);
    assert_eq!(out.code, Some(1));
    let text = flat(&out.stdout);
    for help in [
        "if this is text, quote it (`text: \"Open today: 7am\"`) or write it as a block",
        "did you mean `media/photo-2.webp`?",
        "`cover_timestamp` is in milliseconds from the start of the video, a whole number: \
         `cover_timestamp: 500` for half a second",
    ] {
        assert!(text.contains(help), "missing {help:?} in\n{}", out.stdout);
    }
}

#[test]
fn bad_option_values_are_usage_errors_that_list_what_is_accepted() {
    let cal = Cal::new();
    cal.post("hello", "2026-12-01 09:00");
    let out = cal.run(&["plan", "cal", "--now", "tomorrow"]);
    assert_eq!(out.code, Some(64), "{}", out.stderr);
    let text = flat(&out.stderr);
    assert!(
        text.contains("RFC 3339 (`2026-12-01T09:00:00Z`")
            && text.contains("a local time in the calendar's timezone (`2026-12-01 09:00`"),
        "{}",
        out.stderr
    );
    let out = cal.run(&["init", "new", "--timezone", "Europe/Pari"]);
    assert_eq!(out.code, Some(64), "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `Europe/Paris`?"),
        "{}",
        out.stderr
    );
    assert!(!cal.dir().join("new").exists(), "nothing written");
}

/// What users read cites the platforms' own documentation, never `platform-rules.md`, a file
/// they do not have (issue 12 item 9): every help text, the README, and every diagnostic the
/// fixtures produce.
#[test]
fn user_facing_text_never_cites_a_file_users_do_not_have() {
    let cal = Cal::new();
    let mut texts =
        vec![std::fs::read_to_string(crate::util::repo_root().join("README.md")).expect("README")];
    for verb in [
        "validate", "schema", "init", "sandbox", "plan", "show", "status", "run", "resolve",
    ] {
        texts.push(cal.run(&[verb, "--help"]).stdout);
    }
    texts.push(cal.run(&["--help"]).stdout);
    let snapshots = crate::util::repo_root().join("tests/it/validate/snapshots");
    for entry in std::fs::read_dir(snapshots).expect("snapshots") {
        texts.push(std::fs::read_to_string(entry.expect("entry").path()).expect("snapshot"));
    }
    // `docs/platform-rules.md` is in the repository; a bare `platform-rules` is a file users
    // do not have.
    for text in texts {
        let bare = text
            .match_indices("platform-rules")
            .any(|(i, _)| !text[..i].ends_with("docs/"));
        assert!(!bare, "{text}");
    }
}
