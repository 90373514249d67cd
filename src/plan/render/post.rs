//! One post, fully resolved, for `postcal show`: its schedule in words and its next
//! occurrences; per target, the text after the target's own `text`, each media file with its
//! alt text and the conversion postcal will make, the options, the plan's changes and every
//! record (the state of each slot, published ones included).
//!
//! JSON (`format_version` 1): `{"format_version", "post", "path", "status", "timezone",
//! "schedule": {"rule", "repeat", "first", "until", "upcoming"}, "blocked", "targets":
//! [{"target", "kind", "text", "media": [{"file", "alt", "sha256", "conversion"}], "options",
//! "changes": [...], "records": [...]}]}`, times in RFC 3339 UTC.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::look;
use crate::human::{self, BOLD, DIM, Style};
use crate::plan::desired::{Blocked, Content, DesiredPost, Preview};
use crate::plan::{Change, ChangeKind};
use crate::platform::TargetKey;
use crate::state::{Record, status_render};

/// Version of `show --format json`.
pub const SHOW_FORMAT_VERSION: u32 = 1;

/// A post and everything known about it.
#[derive(Debug)]
pub struct PostView<'a> {
    pub post: &'a DesiredPost,
    pub tz: Tz,
    /// The schedule in words, or why it cannot be read.
    pub rule: String,
    pub upcoming: Vec<DateTime<Utc>>,
    pub targets: Vec<TargetView<'a>>,
}

/// One target of the post.
#[derive(Debug)]
pub struct TargetView<'a> {
    pub key: &'a TargetKey,
    /// `None` when the manifest changed since it was read (run `show` again).
    pub content: Option<Content>,
    pub preview: Option<&'a Preview>,
    pub changes: Vec<&'a Change>,
    pub records: Vec<&'a Record>,
}

fn status_name(post: &DesiredPost) -> &'static str {
    match post.status {
        crate::manifest::PostStatus::Scheduled => "scheduled",
        crate::manifest::PostStatus::Paused => "paused",
        crate::manifest::PostStatus::Draft => "draft",
    }
}

/// The human rendering.
pub fn human(view: &PostView, color: bool) -> String {
    let style = Style::new(color);
    let tz = view.tz;
    let post = view.post;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}",
        style.paint(BOLD, &post.id),
        style.paint(
            DIM,
            &format!("({}, {})", post.revision.path, status_name(post))
        )
    );
    if let Some(Blocked {
        errors,
        first_error,
    }) = &post.blocked
    {
        let _ = writeln!(
            out,
            "  blocked: {errors} error(s), first: {first_error}; nothing new is published from \
             it until `postcal validate` is clean"
        );
    }
    let _ = writeln!(out, "  when: {}", view.rule);
    if !view.upcoming.is_empty() {
        let times: Vec<String> = view
            .upcoming
            .iter()
            .map(|t| format!("{} {}", human::day(*t, tz), human::time(*t, tz)))
            .collect();
        let _ = writeln!(out, "  next: {}", times.join(", "));
    }
    for target in &view.targets {
        let kind = target.preview.map_or("", |p| p.kind.as_str());
        let _ = writeln!(
            out,
            "\n{}  {}",
            style.paint(BOLD, &target.key.to_string()),
            kind
        );
        match &target.content {
            None => {
                let _ = writeln!(
                    out,
                    "  (the manifest changed while it was read; run `postcal show` again)"
                );
            }
            Some(content) => content_lines(&mut out, content, target.preview),
        }
        if !target.changes.is_empty() {
            let _ = writeln!(out, "  plan:");
            for c in &target.changes {
                let (symbol, label, color) = look(&c.kind);
                let when = match &c.kind {
                    ChangeKind::Blocked {
                        time_unknown: true, ..
                    } => "(time unknown)".to_owned(),
                    _ => human::datetime(c.slot.at, tz),
                };
                let _ = writeln!(
                    out,
                    "    {} {} {when}",
                    style.paint(color, symbol),
                    style.paint(color, &format!("{label:<12}"))
                );
            }
        }
        if !target.records.is_empty() {
            let _ = writeln!(out, "  slots:");
            let records: Vec<Record> = target.records.iter().map(|r| (*r).clone()).collect();
            let table = status_render::human(
                &records,
                &crate::state::ObservedSource::Store,
                tz,
                color,
                "",
            );
            // The table without its summary line, indented.
            for line in table.lines().take(records.len() + 1) {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    out
}

fn content_lines(out: &mut String, content: &Content, preview: Option<&Preview>) {
    match content.text.as_deref() {
        Some(text) if !text.is_empty() => {
            let _ = writeln!(out, "  text:");
            for line in text.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        _ => {
            let _ = writeln!(out, "  text: (none)");
        }
    }
    if !content.media.is_empty() {
        let _ = writeln!(out, "  media:");
        for (i, m) in content.media.iter().enumerate() {
            let conversion = preview
                .and_then(|p| p.conversions.iter().find(|c| c.file == m.file))
                .map(|c| format!("  [{}]", c.says))
                .unwrap_or_default();
            let alt = m
                .alt
                .as_deref()
                .map(|a| format!("  alt: {a}"))
                .unwrap_or_default();
            let _ = writeln!(out, "    {}. {}{conversion}{alt}", i + 1, m.file);
        }
    }
    let options = content.options();
    if let Some(map) = options.as_object().filter(|m| !m.is_empty()) {
        let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let _ = writeln!(out, "  options: {}", parts.join(", "));
    }
}

/// The JSON rendering (pretty, newline-terminated).
pub fn json(view: &PostView) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        format_version: u32,
        post: &'a str,
        path: &'a str,
        status: &'static str,
        timezone: String,
        schedule: Schedule<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        blocked: Option<&'a Blocked>,
        targets: Vec<Target<'a>>,
    }
    #[derive(Serialize)]
    struct Schedule<'a> {
        rule: &'a str,
        repeat: Option<&'a str>,
        first: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        upcoming: &'a [DateTime<Utc>],
    }
    #[derive(Serialize)]
    struct Target<'a> {
        target: &'a TargetKey,
        kind: Option<&'a str>,
        #[serde(flatten)]
        content: Option<&'a Content>,
        #[serde(skip_serializing_if = "Option::is_none")]
        conversions: Option<&'a [crate::plan::desired::PlannedConversion]>,
        changes: &'a [&'a Change],
        records: &'a [&'a Record],
    }
    let schedule = view.post.schedule.as_ref();
    let doc = Doc {
        format_version: SHOW_FORMAT_VERSION,
        post: &view.post.id,
        path: &view.post.revision.path,
        status: status_name(view.post),
        timezone: view.tz.to_string(),
        schedule: Schedule {
            rule: &view.rule,
            repeat: schedule.and_then(|s| s.repeat.as_ref().map(|r| r.expression.as_str())),
            first: schedule.and_then(|s| s.next_after(s.start, true)),
            until: schedule.and_then(|s| s.until),
            upcoming: &view.upcoming,
        },
        blocked: view.post.blocked.as_ref(),
        targets: view
            .targets
            .iter()
            .map(|t| Target {
                target: t.key,
                kind: t.preview.map(|p| p.kind.as_str()),
                content: t.content.as_ref(),
                conversions: t.preview.map(|p| p.conversions.as_slice()),
                changes: &t.changes,
                records: &t.records,
            })
            .collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
