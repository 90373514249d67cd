//! Probe tests on generated media: each format read back as built, damaged files refused in
//! words.

use super::*;
use crate::media::synth::{self, AudioSpec, VideoSpec};
use crate::media::{AudioCodec, AudioInfo, MediaDetails, VideoCodec};

fn probe_ok(bytes: &[u8]) -> MediaInfo {
    probe_bytes(bytes).unwrap_or_else(|e| panic!("probe failed: {e}"))
}

#[test]
fn images_report_format_and_displayed_size() {
    type Case = (&'static str, Vec<u8>, MediaFormat, (u32, u32), u8);
    let cases: Vec<Case> = vec![
        (
            "jpeg",
            synth::jpeg(1080, 1350),
            MediaFormat::Jpeg,
            (1080, 1350),
            1,
        ),
        (
            "jpeg orientation 3",
            synth::jpeg_with_orientation(640, 480, 3),
            MediaFormat::Jpeg,
            (640, 480),
            3,
        ),
        (
            "jpeg orientation 6",
            synth::jpeg_with_orientation(640, 480, 6),
            MediaFormat::Jpeg,
            (480, 640),
            6,
        ),
        (
            "jpeg orientation 8",
            synth::jpeg_with_orientation(640, 480, 8),
            MediaFormat::Jpeg,
            (480, 640),
            8,
        ),
        (
            "jpeg orientation 0 (invalid)",
            synth::jpeg_with_orientation(640, 480, 0),
            MediaFormat::Jpeg,
            (640, 480),
            1,
        ),
        ("mpo", synth::mpo(320, 240), MediaFormat::Mpo, (320, 240), 1),
        (
            "png",
            synth::png(1200, 628),
            MediaFormat::Png,
            (1200, 628),
            1,
        ),
        (
            "webp",
            synth::webp(1080, 1080),
            MediaFormat::Webp,
            (1080, 1080),
            1,
        ),
        ("gif", synth::gif(500, 300), MediaFormat::Gif, (500, 300), 1),
        (
            "heic",
            synth::heic(4032, 3024, 0),
            MediaFormat::Heif,
            (4032, 3024),
            1,
        ),
        (
            "heic portrait",
            synth::heic(4032, 3024, 3),
            MediaFormat::Heif,
            (3024, 4032),
            6,
        ),
    ];
    for (name, bytes, format, size, orientation) in cases {
        let info = probe_ok(&bytes);
        assert_eq!(info.format, format, "{name}");
        assert_eq!(info.dimensions(), size, "{name}");
        assert_eq!(
            info.image().map(|i| i.orientation),
            Some(orientation),
            "{name}"
        );
        assert_eq!(info.size_bytes, bytes.len() as u64, "{name}");
    }
}

#[test]
fn generated_images_decode_at_the_size_probed() {
    // The image crate reads the same headers independently.
    for bytes in [synth::jpeg(33, 17), synth::png(33, 17), synth::webp(33, 17)] {
        let reader = image::ImageReader::new(std::io::Cursor::new(&bytes)).with_guessed_format();
        let decoded = reader.ok().and_then(|r| r.into_dimensions().ok());
        assert_eq!(decoded, Some(probe_ok(&bytes).dimensions()));
    }
}

#[test]
fn videos_read_back_as_specified() {
    let reel = VideoSpec::default();
    let cases = [
        ("default reel", reel.clone()),
        (
            "moov last, edit list",
            VideoSpec {
                moov_first: false,
                edit_list: true,
                ..reel.clone()
            },
        ),
        (
            "quicktime",
            VideoSpec {
                quicktime: true,
                ..reel.clone()
            },
        ),
        (
            "rotated phone video",
            VideoSpec {
                width: 1080,
                height: 1920,
                rotation: 90,
                ..reel.clone()
            },
        ),
        (
            "upside down",
            VideoSpec {
                width: 1920,
                height: 1080,
                rotation: 180,
                ..reel.clone()
            },
        ),
        (
            "hevc 59.94",
            VideoSpec {
                codec: *b"hvc1",
                fps: 59.94,
                ..reel.clone()
            },
        ),
        (
            "vp9 23.976 silent",
            VideoSpec {
                codec: *b"vp09",
                fps: 23.976,
                audio: None,
                ..reel.clone()
            },
        ),
        (
            "av1 long",
            VideoSpec {
                codec: *b"av01",
                duration_ms: 15 * 60 * 1000,
                fps: 60.0,
                ..reel.clone()
            },
        ),
        (
            "mpeg-4 part 2",
            VideoSpec {
                codec: *b"mp4v",
                ..reel.clone()
            },
        ),
        (
            "opus mono",
            VideoSpec {
                audio: Some(AudioSpec {
                    codec: *b"Opus",
                    sample_rate: 48_000,
                    channels: 1,
                }),
                ..reel.clone()
            },
        ),
        (
            "aac 96k",
            VideoSpec {
                audio: Some(AudioSpec {
                    sample_rate: 96_000,
                    ..AudioSpec::default()
                }),
                ..reel.clone()
            },
        ),
    ];
    for (name, spec) in cases {
        let bytes = synth::mp4(&spec);
        let info = probe_ok(&bytes);
        let want_format = if spec.quicktime {
            MediaFormat::Mov
        } else {
            MediaFormat::Mp4
        };
        assert_eq!(info.format, want_format, "{name}");
        let Some(v) = info.video() else {
            panic!("{name}: not a video")
        };
        let want_codec = match &spec.codec {
            b"avc1" => VideoCodec::H264,
            b"hvc1" => VideoCodec::Hevc,
            b"vp09" => VideoCodec::Vp9,
            b"av01" => VideoCodec::Av1,
            other => VideoCodec::Other(String::from_utf8_lossy(other).into_owned()),
        };
        assert_eq!(v.codec, Some(want_codec), "{name}");
        assert_eq!(
            (v.width, v.height, v.rotation),
            (spec.width, spec.height, spec.rotation),
            "{name}"
        );
        assert_eq!(v.duration_ms, spec.duration_ms, "{name}");
        let fps = v.frame_rate.unwrap_or_default();
        assert!((fps - spec.fps).abs() < 0.01, "{name}: {fps} fps");
        assert_eq!(v.moov_before_mdat, spec.moov_first, "{name}");
        assert_eq!(v.has_edit_list, spec.edit_list, "{name}");
        let want_audio = spec.audio.map(|a| AudioInfo {
            codec: match &a.codec {
                b"mp4a" => AudioCodec::Aac,
                other => AudioCodec::Other(String::from_utf8_lossy(other).into_owned()),
            },
            sample_rate: a.sample_rate,
            channels: a.channels,
        });
        assert_eq!(v.audio, want_audio, "{name}");
    }
}

#[test]
fn a_mov_without_ftyp_is_quicktime() {
    let mp4 = synth::mp4(&VideoSpec::default());
    let ftyp_len = u32::from_be_bytes([mp4[0], mp4[1], mp4[2], mp4[3]]) as usize;
    let info = probe_ok(&mp4[ftyp_len..]);
    assert_eq!(info.format, MediaFormat::Mov);
    assert_eq!(info.video().map(|v| v.duration_ms), Some(10_000));
}

#[test]
fn a_last_box_of_size_zero_runs_to_the_end() {
    let mut mp4 = synth::mp4(&VideoSpec::default());
    // moov first: the mdat is the last box; size 0 means "to the end of the file".
    let mdat = find_top_level(&mp4, b"mdat");
    mp4[mdat..mdat + 4].copy_from_slice(&[0; 4]);
    assert!(probe_ok(&mp4).video().is_some_and(|v| v.moov_before_mdat));
}

/// The offset of the first top-level box of `kind` in a generated file.
pub(super) fn find_top_level(file: &[u8], kind: &[u8; 4]) -> usize {
    let mut at = 0;
    while &file[at + 4..at + 8] != kind {
        at += u32::from_be_bytes([file[at], file[at + 1], file[at + 2], file[at + 3]]) as usize;
    }
    at
}

#[test]
fn damaged_files_are_refused_in_words() {
    let mp4 = synth::mp4(&VideoSpec::default());
    let moov_last = synth::mp4(&VideoSpec {
        moov_first: false,
        ..VideoSpec::default()
    });
    let moov_at = find_top_level(&moov_last, b"moov");
    let jpeg = synth::jpeg(64, 64);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "the file is empty"),
        (
            "html",
            b"<!doctype html><html>".to_vec(),
            "not a supported image or video",
        ),
        (
            "jpeg cut in its header",
            jpeg[..20].to_vec(),
            "the JPEG file ends too early",
        ),
        (
            "mp4 cut before moov",
            moov_last[..moov_at].to_vec(),
            "the MP4 has no `moov` box",
        ),
        (
            "mp4 cut in mdat",
            moov_last[..moov_at - 10].to_vec(),
            "ends too early, inside its media data",
        ),
        (
            "mp4 cut in moov",
            mp4[..200].to_vec(),
            "ends too early, inside its metadata (`moov` box)",
        ),
        (
            "png without IHDR",
            b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDZ\0\0\0\x01\0\0\0\x01".to_vec(),
            "the first chunk is not IHDR",
        ),
        (
            "gif of zero width",
            synth::gif(0, 10),
            "it says the image is 0×10 pixels",
        ),
    ];
    for (name, bytes, want) in cases {
        match probe_bytes(&bytes) {
            Ok(info) => panic!("{name}: probed as {info:?}"),
            Err(e) => assert!(e.to_string().contains(want), "{name}: {e}"),
        }
    }
}

