//! What the daemon knows of the calendar: the desired state of the last scan, the last valid
//! version of posts whose manifest broke, and the job (content to publish) of a due slot.
//!
//! # Guarantees
//! - A manifest that stops validating keeps its last valid version (in memory), shown as
//!   blocked; nothing new is published from it.
//! - A job's content is rebuilt from the manifest when it is about to be used, and only if it
//!   is still exactly what was planned ([`crate::plan::Scanner::content`]); otherwise
//!   [`CalendarView::job_for`] answers `None` and the daemon rescans first.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::publisher::SlotJob;
use crate::manifest::PostStatus;
use crate::manifest::load::LoadError;
use crate::plan::{self, Blocked, Content, Desired, DesiredPost, Scanner};
use crate::platform::Platform;
use crate::state::{Record, Revision, SlotKey};

/// The calendar as of the last scan.
pub struct CalendarView {
    root: PathBuf,
    pub desired: Desired,
    /// Index of `desired.posts` by id (first post with the id).
    by_id: HashMap<String, usize>,
    last_valid: HashMap<String, Arc<DesiredPost>>,
    /// What the last rescan built: a rescan rebuilds only the manifests that changed.
    scanner: Scanner,
    /// Scans so far (the first one included).
    pub scans: u64,
    /// The git commit the calendar was at when last scanned (a checkout), recorded on the
    /// slots published from it.
    commit: Option<String>,
}

impl CalendarView {
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            desired: Desired::default(),
            by_id: HashMap::new(),
            last_valid: HashMap::new(),
            scanner: Scanner::new(),
            scans: 0,
            commit: None,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Rescans the calendar. `Err` only when it cannot be read at all.
    pub fn rescan(&mut self) -> Result<(), LoadError> {
        let started = std::time::Instant::now();
        let mut desired = self.scanner.scan(&self.root)?;
        let was_blocked: HashSet<String> = self
            .desired
            .posts
            .iter()
            .filter(|p| p.blocked.is_some())
            .map(|p| p.id.clone())
            .collect();
        let present: HashSet<String> = desired.posts.iter().map(|p| p.id.clone()).collect();
        for post in desired.posts.iter().filter(|p| p.blocked.is_none()) {
            self.last_valid.insert(post.id.clone(), post.clone());
        }
        // Posts that vanished because their manifest no longer parses: keep the last valid
        // version, blocked. Posts whose manifest is fine but no longer has them are gone.
        let mut kept = Vec::new();
        self.last_valid.retain(|id, post| {
            if present.contains(id) {
                return true;
            }
            if desired.files_with_errors.contains(&post.revision.path) {
                let mut post = DesiredPost::clone(post);
                post.blocked = Some(Blocked {
                    errors: 0,
                    first_error: format!(
                        "{} has errors; keeping its last valid version (run `postcal validate`)",
                        post.revision.path
                    ),
                });
                kept.push(Arc::new(post));
                return true;
            }
            false
        });
        desired.posts.extend(kept);
        for post in desired.posts.iter().filter(|p| p.blocked.is_some()) {
            if !was_blocked.contains(&post.id) {
                let first = post.blocked.as_ref().map(|b| b.first_error.as_str());
                tracing::warn!(post = %post.id, path = %post.revision.path, error = first.unwrap_or(""), "post is blocked by manifest errors; nothing new is published from it");
            }
        }
        self.by_id.clear();
        for (i, post) in desired.posts.iter().enumerate() {
            self.by_id.entry(post.id.clone()).or_insert(i);
        }
        self.desired = desired;
        self.scans += 1;
        self.commit = crate::gitops::head_commit(&self.root);
        let stats = self.scanner.stats();
        tracing::info!(
            posts = self.desired.posts.len(),
            errors = self.desired.errors,
            manifests = stats.manifests,
            read = stats.read,
            checked = stats.checked,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "calendar scanned"
        );
        Ok(())
    }

    /// The job for a slot and whether it is still wanted. The content is rebuilt from the
    /// manifest only when the slot is wanted; `None` when the manifest or its media changed
    /// since the last scan (the caller rescans first, so only planned content is published).
    pub fn job_for(&mut self, slot: &SlotKey, record: Option<&Record>) -> Option<(SlotJob, bool)> {
        // A handle of its own, so the scanner can be borrowed to rebuild the content.
        let post = self.post_of(slot).cloned();
        let target = post.as_ref().and_then(|p| target_of(p, slot));
        if let (Some(post), Some(target)) = (&post, target) {
            let wanted = post.blocked.is_none()
                && post.status == PostStatus::Scheduled
                && post
                    .schedule
                    .as_ref()
                    .is_some_and(|s| s.next_after(slot.at, true) == Some(slot.at));
            let content = if wanted {
                Arc::new(self.scanner.content(&self.root, post, &target.key)?)
            } else {
                no_content(target.key.platform)
            };
            let job = SlotJob {
                key: slot.clone(),
                content,
                content_hash: target.content_hash.clone(),
            };
            return Some((job, wanted));
        }
        let job = SlotJob {
            key: slot.clone(),
            content: no_content(slot.target.platform),
            content_hash: record.map(|r| r.content_hash.clone()).unwrap_or_default(),
        };
        Some((job, false))
    }

    /// The content hash a record of this slot starts from.
    pub fn content_hash_of(&self, slot: &SlotKey) -> Option<String> {
        self.post_of(slot)
            .and_then(|p| target_of(p, slot))
            .map(|t| t.content_hash.clone())
    }

    pub fn revision_of(&self, slot: &SlotKey) -> Revision {
        let mut revision = self
            .post_of(slot)
            .map(|p| p.revision.clone())
            .unwrap_or_default();
        revision.commit = self.commit.clone();
        revision
    }

    /// The post a slot belongs to, if the calendar still has it.
    fn post_of(&self, slot: &SlotKey) -> Option<&Arc<DesiredPost>> {
        self.by_id
            .get(&slot.post)
            .and_then(|&i| self.desired.posts.get(i))
    }
}

/// The content of a job that will not be published (resolving work in flight, an orphan).
fn no_content(platform: Platform) -> Arc<Content> {
    Arc::new(Content {
        platform,
        text: None,
        media: Vec::new(),
        options: "null".into(),
    })
}

fn target_of<'a>(post: &'a DesiredPost, slot: &SlotKey) -> Option<&'a plan::DesiredTarget> {
    post.targets.iter().find(|t| t.key == slot.target)
}
