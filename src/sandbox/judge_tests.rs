//! Table-driven cases for [`super::Want::judge`]: one row per limit, each naming the verdict.

use super::*;
use crate::media::{AudioInfo, ImageInfo, MediaDetails};

fn image(format: MediaFormat, w: u32, h: u32, size: u64) -> Fetched {
    let info = MediaInfo {
        format,
        size_bytes: size,
        details: MediaDetails::Image(ImageInfo {
            width: w,
            height: h,
            orientation: 1,
        }),
    };
    Fetched {
        url: None,
        size,
        sha256: String::new(),
        info: Ok(info),
    }
}

struct V {
    format: MediaFormat,
    codec: VideoCodec,
    w: u32,
    h: u32,
    ms: u64,
    fps: f64,
    size: u64,
    moov_first: bool,
    /// postcal remuxes edit lists away before upload; the sandbox refuses them as Meta does.
    edit_list: bool,
    audio_channels: u16,
}

const OK_VIDEO: V = V {
    format: MediaFormat::Mp4,
    codec: VideoCodec::H264,
    w: 1080,
    h: 1920,
    ms: 10_000,
    fps: 30.0,
    size: 5 * MIB,
    moov_first: true,
    edit_list: false,
    audio_channels: 2,
};

fn video(v: V) -> Fetched {
    let info = MediaInfo {
        format: v.format,
        size_bytes: v.size,
        details: MediaDetails::Video(VideoInfo {
            codec: Some(v.codec),
            width: v.w,
            rotation: 0,
            height: v.h,
            duration_ms: v.ms,
            frame_rate: Some(v.fps),
            audio: Some(AudioInfo {
                codec: AudioCodec::Aac,
                sample_rate: 44_100,
                channels: v.audio_channels,
            }),
            moov_before_mdat: v.moov_first,
            has_edit_list: v.edit_list,
        }),
    };
    Fetched {
        url: None,
        size: v.size,
        sha256: String::new(),
        info: Ok(info),
    }
}

/// `None` = accepted; `Some(x)` = the subcode (Graph), error_message (Threads) or fail_reason.
fn verdict(want: Want, file: &Fetched) -> Option<String> {
    want.judge(file).err().map(|r| match r {
        Rejection::Graph { code, subcode, .. } => format!("{code}/{subcode}"),
        Rejection::Threads { error_message } => error_message,
        Rejection::TikTok { fail_reason } => fail_reason,
    })
}

#[test]
fn instagram_images() {
    let cases: &[(&str, Want, Fetched, Option<&str>)] = &[
        (
            "square jpeg",
            Want::IgFeedImage,
            image(MediaFormat::Jpeg, 1080, 1080, MIB),
            None,
        ),
        (
            "4:5 exactly",
            Want::IgFeedImage,
            image(MediaFormat::Jpeg, 1080, 1350, MIB),
            None,
        ),
        (
            "1.91:1 exactly",
            Want::IgFeedImage,
            image(MediaFormat::Jpeg, 1910, 1000, MIB),
            None,
        ),
        (
            "too tall",
            Want::IgFeedImage,
            image(MediaFormat::Jpeg, 1080, 1351, MIB),
            Some("36003/2207009"),
        ),
        (
            "too wide",
            Want::IgFeedImage,
            image(MediaFormat::Jpeg, 1920, 1000, MIB),
            Some("36003/2207009"),
        ),
        (
            "png",
            Want::IgFeedImage,
            image(MediaFormat::Png, 1080, 1080, MIB),
            Some("36001/2207005"),
        ),
        (
            "mpo",
            Want::IgFeedImage,
            image(MediaFormat::Mpo, 1080, 1080, MIB),
            Some("36001/2207005"),
        ),
        (
            "8 MiB ok",
            Want::IgFeedImage,
            image(MediaFormat::Jpeg, 1080, 1080, 8 * MIB),
            None,
        ),
        (
            "over 8 MiB",
            Want::IgFeedImage,
            image(MediaFormat::Jpeg, 1080, 1080, 8 * MIB + 1),
            Some("36000/2207004"),
        ),
        (
            "story 9:16",
            Want::IgStoryImage,
            image(MediaFormat::Jpeg, 1080, 1920, MIB),
            None,
        ),
        (
            "video as image",
            Want::IgFeedImage,
            video(OK_VIDEO),
            Some("36001/2207005"),
        ),
    ];
    for (name, want, file, expected) in cases {
        assert_eq!(verdict(*want, file).as_deref(), *expected, "{name}");
    }
}

