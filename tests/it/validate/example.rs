//! The example calendar (`examples/calendar`) validates clean: it is what the README tells
//! people to run first, and it shows every kind of post.

use crate::util::{repo_root, validate_fixture_path};

#[test]
fn the_example_calendar_validates_clean() {
    let v = validate_fixture_path("examples/calendar");
    assert_eq!(v.human.code, Some(0), "{}", v.human.stdout);
    assert_eq!(
        v.report["summary"],
        serde_json::json!({ "files": 13, "posts": 13, "errors": 0, "warnings": 0 }),
        "{}",
        v.human.stdout
    );
}

#[test]
fn example_manifests_point_editors_at_the_schemas() {
    let dir = repo_root().join("examples/calendar");
    let config = std::fs::read_to_string(dir.join("postcal.yaml")).expect("postcal.yaml");
    assert!(
        config.starts_with("# yaml-language-server: $schema=../../schemas/config.schema.json\n")
    );
    let mut manifests = 0;
    for entry in std::fs::read_dir(dir.join("posts")).expect("posts") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("manifest");
        assert!(
            text.starts_with("# yaml-language-server: $schema=../../../schemas/post.schema.json\n"),
            "{}",
            path.display()
        );
        manifests += 1;
    }
    assert_eq!(manifests, 13);
}
