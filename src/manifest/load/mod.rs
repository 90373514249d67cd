//! Loading a calendar from disk: `postcal.yaml`, then every manifest under the posts directory.
//!
//! [`list`] reads the settings and walks the posts directory ([`walk`]); [`Listing::read`]
//! reads manifests ([`file`]) and turns them into posts and diagnostics ([`report`]). What is
//! checked afterwards, and how the two fit together, is [`crate::rules::pipeline`]'s business.
//!
//! # Guarantees
//! - Never panics on file contents, never blocks on a FIFO, and never reads more than
//!   [`LoadOptions::max_file_bytes`] of any file: an oversized file is reported, not loaded.
//! - Never reads a file outside the calendar: a `postcal.yaml`, posts directory or manifest
//!   that is a symlink leading out is reported and left unread, so no line of it is shown.
//! - Files are visited in sorted order, so diagnostics and post order are deterministic.
//!
//! # Errors
//! Only a calendar root that does not exist or is not a directory is a [`LoadError`]; everything
//! else is a diagnostic, so one run reports every problem.

mod file;
mod report;
mod walk;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use file::{Known, Stamp};

use super::config::Config;
use super::post::Post;
use crate::diag::{Diagnostics, SourceId, SourceMap};
use file::{FileRead, read_file};
use report::Loader;

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

/// Manifests read from a calendar: their posts, plus the text of every file read.
#[derive(Debug)]
pub struct Calendar {
    /// The root as given (paths in diagnostics start with it).
    pub root: PathBuf,
    pub config: Option<Config>,
    pub posts: Vec<Post>,
    pub sources: SourceMap,
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
    pub manifests: Vec<ManifestFile>,
    /// Problems with the settings file and with the directory walk.
    pub diagnostics: Diagnostics,
    /// The settings file's text, which the config's spans point into.
    sources: SourceMap,
    options: LoadOptions,
}

/// A manifest file found by the walk.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    /// Relative to the calendar root.
    pub path: PathBuf,
    /// What the walk saw of it (`None` for a symlink, whose target the walk did not stat).
    stamp: Option<Stamp>,
}

/// Manifests read by [`Listing::read`].
#[derive(Debug)]
pub struct Loaded {
    /// The posts of the manifests read (those whose bytes were not known already).
    pub calendar: Calendar,
    /// Problems reading those manifests (syntax, unreadable, binary...).
    pub diagnostics: Diagnostics,
    /// For each manifest asked for, in order: what was read.
    pub files: Vec<LoadedFile>,
}

/// What reading one manifest gave.
#[derive(Debug)]
pub struct LoadedFile {
    /// Index into [`Listing::manifests`].
    pub index: usize,
    pub outcome: ReadOutcome,
    /// Where its text is in the calendar's source map, if it was read as text.
    pub source: Option<SourceId>,
    /// Errors found reading it (syntax, unreadable...), before any rule ran.
    pub errors: usize,
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
    let mut loader = Loader::new(root, options, SourceMap::new());
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
            .map(|(path, stamp)| ManifestFile { path, stamp })
            .collect(),
        diagnostics: loader.diags,
        sources: loader.sources,
        options: options.clone(),
    })
}

impl Listing {
    /// The settings file's text: what [`Listing::diagnostics`] point into. A source map given
    /// to [`Listing::read`] must start with it.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Reads and parses the manifests at indexes `which` (on all cores), except those whose
    /// bytes equal what `known` (one entry per index) says they were. Their texts are added to
    /// `sources`, which must start with [`Listing::sources`] so the config's spans stay valid.
    pub fn read(&self, which: &[usize], known: &[Option<Known>], sources: SourceMap) -> Loaded {
        let mut loader = Loader::new(&self.root, &self.options, sources);
        let cap = self.options.max_file_bytes;
        let jobs: Vec<(usize, Option<&Known>)> = which
            .iter()
            .zip(
                known
                    .iter()
                    .map(Option::as_ref)
                    .chain(std::iter::repeat(None)),
            )
            .map(|(&i, k)| (i, k))
            .collect();
        let read = crate::par::map(&jobs, 64, |&(i, known)| {
            let manifest = &self.manifests[i];
            read_file(&self.root.join(&manifest.path), cap, manifest.stamp, known)
        });
        let mut posts = Vec::new();
        let mut files = Vec::with_capacity(which.len());
        for (&i, file) in which.iter().zip(read) {
            let rel = &self.manifests[i].path;
            let outcome = match &file {
                FileRead::Unchanged(known) => ReadOutcome::Unchanged(known.clone()),
                FileRead::Text(text) => ReadOutcome::Read(Some(text.known.clone())),
                _ => ReadOutcome::Read(None),
            };
            let (before, sources_before) = (loader.diags.len(), loader.sources.len());
            if !matches!(file, FileRead::Unchanged(_)) {
                loader.load_manifest(rel, file, &mut posts);
            }
            let errors = loader
                .diags
                .iter()
                .skip(before)
                .filter(|d| d.is_error())
                .count();
            let source = (loader.sources.len() > sources_before).then(|| loader.sources.last_id());
            files.push(LoadedFile {
                index: i,
                outcome,
                source,
                errors,
            });
        }
        let calendar = Calendar {
            root: self.root.clone(),
            config: self.config.clone(),
            posts,
            sources: loader.sources,
        };
        Loaded {
            calendar,
            diagnostics: loader.diags,
            files,
        }
    }
}

/// Reads one manifest on its own (the daemon, about to publish from it): the SHA-256 of its
/// bytes and its posts. `None` if it cannot be read as text; problems are left to the scans.
pub fn read_manifest(root: &Path, rel: &Path) -> Option<([u8; 32], Vec<Post>)> {
    let options = LoadOptions::default();
    let FileRead::Text(text) = read_file(&root.join(rel), options.max_file_bytes, None, None)
    else {
        return None;
    };
    let hash = text.known.hash;
    let mut loader = Loader::new(root, &options, SourceMap::new());
    let mut posts = Vec::new();
    loader.load_manifest(rel, FileRead::Text(text), &mut posts);
    Some((hash, posts))
}

/// Reads only `postcal.yaml` (for settings needed before a full load, such as the timezone of
/// `--now`); `None` if it is missing or unreadable. Problems are left to the full load.
pub fn config_only(root: &Path) -> Option<Config> {
    Loader::new(root, &LoadOptions::default(), SourceMap::new()).load_config()
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
        let known: Vec<Option<Known>> = listing
            .manifests
            .iter()
            .map(|m| {
                known
                    .iter()
                    .find(|(p, _)| *p == m.path)
                    .map(|(_, k)| k.clone())
            })
            .collect();
        listing.read(&all, &known, listing.sources().clone())
    }

    /// What `loaded` established about the calendar's one manifest.
    fn known_of(loaded: &Loaded) -> Vec<(PathBuf, Known)> {
        loaded
            .files
            .iter()
            .filter_map(|file| match &file.outcome {
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
        assert!(matches!(
            second.files[0].outcome,
            ReadOutcome::Read(Some(_))
        ));
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
        assert!(matches!(second.files[0].outcome, ReadOutcome::Unchanged(_)));
        assert!(second.calendar.posts.is_empty(), "parsed again");
        assert!(second.diagnostics.is_empty());
    }

    #[test]
    fn a_settled_stamp_vouches_without_reading() {
        let dir = calendar_with(
            "id: a\nat: 2027-01-01 09:00\ntext: same\ntargets:\n  threads/acme: {}\n",
        );
        let path = dir.path().join("posts/a.yaml");
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
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
}
