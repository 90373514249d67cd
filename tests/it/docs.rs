//! The references to `docs/platform-rules.md` and `docs/design.md` resolve: every section the
//! code, the tests, the examples and the README cite (`docs/platform-rules.md §1.5`, or a bare
//! `§1.5` after such a reference in the same file) is a heading of that page, every quoted row
//! or column (`§2.4 "URL ownership"`) is in that section, and every source key a limit cites
//! (`§1.3 IG-MEDIA`) is in the page's table of sources.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::repo_root;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Doc {
    PlatformRules,
    Design,
}

impl Doc {
    fn path(self) -> &'static str {
        match self {
            Doc::PlatformRules => "docs/platform-rules.md",
            Doc::Design => "docs/design.md",
        }
    }
}

/// A page's sections (`1`, `1.2`, `9.13`) with their text, heading included, up to the next
/// heading of the same or a higher level.
fn sections(doc: Doc) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(repo_root().join(doc.path()))
        .unwrap_or_else(|e| panic!("{}: {e}", doc.path()));
    let mut out = BTreeMap::new();
    let mut open: Vec<(usize, String)> = Vec::new();
    for line in text.lines() {
        let level = line.chars().take_while(|c| *c == '#').count();
        let number = line[level..]
            .trim_start()
            .split([' ', '.'])
            .filter(|p| !p.is_empty())
            .take_while(|p| p.chars().all(|c| c.is_ascii_digit()))
            .collect::<Vec<_>>()
            .join(".");
        if level > 0 && !number.is_empty() {
            open.retain(|(l, _)| *l < level);
            open.push((level, number.clone()));
            out.insert(number, String::new());
        } else if level > 0 && level <= 2 {
            open.clear();
        }
        for (_, number) in &open {
            let body = out.get_mut(number).expect("open section");
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// The source keys of `docs/platform-rules.md` (the first column of its `## Sources` table).
fn source_keys() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join(Doc::PlatformRules.path())).unwrap();
    let table = text.split("## Sources").nth(1).expect("a Sources section");
    let table = table.split("\n## ").next().unwrap_or_default();
    table
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .flat_map(|cell| cell.split(" / ").map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// One citation: where, which page, which section, and what follows it on the line.
#[derive(Debug)]
struct Citation {
    at: String,
    doc: Doc,
    section: String,
    rest: String,
}

/// Every `§N` of `text`, attributed to the page last named before it in the file (`design` or
/// `platform-rules`); section signs after `RFC nnnn` and before any page is named are not ours.
fn citations(path: &Path, text: &str) -> Vec<Citation> {
    let mut out = Vec::new();
    let mut doc = None;
    for (n, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some(found) = line[from..].find('§') {
            let sign = from + found;
            let before = &line[..sign];
            for (name, d) in [
                ("platform-rules", Doc::PlatformRules),
                ("design", Doc::Design),
            ] {
                if let Some(i) = before.rfind(name) {
                    let later = [("platform-rules", 0), ("design", 0)]
                        .iter()
                        .filter(|(other, _)| *other != name)
                        .any(|(other, _)| before.rfind(other).is_some_and(|j| j > i));
                    if !later {
                        doc = Some(d);
                    }
                }
            }
            let after = &line[sign + '§'.len_utf8()..];
            let digits: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let section = digits.trim_end_matches('.').to_owned();
            let rfc = before.trim_end().rsplit(' ').nth(1) == Some("RFC")
                || before.trim_end().ends_with(|c: char| c.is_ascii_digit())
                    && before.contains("RFC");
            if let (Some(d), false, false) = (doc, section.is_empty(), rfc) {
                let rest_start = after.find(&section).map_or(0, |i| i + section.len());
                out.push(Citation {
                    at: format!("{}:{}", path.display(), n + 1),
                    doc: d,
                    section,
                    rest: after[rest_start..].to_owned(),
                });
            }
            from = sign + '§'.len_utf8();
        }
    }
    out
}

/// The `"quoted"` labels right after a citation: `§2.4 "PULL_FROM_URL" and "URL ownership"`.
fn labels(rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = rest.trim_start_matches(',').trim_start();
    while let Some(quoted) = rest.strip_prefix('"') {
        let Some(end) = quoted.find('"') else { break };
        out.push(quoted[..end].to_owned());
        rest = quoted[end + 1..].trim_start();
        rest = rest
            .strip_prefix(',')
            .or_else(|| rest.strip_prefix("and"))
            .unwrap_or(rest)
            .trim_start();
    }
    out
}

/// The source key right after a citation: `§1.3 IG-MEDIA`.
fn source_key(rest: &str) -> Option<&str> {
    let word = rest
        .strip_prefix(' ')?
        .split([' ', ',', ')', '"', ';'])
        .next()?;
    let key = word.len() >= 4
        && word.contains('-')
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    key.then_some(word)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_cited_section_row_and_source_exists() {
    let root = repo_root();
    let mut paths = vec![root.join("README.md")];
    for dir in ["src", "tests", "examples"] {
        files(&root.join(dir), &mut paths);
    }
    let pages: BTreeMap<Doc, BTreeMap<String, String>> = [Doc::PlatformRules, Doc::Design]
        .into_iter()
        .map(|d| (d, sections(d)))
        .collect();
    let keys = source_keys();
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let shown = path.strip_prefix(root).unwrap_or(path);
        for c in citations(shown, &text) {
            checked += 1;
            let Some(body) = pages[&c.doc].get(&c.section) else {
                problems.push(format!("{}: {} has no §{}", c.at, c.doc.path(), c.section));
                continue;
            };
            let plain = body.replace('`', "");
            for label in labels(&c.rest) {
                if !plain.contains(&label.replace('`', "")) {
                    problems.push(format!(
                        "{}: {} §{} has no \"{label}\"",
                        c.at,
                        c.doc.path(),
                        c.section
                    ));
                }
            }
            if let Some(key) = source_key(&c.rest).filter(|_| c.doc == Doc::PlatformRules)
                && !keys.iter().any(|k| k == key)
            {
                problems.push(format!("{}: source key {key} is not in the table", c.at));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked > 300, "found only {checked} citations");
}

#[test]
fn finds_citations_labels_and_keys() {
    let text = "//! (docs/platform-rules.md §2.4 \"PULL_FROM_URL\" and \"URL ownership\")\n\
                const A: &str = \"§1.3 IG-MEDIA, §9.3\";\n\
                // RFC 9110 §14, then docs/design.md §5.\n";
    let found = citations(Path::new("x.rs"), text);
    let got: Vec<(Doc, &str)> = found.iter().map(|c| (c.doc, c.section.as_str())).collect();
    assert_eq!(
        got,
        [
            (Doc::PlatformRules, "2.4"),
            (Doc::PlatformRules, "1.3"),
            (Doc::PlatformRules, "9.3"),
            (Doc::Design, "5"),
        ]
    );
    assert_eq!(labels(&found[0].rest), ["PULL_FROM_URL", "URL ownership"]);
    assert_eq!(source_key(&found[1].rest), Some("IG-MEDIA"));
    assert!(sections(Doc::PlatformRules).contains_key("9.13"));
}
