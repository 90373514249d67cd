//! The `moov` box as a small tree: containers postcal changes things inside (`moov`, `trak`,
//! `mdia`, `minf`, `stbl`) are parsed into children, chunk offset tables (`stco`, `co64`) into
//! numbers, and every other box is kept as its original bytes. Writing the tree back gives the
//! same bytes except what was changed: edit lists dropped, composition offsets and durations
//! adjusted (see [`super::tracks`]), chunk offsets moved.

use std::borrow::Cow;

use super::RemuxError;
use crate::media::probe::bmff::{Be, FourCc, children, fourcc_text};

const CONTAINERS: [&FourCc; 5] = [b"moov", b"trak", b"mdia", b"minf", b"stbl"];

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node<'a> {
    Raw {
        kind: FourCc,
        body: Cow<'a, [u8]>,
    },
    Parent {
        kind: FourCc,
        children: Vec<Node<'a>>,
    },
    /// `stco` (32-bit) or `co64` (`wide`): absolute file offsets of each chunk.
    ChunkOffsets {
        wide: bool,
        offsets: Vec<u64>,
    },
}

pub(super) fn corrupt(why: impl Into<String>) -> RemuxError {
    RemuxError::Corrupt(why.into())
}

impl<'a> Node<'a> {
    /// Parses the body of a box of `kind`.
    pub fn parse(kind: FourCc, body: &'a [u8]) -> Result<Self, RemuxError> {
        if CONTAINERS.contains(&&kind) {
            let children = children(body)
                .map(|child| {
                    let (kind, body) = child.map_err(corrupt)?;
                    Node::parse(kind, body)
                })
                .collect::<Result<_, _>>()?;
            return Ok(Node::Parent { kind, children });
        }
        if &kind == b"stco" || &kind == b"co64" {
            let wide = &kind == b"co64";
            let mut r = Be::new(body);
            let count = r
                .skip(4)
                .and_then(|()| r.u32())
                .ok_or_else(|| corrupt(format!("the `{}` box is cut short", fourcc_text(kind))))?;
            let width = if wide { 8 } else { 4 };
            let entries = usize::try_from(count)
                .ok()
                .and_then(|n| n.checked_mul(width))
                .and_then(|len| r.take(len))
                .ok_or_else(|| {
                    corrupt(format!(
                        "a chunk offset table claims {count} entries it lacks"
                    ))
                })?;
            let offsets = entries
                .chunks_exact(width)
                .map(|e| e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
                .collect();
            return Ok(Node::ChunkOffsets { wide, offsets });
        }
        Ok(Node::Raw {
            kind,
            body: Cow::Borrowed(body),
        })
    }

    pub fn kind(&self) -> FourCc {
        match self {
            Node::Raw { kind, .. } | Node::Parent { kind, .. } => *kind,
            Node::ChunkOffsets { wide: true, .. } => *b"co64",
            Node::ChunkOffsets { wide: false, .. } => *b"stco",
        }
    }

    pub(super) fn children(&self) -> &[Node<'a>] {
        match self {
            Node::Parent { children, .. } => children,
            _ => &[],
        }
    }

    pub fn has_child(&self, kind: &FourCc) -> bool {
        self.child(kind).is_some()
    }

    pub(super) fn child(&self, kind: &FourCc) -> Option<&Node<'a>> {
        self.children().iter().find(|c| &c.kind() == kind)
    }

    pub(super) fn child_mut(&mut self, kind: &FourCc) -> Option<&mut Node<'a>> {
        match self {
            Node::Parent { children, .. } => children.iter_mut().find(|c| &c.kind() == kind),
            _ => None,
        }
    }

    /// The node at `path` below this one.
    pub(super) fn at(&self, path: &[&FourCc]) -> Option<&Node<'a>> {
        path.iter().try_fold(self, |node, kind| node.child(kind))
    }

    pub(super) fn at_mut(&mut self, path: &[&FourCc]) -> Option<&mut Node<'a>> {
        path.iter()
            .try_fold(self, |node, kind| node.child_mut(kind))
    }

    pub(super) fn body(&self) -> &[u8] {
        match self {
            Node::Raw { body, .. } => body,
            _ => &[],
        }
    }

    pub(super) fn body_mut(&mut self) -> Option<&mut Vec<u8>> {
        match self {
            Node::Raw { body, .. } => Some(body.to_mut()),
            _ => None,
        }
    }

    /// Every chunk offset table in this subtree, in file order.
    pub fn chunk_tables_mut(&mut self) -> Vec<(&mut bool, &mut Vec<u64>)> {
        let mut out = Vec::new();
        self.collect_tables(&mut out);
        out
    }

    fn collect_tables<'n>(&'n mut self, out: &mut Vec<(&'n mut bool, &'n mut Vec<u64>)>) {
        match self {
            Node::ChunkOffsets { wide, offsets } => out.push((wide, offsets)),
            Node::Parent { children, .. } => {
                children.iter_mut().for_each(|c| c.collect_tables(out))
            }
            Node::Raw { .. } => {}
        }
    }

    /// The size of this box once written.
    pub fn size(&self) -> u64 {
        let body = match self {
            Node::Raw { body, .. } => body.len() as u64,
            Node::Parent { children, .. } => children.iter().map(Node::size).sum(),
            Node::ChunkOffsets { wide, offsets } => {
                8 + offsets.len() as u64 * if *wide { 8 } else { 4 }
            }
        };
        body + if body + 8 > u64::from(u32::MAX) {
            16
        } else {
            8
        }
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        let size = self.size();
        match u32::try_from(size) {
            Ok(small) => {
                out.extend(small.to_be_bytes());
                out.extend(self.kind());
            }
            Err(_) => {
                out.extend(1u32.to_be_bytes());
                out.extend(self.kind());
                out.extend(size.to_be_bytes());
            }
        }
        match self {
            Node::Raw { body, .. } => out.extend_from_slice(body),
            Node::Parent { children, .. } => children.iter().for_each(|c| c.write(out)),
            Node::ChunkOffsets { wide, offsets } => {
                out.extend([0; 4]);
                out.extend((offsets.len() as u32).to_be_bytes());
                for &o in offsets {
                    if *wide {
                        out.extend(o.to_be_bytes());
                    } else {
                        out.extend((o as u32).to_be_bytes());
                    }
                }
            }
        }
    }
}
