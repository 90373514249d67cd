//! What the preview knows of each post: the post as written, its diagnostics at their lines,
//! and the lines of YAML it was written in. Collected from the batches the plan's scanner reads
//! and checks ([`crate::plan::Scanner::scan_observed`]), so the preview shows exactly what
//! `postcal validate` and `postcal plan` see.
//!
//! # Guarantees
//! - Every diagnostic whose span lies inside a post's YAML document is attached to that post,
//!   with its 1-based line and column; one outside every document of its file (a problem
//!   reading the file itself) goes to the file's first post.
//! - Pages get file names made from post ids that are safe on every file system: ids that are
//!   not plain lower-case ASCII get a hash suffix, so two ids never share a page.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Location, Severity, SourceId};
use crate::manifest::Post;
use crate::plan::desired::hex;
use crate::rules::pipeline::CheckedManifests;

/// One post of the calendar as the preview shows it.
#[derive(Debug, Clone)]
pub struct PostView {
    pub post: Post,
    /// 1-based line of the document's first line in its manifest.
    pub first_line: usize,
    /// The document's lines, as written.
    pub lines: Vec<String>,
    pub notes: Vec<Note>,
}

/// A diagnostic, placed at its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub label: Option<String>,
    pub help: Option<String>,
    /// 1-based, in the manifest.
    pub line: usize,
    pub column: usize,
}

impl Note {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Whether the note is about `platform`'s rules (`instagram::…`).
    pub fn is_about(&self, platform: crate::platform::Platform) -> bool {
        self.code
            .strip_prefix(platform.key())
            .is_some_and(|rest| rest.starts_with("::"))
    }
}

impl PostView {
    /// Errors among the notes.
    pub fn errors(&self) -> usize {
        self.notes.iter().filter(|n| n.is_error()).count()
    }
}

/// The posts of one checked batch, in calendar order.
pub fn collect(checked: &CheckedManifests) -> Vec<PostView> {
    let calendar = &checked.calendar;
    let sources = &calendar.sources;
    let mut views: Vec<PostView> = calendar
        .posts
        .iter()
        .map(|post| {
            let span = post.origin.span;
            let file = sources.get(span.source);
            let (first_line, _) = file.line_col(span.start);
            let end = span.end().saturating_sub(1).max(span.start);
            let (last_line, _) = file.line_col(end);
            let lines = file
                .text
                .lines()
                .skip(first_line - 1)
                .take(last_line + 1 - first_line)
                .map(str::to_owned)
                .collect();
            PostView {
                post: post.clone(),
                first_line,
                lines,
                notes: Vec::new(),
            }
        })
        .collect();
    let mut by_source: HashMap<SourceId, Vec<usize>> = HashMap::new();
    for (i, view) in views.iter().enumerate() {
        by_source
            .entry(view.post.origin.span.source)
            .or_default()
            .push(i);
    }
    for d in checked.diagnostics.iter() {
        let Location::Span(label) = &d.location else {
            continue;
        };
        let Some(candidates) = by_source.get(&label.span.source) else {
            continue;
        };
        let start = label.span.start;
        let owner = candidates
            .iter()
            .copied()
            .find(|&i| {
                let doc = views[i].post.origin.span;
                start >= doc.start && start < doc.end().max(doc.start + 1)
            })
            .unwrap_or(candidates[0]);
        let (line, column) = sources.get(label.span.source).line_col(start);
        views[owner]
            .notes
            .push(note(d, line, column, label.text.clone()));
    }
    for view in &mut views {
        view.notes.sort_by_key(|n| (n.line, n.column, n.code));
    }
    views
}

fn note(d: &Diagnostic, line: usize, column: usize, label: Option<String>) -> Note {
    Note {
        severity: d.severity,
        code: d.code.as_str(),
        message: d.message.clone(),
        label,
        help: d.help.clone(),
        line,
        column,
    }
}

/// File names for post pages, one per id (the first post with an id stands, as in the plan).
#[derive(Debug, Default)]
pub struct Slugs {
    by_id: HashMap<String, String>,
    taken: HashSet<String>,
}

impl Slugs {
    /// The page name (without `.html`) of `id`, the same for the same id.
    pub fn of(&mut self, id: &str) -> String {
        if let Some(slug) = self.by_id.get(id) {
            return slug.clone();
        }
        let plain = id.len() <= 80
            && !id.is_empty()
            && !id.starts_with('.')
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
        let mut slug = if plain {
            id.to_owned()
        } else {
            let readable: String = id
                .chars()
                .take(40)
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect();
            let digest = hex(&Sha256::digest(id.as_bytes()));
            format!("{readable}~{}", &digest[..10])
        };
        while !self.taken.insert(slug.clone()) {
            slug.push('~');
        }
        self.by_id.insert(id.to_owned(), slug.clone());
        slug
    }

    /// The slug already given to `id`, if any.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_distinct() {
        let mut slugs = Slugs::default();
        assert_eq!(slugs.of("winter-blend"), "winter-blend");
        assert_eq!(slugs.of("winter-blend"), "winter-blend");
        let upper = slugs.of("Winter-Blend");
        assert!(upper.starts_with("winter-blend~"), "{upper}");
        let odd = slugs.of("../../etc/passwd");
        assert!(!odd.contains('/') && !odd.starts_with('.'), "{odd}");
        let long = slugs.of(&"x".repeat(300));
        assert!(long.len() < 60, "{long}");
        assert_eq!(slugs.get("winter-blend"), Some("winter-blend"));
    }
}
