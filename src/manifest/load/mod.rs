//! Loading a calendar from disk: `postcal.yaml`, then every manifest under the posts directory.
//!
//! # Guarantees
//! - Never panics on file contents, and never reads more than [`LoadOptions::max_file_bytes`] of
//!   any file: an oversized file is reported, not loaded.
//! - Hidden files and directories (`.git/`, `.postcal/`, `.#lock`), editor temporary files
//!   (`*~`, `*.swp`, `#name#`, vim's `4913`) and non-YAML files are skipped silently.
//! - Files are visited in sorted order, so diagnostics and post order are deterministic.
//! - Symlinked directories are not followed (they could loop or leave the calendar); a symlinked
//!   manifest is read only if it resolves inside the calendar root.
//!
//! # Errors
//! Only a calendar root that does not exist or is not a directory is a [`LoadError`]; everything
//! else is a diagnostic, so one run reports every problem.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::config::Config;
use super::post::{Origin, Post};
use crate::diag::{Diagnostic, Diagnostics, SourceId, SourceMap, Span};
use crate::yaml::{self, Cx, ParseErrorKind};

/// The name of the settings file at the calendar root.
pub const CONFIG_FILE: &str = "postcal.yaml";

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Largest manifest or settings file postcal reads.
    pub max_file_bytes: u64,
}

/// 1 MiB: a thousand long posts in one file fit easily.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1024 * 1024;

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("calendar directory {path} does not exist")]
    NotFound { path: PathBuf },
    #[error(
        "{path} is not a directory; give postcal the calendar directory (the one holding postcal.yaml)"
    )]
    NotADirectory { path: PathBuf },
    #[error("cannot read calendar directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A loaded calendar: whatever could be read, plus the text of every file read.
#[derive(Debug)]
pub struct Calendar {
    /// The root as given (paths in diagnostics start with it).
    pub root: PathBuf,
    pub config: Option<Config>,
    pub posts: Vec<Post>,
    pub sources: SourceMap,
    /// Manifest files read (excluding postcal.yaml).
    pub files: usize,
}

impl Calendar {
    /// The path shown to users for a file `rel` (relative to the root).
    pub fn display_path(&self, rel: &Path) -> PathBuf {
        display_path(&self.root, rel)
    }
}

fn display_path(root: &Path, rel: &Path) -> PathBuf {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        rel.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// Loads the calendar at `root`.
pub fn load(root: &Path, options: &LoadOptions) -> Result<(Calendar, Diagnostics), LoadError> {
    let listing = list(root, options)?;
    let all: Vec<usize> = (0..listing.manifests.len()).collect();
    let loaded = listing.read(&all, &|_| None);
    let mut diagnostics = listing.diagnostics;
    diagnostics.extend(loaded.diagnostics);
    Ok((loaded.calendar, diagnostics))
}

/// The calendar directory listed: its settings read, its manifests found but not read yet.
///
/// A process that loads the same calendar again and again (the daemon) lists it each time and
/// then [`Listing::read`]s only the manifests that changed.
#[derive(Debug)]
pub struct Listing {
    /// The root as given (paths in diagnostics start with it).
    pub root: PathBuf,
    pub config: Option<Config>,
    /// SHA-256 of `postcal.yaml`'s bytes, when it could be read: equal hashes, equal settings.
    pub config_hash: Option<[u8; 32]>,
    /// Every manifest file, in sorted order.
    pub manifests: Vec<Manifest>,
    /// Problems with the settings file and with the directory walk.
    pub diagnostics: Diagnostics,
    /// The settings file's text, which the config's spans point into.
    sources: SourceMap,
    options: LoadOptions,
}

/// A manifest file found by the walk.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Relative to the calendar root.
    pub path: PathBuf,
    /// What the walk saw of it (`None` for a symlink, whose target the walk did not stat).
    stamp: Option<Stamp>,
}

/// What a previous read of a manifest established about its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The file's metadata when it was read, if it can vouch for the content later.
    stamp: Option<Stamp>,
    /// SHA-256 of the bytes.
    pub hash: [u8; 32],
}

