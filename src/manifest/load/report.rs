//! Turning what was read into settings, posts and diagnostics: the [`Loader`] registers each
//! file's text in the source map, reports why a file cannot be used (in words that fit the file:
//! `postcal.yaml` is not a manifest), maps YAML errors to codes, and reads the documents.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::file::{FileRead, Text, read_file};
use super::{CONFIG_FILE, LoadOptions, display_path};
use crate::diag::{Code, Diagnostic, Diagnostics, SourceId, SourceMap, Span, group_digits};
use crate::manifest::config::Config;
use crate::manifest::post::{Origin, Post};
use crate::yaml::{self, Cx, ParseErrorKind};

/// Which kind of file a problem is about: the words and the help differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Config,
    Manifest,
}

pub(super) struct Loader<'a> {
    pub root: &'a Path,
    /// The root with symlinks resolved: what "inside the calendar" means.
    pub canonical_root: PathBuf,
    pub options: &'a LoadOptions,
    pub sources: SourceMap,
    pub diags: Diagnostics,
}

impl<'a> Loader<'a> {
    pub fn new(root: &'a Path, options: &'a LoadOptions, sources: SourceMap) -> Self {
        Loader {
            root,
            canonical_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            options,
            sources,
            diags: Diagnostics::new(),
        }
    }

    /// Whether `path` resolves (symlinks followed) to somewhere inside the calendar.
    pub fn inside_root(&self, path: &Path) -> bool {
        path.canonicalize()
            .is_ok_and(|p| p.starts_with(&self.canonical_root))
    }

