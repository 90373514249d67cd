//! The desired state: a loaded, checked calendar turned into posts with schedules and, per
//! target, the exact content to publish and its hash.
//!
//! This is the edge between the calendar on disk and the pure [`super::plan`]: it reads media
//! files once to hash their bytes (through a [`HashCache`] cache keyed by path, size and
//! modification time), and decides which posts are blocked (their manifest has errors).
//!
//! # Guarantees
//! - The content hash covers everything a target publishes: platform, effective text, each media
//!   file's bytes (SHA-256) and alt text, and the target's options. Any edit that changes what
//!   would be posted changes the hash; renaming the manifest file does not.
//! - A post whose manifest has errors is kept, marked [`Blocked`], with the number of errors and
//!   the first one's message; nothing is published from it.

use crate::manifest::load::LoadCache;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use chrono_tz::Tz;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diag::Location;
use crate::manifest::time::{parse_duration, parse_timezone};
use crate::manifest::{Calendar, PostStatus, config::DEFAULT_MAX_LATENESS};
use crate::platform::Platform;
use crate::rules::Checked;
use crate::schedule::Schedule;
use crate::state::Revision;

/// Everything the manifests ask for.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub posts: Vec<DesiredPost>,
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

#[derive(Debug, Clone)]
pub struct DesiredTarget {
    /// `instagram/acme`.
    pub key: String,
    pub platform: Platform,
    pub account: String,
    pub content: Arc<Content>,
    pub content_hash: String,
}

