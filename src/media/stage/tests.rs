//! The stager: what each platform needs agrees with the validator's tables, conversions give
//! sRGB JPEGs as displayed, videos are remuxed, and the store is content-addressed and safe.

use std::path::{Path, PathBuf};

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};
use sha2::{Digest, Sha256};

use super::*;
use crate::media::{probe_bytes, synth};
use crate::rules::{instagram, threads, tiktok};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/media")
        .join(name)
}

struct Setup {
    _dir: tempfile::TempDir,
    stager: Stager,
    calendar: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let calendar = dir.path().join("calendar");
    std::fs::create_dir_all(&calendar).expect("calendar dir");
    let stager = Stager::open(&dir.path().join("media")).expect("open");
    Setup {
        _dir: dir,
        stager,
        calendar,
    }
}

impl Setup {
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.calendar.join(name);
        std::fs::write(&path, bytes).expect("write source");
        path
    }

    fn stage(&self, name: &str, bytes: &[u8], platform: Platform) -> StagedMedia {
        let path = self.file(name, bytes);
        self.stager
            .stage(&path, &need_for(platform))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

fn decode(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

fn close(got: [u8; 3], want: [u8; 3], tolerance: u8) -> bool {
    got.iter()
        .zip(want)
        .all(|(g, w)| g.abs_diff(w) <= tolerance)
}

fn png_with(
    width: u32,
    height: u32,
    rgba: [u8; 4],
    icc: Option<Vec<u8>>,
    exif: Option<Vec<u8>>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    if let Some(icc) = icc {
        encoder.set_icc_profile(icc).expect("icc");
    }
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).expect("exif");
    }
    let pixels = rgba.repeat((width * height) as usize);
    encoder
        .write_image(&pixels, width, height, ExtendedColorType::Rgba8)
        .expect("png");
    out
}

#[test]
fn each_platform_needs_what_its_rules_say() {
    use ImageNeed::*;
    use VideoNeed::{AsIs as Video, FastStart};
    let cases = [
        (Platform::Instagram, Jpeg, FastStart),
        (Platform::Threads, JpegOrPng, FastStart),
        (Platform::Tiktok, JpegOrWebp, Video),
        (Platform::Facebook, AsIs, Video),
    ];
    for (platform, image, video) in cases {
        assert_eq!(need_for(platform), Need { image, video }, "{platform}");
    }
}

/// The validator's tables and the stager cannot disagree: every format a table accepts is
/// staged as it is, every format it says postcal converts comes out in an accepted format, and
/// every video table that wants fast start or no edit list gets a stager that fixes both.
#[test]
fn stager_and_validator_agree() {
    let image_tables = [
        (Platform::Instagram, &instagram::LIMITS.feed_image),
        (Platform::Instagram, &instagram::LIMITS.story_image),
        (Platform::Instagram, &instagram::LIMITS.cover),
        (Platform::Threads, &threads::LIMITS.image),
        (Platform::Tiktok, &tiktok::LIMITS.photo),
    ];
    let s = setup();
    for (platform, table) in image_tables {
        let need = need_for(platform).image;
        for &format in table.formats.value {
            assert!(
                need.accepts(format),
                "{}: {format:?} taken as it is",
                table.what
            );
        }
        for &format in table.converted.map_or(&[][..], |c| c.value) {
            assert!(!need.accepts(format), "{}: {format:?}", table.what);
            let bytes = match format {
                MediaFormat::Png => synth::png(20, 10),
                MediaFormat::Webp => synth::webp(20, 10),
                other => panic!("{}: postcal cannot convert {other:?}", table.what),
            };
            let staged = s.stage(&format!("{format:?}.img"), &bytes, platform);
            assert!(
                table.formats.value.contains(&staged.format),
                "{}",
                table.what
            );
            assert_eq!(staged.conversion, Some(Conversion::ToJpeg { from: format }));
        }
    }
    let video_tables = [
        (Platform::Instagram, &instagram::LIMITS.reel),
        (Platform::Instagram, &instagram::LIMITS.story_video),
        (Platform::Instagram, &instagram::LIMITS.carousel_video),
        (Platform::Threads, &threads::LIMITS.video),
        (Platform::Tiktok, &tiktok::LIMITS.video),
    ];
    for (platform, table) in video_tables {
        let fixes = table.fast_start.is_some() || table.no_edit_list.is_some();
        assert_eq!(
            need_for(platform).video == VideoNeed::FastStart,
            fixes,
            "{}",
            table.what
        );
    }
}

