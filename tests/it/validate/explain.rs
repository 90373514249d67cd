//! `postcal explain`: a code explained by the real binary, the list of every code, and a mistyped
//! code refused with a suggestion.

use postcal::diag::Code;

use crate::util::Postcal;

/// The binary prints what the registry says (every code's text is checked in-process by the
/// registry's unit tests; here a code with a snippet and one without).
#[test]
fn a_code_is_explained_with_its_description_and_an_example_fix() {
    for code in [Code::InstagramCaptionTooLong, Code::ThreadsTooManyLinks] {
        let out = Postcal::new().args(["explain", code.as_str()]).run();
        out.assert_code(0);
        assert_eq!(out.stdout, postcal::diag::code::explain(code));
        assert!(
            out.stdout.starts_with(&format!("{code}\n\n")),
            "{}",
            out.stdout
        );
        let flat = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        let description = code
            .description()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(flat.contains(&description), "{code}: {}", out.stdout);
        let first_fix_line = code.example_fix().lines().next().unwrap();
        assert!(flat.contains(first_fix_line), "{code}: {}", out.stdout);
    }
}

#[test]
fn the_list_has_every_code() {
    let out = Postcal::new().args(["explain"]).run();
    out.assert_code(0);
    let listed = out
        .stdout
        .lines()
        .filter(|l| l.split(' ').next().and_then(Code::parse).is_some())
        .count();
    assert_eq!(listed, Code::ALL.len(), "{}", out.stdout);
}

#[test]
fn an_unknown_code_is_an_error_with_a_suggestion() {
    let out = Postcal::new()
        .args(["explain", "instagram::caption-to-long"])
        .run();
    out.assert_code(1);
    assert!(
        out.stderr.contains("not a postcal diagnostic code")
            && out
                .stderr
                .contains("did you mean `instagram::caption-too-long`?"),
        "{}",
        out.stderr
    );
    let out = Postcal::new().args(["explain", "caption-too-long"]).run();
    out.assert_code(1);
    let flat = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("`instagram::caption-too-long` or `tiktok::caption-too-"),
        "{}",
        out.stderr
    );
}
