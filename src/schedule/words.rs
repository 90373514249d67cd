//! A schedule in words, for people: `every Monday at 08:00 from 2026-12-07 until 2027-02-22`.
//!
//! The common shapes of a 5-field cron expression (fixed times; every N minutes or hours;
//! weekdays, days of the month, months; lists, ranges and steps) are put into words. Anything
//! else (croner's `L`, `W`, `#`, `?`) is shown as the expression itself, quoted: a sentence that
//! might be wrong is worse than the cron line.

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

use super::Schedule;

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One comma-separated item of a cron field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Value(u32),
    /// `a-b`, with a step (1 without one).
    Range(u32, u32, u32),
    /// `*/n`.
    Every(u32),
}

/// A field: `None` for `*`, else its items.
type Field = Option<Vec<Item>>;

fn value(s: &str, names: &[&str], first: u32) -> Option<u32> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let upper = s.to_ascii_uppercase();
    names
        .iter()
        .position(|n| n[..3].eq_ignore_ascii_case(&upper))
        .map(|i| i as u32 + first)
}

fn field(s: &str, names: &[&str], first: u32) -> Option<Field> {
    if s == "*" {
        return Some(None);
    }
    let mut items = Vec::new();
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, step)) => (r, step.parse().ok().filter(|n| *n > 0)?),
            None => (part, 1),
        };
        let item = match range.split_once('-') {
            _ if range == "*" => Item::Every(step),
            Some((a, b)) => Item::Range(value(a, names, first)?, value(b, names, first)?, step),
            None if step == 1 => Item::Value(value(range, names, first)?),
            None => return None,
        };
        items.push(item);
    }
    Some(Some(items))
}

/// `08:00, 12:00 and 18:00`.
fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The values of a field made only of plain values.
fn values(f: &Field) -> Option<Vec<u32>> {
    f.as_ref()?
        .iter()
        .map(|i| match i {
            Item::Value(v) => Some(*v),
            _ => None,
        })
        .collect()
}

/// `every Monday`, `every weekday (Monday to Friday)`, `every day`: `None` when not wordable.
fn days_phrase(dom: &Field, dow: &Field, month: &Field) -> Option<String> {
    let month_words = match month {
        None => None,
        Some(_) => {
            let months = values(month)?;
            let names: Vec<String> = months
                .iter()
                .map(|m| MONTHS.get(*m as usize - 1).map(|s| (*s).to_owned()))
                .collect::<Option<_>>()?;
            Some(and_list(&names))
        }
    };
    let weekdays = match dow {
        None => None,
        Some(items) => Some(match items.as_slice() {
            [Item::Range(1, 5, 1)] => "every weekday (Monday to Friday)".to_owned(),
            [Item::Range(a, b, 1)] => format!(
                "every {} to {}",
                DAYS.get(*a as usize % 7)?,
                DAYS.get(*b as usize % 7)?
            ),
            _ => {
                let mut days = values(dow)?;
                days.iter_mut().for_each(|d| *d %= 7);
                // Monday first, Sunday last, as a week reads.
                days.sort_by_key(|d| (d + 6) % 7);
                days.dedup();
                let names: Vec<String> = days
                    .iter()
                    .map(|d| DAYS.get(*d as usize).map(|s| (*s).to_owned()))
                    .collect::<Option<_>>()?;
                format!("every {}", and_list(&names))
            }
        }),
    };
    let of_month = |months: &Option<String>| match months {
        Some(m) => m.clone(),
        None => "every month".to_owned(),
    };
    let days_of_month = match dom {
        None => None,
        Some(items) => Some(match items.as_slice() {
            [Item::Range(a, b, 1)] => format!("on days {a} to {b} of {}", of_month(&month_words)),
            _ => {
                let days: Vec<String> = values(dom)?.into_iter().map(ordinal).collect();
                format!("on the {} of {}", and_list(&days), of_month(&month_words))
            }
        }),
    };
    let in_months = month_words
        .as_ref()
        .map(|m| format!(" in {m}"))
        .unwrap_or_default();
    Some(match (days_of_month, weekdays) {
        (None, None) => format!("every day{in_months}"),
        (None, Some(w)) => format!("{w}{in_months}"),
        (Some(d), None) => d,
        // POSIX cron: both restricted means either matches.
        (Some(d), Some(w)) => format!("{d}, and {w}{in_months}"),
    })
}

