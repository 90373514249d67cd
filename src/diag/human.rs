//! Human rendering through miette: code, message, the YAML snippet with the value underlined,
//! and help. Colour only when asked (the caller decides from the terminal and `NO_COLOR`).
//!
//! # Guarantees
//! - Linear in the number of diagnostics: miette is handed only the lines around each span
//!   ([`Window`]), never a whole file to scan from its start for every diagnostic.
//! - Readable at any count: at most [`PER_FILE_AND_CODE`] diagnostics of one code in one file
//!   are shown, then "and N more like this" (the summary and `--format json` count them all).

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::path::Path;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Label, Location, Severity, SourceFile, SourceMap, Summary, group_digits};

/// Width diagnostics are wrapped at; fixed so output is the same on every terminal and in tests.
const WIDTH: usize = 100;

/// A line longer than this (in bytes) is shown cut around the span, and a label longer than
/// [`LABEL_CHARS`] is underlined only that far: a 2,560-character caption on one line must not
/// fill the screen once per diagnostic.
const LONG_LINE: usize = 160;
/// Characters (columns, for the part after) of a long line shown around a span: some before
/// it, the rest after.
const CUT_BEFORE: usize = 30;
const CUT_CHARS: usize = 100;
/// Columns of a span underlined at most.
const LABEL_CHARS: usize = 60;

/// Diagnostics of one code shown per file before the rest are counted instead.
pub const PER_FILE_AND_CODE: usize = 50;

/// Renders every diagnostic, then the summary line.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    let mut totals: HashMap<(Option<&Path>, &'static str), usize> = HashMap::new();
    for d in diagnostics {
        *totals.entry(group(d, sources)).or_default() += 1;
    }
    let mut shown: HashMap<(Option<&Path>, &'static str), usize> = HashMap::new();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let key = group(diagnostic, sources);
        let n = shown.entry(key).or_default();
        *n += 1;
        if *n > PER_FILE_AND_CODE {
            continue;
        }
        let view = View::new(diagnostic, sources);
        let _ = handler.render_report(&mut out, &view);
        out.push('\n');
        let more = totals[&key] - *n;
        if *n == PER_FILE_AND_CODE && more > 0 {
            let _ = writeln!(
                out,
                "  … and {} more like this ({}{}; `--format json` lists every one)\n",
                group_digits(more as u64),
                diagnostic.code,
                key.0
                    .map(|p| format!(" in {}", p.display()))
                    .unwrap_or_default(),
            );
        }
    }
    let _ = writeln!(out, "{}", summary.line());
    out
}

/// Which file and code a diagnostic counts towards for [`PER_FILE_AND_CODE`].
fn group<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> (Option<&'a Path>, &'static str) {
    let path = match &d.location {
        Location::Span(label) => Some(sources.path(label.span.source)),
        Location::File(path) => Some(path.as_path()),
        Location::None => None,
    };
    (path, d.code.as_str())
}

/// A diagnostic seen through miette's `Diagnostic` trait.
#[derive(Debug)]
struct View<'a> {
    code: &'static str,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Option<Window<'a>>,
    labels: Vec<LabeledSpan>,
    /// Labels in other files than the primary one, shown as separate advice entries.
    related: Vec<View<'a>>,
}

