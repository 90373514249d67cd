//! The one classification of TikTok's errors (docs/platform-rules.md §2.5 init-time `error.code`,
//! `fail_reason`, §8 retry policy).
//!
//! # Guarantees
//! - Every TikTok error is classified here and nowhere else: wait (rate limits, the daily
//!   cap, a token to renew: "needs login"), permanent (fix the post or the account), retryable,
//!   or ambiguous — and an init answered by a server error, a timeout or a dropped connection
//!   is ambiguous: TikTok may have created the post.
//! - Both spellings TikTok's pages use for a bad field, `invalid_params` and `invalid_param`,
//!   are permanent.
//! - Messages name TikTok's code and say what to do; they carry no token and no URL.

use chrono::{DateTime, Duration, Utc};

use super::api::{ApiError, CallError};
use crate::platform::graph::Step;
use crate::reconcile::Failure;

/// What a wait for TikTok's daily cap lasts when postcal has no post of its own in the window
/// (the cap is shared with every other app the creator uses).
pub const CAP_WAIT_UNKNOWN: Duration = Duration::hours(1);

/// Classifies a failed call. `cap_frees`: when the creator's daily cap frees as far as
/// postcal knows (the oldest post it counted, plus 24 h).
pub fn classify(
    e: CallError,
    step: Step,
    now: DateTime<Utc>,
    cap_frees: Option<DateTime<Utc>>,
) -> Failure {
    match e {
        CallError::Transport(f) => match step {
            Step::Harmless => f.harmless(),
            Step::Commit => f,
        },
        CallError::Malformed(m) => match step {
            Step::Harmless => Failure::retryable(m),
            Step::Commit => Failure::ambiguous(format!(
                "{m}; TikTok may have created the post anyway: not sending it again"
            )),
        },
        CallError::Api(e) => classify_api(&e, step, now, cap_frees),
    }
}

fn classify_api(
    e: &ApiError,
    step: Step,
    now: DateTime<Utc>,
    cap_frees: Option<DateTime<Utc>>,
) -> Failure {
    let label = e.label();
    let wait = |until: DateTime<Utc>, why: &str| Failure::wait(until, format!("{why} ({label})"));
    let permanent = |what_to_do: &str| Failure::permanent(format!("{label}; {what_to_do}"));
    match e.code.as_str() {
        "rate_limit_exceeded" => wait(
            now + Duration::minutes(1),
            "waiting for TikTok's rate limit: it refused the call as too frequent",
        ),
        "access_token_invalid" | "scope_not_authorized" => wait(
            now + Duration::minutes(15),
            "needs login: TikTok refused the account's token or its scopes (video.publish is needed); run `postcal login` for this account",
        ),
        "spam_risk_too_many_posts" => {
            let until = cap_frees
                .filter(|t| *t > now)
                .unwrap_or(now + CAP_WAIT_UNKNOWN);
            wait(
                until,
                "waiting for quota: the creator reached TikTok's daily limit of direct posts (shared by every app they use)",
            )
        }
        "spam_risk_too_many_pending_share" => wait(
            cap_frees
                .filter(|t| *t > now)
                .unwrap_or(now + CAP_WAIT_UNKNOWN),
            "waiting for quota: the creator has too many pending shares in their TikTok inbox",
        ),
        "reached_active_user_cap" => wait(
            now + Duration::hours(1),
            "waiting for quota: the TikTok app reached its daily number of posting creators",
        ),
        "privacy_level_option_mismatch" => permanent(
            "the privacy is not one the creator allows now: set `privacy` in the manifest's tiktok target to one of the creator's options (`postcal status` shows the last answer)",
        ),
        "url_ownership_unverified" => permanent(
            "TikTok pulls media only from a domain or URL prefix verified in the TikTok developer portal: verify the host of `public_url`, or leave videos to postcal's chunked upload",
        ),
        c if c.starts_with("unaudited_client") => permanent(
            "until TikTok audits the app it may only post to private accounts, as SELF_ONLY: make the account private and set `privacy: SELF_ONLY`, or have the app audited",
        ),
        "invalid_params" | "invalid_param" => permanent(
            "TikTok refused a field of this post: fix the post in its manifest (TikTok's message says which field)",
        ),
        "spam_risk_user_banned_from_posting" => permanent(
            "the creator is banned from posting on TikTok: nothing postcal can do until TikTok lifts it",
        ),
        c if c.starts_with("spam_risk") => permanent(
            "TikTok's spam checks refused the post: change its text or media in the manifest",
        ),
        "invalid_publish_id" | "token_not_authorized_for_specified_publish_id" => permanent(
            "TikTok does not know this publish_id for this account: check the creator's profile by hand",
        ),
        _ if e.status >= 500 || e.code == "internal_error" => match step {
            Step::Commit => Failure::ambiguous(format!(
                "{label}; TikTok may have created the post anyway: not sending it again"
            )),
            Step::Harmless => Failure::retryable(label),
        },
        _ if e.status == 429 => wait(
            now + Duration::minutes(1),
            "waiting for TikTok's rate limit: it refused the call as too frequent",
        ),
        _ if e.status == 401 => wait(
            now + Duration::minutes(15),
            "needs login: TikTok refused the account's token; run `postcal login` for this account",
        ),
        _ => permanent(
            "TikTok refused the post: fix it in the manifest, or the account, then edit the manifest to try again",
        ),
    }
}