/// What one target publishes, as the publisher receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Content {
    pub platform: Platform,
    pub text: Option<String>,
    pub media: Vec<MediaContent>,
    /// The target's platform options (kind, privacy, ...) without `text`/`media`.
    pub options: serde_json::Value,
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
    /// SHA-256 over the canonical JSON of the content, hex.
    pub fn hash(&self) -> String {
        #[derive(Serialize)]
        struct Hashed<'a> {
            platform: Platform,
            text: &'a Option<String>,
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
            options: &self.options,
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

/// What a process that loads the calendar again and again (the daemon) remembers between loads:
/// media hashes, each once per (size, modification time), and targets' content hashes.
#[derive(Debug, Default)]
pub struct HashCache {
    cache: HashMap<PathBuf, (u64, Option<SystemTime>, String)>,
    /// Targets' content and its hash from the last load, by manifest bytes, document, target
    /// and media hashes: a daemon rescan rebuilds only what changed.
    contents: HashMap<String, (Arc<Content>, String)>,
}

impl HashCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// SHA-256 of the file's bytes, hex; empty if it cannot be read.
    pub fn hash(&mut self, path: &Path) -> String {
        let Ok(meta) = std::fs::metadata(path) else {
            return String::new();
        };
        let modified = meta.modified().ok();
        if let Some((len, mtime, hash)) = self.cache.get(path)
            && *len == meta.len()
            && *mtime == modified
        {
            return hash.clone();
        }
        let hash = hash_file(path).unwrap_or_default();
        self.cache
            .insert(path.to_path_buf(), (meta.len(), modified, hash.clone()));
        hash
    }
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// Builds the desired state from a loaded calendar and its check.
pub fn desired(calendar: &Calendar, checked: &Checked, hasher: &mut HashCache) -> Desired {
    let timezone = calendar
        .config
        .as_ref()
        .and_then(|c| parse_timezone(&c.timezone).ok());
    let max_lateness = calendar
        .config
        .as_ref()
        .and_then(|c| c.max_lateness())
        .and_then(|m| parse_duration(m).ok())
        .or_else(|| parse_duration(DEFAULT_MAX_LATENESS).ok())
        .unwrap_or_else(|| chrono::Duration::hours(1));

    // Errors per source file, and per post (by document span).
    let mut files_with_errors = HashSet::new();
    let mut errors = 0;
    let root = &calendar.root;
    let rel_of = |shown: &Path| -> String {
        shown
            .strip_prefix(root)
            .unwrap_or(shown)
            .to_string_lossy()
            .replace('\\', "/")
    };
    for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
        errors += 1;
        match &d.location {
            Location::Span(label) => {
                files_with_errors.insert(rel_of(calendar.sources.path(label.span.source)));
            }
            Location::File(path) => {
                files_with_errors.insert(rel_of(path));
            }
            Location::None => {}
        }
    }

    // Media hashes first (the hasher caches across loads, so this is sequential), then every
    // post on all cores.
    let mut media_hashes: HashMap<&str, String> = HashMap::new();
    for post in &calendar.posts {
        for target in &post.targets {
            let media = target.media(post).map(|m| m.value.as_slice());
            for m in media.unwrap_or_default() {
                let file = m.file.value.as_str();
                if !media_hashes.contains_key(file) {
                    media_hashes.insert(file, hasher.hash(&calendar.root.join(file)));
                }
            }
        }
    }
    let indexed: Vec<(usize, &crate::manifest::Post)> = calendar.posts.iter().enumerate().collect();
    let memo = &hasher.contents;
    let chunks = crate::par::map_chunks(&indexed, 256, |chunk| {
        let mut file_hashes: HashMap<crate::diag::SourceId, String> = HashMap::new();
        let mut posts = Vec::with_capacity(chunk.len());
        let mut fresh = Vec::new();
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
            let mut blocked = None;
            if checked.invalid_posts.contains(&index) {
                let doc = post.origin.span;
                let mut in_post = checked.diagnostics.iter().filter(|d| {
                    d.is_error()
                        && d.span().is_some_and(|s| {
                            s.source == doc.source && s.start >= doc.start && s.start < doc.end()
                        })
                });
                let first = in_post.next();
                blocked = Some(Blocked {
                    errors: first.map_or(0, |_| 1) + in_post.count(),
                    first_error: first.map_or_else(String::new, |d| d.message.clone()),
                });
            } else if let Err(why) = &schedule {
                blocked = Some(Blocked {
                    errors: 1,
                    first_error: why.clone(),
                });
            }
            let targets = post
                .targets
                .iter()
                .map(|target| {
                    let media: Vec<MediaContent> = target
                        .media(post)
                        .map(|m| m.value.as_slice())
                        .unwrap_or_default()
                        .iter()
                        .map(|m| MediaContent {
                            file: m.file.value.clone(),
                            sha256: media_hashes
                                .get(m.file.value.as_str())
                                .cloned()
                                .unwrap_or_default(),
                            alt: m.alt.as_ref().map(|a| a.value.clone()),
                        })
                        .collect();
                    // Content depends only on the manifest's bytes and the media: unchanged since
                    // the last load, it is not rebuilt nor hashed again.
                    let mut memo_key = format!(
                        "{}\u{1f}{}\u{1f}{}",
                        revision.file_hash, post.origin.document, target.key.value
                    );
                    for m in &media {
                        memo_key.push('\u{1f}');
                        memo_key.push_str(&m.sha256);
                    }
                    let (content, content_hash) = match memo.get(&memo_key) {
                        Some(known) => known.clone(),
                        None => {
                            let content = build_content(post, target, media);
                            let hash = content.hash();
                            (Arc::new(content), hash)
                        }
                    };
                    fresh.push((memo_key, (content.clone(), content_hash.clone())));
                    DesiredTarget {
                        key: target.key.value.clone(),
                        platform: target.platform,
                        account: target.account.clone(),
                        content_hash,
                        content,
                    }
                })
                .collect();
            posts.push(DesiredPost {
                id: post.id.value.clone(),
                revision,
                status: post.status(),
                schedule: schedule.ok(),
                targets,
                blocked,
            });
        }
        (posts, fresh)
    });
    let mut memo = HashMap::with_capacity(calendar.posts.len());
    let mut posts = Vec::with_capacity(calendar.posts.len());
    for (chunk, fresh) in chunks {
        posts.extend(chunk);
        memo.extend(fresh);
    }
    hasher.contents = memo;
    Desired {
        posts,
        files_with_errors,
        errors,
        max_lateness,
        timezone,
    }
}

/// What a target publishes, from its manifest and its media.
fn build_content(
    post: &crate::manifest::Post,
    target: &crate::manifest::targets::Target,
    media: Vec<MediaContent>,
) -> Content {
    let mut options = serde_json::to_value(&target.options).unwrap_or(serde_json::Value::Null);
    if let Some(map) = options.as_object_mut() {
        map.remove("text");
        map.remove("media");
    }
    Content {
        platform: target.platform,
        text: target.text(post).map(|t| t.value.clone()),
        media,
        options,
    }
}

/// Loads, checks and turns the calendar at `root` into its desired state.
pub fn load(
    root: &Path,
    hasher: &mut HashCache,
) -> Result<Desired, crate::manifest::load::LoadError> {
    load_cached(root, hasher, &mut LoadCache::new())
}

/// [`load`] for a process that reloads the same calendar (the daemon): only manifests whose
/// bytes changed since the last load are parsed again.
pub fn load_cached(
    root: &Path,
    hasher: &mut HashCache,
    cache: &mut LoadCache,
) -> Result<Desired, crate::manifest::load::LoadError> {
    let (calendar, load_diags) =
        crate::manifest::load::load_cached(root, &crate::manifest::LoadOptions::default(), cache)?;
    let mut catalog = crate::rules::MediaCatalog::new();
    let checked = crate::rules::check(&calendar, load_diags, &mut catalog);
    Ok(desired(&calendar, &checked, hasher))
}
