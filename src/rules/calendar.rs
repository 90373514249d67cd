//! Calendar-wide rules: settings, unique ids, accounts, times and schedules.
//!
//! How often a `repeat` fires is [`super::frequency`]'s. An account that no post uses is not
//! reported: it may be used later.

use chrono_tz::Tz;

use crate::diag::{Code, Diagnostic, Diagnostics, Span, suggest};
use crate::manifest::time::{self, Resolved, TIME_FORMS_HELP, TimeSpec};
use crate::manifest::{Calendar, Config, Post};
use crate::platform::Platform;
use crate::schedule::parse_cron;
use crate::yaml::Sp;

/// `calendar::duplicate-id`: the post whose id is at `second` reuses the id first used at
/// `first` (which posts are duplicates is decided by [`super::pipeline::duplicate_ids`]).
pub fn duplicate_id(id: &str, second: Span, first: Span) -> Diagnostic {
    Diagnostic::error(Code::CalendarDuplicateId, duplicate_id_message(id))
        .at(second, "second use")
        .related(first, "first used here")
        .help("ids identify posts in postcal's state; give each post its own id")
}

/// The message of `calendar::duplicate-id` (the daemon reports it without the posts at hand).
pub fn duplicate_id_message(id: &str) -> String {
    format!("post id `{id}` is used twice")
}

/// The calendar-wide rules that concern one post at a time (its id, accounts and times): these
/// depend only on the post and the settings.
pub fn check_posts(calendar: &Calendar, posts: &[Post], diags: &mut Diagnostics) {
    let calendar_tz = calendar
        .config
        .as_ref()
        .and_then(|c| time::parse_timezone(&c.timezone).ok());
    for post in posts {
        check_id(post, diags);
        if let Some(config) = &calendar.config {
            check_accounts(post, config, diags);
        }
        check_times(post, calendar_tz, diags);
        super::frequency::check(post, calendar_tz, diags);
    }
}

/// Checks postcal.yaml.
pub fn check_config(config: &Config, diags: &mut Diagnostics) {
    if let Err(message) = time::parse_timezone(&config.timezone) {
        diags.push(timezone_error(
            Code::ConfigInvalidTimezone,
            &config.timezone,
            message,
        ));
    }
    if let Some(lateness) = config.max_lateness() {
        match time::parse_duration(lateness) {
            Ok(d) if d < chrono::Duration::zero() => {}
            Ok(_) => {}
            Err(message) => diags.push(
                Diagnostic::error(Code::ConfigInvalidDuration, message)
                    .at(lateness.span, "not a duration")
                    .help(
                        "write e.g. `15m` or `2h`: how late a post may still go out after downtime",
                    ),
            ),
        }
    }
    for account in &config.accounts {
        if let Some(id) = &account.id
            && account.platform != Platform::Tiktok
            && !id.value.bytes().all(|b| b.is_ascii_digit())
        {
            diags.push(
                Diagnostic::warning(
                    Code::ConfigPlaceholderAccountId,
                    format!(
                        "`{}` is not {}'s id for {} (those are numbers): a placeholder?",
                        id.value,
                        account.platform.display_name(),
                        account.key.value
                    ),
                )
                .at(id.span, "not a numeric id")
                .help(format!(
                    "replace it with the account's id; postcal cannot publish to {} until then",
                    account.key.value
                )),
            );
        }
    }
    if let Some(url) = &config.public_url {
        let v = url.value.as_str();
        if !(v.starts_with("https://") || v.starts_with("http://")) || v.len() <= "https://".len() {
            diags.push(
                Diagnostic::error(Code::ConfigInvalidPublicUrl, format!("`{v}` is not an http(s) URL"))
                    .at(url.span, "not a URL")
                    .help("give the public base URL of postcal's media server, e.g. `https://media.example.com/postcal`"),
            );
        } else if v.starts_with("http://") {
            diags.push(
                Diagnostic::warning(Code::ConfigInsecurePublicUrl, format!("`{v}` is not HTTPS"))
                    .at(url.span, "plain http")
                    .help("Instagram, Threads and TikTok fetch media from public HTTPS URLs; put the media server behind TLS"),
            );
        }
    }
}

fn timezone_error(code: Code, tz: &Sp<String>, message: String) -> Diagnostic {
    let help = match suggest::closest(&tz.value, chrono_tz::TZ_VARIANTS.iter().map(|t| t.name())) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "use an IANA timezone name such as `Europe/Paris`, `America/New_York` or `UTC`"
            .to_owned(),
    };
    Diagnostic::error(code, message)
        .at(tz.span, "unknown timezone")
        .help(help)
}

fn check_id(post: &Post, diags: &mut Diagnostics) {
    let id = post.id.value.as_str();
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && id.len() <= 200;
    if !valid {
        diags.push(
            Diagnostic::error(Code::CalendarInvalidId, format!("post id `{id}` has characters postcal does not allow"))
                .at(post.id.span, "invalid id")
                .help("use letters, digits, `-`, `_` and `.` only (at most 200), e.g. `2026-12-launch-teaser`"),
        );
    }
}

