//! How often a repeating post fires: never (a warning: the post would silently do nothing), or
//! more often than a platform publishes for one account in 24 hours (the schedule alone breaks
//! the limit, so most of its occurrences would be refused).
//!
//! Facebook Pages document no daily limit for feed posts, so Facebook has no such rule.

use chrono_tz::Tz;

use super::limits::Limit;
use crate::diag::{Code, Diagnostic, Diagnostics, group_digits};
use crate::manifest::Post;
use crate::platform::Platform;
use crate::schedule::Schedule;

/// Checks a post's `repeat` against its targets' daily limits. Posts whose times cannot be
/// read are skipped: [`super::calendar`] reports those.
pub fn check(post: &Post, calendar_tz: Option<Tz>, diags: &mut Diagnostics) {
    let Some(repeat) = &post.repeat else {
        return;
    };
    let Ok(schedule) = Schedule::from_post(post, calendar_tz) else {
        return;
    };
    if schedule.until.is_some_and(|until| until <= schedule.start) {
        return; // `time::until-before-at` says it already.
    }
    if !schedule.fires() {
        let after = if schedule.until.is_some() {
            "between `at` and `until`"
        } else {
            "after `at`"
        };
        diags.push(
            Diagnostic::warning(
                Code::TimeRepeatNeverFires,
                format!(
                    "`repeat: {}` never fires: no date {after} matches it",
                    repeat.value
                ),
            )
            .at(repeat.span, "matches no date")
            .help("check the day-of-month and month fields (February has no 30th, April no 31st)"),
        );
        return;
    }
    let mut platforms: Vec<Platform> = post.targets.iter().map(|t| t.platform).collect();
    platforms.sort();
    platforms.dedup();
    let Some(largest) = platforms
        .iter()
        .flat_map(|&p| daily_limits(p))
        .map(|l| l.value)
        .max()
    else {
        return;
    };
    // Counting stops past the largest limit: "more than" it is all a message needs.
    let most = schedule.most_in_a_day(largest + 1);
    let over = if most > largest {
        format!("more than {}", group_digits(largest as u64))
    } else {
        group_digits(most as u64)
    };
    for platform in platforms {
        // Most permissive first: report the first limit broken.
        let Some(limit) = daily_limits(platform).iter().find(|l| most > l.value) else {
            continue;
        };
        diags.push(limit.report(
            format!(
                "`repeat: {}` fires {over} times in 24 hours; {} publishes at most {} posts per account in 24 hours",
                repeat.value,
                platform.display_name(),
                group_digits(limit.value as u64)
            ),
            repeat.span,
            format!("more than {} allows in a day", platform.display_name()),
            "repeat less often (e.g. `0 * * * *`, hourly); the account's other posts count against the same limit",
        ));
    }
}

/// A platform's limits on posts per account in 24 hours, most permissive first.
fn daily_limits(platform: Platform) -> &'static [Limit<usize>] {
    match platform {
        Platform::Instagram => &super::instagram::LIMITS.posts_per_day,
        Platform::Threads => std::slice::from_ref(&super::threads::LIMITS.posts_per_day),
        Platform::Tiktok => std::slice::from_ref(&super::tiktok::LIMITS.posts_per_day),
        Platform::Facebook => &[],
    }
}
