//! Calendar-wide rules end to end: the manifest shape (`manifest::*`, `yaml::*`), ids and
//! accounts (`calendar::*`), times (`time::*`), media files (`media::*`) in
//! `tests/fixtures/manifest`, and `postcal.yaml` problems (`config::*`), one calendar each.

use crate::util::validate_fixture;

#[test]
fn manifest_problems_are_reported_at_their_values() {
    let v = validate_fixture("manifest");
    assert_eq!(v.human.code, Some(1));
    crate::assert_rendered!("manifest", v);
    let posts = "tests/fixtures/manifest/posts";
    assert_eq!(
        v.locations("manifest::unknown-field"),
        [format!("{posts}/fields.yaml:11:1")]
    );
    assert_eq!(
        v.locations("time::dst-gap"),
        [format!("{posts}/times.yaml:14:5")]
    );
    // Media problems sit on each entry of the list, in order.
    let media: Vec<(String, String)> = v
        .diagnostics()
        .into_iter()
        .filter(|d| d.0.starts_with("media::"))
        .map(|d| (d.0, d.2))
        .collect();
    let expected = [
        ("media::not-found", 6),
        ("media::path-escapes-root", 7),
        ("media::not-a-file", 8),
        ("media::unreadable", 9),
        ("media::unrecognized", 10),
        ("media::extension-mismatch", 11),
        ("media::no-video-track", 12),
    ]
    .map(|(code, line)| (code.to_owned(), format!("{posts}/media.yaml:{line}:5")));
    assert_eq!(media, expected);
}

#[test]
fn settings_problems_are_reported_per_calendar() {
    let cases: [(&str, &[&str]); 5] = [
        (
            "config-invalid",
            &[
                "config::invalid-duration",
                "config::invalid-public-url",
                "config::invalid-timezone",
                "config::path-escapes-root",
                "manifest::invalid-value",
                "manifest::unknown-platform",
                "manifest::wrong-type",
            ],
        ),
        (
            "config-insecure",
            &[
                "calendar::no-posts-dir",
                "config::insecure-public-url",
                "config::placeholder-account-id",
                "config::several-documents",
            ],
        ),
        ("config-empty", &["config::empty"]),
        (
            "config-no-accounts",
            &["calendar::unknown-account", "config::no-accounts"],
        ),
        ("no-config", &["calendar::no-config"]),
    ];
    for (case, codes) in cases {
        let v = validate_fixture(case);
        assert_eq!(v.human.code, Some(1), "{case}");
        assert_eq!(v.codes(), codes, "{case}");
        crate::assert_rendered!(case.replace('-', "_"), v);
    }
}
