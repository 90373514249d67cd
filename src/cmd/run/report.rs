//! What `run` prints on stdout: one line per publication as it happens (local time, post,
//! account, kind, permalink), and a summary when it ends. Logs go to stderr. Under `--dry-run`
//! every line says "would publish": nothing was.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono_tz::Tz;

use crate::reconcile::Observer;
use crate::state::{Record, SlotState};

#[derive(Default)]
struct Counts {
    published: BTreeMap<String, usize>,
    failed: usize,
    needs_review: usize,
    missed: usize,
}

pub struct Report {
    tz: Tz,
    dry_run: bool,
    started: std::time::Instant,
    counts: Arc<Mutex<Counts>>,
}

impl Report {
    pub fn new(tz: Tz, dry_run: bool) -> Self {
        Self {
            tz,
            dry_run,
            started: std::time::Instant::now(),
            counts: Arc::default(),
        }
    }

    /// Prints each slot's outcome as it happens.
    pub fn observer(&self) -> Observer {
        let counts = self.counts.clone();
        let tz = self.tz;
        let dry_run = self.dry_run;
        Observer(Arc::new(move |r: &Record, kind: &str| {
            let mut c = counts.lock().unwrap_or_else(|e| e.into_inner());
            // The slot's own time: what the calendar asked for (`status` has the exact times).
            let when = r.key.at.with_timezone(&tz).format("%a %Y-%m-%d %H:%M %Z");
            let line = match &r.state {
                SlotState::Published {
                    permalink,
                    remote_id,
                    ..
                } => {
                    *c.published
                        .entry(r.key.target.platform.display_name().to_owned())
                        .or_default() += 1;
                    if dry_run {
                        format!(
                            "{when}  would publish  {:<28} → {:<22} {kind}",
                            r.key.post,
                            r.key.target.to_string(),
                        )
                    } else {
                        format!(
                            "{when}  published  {:<28} → {:<22} {:<16} {}",
                            r.key.post,
                            r.key.target.to_string(),
                            kind,
                            permalink.as_deref().unwrap_or(remote_id)
                        )
                    }
                }
                SlotState::Failed {
                    permanent: true,
                    reason,
                } => {
                    c.failed += 1;
                    format!(
                        "{when}  FAILED     {} → {}: {reason}",
                        r.key.post, r.key.target
                    )
                }
                SlotState::NeedsReview { why } => {
                    c.needs_review += 1;
                    format!(
                        "{when}  REVIEW     {} → {}: {why}",
                        r.key.post, r.key.target
                    )
                }
                SlotState::Missed => {
                    c.missed += 1;
                    let would = if dry_run { "would be " } else { "" };
                    format!(
                        "{when}  {would}missed     {} → {}: its time passed more than \
                         max_lateness ago; not posted late",
                        r.key.post, r.key.target
                    )
                }
                _ => return,
            };
            // A closed stdout (`| head`) must not stop the daemon.
            let _ = writeln!(std::io::stdout(), "{line}");
        }))
    }

    /// The summary line.
    pub fn finish(&self, ledger: Option<String>) {
        let c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = c.published.values().sum();
        let by: Vec<String> = c
            .published
            .iter()
            .map(|(p, n)| format!("{p} {n}"))
            .collect();
        let mut line = format!(
            "{} {total} post{} in {:.1} s",
            if self.dry_run {
                "Would publish"
            } else {
                "Published"
            },
            if total == 1 { "" } else { "s" },
            self.started.elapsed().as_secs_f64()
        );
        if !by.is_empty() {
            line.push_str(&format!(" ({})", by.join(", ")));
        }
        for (n, what) in [
            (c.failed, "failed"),
            (c.needs_review, "need review"),
            (c.missed, "missed"),
        ] {
            if n > 0 {
                line.push_str(&format!("; {n} {what}"));
            }
        }
        if self.dry_run {
            line.push_str(" (dry run: nothing was published)");
        }
        let _ = writeln!(std::io::stdout(), "{line}.");
        if let Some(ledger) = ledger {
            let _ = writeln!(std::io::stdout(), "{ledger}");
        }
    }
}
