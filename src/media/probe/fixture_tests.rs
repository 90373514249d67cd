//! The probe on real files made by ffmpeg, ImageMagick and exiftool (`tests/fixtures/media/`,
//! see its README for how each was made).

use std::path::{Path, PathBuf};

use super::limits_tests::bytes_read_probing;
use super::*;
use crate::media::{AudioCodec, AudioInfo, VideoCodec, VideoInfo};

pub(super) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/media")
        .join(name)
}

fn probe_fixture(name: &str) -> MediaInfo {
    probe_file(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn real_images_probe_as_made() {
    let cases = [
        ("orientation-6.jpg", MediaFormat::Jpeg, (120, 160), 6),
        ("image.png", MediaFormat::Png, (160, 90), 1),
        ("image.webp", MediaFormat::Webp, (200, 100), 1),
        ("image.gif", MediaFormat::Gif, (120, 80), 1),
        ("image.heic", MediaFormat::Heif, (128, 96), 1),
        ("image.avif", MediaFormat::Heif, (128, 96), 1),
        ("image.tif", MediaFormat::Tiff, (100, 50), 1),
    ];
    for (name, format, size, orientation) in cases {
        let info = probe_fixture(name);
        assert_eq!(info.format, format, "{name}");
        assert_eq!(info.dimensions(), size, "{name}");
        assert_eq!(
            info.image().map(|i| i.orientation),
            Some(orientation),
            "{name}"
        );
    }
}

#[test]
fn a_jpeg_with_a_big_exif_thumbnail_costs_only_headers() {
    // orientation-6.jpg carries a 10 KB Exif thumbnail in its APP1 segment.
    let (info, read) = bytes_read_probing(&fixture("orientation-6.jpg"));
    assert!(info.size_bytes > 10_000);
    assert!(read < 512, "read {read} bytes");
}

fn aac(sample_rate: u32, channels: u16) -> Option<AudioInfo> {
    Some(AudioInfo {
        codec: AudioCodec::Aac,
        sample_rate,
        channels,
    })
}

#[test]
fn real_videos_probe_as_made() {
    let h264 = VideoInfo {
        codec: Some(VideoCodec::H264),
        width: 320,
        height: 180,
        rotation: 0,
        duration_ms: 1000,
        frame_rate: Some(30.0),
        audio: aac(44_100, 1),
        moov_before_mdat: true,
        has_edit_list: false,
    };
    let cases = [
        // ffmpeg -movflags +faststart -use_editlist 0: what Instagram asks for. The AAC
        // track runs a little past the video, so the movie is 1067 ms.
        (
            "h264-aac-faststart.mp4",
            MediaFormat::Mp4,
            VideoInfo {
                duration_ms: 1067,
                ..h264.clone()
            },
        ),
        // ffmpeg's defaults: moov at the end, and edit lists.
        (
            "h264-aac-moov-last.mp4",
            MediaFormat::Mp4,
            VideoInfo {
                moov_before_mdat: false,
                has_edit_list: true,
                ..h264.clone()
            },
        ),
        (
            "clip.mov",
            MediaFormat::Mov,
            VideoInfo {
                frame_rate: Some(25.0),
                audio: aac(48_000, 2),
                has_edit_list: true,
                ..h264.clone()
            },
        ),
        // Stored 320×180 with a 90° clockwise matrix, as phones record portrait video.
        (
            "rotated-90.mp4",
            MediaFormat::Mp4,
            VideoInfo {
                width: 180,
                height: 320,
                rotation: 90,
                audio: None,
                has_edit_list: true,
                ..h264.clone()
            },
        ),
        (
            "hevc.mp4",
            MediaFormat::Mp4,
            VideoInfo {
                codec: Some(VideoCodec::Hevc),
                audio: None,
                has_edit_list: true,
                ..h264.clone()
            },
        ),
    ];
    for (name, format, want) in cases {
        let info = probe_fixture(name);
        assert_eq!(info.format, format, "{name}");
        assert_eq!(info.video(), Some(&want), "{name}");
    }
}

#[test]
fn a_real_webm_gives_codecs_size_and_duration() {
    let info = probe_fixture("clip.webm");
    assert_eq!(info.format, MediaFormat::Webm);
    let v = info.video().expect("a video");
    assert_eq!(v.codec, Some(VideoCodec::Vp9));
    assert_eq!((v.width, v.height, v.duration_ms), (320, 180, 1008));
    assert!(
        v.frame_rate.is_some_and(|fps| (fps - 24.0).abs() < 0.001),
        "{:?}",
        v.frame_rate
    );
    let opus = AudioInfo {
        codec: AudioCodec::Other("A_OPUS".into()),
        sample_rate: 48_000,
        channels: 1,
    };
    assert_eq!(v.audio, Some(opus));
    assert!(v.moov_before_mdat && !v.has_edit_list);
}

/// What each file of the example calendar was made to be: format, displayed size, and for
/// videos the duration in whole seconds.
type Example = (&'static str, MediaFormat, (u32, u32), Option<u64>);

const EXAMPLE_MEDIA: [Example; 15] = [
    ("feed-1080x1350.jpg", MediaFormat::Jpeg, (1080, 1350), None),
    ("square-1080.jpg", MediaFormat::Jpeg, (1080, 1080), None),
    (
        "landscape-1200x630.jpg",
        MediaFormat::Jpeg,
        (1200, 630),
        None,
    ),
    ("carousel-1.jpg", MediaFormat::Jpeg, (1080, 1080), None),
    ("carousel-2.png", MediaFormat::Png, (1080, 1080), None),
    ("carousel-clip.mp4", MediaFormat::Mp4, (1080, 1350), Some(4)),
    ("reel.mp4", MediaFormat::Mp4, (720, 1280), Some(5)),
    ("story.jpg", MediaFormat::Jpeg, (1080, 1920), None),
    ("story.mp4", MediaFormat::Mp4, (720, 1280), Some(4)),
    ("tiktok-video.mp4", MediaFormat::Mp4, (720, 1280), Some(6)),
    ("tiktok-photo-1.jpg", MediaFormat::Jpeg, (1080, 1350), None),
    ("tiktok-photo-2.webp", MediaFormat::Webp, (1080, 1350), None),
    ("threads-1.jpg", MediaFormat::Jpeg, (1080, 1080), None),
    ("threads-2.jpg", MediaFormat::Jpeg, (1080, 1350), None),
    ("README.md", MediaFormat::Jpeg, (0, 0), None), // not media: checked to be the only other file
];

#[test]
fn the_example_calendar_media_is_what_its_posts_need() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/calendar/media");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("examples/calendar/media")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = EXAMPLE_MEDIA.iter().map(|(n, ..)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every example file is checked here");

    let mut total = 0;
    for (name, format, size, seconds) in EXAMPLE_MEDIA
        .into_iter()
        .filter(|(n, ..)| *n != "README.md")
    {
        let info = probe_file(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        total += info.size_bytes;
        assert_eq!((info.format, info.dimensions()), (format, size), "{name}");
        let (w, h) = (f64::from(size.0), f64::from(size.1));
        match seconds {
            None => {
                // Instagram feed images: 4:5 to 1.91:1; stories 9:16. 1200×628 is Facebook's
                // link-image size, a hair over 1.91 (1.9108), so it is for Facebook only.
                let ratio = w / h;
                let instagram_feed = !name.starts_with("story") && !name.starts_with("landscape");
                assert!(
                    (0.8..=1.91).contains(&ratio) || !instagram_feed,
                    "{name}: {ratio}"
                );
                assert!(info.size_bytes < 8 * 1024 * 1024, "{name}");
                assert_eq!(info.image().map(|i| i.orientation), Some(1), "{name}");
            }
            Some(seconds) => {
                let v = info
                    .video()
                    .unwrap_or_else(|| panic!("{name}: not a video"));
                // AAC frames make the audio, hence the movie, run up to ~25 ms long.
                let wanted = seconds * 1000;
                assert!(
                    (wanted..wanted + 100).contains(&v.duration_ms),
                    "{name}: {} ms",
                    v.duration_ms
                );
                assert_eq!(v.frame_rate, Some(30.0), "{name}");
                assert_eq!(v.codec, Some(VideoCodec::H264), "{name}");
                assert_eq!(v.audio, aac(44_100, 2), "{name}");
                assert!(
                    v.moov_before_mdat && !v.has_edit_list,
                    "{name}: Instagram and Threads need fast start, no edit lists"
                );
            }
        }
    }
    assert!(total < 1_500_000, "example media is {total} bytes");
}
