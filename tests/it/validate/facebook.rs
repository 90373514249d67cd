//! Facebook rules end to end: `tests/fixtures/facebook`, one post per rule.

use crate::util::validate_fixture;

#[test]
fn facebook_rules_report_each_problem_at_its_value() {
    let v = validate_fixture("facebook");
    assert_eq!(v.human.code, Some(1));
    crate::assert_rendered!("facebook", v);
    assert_eq!(
        v.codes(),
        [
            "facebook::empty-post",
            "facebook::invalid-link",
            "facebook::link-with-media",
            "facebook::mixed-media",
            "facebook::text-too-long",
            "facebook::too-many-photos",
            "facebook::video-count",
        ]
    );
}
