//! The scanner against a fresh scan after every kind of edit, and content rebuilt only while
//! it is what was planned.

use super::*;

const CONFIG: &str = "timezone: Europe/Berlin\naccounts:\n  threads/acme: {}\n";

fn post(id: &str, text: &str) -> String {
    format!("id: {id}\nat: 2027-01-01 09:00\ntext: {text}\ntargets:\n  threads/acme: {{}}\n")
}

fn calendar() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postcal.yaml"), CONFIG).unwrap();
    std::fs::create_dir_all(dir.path().join("posts")).unwrap();
    std::fs::create_dir_all(dir.path().join("media")).unwrap();
    for id in ["a", "b", "c"] {
        write(&dir, &format!("posts/{id}.yaml"), &post(id, "hello"));
    }
    dir
}

fn write(dir: &tempfile::TempDir, rel: &str, text: &str) {
    std::fs::write(dir.path().join(rel), text).unwrap();
}

/// Everything a [`Desired`] says, in a stable order.
fn summary(d: &Desired) -> String {
    let mut files: Vec<&String> = d.files_with_errors.iter().collect();
    files.sort();
    format!(
        "{:#?}\nfiles with errors: {files:?}\nerrors: {}\nmax_lateness: {}\ntimezone: {:?}",
        d.posts, d.errors, d.max_lateness, d.timezone
    )
}

fn post_of<'a>(d: &'a Desired, id: &str) -> &'a DesiredPost {
    d.posts.iter().find(|p| p.id == id).unwrap()
}

/// Sets a file's modification time far enough back that its stamp vouches for it.
fn age(dir: &tempfile::TempDir, rel: &str) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(dir.path().join(rel))
        .unwrap()
        .set_modified(old)
        .unwrap();
}

#[test]
fn a_rescan_reads_and_checks_only_what_changed() {
    let dir = calendar();
    for id in ["a", "b", "c"] {
        age(&dir, &format!("posts/{id}.yaml"));
    }
    let mut scanner = Scanner::new();
    scanner.scan(dir.path()).unwrap();
    assert_eq!(
        scanner.stats(),
        ScanStats {
            manifests: 3,
            read: 3,
            checked: 3
        }
    );
    scanner.scan(dir.path()).unwrap();
    assert_eq!(
        scanner.stats().read,
        0,
        "settled stamps vouch for the files"
    );
    assert_eq!(scanner.stats().checked, 0);

    write(&dir, "posts/b.yaml", &post("b", "edited"));
    let desired = scanner.scan(dir.path()).unwrap();
    assert_eq!((scanner.stats().read, scanner.stats().checked), (1, 1));
    let content = scanner.content(
        dir.path(),
        post_of(&desired, "b"),
        &"threads/acme".parse().unwrap(),
    );
    assert_eq!(content.unwrap().text.as_deref(), Some("edited"));

    // A fresh file is read again (its stamp cannot vouch yet) but not checked again.
    let desired = scanner.scan(dir.path()).unwrap();
    assert_eq!((scanner.stats().read, scanner.stats().checked), (1, 0));
    assert_eq!(desired.posts.len(), 3);

    // New settings: every manifest is checked against them.
    write(&dir, "postcal.yaml", &CONFIG.replace("Berlin", "Paris"));
    scanner.scan(dir.path()).unwrap();
    assert_eq!(scanner.stats().checked, 3);
}

