//! What one step learns for the next, in memory only: a slot's staged media (prepare → ready →
//! commit → look-up) and the creator_info of the check right before a commit.
//!
//! # Guarantees
//! - Staged media are reused only for the same content (its hash) and for less time than
//!   their URLs are shared; after a restart everything is staged or queried again.
//! - A creator_info answer serves a commit only within [`CREATOR_FRESH`] of its query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use super::api::CreatorInfo;
use super::post::Media;
use crate::platform::TargetKey;
use crate::reconcile::SlotJob;
use crate::state::SlotKey;

/// A creator_info answer is reused by the commit that follows its check this long.
pub const CREATOR_FRESH: Duration = Duration::minutes(10);
/// Staged media are reused this long (their URLs are shared for 26 hours).
pub const STAGED_FOR: Duration = Duration::hours(24);

struct StagedPost {
    content_hash: String,
    at: DateTime<Utc>,
    media: Arc<Media>,
}

#[derive(Default)]
pub struct Memory {
    staged: Mutex<HashMap<SlotKey, StagedPost>>,
    creators: Mutex<HashMap<TargetKey, (DateTime<Utc>, CreatorInfo)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Memory {
    /// The job's media as staged earlier, if its content is unchanged.
    pub fn media(&self, job: &SlotJob, now: DateTime<Utc>) -> Option<Arc<Media>> {
        lock(&self.staged)
            .get(&job.key)
            .filter(|s| s.content_hash == job.content_hash && now - s.at < STAGED_FOR)
            .map(|s| s.media.clone())
    }

    pub fn keep_media(&self, job: &SlotJob, media: Arc<Media>, now: DateTime<Utc>) {
        let mut staged = lock(&self.staged);
        staged.retain(|_, s| now - s.at < STAGED_FOR);
        staged.insert(
            job.key.clone(),
            StagedPost {
                content_hash: job.content_hash.clone(),
                at: now,
                media,
            },
        );
    }

    pub fn forget_media(&self, key: &SlotKey) {
        lock(&self.staged).remove(key);
    }

    /// The creator_info queried within [`CREATOR_FRESH`].
    pub fn creator(&self, target: &TargetKey, now: DateTime<Utc>) -> Option<CreatorInfo> {
        lock(&self.creators)
            .get(target)
            .filter(|(at, _)| now - *at <= CREATOR_FRESH)
            .map(|(_, info)| info.clone())
    }

    pub fn keep_creator(&self, target: &TargetKey, info: CreatorInfo, now: DateTime<Utc>) {
        lock(&self.creators).insert(target.clone(), (now, info));
    }

    /// The creator's `@` name, as last queried.
    pub fn username(&self, target: &TargetKey) -> Option<String> {
        lock(&self.creators)
            .get(target)
            .map(|(_, info)| info.creator_username.clone())
            .filter(|u| !u.is_empty())
    }
}