impl<'a> View<'a> {
    fn new(d: &Diagnostic, sources: &'a SourceMap) -> Self {
        let mut view = Self {
            code: d.code.as_str(),
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        match &d.location {
            Location::Span(label) => {
                view.source = Some(named_source(sources, label));
                let text = &sources.get(label.span.source).text;
                view.labels.push(labeled(label, true, text));
                for related in &d.related {
                    if related.span.source == label.span.source {
                        view.labels.push(labeled(related, false, text));
                    } else {
                        view.related.push(Self::advice(related, sources));
                    }
                }
            }
            Location::File(path) => view.message = format!("{}: {}", path.display(), d.message),
            Location::None => {}
        }
        view
    }

    fn advice(label: &Label, sources: &'a SourceMap) -> Self {
        Self {
            code: "",
            severity: Severity::Warning,
            message: label.text.clone().unwrap_or_default(),
            help: None,
            source: Some(named_source(sources, label)),
            labels: vec![labeled(label, true, &sources.get(label.span.source).text)],
            related: Vec::new(),
        }
    }
}

/// `offset` moved back by `n` characters, not before `floor`.
fn back(text: &str, offset: usize, n: usize, floor: usize) -> usize {
    text.get(floor..offset)
        .and_then(|behind| behind.char_indices().rev().nth(n.saturating_sub(1)))
        .map_or(floor, |(i, _)| floor + i)
}

/// Columns a character takes on a terminal, near enough: 2 for emoji and East Asian wide
/// characters, else 1.
fn columns(c: char) -> usize {
    let c = u32::from(c);
    let wide = matches!(
        c,
        0x1100..=0x115F
            | 0x2600..=0x27BF
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F000..
    );
    if wide { 2 } else { 1 }
}

/// `offset` moved forward by `n` columns, not past `ceil`.
fn forward(text: &str, offset: usize, n: usize, ceil: usize) -> usize {
    let mut used = 0;
    for (i, c) in text.get(offset..ceil).unwrap_or("").char_indices() {
        used += columns(c);
        if used > n {
            return offset + i;
        }
    }
    ceil
}

fn named_source<'a>(sources: &'a SourceMap, label: &Label) -> Window<'a> {
    Window {
        file: sources.get(label.span.source),
    }
}

/// A source file as miette reads it, one window of lines at a time: miette's own sources
/// count lines from the start of the text for every span, which makes thousands of
/// diagnostics in one large file quadratic. The contents are the same.
#[derive(Debug)]
struct Window<'a> {
    file: &'a SourceFile,
}

impl SourceCode for Window<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text: &'b str = &self.file.text;
        let start = span.offset();
        let end = start.saturating_add(span.len());
        if let Some(cut) = self.long_line(start, before + after == 0) {
            return Ok(cut);
        }
        // One line more than asked before the span: miette reads a span that starts a window
        // differently from one inside the text.
        let (first_line, range) = self
            .file
            .window(start, end, before + 1, after)
            .unwrap_or((0, 0..text.len()));
        let slice = text.get(range.clone()).unwrap_or(text);
        let from = if slice.len() == text.len() {
            0
        } else {
            range.start
        };
        let local = SourceSpan::new(start.saturating_sub(from).into(), span.len());
        let inner = slice.read_span(&local, before, after)?;
        let shifted = SourceSpan::new((inner.span().offset() + from).into(), inner.span().len());
        let first_line = if from == 0 { 0 } else { first_line };
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.file.display_path.display().to_string(),
                inner.data(),
                shifted,
                inner.line() + first_line,
                inner.column(),
                inner.line_count() + first_line,
            )
            .with_language("yaml"),
        ))
    }
}

impl<'a> Window<'a> {
    /// The part of a long line around `start` (see [`LONG_LINE`]), with its true line and
    /// column; `None` for a line of ordinary length. `exact`: from `start` itself (miette
    /// reads a span without context to name its line and column).
    fn long_line(&self, start: usize, exact: bool) -> Option<Box<dyn SpanContents<'a> + 'a>> {
        let text: &'a str = &self.file.text;
        if start > text.len() || !text.is_char_boundary(start) {
            return None;
        }
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        if line_end - line_start <= LONG_LINE {
            return None;
        }
        let from = if exact {
            start
        } else {
            back(text, start, CUT_BEFORE, line_start)
        };
        let to = forward(text, from, CUT_CHARS, line_end);
        let (line, column) = self.file.line_col(from);
        Some(Box::new(
            MietteSpanContents::new_named(
                self.file.display_path.display().to_string(),
                &text.as_bytes()[from..to],
                SourceSpan::new(from.into(), to - from),
                line - 1,
                column - 1,
                1,
            )
            .with_language("yaml"),
        ))
    }
}