impl Known {
    /// Whether the walk's view of the file proves it still holds these bytes, without opening
    /// it: same length, modification and change times and inode, and those were read long
    /// enough after the last write (the racy-clean rule of `Stamp::settled`).
    pub fn vouches_for(&self, manifest: &Manifest) -> bool {
        self.stamp.is_some() && self.stamp == manifest.stamp
    }
}

/// Manifests read by [`Listing::read`].
#[derive(Debug)]
pub struct Loaded {
    /// The posts of the manifests that changed (all of them when nothing was known).
    pub calendar: Calendar,
    /// Problems reading those manifests (syntax, unreadable, binary...).
    pub diagnostics: Diagnostics,
    /// For each manifest asked for, in order: what was read.
    pub outcomes: Vec<(usize, ReadOutcome)>,
}

#[derive(Debug)]
pub enum ReadOutcome {
    /// Same bytes as the `known` version: not parsed, no posts in the calendar.
    Unchanged(Known),
    /// Read and parsed: its posts and problems are in the result. `None` when the content is
    /// not text postcal can cache (unreadable, binary, too large): read again next time.
    Read(Option<Known>),
}

/// Reads `postcal.yaml` and walks the posts directory, without reading any manifest.
pub fn list(root: &Path, options: &LoadOptions) -> Result<Listing, LoadError> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(LoadError::NotADirectory {
                path: root.to_path_buf(),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::NotFound {
                path: root.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(LoadError::Io {
                path: root.to_path_buf(),
                source,
            });
        }
    }
    let canonical_root = root.canonicalize().map_err(|source| LoadError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let mut loader = Loader {
        root,
        canonical_root,
        options,
        sources: SourceMap::new(),
        diags: Diagnostics::new(),
    };
    let config = loader.load_config();
    let config_hash = (!loader.sources.is_empty()).then(|| {
        let text = &loader.sources.get(SourceId::FIRST).text;
        Sha256::digest(text.as_bytes()).into()
    });
    let posts_dir = config
        .as_ref()
        .map_or("posts", |c| c.posts_dir())
        .to_owned();
    let mut files = Vec::new();
    loader.collect_manifests(&posts_dir, config.as_ref(), &mut files);
    Ok(Listing {
        root: root.to_path_buf(),
        config,
        config_hash,
        manifests: files
            .into_iter()
            .map(|(path, stamp)| Manifest { path, stamp })
            .collect(),
        diagnostics: loader.diags,
        sources: loader.sources,
        options: options.clone(),
    })
}

impl Listing {
    /// The settings file's text: what [`Listing::diagnostics`] point into.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Reads and parses the manifests at indexes `which` (on all cores), except those whose
    /// bytes equal what `known` says they were. The calendar's source map starts with the
    /// settings file's, so the config's spans stay valid in it.
    pub fn read(&self, which: &[usize], known: &(dyn Fn(&Path) -> Option<Known> + Sync)) -> Loaded {
        let mut loader = Loader {
            root: &self.root,
            canonical_root: PathBuf::new(),
            options: &self.options,
            sources: self.sources.clone(),
            diags: Diagnostics::new(),
        };
        let cap = self.options.max_file_bytes;
        let prepared = crate::par::map(which, 64, |&i| {
            let manifest = &self.manifests[i];
            let known = known(&manifest.path);
            prepare(
                &self.root.join(&manifest.path),
                cap,
                manifest.stamp,
                known.as_ref(),
            )
        });
        let mut posts = Vec::new();
        let mut outcomes = Vec::with_capacity(which.len());
        for (&i, file) in which.iter().zip(prepared) {
            let rel = &self.manifests[i].path;
            let outcome = match &file {
                Prepared::Unchanged(known) => ReadOutcome::Unchanged(known.clone()),
                Prepared::Text(text) => ReadOutcome::Read(Some(text.known.clone())),
                _ => ReadOutcome::Read(None),
            };
            if !matches!(file, Prepared::Unchanged(_)) {
                loader.load_manifest(rel, file, &mut posts);
            }
            outcomes.push((i, outcome));
        }
        let calendar = Calendar {
            root: self.root.clone(),
            config: self.config.clone(),
            posts,
            sources: loader.sources,
            files: which.len(),
        };
        Loaded {
            calendar,
            diagnostics: loader.diags,
            outcomes,
        }
    }
}

/// Reads one manifest on its own (the daemon, about to publish from it): the SHA-256 of its
/// bytes and its posts. `None` if it cannot be read as text; problems are left to the scans.
pub fn read_manifest(root: &Path, rel: &Path) -> Option<([u8; 32], Vec<Post>)> {
    let options = LoadOptions::default();
    let Prepared::Text(text) = prepare(&root.join(rel), options.max_file_bytes, None, None) else {
        return None;
    };
    let hash = text.known.hash;
    let mut loader = Loader {
        root,
        canonical_root: PathBuf::new(),
        options: &options,
        sources: SourceMap::new(),
        diags: Diagnostics::new(),
    };
    let mut posts = Vec::new();
    loader.load_manifest(rel, Prepared::Text(text), &mut posts);
    Some((hash, posts))
}

/// Reads only `postcal.yaml` (for settings needed before a full load, such as the timezone of
/// `--now`); `None` if it is missing or unreadable. Problems are left to the full load.
pub fn config_only(root: &Path) -> Option<Config> {
    let mut loader = Loader {
        root,
        canonical_root: root.to_path_buf(),
        options: &LoadOptions::default(),
        sources: SourceMap::new(),
        diags: Diagnostics::new(),
    };
    loader.load_config()
}

struct Loader<'a> {
    root: &'a Path,
    canonical_root: PathBuf,
    options: &'a LoadOptions,
    sources: SourceMap,
    diags: Diagnostics,
}

