//! The calendar pages: an index (summary, legend, months, posts with errors), one page per
//! month (a Monday-first grid, a chip per slot) and one per ISO week (a column per day, each
//! slot with its account and state). Times are shown in the calendar's timezone.
//!
//! # Guarantees
//! - Every slot of the agenda is on exactly one month page and one week page.
//! - A chip links to its post's page at the target's card; a slot whose manifest is gone (an
//!   orphan) is shown without a link.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDate};

use super::html::{self, chip, esc, page};
use super::model::Slugs;
use crate::agenda::{Agenda, AgendaSlot, Shown};

/// Slots of one month or week, and the page's file name.
pub struct Period<'a> {
    pub file: String,
    pub first: NaiveDate,
    pub slots: Vec<&'a AgendaSlot>,
}

/// The agenda by month (`months/2026-12.html`) and by ISO week (`weeks/2026-W49.html`).
pub fn periods(agenda: &Agenda) -> (Vec<Period<'_>>, Vec<Period<'_>>) {
    let mut months: BTreeMap<NaiveDate, Vec<&AgendaSlot>> = BTreeMap::new();
    let mut weeks: BTreeMap<NaiveDate, Vec<&AgendaSlot>> = BTreeMap::new();
    for slot in &agenda.slots {
        let day = slot.key.at.with_timezone(&agenda.timezone).date_naive();
        months.entry(month_start(day)).or_default().push(slot);
        weeks.entry(week_start(day)).or_default().push(slot);
    }
    let months = months
        .into_iter()
        .map(|(first, slots)| Period {
            file: month_file(first),
            first,
            slots,
        })
        .collect();
    let weeks = weeks
        .into_iter()
        .map(|(first, slots)| Period {
            file: week_file(first),
            first,
            slots,
        })
        .collect();
    (months, weeks)
}

fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

pub fn month_file(first: NaiveDate) -> String {
    format!("months/{}.html", first.format("%Y-%m"))
}

pub fn week_file(monday: NaiveDate) -> String {
    let w = monday.iso_week();
    format!("weeks/{}-W{:02}.html", w.year(), w.week())
}

fn post_href(slugs: &Slugs, slot: &AgendaSlot) -> Option<String> {
    let slug = slugs.get(&slot.key.post)?;
    slot.path.as_ref()?;
    Some(format!(
        "../posts/{slug}.html#{}",
        html::target_anchor(&slot.key.target)
    ))
}

