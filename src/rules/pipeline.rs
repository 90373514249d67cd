//! The one function that decides a calendar's diagnostics: [`check_calendar`].
//!
//! `validate` renders what it finds; `plan` and the daemon's [`crate::plan::Scanner`] turn it
//! into the desired state, remembering per manifest what checking it gave (a [`Memo`]), so a
//! rescan reads and checks only the manifests that changed. Nothing else puts checks together,
//! so both always count the same errors (a test runs both over every fixture).
//!
//! A calendar's diagnostics come in three parts:
//! - **settings**: `postcal.yaml` and the walk of the posts directory ([`check_settings`]);
//! - **per manifest**: reading it and every rule about its posts, which depend only on its
//!   bytes, the settings and the media files it names ([`check_manifests`]): what a memo keeps;
//! - **across manifests**: unique ids ([`duplicate_ids`]), decided over all posts every time.

use std::collections::{HashMap, HashSet};

use super::{MediaCatalog, calendar, check_posts, invalid_posts};
use crate::diag::{Diagnostics, SourceMap};
use crate::manifest::Calendar;
use crate::manifest::load::{Known, Listing, Loaded, ManifestFile, ReadOutcome};

/// Manifests read, checked and handed to the memo together: bounds what a first check of a
/// large calendar holds at once (parse trees and posts are dropped batch by batch).
pub const BATCH: usize = 1024;

/// A batch of manifests, read and checked.
#[derive(Debug)]
pub struct CheckedManifests {
    /// Their posts; the source map holds the listing's files, then theirs.
    pub calendar: Calendar,
    /// Every problem reading them and every rule about their posts.
    pub diagnostics: Diagnostics,
    /// Indexes (into `calendar.posts`) of posts with at least one error.
    pub invalid_posts: HashSet<usize>,
    /// One per manifest of the batch, in order.
    pub files: Vec<CheckedFile>,
}

/// What checking one manifest gave.
#[derive(Debug)]
pub struct CheckedFile {
    /// Index into [`Listing::manifests`].
    pub index: usize,
    pub outcome: ReadOutcome,
    /// Where its text is in the batch's source map, if it was read as text.
    pub source: Option<crate::diag::SourceId>,
    /// Errors in it (reading and rules). Meaningless when `outcome` is `Unchanged`: the memo
    /// keeps what it had.
    pub errors: usize,
}

/// What a caller keeps of each manifest between checks.
pub trait Memo {
    /// What an earlier check established about `manifest`'s bytes: when it vouches for the
    /// file ([`Known::vouches_for`]) the file is not even read; when the bytes are the same,
    /// they are not parsed again.
    fn known(&self, manifest: &ManifestFile) -> Option<Known>;
    /// The source map the next batch's texts are added to; it must start with the listing's.
    fn sources(&mut self, listing: &Listing) -> SourceMap {
        listing.sources().clone()
    }
    /// A batch was read and is about to be checked (a caller that stamps media does it now, so
    /// a file changing during the check is seen next time).
    fn read(&mut self, _listing: &Listing, _loaded: &Loaded) {}
    /// Keeps what checking a batch gave.
    fn keep(&mut self, listing: &Listing, checked: CheckedManifests);
    /// Every post id of the calendar in calendar order: manifests in listing order, each one's
    /// posts in document order.
    fn post_ids(&self, listing: &Listing) -> Vec<&str>;
    /// Errors in `manifest` when it was last checked.
    fn errors_in(&self, manifest: &ManifestFile) -> usize;
}

/// A post whose id an earlier post already has, as indexes into [`Memo::post_ids`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate {
    pub post: usize,
    pub first: usize,
}

/// What [`check_calendar`] decided beyond what the memo keeps per manifest.
#[derive(Debug)]
pub struct Verdict {
    /// Problems with `postcal.yaml` and the walk (spans point into the listing's sources).
    pub settings: Diagnostics,
    pub duplicates: Vec<Duplicate>,
    /// Errors in the whole calendar: the settings', every manifest's, one per duplicate id.
    pub errors: usize,
    /// Manifests read from disk, and parsed and checked, this time.
    pub read: usize,
    pub checked: usize,
}

