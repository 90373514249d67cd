//! Instagram rules end to end: `tests/fixtures/instagram` holds one post per rule (file named
//! after it), each failing that rule once.

use crate::util::validate_fixture;

#[test]
fn instagram_rules_report_each_problem_at_its_value() {
    let v = validate_fixture("instagram");
    assert_eq!(v.human.code, Some(1), "errors make validate exit 1");
    crate::assert_rendered!("instagram", v);
    // Labels sit on the value at fault: the caption, the media entry, the option.
    let at = |code: &str| v.locations(code);
    let posts = "tests/fixtures/instagram/posts";
    assert_eq!(
        at("instagram::caption-too-long"),
        [format!("{posts}/caption-too-long.yaml:5:3")]
    );
    assert_eq!(
        at("instagram::image-aspect"),
        [
            format!("{posts}/image-aspect.yaml:5:9"),
            format!("{posts}/image-aspect.yaml:5:25")
        ],
        "both images of the carousel, the EXIF-rotated one included"
    );
    assert_eq!(
        at("instagram::thumb-offset-out-of-range"),
        [format!("{posts}/thumb-offset.yaml:6:35")]
    );
    assert_eq!(
        at("instagram::invalid-username"),
        [format!("{posts}/collaborators.yaml:7:27")]
    );
    let warnings: Vec<String> = v
        .diagnostics()
        .into_iter()
        .filter(|d| d.1 == "warning")
        .map(|d| d.0)
        .collect();
    assert_eq!(
        warnings,
        [
            "instagram::alt-ignored",
            "instagram::carousel-video-spec",
            "instagram::thumb-offset-ignored",
            "instagram::schedule-over-daily-limit",
            "instagram::image-converted",
            "instagram::share-to-feed-ignored",
            "instagram::story-caption-ignored",
            "instagram::alt-ignored",
            "instagram::video-edit-list",
            "instagram::video-not-fast-start",
        ],
        "conversions (PNG to JPEG, remuxes), ignored fields and unverified limits are warnings"
    );
}
