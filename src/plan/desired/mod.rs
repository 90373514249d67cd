//! The desired state: a loaded, checked calendar turned into posts with schedules and, per
//! target, the hash of the exact content to publish.
//!
//! This is the edge between the calendar on disk and the pure [`super::plan`]: it reads media
//! files once per version to hash their bytes ([`HashCache`]), and decides which posts are
//! blocked (their manifest has errors). A [`Scanner`] does it again and again for the daemon,
//! redoing only what changed, and rebuilds a target's [`Content`] when it is due
//! ([`Scanner::content`]).
//!
//! # Guarantees
//! - The content hash covers everything a target publishes: platform, effective text, each media
//!   file's bytes (SHA-256) and alt text, and the target's options. Any edit that changes what
//!   would be posted changes the hash; renaming the manifest file does not.
//! - A post whose manifest has errors is kept, marked [`Blocked`], with the number of errors and
//!   the first one's message; nothing is published from it.
//! - [`Scanner::content`] returns content only if it hashes to the planned hash: what is
//!   published is always what was planned and validated.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono_tz::Tz;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diag::json::path_string;
use crate::diag::{Diagnostic, Diagnostics, Location, SourceId, SourceMap, Span};
use crate::manifest::load::{Known, Listing, LoadError, Loaded, ReadOutcome, Stamp};
use crate::manifest::time::{parse_duration, parse_timezone};
use crate::manifest::{
    Calendar, LoadOptions, Post, PostStatus, TargetOptions, config::DEFAULT_MAX_LATENESS,
};
use crate::platform::{Platform, TargetKey};
use crate::rules::Checked;
use crate::schedule::Schedule;
use crate::state::Revision;

/// Everything the manifests ask for.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    /// Shared with the [`Scanner`] that built them: a rescan copies pointers, not posts.
    pub posts: Vec<Arc<DesiredPost>>,
    /// Manifest files (relative paths) with at least one error: a post that disappeared from
    /// such a file is blocked, not deleted.
    pub files_with_errors: HashSet<String>,
    /// Errors in the whole calendar (for the plan's summary).
    pub errors: usize,
    /// `defaults.max_lateness`, parsed (the default when absent or invalid).
    pub max_lateness: chrono::Duration,
    /// The calendar's timezone, for showing times.
    pub timezone: Option<Tz>,
}

#[derive(Debug, Clone)]
pub struct DesiredPost {
    pub id: String,
    pub revision: Revision,
    /// Which YAML document of the manifest holds the post.
    pub document: usize,
    pub status: PostStatus,
    /// `None` when the schedule cannot be read (the post is then blocked).
    pub schedule: Option<Schedule>,
    pub targets: Vec<DesiredTarget>,
    pub blocked: Option<Blocked>,
}

/// Why a post is blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    pub errors: usize,
    pub first_error: String,
}

/// A target of a post. Its [`Content`] is not kept (thousands of posts' texts and options would
/// sit in a daemon's memory for nothing): [`Scanner::content`] rebuilds it from the manifest
/// when it is about to be published, and checks it is still what was planned.
#[derive(Debug, Clone)]
pub struct DesiredTarget {
    pub key: TargetKey,
    pub content_hash: String,
}

/// What one target publishes, as the publisher receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Content {
    pub platform: Platform,
    /// Shared by the targets that publish the post's own text.
    pub text: Option<Arc<str>>,
    pub media: Vec<MediaContent>,
    /// The target's platform options (kind, privacy, ...) without `text`/`media`, as compact
    /// JSON: a daemon holds thousands of these, and a JSON tree costs several times its text.
    #[serde(serialize_with = "json_text")]
    pub options: Box<str>,
}

/// Serializes JSON text as the JSON value it holds.
fn json_text<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    serde_json::from_str::<serde_json::Value>(text)
        .unwrap_or_default()
        .serialize(s)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaContent {
    /// Path relative to the calendar root.
    pub file: String,
    /// SHA-256 of the file's bytes, hex; empty when the file cannot be read.
    pub sha256: String,
    pub alt: Option<String>,
}

impl Content {
    /// The options as a JSON value (`null` when there are none).
    pub fn options(&self) -> serde_json::Value {
        serde_json::from_str(&self.options).unwrap_or_default()
    }

