//! The text of every file a diagnostic can point into, and byte spans within them.
//!
//! Diagnostics carry [`Span`]s (a source id and a byte range); the [`SourceMap`] turns them into
//! file:line:column for people and CI. Lines and columns are 1-based; columns count characters
//! (Unicode scalar values), as editors and GitHub annotations do.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Identifies one file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(u32);

impl SourceId {
    /// The first file added to a map.
    pub const FIRST: SourceId = SourceId(0);
}

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub source: SourceId,
    pub start: usize,
    pub len: usize,
}

impl Span {
    pub fn new(source: SourceId, start: usize, len: usize) -> Self {
        Self { source, start, len }
    }

    pub fn end(&self) -> usize {
        self.start + self.len
    }
}

/// One loaded file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown to the user (relative to where postcal was run, when possible).
    pub display_path: PathBuf,
    pub text: Arc<str>,
    /// Byte offset of the start of every line, for line/column lookups.
    line_starts: Vec<usize>,
    /// Whether a `\r` ends a line on its own somewhere (old Mac line ends): renderers that
    /// count lines that way cannot be handed a window of the text.
    lone_cr: bool,
}

impl SourceFile {
    fn new(display_path: PathBuf, text: Arc<str>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let bytes = text.as_bytes();
        let lone_cr = bytes
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        Self {
            display_path,
            text,
            line_starts,
            lone_cr,
        }
    }

    /// The whole lines around a byte range: `before` lines before the one holding `start`,
    /// through `after` lines after the one holding `end` (clamped to the text). Returns the
    /// 0-based number of the first line and the byte range. `None` when lines cannot be
    /// counted by `\n` alone (see `lone_cr`).
    pub fn window(
        &self,
        start: usize,
        end: usize,
        before: usize,
        after: usize,
    ) -> Option<(usize, std::ops::Range<usize>)> {
        if self.lone_cr {
            return None;
        }
        let line_of = |offset: usize| {
            self.line_starts
                .partition_point(|&s| s <= offset.min(self.text.len()))
                - 1
        };
        let first = line_of(start).saturating_sub(before);
        let last = line_of(end).saturating_add(after).saturating_add(1);
        let from = self.line_starts[first];
        let to = self
            .line_starts
            .get(last.saturating_add(1))
            .copied()
            .unwrap_or(self.text.len());
        Some((first, from..to))
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// Where a span is, in the terms people and CI use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// All files diagnostics can refer to.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, display_path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files
            .push(SourceFile::new(display_path.into(), text.into()));
        id
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn path(&self, id: SourceId) -> &Path {
        &self.get(id).display_path
    }

    pub fn position(&self, span: Span) -> Position {
        let file = self.get(span.source);
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end());
        Position {
            path: file.display_path.clone(),
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The source text a span covers (empty if the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.source)
            .text
            .get(span.start..span.end())
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// The id of the file added last (`SourceId::FIRST` when empty).
    pub fn last_id(&self) -> SourceId {
        SourceId(u32::try_from(self.files.len().saturating_sub(1)).unwrap_or(u32::MAX))
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_character_columns() {
        let mut map = SourceMap::new();
        let id = map.add("a.yaml", "id: x\ntext: \"héllo\" wörld\n");
        let file = map.get(id);
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(4), (1, 5));
        assert_eq!(file.line_col(6), (2, 1));
        // "wörld" starts after `text: "héllo" ` which has a 2-byte é: column counts characters.
        let offset = file.text.find("wörld").unwrap();
        assert_eq!(file.line_col(offset), (2, 15));
        assert_eq!(file.line_col(10_000), (3, 1));
    }

    #[test]
    fn position_of_a_span() {
        let mut map = SourceMap::new();
        let id = map.add("posts/a.yaml", "id: x\nat: tomorrow\n");
        let pos = map.position(Span::new(id, 10, 8));
        assert_eq!(
            (pos.line, pos.column, pos.end_line, pos.end_column),
            (2, 5, 2, 13)
        );
        assert_eq!(map.slice(Span::new(id, 10, 8)), "tomorrow");
    }
}
