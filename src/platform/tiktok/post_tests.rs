//! What a post is, what the creator allows, and the init built from both.

use serde_json::json;

use super::api::{CreatorInfo, PhotoSource, VideoSource};
use super::post::*;
use super::upload::ChunkPlan;
use crate::media::MediaFormat;
use crate::platform::TargetKey;
use crate::platform::media::StagedRef;
use crate::reconcile::FailureClass;

fn staged(name: &str, format: MediaFormat, size: u64) -> StagedRef {
    StagedRef {
        url: format!("https://media.example.com/s/{name}"),
        format,
        size,
        sha256: String::new(),
        path: format!("/staged/{name}").into(),
        alt: None,
    }
}

fn video(size: u64) -> StagedRef {
    staged("v.mp4", MediaFormat::Mp4, size)
}

fn jpeg(name: &str) -> StagedRef {
    staged(name, MediaFormat::Jpeg, 200_000)
}

fn creator() -> CreatorInfo {
    CreatorInfo {
        creator_username: "acme".into(),
        creator_nickname: "Acme".into(),
        privacy_level_options: vec![
            "PUBLIC_TO_EVERYONE".into(),
            "MUTUAL_FOLLOW_FRIENDS".into(),
            "SELF_ONLY".into(),
        ],
        comment_disabled: false,
        duet_disabled: false,
        stitch_disabled: false,
        max_video_post_duration_sec: Some(60),
    }
}

fn options(v: serde_json::Value) -> Options {
    Options::read(v).unwrap()
}

fn target() -> TargetKey {
    "tiktok/acme".parse().unwrap()
}

#[test]
fn media_make_a_video_or_a_photo_post() {
    let never = |_: &str| false;
    let video_post = Media::of(vec![video(3_000_000)], never).unwrap();
    let Media::Video { transfer, .. } = &video_post else {
        panic!()
    };
    assert_eq!(
        *transfer,
        Transfer::Upload(ChunkPlan::for_size(3_000_000).unwrap())
    );
    let pulled = Media::of(vec![video(5_100_000)], |_| true).unwrap();
    assert!(matches!(
        pulled,
        Media::Video {
            transfer: Transfer::Pull,
            ..
        }
    ));
    let photos = Media::of(
        vec![jpeg("a.jpg"), staged("b.webp", MediaFormat::Webp, 9)],
        never,
    );
    assert!(photos.unwrap().is_photo());
    let refused: &[(Vec<StagedRef>, &str)] = &[
        (vec![], "no media"),
        (vec![video(3_000_000), jpeg("a.jpg")], "exactly one video"),
        (
            vec![video(3_000_000), video(3_000_000)],
            "exactly one video",
        ),
        (
            vec![staged("p.png", MediaFormat::Png, 9)],
            "JPEG or WebP photos only; p.png is PNG",
        ),
        (
            (0..36).map(|i| jpeg(&format!("{i}.jpg"))).collect(),
            "at most 35 photos",
        ),
    ];
    for (media, says) in refused {
        let f = Media::of(media.clone(), never).unwrap_err();
        assert_eq!(f.class, FailureClass::Permanent, "{says}");
        assert!(f.message.contains(says), "{says}: {}", f.message);
        assert!(!f.message.contains("https://"), "no URLs: {}", f.message);
    }
}

#[test]
fn lengths_are_counted_in_utf16_units() {
    let v = Media::of(vec![video(1_000)], |_| false).unwrap();
    let caption = "😀".repeat(1_100); // 2,200 UTF-16 units
    assert!(check_content(&Options::default(), Some(&caption), &v).is_ok());
    let longer = format!("{caption}x");
    let f = check_content(&Options::default(), Some(&longer), &v).unwrap_err();
    assert!(f.message.contains("2201 UTF-16 units"), "{}", f.message);
    let p = Media::of(vec![jpeg("a.jpg"), jpeg("b.jpg")], |_| false).unwrap();
    let title = options(json!({"title": "t".repeat(91)}));
    assert!(
        check_content(&title, None, &p)
            .unwrap_err()
            .message
            .contains("photo title")
    );
    let cover = options(json!({"photo_cover_index": 2}));
    assert!(
        check_content(&cover, None, &p)
            .unwrap_err()
            .message
            .contains("photo_cover_index is 2")
    );
    assert!(
        check_content(
            &options(json!({"photo_cover_index": 1})),
            Some(&"d".repeat(4_000)),
            &p
        )
        .is_ok()
    );
}