/// A label's span, cut to [`LABEL_CHARS`] characters on its first line when that line is long
/// (see [`LONG_LINE`]): only that much of the line is shown. Other spans are drawn whole.
fn capped(text: &str, start: usize, len: usize) -> usize {
    if start > text.len() || !text.is_char_boundary(start) {
        return len;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if line_end - line_start <= LONG_LINE {
        return len;
    }
    let visible = forward(text, start, LABEL_CHARS, line_end) - start;
    len.min(visible)
}

fn labeled(label: &Label, primary: bool, text: &str) -> LabeledSpan {
    let len = capped(text, label.span.start, label.span.len);
    let span = SourceSpan::new(label.span.start.into(), len);
    if primary {
        LabeledSpan::new_primary_with_span(label.text.clone(), span)
    } else {
        LabeledSpan::new_with_span(label.text.clone(), span)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning if self.code.is_empty() => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn miette::Diagnostic>>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Span};

    /// Every span of a small text, with 0 to 2 context lines: the window reads exactly what
    /// miette reads from the whole text.
    #[test]
    fn a_window_reads_what_the_whole_text_reads() {
        for text in [
            "id: x\ntext: héllo\n\nmedia:\n  - a.jpg\n  - b.jpg\ntargets: {}\n",
            "no newline at the end",
            "crlf: yes\r\nsecond: line\r\n\r\nlast: one",
            "old mac\rline ends\rhere\n",
        ] {
            let mut map = SourceMap::new();
            let id = map.add("a.yaml", text);
            let window = Window { file: map.get(id) };
            for start in 0..text.len() {
                for len in 0..=text.len() - start {
                    for context in 0..3 {
                        let span = SourceSpan::new(start.into(), len);
                        let whole = text.read_span(&span, context, context);
                        let part = window.read_span(&span, context, context);
                        match (whole, part) {
                            (Ok(whole), Ok(part)) => {
                                let what = format!("{text:?} {start}+{len} ±{context}");
                                assert_eq!(whole.data(), part.data(), "{what}");
                                assert_eq!(whole.span(), part.span(), "{what}");
                                assert_eq!(whole.line(), part.line(), "{what}");
                                assert_eq!(whole.column(), part.column(), "{what}");
                                assert_eq!(whole.line_count(), part.line_count(), "{what}");
                            }
                            (Err(_), Err(_)) => {}
                            (whole, part) => panic!(
                                "{text:?} {start}+{len}: {:?} vs {:?}",
                                whole.is_ok(),
                                part.is_ok()
                            ),
                        }
                    }
                }
            }
        }
    }

    /// A 2,560-character caption on one line is shown cut around its start, underlined a
    /// readable width, at its true line and column, by each diagnostic about it.
    #[test]
    fn long_lines_are_cut_to_a_readable_width() {
        let caption = "word ".repeat(512);
        let text = format!("id: a\ntext: {caption}\ntargets: {{}}\n");
        let mut map = SourceMap::new();
        let id = map.add("posts/long.yaml", text.clone());
        let start = text.find("word").unwrap();
        let diagnostics: Vec<Diagnostic> = ["threads", "instagram"]
            .iter()
            .map(|p| {
                Diagnostic::error(
                    crate::diag::Code::ThreadsTextTooLong,
                    format!("too long for {p}"),
                )
                .at(Span::new(id, start, caption.len()), "length 2,560")
            })
            .collect();
        let out = render(&diagnostics, &map, &Summary::default(), false);
        for line in out.lines() {
            assert!(line.chars().count() <= WIDTH + 20, "{line}");
        }
        assert_eq!(out.matches("[posts/long.yaml:2:7]").count(), 2, "{out}");
        assert!(out.contains("2 │ text: word word"), "{out}");
    }

    #[test]
    fn many_diagnostics_of_one_kind_are_capped_per_file_and_rendered_in_linear_time() {
        let n = 20_000;
        let lines: Vec<String> = (0..n).map(|i| format!("key{i}: value\n")).collect();
        let mut map = SourceMap::new();
        let id = map.add("posts/big.yaml", lines.concat());
        let mut start = 0;
        let mut diagnostics = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            diagnostics.push(
                Diagnostic::error(Code::ManifestUnknownField, format!("unknown field key{i}"))
                    .at(Span::new(id, start, 3), "here"),
            );
            start += line.len();
        }
        let started = std::time::Instant::now();
        let out = render(&diagnostics, &map, &Summary::default(), false);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(out.matches("unknown field key").count(), PER_FILE_AND_CODE);
        assert!(
            out.contains("… and 19,950 more like this (manifest::unknown-field in posts/big.yaml;"),
            "{out}"
        );
    }
}