fn counts(slots: &[&AgendaSlot]) -> String {
    let mut by: BTreeMap<Shown, usize> = BTreeMap::new();
    for s in slots {
        *by.entry(s.shown).or_default() += 1;
    }
    by.iter()
        .map(|(s, n)| format!("{n} {}", s.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn nav(prev: Option<&Period>, next: Option<&Period>, label: &str) -> String {
    let link = |p: Option<&Period>, text: &str| match p {
        Some(p) => format!("<a href=\"../{}\">{text}</a>", p.file),
        None => format!("<span class=\"off\">{text}</span>"),
    };
    format!(
        "<nav>{} <strong>{}</strong> {}</nav>",
        link(prev, "← previous"),
        esc(label),
        link(next, "next →")
    )
}

/// A month's page: `periods[i]` with links to its neighbours.
pub fn month_page(agenda: &Agenda, months: &[Period], i: usize, slugs: &Slugs) -> String {
    let month = &months[i];
    let title = month.first.format("%B %Y").to_string();
    let today = agenda.now.with_timezone(&agenda.timezone).date_naive();
    let mut by_day: BTreeMap<NaiveDate, Vec<&AgendaSlot>> = BTreeMap::new();
    for s in &month.slots {
        let day = s.key.at.with_timezone(&agenda.timezone).date_naive();
        by_day.entry(day).or_default().push(s);
    }
    let mut body = format!(
        "<h1>{}</h1><p class=\"summary\">{} slots: {}</p>{}<div class=\"month\">",
        esc(&title),
        month.slots.len(),
        counts(&month.slots),
        html::legend()
    );
    for d in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
        let _ = write!(body, "<div class=\"dow\">{d}</div>");
    }
    let mut day = week_start(month.first);
    let next_month = month_start(month.first + Duration::days(32));
    while day < next_month || day.weekday().num_days_from_monday() != 0 {
        let ours = month_start(day) == month.first;
        let mut class = String::from("day");
        if !ours {
            class.push_str(" other");
        }
        if day == today {
            class.push_str(" today");
        }
        let _ = write!(
            body,
            "<div class=\"{class}\" data-day=\"{day}\"><div class=\"num\"><span>{}</span>",
            day.day()
        );
        if day.weekday().num_days_from_monday() == 0 {
            let _ = write!(
                body,
                "<a href=\"../{}\" title=\"the week's page\">W{}</a>",
                week_file(day),
                day.iso_week().week()
            );
        }
        body.push_str("</div>");
        if ours {
            for s in by_day.get(&day).map(Vec::as_slice).unwrap_or_default() {
                let href = post_href(slugs, s);
                body.push_str(&chip(s, agenda.timezone, href.as_deref(), false));
            }
        }
        body.push_str("</div>");
        day += Duration::days(1);
    }
    body.push_str("</div>");
    let nav = nav(
        i.checked_sub(1).and_then(|j| months.get(j)),
        months.get(i + 1),
        &title,
    );
    page(&title, "../", &nav, &body)
}

/// A week's page: a column per day, each slot with its account and state.
pub fn week_page(agenda: &Agenda, weeks: &[Period], i: usize, slugs: &Slugs) -> String {
    let week = &weeks[i];
    let iso = week.first.iso_week();
    let title = format!(
        "Week {} of {} ({} – {})",
        iso.week(),
        iso.year(),
        week.first.format("%-d %b"),
        (week.first + Duration::days(6)).format("%-d %b %Y")
    );
    let mut body = format!(
        "<h1>{}</h1><p class=\"summary\">{} slots: {} · <a href=\"../{}\">month</a></p>{}\
         <div class=\"week\">",
        esc(&title),
        week.slots.len(),
        counts(&week.slots),
        month_file(month_start(week.first)),
        html::legend()
    );
    for offset in 0..7 {
        let day = week.first + Duration::days(offset);
        let _ = write!(
            body,
            "<div class=\"col\" data-day=\"{day}\"><h3>{}</h3>",
            day.format("%a %-d %b")
        );
        for s in week
            .slots
            .iter()
            .filter(|s| s.key.at.with_timezone(&agenda.timezone).date_naive() == day)
        {
            let href = post_href(slugs, s);
            body.push_str(&chip(s, agenda.timezone, href.as_deref(), true));
        }
        body.push_str("</div>");
    }
    body.push_str("</div>");
    let nav = nav(
        i.checked_sub(1).and_then(|j| weeks.get(j)),
        weeks.get(i + 1),
        &title,
    );
    page(&title, "../", &nav, &body)
}

/// A post with errors, listed on the index.
pub struct Flagged<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub errors: usize,
    pub first: &'a str,
}

/// The index: summary, legend, a link to this month, every month with its counts, and the
/// posts with errors.
pub fn index(agenda: &Agenda, name: &str, months: &[Period], flagged: &[Flagged]) -> String {
    let all: Vec<&AgendaSlot> = agenda.slots.iter().collect();
    let today = agenda.now.with_timezone(&agenda.timezone).date_naive();
    let current = months
        .iter()
        .find(|m| m.first == month_start(today))
        .or_else(|| months.iter().find(|m| m.first > today))
        .or(months.last());
    let mut body = format!(
        "<h1>{}</h1><p class=\"summary\">{} slots in {} months, as of {} ({}): {}</p>",
        esc(name),
        all.len(),
        months.len(),
        html::date_time(agenda.now, agenda.timezone),
        esc(agenda.timezone.name()),
        counts(&all)
    );
    if agenda.errors > 0 {
        let _ = write!(
            body,
            "<p class=\"errors\">{} error(s) in the calendar: their posts are blocked until \
             fixed (<code>postcal validate</code> lists them).</p>",
            agenda.errors
        );
    }
    body.push_str(&html::legend());
    if let Some(m) = current {
        let _ = write!(
            body,
            "<p><a class=\"current\" href=\"{}\">{}</a></p>",
            m.file,
            m.first.format("Open %B %Y")
        );
    }
    body.push_str("<h2>Months</h2><ul class=\"months\">");
    for m in months {
        let _ = write!(
            body,
            "<li><a href=\"{}\">{}</a><div class=\"counts\">{}</div></li>",
            m.file,
            m.first.format("%B %Y"),
            counts(&m.slots)
        );
    }
    body.push_str("</ul>");
    if !flagged.is_empty() {
        let _ = write!(
            body,
            "<h2>Posts with errors ({})</h2><ul class=\"flagged\">",
            flagged.len()
        );
        for f in flagged {
            let _ = write!(
                body,
                "<li><a href=\"posts/{}.html\">{}</a>: {} error(s), first: {}</li>",
                f.slug,
                esc(f.id),
                f.errors,
                esc(f.first)
            );
        }
        body.push_str("</ul>");
    }
    page(name, "", "", &body)
}
