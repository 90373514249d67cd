//! Diagnostics: every problem postcal finds in a calendar, collected (never fail-fast) and
//! rendered for people (`human`, through miette), machines (`json`) and CI (`github`).
//!
//! A [`Diagnostic`] has a stable kebab-case [`Code`] such as `instagram::caption-too-long`
//! (every code is in one registry, [`code`], which `postcal explain` prints), a message that
//! names the value and the limit, a primary label on the exact YAML value, and help that says
//! what to do.
//!
//! # Guarantees
//! - Codes are stable: tools may match on them. Renaming one is a breaking change of the JSON
//!   format (see [`json::FORMAT_VERSION`]).
//! - Rendering is deterministic: [`Diagnostics::sorted`] orders by file, position, then code.

pub mod code;
pub mod github;
pub mod human;
pub mod json;
mod source;
pub mod suggest;

pub use code::Code;
pub use source::{Position, SourceFile, SourceId, SourceMap, Span};

use std::path::PathBuf;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A span with an optional short text shown next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: Option<String>,
}

/// Where a diagnostic points when it has no span (a file that could not be read as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Span(Label),
    File(PathBuf),
    /// Calendar-wide, no single file.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    /// Further places that explain the problem (the first definition of a duplicate id, ...).
    pub related: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            location: Location::None,
            related: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    /// Points the diagnostic at `span`, with `text` shown under it.
    pub fn at(mut self, span: Span, text: impl Into<String>) -> Self {
        self.location = Location::Span(Label {
            span,
            text: Some(text.into()),
        });
        self
    }

    /// Points the diagnostic at a whole file (for files that are not readable as text).
    pub fn in_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.location = Location::File(path.into());
        self
    }

    pub fn related(mut self, span: Span, text: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            text: Some(text.into()),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn span(&self) -> Option<Span> {
        match &self.location {
            Location::Span(label) => Some(label.span),
            _ => None,
        }
    }
}

/// The collector every check writes into.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn errors(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.items.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Diagnostics in reading order: by file, then position, then code; calendar-wide last.
    pub fn sorted(mut self, sources: &SourceMap) -> Vec<Diagnostic> {
        self.items.sort_by_cached_key(|d| {
            let (path, start) = match &d.location {
                Location::Span(label) => (
                    Some(sources.path(label.span.source).to_path_buf()),
                    label.span.start,
                ),
                Location::File(path) => (Some(path.clone()), 0),
                Location::None => (None, 0),
            };
            (path.is_none(), path, start, d.code, d.message.clone())
        });
        self.items
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// 52428800 -> "52,428,800": numbers in messages, readable.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Counts shown in every rendering's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub posts: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn line(&self) -> String {
        fn plural(n: usize, one: &str, many: &str) -> String {
            format!("{n} {}", if n == 1 { one } else { many })
        }
        format!(
            "{} in {}: {}, {}",
            plural(self.posts, "post", "posts"),
            plural(self.files, "file", "files"),
            plural(self.errors, "error", "errors"),
            plural(self.warnings, "warning", "warnings"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits() {
        assert_eq!(group_digits(52_428_800), "52,428,800");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
    }
}