#[test]
fn instagram_videos() {
    let reel = Want::IgReel {
        thumb_offset_ms: None,
    };
    let cases: Vec<(&str, Want, Fetched, Option<&str>)> = vec![
        ("reel ok", reel, video(OK_VIDEO), None),
        (
            "reel 2s",
            reel,
            video(V {
                ms: 2_000,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "reel 15 min",
            reel,
            video(V {
                ms: 900_000,
                ..OK_VIDEO
            }),
            None,
        ),
        (
            "reel 20 fps",
            reel,
            video(V {
                fps: 20.0,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "reel 2160 wide",
            reel,
            video(V {
                w: 2160,
                h: 3840,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "reel moov last",
            reel,
            video(V {
                moov_first: false,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "reel with an edit list",
            reel,
            video(V {
                edit_list: true,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "reel vp9",
            reel,
            video(V {
                codec: VideoCodec::Vp9,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "reel webm",
            reel,
            video(V {
                format: MediaFormat::Webm,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "reel 6 channels",
            reel,
            video(V {
                audio_channels: 6,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "thumb in range",
            Want::IgReel {
                thumb_offset_ms: Some(9_999),
            },
            video(OK_VIDEO),
            None,
        ),
        (
            "thumb = duration",
            Want::IgReel {
                thumb_offset_ms: Some(10_000),
            },
            video(OK_VIDEO),
            Some("1/2207057"),
        ),
        (
            "thumb negative",
            Want::IgReel {
                thumb_offset_ms: Some(-1),
            },
            video(OK_VIDEO),
            Some("1/2207057"),
        ),
        (
            "story 60s",
            Want::IgStoryVideo,
            video(V {
                ms: 60_000,
                ..OK_VIDEO
            }),
            None,
        ),
        (
            "story 61s",
            Want::IgStoryVideo,
            video(V {
                ms: 61_000,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "story 101 MiB",
            Want::IgStoryVideo,
            video(V {
                size: 101 * MIB,
                ..OK_VIDEO
            }),
            Some("352/2207026"),
        ),
        (
            "carousel 16:9",
            Want::IgCarouselVideo,
            video(V {
                w: 1920,
                h: 1080,
                ..OK_VIDEO
            }),
            None,
        ),
        (
            "carousel 9:16",
            Want::IgCarouselVideo,
            video(OK_VIDEO),
            Some("352/2207026"),
        ),
        (
            "image as reel",
            reel,
            image(MediaFormat::Jpeg, 1080, 1920, MIB),
            Some("352/2207026"),
        ),
    ];
    for (name, want, file, expected) in &cases {
        assert_eq!(verdict(*want, file).as_deref(), *expected, "{name}");
    }
}

#[test]
fn threads_media() {
    let cases: Vec<(&str, Want, Fetched, Option<&str>)> = vec![
        (
            "png ok",
            Want::ThreadsImage,
            image(MediaFormat::Png, 1000, 1000, MIB),
            None,
        ),
        (
            "webp",
            Want::ThreadsImage,
            image(MediaFormat::Webp, 1000, 1000, MIB),
            Some("UNKNOWN"),
        ),
        (
            "11:1",
            Want::ThreadsImage,
            image(MediaFormat::Jpeg, 1100, 100, MIB),
            Some("INVALID_ASPEC_RATIO"),
        ),
        ("video ok", Want::ThreadsVideo, video(OK_VIDEO), None),
        (
            "301 s",
            Want::ThreadsVideo,
            video(V {
                ms: 301_000,
                ..OK_VIDEO
            }),
            Some("INVALID_DURATION"),
        ),
        (
            "61 fps",
            Want::ThreadsVideo,
            video(V {
                fps: 61.0,
                ..OK_VIDEO
            }),
            Some("INVALID_FRAME_RATE"),
        ),
        (
            "moov last",
            Want::ThreadsVideo,
            video(V {
                moov_first: false,
                ..OK_VIDEO
            }),
            Some("FAILED_PROCESSING_VIDEO"),
        ),
        (
            "edit list",
            Want::ThreadsVideo,
            video(V {
                edit_list: true,
                ..OK_VIDEO
            }),
            Some("FAILED_PROCESSING_VIDEO"),
        ),
        (
            "6 channels",
            Want::ThreadsVideo,
            video(V {
                audio_channels: 6,
                ..OK_VIDEO
            }),
            Some("INVALID_AUDIO_CHANNELS"),
        ),
    ];
    for (name, want, file, expected) in &cases {
        assert_eq!(verdict(*want, file).as_deref(), *expected, "{name}");
    }
}

#[test]
fn tiktok_media() {
    let v = Want::TikTokVideo {
        max_duration_sec: 60,
    };
    let cases: Vec<(&str, Want, Fetched, Option<&str>)> = vec![
        ("video ok", v, video(OK_VIDEO), None),
        (
            "webm vp9 ok",
            v,
            video(V {
                format: MediaFormat::Webm,
                codec: VideoCodec::Vp9,
                ..OK_VIDEO
            }),
            None,
        ),
        (
            "av1",
            v,
            video(V {
                codec: VideoCodec::Av1,
                ..OK_VIDEO
            }),
            Some("file_format_check_failed"),
        ),
        (
            "over creator cap",
            v,
            video(V {
                ms: 61_000,
                ..OK_VIDEO
            }),
            Some("duration_check_failed"),
        ),
        (
            "15 fps",
            v,
            video(V {
                fps: 15.0,
                ..OK_VIDEO
            }),
            Some("frame_rate_check_failed"),
        ),
        (
            "300 px",
            v,
            video(V {
                w: 300,
                h: 534,
                ..OK_VIDEO
            }),
            Some("picture_size_check_failed"),
        ),
        (
            "photo jpeg",
            Want::TikTokPhoto,
            image(MediaFormat::Jpeg, 1080, 1920, MIB),
            None,
        ),
        (
            "photo webp",
            Want::TikTokPhoto,
            image(MediaFormat::Webp, 1080, 1080, MIB),
            None,
        ),
        (
            "photo png",
            Want::TikTokPhoto,
            image(MediaFormat::Png, 1080, 1080, MIB),
            Some("file_format_check_failed"),
        ),
        (
            "photo 4k",
            Want::TikTokPhoto,
            image(MediaFormat::Jpeg, 3840, 2160, MIB),
            Some("picture_size_check_failed"),
        ),
        (
            "photo 21 MiB",
            Want::TikTokPhoto,
            image(MediaFormat::Jpeg, 1080, 1080, 21 * MIB),
            Some("file_format_check_failed"),
        ),
    ];
    for (name, want, file, expected) in &cases {
        assert_eq!(verdict(*want, file).as_deref(), *expected, "{name}");
    }
}

#[test]
fn facebook_media_and_unrecognised_bytes() {
    assert_eq!(
        verdict(Want::FbPhoto, &image(MediaFormat::Png, 800, 800, MIB)),
        None
    );
    assert_eq!(
        verdict(Want::FbPhoto, &image(MediaFormat::Jpeg, 800, 800, 4 * MIB)).as_deref(),
        Some("100/0")
    );
    let junk = Fetched {
        url: None,
        size: 3,
        sha256: String::new(),
        info: Err("unrecognised".into()),
    };
    assert_eq!(
        verdict(Want::IgFeedImage, &junk).as_deref(),
        Some("36001/2207005")
    );
    assert_eq!(
        verdict(Want::TikTokPhoto, &junk).as_deref(),
        Some("file_format_check_failed")
    );
}

#[test]
fn failed_downloads_map_to_each_platforms_error() {
    let cases = [
        (Want::IgFeedImage, FetchError::Unreachable, "9004/2207052"),
        (
            Want::IgReel {
                thumb_offset_ms: None,
            },
            FetchError::Status(404),
            "9004/2207052",
        ),
        (Want::IgFeedImage, FetchError::TimedOut, "-2/2207003"),
        (Want::IgFeedImage, FetchError::TooLarge, "36000/2207004"),
        (
            Want::ThreadsVideo,
            FetchError::Unreachable,
            "FAILED_DOWNLOADING_VIDEO",
        ),
        (
            Want::TikTokVideo {
                max_duration_sec: 60,
            },
            FetchError::Redirect(302),
            "video_pull_failed",
        ),
        (
            Want::TikTokPhoto,
            FetchError::Unreachable,
            "photo_pull_failed",
        ),
        (Want::FbVideo, FetchError::Unreachable, "389/0"),
    ];
    for (want, err, expected) in cases {
        let got = match want.download_failed(&err) {
            Rejection::Graph { code, subcode, .. } => format!("{code}/{subcode}"),
            Rejection::Threads { error_message } => error_message,
            Rejection::TikTok { fail_reason } => fail_reason,
        };
        assert_eq!(got, expected, "{want:?} {err:?}");
    }
}
