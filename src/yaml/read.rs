//! Converting [`Node`]s into typed values, collecting every problem on the way.
//!
//! A converter returns `None` after recording a diagnostic; the caller carries on with the other
//! fields, so one run reports every unknown field, wrong type and missing value of a manifest.
//! The codes are the `manifest::` ones of [`crate::diag::Code`] that concern a value's shape.

use std::borrow::Cow;
use std::ops::Deref;

use serde::Serialize;

use super::node::{Node, NodeKind};
use crate::diag::{Code, Diagnostic, Diagnostics, SourceId, Span, suggest};

/// The conversion context: which file we are in, and where problems go.
pub struct Cx<'a> {
    pub source: SourceId,
    pub text: &'a str,
    pub diags: &'a mut Diagnostics,
}

impl<'a> Cx<'a> {
    pub fn new(source: SourceId, text: &'a str, diags: &'a mut Diagnostics) -> Self {
        Self {
            source,
            text,
            diags,
        }
    }

    pub fn span(&self, node: &Node) -> Span {
        Span::new(self.source, node.start, node.len)
    }

    /// The source text of a node (the spelling the user wrote).
    pub fn raw(&self, node: &Node) -> &'a str {
        self.text
            .get(node.start..node.start + node.len)
            .unwrap_or("")
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    fn wrong_type(&mut self, node: &Node, expected: &str) {
        let d = Diagnostic::error(
            Code::ManifestWrongType,
            format!("expected {expected}, found {}", node.describe()),
        )
        .at(self.span(node), format!("expected {expected}"));
        self.push(d);
    }
}

/// A value with the span it was written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sp<U> {
        Sp {
            value: f(self.value),
            span: self.span,
        }
    }
}

impl<T> Deref for Sp<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Serialize> Serialize for Sp<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Conversion from a node, recording a diagnostic (and returning `None`) on failure.
pub trait FromNode: Sized {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self>;
}

impl FromNode for String {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.kind {
            NodeKind::Str(s) => Some(s.clone()),
            // `id: 2024` or `text: 3.50`: keep the spelling the user wrote, not a reformatted number.
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                Some(cx.raw(node).to_owned())
            }
            _ => {
                cx.wrong_type(node, "a string");
                None
            }
        }
    }
}

impl FromNode for bool {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.kind {
            NodeKind::Bool(b) => Some(b),
            _ => {
                let d = Diagnostic::error(
                    Code::ManifestWrongType,
                    format!("expected true or false, found {}", node.describe()),
                )
                .at(cx.span(node), "expected true or false")
                .help("write `true` or `false` (postcal does not read yes/no/on/off as booleans)");
                cx.push(d);
                None
            }
        }
    }
}

macro_rules! int_from_node {
    ($($t:ty),*) => {$(
        impl FromNode for $t {
            fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
                match node.kind {
                    NodeKind::Int(i) => match <$t>::try_from(i) {
                        Ok(v) => Some(v),
                        Err(_) => {
                            let d = Diagnostic::error(
                                Code::ManifestInvalidValue,
                                format!("{i} is out of range (expected {} to {})", <$t>::MIN, <$t>::MAX),
                            )
                            .at(cx.span(node), "out of range");
                            cx.push(d);
                            None
                        }
                    },
                    _ => {
                        cx.wrong_type(node, "a whole number");
                        None
                    }
                }
            }
        }
    )*};
}
int_from_node!(u8, u16, u32, u64, i64);

impl FromNode for f64 {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.kind {
            NodeKind::Int(i) => Some(i as f64),
            NodeKind::Float(f) if f.is_finite() => Some(f),
            _ => {
                cx.wrong_type(node, "a number");
                None
            }
        }
    }
}

impl<T: FromNode> FromNode for Sp<T> {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        let span = cx.span(node);
        T::from_node(node, cx).map(|value| Sp { value, span })
    }
}

impl<T: FromNode> FromNode for Vec<T> {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.kind {
            NodeKind::Seq(items) => {
                // Convert every item (each reports its own problems), keep the list only if all did.
                let converted: Vec<Option<T>> = items.iter().map(|i| T::from_node(i, cx)).collect();
                converted.into_iter().collect()
            }
            _ => {
                cx.wrong_type(node, "a list");
                None
            }
        }
    }
}

