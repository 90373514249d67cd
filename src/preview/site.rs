//! Writing the site incrementally: a page is written only when its bytes changed, pages of
//! posts that are gone are removed, and an index of what was written
//! (`.postcal-preview.json`: each page's SHA-256) lets the next run tell.
//!
//! # Guarantees
//! - A page whose bytes are unchanged and whose file is still there is not written again
//!   (its modification time stays, so a browser or a sync tool sees nothing new).
//! - Files are written under a temporary name and renamed, so a reader never sees half a page.
//! - Only files this writer listed in its index (pages), or thumbnails no page uses any more,
//!   are ever removed: nothing else in the output directory is touched.
//!
//! # Errors
//! Any I/O error writing the site is returned; the index is then not updated, so the next run
//! writes again whatever it cannot vouch for.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::plan::desired::hex;

const INDEX: &str = ".postcal-preview.json";
const INDEX_VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    version: u32,
    /// Page path (relative, `/`-separated) → SHA-256 of its bytes.
    pages: BTreeMap<String, String>,
}

/// The output directory and what the previous run wrote there.
#[derive(Debug)]
pub struct Site {
    out: PathBuf,
    old: Index,
    new: BTreeMap<String, String>,
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

impl Site {
    /// Opens (or starts) the site in `out`. An unreadable index is treated as none: every page
    /// is then compared by writing it.
    pub fn open(out: &Path) -> std::io::Result<Site> {
        std::fs::create_dir_all(out)?;
        let old = std::fs::read(out.join(INDEX))
            .ok()
            .and_then(|b| serde_json::from_slice::<Index>(&b).ok())
            .filter(|i| i.version == INDEX_VERSION)
            .unwrap_or_default();
        Ok(Site {
            out: out.to_path_buf(),
            old,
            new: BTreeMap::new(),
            written: 0,
            unchanged: 0,
            removed: 0,
        })
    }

    /// Renders `items` on all cores (`render` gives a page's path and bytes) and writes the
    /// pages that changed.
    pub fn pages<T: Sync>(
        &mut self,
        items: &[T],
        render: impl Fn(&T) -> (String, String) + Sync,
    ) -> std::io::Result<()> {
        let old = &self.old.pages;
        let out = &self.out;
        let results = crate::par::map_chunks(items, 64, |chunk| {
            let mut done = Vec::with_capacity(chunk.len());
            for item in chunk {
                let (path, html) = render(item);
                let hash = hex(&Sha256::digest(html.as_bytes()));
                let same = old.get(&path) == Some(&hash) && out.join(&path).is_file();
                if !same {
                    write_file(&out.join(&path), html.as_bytes())?;
                }
                done.push((path, hash, !same));
            }
            Ok::<_, std::io::Error>(done)
        });
        for chunk in results {
            for (path, hash, wrote) in chunk? {
                if wrote {
                    self.written += 1;
                } else {
                    self.unchanged += 1;
                }
                self.new.insert(path, hash);
            }
        }
        Ok(())
    }

    /// One page.
    pub fn page(&mut self, path: &str, html: &str) -> std::io::Result<()> {
        let item = (path.to_owned(), html.to_owned());
        self.pages(std::slice::from_ref(&item), |(p, h)| (p.clone(), h.clone()))
    }

    /// Removes the pages of the last run that this one did not write, and the thumbnails in
    /// `thumbs/` that `keep` does not name; saves the index.
    pub fn finish(mut self, keep_thumbs: &HashSet<String>) -> std::io::Result<Site> {
        for path in self.old.pages.keys() {
            if !self.new.contains_key(path) && is_page_path(path) {
                match std::fs::remove_file(self.out.join(path)) {
                    Ok(()) => self.removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir(self.out.join("thumbs")) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".jpg") && !keep_thumbs.contains(&name) {
                    std::fs::remove_file(entry.path())?;
                }
            }
        }
        let index = Index {
            version: INDEX_VERSION,
            pages: std::mem::take(&mut self.new),
        };
        let bytes = serde_json::to_vec(&index).map_err(std::io::Error::other)?;
        write_file(&self.out.join(INDEX), &bytes)?;
        self.new = index.pages;
        Ok(self)
    }
}

/// Paths this writer makes: relative, `/`-separated, `.html` or `.css`, no `..`.
fn is_page_path(path: &str) -> bool {
    (path.ends_with(".html") || path.ends_with(".css"))
        && !path.starts_with('/')
        && path.split('/').all(|part| !part.is_empty() && part != "..")
}

fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{}.tmp", name.unwrap_or_default()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_pages_are_not_written_and_stale_ones_go() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let pages = |items: &[(&str, &str)]| -> Site {
            let mut site = Site::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            let owned: Vec<(String, String)> = items
                .iter()
                .map(|(p, h)| ((*p).to_owned(), (*h).to_owned()))
                .collect();
            site.pages(&owned, |(p, h)| (p.clone(), h.clone()))
                .unwrap_or_else(|e| panic!("{e}"));
            site.finish(&HashSet::new())
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let first = pages(&[("a.html", "A"), ("posts/b.html", "B")]);
        assert_eq!((first.written, first.unchanged), (2, 0));
        let second = pages(&[("a.html", "A"), ("posts/b.html", "B2")]);
        assert_eq!((second.written, second.unchanged), (1, 1));
        std::fs::write(dir.path().join("mine.txt"), "not the site's").unwrap_or_default();
        let third = pages(&[("a.html", "A")]);
        assert_eq!(third.removed, 1);
        assert!(!dir.path().join("posts/b.html").exists());
        assert!(dir.path().join("mine.txt").exists());
        assert!(!is_page_path("../x.html") && !is_page_path("/etc/x.html"));
    }
}
