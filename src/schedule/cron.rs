//! Parsing `repeat`: exactly 5 cron fields, POSIX semantics (croner).
//!
//! croner is used rather than the `cron` crate because it follows POSIX/Vixie cron: Sunday is 0
//! (and 7), day-of-month and day-of-week combine with OR, and a DST fall-back hour fires once.

use croner::parser::{CronParser, Seconds, Year};

/// A parsed `repeat` expression.
#[derive(Debug, Clone)]
pub struct Repeat {
    pub cron: croner::Cron,
    pub expression: String,
}

/// Parses a 5-field cron expression; the error says what is wrong and what is accepted.
pub fn parse_cron(expression: &str) -> Result<Repeat, String> {
    let fields = expression.split_whitespace().count();
    if expression.trim().starts_with('@') {
        return Err(format!(
            "`{expression}` is a cron nickname; write the 5 fields instead (e.g. `0 9 * * *` for daily at 09:00)"
        ));
    }
    if fields != 5 {
        return Err(format!(
            "`{expression}` has {fields} field{}; postcal takes exactly 5: minute hour day-of-month month day-of-week",
            if fields == 1 { "" } else { "s" }
        ));
    }
    let parser = CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build();
    match parser.parse(expression) {
        Ok(cron) => Ok(Repeat {
            cron,
            expression: expression.to_owned(),
        }),
        Err(e) => Err(format!(
            "`{expression}` is not a valid cron expression: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn accepts_five_fields_only() {
        assert!(parse_cron("0 9 * * MON").is_ok());
        assert!(parse_cron("*/15 8-18 * * 1-5").is_ok());
        assert!(
            parse_cron("0 0 9 * * MON")
                .unwrap_err()
                .contains("6 fields")
        );
        assert!(parse_cron("@daily").unwrap_err().contains("nickname"));
        assert!(parse_cron("61 9 * * *").is_err());
        assert!(parse_cron("").is_err());
    }

    #[test]
    fn sunday_is_zero_and_seven() {
        let sunday = Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap();
        for expr in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN"] {
            let r = parse_cron(expr).unwrap();
            assert!(r.cron.is_time_matching(&sunday).unwrap(), "{expr}");
        }
    }
}
