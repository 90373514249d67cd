//! YAML into a tree of [`Node`]s that remember where they came from.
//!
//! Manifests are parsed in two steps: serde-saphyr turns the text into a generic node tree (every
//! node keeps its byte span, through `serde_saphyr::Spanned`), then [`read`] converts the tree into
//! the typed model, collecting *every* shape problem (unknown field, wrong type, missing field)
//! instead of stopping at the first, as derived `Deserialize` would.
//!
//! # Guarantees
//! - Parsing never panics and is bounded: a [`Budget`](serde_saphyr::budget::Budget) caps nodes,
//!   nesting depth, aliases and alias expansion, so an alias bomb or a deeply nested file is
//!   refused with [`ParseError`] instead of exhausting memory.
//! - Spans are byte offsets into the parsed text; for an alias, the span is the `*alias` token.

mod node;
pub mod read;

pub use node::{Node, NodeKind, ParseError, ParseErrorKind, parse};
pub use read::{Cx, Fields, FromNode, Sp};
