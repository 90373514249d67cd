//! `run`'s log on stderr: human or JSON, filtered by `POSTCAL_LOG`, stamped with the daemon's
//! own clock, coloured only on a terminal.
//!
//! The timestamps come from the clock the daemon runs on ([`ClockTimer`]): under `--now` and
//! `--warp` that is the simulated time, so a demo's log reads like the day it replays. Human
//! lines carry it in the calendar's timezone with the zone's name; JSON lines in RFC 3339 UTC.

use std::fmt;

use chrono::SecondsFormat;
use chrono_tz::Tz;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

use crate::clock::SharedClock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line per event: time in the calendar's timezone, level, message, fields.
    Human,
    /// One JSON object per line, times in RFC 3339 UTC.
    Json,
}

/// A tracing timer that reads the daemon's clock.
#[derive(Clone)]
pub struct ClockTimer {
    pub clock: SharedClock,
    pub tz: Tz,
    /// RFC 3339 UTC (for JSON) instead of local time with the zone.
    pub utc: bool,
}

impl FormatTime for ClockTimer {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let now = self.clock.now();
        if self.utc {
            write!(w, "{}", now.to_rfc3339_opts(SecondsFormat::Millis, true))
        } else {
            let local = now.with_timezone(&self.tz);
            write!(w, "{}", local.format("%Y-%m-%d %H:%M:%S%.3f %Z"))
        }
    }
}

/// Installs the tracing subscriber: stderr, `format`, filtered by `POSTCAL_LOG` (else
/// `default`), stamped by `clock` in `tz`, coloured when `color`.
pub fn init(format: LogFormat, default: &str, clock: SharedClock, tz: Tz, color: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTCAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let timer = ClockTimer {
        clock,
        tz,
        utc: format == LogFormat::Json,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_timer(timer)
        .with_ansi(color && format == LogFormat::Human);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn log_times_come_from_the_daemons_clock() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        let mut human = String::new();
        let timer = ClockTimer {
            clock: Arc::new(ManualClock::new(t)),
            tz,
            utc: false,
        };
        timer.format_time(&mut Writer::new(&mut human)).unwrap();
        assert_eq!(human, "2026-12-01 09:00:00.000 CET");
        let mut json = String::new();
        ClockTimer { utc: true, ..timer }
            .format_time(&mut Writer::new(&mut json))
            .unwrap();
        assert_eq!(json, "2026-12-01T08:00:00.000Z");
    }
}