/// Checks the calendar `listing` describes: every manifest the memo cannot vouch for is read
/// and checked (in batches), then unique ids over all posts.
pub fn check_calendar(
    listing: &Listing,
    memo: &mut dyn Memo,
    catalog: &mut MediaCatalog,
) -> Verdict {
    let settings = check_settings(listing);
    let mut to_read = Vec::new();
    let mut known = Vec::new();
    for (i, manifest) in listing.manifests.iter().enumerate() {
        let k = memo.known(manifest);
        if !k.as_ref().is_some_and(|k| k.vouches_for(manifest)) {
            to_read.push(i);
            known.push(k);
        }
    }
    let mut checked = 0;
    for (batch, known) in to_read.chunks(BATCH).zip(known.chunks(BATCH)) {
        let sources = memo.sources(listing);
        let loaded = listing.read(batch, known, sources);
        memo.read(listing, &loaded);
        let result = check_manifests(loaded, catalog);
        checked += result
            .files
            .iter()
            .filter(|f| matches!(f.outcome, ReadOutcome::Read(_)))
            .count();
        memo.keep(listing, result);
    }
    let duplicates = duplicate_ids(&memo.post_ids(listing));
    let errors = settings.errors()
        + listing
            .manifests
            .iter()
            .map(|m| memo.errors_in(m))
            .sum::<usize>()
        + duplicates.len();
    Verdict {
        settings,
        duplicates,
        errors,
        read: to_read.len(),
        checked,
    }
}

/// Everything about `postcal.yaml` and the walk: what listing found, and the settings' rules.
pub fn check_settings(listing: &Listing) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for d in listing.diagnostics.iter() {
        diags.push(d.clone());
    }
    if let Some(config) = &listing.config {
        calendar::check_config(config, &mut diags);
    }
    diags
}

/// Every rule about the posts of manifests just read, with the problems of reading them; what
/// it reports about a manifest depends only on its bytes, the settings and its media files.
pub fn check_manifests(loaded: Loaded, catalog: &mut MediaCatalog) -> CheckedManifests {
    let Loaded {
        calendar,
        mut diagnostics,
        files,
    } = loaded;
    let read_problems = diagnostics.len();
    check_posts(&calendar, catalog, &mut diagnostics);
    let invalid_posts = invalid_posts(&calendar, &diagnostics);
    let of_source: HashMap<_, usize> = files
        .iter()
        .enumerate()
        .filter_map(|(n, f)| Some((f.source?, n)))
        .collect();
    let mut errors: Vec<usize> = files.iter().map(|f| f.errors).collect();
    for d in diagnostics
        .iter()
        .skip(read_problems)
        .filter(|d| d.is_error())
    {
        let file = d.span().and_then(|span| of_source.get(&span.source));
        debug_assert!(file.is_some(), "a rule reported outside its post: {d:?}");
        if let Some(&n) = file {
            errors[n] += 1;
        }
    }
    CheckedManifests {
        calendar,
        diagnostics,
        invalid_posts,
        files: files
            .into_iter()
            .zip(errors)
            .map(|(f, errors)| CheckedFile {
                index: f.index,
                outcome: f.outcome,
                source: f.source,
                errors,
            })
            .collect(),
    }
}

/// The posts whose id an earlier post already has (ids in calendar order): the only rule
/// across manifests. The first post with an id stands; each later one is an error.
pub fn duplicate_ids(ids: &[&str]) -> Vec<Duplicate> {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    let mut out = Vec::new();
    for (post, id) in ids.iter().enumerate() {
        match first.get(id) {
            Some(&first) => out.push(Duplicate { post, first }),
            None => {
                first.insert(id, post);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_post_with_an_id_stands() {
        assert_eq!(
            duplicate_ids(&["a", "b", "a", "c", "a"]),
            [
                Duplicate { post: 2, first: 0 },
                Duplicate { post: 4, first: 0 }
            ]
        );
        assert!(duplicate_ids(&["a", "b"]).is_empty());
    }
}