    /// SHA-256 over the canonical JSON of the content, hex.
    pub fn hash(&self) -> String {
        #[derive(Serialize)]
        struct Hashed<'a> {
            platform: Platform,
            text: &'a Option<Arc<str>>,
            media: Vec<(&'a str, &'a Option<String>)>,
            options: &'a serde_json::Value,
        }
        let hashed = Hashed {
            platform: self.platform,
            text: &self.text,
            media: self
                .media
                .iter()
                .map(|m| (m.sha256.as_str(), &m.alt))
                .collect(),
            options: &self.options(),
        };
        // serde_json maps are sorted (no preserve_order), so this is canonical. Serialized
        // straight into the hasher: no intermediate buffer.
        struct Digest(Sha256);
        impl std::io::Write for Digest {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut digest = Digest(Sha256::new());
        // Writing into a hasher cannot fail, and these types always serialize.
        let _ = serde_json::to_writer(&mut digest, &hashed);
        hex(&digest.0.finalize())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Each post of a loaded, checked calendar (usually a batch of manifests) as the plan needs it.
fn desired_posts(
    calendar: &Calendar,
    checked: &Checked,
    hasher: &mut HashCache,
    timezone: Option<Tz>,
) -> Vec<DesiredPost> {
    // Media hashes first (the hasher caches across loads, so this is sequential), then every
    // post on all cores.
    let mut media_hashes: HashMap<&str, String> = HashMap::new();
    for post in &calendar.posts {
        for file in media_files(post) {
            if !media_hashes.contains_key(file) {
                media_hashes.insert(file, hasher.hash(&calendar.root.join(file)));
            }
        }
    }
    // The errors in each invalid post, in the order they were reported.
    let mut errors_in: HashMap<usize, Vec<&Diagnostic>> = HashMap::new();
    if !checked.invalid_posts.is_empty() {
        let mut docs: HashMap<SourceId, Vec<(usize, Span)>> = HashMap::new();
        for &i in &checked.invalid_posts {
            let doc = calendar.posts[i].origin.span;
            docs.entry(doc.source).or_default().push((i, doc));
        }
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            let Some(span) = d.span() else { continue };
            let Some(candidates) = docs.get(&span.source) else {
                continue;
            };
            if let Some((i, _)) = candidates
                .iter()
                .find(|(_, doc)| span.start >= doc.start && span.start < doc.end())
            {
                errors_in.entry(*i).or_default().push(d);
            }
        }
    }
    let indexed: Vec<(usize, &Post)> = calendar.posts.iter().enumerate().collect();
    let chunks = crate::par::map_chunks(&indexed, 256, |chunk| {
        let mut file_hashes: HashMap<SourceId, String> = HashMap::new();
        let mut posts = Vec::with_capacity(chunk.len());
        for &(index, post) in chunk {
            let file_hash = file_hashes
                .entry(post.origin.source)
                .or_insert_with(|| {
                    hex(&Sha256::digest(
                        calendar.sources.get(post.origin.source).text.as_bytes(),
                    ))
                })
                .clone();
            let revision = Revision {
                path: post.origin.path.clone(),
                file_hash,
            };
            let schedule = Schedule::from_post(post, timezone);
            let post_text: Option<Arc<str>> = post.text.as_ref().map(|t| t.value.as_str().into());
            let blocked = if checked.invalid_posts.contains(&index) {
                let errors = errors_in.get(&index).map(Vec::as_slice).unwrap_or_default();
                Some(Blocked {
                    errors: errors.len(),
                    first_error: errors
                        .first()
                        .map_or_else(String::new, |d| d.message.clone()),
                })
            } else if let Err(why) = &schedule {
                Some(Blocked {
                    errors: 1,
                    first_error: why.clone(),
                })
            } else {
                None
            };
            let targets = post
                .targets
                .iter()
                .map(|target| {
                    let media = media_content(post, target, |file| {
                        media_hashes.get(file).cloned().unwrap_or_default()
                    });
                    let content = build_content(post_text.as_ref(), target, media);
                    DesiredTarget {
                        key: target.target_key(),
                        content_hash: content.hash(),
                    }
                })
                .collect();
            posts.push(DesiredPost {
                id: post.id.value.clone(),
                revision,
                document: post.origin.document,
                status: post.status(),
                schedule: schedule.ok(),
                targets,
                blocked,
            });
        }
        posts
    });
    chunks.into_iter().flatten().collect()
}

/// A target's media list with each file's hash.
fn media_content(
    post: &Post,
    target: &crate::manifest::targets::Target,
    mut hash: impl FnMut(&str) -> String,
) -> Vec<MediaContent> {
    target
        .media(post)
        .map(|m| m.value.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|m| MediaContent {
            file: m.file.value.clone(),
            sha256: hash(&m.file.value),
            alt: m.alt.as_ref().map(|a| a.value.clone()),
        })
        .collect()
}

/// What a target publishes, from its manifest and its media.
fn build_content(
    post_text: Option<&Arc<str>>,
    target: &crate::manifest::targets::Target,
    media: Vec<MediaContent>,
) -> Content {
    let mut options = serde_json::to_value(&target.options).unwrap_or_default();
    if let Some(map) = options.as_object_mut() {
        map.remove("text");
        map.remove("media");
    }
    let text = match target.options.text() {
        Some(own) => Some(Arc::from(own.value.as_str())),
        None => post_text.cloned(),
    };
    Content {
        platform: target.platform,
        text,
        media,
        options: options.to_string().into(),
    }
}

/// Media file hashes, each computed once per file version (its [`Stamp`]).
#[derive(Debug, Default)]
pub struct HashCache {
    cache: HashMap<PathBuf, (Stamp, String)>,
}

impl HashCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// SHA-256 of the file's bytes, hex; empty if it cannot be read.
    pub fn hash(&mut self, path: &Path) -> String {
        let Some(stamp) = Stamp::of_path(path) else {
            return String::new();
        };
        if let Some((known, hash)) = self.cache.get(path)
            && *known == stamp
        {
            return hash.clone();
        }
        let hash = hash_file(path).unwrap_or_default();
        self.cache.insert(path.to_path_buf(), (stamp, hash.clone()));
        hash
    }

