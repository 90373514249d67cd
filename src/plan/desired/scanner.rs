//! The [`Scanner`]: the calendar's desired state, again and again (the daemon's rescans),
//! redoing only what changed. It is a memo of [`check_calendar`], the one function that decides
//! a calendar's diagnostics: it keeps per manifest what checking it gave, and never checks
//! anything itself.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono_tz::Tz;

use super::build::desired_posts;
use super::content::{Content, build_content, hex, media_content, media_files};
use super::hashes::{HashCache, media_stamp};
use super::preview::Probes;
use super::{Blocked, Desired, DesiredPost};
use crate::diag::json::path_string;
use crate::diag::{Diagnostic, Location, SourceMap};
use crate::manifest::LoadOptions;
use crate::manifest::config::DEFAULT_MAX_LATENESS;
use crate::manifest::load::{Known, Listing, LoadError, Loaded, ManifestFile, ReadOutcome, Stamp};
use crate::manifest::time::{parse_duration, parse_timezone};
use crate::media::path::MediaRoot;
use crate::platform::TargetKey;
use crate::rules::MediaCatalog;
use crate::rules::pipeline::{CheckedManifests, Memo, check_calendar};

/// Turns a calendar into its desired state, again and again, redoing only what changed.
///
/// A manifest is read again only when the directory walk cannot vouch for it (see
/// [`Known::vouches_for`]), and parsed, checked and turned into posts again only when its
/// bytes, `postcal.yaml` or a media file it names changed. Unique ids, the only rule across
/// manifests, are checked over all posts on every scan. A fresh scanner and a long-lived one
/// give the same [`Desired`] (tested), and the same error count as `postcal validate` (tested).
#[derive(Debug, Default)]
pub struct Scanner {
    hasher: HashCache,
    /// SHA-256 of the `postcal.yaml` the remembered manifests were checked against.
    config_hash: Option<[u8; 32]>,
    files: HashMap<PathBuf, FileState>,
    stats: ScanStats,
    /// Media probes for previews, when the scanner builds them.
    probes: Option<Probes>,
}

/// What one manifest gave when it was last checked, and what it depended on.
#[derive(Debug)]
struct FileState {
    /// `None` when the content cannot be remembered (unreadable, binary...): read every scan.
    known: Option<Known>,
    /// The media files its posts name (as written) and their stamps before they were checked.
    media: Vec<(String, Option<Stamp>)>,
    posts: Vec<Arc<DesiredPost>>,
    /// Errors reported in this file (unique ids aside).
    errors: usize,
}

/// What the last scan had to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Manifest files in the calendar.
    pub manifests: usize,
    /// Manifests opened and read (the walk could not vouch for them).
    pub read: usize,
    /// Manifests parsed and checked again (their bytes, the settings or their media changed).
    pub checked: usize,
}