#[test]
fn the_creators_settings_decide_privacy_toggles_and_duration() {
    let mut v = Media::of(vec![video(1_000)], |_| false).unwrap();
    if let Media::Video { duration_ms, .. } = &mut v {
        *duration_ms = Some(61_000);
    }
    let f = check_creator(
        &options(json!({"privacy": "SELF_ONLY"})),
        &creator(),
        &v,
        &target(),
    )
    .unwrap_err();
    assert!(
        f.message
            .contains("61.0 s long; @acme may post videos of at most 60 s"),
        "{}",
        f.message
    );
    let short = Media::of(vec![video(1_000)], |_| false).unwrap();
    let private = CreatorInfo {
        privacy_level_options: vec!["FOLLOWER_OF_CREATOR".into(), "SELF_ONLY".into()],
        ..creator()
    };
    let f = check_creator(
        &options(json!({"privacy": "PUBLIC_TO_EVERYONE"})),
        &private,
        &short,
        &target(),
    )
    .unwrap_err();
    assert_eq!(f.class, FailureClass::Permanent);
    assert!(
        f.message.contains("allows FOLLOWER_OF_CREATOR, SELF_ONLY")
            && f.message.contains("tiktok/acme"),
        "{}",
        f.message
    );
    let branded = options(json!({"privacy": "SELF_ONLY", "brand_content": true}));
    assert!(check_creator(&branded, &creator(), &short, &target()).is_err());
    // Toggles: off unless allowed; the creator's "disabled" wins, with a note.
    let locked = CreatorInfo {
        duet_disabled: true,
        ..creator()
    };
    let all = options(json!({"privacy": "SELF_ONLY", "allow_comment": true, "allow_duet": true}));
    let a = check_creator(&all, &locked, &short, &target()).unwrap();
    assert_eq!(
        (a.disable_comment, a.disable_duet, a.disable_stitch),
        (false, true, true)
    );
    assert_eq!(a.notes.len(), 1, "{:?}", a.notes);
    assert!(
        a.notes[0].contains("@acme turned duets off"),
        "{:?}",
        a.notes
    );
}

#[test]
fn inits_carry_what_the_manifest_and_the_creator_allow() {
    let upload = Media::of(vec![video(21_000_000)], |_| false).unwrap();
    let opts = options(
        json!({"privacy": "PUBLIC_TO_EVERYONE", "cover_timestamp": 800, "ai_generated": true, "brand_organic": true}),
    );
    let allowed = check_creator(&opts, &creator(), &upload, &target()).unwrap();
    let Init::Video(v) = init(&opts, &allowed, Some("Caption #tag"), &upload) else {
        panic!()
    };
    assert_eq!(v.post_info.title.as_deref(), Some("Caption #tag"));
    assert_eq!(v.post_info.video_cover_timestamp_ms, Some(800));
    assert_eq!(
        (v.post_info.is_aigc, v.post_info.brand_organic_toggle),
        (Some(true), true)
    );
    assert_eq!(
        v.source_info,
        VideoSource::FileUpload {
            video_size: 21_000_000,
            chunk_size: 10_000_000,
            total_chunk_count: 2
        }
    );
    let photos = Media::of(vec![jpeg("a.jpg"), jpeg("b.jpg")], |_| false).unwrap();
    let opts = options(
        json!({"privacy": "SELF_ONLY", "title": "Title", "photo_cover_index": 1, "ai_generated": true, "auto_add_music": true}),
    );
    let allowed = check_creator(&opts, &creator(), &photos, &target()).unwrap();
    let Init::Photo(p) = init(&opts, &allowed, Some("Description"), &photos) else {
        panic!()
    };
    assert_eq!(
        (
            p.post_info.title.as_deref(),
            p.post_info.description.as_deref()
        ),
        (Some("Title"), Some("Description"))
    );
    assert_eq!(
        (p.post_info.disable_duet, p.post_info.is_aigc, p.is_aigc),
        (None, None, Some(true))
    );
    assert_eq!(
        p.source_info,
        PhotoSource {
            source: "PULL_FROM_URL",
            photo_cover_index: 1,
            photo_images: vec![
                "https://media.example.com/s/a.jpg".into(),
                "https://media.example.com/s/b.jpg".into()
            ],
        }
    );
    assert_eq!((p.post_mode, p.media_type), ("DIRECT_POST", "PHOTO"));
}
