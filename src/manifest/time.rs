//! Times and durations as manifests write them.
//!
//! `at` is either a local wall-clock time (`2026-12-01 09:00`, `2026-12-01T09:00:30`), read in the
//! post's timezone, or an RFC 3339 instant with an offset (`2026-12-01T09:00:00+01:00`, `...Z`).
//! A local time can fall into a DST gap (it never happens on that day: an error) or a DST overlap
//! (it happens twice: postcal takes the earlier instant and says so).

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How `at` (or `until`) was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSpec {
    /// A wall-clock time, to be read in a timezone.
    Local(NaiveDateTime),
    /// An instant with an explicit offset.
    Absolute(DateTime<FixedOffset>),
}

const LOCAL_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
];

/// Parses `at`/`until`. The error says which forms are accepted.
pub fn parse_time(s: &str) -> Result<TimeSpec, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(TimeSpec::Absolute(t));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M%:z") {
        return Ok(TimeSpec::Absolute(t));
    }
    for format in LOCAL_FORMATS {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(TimeSpec::Local(t));
        }
    }
    // A date alone is most likely a forgotten time: say so rather than guessing midnight.
    if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
        return Err(format!("`{s}` is a date without a time of day"));
    }
    Err(format!("`{s}` is not a time postcal understands"))
}

/// The accepted forms, for help texts.
pub const TIME_FORMS_HELP: &str = "write a local time such as `2026-12-01 09:00` (read in the post's \
     timezone), or an instant with an offset such as `2026-12-01T09:00:00+01:00`";

/// What a local time means in a timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// Exactly one instant.
    Unique(DateTime<Utc>),
    /// The time happens twice (DST ends): both instants, earlier first.
    Ambiguous {
        earlier: DateTime<Utc>,
        later: DateTime<Utc>,
    },
    /// The time never happens (DST starts): the clock jumps from `gap_start` to `gap_end`.
    Gap {
        gap_start: NaiveDateTime,
        gap_end: NaiveDateTime,
    },
}

impl Resolved {
    /// The instant postcal uses: the only one, or the earlier of two. `None` in a gap.
    pub fn instant(self) -> Option<DateTime<Utc>> {
        match self {
            Self::Unique(t) | Self::Ambiguous { earlier: t, .. } => Some(t),
            Self::Gap { .. } => None,
        }
    }
}

pub fn resolve_local(local: NaiveDateTime, tz: Tz) -> Resolved {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Resolved::Unique(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            Resolved::Ambiguous {
                earlier: a.min(b),
                later: a.max(b),
            }
        }
        LocalResult::None => {
            // Find the edges of the gap by walking minutes; DST gaps are at most a few hours.
            let mut start = local;
            while tz
                .from_local_datetime(&(start - chrono::Duration::minutes(1)))
                .single()
                .is_none()
                && local - start < chrono::Duration::hours(4)
            {
                start -= chrono::Duration::minutes(1);
            }
            let mut end = local;
            while tz.from_local_datetime(&end).single().is_none()
                && end - local < chrono::Duration::hours(4)
            {
                end += chrono::Duration::minutes(1);
            }
            Resolved::Gap {
                gap_start: start,
                gap_end: end,
            }
        }
    }
}

impl TimeSpec {
    pub fn resolve(self, tz: Tz) -> Resolved {
        match self {
            Self::Local(local) => resolve_local(local, tz),
            Self::Absolute(t) => Resolved::Unique(t.with_timezone(&Utc)),
        }
    }
}

pub fn parse_timezone(s: &str) -> Result<Tz, String> {
    s.parse::<Tz>()
        .map_err(|_| format!("`{s}` is not an IANA timezone name"))
}

/// Parses durations such as `90s`, `15m`, `2h`, `1d`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<chrono::Duration, String> {
    let err = || format!("`{s}` is not a duration; write e.g. `30s`, `15m`, `2h`, `1d` or `1h30m`");
    let mut total = chrono::Duration::zero();
    let mut digits = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().map_err(|_| err())?;
        digits.clear();
        let unit = match c {
            's' => chrono::Duration::try_seconds(n),
            'm' => chrono::Duration::try_minutes(n),
            'h' => chrono::Duration::try_hours(n),
            'd' => chrono::Duration::try_days(n),
            _ => None,
        };
        total = total.checked_add(&unit.ok_or_else(err)?).ok_or_else(err)?;
        any = true;
    }
    if !digits.is_empty() || !any {
        return Err(err());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn accepted_forms() {
        assert_eq!(
            parse_time("2026-12-01 09:00"),
            Ok(TimeSpec::Local(local(2026, 12, 1, 9, 0)))
        );
        assert_eq!(
            parse_time("2026-12-01T09:00"),
            Ok(TimeSpec::Local(local(2026, 12, 1, 9, 0)))
        );
        let TimeSpec::Absolute(t) = parse_time("2026-12-01T09:00:00+01:00").unwrap() else {
            panic!("expected an absolute time")
        };
        assert_eq!(
            t.with_timezone(&Utc),
            Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
        );
        assert!(
            parse_time("2026-12-01")
                .unwrap_err()
                .contains("without a time")
        );
        assert!(parse_time("tomorrow").is_err());
        assert!(parse_time("2026-02-30 09:00").is_err());
    }

    #[test]
    fn dst_gap_and_overlap_in_berlin() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 2026-03-29: clocks jump from 02:00 to 03:00.
        match resolve_local(local(2026, 3, 29, 2, 30), berlin) {
            Resolved::Gap { gap_start, gap_end } => {
                assert_eq!(gap_start, local(2026, 3, 29, 2, 0));
                assert_eq!(gap_end, local(2026, 3, 29, 3, 0));
            }
            other => panic!("expected a gap, got {other:?}"),
        }
        // 2026-10-25: 02:30 happens twice; the earlier is 00:30 UTC (CEST, +2).
        let r = resolve_local(local(2026, 10, 25, 2, 30), berlin);
        assert_eq!(
            r,
            Resolved::Ambiguous {
                earlier: Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap(),
                later: Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap(),
            }
        );
        assert_eq!(
            r.instant(),
            Some(Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap())
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Ok(chrono::Duration::minutes(15)));
        assert_eq!(parse_duration("1h30m"), Ok(chrono::Duration::minutes(90)));
        assert_eq!(parse_duration("2d"), Ok(chrono::Duration::days(2)));
        for bad in ["", "15", "m", "1x", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
