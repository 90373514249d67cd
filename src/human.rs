//! What people read: terminal colours, times in the calendar's timezone with the zone's name,
//! and durations in words. Every human rendering (plan, status, show, the daemon's log and its
//! publication lines) formats times here, so they agree; JSON keeps RFC 3339 UTC instead.

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

/// Terminal styles, or nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

pub const GREEN: &str = "32";
pub const BLUE: &str = "34";
pub const YELLOW: &str = "33";
pub const RED: &str = "1;31";
pub const MAGENTA: &str = "35";
pub const DIM: &str = "2";
pub const BOLD: &str = "1";

/// `%H:%M`, with seconds only when the instant has some (a retry at 09:00:37).
fn clock_format(t: &DateTime<Tz>) -> &'static str {
    if t.second() == 0 && t.nanosecond() == 0 {
        "%H:%M"
    } else {
        "%H:%M:%S"
    }
}

/// `2026-12-01 09:00 CET`: a date and time in `tz`, with the zone's abbreviation (which says
/// whether daylight saving time applies).
pub fn datetime(t: DateTime<Utc>, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{} {} {}",
        local.format("%Y-%m-%d"),
        local.format(clock_format(&local)),
        local.format("%Z")
    )
}

/// `09:00 CET`: the time of day in `tz`, with the zone.
pub fn time(t: DateTime<Utc>, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{} {}",
        local.format(clock_format(&local)),
        local.format("%Z")
    )
}

/// `Tue 2026-12-01`: the day in `tz`.
pub fn day(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %Y-%m-%d").to_string()
}

/// A duration in words, to the two largest units: `1 d 23 h`, `5 h 2 min`, `40 s`.
pub fn duration(d: chrono::Duration) -> String {
    let total = d.num_seconds().unsigned_abs();
    let (days, hours) = (total / 86_400, total % 86_400 / 3_600);
    let (minutes, seconds) = (total % 3_600 / 60, total % 60);
    let parts = [(days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")];
    let Some(first) = parts.iter().position(|(n, _)| *n > 0) else {
        return "0 s".to_owned();
    };
    parts[first..]
        .iter()
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How far `t` is from `now`: `in 1 d 23 h`, `3 h ago`, `now`.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = t - now;
    if d.num_seconds() == 0 {
        "now".to_owned()
    } else if d > chrono::Duration::zero() {
        format!("in {}", duration(d))
    } else {
        format!("{} ago", duration(d))
    }
}

/// `text` cut to at most `max` characters at a word boundary, with `…` when cut; line breaks
/// become spaces (an excerpt is one line).
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    // Leave room for the ellipsis, then go back to the last space.
    let keep = max.saturating_sub(1);
    let cut: String = flat.chars().take(keep).collect();
    let at_boundary = flat.chars().nth(keep) == Some(' ');
    let head = match cut.rfind(' ') {
        _ if at_boundary => cut.as_str(),
        Some(i) if i >= cut.len() / 2 => cut[..i].trim_end(),
        // One long word (a URL): cut inside it rather than show nothing.
        _ => cut.as_str(),
    };
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_carry_their_zone_and_follow_daylight_saving() {
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2027, 7, 1, 7, 0, 0).unwrap();
        assert_eq!(datetime(winter, tz), "2026-12-01 09:00 CET");
        assert_eq!(datetime(summer, tz), "2027-07-01 09:00 CEST");
        assert_eq!(
            time(winter + chrono::Duration::seconds(37), tz),
            "09:00:37 CET"
        );
        assert_eq!(day(winter, tz), "Tue 2026-12-01");
        assert_eq!(datetime(winter, Tz::UTC), "2026-12-01 08:00 UTC");
    }

    #[test]
    fn durations_read_as_words_to_two_units() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let cases = [
            (chrono::Duration::seconds(0), "now"),
            (chrono::Duration::seconds(40), "in 40 s"),
            (chrono::Duration::minutes(5), "in 5 min"),
            (chrono::Duration::minutes(302), "in 5 h 2 min"),
            (
                chrono::Duration::hours(47) + chrono::Duration::minutes(59),
                "in 1 d 23 h",
            ),
            (
                chrono::Duration::days(3) + chrono::Duration::minutes(1),
                "in 3 d",
            ),
            (chrono::Duration::hours(-3), "3 h ago"),
        ];
        for (d, want) in cases {
            assert_eq!(relative(now + d, now), want, "{d:?}");
        }
    }

    #[test]
    fn excerpts_cut_at_a_word_boundary() {
        let text = "The Winter Blend is back.\nSlow-roasted in small batches: dark chocolate";
        assert_eq!(excerpt(text, 40), "The Winter Blend is back. Slow-roasted…");
        assert_eq!(excerpt("short", 40), "short");
        assert_eq!(
            excerpt("https://example.com/a-very-long-link-without-spaces", 20),
            "https://example.com…"
        );
        // Never cut inside a character.
        assert_eq!(
            excerpt("☕☕☕☕☕ ☕☕☕☕☕ ☕☕☕☕☕", 12),
            "☕☕☕☕☕ ☕☕☕☕☕…"
        );
    }

    #[test]
    fn no_colour_means_no_escape_codes() {
        assert_eq!(Style::new(false).paint(RED, "x"), "x");
        assert_eq!(Style::new(true).paint(RED, "x"), "\x1b[1;31mx\x1b[0m");
    }
}
