//! Every diagnostic code `postcal validate` can emit has a failing fixture: the codes of the
//! registry ([`Code::ALL`], the only way a rule can name a code) equal the codes found in the
//! committed JSON snapshots. A new code without a fixture fails here, and so does a snapshot
//! left over from a code that is gone.

use std::collections::BTreeSet;

use postcal::diag::Code;

use crate::util::repo_root;

/// The codes in the committed JSON snapshots of `validate`.
fn snapshot_codes() -> BTreeSet<String> {
    let dir = repo_root().join("tests/it/validate/snapshots");
    let mut codes = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("snapshots directory") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with("_json.snap") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read snapshot");
        // An insta snapshot: a header between `---` lines, then the document.
        let document = text.splitn(3, "---\n").nth(2).unwrap_or_default();
        let report: serde_json::Value = serde_json::from_str(document)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        for d in report["diagnostics"].as_array().into_iter().flatten() {
            codes.insert(d["code"].as_str().expect("a code").to_owned());
        }
    }
    codes
}

#[test]
fn every_code_in_the_registry_has_a_failing_fixture() {
    let registry: BTreeSet<String> = Code::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    let covered = snapshot_codes();
    let missing: Vec<_> = registry.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&registry).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "codes without a failing fixture (add one under tests/fixtures and snapshot it): \
         {missing:?}\ncodes in snapshots that are not in the registry: {stale:?}"
    );
    assert!(covered.len() > 100, "found only {} codes", covered.len());
}
