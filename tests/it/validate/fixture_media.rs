//! The small media files the fixtures use, generated with `postcal::media::synth`. They are
//! committed; regenerate them after changing this list with
//! `cargo test --test it regenerate_fixture_media -- --ignored`.
//!
//! Images are flat colour and videos hold placeholder samples, so every file is a few KiB.
//! Files that must be large (over 8 MiB, over 4 GiB) are made at test time instead, as sparse
//! files (see `large_media`).

use postcal::media::synth::{self, AudioSpec, VideoSpec};

use crate::util::repo_root;

fn video(edit: impl FnOnce(&mut VideoSpec)) -> Vec<u8> {
    let mut spec = VideoSpec::default();
    edit(&mut spec);
    synth::mp4(&spec)
}

/// A 10 s 1080×1920 VP9 WebM: an EBML header, then a segment with `Info` and `Tracks`.
pub fn webm() -> Vec<u8> {
    // Element: id bytes, an 8-byte size, the body.
    fn el(id: &[u8], body: &[u8]) -> Vec<u8> {
        let size = (body.len() as u64) | (1 << 56);
        [id, &size.to_be_bytes()[..], body].concat()
    }
    let ebml = el(&[0x1A, 0x45, 0xDF, 0xA3], &el(&[0x42, 0x82], b"webm"));
    let info = el(
        &[0x15, 0x49, 0xA9, 0x66],
        &[
            el(&[0x2A, 0xD7, 0xB1], &1_000_000u32.to_be_bytes()),
            el(&[0x44, 0x89], &10_000f64.to_be_bytes()),
        ]
        .concat(),
    );
    let video = el(
        &[0xE0],
        &[
            el(&[0xB0], &1080u16.to_be_bytes()),
            el(&[0xBA], &1920u16.to_be_bytes()),
        ]
        .concat(),
    );
    let track = el(
        &[0xAE],
        &[
            el(&[0x83], &[1]),
            el(&[0x86], b"V_VP9"),
            el(&[0x23, 0xE3, 0x83], &33_333_333u32.to_be_bytes()),
            video,
        ]
        .concat(),
    );
    let tracks = el(&[0x16, 0x54, 0xAE, 0x6B], &track);
    [
        ebml,
        el(&[0x18, 0x53, 0x80, 0x67], &[info, tracks].concat()),
    ]
    .concat()
}

/// An MP4 whose only track is audio: the video track's handler is renamed away from `vide`.
fn audio_only() -> Vec<u8> {
    let mut bytes = video(|_| {});
    let hdlr = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"hdlr")
        .map(|(i, _)| i + 12)
        .find(|&at| bytes.get(at..at + 4) == Some(b"vide"))
        .expect("synth writes a video handler");
    bytes[hdlr..hdlr + 4].copy_from_slice(b"text");
    bytes
}

