//! `postcal preview`: the calendar as a static site a reviewer can open from disk: a month and
//! a week view of every slot (coloured by platform and state), and a page per post showing each
//! target as its platform will show it, with the post's diagnostics at their lines.
//!
//! - [`model`]: posts as written, with their diagnostics and YAML lines;
//! - [`fold`], [`frame`]: where each platform cuts a text and crops a picture (pure);
//! - [`shots`], [`thumbs`]: each target's media as thumbnails and video placeholders;
//! - [`cards`], [`post`], [`calendar`], [`html`]: the pages;
//! - [`site`]: writing only what changed.
//!
//! # Guarantees
//! - The preview reads the calendar through the plan's own scanner (so it shows what
//!   `validate` and `plan` see) and the state read-only ([`crate::state::read_observed`]); it
//!   never writes state and never publishes.
//! - Self-contained: the site needs nothing but its own directory (no CDN, no script, no web
//!   font), and every picture in it is a thumbnail postcal made, never the original file.
//! - Incremental: thumbnails are cached by content hash, pages are written only when their
//!   bytes change, and pages of posts that are gone are removed.
//!
//! # Errors
//! A calendar that cannot be listed, or an output directory that cannot be written, is a
//! [`PreviewError`]. A media file that cannot be read or decoded is shown on its card with the
//! reason, and counted in [`Report::thumbs`].

pub mod calendar;
pub mod cards;
pub mod fold;
pub mod frame;
pub mod html;
pub mod model;
pub mod post;
pub mod shots;
pub mod site;
pub mod thumbs;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::agenda::{Agenda, AgendaSlot};
use crate::manifest::TargetOptions;
use crate::manifest::load::LoadError;
use crate::media::path::MediaRoot;
use crate::plan::{Desired, Scanner};
use model::{PostView, Slugs};
use shots::{Catalog, MediaFacts};

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cannot write the preview in {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The calendar as the preview needs it.
#[derive(Debug)]
pub struct Loaded {
    pub desired: Desired,
    pub posts: Vec<PostView>,
    pub catalog: Catalog,
}

/// Reads and checks the calendar at `root` once (the plan's scan), keeping each post as written
/// with its diagnostics, and probes every media file it names.
pub fn load(root: &Path) -> Result<Loaded, PreviewError> {
    let mut scanner = Scanner::new();
    let mut posts = Vec::new();
    let desired = scanner.scan_observed(root, &mut |_, checked| {
        posts.extend(model::collect(checked))
    })?;
    let mut files = BTreeSet::new();
    for view in &posts {
        for target in &view.post.targets {
            for m in shots::media_of(target, &view.post) {
                files.insert(m.file.value.clone());
            }
            if let TargetOptions::Instagram(o) = &target.options
                && let Some(cover) = &o.cover
            {
                files.insert(cover.value.clone());
            }
        }
    }
    let files: Vec<String> = files.into_iter().collect();
    // The scanner hashed every file while planning: its hashes are reused, not recomputed.
    let hashes: Vec<String> = files.iter().map(|f| scanner.media_hash(root, f)).collect();
    let media_root = MediaRoot::new(root);
    let infos = crate::par::map(&files, 8, |file| {
        media_root
            .open(file)
            .map_err(|e| e.to_string())
            .and_then(|f| crate::media::probe_reader(f.into_file()).map_err(|e| e.to_string()))
    });
    let catalog = files
        .into_iter()
        .zip(hashes)
        .zip(infos)
        .map(|((file, sha256), info)| (file, MediaFacts { sha256, info }))
        .collect();
    Ok(Loaded {
        desired,
        posts,
        catalog,
    })
}

/// What a preview run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub index: PathBuf,
    pub posts: usize,
    pub slots: usize,
    pub months: usize,
    pub weeks: usize,
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub thumbs: thumbs::ThumbStats,
}

/// Writes the site for `loaded` and `agenda` into `out` (only what changed). `name` titles it.
pub fn build(
    root: &Path,
    out: &Path,
    loaded: &Loaded,
    agenda: &Agenda,
    name: &str,
) -> Result<Report, PreviewError> {
    let io = |source| PreviewError::Write {
        path: out.to_path_buf(),
        source,
    };
    // One page per id: the first post with an id stands, as in the plan.
    let mut slugs = Slugs::default();
    let mut pages: Vec<(&PostView, String)> = Vec::new();
    for view in &loaded.posts {
        if slugs.get(&view.post.id.value).is_none() {
            pages.push((view, slugs.of(&view.post.id.value)));
        }
    }
    let mut wanted = HashMap::new();
    for (view, _) in &pages {
        for target in &view.post.targets {
            for shot in shots::shots(target, &view.post, &loaded.catalog).1 {
                if let Some(w) = shot.thumb() {
                    wanted.entry(w.name()).or_insert_with(|| w.clone());
                }
            }
        }
    }
    let wanted: Vec<thumbs::Wanted> = wanted.into_values().collect();
    let thumb_stats =
        thumbs::ensure(&MediaRoot::new(root), &out.join("thumbs"), &wanted).map_err(io)?;

    let mut by_post: HashMap<&str, Vec<&AgendaSlot>> = HashMap::new();
    for s in &agenda.slots {
        by_post.entry(s.key.post.as_str()).or_default().push(s);
    }
    let (months, weeks) = calendar::periods(agenda);
    let flagged: Vec<calendar::Flagged> = pages
        .iter()
        .filter(|(v, _)| v.errors() > 0)
        .map(|(v, slug)| calendar::Flagged {
            id: &v.post.id.value,
            slug,
            errors: v.errors(),
            first: v
                .notes
                .iter()
                .find(|n| n.is_error())
                .map_or("", |n| n.message.as_str()),
        })
        .collect();

    let mut site = site::Site::open(out).map_err(io)?;
    site.page(html::CSS_PATH, html::CSS).map_err(io)?;
    site.page(
        "index.html",
        &calendar::index(agenda, name, &months, &flagged),
    )
    .map_err(io)?;
    let month_ix: Vec<usize> = (0..months.len()).collect();
    site.pages(&month_ix, |&i| {
        (
            months[i].file.clone(),
            calendar::month_page(agenda, &months, i, &slugs),
        )
    })
    .map_err(io)?;
    let week_ix: Vec<usize> = (0..weeks.len()).collect();
    site.pages(&week_ix, |&i| {
        (
            weeks[i].file.clone(),
            calendar::week_page(agenda, &weeks, i, &slugs),
        )
    })
    .map_err(io)?;
    site.pages(&pages, |(view, slug)| {
        let slots = by_post
            .get(view.post.id.value.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        (
            format!("posts/{slug}.html"),
            post::post_page(view, slots, &loaded.catalog, agenda.timezone),
        )
    })
    .map_err(io)?;
    let keep: HashSet<String> = wanted.iter().map(thumbs::Wanted::name).collect();
    let site = site.finish(&keep).map_err(io)?;
    Ok(Report {
        index: out.join("index.html"),
        posts: pages.len(),
        slots: agenda.slots.len(),
        months: months.len(),
        weeks: weeks.len(),
        written: site.written,
        unchanged: site.unchanged,
        removed: site.removed,
        thumbs: thumb_stats,
    })
}