#[test]
fn formats_are_told_by_content_not_names() {
    let cases: [(&[u8], Option<Sniffed>); 9] = [
        (&[0xFF, 0xD8, 0xFF, 0xE0], Some(Sniffed::Jpeg)),
        (b"\x89PNG\r\n\x1a\n", Some(Sniffed::Png)),
        (b"GIF87a", Some(Sniffed::Gif)),
        (b"RIFF\0\0\0\0WEBPVP8 ", Some(Sniffed::Webp)),
        (b"RIFF\0\0\0\0WAVEfmt ", None),
        (b"MM\0*\0\0\0\x08", Some(Sniffed::Tiff)),
        (&[0x1A, 0x45, 0xDF, 0xA3], Some(Sniffed::Ebml)),
        (
            b"\0\0\0\x08wide\0\0\0\0mdat",
            Some(Sniffed::QuickTimeNoFtyp),
        ),
        (b"%PDF-1.7", None),
    ];
    for (head, want) in cases {
        assert_eq!(sniff(head), want, "{head:?}");
    }
}

#[test]
fn probing_a_file_matches_probing_its_bytes() {
    let bytes = synth::mp4(&VideoSpec {
        moov_first: false,
        ..VideoSpec::default()
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("clip.mp4");
    std::fs::write(&path, &bytes).expect("write");
    let from_file = probe_file(&path).expect("probe file");
    assert_eq!(from_file, probe_ok(&bytes));
    assert!(matches!(from_file.details, MediaDetails::Video(_)));
}
