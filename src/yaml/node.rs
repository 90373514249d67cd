//! The generic node tree and the budgeted parser.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Most nodes a single file may expand to (aliases included). A real manifest has a few dozen;
/// a file holding a thousand posts a few tens of thousands.
const MAX_NODES: usize = 200_000;
/// Deepest nesting accepted; manifests are four or five levels deep.
const MAX_DEPTH: usize = 32;
const MAX_ALIASES: usize = 10_000;
const MAX_REPLAYED_EVENTS: usize = 200_000;
/// Documents (posts) in one file: far more than anyone writes by hand.
pub const MAX_DOCUMENTS: usize = 1_024;

/// One YAML value with the byte range it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub start: usize,
    pub len: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What this node is, for messages ("expected a list, found a string").
    pub fn describe(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "nothing (null)",
            NodeKind::Bool(_) => "true/false",
            NodeKind::Int(_) | NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<NodeKind>::deserialize(deserializer)?;
        let span = spanned.referenced.span();
        Ok(Node {
            kind: spanned.value,
            start: usize::try_from(span.byte_offset().unwrap_or(0)).unwrap_or(usize::MAX),
            len: usize::try_from(span.byte_len().unwrap_or(0)).unwrap_or(0),
        })
    }
}

impl<'de> Deserialize<'de> for NodeKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = NodeKind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }
    fn visit_none<E>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeKind, D::Error> {
        NodeKind::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<NodeKind, E> {
        Ok(NodeKind::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<NodeKind, E> {
        Ok(NodeKind::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<NodeKind, E> {
        Ok(NodeKind::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<NodeKind, E> {
        Ok(NodeKind::Int(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<NodeKind, E> {
        Ok(i128::try_from(v).map_or(NodeKind::Float(v as f64), NodeKind::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<NodeKind, E> {
        Ok(NodeKind::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeKind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(NodeKind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(NodeKind::Map(entries))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Not valid YAML.
    Syntax,
    /// The same key twice in one mapping.
    DuplicateKey,
    /// Too many nodes, too deep, or too many aliases: refused before it could exhaust memory.
    TooComplex,
    /// More than [`MAX_DOCUMENTS`] documents in one file.
    TooManyDocuments,
}

/// Why a YAML text could not be turned into nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub message: String,
    /// Byte offset and length of the offending place, when the parser knows it.
    pub start: usize,
    pub len: usize,
}

/// Parses every document of a YAML stream. Empty documents are skipped.
pub fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: MAX_NODES,
            max_depth: MAX_DEPTH,
            max_aliases: MAX_ALIASES,
            max_documents: MAX_DOCUMENTS,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_REPLAYED_EVENTS,
        },
        // Only `true`/`false` are booleans: `yes`, `no`, `on` stay strings, so a caption that
        // says "no" is text, not `false` (the Norway problem).
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
    };
    serde_saphyr::from_multiple_with_options::<Node>(text, options)
        .map_err(|e| to_parse_error(&e, text))
}

fn to_parse_error(error: &serde_saphyr::Error, text: &str) -> ParseError {
    let formatter = serde_saphyr::UserMessageFormatter;
    let rendered = error.render_with_options(serde_saphyr::render_options! {
        snippets: serde_saphyr::SnippetMode::Off,
        formatter: &formatter,
    });
    // The plain rendering ends with " at line L, column C (...)": we show positions ourselves.
    let message = rendered
        .split(" at line ")
        .next()
        .unwrap_or(&rendered)
        .trim()
        .to_owned();
    let (start, len) = error
        .location()
        .map(|loc| {
            let span = loc.span();
            match span.byte_offset().and_then(|b| usize::try_from(b).ok()) {
                Some(b) if b <= text.len() => (
                    b,
                    usize::try_from(span.byte_len().unwrap_or(0)).unwrap_or(0),
                ),
                // No byte offset: derive it from the 1-based line and character column.
                _ => (offset_of(text, loc.line(), loc.column()), 1),
            }
        })
        .unwrap_or((0, 0));
    let len = len.min(text.len().saturating_sub(start));
    let kind = if message.contains("Documents {") {
        return ParseError {
            kind: ParseErrorKind::TooManyDocuments,
            message: format!(
                "this file holds more than {MAX_DOCUMENTS} YAML documents (`---` separators)"
            ),
            start,
            len,
        };
    } else if message.contains("too large or too complex") || message.contains("recursion limit") {
        ParseErrorKind::TooComplex
    } else if message.contains("duplicate mapping key") {
        ParseErrorKind::DuplicateKey
    } else {
        ParseErrorKind::Syntax
    };
    ParseError {
        kind,
        message,
        start,
        len,
    }
}

/// Byte offset of a 1-based line and character column.
fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == line {
            let col = usize::try_from(column.saturating_sub(1)).unwrap_or(0);
            return offset + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(node: &Node) -> &[(Node, Node)] {
        match &node.kind {
            NodeKind::Map(entries) => entries,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn values_keep_byte_spans_across_documents() {
        let text = "id: a\ntext: héllo 🎉\n---\nid: 42\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        let (_, text_value) = &map(&docs[0])[1];
        assert_eq!(
            &text[text_value.start..text_value.start + text_value.len],
            "héllo 🎉"
        );
        let (_, id) = &map(&docs[1])[0];
        assert_eq!(id.kind, NodeKind::Int(42));
        assert_eq!(&text[id.start..id.start + id.len], "42");
    }

    #[test]
    fn yes_and_no_stay_strings() {
        let docs = parse("a: yes\nb: no\nc: true\n").unwrap();
        let kinds: Vec<_> = map(&docs[0]).iter().map(|(_, v)| v.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                NodeKind::Str("yes".into()),
                NodeKind::Str("no".into()),
                NodeKind::Bool(true)
            ]
        );
    }

    #[test]
    fn syntax_error_has_a_position() {
        let text = "id: a\n  text: [unclosed\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::Syntax);
        assert!(err.start > 0 && err.start < text.len(), "{err:?}");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let err = parse("id: a\nid: b\n").unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::DuplicateKey);
        assert_eq!(err.start, 6);
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        let err = parse(&text).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::TooComplex, "{err:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(parse(&text).unwrap_err().kind, ParseErrorKind::TooComplex);
        let block: String = (0..200)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        assert_eq!(parse(&block).unwrap_err().kind, ParseErrorKind::TooComplex);
    }

    #[test]
    fn too_many_documents_say_so() {
        let text = "---\nid: x\n".repeat(MAX_DOCUMENTS + 1);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::TooManyDocuments, "{err:?}");
        assert!(
            err.message.contains("1024 YAML documents"),
            "{}",
            err.message
        );
        assert_eq!(
            parse(&"---\nid: x\n".repeat(MAX_DOCUMENTS)).unwrap().len(),
            MAX_DOCUMENTS
        );
    }
}
