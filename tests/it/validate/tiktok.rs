//! TikTok rules end to end: `tests/fixtures/tiktok` holds one post per rule (file named after
//! it). Accounts: `tiktok/acme` public, `tiktok/hidden` private, `tiktok/short` capped at 5 s.

use crate::util::validate_fixture;

#[test]
fn tiktok_rules_report_each_problem_at_its_value() {
    let v = validate_fixture("tiktok");
    assert_eq!(v.human.code, Some(1));
    crate::assert_rendered!("tiktok", v);
    let posts = "tests/fixtures/tiktok/posts";
    // An unreadable privacy is reported once, as an invalid value, not also as missing.
    assert_eq!(
        v.locations("manifest::invalid-value"),
        [format!("{posts}/privacy-invalid.yaml:6:27")]
    );
    assert_eq!(
        v.locations("tiktok::privacy-missing"),
        [format!("{posts}/privacy-missing.yaml:6:3")]
    );
    assert_eq!(
        v.locations("tiktok::privacy-not-allowed"),
        [
            format!("{posts}/privacy-not-allowed-public.yaml:6:27"),
            format!("{posts}/privacy-not-allowed.yaml:6:29"),
        ]
    );
    // The account's own cap wins over the 180 s default.
    assert_eq!(v.locations("tiktok::video-too-long").len(), 2);
}
