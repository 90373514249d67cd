//! The pieces every preview page shares: escaping, the page shell, the stylesheet, and how
//! slots, platforms and states are named and coloured.
//!
//! # Guarantees
//! - Everything that comes from a calendar (ids, texts, paths, messages, URLs) goes through
//!   [`esc`] or [`attr`]: a caption cannot inject markup or script into a page.
//! - Pages are self-contained: one local stylesheet, no script, no font or image from
//!   anywhere but the site's own directory, so the preview works offline and from `file://`.
//! - Only `http(s)` permalinks become links ([`safe_url`]).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::agenda::{AgendaSlot, Shown};
use crate::platform::{Platform, TargetKey};

/// The stylesheet, written once to `assets/preview.css`.
pub const CSS: &str = include_str!("preview.css");
pub const CSS_PATH: &str = "assets/preview.css";

/// Escapes text for an HTML element's content.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a quoted attribute value.
pub fn attr(text: &str) -> String {
    esc(text)
}

/// `url` when it is an `http(s)` URL (a permalink a platform gave), else `None`.
pub fn safe_url(url: &str) -> Option<&str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

/// A whole page. `up` is the path back to the site's root (`""` or `"../"`).
pub fn page(title: &str, up: &str, nav: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"{up}{CSS_PATH}\"></head>\n<body>\
         <header class=\"top\"><a class=\"home\" href=\"{up}index.html\">postcal preview</a>{nav}\
         </header>\n<main>\n{body}\n</main></body></html>\n",
        esc(title)
    );
    out
}

/// Two letters for a platform, on chips.
pub fn badge(platform: Platform) -> &'static str {
    match platform {
        Platform::Instagram => "IG",
        Platform::Tiktok => "TT",
        Platform::Threads => "TH",
        Platform::Facebook => "FB",
    }
}

/// The anchor of a target's card on its post page.
pub fn target_anchor(target: &TargetKey) -> String {
    let account: String = target
        .account
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("t-{}-{account}", target.platform.key())
}

/// `09:00` in the calendar's timezone.
pub fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// `Tue 1 Dec 2026, 09:00 CET`.
pub fn date_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// The legend of platform colours and states.
pub fn legend() -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for p in Platform::ALL {
        let _ = write!(
            out,
            "<li class=\"slot p-{}\"><span class=\"pf\">{}</span>{}</li>",
            p.key(),
            badge(p),
            p.display_name()
        );
    }
    for s in Shown::ALL {
        let _ = write!(
            out,
            "<li class=\"slot s-{0}\"><span class=\"st\"></span>{0}</li>",
            s.name()
        );
    }
    out.push_str("</ul>");
    out
}

/// One slot as a chip: time, platform, post id; coloured by platform (edge) and state (fill).
/// `href` links to the post's page (none for a post whose manifest is gone).
pub fn chip(slot: &AgendaSlot, tz: Tz, href: Option<&str>, detailed: bool) -> String {
    let target = &slot.key.target;
    let mut title = format!(
        "{} {} → {}: {}",
        date_time(slot.key.at, tz),
        slot.key.post,
        target,
        slot.shown.name()
    );
    if let Some(d) = &slot.detail {
        let _ = write!(title, " ({d})");
    }
    let (open, close) = match href {
        Some(h) => (format!("<a href=\"{}\"", attr(h)), "</a>"),
        None => ("<span".to_owned(), "</span>"),
    };
    let mut out = format!(
        "{open} class=\"slot p-{} s-{}\" data-at=\"{}\" title=\"{}\"><span class=\"time\">{}</span>\
         <span class=\"pf\">{}</span><span class=\"id\">{}</span>",
        target.platform.key(),
        slot.shown.name(),
        slot.key
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        attr(&title),
        time(slot.key.at, tz),
        badge(target.platform),
        esc(&slot.key.post),
    );
    if detailed {
        let _ = write!(
            out,
            "<span class=\"acct\">{}</span><span class=\"st\">{}</span>",
            esc(&target.account),
            slot.shown.name()
        );
    }
    out.push_str(close);
    out
}

/// The state of a slot in a sentence, with its permalink as a link when it is one.
pub fn state_line(slot: &AgendaSlot) -> String {
    let mut out = format!(
        "<span class=\"state s-{0}\">{0}</span> <span class=\"change\">{1}</span>",
        slot.shown.name(),
        esc(slot.change)
    );
    if let Some(d) = &slot.detail {
        let _ = write!(out, " <span class=\"detail\">{}</span>", esc(d));
    }
    if let Some(link) = &slot.permalink {
        match safe_url(link) {
            Some(url) => {
                let _ = write!(
                    out,
                    " <a class=\"permalink\" href=\"{}\">{}</a>",
                    attr(url),
                    esc(url)
                );
            }
            None => {
                let _ = write!(out, " <span class=\"permalink\">{}</span>", esc(link));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_text_cannot_inject_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("HTTPS://x.test/p"), Some("HTTPS://x.test/p"));
    }
}