/// Reads the fields of a mapping. Every key asked for through [`Fields::optional`] or
/// [`Fields::required`] becomes a known key; [`Fields::finish`] reports the others as unknown.
pub struct Fields<'n> {
    node: &'n Node,
    entries: &'n [(Node, Node)],
    seen: Vec<bool>,
    known: Vec<&'static str>,
    /// What the mapping is, for messages: "post", "instagram options".
    what: &'static str,
}

impl<'n> Fields<'n> {
    /// `None` (after recording a diagnostic) when `node` is not a mapping.
    pub fn new(node: &'n Node, what: &'static str, cx: &mut Cx) -> Option<Self> {
        match &node.kind {
            NodeKind::Map(entries) => Some(Self {
                node,
                entries,
                seen: vec![false; entries.len()],
                known: Vec::new(),
                what,
            }),
            _ => {
                cx.wrong_type(node, &format!("a mapping of {what} fields"));
                None
            }
        }
    }

    /// The value of `key`, if present and not null. Marks `key` as known.
    pub fn get(&mut self, key: &'static str) -> Option<&'n Node> {
        self.known.push(key);
        let index = self
            .entries
            .iter()
            .position(|(k, _)| k.as_str() == Some(key))?;
        self.seen[index] = true;
        let value = &self.entries[index].1;
        (!value.is_null()).then_some(value)
    }

    /// The key node of `key`, if present (for diagnostics about the field itself).
    pub fn key_node(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k)
    }

    pub fn optional<T: FromNode>(&mut self, key: &'static str, cx: &mut Cx) -> Option<Sp<T>> {
        let node = self.get(key)?;
        Sp::<T>::from_node(node, cx)
    }

    /// Like [`Fields::optional`], for a whole number in a unit (`cover_timestamp`, in
    /// milliseconds): a value of another kind (`0.5s`) is an error whose help names the unit
    /// and gives an example.
    pub fn optional_whole<T: FromNode>(
        &mut self,
        key: &'static str,
        cx: &mut Cx,
        unit_help: &str,
    ) -> Option<Sp<T>> {
        let node = self.get(key)?;
        if !matches!(node.kind, NodeKind::Int(_)) {
            let d = Diagnostic::error(
                crate::diag::Code::ManifestWrongType,
                format!("expected a whole number, found {}", node.describe()),
            )
            .at(cx.span(node), "expected a whole number")
            .help(unit_help.to_owned());
            cx.push(d);
            return None;
        }
        Sp::<T>::from_node(node, cx)
    }

    /// Like [`Fields::optional`], but a missing field is an error that says what to write.
    pub fn required<T: FromNode>(
        &mut self,
        key: &'static str,
        cx: &mut Cx,
        help: &str,
    ) -> Option<Sp<T>> {
        match self.get(key) {
            Some(node) => Sp::<T>::from_node(node, cx),
            None => {
                let d = Diagnostic::error(
                    Code::ManifestMissingField,
                    format!("{} is missing the required field `{key}`", self.what),
                )
                .at(cx.span(self.node), format!("`{key}` missing here"))
                .help(help.to_owned());
                cx.push(d);
                None
            }
        }
    }

    /// Span of the whole mapping.
    pub fn span(&self, cx: &Cx) -> Span {
        cx.span(self.node)
    }

    /// Entries whose keys were not asked for, with `key` as a string (others are reported).
    /// Used for mappings whose keys are data (targets, accounts) rather than field names.
    pub fn remaining(&mut self, cx: &mut Cx) -> Vec<(Sp<String>, &'n Node)> {
        let mut out = Vec::new();
        for (i, (key, value)) in self.entries.iter().enumerate() {
            if self.seen[i] {
                continue;
            }
            self.seen[i] = true;
            if let Some(k) = String::from_node(key, cx) {
                out.push((Sp::new(k, cx.span(key)), value));
            }
        }
        out
    }

