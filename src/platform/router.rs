//! [`Publishers`]: one [`Publisher`] that hands each slot to its platform's publisher.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Platform;
use crate::reconcile::publisher::BoxFuture;
use crate::reconcile::{Commit, FollowUp, LookupResult, Outcome, Prepared, Publisher, SlotJob};
use crate::state::SlotKey;

/// The four publishers behind one interface.
pub struct Publishers {
    pub instagram: Arc<dyn Publisher>,
    pub tiktok: Arc<dyn Publisher>,
    pub threads: Arc<dyn Publisher>,
    pub facebook: Arc<dyn Publisher>,
}

impl Publishers {
    fn of(&self, job: &SlotJob) -> &dyn Publisher {
        self.for_platform(job.key.target.platform)
    }

    fn for_platform(&self, platform: Platform) -> &dyn Publisher {
        match platform {
            Platform::Instagram => self.instagram.as_ref(),
            Platform::Tiktok => self.tiktok.as_ref(),
            Platform::Threads => self.threads.as_ref(),
            Platform::Facebook => self.facebook.as_ref(),
        }
    }
}

impl Publisher for Publishers {
    fn prepare<'a>(&'a self, job: &'a SlotJob) -> BoxFuture<'a, Outcome<Prepared>> {
        self.of(job).prepare(job)
    }

    fn ready<'a>(&'a self, job: &'a SlotJob, p: &'a Prepared) -> BoxFuture<'a, Outcome<()>> {
        self.of(job).ready(job, p)
    }

    fn commit<'a>(&'a self, job: &'a SlotJob, p: &'a Prepared) -> BoxFuture<'a, Outcome<Commit>> {
        self.of(job).commit(job, p)
    }

    fn follow_up<'a>(
        &'a self,
        job: &'a SlotJob,
        ids: &'a [String],
        then: FollowUp,
    ) -> BoxFuture<'a, Outcome<()>> {
        self.of(job).follow_up(job, ids, then)
    }

    fn lookup<'a>(
        &'a self,
        job: &'a SlotJob,
        p: &'a Prepared,
        since: DateTime<Utc>,
    ) -> BoxFuture<'a, Outcome<LookupResult>> {
        self.of(job).lookup(job, p, since)
    }

    fn seed_history(&self, published: &[(SlotKey, DateTime<Utc>)]) {
        for platform in Platform::ALL {
            let mine: Vec<(SlotKey, DateTime<Utc>)> = published
                .iter()
                .filter(|(k, _)| k.target.platform == platform)
                .cloned()
                .collect();
            self.for_platform(platform).seed_history(&mine);
        }
    }
}