/// The times of day: `at 08:00`, `every 15 minutes`, ...; `None` when not wordable.
fn time_phrase(minute: &Field, hour: &Field) -> Option<(String, bool)> {
    let hm = |h: u32, m: u32| format!("{h:02}:{m:02}");
    // (phrase, whether it is a list of times: "at ...")
    Some(match (minute, hour) {
        (None, None) => ("every minute".to_owned(), false),
        (Some(m), None) => match m.as_slice() {
            [Item::Every(n)] => (format!("every {n} minutes"), false),
            [Item::Value(0)] => ("every hour, on the hour".to_owned(), false),
            [Item::Value(v)] => (format!("every hour at minute {v}"), false),
            _ => return None,
        },
        (_, Some(h)) => {
            let minutes = values(minute);
            match (minute, minutes, h.as_slice()) {
                (_, Some(ms), _) if values(hour).is_some() => {
                    let mut times = Vec::new();
                    for h in values(hour)? {
                        for m in &ms {
                            times.push((h, *m));
                        }
                    }
                    times.sort_unstable();
                    let words: Vec<String> = times.iter().map(|(h, m)| hm(*h, *m)).collect();
                    (format!("at {}", and_list(&words)), true)
                }
                (_, Some(ms), [Item::Range(a, b, step)]) if ms.len() == 1 => {
                    let every = if *step == 1 {
                        "every hour".to_owned()
                    } else {
                        format!("every {step} hours")
                    };
                    (
                        format!("{every} from {} to {}", hm(*a, ms[0]), hm(*b, ms[0])),
                        false,
                    )
                }
                (_, Some(ms), [Item::Every(step)]) if ms.len() == 1 => {
                    (format!("every {step} hours at minute {}", ms[0]), false)
                }
                (None, _, [Item::Range(a, b, 1)]) => (
                    format!("every minute from {} to {}", hm(*a, 0), hm(*b, 59)),
                    false,
                ),
                (Some(m), _, [Item::Range(a, b, 1)]) => match m.as_slice() {
                    [Item::Every(n)] => (
                        format!("every {n} minutes from {} to {}", hm(*a, 0), hm(*b, 59)),
                        false,
                    ),
                    _ => return None,
                },
                _ => return None,
            }
        }
    })
}

/// The cron expression in words (`every Monday at 08:00`), or `None` when it has a shape this
/// module does not put into words.
pub fn cron_in_words(expression: &str) -> Option<String> {
    let fields: Vec<&str> = expression.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = fields.as_slice() else {
        return None;
    };
    let minute = field(minute, &[], 0)?;
    let hour = field(hour, &[], 0)?;
    let dom = field(dom, &[], 1)?;
    let month = field(month, &MONTHS, 1)?;
    let dow = field(dow, &DAYS, 0)?;
    let days = days_phrase(&dom, &dow, &month)?;
    let (time, at) = time_phrase(&minute, &hour)?;
    Some(if at {
        format!("{days} {time}")
    } else if days == "every day" {
        time
    } else {
        format!("{time}, {days}")
    })
}