    /// Reports every key that was never asked for, with a "did you mean" hint.
    pub fn finish(self, cx: &mut Cx) {
        for (i, (key, _)) in self.entries.iter().enumerate() {
            if self.seen[i] {
                continue;
            }
            let name = key
                .as_str()
                .map_or_else(|| cx.raw(key).to_owned(), str::to_owned);
            let help = match suggest::closest(&name, self.known.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("{} fields are: {}", self.what, list(&self.known)),
            };
            let d = Diagnostic::error(
                Code::ManifestUnknownField,
                format!("unknown field `{name}` in {}", self.what),
            )
            .at(cx.span(key), "unknown field")
            .help(help);
            cx.push(d);
        }
    }
}

/// `a`, `b` and `c` for messages.
pub fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Defines a string-keyword enum: serde/JSON Schema as its keywords, and a [`FromNode`] that
/// names the accepted keywords and suggests the closest one.
#[macro_export]
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $key:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $key)] $variant ),+
        }

        #[allow(dead_code)]
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const KEYWORDS: &'static [&'static str] = &[$($key),+];

            pub fn keyword(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn from_keyword(s: &str) -> Option<Self> {
                match s { $($key => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.keyword())
            }
        }

        impl $crate::yaml::FromNode for $name {
            fn from_node(node: &$crate::yaml::Node, cx: &mut $crate::yaml::Cx) -> Option<Self> {
                let s = <String as $crate::yaml::FromNode>::from_node(node, cx)?;
                if let Some(v) = Self::from_keyword(&s) {
                    return Some(v);
                }
                let help = match $crate::diag::suggest::closest(&s, Self::KEYWORDS.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("use one of {}", $crate::yaml::read::list(Self::KEYWORDS)),
                };
                let d = $crate::diag::Diagnostic::error(
                    $crate::diag::Code::ManifestInvalidValue,
                    format!("`{s}` is not a valid value here; expected one of {}", $crate::yaml::read::list(Self::KEYWORDS)),
                )
                .at(cx.span(node), "invalid value")
                .help(help);
                cx.push(d);
                None
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceMap;
    use crate::yaml::parse;

    keyword_enum! {
        enum Colour { Red = "red", DarkBlue = "dark_blue" }
    }

    struct Thing {
        name: Option<Sp<String>>,
        count: Option<Sp<u32>>,
        colour: Option<Sp<Colour>>,
        tags: Option<Sp<Vec<String>>>,
    }

    fn read(text: &str) -> (Option<Thing>, Vec<Diagnostic>) {
        let mut sources = SourceMap::new();
        let id = sources.add("t.yaml", text);
        let mut diags = Diagnostics::new();
        let docs = parse(text).unwrap();
        let mut cx = Cx::new(id, text, &mut diags);
        let thing = Fields::new(&docs[0], "thing", &mut cx).map(|mut f| {
            let thing = Thing {
                name: f.required("name", &mut cx, "add `name: ...`"),
                count: f.optional("count", &mut cx),
                colour: f.optional("colour", &mut cx),
                tags: f.optional("tags", &mut cx),
            };
            f.finish(&mut cx);
            thing
        });
        (thing, diags.into_vec())
    }

    #[test]
    fn reads_typed_fields_with_spans() {
        let (thing, diags) = read("name: 2024\ncount: 3\ncolour: dark_blue\ntags: [a, b]\n");
        assert!(diags.is_empty(), "{diags:?}");
        let thing = thing.unwrap();
        assert_eq!(thing.name.as_ref().unwrap().value, "2024");
        assert_eq!(thing.name.unwrap().span.start, 6);
        assert_eq!(*thing.count.unwrap(), 3);
        assert_eq!(*thing.colour.unwrap(), Colour::DarkBlue);
        assert_eq!(thing.tags.unwrap().value, ["a", "b"]);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (_, diags) = read("count: -1\ncolour: blue\ntags: a\nnmae: x\n");
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                Code::ManifestMissingField,
                Code::ManifestInvalidValue,
                Code::ManifestInvalidValue,
                Code::ManifestWrongType,
                Code::ManifestUnknownField,
            ]
        );
        let unknown = diags.last().unwrap();
        assert_eq!(unknown.help.as_deref(), Some("did you mean `name`?"));
        assert!(
            diags[2].message.contains("`red` and `dark_blue`"),
            "{}",
            diags[2].message
        );
    }
}
