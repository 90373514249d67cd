//! Media file hashes for content hashes, each computed once per version of the file.

use std::collections::{HashMap, HashSet};

use super::content::hex;
use crate::manifest::load::Stamp;
use crate::media::path::{MediaRoot, normalize};

/// SHA-256 of media files, remembered per file version (its [`Stamp`]).
///
/// Files are opened only through [`MediaRoot::open`]: what is not a regular file inside the
/// calendar is never read (no hash, and validation reports why), and a file is read no further
/// than the size it had when opened.
#[derive(Debug, Default)]
pub struct HashCache {
    /// By normalised path (`media/a.jpg`).
    cache: HashMap<String, (Stamp, String)>,
}

impl HashCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// SHA-256 of the bytes of the media file a manifest names as `written`, hex; empty if the
    /// path may not be used or the file cannot be read.
    pub fn hash(&mut self, root: &MediaRoot, written: &str) -> String {
        let Ok(rel) = normalize(written) else {
            return String::new();
        };
        let Some(stamp) = Stamp::of_path(&root.path().join(&rel)) else {
            return String::new();
        };
        if let Some((known, hash)) = self.cache.get(&rel)
            && *known == stamp
        {
            return hash.clone();
        }
        let hash = root
            .open(written)
            .ok()
            .and_then(|file| file.sha256().ok())
            .map(|sha| hex(&sha))
            .unwrap_or_default();
        self.cache.insert(rel, (stamp, hash.clone()));
        hash
    }

    /// Forgets every file but those named (as written) in `keep`.
    pub(super) fn retain(&mut self, keep: &HashSet<&str>) {
        let keep: HashSet<String> = keep.iter().filter_map(|w| normalize(w).ok()).collect();
        self.cache.retain(|path, _| keep.contains(path));
    }
}

/// What the file system says of a media file now (a `stat`, never an open): a manifest whose
/// media stamps changed is checked again.
pub(super) fn media_stamp(root: &std::path::Path, written: &str) -> Option<Stamp> {
    Stamp::of_path(&root.join(normalize(written).ok()?))
}
