//! The JSON rendering: the machine contract of `postcal validate --format json`.
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "summary": { "files": 3, "posts": 4, "errors": 1, "warnings": 0 },
//!   "diagnostics": [{
//!     "code": "instagram::caption-too-long", "severity": "error",
//!     "message": "...", "help": "...",
//!     "file": "posts/launch.yaml", "line": 4, "column": 7, "end_line": 9, "end_column": 1,
//!     "related": [{ "file": "...", "line": 1, "column": 5, "end_line": 1, "end_column": 9, "message": "..." }]
//!   }]
//! }
//! ```
//!
//! `file`, `line`, `column`, `end_line`, `end_column` are `null` when a diagnostic has no
//! position (line/column are then absent for a whole-file problem, and all are absent for a
//! calendar-wide one). Lines and columns are 1-based; columns count characters.
//!
//! # Guarantees
//! Fields are only ever added within a `format_version`; removing or renaming a field or a
//! diagnostic code bumps it.

use serde::Serialize;

use super::{Diagnostic, Label, Location, Severity, SourceMap, Summary};

pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub format_version: u32,
    pub summary: Summary,
    pub diagnostics: Vec<Entry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    pub code: &'static str,
    pub severity: Severity,
    pub message: &'a str,
    pub help: Option<&'a str>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub related: Vec<Related<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Related<'a> {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: Option<&'a str>,
}

pub fn report<'a>(
    diagnostics: &'a [Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
) -> Report<'a> {
    let diagnostics = diagnostics.iter().map(|d| entry(d, sources)).collect();
    Report {
        format_version: FORMAT_VERSION,
        summary: *summary,
        diagnostics,
    }
}

pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    let report = report(diagnostics, sources, summary);
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

fn entry<'a>(d: &'a Diagnostic, sources: &SourceMap) -> Entry<'a> {
    let mut entry = Entry {
        code: d.code.as_str(),
        severity: d.severity,
        message: &d.message,
        help: d.help.as_deref(),
        file: None,
        line: None,
        column: None,
        end_line: None,
        end_column: None,
        related: d.related.iter().map(|l| related(l, sources)).collect(),
    };
    match &d.location {
        Location::Span(label) => {
            let pos = sources.position(label.span);
            entry.file = Some(path_string(&pos.path));
            entry.line = Some(pos.line);
            entry.column = Some(pos.column);
            entry.end_line = Some(pos.end_line);
            entry.end_column = Some(pos.end_column);
        }
        Location::File(path) => entry.file = Some(path_string(path)),
        Location::None => {}
    }
    entry
}

fn related<'a>(label: &'a Label, sources: &SourceMap) -> Related<'a> {
    let pos = sources.position(label.span);
    Related {
        file: path_string(&pos.path),
        line: pos.line,
        column: pos.column,
        end_line: pos.end_line,
        end_column: pos.end_column,
        message: label.text.as_deref(),
    }
}

/// Paths with forward slashes on every OS, so the JSON is the same everywhere.
pub(crate) fn path_string(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
