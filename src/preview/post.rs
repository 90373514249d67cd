//! A post's page: what it is and when (its schedule, every slot with its state and permalink),
//! one card per target as the platform will show it, then its YAML with every diagnostic
//! under the line it points at.

use std::fmt::Write as _;

use chrono_tz::Tz;

use super::cards::{card, note_html};
use super::html::{self, esc, page};
use super::model::PostView;
use super::shots::Catalog;
use crate::agenda::AgendaSlot;

/// The page of `view`, with the slots the agenda has for it.
pub fn post_page(view: &PostView, slots: &[&AgendaSlot], catalog: &Catalog, tz: Tz) -> String {
    let post = &view.post;
    let mut body = format!(
        "<h1>{}</h1><p class=\"meta\"><a href=\"#L{}\">{}:{}</a> · at {}",
        esc(&post.id.value),
        view.first_line,
        esc(&post.origin.path),
        view.first_line,
        esc(&post.at.value)
    );
    if let Some(tz) = &post.timezone {
        let _ = write!(body, " ({})", esc(&tz.value));
    }
    if let Some(repeat) = &post.repeat {
        let _ = write!(body, " · repeats <code>{}</code>", esc(&repeat.value));
    }
    if let Some(until) = &post.until {
        let _ = write!(body, " until {}", esc(&until.value));
    }
    let _ = write!(body, " · {}</p>", post.status().keyword());
    let errors = view.errors();
    if errors > 0 {
        let _ = write!(
            body,
            "<p class=\"errors\">{errors} error(s): nothing is published from this post until \
             they are fixed.</p>"
        );
    }
    body.push_str(&slots_html(slots, tz));
    body.push_str("<div class=\"cards\">");
    for target in &post.targets {
        body.push_str(&card(view, target, catalog));
    }
    body.push_str("</div>");
    body.push_str(&source_html(view));
    let nav = slots
        .first()
        .map(|s| {
            let day = s.key.at.with_timezone(&tz).date_naive();
            let monday = day
                - chrono::Duration::days(i64::from(
                    chrono::Datelike::weekday(&day).num_days_from_monday(),
                ));
            format!(
                "<nav><a href=\"../{}\">week</a> <a href=\"../{}\">month</a></nav>",
                super::calendar::week_file(monday),
                super::calendar::month_file(chrono::Datelike::with_day(&day, 1).unwrap_or(day))
            )
        })
        .unwrap_or_default();
    page(&post.id.value, "../", &nav, &body)
}

fn slots_html(slots: &[&AgendaSlot], tz: Tz) -> String {
    if slots.is_empty() {
        return "<p class=\"meta\">No slot in the preview's window.</p>".into();
    }
    let mut out = String::from("<h2>Slots</h2><ul class=\"slots\">");
    const SHOWN: usize = 50;
    for s in slots.iter().take(SHOWN) {
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a> · {} · {}</li>",
            html::target_anchor(&s.key.target),
            esc(&s.key.target.to_string()),
            esc(&html::date_time(s.key.at, tz)),
            html::state_line(s)
        );
    }
    if slots.len() > SHOWN {
        let _ = write!(
            out,
            "<li>and {} more (the week and month pages show them)</li>",
            slots.len() - SHOWN
        );
    }
    out.push_str("</ul>");
    out
}

/// The post's YAML, numbered as in its file, each diagnostic under its line.
fn source_html(view: &PostView) -> String {
    let mut out = format!(
        "<h2>{}</h2><div class=\"source\">",
        esc(&view.post.origin.path)
    );
    let mut notes = view.notes.iter().peekable();
    for (i, line) in view.lines.iter().enumerate() {
        let n = view.first_line + i;
        let flagged = notes.peek().is_some_and(|note| note.line == n);
        let _ = write!(
            out,
            "<div class=\"ln{}\" id=\"L{n}\"><a href=\"#L{n}\">{n}</a><span>{}</span></div>",
            if flagged { " flagged" } else { "" },
            esc(line)
        );
        while let Some(note) = notes.next_if(|note| note.line <= n) {
            out.push_str(
                &note_html(note)
                    .replace("<li ", "<div ")
                    .replace("</li>", "</div>"),
            );
        }
    }
    // Anything pointing past the document's last line (an error at the end of the file).
    for note in notes {
        out.push_str(
            &note_html(note)
                .replace("<li ", "<div ")
                .replace("</li>", "</div>"),
        );
    }
    out.push_str("</div>");
    out
}
