//! Every publisher call bounded: its limit in real time, and whether shutdown may abandon it.

use std::future::Future;
use std::time::Duration;

use super::Machine;
use crate::reconcile::publisher::{Failure, Outcome};

/// Real-time limits on each publisher call (the clock may be warped; waiting on the network is
/// not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Preparing, which may wait for video processing; abandoned at shutdown.
    pub prepare: Duration,
    /// The checks right before a commit (quota, creator settings); abandoned at shutdown.
    pub ready: Duration,
    /// The irreversible call: finished even at shutdown; no answer within it is ambiguous.
    pub commit: Duration,
    /// Finishing an accepted commit (a TikTok upload): finished even at shutdown.
    pub follow_up: Duration,
    /// A read-only look-up; abandoned at shutdown.
    pub lookup: Duration,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            prepare: Duration::from_secs(45 * 60),
            ready: Duration::from_secs(120),
            commit: Duration::from_secs(120),
            follow_up: Duration::from_secs(45 * 60),
            lookup: Duration::from_secs(120),
        }
    }
}

/// A bounded call's result: `None` when shutdown interrupted it.
pub(super) type Bounded<T> = Option<Outcome<T>>;

impl Machine {
    /// Runs one publisher call within `limit` of real time; with `interruptible`, shutdown
    /// abandons it (only for harmless calls).
    pub(super) async fn bounded<T>(
        &self,
        limit: Duration,
        interruptible: bool,
        what: &str,
        call: impl Future<Output = Outcome<T>>,
    ) -> Bounded<T> {
        let mut shutdown = self.shutdown.clone();
        let stop = async move {
            if interruptible {
                let _ = shutdown.wait_for(|s| *s).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            r = tokio::time::timeout(limit, call) => Some(r.unwrap_or_else(|_| {
                Err(Failure::ambiguous(format!(
                    "no answer to {what} within {} s",
                    limit.as_secs()
                )))
            })),
            () = stop => None,
        }
    }
}
