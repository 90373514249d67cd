//! The GitOps task of `run --git-remote`: fetch on an interval (or when asked), move forward,
//! and say what happened in `.postcal/sync.json` and the log.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::gitops::{Outcome, Remote, SyncState, retry_delay};
use crate::reconcile::Wakeup;

/// Runs until the process ends.
pub async fn follow(
    remote: Remote,
    dir: PathBuf,
    state_dir: PathBuf,
    interval: chrono::Duration,
    clock: SharedClock,
    now_please: Arc<Notify>,
    wake: Arc<Wakeup>,
) {
    let mut state = SyncState {
        remote: remote.url.clone(),
        branch: remote.branch.clone(),
        commit: crate::gitops::head_commit(&dir),
        ..SyncState::default()
    };
    let mut failures = 0u32;
    loop {
        let wait = if failures == 0 {
            interval
        } else {
            retry_delay(interval, failures)
        };
        let next = clock.now() + wait;
        state.next_try = Some(next);
        let _ = state.write(&state_dir);
        tokio::select! {
            () = clock.sleep_until(next) => {}
            () = now_please.notified() => {}
        }
        let (r, d) = (remote.clone(), dir.clone());
        let outcome = tokio::task::spawn_blocking(move || r.sync(&d)).await;
        state.last_sync = Some(clock.now());
        match outcome {
            Ok(Ok(Outcome::UpToDate { commit })) => {
                failures = 0;
                state.commit = Some(commit);
                state.problem = None;
            }
            Ok(Ok(Outcome::Advanced { from, to })) => {
                failures = 0;
                tracing::info!(from = %short(&from), to = %short(&to), "the calendar moved forward");
                state.commit = Some(to);
                state.problem = None;
                wake.calendar_changed();
            }
            Ok(Ok(Outcome::Diverged {
                local,
                remote: theirs,
            })) => {
                failures = 0;
                let problem = format!(
                    "{} was rewritten to {}, which does not contain {} (a force-push?): postcal stays at {}; move the branch forward again, or re-clone on purpose",
                    remote.branch,
                    short(&theirs),
                    short(&local),
                    short(&local)
                );
                tracing::error!("{problem}");
                state.problem = Some(problem);
            }
            Ok(Err(e)) => {
                failures += 1;
                tracing::warn!(error = %e, failures, "cannot sync with the remote; trying again later");
                state.problem = Some(e.to_string());
            }
            Err(e) => {
                failures += 1;
                state.problem = Some(format!("the sync stopped: {e}"));
            }
        }
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}
