//! `postcal show POST`: one post fully resolved, per target (rendered by
//! [`crate::plan::render::post`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::Utc;
use chrono_tz::Tz;
use miette::IntoDiagnostic;

use super::Exit;
use super::plan::parse_now;
use crate::plan::render::post::{self, PostView, TargetView};
use crate::plan::{self, Policy, Scanner};
use crate::schedule::words::describe;
use crate::state;

/// Show one post as postcal will publish it: per target, the text after the target's own
/// `text`, each media file with its alt text and the conversion postcal makes (PNG → JPEG,
/// remux), the options; the schedule in words with its next occurrences; and the state of
/// each of its slots (published, waiting, failed, ...). Times are in the calendar's timezone.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The post's `id`.
    pub post: String,
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Show it as of this time: RFC 3339, or a local time in the calendar's timezone.
    #[arg(long)]
    pub now: Option<String>,
    /// How many upcoming occurrences of a repeating post to list.
    #[arg(long, default_value_t = 5)]
    pub occurrences: usize,
    #[arg(long, value_enum, default_value_t = ShowFormat::Human)]
    pub format: ShowFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    /// The post, then each target: text, media, options, plan and slots.
    Human,
    /// A versioned JSON document (`format_version`), times in RFC 3339 UTC.
    Json,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    super::calendar_dir(&args.dir)?;
    let mut scanner = Scanner::with_previews();
    let desired = scanner.scan(&args.dir).into_diagnostic()?;
    let tz = desired.timezone.unwrap_or(Tz::UTC);
    let now = match &args.now {
        Some(v) => parse_now(v, desired.timezone)?,
        None => Utc::now(),
    };
    let Some(post) = desired.posts.iter().find(|p| p.id == args.post).cloned() else {
        let ids = || desired.posts.iter().map(|p| p.id.as_str());
        let near = crate::diag::suggest::closest(&args.post, ids())
            .or_else(|| ids().find(|id| id.contains(args.post.as_str())));
        let help = match near {
            Some(near) => format!("did you mean `{near}`?"),
            None => "`postcal plan` lists every post".to_owned(),
        };
        return Err(super::usage(
            format!(
                "no post has the id `{}` in {}",
                args.post,
                args.dir.display()
            ),
            Some(help),
        ));
    };
    let observed = state::read_observed(&state::state_dir(&args.dir)).into_diagnostic()?;
    let records: BTreeMap<_, _> = observed
        .records
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect();
    let plan = plan::plan(&desired, &records, now, &Policy::new(desired.max_lateness));
    let (rule, upcoming) = match &post.schedule {
        Some(s) => (
            describe(s, tz),
            s.upcoming(now, chrono::DateTime::<Utc>::MAX_UTC, args.occurrences),
        ),
        None => (
            "its time cannot be read (run `postcal validate`)".to_owned(),
            Vec::new(),
        ),
    };
    let targets = post
        .targets
        .iter()
        .map(|target| TargetView {
            key: &target.key,
            content: scanner.content(&args.dir, &post, &target.key),
            preview: target.preview.as_deref(),
            changes: plan
                .changes
                .iter()
                .filter(|c| c.slot.post == post.id && c.slot.target == target.key)
                .collect(),
            records: records
                .values()
                .filter(|r| r.key.post == post.id && r.key.target == target.key)
                .collect(),
        })
        .collect();
    let view = PostView {
        post: &post,
        tz,
        rule,
        upcoming,
        targets,
    };
    let out = match args.format {
        ShowFormat::Human => post::human(&view, super::output::stdout_color()),
        ShowFormat::Json => post::json(&view),
    };
    super::output::print(&out)?;
    Ok(Exit::Clean)
}
