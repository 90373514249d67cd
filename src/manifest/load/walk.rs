//! Finding the manifests: the walk of the posts directory and its policy on names and links.
//!
//! - What [`crate::manifest::ignore`] lists (hidden names, editor temporaries) and non-YAML
//!   files are skipped silently; `postcal.yaml` is never a manifest, even when the posts
//!   directory is the calendar root.
//! - Names that are not UTF-8 are reported (a manifest's path is stored as text), never
//!   skipped silently.
//! - The posts directory must resolve inside the calendar. Symlinked directories below it are
//!   not followed (they could loop or leave the calendar); a symlinked manifest is read only
//!   if it resolves inside the calendar root.
//! - Entries are visited in sorted order, so diagnostics and post order are deterministic.

use std::path::{Component, Path, PathBuf};

use super::file::Stamp;
use super::report::Loader;
use super::{CONFIG_FILE, display_path};
use crate::diag::{Code, Diagnostic, Span};
use crate::manifest::config::Config;
use crate::manifest::ignore::{is_ignored, is_manifest_name};
use crate::regular_file::Kind;

impl Loader<'_> {
    /// Every manifest under the posts directory, with what the walk saw of it.
    pub fn collect_manifests(
        &mut self,
        posts_dir: &str,
        config: Option<&Config>,
        out: &mut Vec<(PathBuf, Option<Stamp>)>,
    ) {
        let written = PathBuf::from(posts_dir);
        let escapes = written.is_absolute()
            || written
                .components()
                .any(|c| matches!(c, Component::ParentDir));
        let span = config.and_then(|c| c.posts.as_ref()).map(|p| p.span);
        if escapes {
            let d = Diagnostic::error(
                Code::ConfigPathEscapesRoot,
                format!("posts directory `{posts_dir}` is outside the calendar"),
            )
            .help("give a path inside the calendar directory, e.g. `posts`");
            self.diags.push(with_span_or_config(d, span, self.root));
            return;
        }
        // `posts: .` walks the root itself: manifest paths are then `a.yaml`, not `./a.yaml`.
        let rel: PathBuf = written
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .collect();
        let full = self.root.join(&rel);
        if !full.is_dir() {
            let d = Diagnostic::error(
                Code::CalendarNoPostsDir,
                format!(
                    "posts directory `{}` does not exist",
                    display_path(self.root, &rel).display()
                ),
            )
            .help(format!(
                "create it and put post manifests (*.yaml) in it, or set `posts:` in {CONFIG_FILE}"
            ));
            self.diags.push(with_span_or_config(d, span, self.root));
            return;
        }
        if !self.inside_root(&full) {
            let d = Diagnostic::error(
                Code::ConfigPathEscapesRoot,
                format!(
                    "posts directory `{}` is a symlink to a directory outside the calendar; postcal does not read it",
                    display_path(self.root, &rel).display()
                ),
            )
            .help("move the manifests into the calendar instead of linking to them");
            self.diags.push(with_span_or_config(d, span, self.root));
            return;
        }
        self.walk(&rel, out);
    }

    fn walk(&mut self, dir: &Path, out: &mut Vec<(PathBuf, Option<Stamp>)>) {
        let entries = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries,
            Err(e) => {
                let d = Diagnostic::error(
                    Code::CalendarUnreadable,
                    format!("cannot read directory: {e}"),
                )
                .in_file(display_path(self.root, dir));
                self.diags.push(d);
                return;
            }
        };
        let at_root = dir.as_os_str().is_empty();
        let mut entries: Vec<(String, bool, std::fs::DirEntry)> = entries
            .filter_map(Result::ok)
            .map(|e| {
                let name = e.file_name();
                let utf8 = name.to_str().is_some();
                (name.to_string_lossy().into_owned(), utf8, e)
            })
            .filter(|(name, _, _)| !(is_ignored(name) || (at_root && name == CONFIG_FILE)))
            .collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Stat relative to the open directory (no path walk per file), on all cores: with
        // thousands of manifests this is most of a rescan. Symlinks are not followed here.
        let metas = crate::par::map(&entries, 512, |(_, _, e)| e.metadata());
        for ((name, utf8, _), meta) in entries.iter().zip(metas) {
            let rel = dir.join(name);
            let Ok(meta) = meta else {
                continue;
            };
            let looks_like_manifest = is_manifest_name(name);
            if !utf8 {
                if meta.is_dir() || looks_like_manifest {
                    self.not_utf8(&rel, meta.is_dir());
                }
                continue;
            }
            if meta.is_dir() {
                if looks_like_manifest {
                    let d = Diagnostic::warning(
                        Code::CalendarDirectoryNamedLikeManifest,
                        "this is a directory, not a manifest file; postcal looks inside it for manifests",
                    )
                    .in_file(display_path(self.root, &rel))
                    .help("rename the directory so its name does not end in .yaml/.yml");
                    self.diags.push(d);
                }
                self.walk(&rel, out);
            } else if meta.file_type().is_symlink() {
                self.symlink(rel, looks_like_manifest, out);
            } else if looks_like_manifest {
                match Kind::of(&meta.file_type()) {
                    None => out.push((rel, Stamp::of(&meta))),
                    Some(kind) => self.not_a_file(&rel, kind),
                }
            }
        }
    }

    fn symlink(
        &mut self,
        rel: PathBuf,
        looks_like_manifest: bool,
        out: &mut Vec<(PathBuf, Option<Stamp>)>,
    ) {
        let full = self.root.join(&rel);
        match std::fs::metadata(&full) {
            Ok(target) if target.is_dir() => {
                let d = Diagnostic::warning(
                    Code::CalendarSymlinkedDirectory,
                    "symlinked directories are not followed",
                )
                .in_file(display_path(self.root, &rel))
                .help("move the manifests into the posts directory, or link the files instead");
                self.diags.push(d);
            }
            Ok(target) if looks_like_manifest => {
                if !self.inside_root(&full) {
                    let d = Diagnostic::error(
                        Code::CalendarPathEscapesRoot,
                        "this manifest is a symlink to a file outside the calendar",
                    )
                    .in_file(display_path(self.root, &rel))
                    .help("copy the file into the calendar instead of linking to it");
                    self.diags.push(d);
                } else if let Some(kind) = Kind::of(&target.file_type()) {
                    self.not_a_file(&rel, kind);
                } else {
                    out.push((rel, None));
                }
            }
            Ok(_) => {}
            Err(_) => {
                if looks_like_manifest {
                    let d = Diagnostic::error(
                        Code::CalendarBrokenSymlink,
                        "this manifest is a broken symlink (or a symlink loop)",
                    )
                    .in_file(display_path(self.root, &rel))
                    .help("remove the link or point it at an existing file");
                    self.diags.push(d);
                }
            }
        }
    }

    /// A socket, FIFO or device named like a manifest: opening a FIFO would block forever.
    fn not_a_file(&mut self, rel: &Path, kind: Kind) {
        let d = Diagnostic::error(
            Code::CalendarUnreadable,
            format!(
                "this is {}, not a regular file, so postcal does not read it",
                kind.describe()
            ),
        )
        .in_file(display_path(self.root, rel))
        .help("remove it from the posts directory, or rename it so it does not end in .yaml/.yml");
        self.diags.push(d);
    }

    fn not_utf8(&mut self, rel: &Path, is_dir: bool) {
        let what = if is_dir { "directory" } else { "manifest" };
        let d = Diagnostic::error(
            Code::CalendarNonUtf8Name,
            format!(
                "this {what}'s name is not valid UTF-8 (shown with � in place of the invalid bytes), so postcal cannot read it"
            ),
        )
        .in_file(display_path(self.root, rel))
        .help("rename it with a UTF-8 name: postcal records manifest paths as text");
        self.diags.push(d);
    }
}

fn with_span_or_config(d: Diagnostic, span: Option<Span>, root: &Path) -> Diagnostic {
    match span {
        Some(span) => d.at(span, "here"),
        None => d.in_file(display_path(root, Path::new(CONFIG_FILE))),
    }
}