/// Every generated file, as (path under `tests/fixtures`, contents).
pub fn files() -> Vec<(&'static str, Vec<u8>)> {
    let reel = video(|_| {});
    let opus = AudioSpec {
        codec: *b"Opus",
        ..AudioSpec::default()
    };
    vec![
        // Instagram
        ("instagram/media/feed.jpg", synth::jpeg(400, 500)),
        ("instagram/media/square.jpg", synth::jpeg(400, 400)),
        ("instagram/media/tall.jpg", synth::jpeg(300, 600)),
        // Stored 1000×400, displayed 400×1000 once the EXIF orientation is applied.
        (
            "instagram/media/rotated.jpg",
            synth::jpeg_with_orientation(1000, 400, 6),
        ),
        ("instagram/media/photo.png", synth::png(400, 500)),
        ("instagram/media/anim.gif", synth::gif(40, 50)),
        ("instagram/media/cover.jpg", synth::jpeg(270, 480)),
        ("instagram/media/cover.png", synth::png(270, 480)),
        ("instagram/media/reel.mp4", reel.clone()),
        (
            "instagram/media/short.mp4",
            video(|v| v.duration_ms = 2_000),
        ),
        (
            "instagram/media/long.mp4",
            video(|v| {
                v.duration_ms = 90_000;
                v.height = 1350;
            }),
        ),
        ("instagram/media/slow.mp4", video(|v| v.fps = 15.0)),
        (
            "instagram/media/wide.mp4",
            video(|v| (v.width, v.height) = (3840, 2160)),
        ),
        ("instagram/media/av1.mp4", video(|v| v.codec = *b"av01")),
        (
            "instagram/media/late-moov.mp4",
            video(|v| v.moov_first = false),
        ),
        (
            "instagram/media/edit-list.mp4",
            video(|v| v.edit_list = true),
        ),
        (
            "instagram/media/opus.mp4",
            video(|v| v.audio = Some(opus.clone())),
        ),
        ("instagram/media/clip.webm", webm()),
        // TikTok
        ("tiktok/media/video.mp4", reel.clone()),
        ("tiktok/media/long.mp4", video(|v| v.duration_ms = 200_000)),
        ("tiktok/media/short.mp4", video(|v| v.duration_ms = 2_000)),
        (
            "tiktok/media/tiny.mp4",
            video(|v| (v.width, v.height) = (320, 240)),
        ),
        ("tiktok/media/slow.mp4", video(|v| v.fps = 15.0)),
        ("tiktok/media/av1.mp4", video(|v| v.codec = *b"av01")),
        ("tiktok/media/photo-1.jpg", synth::jpeg(400, 500)),
        ("tiktok/media/photo-2.webp", synth::webp(400, 500)),
        ("tiktok/media/photo.png", synth::png(400, 500)),
        ("tiktok/media/anim.gif", synth::gif(40, 50)),
        ("tiktok/media/wide.jpg", synth::jpeg(2000, 200)),
        // Threads
        ("threads/media/image.jpg", synth::jpeg(400, 500)),
        ("threads/media/image.png", synth::png(400, 500)),
        ("threads/media/photo.webp", synth::webp(400, 500)),
        ("threads/media/panorama.jpg", synth::jpeg(1100, 100)),
        ("threads/media/video.mp4", reel.clone()),
        (
            "threads/media/long.mp4",
            video(|v| {
                v.duration_ms = 301_000;
                v.fps = 24.0;
            }),
        ),
        ("threads/media/slow.mp4", video(|v| v.fps = 15.0)),
        (
            "threads/media/wide.mp4",
            video(|v| (v.width, v.height) = (3840, 2160)),
        ),
        ("threads/media/av1.mp4", video(|v| v.codec = *b"av01")),
        (
            "threads/media/late-moov.mp4",
            video(|v| v.moov_first = false),
        ),
        ("threads/media/edit-list.mp4", video(|v| v.edit_list = true)),
        (
            "threads/media/opus.mp4",
            video(|v| v.audio = Some(opus.clone())),
        ),
        ("threads/media/clip.webm", webm()),
        // Facebook
        ("facebook/media/photo.jpg", synth::jpeg(400, 500)),
        ("facebook/media/video.mp4", reel.clone()),
        // Calendar-wide: media that is not what it claims.
        ("manifest/media/photo.jpg", synth::jpeg(400, 500)),
        ("manifest/media/really-a-png.jpg", synth::png(400, 500)),
        (
            "manifest/media/not-an-image.jpg",
            b"these are words, not pixels\n".to_vec(),
        ),
        ("manifest/media/audio-only.mp4", audio_only()),
        ("manifest/media/folder.jpg/.keep", Vec::new()),
        ("many-problems/media/feed.jpg", synth::jpeg(400, 500)),
        ("many-problems/media/tall.jpg", synth::jpeg(300, 600)),
        ("many-problems/media/reel.mp4", reel),
    ]
}

#[test]
#[ignore = "writes the committed fixture media; run after changing the list"]
fn regenerate_fixture_media() {
    let root = repo_root().join("tests/fixtures");
    for (path, bytes) in files() {
        let path = root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create fixture directory");
        }
        std::fs::write(&path, bytes).expect("write fixture media");
    }
}

#[test]
fn fixture_media_is_small() {
    // Large files are made at test time; the repository only holds small ones.
    for (path, bytes) in files() {
        assert!(bytes.len() < 100 * 1024, "{path} is {} bytes", bytes.len());
    }
}