fn check_accounts(post: &Post, config: &Config, diags: &mut Diagnostics) {
    for target in &post.targets {
        if config.account(target.platform, &target.account).is_some() {
            continue;
        }
        let same_platform: Vec<&str> = config
            .accounts
            .iter()
            .filter(|a| a.platform == target.platform)
            .map(|a| a.key.value.as_str())
            .collect();
        let help = match suggest::closest(&target.key, same_platform.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None if same_platform.is_empty() => {
                format!(
                    "add `{}: {{}}` under `accounts:` in postcal.yaml",
                    target.key.value
                )
            }
            None => format!(
                "postcal.yaml has {}; add `{}` under `accounts:` or target one of those",
                crate::yaml::read::list(&same_platform),
                target.key.value
            ),
        };
        diags.push(
            Diagnostic::error(
                Code::CalendarUnknownAccount,
                format!(
                    "target `{}` is not an account in postcal.yaml",
                    target.key.value
                ),
            )
            .at(target.key.span, "unknown account")
            .help(help),
        );
    }
}

fn check_times(post: &Post, calendar_tz: Option<Tz>, diags: &mut Diagnostics) {
    let tz = match &post.timezone {
        Some(tz) => match time::parse_timezone(tz) {
            Ok(tz) => Some(tz),
            Err(message) => {
                diags.push(timezone_error(Code::TimeInvalidTimezone, tz, message));
                None
            }
        },
        None => calendar_tz,
    };
    let at = check_instant(&post.at, "at", tz, diags);
    if let Some(repeat) = &post.repeat
        && let Err(message) = parse_cron(repeat)
    {
        diags.push(
                Diagnostic::error(Code::TimeInvalidCron, message)
                    .at(repeat.span, "invalid cron expression")
                    .help("5 fields: minute hour day-of-month month day-of-week, e.g. `0 9 * * MON` (Mondays at 09:00)"),
            );
    }
    if let Some(until) = &post.until {
        let until_instant = check_instant(until, "until", tz, diags);
        if post.repeat.is_none() {
            diags.push(
                Diagnostic::warning(
                    Code::TimeUntilWithoutRepeat,
                    "`until` has no effect without `repeat`",
                )
                .at(until.span, "ignored")
                .help("remove `until`, or add `repeat:` with a cron expression"),
            );
        }
        if let (Some(at), Some(until_instant)) = (at, until_instant)
            && until_instant <= at
        {
            diags.push(
                Diagnostic::error(Code::TimeUntilBeforeAt, "`until` is not after `at`")
                    .at(until.span, "not after `at`")
                    .related(post.at.span, "starts here")
                    .help("set `until` to the last time the post may repeat, after `at`"),
            );
        }
    }
}

/// Parses and resolves `at`/`until`, reporting problems; the instant postcal will use.
fn check_instant(
    value: &Sp<String>,
    field: &str,
    tz: Option<Tz>,
    diags: &mut Diagnostics,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let spec = match time::parse_time(value) {
        Ok(spec) => spec,
        Err(message) => {
            diags.push(
                Diagnostic::error(Code::TimeInvalid, format!("`{field}`: {message}"))
                    .at(value.span, "not a time")
                    .help(TIME_FORMS_HELP),
            );
            return None;
        }
    };
    let tz = match (spec, tz) {
        (TimeSpec::Absolute(t), _) => return Some(t.with_timezone(&chrono::Utc)),
        (TimeSpec::Local(_), Some(tz)) => tz,
        // No usable timezone: already reported.
        (TimeSpec::Local(_), None) => return None,
    };
    match spec.resolve(tz) {
        Resolved::Unique(t) => Some(t),
        Resolved::Ambiguous { earlier, later } => {
            diags.push(
                Diagnostic::warning(
                    Code::TimeDstAmbiguous,
                    format!(
                        "`{}` happens twice in {tz} (clocks go back); postcal uses the first, {}",
                        value.value,
                        earlier.with_timezone(&tz).format("%H:%M %Z (UTC%:z)")
                    ),
                )
                .at(value.span, "ambiguous local time")
                .help(format!(
                    "to mean the second one, write it with its offset: `{}`",
                    later.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S%:z")
                )),
            );
            Some(earlier)
        }
        Resolved::Gap { gap_start, gap_end } => {
            diags.push(
                Diagnostic::error(
                    Code::TimeDstGap,
                    format!(
                        "`{}` does not exist in {tz}: clocks jump from {} to {} that day",
                        value.value,
                        gap_start.format("%H:%M"),
                        gap_end.format("%H:%M")
                    ),
                )
                .at(value.span, "skipped by daylight saving time")
                .help(format!(
                    "pick a time before {} or from {} on",
                    gap_start.format("%H:%M"),
                    gap_end.format("%H:%M")
                )),
            );
            None
        }
    }
}
