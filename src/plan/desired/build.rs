//! Turning a batch of checked manifests into desired posts: schedules, content hashes, and
//! which posts are blocked by errors (with how many, and the first one's message).

use std::collections::HashMap;
use std::sync::Arc;

use chrono_tz::Tz;

use super::content::{build_content, hex, media_content, media_files};
use super::hashes::HashCache;
use super::preview::Probes;
use super::{Blocked, DesiredPost, DesiredTarget};
use crate::diag::{Diagnostic, SourceId, Span};
use crate::manifest::Post;
use crate::manifest::load::ReadOutcome;
use crate::media::path::MediaRoot;
use crate::rules::pipeline::CheckedManifests;
use crate::schedule::Schedule;
use crate::state::Revision;

/// Each post of a loaded, checked calendar (a batch of manifests) as the plan needs it; with
/// `probes`, each target with its [`super::Preview`].
pub(super) fn desired_posts(
    checked: &CheckedManifests,
    hasher: &mut HashCache,
    mut probes: Option<&mut Probes>,
    media_root: &MediaRoot,
    timezone: Option<Tz>,
) -> Vec<DesiredPost> {
    let calendar = &checked.calendar;
    // Media hashes first (the hasher caches across loads, so this is sequential), then every
    // post on all cores.
    let mut media_hashes: HashMap<&str, String> = HashMap::new();
    for post in &calendar.posts {
        for file in media_files(post) {
            if !media_hashes.contains_key(file) {
                media_hashes.insert(file, hasher.hash(media_root, file));
            }
            if let Some(probes) = probes.as_deref_mut() {
                probes.probe(media_root, file);
            }
        }
    }
    let probes = probes.as_deref();
    // Each manifest's hash, from reading it.
    let file_hashes: HashMap<SourceId, String> = checked
        .files
        .iter()
        .filter_map(|f| match (&f.outcome, f.source) {
            (ReadOutcome::Read(Some(known)), Some(source)) => Some((source, hex(&known.hash))),
            _ => None,
        })
        .collect();
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
        let mut posts = Vec::with_capacity(chunk.len());
        for &(index, post) in chunk {
            let file_hash = file_hashes
                .get(&post.origin.source)
                .cloned()
                .unwrap_or_default();
            let revision = Revision {
                path: post.origin.path.clone(),
                file_hash,
                commit: None,
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
                        preview: probes.map(|p| Box::new(p.preview(&content))),
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