impl Scanner {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scanner that also gives each target its [`super::Preview`] (kind, excerpt, media,
    /// conversions), for commands that show them; it probes every media file's headers once.
    pub fn with_previews() -> Self {
        Self {
            probes: Some(Probes::default()),
            ..Self::default()
        }
    }

    /// What the last [`Scanner::scan`] did.
    pub fn stats(&self) -> ScanStats {
        self.stats
    }

    /// SHA-256 (hex) of the media file a manifest names as `written`, from the hashes the
    /// last scan computed (a file that changed since is hashed again); empty when the file may
    /// not be read.
    pub fn media_hash(&mut self, root: &Path, written: &str) -> String {
        self.hasher.hash(&MediaRoot::new(root), written)
    }

    /// What `target` of `post` publishes, rebuilt from its manifest now: `None` when the
    /// manifest or a media file changed since the scan that planned it (its content hash is no
    /// longer the planned one). The caller then rescans instead of publishing.
    pub fn content(
        &mut self,
        root: &Path,
        post: &DesiredPost,
        target: &TargetKey,
    ) -> Option<Content> {
        let planned = post.targets.iter().find(|t| &t.key == target)?;
        let (hash, posts) =
            crate::manifest::load::read_manifest(root, Path::new(&post.revision.path))?;
        if hex(&hash) != post.revision.file_hash {
            return None;
        }
        let manifest = posts
            .iter()
            .find(|p| p.origin.document == post.document && p.id.value == post.id)?;
        let written = manifest
            .targets
            .iter()
            .find(|t| t.platform == target.platform && t.account == target.account)?;
        let media_root = MediaRoot::new(root);
        let media = media_content(manifest, written, |file| {
            self.hasher.hash(&media_root, file)
        });
        let post_text: Option<Arc<str>> = manifest.text.as_ref().map(|t| t.value.as_str().into());
        let content = build_content(post_text.as_ref(), written, media);
        (content.hash() == planned.content_hash).then_some(content)
    }

    /// Loads the calendar at `root` (only what changed since the last scan) and returns its
    /// desired state.
    pub fn scan(&mut self, root: &Path) -> Result<Desired, LoadError> {
        self.scan_observed(root, &mut |_, _| {})
    }

    /// [`Scanner::scan`], showing `observe` each batch of manifests it reads and checks (their
    /// posts as written and their diagnostics) before keeping what the plan needs of it:
    /// `postcal preview` renders posts from the very scan that plans them. A manifest the
    /// scanner remembers is not read again, so a fresh scanner shows every manifest.
    pub fn scan_observed(
        &mut self,
        root: &Path,
        observe: &mut dyn FnMut(&Listing, &CheckedManifests),
    ) -> Result<Desired, LoadError> {
        let listing = crate::manifest::load::list(root, &LoadOptions::default())?;
        if listing.config_hash != self.config_hash {
            self.files.clear();
            self.config_hash = listing.config_hash;
        }
        let config = listing.config.as_ref();
        let timezone = config.and_then(|c| parse_timezone(&c.timezone).ok());
        self.forget_stale(root, &listing);

        let mut memo = ScanMemo {
            files: &mut self.files,
            hasher: &mut self.hasher,
            probes: self.probes.as_mut(),
            media_root: MediaRoot::new(root),
            timezone,
            stamps: HashMap::new(),
            observe,
        };
        let verdict = check_calendar(&listing, &mut memo, &mut MediaCatalog::new());
        self.stats = ScanStats {
            manifests: listing.manifests.len(),
            read: verdict.read,
            checked: verdict.checked,
        };
        let keep: HashSet<&str> = self
            .files
            .values()
            .flat_map(|f| f.media.iter().map(|(path, _)| path.as_str()))
            .collect();
        self.hasher.retain(&keep);

        let mut files_with_errors = HashSet::new();
        for d in verdict.settings.iter().filter(|d| d.is_error()) {
            if let Some(file) = file_of(d, listing.sources(), root) {
                files_with_errors.insert(file);
            }
        }
        let mut posts = Vec::new();
        for manifest in &listing.manifests {
            if let Some(file) = self.files.get(&manifest.path) {
                posts.extend(file.posts.iter().cloned());
                if file.errors > 0 {
                    files_with_errors.insert(path_string(&manifest.path));
                }
            }
        }
        for duplicate in &verdict.duplicates {
            let post = Arc::make_mut(&mut posts[duplicate.post]);
            files_with_errors.insert(post.revision.path.clone());
            match &mut post.blocked {
                Some(blocked) => blocked.errors += 1,
                None => {
                    post.blocked = Some(Blocked {
                        errors: 1,
                        first_error: crate::rules::calendar::duplicate_id_message(&post.id),
                    });
                }
            }
        }
        let max_lateness = config
            .and_then(|c| c.max_lateness())
            .and_then(|m| parse_duration(m).ok())
            .or_else(|| parse_duration(DEFAULT_MAX_LATENESS).ok())
            .unwrap_or_else(|| chrono::Duration::hours(1));
        Ok(Desired {
            posts,
            files_with_errors,
            errors: verdict.errors,
            max_lateness,
            timezone,
        })
    }

    /// Forgets manifests that are gone, and those naming a media file that changed (they are
    /// checked again).
    fn forget_stale(&mut self, root: &Path, listing: &Listing) {
        let listed: HashSet<&Path> = listing.manifests.iter().map(|m| m.path.as_path()).collect();
        self.files.retain(|path, _| listed.contains(path.as_path()));
        let mut now: HashMap<&str, Option<Stamp>> = HashMap::new();
        for file in self.files.values() {
            for (path, _) in &file.media {
                now.entry(path).or_insert_with(|| media_stamp(root, path));
            }
        }
        let stale: Vec<PathBuf> = self
            .files
            .iter()
            .filter(|(_, f)| {
                f.media
                    .iter()
                    .any(|(path, then)| now[path.as_str()] != *then)
            })
            .map(|(path, _)| path.clone())
            .collect();
        for path in stale {
            self.files.remove(&path);
        }
    }
}

/// The scanner's side of one scan: remembers each checked manifest as desired posts.
struct ScanMemo<'a> {
    files: &'a mut HashMap<PathBuf, FileState>,
    hasher: &'a mut HashCache,
    probes: Option<&'a mut Probes>,
    media_root: MediaRoot,
    timezone: Option<Tz>,
    /// Media stamps of the manifests being checked (by manifest path), taken before the check.
    stamps: HashMap<String, Vec<(String, Option<Stamp>)>>,
    observe: &'a mut dyn FnMut(&Listing, &CheckedManifests),
}

