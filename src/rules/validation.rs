//! Checking a whole calendar once and keeping every diagnostic, for `postcal validate`.
//!
//! It is [`check_calendar`] with a memo that remembers nothing between runs: it keeps each
//! batch's diagnostics and texts (what rendering needs) and drops the posts, so memory grows
//! with the text of the calendar, not with its parse trees.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::pipeline::{CheckedManifests, Memo, check_calendar};
use super::{MediaCatalog, calendar};
use crate::diag::{Diagnostics, SourceMap, Span, Summary};
use crate::manifest::load::{Known, Listing, LoadError, LoadOptions, ManifestFile, list};

/// Every problem in a calendar, with the texts its spans point into.
#[derive(Debug)]
pub struct Validation {
    pub diagnostics: Diagnostics,
    pub sources: SourceMap,
    pub summary: Summary,
}

/// Loads and checks the calendar at `root`.
pub fn validate(root: &Path, options: &LoadOptions) -> Result<Validation, LoadError> {
    let listing = list(root, options)?;
    let mut memo = Collector::default();
    let verdict = check_calendar(&listing, &mut memo, &mut MediaCatalog::new());
    let mut diagnostics = verdict.settings;
    diagnostics.extend(memo.diagnostics);
    for duplicate in &verdict.duplicates {
        let (id, span) = &memo.ids[duplicate.post];
        let first = memo.ids[duplicate.first].1;
        diagnostics.push(calendar::duplicate_id(id, *span, first));
    }
    debug_assert_eq!(diagnostics.errors(), verdict.errors);
    let summary = Summary {
        files: listing.manifests.len(),
        posts: memo.ids.len(),
        errors: diagnostics.errors(),
        warnings: diagnostics.warnings(),
    };
    Ok(Validation {
        diagnostics,
        sources: memo.sources.unwrap_or_else(|| listing.sources().clone()),
        summary,
    })
}

/// Keeps diagnostics, texts, post ids and error counts; drops posts.
#[derive(Debug, Default)]
struct Collector {
    sources: Option<SourceMap>,
    diagnostics: Diagnostics,
    /// Every post's id and where it is written, in calendar order.
    ids: Vec<(String, Span)>,
    errors: HashMap<PathBuf, usize>,
}

impl Memo for Collector {
    fn known(&self, _: &ManifestFile) -> Option<Known> {
        None
    }

    fn sources(&mut self, listing: &Listing) -> SourceMap {
        self.sources
            .take()
            .unwrap_or_else(|| listing.sources().clone())
    }

    fn keep(&mut self, listing: &Listing, checked: CheckedManifests) {
        let CheckedManifests {
            calendar,
            diagnostics,
            files,
            ..
        } = checked;
        self.ids.extend(
            calendar
                .posts
                .into_iter()
                .map(|post| (post.id.value, post.id.span)),
        );
        self.sources = Some(calendar.sources);
        self.diagnostics.extend(diagnostics);
        for file in files {
            let path = listing.manifests[file.index].path.clone();
            self.errors.insert(path, file.errors);
        }
    }

    fn post_ids(&self, _: &Listing) -> Vec<&str> {
        self.ids.iter().map(|(id, _)| id.as_str()).collect()
    }

    fn errors_in(&self, manifest: &ManifestFile) -> usize {
        self.errors.get(&manifest.path).copied().unwrap_or(0)
    }
}