    pub fn load_config(&mut self) -> Option<Config> {
        let rel = Path::new(CONFIG_FILE);
        let full = self.root.join(rel);
        let shown = display_path(self.root, rel);
        match std::fs::symlink_metadata(&full) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let d = Diagnostic::error(
                    Code::CalendarNoConfig,
                    format!("no {CONFIG_FILE} in {}", self.root.display()),
                )
                .in_file(shown)
                .help(format!(
                    "run `postcal init {}` to create one, or point postcal at the directory that holds {CONFIG_FILE}",
                    self.root.display()
                ));
                self.diags.push(d);
                return None;
            }
            Ok(meta) if meta.file_type().is_symlink() && !self.inside_root(&full) => {
                // Never read it: its lines would be shown in diagnostics.
                let d = Diagnostic::error(
                    Code::ConfigPathEscapesRoot,
                    format!("{CONFIG_FILE} is a symlink to a file outside the calendar (or a broken one); postcal does not read it"),
                )
                .in_file(shown)
                .help(format!("copy the settings into {CONFIG_FILE} instead of linking to another file"));
                self.diags.push(d);
                return None;
            }
            _ => {}
        }
        let read = read_file(&full, self.options.max_file_bytes, None, None);
        let (id, text, docs) = self.accept(rel, Role::Config, read)?;
        let mut cx = Cx::new(id, &text, &mut self.diags);
        match &docs[..] {
            [] => {
                let d = Diagnostic::error(Code::ConfigEmpty, format!("{CONFIG_FILE} is empty"))
                    .in_file(display_path(self.root, rel))
                    .help("add at least `timezone:` and `accounts:`; `postcal init` writes a complete example");
                cx.push(d);
                None
            }
            [doc, rest @ ..] => {
                if let Some(extra) = rest.first() {
                    let d = Diagnostic::error(
                        Code::ConfigSeveralDocuments,
                        format!("{CONFIG_FILE} holds several YAML documents; only one is allowed"),
                    )
                    .at(cx.span(extra), "second document")
                    .help("merge the documents into one, or remove the `---` separator");
                    cx.push(d);
                }
                Config::read(doc, &mut cx)
            }
        }
    }

    /// Reads the posts of one manifest (already read from disk) into `posts`.
    pub fn load_manifest(&mut self, rel: &Path, file: FileRead, posts: &mut Vec<Post>) {
        let Some((id, text, docs)) = self.accept(rel, Role::Manifest, file) else {
            return;
        };
        let path = crate::diag::json::path_string(rel);
        let mut cx = Cx::new(id, &text, &mut self.diags);
        if docs.is_empty() {
            let d = Diagnostic::warning(Code::CalendarEmptyManifest, "this manifest holds no post")
                .in_file(display_path(self.root, rel))
                .help("write a post in it (see `postcal init` for an example), or delete it");
            cx.push(d);
        }
        for (document, node) in docs.iter().enumerate() {
            // A document runs from its first node to the next document (or the end of the file),
            // so every diagnostic inside it can be attributed to its post.
            let end = docs.get(document + 1).map_or(text.len(), |next| next.start);
            let origin = Origin {
                source: id,
                path: path.clone(),
                document,
                span: Span::new(id, node.start, end.saturating_sub(node.start)),
            };
            if let Some(post) = Post::read(node, origin, &mut cx) {
                posts.push(post);
            }
        }
    }

    /// Registers a file's text and reports why it cannot be used (unreadable, too large,
    /// binary, not UTF-8, not YAML).
    fn accept(
        &mut self,
        rel: &Path,
        role: Role,
        file: FileRead,
    ) -> Option<(SourceId, Arc<str>, Vec<yaml::Node>)> {
        let shown = display_path(self.root, rel);
        let cap = self.options.max_file_bytes;
        let (what, at_most, move_away) = match role {
            Role::Config => (
                "settings file",
                "a settings file",
                format!("{CONFIG_FILE} holds postcal's settings; restore it from version control, or write a new one with `postcal init`"),
            ),
            Role::Manifest => (
                "YAML manifest",
                "manifests",
                "move non-manifest files out of the posts directory, or give them another extension".to_owned(),
            ),
        };
        let d = match file {
            FileRead::Unreadable(e) => Diagnostic::error(
                Code::CalendarUnreadable,
                format!("cannot read this file: {e}"),
            )
            .in_file(shown),
            FileRead::NotRegular(kind) => Diagnostic::error(
                Code::CalendarUnreadable,
                format!(
                    "this is {}, not a regular file, so postcal does not read it",
                    kind.describe()
                ),
            )
            .in_file(shown)
            .help(move_away),
            FileRead::TooLarge(size) => {
                let help = match role {
                    Role::Config => format!(
                        "{CONFIG_FILE} holds settings only (timezone, accounts, defaults): move everything else out"
                    ),
                    Role::Manifest => {
                        "split it into several manifest files (one post per file is usual)"
                            .to_owned()
                    }
                };
                Diagnostic::error(
                    Code::CalendarFileTooLarge,
                    format!(
                        "this file is {} bytes; postcal reads {at_most} of at most {} bytes",
                        group_digits(size),
                        group_digits(cap)
                    ),
                )
                .in_file(shown)
                .help(help)
            }
            FileRead::Binary(nul) => Diagnostic::error(
                Code::CalendarBinaryFile,
                format!("this file is binary (a NUL byte at offset {nul}), not a {what}"),
            )
            .in_file(shown)
            .help(move_away),
            FileRead::Utf16 { big_endian } => {
                let from = if big_endian { "UTF-16BE" } else { "UTF-16LE" };
                Diagnostic::error(
                    Code::CalendarNotUtf8,
                    format!("this file is UTF-16 ({from}); postcal reads UTF-8 only"),
                )
                .in_file(shown.clone())
                .help(format!(
                    "save it as UTF-8 (most editors: \"Save with encoding\"), or convert it: \
                     `iconv -f {from} -t UTF-8 {0} > {0}.new && mv {0}.new {0}`",
                    shown.display()
                ))
            }
            FileRead::NotUtf8 { lossy, valid } => {
                // The lossy text has the same prefix, so `valid` is a char boundary in it.
                let id = self.sources.add(shown, lossy);
                Diagnostic::error(
                    Code::CalendarNotUtf8,
                    format!("this file is not valid UTF-8 (invalid byte at offset {valid})"),
                )
                .at(Span::new(id, valid, 1), "not UTF-8")
                .help("save the file as UTF-8 (most editors: \"Save with encoding\")")
            }
            // Only asked for manifests a caller already knows; nothing to report.
            FileRead::Unchanged(_) => return None,
            FileRead::Text(Text { text, parsed, .. }) => {
                let id = self.sources.add(shown, text.clone());
                let docs = self.parsed(id, role, parsed)?;
                return Some((id, text, docs));
            }
        };
        self.diags.push(d);
        None
    }

    fn parsed(
        &mut self,
        id: SourceId,
        role: Role,
        parsed: Result<Vec<yaml::Node>, yaml::ParseError>,
    ) -> Option<Vec<yaml::Node>> {
        let e = match parsed {
            Ok(docs) => return Some(docs),
            Err(e) => e,
        };
        let (code, help) = match e.kind {
            ParseErrorKind::Syntax => (
                Code::YamlSyntax,
                "fix the YAML syntax here (indentation, quotes and `:` are the usual suspects)",
            ),
            ParseErrorKind::DuplicateKey => (
                Code::YamlDuplicateKey,
                "remove one of the two entries with this key",
            ),
            ParseErrorKind::TooComplex => (
                Code::YamlTooComplex,
                "this nesting or alias expansion is far beyond what settings or posts need; \
                 simplify it (aliases that reference aliases multiply quickly)",
            ),
            ParseErrorKind::TooManyDocuments => (
                Code::YamlTooComplex,
                match role {
                    Role::Manifest => {
                        "split the posts over several files (one post per file is usual)"
                    }
                    Role::Config => "postcal.yaml holds one document: remove the `---` separators",
                },
            ),
        };
        let help = match syntax_help(&e) {
            Some(specific) => specific,
            None => help.to_owned(),
        };
        let d = Diagnostic::error(code, e.message)
            .at(Span::new(id, e.start, e.len), "here")
            .help(help);
        self.diags.push(d);
        None
    }
}

/// Help for the syntax errors people make most, in their own terms: YAML's "mapping values
/// are not allowed in this context" is almost always a `: ` inside unquoted text.
fn syntax_help(e: &yaml::ParseError) -> Option<String> {
    (e.kind == ParseErrorKind::Syntax && e.message.contains("mapping values are not allowed")).then(
        || {
            "a `: ` inside a value starts a new key in YAML; if this is text, quote it \
             (`text: \"Open today: 7am\"`) or write it as a block, `text: |` with the text on \
             the next lines, indented"
                .to_owned()
        },
    )
}