impl Memo for ScanMemo<'_> {
    fn known(&self, manifest: &ManifestFile) -> Option<Known> {
        self.files.get(&manifest.path)?.known.clone()
    }

    fn read(&mut self, _: &Listing, loaded: &Loaded) {
        let root = self.media_root.path();
        for post in &loaded.calendar.posts {
            let names = self.stamps.entry(post.origin.path.clone()).or_default();
            for file in media_files(post) {
                if !names.iter().any(|(n, _)| n == file) {
                    names.push((file.to_owned(), media_stamp(root, file)));
                }
            }
        }
    }

    fn keep(&mut self, listing: &Listing, checked: CheckedManifests) {
        (self.observe)(listing, &checked);
        let mut by_file: HashMap<String, Vec<Arc<DesiredPost>>> = HashMap::new();
        for post in desired_posts(
            &checked,
            self.hasher,
            self.probes.as_deref_mut(),
            &self.media_root,
            self.timezone,
        ) {
            by_file
                .entry(post.revision.path.clone())
                .or_default()
                .push(Arc::new(post));
        }
        for file in checked.files {
            let path = &listing.manifests[file.index].path;
            let rel = path_string(path);
            match file.outcome {
                ReadOutcome::Unchanged(known) => {
                    if let Some(state) = self.files.get_mut(path) {
                        state.known = Some(known);
                    }
                }
                ReadOutcome::Read(known) => {
                    let state = FileState {
                        known,
                        media: self.stamps.remove(&rel).unwrap_or_default(),
                        posts: by_file.remove(&rel).unwrap_or_default(),
                        errors: file.errors,
                    };
                    self.files.insert(path.clone(), state);
                }
            }
        }
    }

    fn post_ids(&self, listing: &Listing) -> Vec<&str> {
        listing
            .manifests
            .iter()
            .filter_map(|m| self.files.get(&m.path))
            .flat_map(|f| f.posts.iter().map(|p| p.id.as_str()))
            .collect()
    }

    fn errors_in(&self, manifest: &ManifestFile) -> usize {
        self.files.get(&manifest.path).map_or(0, |f| f.errors)
    }
}

/// The file a diagnostic is in, relative to the root, `/`-separated.
fn file_of(d: &Diagnostic, sources: &SourceMap, root: &Path) -> Option<String> {
    let shown = match &d.location {
        Location::Span(label) => sources.path(label.span.source),
        Location::File(path) => path.as_path(),
        Location::None => return None,
    };
    Some(path_string(shown.strip_prefix(root).unwrap_or(shown)))
}