/// A `FAILED` status's `fail_reason` (docs/platform-rules.md §2.5): nothing is public; may a new
/// attempt help?
pub fn fail_reason(reason: Option<&str>) -> Failure {
    let reason = reason.unwrap_or("");
    let label = if reason.is_empty() {
        "TikTok failed the post without a fail_reason".to_owned()
    } else {
        format!("TikTok failed the post: {reason}")
    };
    let permanent = |what_to_do: &str| Failure::permanent(format!("{label}; {what_to_do}"));
    match reason {
        "internal" => Failure::retryable(format!("{label} (TikTok's own error; trying again)")),
        "video_pull_failed" => Failure::retryable(format!(
            "{label}: TikTok could not download the video (trying again; check the media URL is reachable from the internet)"
        )),
        "file_format_check_failed"
        | "duration_check_failed"
        | "frame_rate_check_failed"
        | "picture_size_check_failed" => permanent(
            "TikTok refused the media (MP4/WebM/MOV, H.264/H.265/VP8/VP9, 23–60 fps, 360–4096 px, within the creator's maximum duration; photos JPEG/WebP up to 1080p): fix the file",
        ),
        "photo_pull_failed" => permanent(
            "TikTok could not download a photo: check the media URL is reachable and its domain verified, then edit the manifest",
        ),
        "publish_cancelled" => {
            permanent("the post was cancelled (through the API or by the creator)")
        }
        "auth_removed" => permanent(
            "the creator removed postcal's access: log in again, then edit the manifest to try again",
        ),
        r if r.starts_with("spam_risk") => permanent(
            "TikTok's spam checks refused the post: change its text or media in the manifest",
        ),
        _ => permanent(
            "postcal does not know this reason: check the post on TikTok, then edit the manifest to try again",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::FailureClass;
    use chrono::TimeZone;

    fn api(status: u16, code: &str) -> CallError {
        CallError::Api(ApiError {
            status,
            code: code.into(),
            message: "m".into(),
            log_id: "L".into(),
        })
    }

    #[test]
    fn init_errors_are_classified_from_the_platform_table() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let frees = now + Duration::hours(3);
        let class =
            |status, code: &str, step| classify(api(status, code), step, now, Some(frees)).class;
        let wait = |until| FailureClass::Wait { until };
        use Step::{Commit, Harmless};
        let table: &[(u16, &str, Step, FailureClass)] = &[
            (
                429,
                "rate_limit_exceeded",
                Commit,
                wait(now + Duration::minutes(1)),
            ),
            (429, "", Commit, wait(now + Duration::minutes(1))),
            (
                401,
                "access_token_invalid",
                Commit,
                wait(now + Duration::minutes(15)),
            ),
            (
                401,
                "scope_not_authorized",
                Harmless,
                wait(now + Duration::minutes(15)),
            ),
            (403, "spam_risk_too_many_posts", Commit, wait(frees)),
            (
                403,
                "reached_active_user_cap",
                Commit,
                wait(now + Duration::hours(1)),
            ),
            (
                403,
                "privacy_level_option_mismatch",
                Commit,
                FailureClass::Permanent,
            ),
            (
                403,
                "url_ownership_unverified",
                Commit,
                FailureClass::Permanent,
            ),
            (
                403,
                "unaudited_client_can_only_post_to_private_accounts",
                Commit,
                FailureClass::Permanent,
            ),
            (400, "invalid_params", Commit, FailureClass::Permanent),
            (400, "invalid_param", Commit, FailureClass::Permanent),
            (
                403,
                "spam_risk_user_banned_from_posting",
                Harmless,
                FailureClass::Permanent,
            ),
            (403, "spam_risk_text", Commit, FailureClass::Permanent),
            (400, "invalid_publish_id", Harmless, FailureClass::Permanent),
            (500, "internal_error", Commit, FailureClass::Ambiguous),
            (503, "", Commit, FailureClass::Ambiguous),
            (
                500,
                "internal_error",
                Harmless,
                FailureClass::Retryable { after_secs: None },
            ),
            (403, "something_new", Commit, FailureClass::Permanent),
        ];
        for (status, code, step, want) in table {
            assert_eq!(
                class(*status, code, *step),
                *want,
                "{status} {code} {step:?}"
            );
        }
        // The daily cap with nothing of postcal's own in the window: an hour.
        assert_eq!(
            classify(api(403, "spam_risk_too_many_posts"), Commit, now, None).class,
            wait(now + CAP_WAIT_UNKNOWN)
        );
    }

    #[test]
    fn lost_answers_are_ambiguous_only_for_the_init() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let dropped = || {
            CallError::Transport(Failure::ambiguous(
                "TikTok video/init: the connection failed",
            ))
        };
        assert_eq!(
            classify(dropped(), Step::Commit, now, None).class,
            FailureClass::Ambiguous
        );
        assert!(matches!(
            classify(dropped(), Step::Harmless, now, None).class,
            FailureClass::Retryable { .. }
        ));
        let garbled = || CallError::Malformed("no publish_id".into());
        assert_eq!(
            classify(garbled(), Step::Commit, now, None).class,
            FailureClass::Ambiguous
        );
        let f = classify(
            api(403, "privacy_level_option_mismatch"),
            Step::Commit,
            now,
            None,
        );
        assert!(
            f.message.contains("privacy_level_option_mismatch") && f.message.contains("manifest"),
            "{}",
            f.message
        );
    }

    #[test]
    fn fail_reasons_say_whether_a_new_attempt_helps() {
        let retry = |r: &str| matches!(fail_reason(Some(r)).class, FailureClass::Retryable { .. });
        assert!(retry("internal"));
        assert!(retry("video_pull_failed"));
        for r in [
            "file_format_check_failed",
            "duration_check_failed",
            "frame_rate_check_failed",
            "picture_size_check_failed",
            "photo_pull_failed",
            "publish_cancelled",
            "spam_risk_text",
            "spam_risk_too_many_posts",
            "spam_risk_user_banned_from_posting",
            "auth_removed",
            "never_heard_of_it",
        ] {
            let f = fail_reason(Some(r));
            assert_eq!(f.class, FailureClass::Permanent, "{r}");
            assert!(f.message.contains(r), "{}", f.message);
        }
        assert_eq!(fail_reason(None).class, FailureClass::Permanent);
    }
}
