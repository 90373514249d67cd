//! One manifest with many problems: every one is reported in the same run, each at its place.

use crate::util::validate_fixture;

#[test]
fn a_manifest_with_many_problems_reports_all_of_them_in_one_run() {
    let v = validate_fixture("many-problems");
    assert_eq!(v.human.code, Some(1));
    crate::assert_rendered!("many_problems", v);
    let file = "tests/fixtures/many-problems/posts/spring-launch.yaml";
    let found: Vec<(String, String)> = v
        .diagnostics()
        .into_iter()
        .map(|d| (d.0, d.2.replace(file, "")))
        .collect();
    let expected = [
        ("calendar::invalid-id", ":2:5"),
        ("time::dst-gap", ":3:5"),
        ("time::invalid-cron", ":4:9"),
        ("manifest::unknown-field", ":5:1"),
        ("instagram::too-many-hashtags", ":7:3"),
        ("facebook::mixed-media", ":12:3"),
        ("instagram::media-count", ":12:3"),
        ("tiktok::mixed-media", ":12:3"),
        ("instagram::image-aspect", ":12:11"),
        ("instagram::media-kind", ":14:5"),
        ("media::not-found", ":15:5"),
        ("instagram::too-many-collaborators", ":19:21"),
        ("tiktok::privacy-missing", ":20:3"),
        ("threads::invalid-topic-tag", ":21:30"),
        ("calendar::unknown-account", ":22:3"),
    ]
    .map(|(code, at)| (code.to_owned(), at.to_owned()));
    assert_eq!(found, expected);
}
