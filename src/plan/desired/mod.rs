//! The desired state: a loaded, checked calendar turned into posts with schedules and, per
//! target, the hash of the exact content to publish.
//!
//! This is the edge between the calendar on disk and the pure [`super::plan`]. A [`Scanner`]
//! (a memo of [`crate::rules::pipeline::check_calendar`], which decides what is an error)
//! turns each checked manifest into posts ([`build`]), hashing media files once per version
//! ([`HashCache`]), again and again for the daemon, redoing only what changed; it rebuilds a
//! target's [`Content`] when it is due ([`Scanner::content`]).
//!
//! # Guarantees
//! - The content hash covers everything a target publishes: platform, effective text, each media
//!   file's bytes (SHA-256) and alt text, and the target's options. Any edit that changes what
//!   would be posted changes the hash; renaming the manifest file does not.
//! - A post whose manifest has errors is kept, marked [`Blocked`], with the number of errors and
//!   the first one's message; nothing is published from it.
//! - [`Scanner::content`] returns content only if it hashes to the planned hash: what is
//!   published is always what was planned and validated.

mod build;
mod content;
mod hashes;
mod preview;
mod scanner;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use chrono_tz::Tz;
use serde::Serialize;

pub use content::{Content, MediaContent, hex};
pub use hashes::HashCache;
pub use preview::{PlannedConversion, Preview};
pub use scanner::{ScanStats, Scanner};

use crate::manifest::PostStatus;
use crate::manifest::load::LoadError;
use crate::platform::TargetKey;
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
    /// What it publishes, in brief: only from a scanner made [`Scanner::with_previews`].
    pub preview: Option<Box<Preview>>,
}

/// Loads, checks and turns the calendar at `root` into its desired state.
pub fn load(root: &Path) -> Result<Desired, LoadError> {
    Scanner::new().scan(root)
}

/// [`load`], with each target's [`Preview`] (for `plan` and `show`).
pub fn load_with_previews(root: &Path) -> Result<Desired, LoadError> {
    Scanner::with_previews().scan(root)
}