/// The whole schedule in words, with its first occurrence and `until` in `tz` (the calendar's;
/// a post in another timezone says which): `every Monday at 08:00 from 2026-12-07 until
/// 2027-02-22`, or `once, at 2026-12-01 09:00 CET`.
pub fn describe(schedule: &Schedule, tz: Tz) -> String {
    let Some(repeat) = &schedule.repeat else {
        return format!("once, at {}", crate::human::datetime(schedule.start, tz));
    };
    let mut out = cron_in_words(&repeat.expression)
        .unwrap_or_else(|| format!("on cron `{}`", repeat.expression));
    if schedule.tz != tz {
        out.push_str(&format!(" ({})", schedule.tz));
    }
    let date = |t: DateTime<Utc>| {
        let local = t.with_timezone(&schedule.tz);
        let first = schedule.next_after(schedule.start, true);
        // The date alone when the time of day says nothing new.
        let same_time = first.is_some_and(|f| {
            let f = f.with_timezone(&schedule.tz);
            (f.hour(), f.minute()) == (local.hour(), local.minute())
        });
        if same_time {
            local.format("%Y-%m-%d").to_string()
        } else {
            local.format("%Y-%m-%d %H:%M").to_string()
        }
    };
    match schedule.next_after(schedule.start, true) {
        Some(first) => out.push_str(&format!(" from {}", date(first))),
        None => out.push_str(" (never fires)"),
    }
    if let Some(until) = schedule.until {
        out.push_str(&format!(" until {}", date(until)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn common_cron_shapes_read_as_sentences() {
        let cases = [
            ("0 8 * * MON", "every Monday at 08:00"),
            ("0 7 * * 4", "every Thursday at 07:00"),
            ("30 9 * * *", "every day at 09:30"),
            ("0 9 * * 1-5", "every weekday (Monday to Friday) at 09:00"),
            ("0 10 * * sat,0", "every Saturday and Sunday at 10:00"),
            (
                "0 9 * * 1,3,5",
                "every Monday, Wednesday and Friday at 09:00",
            ),
            ("0 8,12,18 * * *", "every day at 08:00, 12:00 and 18:00"),
            ("0,30 9 * * *", "every day at 09:00 and 09:30"),
            ("0 9 1 * *", "on the 1st of every month at 09:00"),
            (
                "0 9 1,15 * *",
                "on the 1st and 15th of every month at 09:00",
            ),
            ("0 9 22 1,7 *", "on the 22nd of January and July at 09:00"),
            ("0 9 * 12 *", "every day in December at 09:00"),
            (
                "0 9 1 * MON",
                "on the 1st of every month, and every Monday at 09:00",
            ),
            ("*/15 * * * *", "every 15 minutes"),
            (
                "*/15 8-18 * * 1-5",
                "every 15 minutes from 08:00 to 18:59, every weekday (Monday to Friday)",
            ),
            ("0 8-18 * * *", "every hour from 08:00 to 18:00"),
            ("0 */2 * * *", "every 2 hours at minute 0"),
            ("* * * * *", "every minute"),
            ("0 * * * *", "every hour, on the hour"),
            ("0 9 * * 7", "every Sunday at 09:00"),
        ];
        for (cron, want) in cases {
            assert_eq!(cron_in_words(cron).as_deref(), Some(want), "{cron}");
        }
        // Shapes without a sure sentence stay cron.
        for cron in ["0 9 L * *", "0 9 * * 1#2", "5-10/2 9 * * *"] {
            assert_eq!(cron_in_words(cron), None, "{cron}");
        }
    }

    #[test]
    fn a_schedule_reads_with_its_first_day_and_its_end() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        let start = Utc.with_ymd_and_hms(2026, 12, 7, 7, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2027, 2, 22, 7, 0, 0).unwrap();
        let weekly = Schedule::repeating(start, tz, "0 8 * * MON", Some(until)).unwrap();
        assert_eq!(
            describe(&weekly, tz),
            "every Monday at 08:00 from 2026-12-07 until 2027-02-22"
        );
        let new_york: Tz = "America/New_York".parse().unwrap();
        let elsewhere = Schedule::repeating(start, new_york, "0 8 * * MON", None).unwrap();
        assert_eq!(
            describe(&elsewhere, tz),
            "every Monday at 08:00 (America/New_York) from 2026-12-07"
        );
        assert_eq!(
            describe(&Schedule::once(start), tz),
            "once, at 2026-12-07 08:00 CET"
        );
        let never = Schedule::repeating(start, tz, "0 0 30 2 *", None).unwrap();
        assert_eq!(
            describe(&never, tz),
            "on the 30th of February at 00:00 (never fires)"
        );
    }
}