    /// Forgets every file but those in `keep`.
    fn retain(&mut self, keep: &HashSet<PathBuf>) {
        self.cache.retain(|path, _| keep.contains(path));
    }
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// Loads, checks and turns the calendar at `root` into its desired state.
pub fn load(root: &Path) -> Result<Desired, LoadError> {
    Scanner::new().scan(root)
}

/// Turns a calendar into its desired state, again and again (the daemon's rescans), redoing
/// only what changed.
///
/// A manifest is read again only when the directory walk cannot vouch for it (see
/// [`Known::vouches_for`]), and parsed, checked and turned into posts again only when its
/// bytes, `postcal.yaml` or a media file it names changed. Unique ids, the only rule across
/// manifests, are checked over all posts on every scan. A fresh scanner and a long-lived one
/// give the same [`Desired`] (tested).
#[derive(Debug, Default)]
pub struct Scanner {
    hasher: HashCache,
    /// SHA-256 of the `postcal.yaml` the remembered manifests were checked against.
    config_hash: Option<[u8; 32]>,
    files: HashMap<PathBuf, FileState>,
    stats: ScanStats,
}

/// What one manifest gave, and what it depended on.
#[derive(Debug)]
struct FileState {
    known: Known,
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

/// Manifests read, checked and built together: bounds the memory a first scan of a large
/// calendar holds at once (parse trees and checks are dropped batch by batch).
const BATCH: usize = 1024;

impl Scanner {
    pub fn new() -> Self {
        Self::default()
    }

    /// What the last [`Scanner::scan`] did.
    pub fn stats(&self) -> ScanStats {
        self.stats
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
        let media = media_content(manifest, written, |file| self.hasher.hash(&root.join(file)));
        let post_text: Option<Arc<str>> = manifest.text.as_ref().map(|t| t.value.as_str().into());
        let content = build_content(post_text.as_ref(), written, media);
        (content.hash() == planned.content_hash).then_some(content)
    }