#[test]
fn a_png_becomes_a_jpeg_once() {
    let s = setup();
    let source = synth::png(33, 17);
    let staged = s.stage("photo.png", &source, Platform::Instagram);
    assert_eq!(staged.format, MediaFormat::Jpeg);
    assert_eq!(
        staged.source_sha256,
        format!("{:x}", Sha256::digest(&source))
    );
    let bytes = std::fs::read(&staged.path).expect("staged file");
    assert_eq!(staged.sha256, format!("{:x}", Sha256::digest(&bytes)));
    assert_eq!(staged.size, bytes.len() as u64);
    assert!(staged.path.starts_with(s.stager.dir()));
    let picture = decode(&staged.path);
    assert_eq!(picture.dimensions(), (33, 17));
    assert!(close(picture.get_pixel(5, 5).0, synth::COLOUR, 3));
    assert_eq!(s.stager.get(&staged.sha256), Some(staged.clone()));

    // Again: found in the index, not redone (the staged file is not rewritten).
    let written = std::fs::metadata(&staged.path)
        .and_then(|m| m.modified())
        .ok();
    let again = s.stage("photo.png", &source, Platform::Instagram);
    assert_eq!(again, staged);
    assert_eq!(
        std::fs::metadata(&staged.path)
            .and_then(|m| m.modified())
            .ok(),
        written
    );
    // Threads takes the PNG as it is: a copy, named by the same hash as its source.
    let copy = s.stage("photo.png", &source, Platform::Threads);
    assert_eq!((copy.format, copy.conversion), (MediaFormat::Png, None));
    assert_eq!(copy.sha256, copy.source_sha256);
}

#[test]
fn transparency_is_flattened_onto_white() {
    let s = setup();
    let staged = s.stage(
        "clear.png",
        &png_with(8, 8, [255, 0, 0, 0], None, None),
        Platform::Instagram,
    );
    assert!(close(
        decode(&staged.path).get_pixel(4, 4).0,
        [255, 255, 255],
        2
    ));
    let half = s.stage(
        "half.png",
        &png_with(8, 8, [0, 0, 0, 128], None, None),
        Platform::Instagram,
    );
    assert!(close(
        decode(&half.path).get_pixel(4, 4).0,
        [127, 127, 127],
        3
    ));
}

#[test]
fn exif_orientation_is_applied_to_the_pixels() {
    // Big-endian TIFF, one IFD entry: Orientation (0x0112) = 6, "turn 90° clockwise".
    let exif = [
        &b"MM\0\x2a\0\0\0\x08\0\x01"[..],
        &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0],
        &[0, 0, 0, 0],
    ]
    .concat();
    let s = setup();
    let source = png_with(40, 20, [40, 90, 160, 255], None, Some(exif));
    let staged = s.stage("turned.png", &source, Platform::Instagram);
    assert_eq!(decode(&staged.path).dimensions(), (20, 40));
    let info = probe_bytes(&std::fs::read(&staged.path).expect("read")).expect("probe");
    assert_eq!(
        info.image().map(|i| i.orientation),
        Some(1),
        "no EXIF left to turn it again"
    );
}

#[test]
fn a_display_p3_png_is_converted_to_srgb() {
    let p3 = moxcms::ColorProfile::new_display_p3()
        .encode()
        .expect("P3 profile");
    let colour = [40, 90, 160];
    let want = {
        let t = moxcms::ColorProfile::new_display_p3()
            .create_transform_8bit(
                moxcms::Layout::Rgb,
                &moxcms::ColorProfile::new_srgb(),
                moxcms::Layout::Rgb,
                moxcms::TransformOptions::default(),
            )
            .expect("transform");
        let mut out = [0u8; 3];
        t.transform(&colour, &mut out).expect("transform");
        out
    };
    assert!(
        !close(want, colour, 6),
        "P3 and sRGB differ for this colour: {want:?}"
    );
    let s = setup();
    let source = png_with(
        16,
        16,
        [colour[0], colour[1], colour[2], 255],
        Some(p3),
        None,
    );
    let staged = s.stage("p3.png", &source, Platform::Instagram);
    let got = decode(&staged.path).get_pixel(8, 8).0;
    assert!(close(got, want, 3), "{got:?} is not sRGB {want:?}");
    // An sRGB profile changes nothing.
    let srgb = moxcms::ColorProfile::new_srgb()
        .encode()
        .expect("sRGB profile");
    let plain = s.stage(
        "srgb.png",
        &png_with(16, 16, [40, 90, 160, 255], Some(srgb), None),
        Platform::Instagram,
    );
    assert!(close(decode(&plain.path).get_pixel(8, 8).0, colour, 3));
}

