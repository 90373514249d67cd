//! Bad input never panics and always gets a clear diagnostic: empty, binary and non-UTF-8
//! files, deep nesting, an alias bomb, a 50 MB file, a directory named like a manifest,
//! symlinks that break or leave the calendar, a socket, missing media, and media that is not
//! what its extension says. Everything is made at test time in one temporary calendar.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::os::unix::net::UnixListener;
use std::path::Path;

use postcal::media::synth::{self, VideoSpec};

use crate::util::{validate_in, write_sparse};

const POST: &str =
    "id: fine\nat: 2026-12-01 09:00\ntext: A fine post.\ntargets: { facebook/acme-page: {} }\n";

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create directory");
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

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

#[test]
fn bad_input_gets_a_diagnostic_never_a_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cal = tmp.path().join("cal");
    let posts = cal.join("posts");
    write(
        &cal.join("postcal.yaml"),
        "timezone: Europe/Paris\naccounts:\n  facebook/acme-page: { id: \"104000000000001\" }\n",
    );
    write(&posts.join("empty.yaml"), "");
    write(
        &posts.join("binary.yaml"),
        [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0],
    );
    write(
        &posts.join("latin1.yaml"),
        b"id: caf\xe9\nat: 2026-12-01 09:00\n",
    );
    write(
        &posts.join("deep.yaml"),
        format!("x: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    write(&posts.join("bomb.yaml"), alias_bomb());
    let utf16: Vec<u8> = "\u{feff}id: wide\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    write(&posts.join("utf16.yaml"), utf16);
    // A Latin-1 name: not UTF-8, so it cannot be a manifest path; reported, not skipped.
    write(
        &posts.join(std::ffi::OsStr::from_bytes(b"caf\xe9.yaml")),
        POST.replace("fine", "latin1-name"),
    );
    write_sparse(&posts.join("huge.yaml"), b"id: huge\n", 50 * 1024 * 1024);
    write(&posts.join("folder.yaml/inside.yaml"), POST);
    symlink(cal.join("nowhere.yaml"), posts.join("broken.yaml")).expect("symlink");
    symlink(cal.join("media"), posts.join("linked-dir")).expect("symlink");
    write(
        &tmp.path().join("outside.yaml"),
        POST.replace("fine", "outside"),
    );
    symlink(tmp.path().join("outside.yaml"), posts.join("outside.yaml")).expect("symlink");
    let _socket = UnixListener::bind(posts.join("socket.yaml")).expect("bind a socket");
    // Opening a FIFO blocks until a writer comes: postcal must not even try.
    let fifo = std::process::Command::new("mkfifo")
        .arg(posts.join("fifo.yaml"))
        .status()
        .expect("run mkfifo");
    assert!(fifo.success());
    write(
        &posts.join("media.yaml"),
        "id: media\nat: 2026-12-02 09:00\ntext: Media that lies.\nmedia:\n  - media/missing.jpg\n  - media/words.mp4\n  - media/photo.png\n  - media/cut.mp4\ntargets: { facebook/acme-page: {} }\n",
    );
    write(&cal.join("media/words.mp4"), "not a video at all\n");
    write(&cal.join("media/photo.png"), synth::jpeg(40, 50));
    let video = synth::mp4(&VideoSpec::default());
    // Cut inside its metadata, as an interrupted copy would.
    write(&cal.join("media/cut.mp4"), &video[..200]);

    let v = validate_in(tmp.path(), "cal");
    assert_eq!(v.human.code, Some(1), "stderr: {}", v.human.stderr);
    crate::assert_rendered!("robustness", v);
    let at = |code: &str| v.locations(code);
    assert_eq!(at("calendar::empty-manifest"), ["cal/posts/empty.yaml"]);
    assert_eq!(at("calendar::binary-file"), ["cal/posts/binary.yaml"]);
    assert_eq!(
        at("calendar::not-utf8"),
        ["cal/posts/latin1.yaml:1:8", "cal/posts/utf16.yaml"]
    );
    assert_eq!(
        at("calendar::non-utf8-name"),
        ["cal/posts/caf\u{fffd}.yaml"]
    );
    assert_eq!(
        at("yaml::too-complex").len(),
        2,
        "deep nesting and the alias bomb"
    );
    assert_eq!(at("calendar::file-too-large"), ["cal/posts/huge.yaml"]);
    assert_eq!(
        at("calendar::directory-named-like-manifest"),
        ["cal/posts/folder.yaml"]
    );
    assert_eq!(at("calendar::broken-symlink"), ["cal/posts/broken.yaml"]);
    assert_eq!(
        at("calendar::symlinked-directory"),
        ["cal/posts/linked-dir"]
    );
    assert_eq!(
        at("calendar::path-escapes-root"),
        ["cal/posts/outside.yaml"]
    );
    assert_eq!(
        at("calendar::unreadable"),
        ["cal/posts/fifo.yaml", "cal/posts/socket.yaml"]
    );
    assert_eq!(at("media::not-found"), ["cal/posts/media.yaml:5:5"]);
    assert_eq!(
        at("media::unrecognized"),
        ["cal/posts/media.yaml:6:5", "cal/posts/media.yaml:8:5"]
    );
    assert_eq!(
        at("media::extension-mismatch"),
        ["cal/posts/media.yaml:7:5"]
    );
    // The good post inside the oddly named directory is still read.
    assert_eq!(v.report["summary"]["posts"], 2);
}
