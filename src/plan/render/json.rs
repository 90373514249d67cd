//! The plan as JSON: the contract for programs.
//!
//! ```text
//! {"format_version": 1, "now", "next_wake", "horizon", "timezone", "summary", "errors",
//!  "changes": [{"post", "target", "at", "change", ..., "path", "what"}],
//!  "repeats": [{"post", "targets", "rule", "repeat", "timezone", "status", "first", "until",
//!               "occurrences", "within_horizon", "next", "published", "last_published"}]}
//! ```
//!
//! Every time is RFC 3339 UTC. `what` (a target's kind, caption excerpt, media count and
//! conversions), `horizon`, `timezone` and `repeats` were added in version 1 without breaking
//! it: readers of the first documents ignore them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::View;
use crate::plan::desired::Preview;
use crate::plan::repeats::Repeating;
use crate::plan::{Change, Summary};

/// Version of the JSON document; bump on incompatible changes (adding fields is not one).
pub const FORMAT_VERSION: u32 = 1;

/// The JSON rendering (pretty, newline-terminated).
pub fn json(view: &View) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        format_version: u32,
        now: DateTime<Utc>,
        next_wake: Option<DateTime<Utc>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        horizon: Option<DateTime<Utc>>,
        timezone: String,
        summary: &'a Summary,
        errors: usize,
        changes: Vec<ChangeOut<'a>>,
        repeats: &'a [Repeating],
    }
    #[derive(Serialize)]
    struct ChangeOut<'a> {
        #[serde(flatten)]
        change: &'a Change,
        #[serde(skip_serializing_if = "Option::is_none")]
        what: Option<&'a Preview>,
    }
    let plan = view.plan;
    let doc = Doc {
        format_version: FORMAT_VERSION,
        now: plan.now,
        next_wake: plan.next_wake,
        horizon: view.horizon,
        timezone: view.tz.to_string(),
        summary: &plan.summary,
        errors: plan.errors,
        changes: plan
            .changes
            .iter()
            .map(|change| ChangeOut {
                change,
                what: view.preview(&change.slot.post, &change.slot.target),
            })
            .collect(),
        repeats: view.repeats,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