#[test]
fn a_long_lived_scanner_agrees_with_a_fresh_one_after_every_edit() {
    let dir = calendar();
    let root = dir.path();
    let mut scanner = Scanner::new();
    let mut step = |name: &str, check: &dyn Fn(&Desired)| {
        let incremental = scanner.scan(root).unwrap();
        let fresh = Scanner::new().scan(root).unwrap();
        assert_eq!(summary(&incremental), summary(&fresh), "after: {name}");
        check(&incremental);
    };
    step("first scan", &|d| {
        assert_eq!(d.posts.len(), 3);
        assert_eq!(d.errors, 0);
    });

    write(&dir, "posts/a.yaml", &post("a", "edited"));
    step("an edit", &|d| {
        let content =
            Scanner::new().content(root, post_of(d, "a"), &"threads/acme".parse().unwrap());
        assert_eq!(content.unwrap().text.as_deref(), Some("edited"));
    });

    write(&dir, "posts/b.yaml", "id: b\ntext: [unclosed\n");
    step("a syntax error", &|d| {
        assert!(d.files_with_errors.contains("posts/b.yaml"));
        assert!(d.posts.iter().all(|p| p.id != "b"), "b cannot be read");
    });
    write(&dir, "posts/b.yaml", &post("b", "fixed"));
    step("the error fixed", &|d| assert_eq!(d.errors, 0));

    write(&dir, "posts/c.yaml", &post("a", "same id as a"));
    step("a duplicate id in another file", &|d| {
        let blocked: Vec<_> = d.posts.iter().filter(|p| p.blocked.is_some()).collect();
        assert_eq!(blocked.len(), 1);
        assert_eq!(blocked[0].revision.path, "posts/c.yaml");
        let why = &blocked[0].blocked.as_ref().unwrap().first_error;
        assert!(why.contains("used twice"), "{why}");
    });
    std::fs::rename(root.join("posts/a.yaml"), root.join("posts/z.yaml")).unwrap();
    step("the first of the two renamed after the second", &|d| {
        let blocked: Vec<_> = d.posts.iter().filter(|p| p.blocked.is_some()).collect();
        assert_eq!(blocked[0].revision.path, "posts/z.yaml");
    });
    std::fs::remove_file(root.join("posts/z.yaml")).unwrap();
    step("a deletion", &|d| {
        assert_eq!(d.posts.len(), 2);
        assert_eq!(d.errors, 0);
    });

    write(
        &dir,
        "posts/m.yaml",
        &format!("{}media:\n  - file: media/pic.png\n", post("m", "pic")),
    );
    step("a missing media file", &|d| {
        assert!(post_of(d, "m").blocked.is_some())
    });
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media");
    std::fs::copy(fixtures.join("image.png"), root.join("media/pic.png")).unwrap();
    step("the media file added", &|d| {
        let m = post_of(d, "m");
        assert!(m.blocked.is_none(), "{:?}", m.blocked);
        let content = Scanner::new()
            .content(root, m, &"threads/acme".parse().unwrap())
            .unwrap();
        assert!(!content.media[0].sha256.is_empty());
    });
    let before = post_of(&Scanner::new().scan(root).unwrap(), "m").targets[0]
        .content_hash
        .clone();
    std::fs::copy(
        fixtures.join("orientation-6.jpg"),
        root.join("media/pic.png"),
    )
    .unwrap();
    step("the media file replaced", &|d| {
        assert_ne!(post_of(d, "m").targets[0].content_hash, before);
    });

    write(&dir, "posts/x.yaml", "id: x\0binary");
    step("a binary manifest", &|d| {
        assert!(d.files_with_errors.contains("posts/x.yaml"))
    });
    step("the same binary manifest, scanned again", &|d| {
        assert!(d.files_with_errors.contains("posts/x.yaml"));
    });
    std::fs::remove_file(root.join("posts/x.yaml")).unwrap();

    write(
        &dir,
        "postcal.yaml",
        "timezone: Europe/Berlin\naccounts:\n  threads/other: {}\n",
    );
    step("the post's account removed from the settings", &|d| {
        assert!(d.posts.iter().all(|p| p.blocked.is_some()));
    });
    write(
        &dir,
        "postcal.yaml",
        "timezone: Mars/Olympus\naccounts:\n  threads/acme: {}\n",
    );
    step("an invalid timezone", &|d| {
        assert!(d.files_with_errors.contains("postcal.yaml"));
    });
}

#[test]
fn content_is_rebuilt_only_while_the_manifest_and_media_are_as_planned() {
    let dir = calendar();
    let root = dir.path();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media");
    std::fs::copy(fixtures.join("image.png"), root.join("media/pic.png")).unwrap();
    let text = "---\nid: other\nat: 2027-01-02 09:00\ntext: first document\ntargets:\n  threads/acme: {}\n";
    let with_media = format!(
        "{text}---\n{}media:\n  - file: media/pic.png\n    alt: a cup\n",
        post("m", "pic")
    );
    write(&dir, "posts/m.yaml", &with_media);
    let mut scanner = Scanner::new();
    let desired = scanner.scan(root).unwrap();
    let m = post_of(&desired, "m");
    assert_eq!(m.document, 1);

    let content = scanner
        .content(root, m, &"threads/acme".parse().unwrap())
        .unwrap();
    assert_eq!(content.text.as_deref(), Some("pic"));
    assert_eq!(content.media[0].alt.as_deref(), Some("a cup"));
    assert_eq!(content.hash(), m.targets[0].content_hash);
    assert!(
        scanner
            .content(root, m, &"instagram/acme".parse().unwrap())
            .is_none(),
        "not a target"
    );

    std::fs::copy(
        fixtures.join("orientation-6.jpg"),
        root.join("media/pic.png"),
    )
    .unwrap();
    assert!(
        scanner
            .content(root, m, &"threads/acme".parse().unwrap())
            .is_none(),
        "media replaced"
    );
    std::fs::copy(fixtures.join("image.png"), root.join("media/pic.png")).unwrap();
    assert!(
        scanner
            .content(root, m, &"threads/acme".parse().unwrap())
            .is_some(),
        "media restored"
    );

    write(
        &dir,
        "posts/m.yaml",
        &with_media.replace("pic\n", "changed\n"),
    );
    assert!(
        scanner
            .content(root, m, &"threads/acme".parse().unwrap())
            .is_none(),
        "manifest edited"
    );
    std::fs::remove_file(root.join("posts/m.yaml")).unwrap();
    assert!(
        scanner
            .content(root, m, &"threads/acme".parse().unwrap())
            .is_none(),
        "manifest deleted"
    );
}