    /// Loads the calendar at `root` (only what changed since the last scan) and returns its
    /// desired state.
    pub fn scan(&mut self, root: &Path) -> Result<Desired, LoadError> {
        let listing = crate::manifest::load::list(root, &LoadOptions::default())?;
        if listing.config_hash != self.config_hash {
            self.files.clear();
            self.config_hash = listing.config_hash;
        }
        let config = listing.config.as_ref();
        let timezone = config.and_then(|c| parse_timezone(&c.timezone).ok());
        self.forget_stale(root, &listing);

        let to_read: Vec<usize> = (0..listing.manifests.len())
            .filter(|&i| {
                let manifest = &listing.manifests[i];
                !self
                    .files
                    .get(&manifest.path)
                    .is_some_and(|f| f.known.vouches_for(manifest))
            })
            .collect();
        self.stats = ScanStats {
            manifests: listing.manifests.len(),
            read: to_read.len(),
            checked: 0,
        };
        // Errors in files that cannot be remembered (unreadable, binary...): counted every scan.
        let mut unremembered = Errors::default();
        for batch in to_read.chunks(BATCH) {
            let files = &self.files;
            let loaded = listing.read(batch, &|path| files.get(path).map(|f| f.known.clone()));
            self.take(&listing, loaded, timezone, &mut unremembered);
        }
        let keep: HashSet<PathBuf> = self
            .files
            .values()
            .flat_map(|f| f.media.iter().map(|(path, _)| root.join(path)))
            .collect();
        self.hasher.retain(&keep);

        let mut errors = unremembered;
        let mut settings = Diagnostics::new();
        if let Some(config) = config {
            crate::rules::calendar::check_config(config, &mut settings);
        }
        for d in listing.diagnostics.iter().chain(settings.iter()) {
            if d.is_error() {
                errors.add(d, listing.sources(), root);
            }
        }
        let mut posts = Vec::new();
        for manifest in &listing.manifests {
            if let Some(file) = self.files.get(&manifest.path) {
                posts.extend(file.posts.iter().cloned());
                if file.errors > 0 {
                    errors.total += file.errors;
                    errors.files.insert(path_string(&manifest.path));
                }
            }
        }
        block_duplicate_ids(&mut posts, &mut errors);
        let max_lateness = config
            .and_then(|c| c.max_lateness())
            .and_then(|m| parse_duration(m).ok())
            .or_else(|| parse_duration(DEFAULT_MAX_LATENESS).ok())
            .unwrap_or_else(|| chrono::Duration::hours(1));
        Ok(Desired {
            posts,
            files_with_errors: errors.files,
            errors: errors.total,
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
                now.entry(path)
                    .or_insert_with(|| Stamp::of_path(&root.join(path)));
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

    /// Checks and builds the manifests of one batch, and remembers them.
    fn take(
        &mut self,
        listing: &Listing,
        loaded: Loaded,
        timezone: Option<Tz>,
        unremembered: &mut Errors,
    ) {
        let Loaded {
            calendar,
            diagnostics,
            outcomes,
        } = loaded;
        let root = &calendar.root;
        // Stamp media before checking them: a file changing during the check is seen next time.
        let mut media: HashMap<&str, Vec<(String, Option<Stamp>)>> = HashMap::new();
        for post in &calendar.posts {
            let names = media.entry(post.origin.path.as_str()).or_default();
            for file in media_files(post) {
                if !names.iter().any(|(n, _)| n == file) {
                    names.push((file.to_owned(), Stamp::of_path(&root.join(file))));
                }
            }
        }
        let mut diagnostics = diagnostics;
        let mut catalog = crate::rules::MediaCatalog::new();
        crate::rules::check_posts(&calendar, &mut catalog, &mut diagnostics);
        let checked = Checked {
            invalid_posts: crate::rules::invalid_posts(&calendar, &diagnostics),
            diagnostics,
        };
        let mut errors_by_file: HashMap<String, usize> = HashMap::new();
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            match file_of(d, &calendar.sources, root) {
                Some(file) => *errors_by_file.entry(file).or_default() += 1,
                None => unremembered.total += 1,
            }
        }
        let mut by_file: HashMap<String, Vec<Arc<DesiredPost>>> = HashMap::new();
        for post in desired_posts(&calendar, &checked, &mut self.hasher, timezone) {
            by_file
                .entry(post.revision.path.clone())
                .or_default()
                .push(Arc::new(post));
        }
        for (i, outcome) in outcomes {
            let path = &listing.manifests[i].path;
            let rel = path_string(path);
            match outcome {
                ReadOutcome::Unchanged(known) => {
                    if let Some(file) = self.files.get_mut(path) {
                        file.known = known;
                    }
                }
                ReadOutcome::Read(Some(known)) => {
                    self.stats.checked += 1;
                    let state = FileState {
                        known,
                        media: media.remove(rel.as_str()).unwrap_or_default(),
                        posts: by_file.remove(&rel).unwrap_or_default(),
                        errors: errors_by_file.remove(&rel).unwrap_or_default(),
                    };
                    self.files.insert(path.clone(), state);
                }
                ReadOutcome::Read(None) => {
                    self.stats.checked += 1;
                    self.files.remove(path);
                    if let Some(n) = errors_by_file.remove(&rel) {
                        unremembered.total += n;
                        unremembered.files.insert(rel);
                    }
                }
            }
        }
    }
}

/// Error counts and the files they are in.
#[derive(Debug, Default)]
struct Errors {
    total: usize,
    files: HashSet<String>,
}

impl Errors {
    fn add(&mut self, d: &Diagnostic, sources: &SourceMap, root: &Path) {
        self.total += 1;
        if let Some(file) = file_of(d, sources, root) {
            self.files.insert(file);
        }
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

/// The media files a post names (in its media lists, and an Instagram reel's cover).
fn media_files(post: &Post) -> impl Iterator<Item = &str> {
    post.targets.iter().flat_map(move |target| {
        let listed = target
            .media(post)
            .map(|m| m.value.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|m| m.file.value.as_str());
        let cover = match &target.options {
            TargetOptions::Instagram(o) => o.cover.as_ref().map(|c| c.value.as_str()),
            _ => None,
        };
        listed.chain(cover)
    })
}

/// A post whose id an earlier post already has is blocked (`calendar::duplicate-id`): the only
/// rule across manifests, so checked over all posts on every scan.
fn block_duplicate_ids(posts: &mut [Arc<DesiredPost>], errors: &mut Errors) {
    let mut seen: HashSet<&str> = HashSet::with_capacity(posts.len());
    let duplicates: Vec<usize> = posts
        .iter()
        .enumerate()
        .filter(|(_, p)| !seen.insert(p.id.as_str()))
        .map(|(i, _)| i)
        .collect();
    for i in duplicates {
        let post = Arc::make_mut(&mut posts[i]);
        errors.total += 1;
        errors.files.insert(post.revision.path.clone());
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
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "timezone: Europe/Berlin\naccounts:\n  threads/acme: {}\n";

    fn post(id: &str, text: &str) -> String {
        format!("id: {id}\nat: 2027-01-01 09:00\ntext: {text}\ntargets:\n  threads/acme: {{}}\n")
    }

    fn calendar() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("postcal.yaml"), CONFIG).unwrap();
        std::fs::create_dir_all(dir.path().join("posts")).unwrap();
        std::fs::create_dir_all(dir.path().join("media")).unwrap();
        for id in ["a", "b", "c"] {
            write(&dir, &format!("posts/{id}.yaml"), &post(id, "hello"));
        }
        dir
    }

    fn write(dir: &tempfile::TempDir, rel: &str, text: &str) {
        std::fs::write(dir.path().join(rel), text).unwrap();
    }

    /// Everything a [`Desired`] says, in a stable order.
    fn summary(d: &Desired) -> String {
        let mut files: Vec<&String> = d.files_with_errors.iter().collect();
        files.sort();
        format!(
            "{:#?}\nfiles with errors: {files:?}\nerrors: {}\nmax_lateness: {}\ntimezone: {:?}",
            d.posts, d.errors, d.max_lateness, d.timezone
        )
    }

    fn post_of<'a>(d: &'a Desired, id: &str) -> &'a DesiredPost {
        d.posts.iter().find(|p| p.id == id).unwrap()
    }

    /// Sets a file's modification time far enough back that its stamp vouches for it.
    fn age(dir: &tempfile::TempDir, rel: &str) {
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(dir.path().join(rel))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }

    #[test]
    fn a_rescan_reads_and_checks_only_what_changed() {
        let dir = calendar();
        for id in ["a", "b", "c"] {
            age(&dir, &format!("posts/{id}.yaml"));
        }
        let mut scanner = Scanner::new();
        scanner.scan(dir.path()).unwrap();
        assert_eq!(
            scanner.stats(),
            ScanStats {
                manifests: 3,
                read: 3,
                checked: 3
            }
        );
        scanner.scan(dir.path()).unwrap();
        assert_eq!(
            scanner.stats().read,
            0,
            "settled stamps vouch for the files"
        );
        assert_eq!(scanner.stats().checked, 0);

        write(&dir, "posts/b.yaml", &post("b", "edited"));
        let desired = scanner.scan(dir.path()).unwrap();
        assert_eq!((scanner.stats().read, scanner.stats().checked), (1, 1));
        let content = scanner.content(
            dir.path(),
            post_of(&desired, "b"),
            &"threads/acme".parse().unwrap(),
        );
        assert_eq!(content.unwrap().text.as_deref(), Some("edited"));

        // A fresh file is read again (its stamp cannot vouch yet) but not checked again.
        let desired = scanner.scan(dir.path()).unwrap();
        assert_eq!((scanner.stats().read, scanner.stats().checked), (1, 0));
        assert_eq!(desired.posts.len(), 3);

        // New settings: every manifest is checked against them.
        write(&dir, "postcal.yaml", &CONFIG.replace("Berlin", "Paris"));
        scanner.scan(dir.path()).unwrap();
        assert_eq!(scanner.stats().checked, 3);
    }

    #[test]
    fn a_long_lived_scanner_agrees_with_a_fresh_one_after_every_edit() {
        let dir = calendar();
        let root = dir.path();
        let mut scanner = Scanner::new();
        let mut step = |name: &str, check: &dyn Fn(&Desired)| {
            let incremental = scanner.scan(root).unwrap();
            let fresh = Scanner::new().scan(root).unwrap();
            assert_eq!(summary(&incremental), summary(&fresh), "after: {name}");
            check(&incremental);
        };
        step("first scan", &|d| {
            assert_eq!(d.posts.len(), 3);
            assert_eq!(d.errors, 0);
        });

        write(&dir, "posts/a.yaml", &post("a", "edited"));
        step("an edit", &|d| {
            let content =
                Scanner::new().content(root, post_of(d, "a"), &"threads/acme".parse().unwrap());
            assert_eq!(content.unwrap().text.as_deref(), Some("edited"));
        });

        write(&dir, "posts/b.yaml", "id: b\ntext: [unclosed\n");
        step("a syntax error", &|d| {
            assert!(d.files_with_errors.contains("posts/b.yaml"));
            assert!(d.posts.iter().all(|p| p.id != "b"), "b cannot be read");
        });
        write(&dir, "posts/b.yaml", &post("b", "fixed"));
        step("the error fixed", &|d| assert_eq!(d.errors, 0));

        write(&dir, "posts/c.yaml", &post("a", "same id as a"));
        step("a duplicate id in another file", &|d| {
            let blocked: Vec<_> = d.posts.iter().filter(|p| p.blocked.is_some()).collect();
            assert_eq!(blocked.len(), 1);
            assert_eq!(blocked[0].revision.path, "posts/c.yaml");
            let why = &blocked[0].blocked.as_ref().unwrap().first_error;
            assert!(why.contains("used twice"), "{why}");
        });
        std::fs::rename(root.join("posts/a.yaml"), root.join("posts/z.yaml")).unwrap();
        step("the first of the two renamed after the second", &|d| {
            let blocked: Vec<_> = d.posts.iter().filter(|p| p.blocked.is_some()).collect();
            assert_eq!(blocked[0].revision.path, "posts/z.yaml");
        });
        std::fs::remove_file(root.join("posts/z.yaml")).unwrap();
        step("a deletion", &|d| {
            assert_eq!(d.posts.len(), 2);
            assert_eq!(d.errors, 0);
        });

        write(
            &dir,
            "posts/m.yaml",
            &format!("{}media:\n  - file: media/pic.png\n", post("m", "pic")),
        );
        step("a missing media file", &|d| {
            assert!(post_of(d, "m").blocked.is_some())
        });
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media");
        std::fs::copy(fixtures.join("image.png"), root.join("media/pic.png")).unwrap();
        step("the media file added", &|d| {
            let m = post_of(d, "m");
            assert!(m.blocked.is_none(), "{:?}", m.blocked);
            let content = Scanner::new()
                .content(root, m, &"threads/acme".parse().unwrap())
                .unwrap();
            assert!(!content.media[0].sha256.is_empty());
        });
        let before = post_of(&Scanner::new().scan(root).unwrap(), "m").targets[0]
            .content_hash
            .clone();
        std::fs::copy(
            fixtures.join("orientation-6.jpg"),
            root.join("media/pic.png"),
        )
        .unwrap();
        step("the media file replaced", &|d| {
            assert_ne!(post_of(d, "m").targets[0].content_hash, before);
        });

        write(&dir, "posts/x.yaml", "id: x\0binary");
        step("a binary manifest", &|d| {
            assert!(d.files_with_errors.contains("posts/x.yaml"))
        });
        step("the same binary manifest, scanned again", &|d| {
            assert!(d.files_with_errors.contains("posts/x.yaml"));
        });
        std::fs::remove_file(root.join("posts/x.yaml")).unwrap();

        write(
            &dir,
            "postcal.yaml",
            "timezone: Europe/Berlin\naccounts:\n  threads/other: {}\n",
        );
        step("the post's account removed from the settings", &|d| {
            assert!(d.posts.iter().all(|p| p.blocked.is_some()));
        });
        write(
            &dir,
            "postcal.yaml",
            "timezone: Mars/Olympus\naccounts:\n  threads/acme: {}\n",
        );
        step("an invalid timezone", &|d| {
            assert!(d.files_with_errors.contains("postcal.yaml"));
        });
    }

    #[test]
    fn content_is_rebuilt_only_while_the_manifest_and_media_are_as_planned() {
        let dir = calendar();
        let root = dir.path();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media");
        std::fs::copy(fixtures.join("image.png"), root.join("media/pic.png")).unwrap();
        let text = "---\nid: other\nat: 2027-01-02 09:00\ntext: first document\ntargets:\n  threads/acme: {}\n";
        let with_media = format!(
            "{text}---\n{}media:\n  - file: media/pic.png\n    alt: a cup\n",
            post("m", "pic")
        );
        write(&dir, "posts/m.yaml", &with_media);
        let mut scanner = Scanner::new();
        let desired = scanner.scan(root).unwrap();
        let m = post_of(&desired, "m");
        assert_eq!(m.document, 1);

        let content = scanner
            .content(root, m, &"threads/acme".parse().unwrap())
            .unwrap();
        assert_eq!(content.text.as_deref(), Some("pic"));
        assert_eq!(content.media[0].alt.as_deref(), Some("a cup"));
        assert_eq!(content.hash(), m.targets[0].content_hash);
        assert!(
            scanner
                .content(root, m, &"instagram/acme".parse().unwrap())
                .is_none(),
            "not a target"
        );

        std::fs::copy(
            fixtures.join("orientation-6.jpg"),
            root.join("media/pic.png"),
        )
        .unwrap();
        assert!(
            scanner
                .content(root, m, &"threads/acme".parse().unwrap())
                .is_none(),
            "media replaced"
        );
        std::fs::copy(fixtures.join("image.png"), root.join("media/pic.png")).unwrap();
        assert!(
            scanner
                .content(root, m, &"threads/acme".parse().unwrap())
                .is_some(),
            "media restored"
        );

        write(
            &dir,
            "posts/m.yaml",
            &with_media.replace("pic\n", "changed\n"),
        );
        assert!(
            scanner
                .content(root, m, &"threads/acme".parse().unwrap())
                .is_none(),
            "manifest edited"
        );
        std::fs::remove_file(root.join("posts/m.yaml")).unwrap();
        assert!(
            scanner
                .content(root, m, &"threads/acme".parse().unwrap())
                .is_none(),
            "manifest deleted"
        );
    }
}
