//! The plan as Markdown for a pull-request comment: a summary, a compact table of what the
//! branch changes against its base (or, without a base, of what is to publish), and the
//! details collapsed.
//!
//! # Guarantees
//! - Only GitHub-flavoured Markdown: tables and `<details>`; text from manifests is escaped so
//!   a caption cannot break the table (pipes, newlines) or inject HTML.

use std::fmt::Write as _;

use super::{View, look, summary_line};
use crate::human;
use crate::plan::diff::Difference;

/// Escapes text for a table cell.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

fn what_of(view: &View, post: &str, target: &crate::platform::TargetKey) -> String {
    view.preview(post, target)
        .map(|p| {
            let mut s = p.kind.clone();
            if let Some(e) = &p.excerpt {
                let _ = write!(s, ": “{}”", e);
            }
            for c in &p.conversions {
                let _ = write!(s, " ({} {})", c.file, c.says);
            }
            cell(&s)
        })
        .unwrap_or_default()
}

/// The whole plan: what is to publish (within the horizon), what needs attention, and every
/// slot in a collapsed table.
pub fn markdown(view: &View) -> String {
    let plan = view.plan;
    let tz = view.tz;
    let mut out = String::new();
    let _ = writeln!(out, "### postcal plan\n");
    let _ = writeln!(out, "{}\n", summary_line(&plan.summary, plan.errors));
    let rows: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| !matches!(c.kind, super::ChangeKind::Nothing { .. }))
        .collect();
    if rows.is_empty() {
        let _ = writeln!(out, "Nothing to publish.");
        return out;
    }
    let _ = writeln!(out, "| When | Post | Account | | What |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for c in rows.iter().take(50) {
        let (symbol, label, _) = look(&c.kind);
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {symbol} {label} | {} |",
            human::datetime(c.slot.at, tz),
            cell(&c.slot.post),
            c.slot.target,
            what_of(view, &c.slot.post, &c.slot.target)
        );
    }
    if rows.len() > 50 {
        let _ = writeln!(
            out,
            "\n<details><summary>{} more slots</summary>\n",
            rows.len() - 50
        );
        for c in rows.iter().skip(50) {
            let (symbol, label, _) = look(&c.kind);
            let _ = writeln!(
                out,
                "- {} `{}` → {} {symbol} {label}",
                human::datetime(c.slot.at, tz),
                cell(&c.slot.post),
                c.slot.target
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

/// What a branch changes against its base.
pub fn markdown_diff(view: &View, base: &str, differences: &[Difference]) -> String {
    let tz = view.tz;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### postcal plan: this change against `{}`\n",
        cell(base)
    );
    if differences.is_empty() {
        let _ = writeln!(out, "No change to what postcal publishes.");
    } else {
        let count = |f: fn(&Difference) -> bool| differences.iter().filter(|d| f(d)).count();
        let mut parts = Vec::new();
        for (n, what) in [
            (count(|d| matches!(d, Difference::Added { .. })), "added"),
            (count(|d| matches!(d, Difference::Moved { .. })), "moved"),
            (count(|d| matches!(d, Difference::Edited { .. })), "edited"),
            (
                count(|d| matches!(d, Difference::Removed { .. })),
                "removed",
            ),
            (count(|d| matches!(d, Difference::Drift { .. })), "drift"),
            (
                count(|d| matches!(d, Difference::Blocked { .. })),
                "blocked",
            ),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let _ = writeln!(out, "{}\n", parts.join(", "));
        let _ = writeln!(out, "| When | Post | Account | Change | What |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for d in differences {
            let when = human::datetime(d.at(), tz);
            let (change, note) = match d {
                Difference::Added { .. } => ("➕ added".to_owned(), String::new()),
                Difference::Removed { .. } => ("➖ removed".to_owned(), String::new()),
                Difference::Moved { from, .. } => (
                    "↦ moved".to_owned(),
                    format!("from {}", human::datetime(*from, tz)),
                ),
                Difference::Edited { .. } => ("✎ edited".to_owned(), String::new()),
                Difference::Blocked { error, .. } => ("⊘ blocked".to_owned(), cell(error)),
                Difference::Drift { why, .. } => (
                    "~ drift".to_owned(),
                    format!("{}; published already, not re-posted", cell(why)),
                ),
            };
            let what = what_of(view, d.post(), d.target());
            let what = match (what.is_empty(), note.is_empty()) {
                (_, true) => what,
                (true, false) => note,
                (false, false) => format!("{note}; {what}"),
            };
            let _ = writeln!(
                out,
                "| {when} | `{}` | {} | {change} | {what} |",
                cell(d.post()),
                d.target()
            );
        }
    }
    let _ = writeln!(
        out,
        "\n<details><summary>The whole plan after this change</summary>\n\n{}\n</details>",
        markdown(view)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(
            cell("a | b\nc <script>&`x`"),
            "a \\| b c &lt;script&gt;&amp;'x'"
        );
    }
}
