//! `postcal resolve`: the way out of `needs_review`, decided by a person who looked.

use std::path::PathBuf;

use chrono::Utc;
use miette::{IntoDiagnostic, miette};

use super::Exit;
use crate::platform::TargetKey;
use crate::state::{self, OpenMode, SledStore, SlotState, StateLock, Store};

/// Settle a slot that needs review: you checked the platform, now tell postcal what you saw.
///
/// postcal marks a slot `needs_review` only when the platform cannot tell whether it was
/// published (a TikTok post whose answer was lost: TikTok has no list to look it up in). It
/// never guesses: it waits for you. Look at the account, then either `--published URL` (the
/// post is there: postcal records it and never posts it again) or `--not-published` (it is not
/// there: postcal publishes it at its next pass). Run it while the daemon is stopped; `postcal
/// status` lists the slots that need review.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The post's id.
    pub post: String,
    /// The target, `platform/account`.
    pub target: String,
    /// The calendar directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Which occurrence (RFC 3339), when the post has several slots that need review.
    #[arg(long)]
    pub at: Option<String>,
    /// The post is on the platform at this URL (or with this id).
    #[arg(
        long,
        conflicts_with = "not_published",
        required_unless_present = "not_published"
    )]
    pub published: Option<String>,
    /// The post is not on the platform: publish it again.
    #[arg(long)]
    pub not_published: bool,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    let target: TargetKey = args.target.parse().map_err(|e| {
        miette!(
            help = "write the target as `platform/account`, e.g. `tiktok/acme`",
            "{e}"
        )
    })?;
    let at = match &args.at {
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|e| {
                    miette!(
                        help = "use RFC 3339, e.g. 2026-12-01T09:00:00Z",
                        "--at `{t}`: {e}"
                    )
                })?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let state_dir = state::state_dir(&args.dir);
    let _lock = StateLock::acquire(&state_dir).into_diagnostic()?;
    let (mut store, records) = SledStore::open_and_load(&state_dir, OpenMode::Existing)
        .into_diagnostic()?
        .ok_or_else(|| miette!("no state in {}: nothing to resolve", state_dir.display()))?;
    let waiting: Vec<_> = records
        .into_iter()
        .filter(|r| r.key.post == args.post && r.key.target == target)
        .filter(|r| at.is_none_or(|at| r.key.at == at))
        .filter(|r| matches!(r.state, SlotState::NeedsReview { .. }))
        .collect();
    let mut record = match waiting.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(miette!(
                help = "`postcal status` lists every slot and its state",
                "no slot of `{}` → {target} needs review",
                args.post
            ));
        }
        many => {
            let times: Vec<String> = many.iter().map(|r| r.key.at.to_rfc3339()).collect();
            return Err(miette!(
                help = format!("choose one with --at: {}", times.join(", ")),
                "{} slots of `{}` → {target} need review",
                many.len(),
                args.post
            ));
        }
    };
    let now = Utc::now();
    record.state = match &args.published {
        Some(url) => SlotState::Published {
            remote_id: url.clone(),
            permalink: url.starts_with("https://").then(|| url.clone()),
            at: now,
        },
        None => SlotState::Failed {
            reason: "resolved by hand: not published".into(),
            permanent: false,
        },
    };
    record.next_action = args.not_published.then_some(now);
    if args.not_published {
        record.attempts = 0;
    }
    record.last_error = None;
    record.waiting = None;
    record.updated_at = now;
    store.persist(&record).into_diagnostic()?;
    match &args.published {
        Some(url) => println!("{}: recorded as published ({url})", record.key),
        None => println!(
            "{}: recorded as not published; the next run publishes it",
            record.key
        ),
    }
    Ok(Exit::Clean)
}
