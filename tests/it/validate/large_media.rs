//! Size limits, with large files made at test time: a valid header followed by a sparse tail
//! (`set_len`), so a 4 GiB video costs no disk and no time; the probe reads headers only.
//! `tests/fixtures/large-media` holds the manifests; this test adds their media.

use postcal::media::synth::{self, VideoSpec};

use crate::util::{copy_tree, repo_root, validate_in, write_sparse};

const MIB: u64 = 1024 * 1024;

#[test]
fn size_limits_use_the_real_file_size() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cal = tmp.path().join("large-media");
    copy_tree(&repo_root().join("tests/fixtures/large-media"), &cal);
    let media = cal.join("media");
    std::fs::create_dir_all(&media).expect("media dir");
    let jpeg = synth::jpeg(400, 500);
    let reel = synth::mp4(&VideoSpec::default());
    write_sparse(&media.join("big.jpg"), &jpeg, 21 * MIB); // over 8, 10 and 20 MiB
    write_sparse(&media.join("medium.jpg"), &jpeg, 5 * MIB); // over Facebook's 4 MB
    write_sparse(&media.join("story.mp4"), &reel, 150 * MIB); // over 100 MiB
    write_sparse(&media.join("huge.mp4"), &reel, 4 * 1024 * MIB + MIB); // over 4 GiB

    let v = validate_in(tmp.path(), "large-media");
    assert_eq!(v.human.code, Some(1));
    crate::assert_rendered!("large_media", v);
    assert_eq!(
        v.codes(),
        [
            "facebook::photo-too-large",
            "instagram::cover-too-large",
            "instagram::image-too-large",
            "instagram::video-too-large",
            "threads::image-too-large",
            "threads::video-too-large",
            "tiktok::photo-too-large",
            "tiktok::video-too-large",
        ]
    );
    // Facebook: the unverified 4 MB is a warning, the 10 MB an error.
    let facebook: Vec<String> = v
        .diagnostics()
        .into_iter()
        .filter(|d| d.0 == "facebook::photo-too-large")
        .map(|d| d.1)
        .collect();
    assert_eq!(facebook, ["warning", "error"]);
}