/// ImageMagick fixtures (see tests/fixtures/media/README.md): rgb(40,90,160) as Adobe YCCK,
/// with and without a CMYK profile. Platforms need RGB; postcal converts both to sRGB. Through
/// Ghostscript's coarse `ps_cmyk.icc` the colour comes back as ImageMagick itself reads it
/// back with that profile: rgb(82,92,161).
#[test]
fn cmyk_jpegs_become_srgb_jpegs() {
    let s = setup();
    for (name, want) in [
        ("cmyk-profile.jpg", [82, 92, 161]),
        ("cmyk.jpg", [40, 90, 160]),
    ] {
        let source = std::fs::read(fixture(name)).expect("fixture");
        for platform in [Platform::Instagram, Platform::Threads, Platform::Tiktok] {
            let staged = s.stage(name, &source, platform);
            assert_eq!(
                staged.conversion,
                Some(Conversion::ToJpeg {
                    from: MediaFormat::Jpeg
                })
            );
            let staged_bytes = std::fs::read(&staged.path).expect("read");
            assert!(!convert::is_cmyk_jpeg(&staged_bytes), "{name}");
            let got = decode(&staged.path).get_pixel(4, 4).0;
            assert!(close(got, want, 8), "{name}: {got:?}");
        }
        let facebook = s.stage(name, &source, Platform::Facebook);
        assert_eq!(facebook.conversion, None, "Facebook takes CMYK as it is");
    }
    // An RGB JPEG is never re-encoded.
    let jpeg = s.stage("plain.jpg", &synth::jpeg(64, 48), Platform::Instagram);
    assert_eq!(jpeg.conversion, None);
}

#[test]
fn reels_are_remuxed_for_meta_and_left_alone_for_tiktok() {
    let s = setup();
    let source = std::fs::read(fixture("reel-edit-list-moov-last.mp4")).expect("fixture");
    let staged = s.stage("reel.mp4", &source, Platform::Instagram);
    assert_eq!(
        staged.conversion,
        Some(Conversion::Remux {
            dropped_edit_lists: true,
            moved_moov: true
        })
    );
    let info = probe_bytes(&std::fs::read(&staged.path).expect("read")).expect("probe");
    let video = info.video().expect("video");
    assert!(video.moov_before_mdat && !video.has_edit_list);
    assert_eq!(
        s.stage("reel.mp4", &source, Platform::Threads),
        staged,
        "same need, same file"
    );
    let tiktok = s.stage("reel.mp4", &source, Platform::Tiktok);
    assert_eq!(
        (tiktok.conversion, &tiktok.sha256),
        (None, &tiktok.source_sha256)
    );
    // Already fast start without edit lists: a plain copy.
    let ready = std::fs::read(fixture("h264-aac-faststart.mp4")).expect("fixture");
    assert_eq!(
        s.stage("ready.mp4", &ready, Platform::Instagram).conversion,
        None
    );
}

#[test]
fn what_cannot_be_converted_is_refused_with_advice() {
    let s = setup();
    let gif = s.file("anim.gif", &synth::gif(40, 20));
    let err = s
        .stager
        .stage(&gif, &need_for(Platform::Instagram))
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("export it as JPEG"), "{err}");
    assert!(s.stager.stage(&gif, &need_for(Platform::Facebook)).is_ok());
    let text = s.file("notes.txt", b"not media");
    let err = s
        .stager
        .stage(&text, &need_for(Platform::Facebook))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, StageError::Probe { .. }), "{err}");
    let err = s
        .stager
        .stage(&s.calendar, &need_for(Platform::Facebook))
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("calendar"), "{err}");
}

#[test]
fn get_finds_only_complete_staged_files_by_hash() {
    let s = setup();
    let staged = s.stage("photo.jpg", &synth::jpeg(10, 10), Platform::Facebook);
    for bad in [
        "",
        "../etc/passwd",
        &staged.sha256.to_uppercase(),
        &staged.sha256[1..],
        &"0".repeat(64),
    ] {
        assert_eq!(s.stager.get(bad), None, "{bad}");
    }
    // A symlink in place of the staged file is not served.
    std::fs::remove_file(&staged.path).expect("remove");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/hostname", &staged.path).expect("symlink");
        assert_eq!(s.stager.get(&staged.sha256), None);
        assert!(s.stager.open_staged(&staged).is_err());
    }
}

#[test]
fn a_crash_leaves_only_temp_files_and_open_removes_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let media = dir.path().join("media");
    let first = Stager::open(&media).expect("open");
    let left = first.dir().join("tmp").join("0123.part");
    std::fs::write(&left, b"half a file").expect("write");
    drop(first);
    let second = Stager::open(&media).expect("reopen");
    assert!(!left.exists());
    assert_eq!(
        std::fs::read_dir(second.dir().join("tmp"))
            .expect("tmp")
            .count(),
        0
    );
}