impl Loader<'_> {
    fn load_config(&mut self) -> Option<Config> {
        let rel = Path::new(CONFIG_FILE);
        if !self.root.join(rel).is_file() {
            let d = Diagnostic::error(
                "calendar::no-config",
                format!("no {CONFIG_FILE} in {}", self.root.display()),
            )
            .in_file(display_path(self.root, rel))
            .help(format!(
                "run `postcal init {}` to create one, or point postcal at the directory that holds {CONFIG_FILE}",
                self.root.display()
            ));
            self.diags.push(d);
            return None;
        }
        let (id, text, docs) = self.accept(
            rel,
            prepare(
                &self.root.join(rel),
                self.options.max_file_bytes,
                None,
                None,
            ),
        )?;
        let mut cx = Cx::new(id, &text, &mut self.diags);
        match &docs[..] {
            [] => {
                let d = Diagnostic::error("config::empty", format!("{CONFIG_FILE} is empty"))
                    .in_file(display_path(self.root, rel))
                    .help("add at least `timezone:` and `accounts:`; `postcal init` writes a complete example");
                cx.push(d);
                None
            }
            [doc, rest @ ..] => {
                if let Some(extra) = rest.first() {
                    let d = Diagnostic::error(
                        "config::several-documents",
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

    fn collect_manifests(
        &mut self,
        posts_dir: &str,
        config: Option<&Config>,
        out: &mut Vec<(PathBuf, Option<Stamp>)>,
    ) {
        let rel = PathBuf::from(posts_dir);
        let escapes =
            rel.is_absolute() || rel.components().any(|c| matches!(c, Component::ParentDir));
        let span = config.and_then(|c| c.posts.as_ref()).map(|p| p.span);
        if escapes {
            let d = Diagnostic::error(
                "config::path-escapes-root",
                format!("posts directory `{posts_dir}` is outside the calendar"),
            )
            .help("give a path inside the calendar directory, e.g. `posts`");
            self.diags.push(with_span_or_config(d, span, self.root));
            return;
        }
        if !self.root.join(&rel).is_dir() {
            let d = Diagnostic::error(
                "calendar::no-posts-dir",
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
        self.walk(&rel, out);
    }

    fn walk(&mut self, dir: &Path, out: &mut Vec<(PathBuf, Option<Stamp>)>) {
        let entries = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries,
            Err(e) => {
                let d = Diagnostic::error(
                    "calendar::unreadable",
                    format!("cannot read directory: {e}"),
                )
                .in_file(display_path(self.root, dir));
                self.diags.push(d);
                return;
            }
        };
        let mut entries: Vec<(String, std::fs::DirEntry)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.file_name().into_string().ok()?, e)))
            .filter(|(name, _)| !is_ignored(name))
            .collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Stat relative to the open directory (no path walk per file), on all cores: with
        // thousands of manifests this is most of a rescan. Symlinks are not followed here.
        let metas = crate::par::map(&entries, 512, |(_, e)| e.metadata());
        for ((name_str, _), meta) in entries.iter().zip(metas) {
            let name_str = name_str.as_str();
            let rel = dir.join(name_str);
            let full = self.root.join(&rel);
            let Ok(meta) = meta else {
                continue;
            };
            let looks_like_manifest = is_manifest_name(name_str);
            if meta.is_dir() {
                if looks_like_manifest {
                    let d = Diagnostic::warning(
                        "calendar::directory-named-like-manifest",
                        "this is a directory, not a manifest file; postcal looks inside it for manifests",
                    )
                    .in_file(display_path(self.root, &rel))
                    .help("rename the directory so its name does not end in .yaml/.yml");
                    self.diags.push(d);
                }
                self.walk(&rel, out);
            } else if meta.file_type().is_symlink() {
                match std::fs::metadata(&full) {
                    Ok(target) if target.is_dir() => {
                        let d = Diagnostic::warning(
                            "calendar::symlinked-directory",
                            "symlinked directories are not followed",
                        )
                        .in_file(display_path(self.root, &rel))
                        .help("move the manifests into the posts directory, or link the files instead");
                        self.diags.push(d);
                    }
                    Ok(target) if looks_like_manifest => {
                        if !target.is_file() {
                            self.not_a_file(&rel);
                        } else if self.inside_root(&full) {
                            out.push((rel, None));
                        } else {
                            let d = Diagnostic::error(
                                "calendar::path-escapes-root",
                                "this manifest is a symlink to a file outside the calendar",
                            )
                            .in_file(display_path(self.root, &rel))
                            .help("copy the file into the calendar instead of linking to it");
                            self.diags.push(d);
                        }
                    }
                    Ok(_) => {}
                    Err(_) => {
                        if looks_like_manifest {
                            let d = Diagnostic::error(
                                "calendar::broken-symlink",
                                "this manifest is a broken symlink",
                            )
                            .in_file(display_path(self.root, &rel))
                            .help("remove the link or point it at an existing file");
                            self.diags.push(d);
                        }
                    }
                }
            } else if looks_like_manifest {
                if meta.is_file() {
                    out.push((rel, Stamp::of(&meta)));
                } else {
                    self.not_a_file(&rel);
                }
            }
        }
    }

    /// A socket, FIFO or device named like a manifest: opening a FIFO would block forever.
    fn not_a_file(&mut self, rel: &Path) {
        let d = Diagnostic::error(
            "calendar::unreadable",
            "this is not a regular file (a socket, FIFO or device), so postcal does not read it",
        )
        .in_file(display_path(self.root, rel))
        .help("remove it from the posts directory, or rename it so it does not end in .yaml/.yml");
        self.diags.push(d);
    }

    fn inside_root(&self, path: &Path) -> bool {
        path.canonicalize()
            .is_ok_and(|p| p.starts_with(&self.canonical_root))
    }

    fn load_manifest(&mut self, rel: &Path, file: Prepared, posts: &mut Vec<Post>) {
        let Some((id, text, docs)) = self.accept(rel, file) else {
            return;
        };
        let path = crate::diag::json::path_string(rel);
        let mut cx = Cx::new(id, &text, &mut self.diags);
        if docs.is_empty() {
            let d = Diagnostic::warning("calendar::empty-manifest", "this manifest holds no post")
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

    /// Registers a prepared file's text and reports why it cannot be used (unreadable, too
    /// large, binary, not UTF-8, not YAML).
    fn accept(
        &mut self,
        rel: &Path,
        file: Prepared,
    ) -> Option<(SourceId, Arc<str>, Vec<yaml::Node>)> {
        let shown = display_path(self.root, rel);
        let cap = self.options.max_file_bytes;
        match file {
            Prepared::Unreadable(e) => {
                let d = Diagnostic::error(
                    "calendar::unreadable",
                    format!("cannot read this file: {e}"),
                )
                .in_file(shown);
                self.diags.push(d);
                None
            }
            Prepared::TooLarge(size) => {
                let d = Diagnostic::error(
                    "calendar::file-too-large",
                    format!(
                        "this file is {} bytes; postcal reads manifests of at most {} bytes",
                        group(size),
                        group(cap)
                    ),
                )
                .in_file(shown)
                .help("split it into several manifest files (one post per file is usual)");
                self.diags.push(d);
                None
            }
            Prepared::Binary(nul) => {
                let d = Diagnostic::error(
                    "calendar::binary-file",
                    format!("this file is binary (a NUL byte at offset {nul}), not a YAML manifest"),
                )
                .in_file(shown)
                .help("move non-manifest files out of the posts directory, or give them another extension");
                self.diags.push(d);
                None
            }
            Prepared::NotUtf8 { lossy, valid } => {
                // The lossy text has the same prefix, so `valid` is a char boundary in it.
                let id = self.sources.add(shown, lossy);
                let d = Diagnostic::error(
                    "calendar::not-utf8",
                    format!("this file is not valid UTF-8 (invalid byte at offset {valid})"),
                )
                .at(Span::new(id, valid, 1), "not UTF-8")
                .help("save the file as UTF-8 (most editors: \"Save with encoding\")");
                self.diags.push(d);
                None
            }
            // Only asked for manifests a caller already knows; nothing to report.
            Prepared::Unchanged(_) => None,
            Prepared::Text(Text { text, parsed, .. }) => {
                let id = self.sources.add(shown, text.clone());
                let docs = self.parsed(id, parsed)?;
                Some((id, text, docs))
            }
        }
    }

    fn parsed(
        &mut self,
        id: SourceId,
        parsed: Result<Vec<yaml::Node>, yaml::ParseError>,
    ) -> Option<Vec<yaml::Node>> {
        match parsed {
            Ok(docs) => Some(docs),
            Err(e) => {
                let (code, help) = match e.kind {
                    ParseErrorKind::Syntax => (
                        "yaml::syntax",
                        "fix the YAML syntax here (indentation, quotes and `:` are the usual suspects)",
                    ),
                    ParseErrorKind::DuplicateKey => (
                        "yaml::duplicate-key",
                        "remove one of the two entries with this key",
                    ),
                    ParseErrorKind::TooComplex => (
                        "yaml::too-complex",
                        "manifests are small: this nesting or alias expansion is far beyond one; \
                         simplify it (aliases that reference aliases multiply quickly)",
                    ),
                };
                let d = Diagnostic::error(code, e.message)
                    .at(Span::new(id, e.start, e.len), "here")
                    .help(help);
                self.diags.push(d);
                None
            }
        }
    }
}

/// A file read and parsed, before its diagnostics are attributed (which needs the source map,
/// so happens in order on one thread).
enum Prepared {
    Unreadable(std::io::Error),
    TooLarge(u64),
    /// Offset of the first NUL byte.
    Binary(usize),
    NotUtf8 {
        lossy: Arc<str>,
        valid: usize,
    },
    /// The bytes a caller already knows: not parsed.
    Unchanged(Known),
    Text(Text),
}

/// A file's text and what parsing it gave.
struct Text {
    text: Arc<str>,
    parsed: Result<Vec<yaml::Node>, yaml::ParseError>,
    known: Known,
}

/// What the file system says about a file's content: if it has not changed, neither has the
/// content. Compared with what the directory walk sees, so an unchanged file is not even
/// opened again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: SystemTime,
    #[cfg(unix)]
    inode: u64,
    #[cfg(unix)]
    changed: (i64, i64),
}

impl Stamp {
    /// The stamp of the file at `path` (following symlinks); `None` if it cannot be read.
    pub fn of_path(path: &Path) -> Option<Stamp> {
        Stamp::of(&std::fs::metadata(path).ok()?)
    }

    fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok()?,
            #[cfg(unix)]
            inode: meta.ino(),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// A stamp read at `read_at` vouches for the content only if the file had not been
    /// modified within the file system's timestamp granularity before: otherwise a second
    /// write in the same tick could leave the stamp unchanged (git's "racy clean" problem).
    fn settled(self, read_at: SystemTime) -> Option<Stamp> {
        let age = read_at.duration_since(self.modified).ok()?;
        (age >= RACY_WINDOW).then_some(self)
    }
}

/// Longer than any file system's modification-time granularity (FAT's is 2 seconds).
const RACY_WINDOW: std::time::Duration = std::time::Duration::from_secs(3);

/// Reads a file (never more than `cap` bytes) and parses it as YAML, unless `known` holds its
/// content: the walk's `seen` stamp equals the known one, or the bytes hash the same.
fn prepare(path: &Path, cap: u64, seen: Option<Stamp>, known: Option<&Known>) -> Prepared {
    if let Some(known) = known
        && known.stamp.is_some()
        && known.stamp == seen
    {
        return Prepared::Unchanged(known.clone());
    }
    let mut bytes = Vec::new();
    let mut stamp = None;
    let read = File::open(path).and_then(|f| {
        let meta = f.metadata()?;
        let size = meta.len();
        stamp = Stamp::of(&meta).and_then(|s| s.settled(SystemTime::now()));
        if size > cap {
            return Ok(Some(size));
        }
        // `take` guards against a file that grew since `metadata`.
        f.take(cap + 1).read_to_end(&mut bytes)?;
        Ok((bytes.len() as u64 > cap).then_some(bytes.len() as u64))
    });
    match read {
        Err(e) => return Prepared::Unreadable(e),
        Ok(Some(size)) => return Prepared::TooLarge(size),
        Ok(None) => {}
    }
    let known_now = Known {
        stamp,
        hash: Sha256::digest(&bytes).into(),
    };
    if known.is_some_and(|k| k.hash == known_now.hash) {
        return Prepared::Unchanged(known_now);
    }
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Prepared::Binary(nul);
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            let parsed = yaml::parse(&text);
            Prepared::Text(Text {
                text: text.into(),
                parsed,
                known: known_now,
            })
        }
        Err(e) => Prepared::NotUtf8 {
            valid: e.utf8_error().valid_up_to(),
            lossy: String::from_utf8_lossy(e.as_bytes()).into(),
        },
    }
}

fn with_span_or_config(d: Diagnostic, span: Option<Span>, root: &Path) -> Diagnostic {
    match span {
        Some(span) => d.at(span, "here"),
        None => d.in_file(display_path(root, Path::new(CONFIG_FILE))),
    }
}

/// Hidden files and editor temporaries.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".orig"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

fn is_manifest_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// 52428800 -> "52,428,800".
pub(crate) fn group(n: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar_with(post: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "timezone: UTC\naccounts:\n  threads/acme: {}\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("posts")).unwrap();
        std::fs::write(dir.path().join("posts/a.yaml"), post).unwrap();
        dir
    }

    /// Lists the calendar and reads every manifest, knowing what `known` says.
    fn read_all(dir: &Path, known: &[(PathBuf, Known)]) -> Loaded {
        let listing = list(dir, &LoadOptions::default()).unwrap();
        let all: Vec<usize> = (0..listing.manifests.len()).collect();
        listing.read(&all, &|path| {
            known
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, k)| k.clone())
        })
    }

    /// What `loaded` established about the calendar's one manifest.
    fn known_of(loaded: &Loaded) -> Vec<(PathBuf, Known)> {
        loaded
            .outcomes
            .iter()
            .filter_map(|(_, outcome)| match outcome {
                ReadOutcome::Unchanged(k) | ReadOutcome::Read(Some(k)) => Some(k.clone()),
                ReadOutcome::Read(None) => None,
            })
            .map(|k| (PathBuf::from("posts/a.yaml"), k))
            .collect()
    }

    #[test]
    fn a_read_sees_an_edit_that_keeps_size_and_mtime() {
        let post = "id: a\nat: 2027-01-01 09:00\ntext: first\ntargets:\n  threads/acme: {}\n";
        let dir = calendar_with(post);
        let path = dir.path().join("posts/a.yaml");
        let first = read_all(dir.path(), &[]);
        assert_eq!(
            first.calendar.posts[0].text.as_ref().unwrap().value,
            "first"
        );
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        // Same length, same modification time: only the bytes tell the difference.
        std::fs::write(&path, post.replace("first", "fresh")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let second = read_all(dir.path(), &known_of(&first));
        assert!(matches!(second.outcomes[0].1, ReadOutcome::Read(Some(_))));
        assert_eq!(
            second.calendar.posts[0].text.as_ref().unwrap().value,
            "fresh"
        );
    }

    #[test]
    fn a_read_skips_manifests_whose_bytes_are_known() {
        let dir = calendar_with(
            "id: a\nat: 2027-01-01 09:00\ntext: same\ntargets:\n  threads/acme: {}\n",
        );
        let first = read_all(dir.path(), &[]);
        assert_eq!(first.calendar.posts.len(), 1);
        let second = read_all(dir.path(), &known_of(&first));
        assert!(matches!(second.outcomes[0].1, ReadOutcome::Unchanged(_)));
        assert!(second.calendar.posts.is_empty(), "parsed again");
        assert!(second.diagnostics.is_empty());
    }

    #[test]
    fn a_settled_stamp_vouches_without_reading() {
        let dir = calendar_with(
            "id: a\nat: 2027-01-01 09:00\ntext: same\ntargets:\n  threads/acme: {}\n",
        );
        let path = dir.path().join("posts/a.yaml");
        let old = SystemTime::now() - 2 * RACY_WINDOW;
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let first = read_all(dir.path(), &[]);
        let known = known_of(&first);
        let listing = list(dir.path(), &LoadOptions::default()).unwrap();
        assert!(known[0].1.vouches_for(&listing.manifests[0]));
        // Any write changes the change time, so the stamp no longer vouches.
        std::fs::write(&path, "id: b\n").unwrap();
        let listing = list(dir.path(), &LoadOptions::default()).unwrap();
        assert!(!known[0].1.vouches_for(&listing.manifests[0]));
    }

    #[test]
    fn a_stamp_vouches_only_for_files_older_than_the_racy_window() {
        let now = SystemTime::now();
        let stamp = |age| Stamp {
            len: 1,
            modified: now - age,
            #[cfg(unix)]
            inode: 1,
            #[cfg(unix)]
            changed: (0, 0),
        };
        assert!(stamp(std::time::Duration::ZERO).settled(now).is_none());
        assert!(stamp(RACY_WINDOW).settled(now).is_some());
    }

    #[test]
    fn ignores_hidden_and_editor_files() {
        for name in [
            ".git",
            ".post.yaml.swp",
            "post.yaml~",
            "#post.yaml#",
            "4913",
            "a.yaml.tmp",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["post.yaml", "2026-12-launch.yml"] {
            assert!(!is_ignored(name), "{name}");
            assert!(is_manifest_name(name));
        }
    }

    #[test]
    fn groups_digits() {
        assert_eq!(group(52_428_800), "52,428,800");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
    }
}
