//! Threads rules end to end: `tests/fixtures/threads`, one post per rule; `videos.yaml` is a
//! carousel of eight videos, each refused for another reason.

use crate::util::validate_fixture;

#[test]
fn threads_rules_report_each_problem_at_its_value() {
    let v = validate_fixture("threads");
    assert_eq!(v.human.code, Some(1));
    crate::assert_rendered!("threads", v);
    let videos = v
        .diagnostics()
        .into_iter()
        .filter(|d| d.2.contains("videos.yaml"))
        .count();
    assert_eq!(videos, 8, "one problem per video of the carousel");
    // 130 emoji are 130 characters but a Threads length of 520.
    let report = v.report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let text = report
        .iter()
        .find(|d| d["code"] == "threads::text-too-long")
        .and_then(|d| d["message"].as_str().map(str::to_owned))
        .unwrap_or_default();
    assert!(text.contains("length of 520"), "{text}");
}
