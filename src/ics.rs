//! The agenda as an iCalendar file (RFC 5545), so a team can subscribe to the content calendar
//! in any calendar app: one `VEVENT` per slot, its state in the summary.
//!
//! # Guarantees
//! - Valid RFC 5545: CRLF line ends, content lines folded at 75 octets (never inside a UTF-8
//!   character), TEXT values escaped, the required `VERSION`, `PRODID`, `UID`, `DTSTAMP` and
//!   `DTSTART`. Times are UTC (`…Z`), so no `VTIMEZONE` is needed and every app agrees.
//! - Stable UIDs: a slot's UID is derived from its post id, target and occurrence only, never
//!   from a file name, a position in the calendar or the post's content, so renaming,
//!   reordering or editing manifests updates events in place instead of duplicating them. A
//!   one-off post's occurrence is "the post" itself: moving its `at` moves the event.
//! - Every UID in a file is distinct: a one-off post with slots at two times (published, then
//!   moved) keeps the stable UID for the first and a time-based one for the others.
//! - Deterministic: the same agenda gives the same bytes (`DTSTAMP` is the agenda's `now`).

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::agenda::{Agenda, AgendaSlot};
use crate::plan::desired::hex;

/// How long an event lasts in calendar apps: a publication is an instant, shown as a short block.
const EVENT_MINUTES: u32 = 15;

/// The UID of a slot: `<32 hex digits>@postcal`. `occurrence` is `None` for a one-off post.
pub fn uid(post: &str, target: &str, occurrence: Option<DateTime<Utc>>) -> String {
    let mut h = Sha256::new();
    h.update(b"postcal-slot\0");
    h.update(post.as_bytes());
    h.update(b"\0");
    h.update(target.as_bytes());
    h.update(b"\0");
    match occurrence {
        Some(at) => h.update(at.format("%Y%m%dT%H%M%SZ").to_string().as_bytes()),
        None => h.update(b"once"),
    }
    format!("{}@postcal", &hex(&h.finalize())[..32])
}

/// The whole calendar file. `name` titles the calendar in apps (`X-WR-CALNAME`).
pub fn render(agenda: &Agenda, name: &str) -> String {
    let mut out = String::with_capacity(256 + agenda.slots.len() * 400);
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(
        &mut out,
        &format!(
            "PRODID:-//postcal//postcal {}//EN",
            env!("CARGO_PKG_VERSION")
        ),
    );
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    line(
        &mut out,
        &format!("X-WR-TIMEZONE:{}", agenda.timezone.name()),
    );
    let stamp = utc(agenda.now);
    let mut uids = HashSet::new();
    for slot in &agenda.slots {
        event(&mut out, slot, &stamp, &mut uids);
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn event(out: &mut String, slot: &AgendaSlot, stamp: &str, uids: &mut HashSet<String>) {
    let target = slot.key.target.to_string();
    let mut id = uid(
        &slot.key.post,
        &target,
        (!slot.one_off).then_some(slot.key.at),
    );
    if !uids.insert(id.clone()) {
        id = uid(&slot.key.post, &target, Some(slot.key.at));
        uids.insert(id.clone());
    }
    let state = slot.shown.name();
    line(out, "BEGIN:VEVENT");
    line(out, &format!("UID:{id}"));
    line(out, &format!("DTSTAMP:{stamp}"));
    line(out, &format!("DTSTART:{}", utc(slot.key.at)));
    line(out, &format!("DURATION:PT{EVENT_MINUTES}M"));
    line(
        out,
        &format!(
            "SUMMARY:{}",
            text(&format!("[{state}] {} → {target}", slot.key.post))
        ),
    );
    let mut description = format!("State: {state} ({})", slot.change);
    if let Some(detail) = &slot.detail {
        let _ = write!(description, "\n{detail}");
    }
    if let Some(link) = &slot.permalink {
        let _ = write!(description, "\nPermalink: {link}");
    }
    if let Some(path) = &slot.path {
        let _ = write!(description, "\nManifest: {path}");
    }
    line(out, &format!("DESCRIPTION:{}", text(&description)));
    if let Some(link) = slot.permalink.as_deref().filter(|l| is_uri(l)) {
        line(out, &format!("URL:{link}"));
    }
    line(
        out,
        &format!(
            "CATEGORIES:{},{}",
            text(slot.key.target.platform.key()),
            text(state)
        ),
    );
    line(out, "TRANSP:TRANSPARENT");
    line(out, "END:VEVENT");
}

/// `20261201T080000Z`: a DATE-TIME in UTC.
fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A URL value must be a URI: no spaces or control characters.
fn is_uri(s: &str) -> bool {
    s.contains(':') && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A TEXT value (RFC 5545 §3.3.11): `\`, `;`, `,` and newlines escaped, other controls dropped.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded (§3.1): at most 75 octets a line, continuation lines start
/// with a space, and a UTF-8 character is never split.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let value = format!("SUMMARY:{}", "é".repeat(100));
        line(&mut out, &value);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l:?}", l.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, value);
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(text("a,b;c\\d\ne\r\u{7}"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn uids_depend_on_post_target_and_occurrence_only() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        let a = uid("launch", "instagram/acme", Some(at));
        assert_eq!(a, uid("launch", "instagram/acme", Some(at)));
        assert_ne!(a, uid("launch", "threads/acme", Some(at)));
        assert_ne!(a, uid("launch", "instagram/acme", None));
        assert_ne!(
            a,
            uid(
                "launch",
                "instagram/acme",
                Some(at + chrono::Duration::days(7))
            )
        );
        assert!(a.ends_with("@postcal") && a.len() == 32 + "@postcal".len());
    }
}
