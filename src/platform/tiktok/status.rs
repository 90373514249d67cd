//! What a `status/fetch` answer means for a slot (pure; docs/platform-rules.md §2.5 `status`), and
//! what postcal says when there is no `publish_id` to fetch.
//!
//! # Guarantees
//! - `PUBLISH_COMPLETE` is published; `PROCESSING_*` is pending; `FAILED` is failed, classified
//!   by `fail_reason` ([`super::errors::fail_reason`]).
//! - "Not published" is answered only when TikTok can never publish the post: an upload still
//!   incomplete after its upload URL (one hour) expired.
//! - Everything else TikTok cannot settle (an inbox draft, an unknown status, an upload of
//!   unknown progress long after its URL expired, no `publish_id` at all) is `Unknown`, with a
//!   message that says what to check by hand.

use chrono::{DateTime, Duration, Utc};

use super::api::PublishStatus;
use super::errors::fail_reason;
use crate::platform::TargetKey;
use crate::reconcile::{LookupResult, Published};

/// How long TikTok's `upload_url` lives.
pub const UPLOAD_URL_LIFETIME: Duration = Duration::hours(1);
/// When an unfinished upload is given up for dead: the URL's life, plus slack for the time
/// between arming the slot and TikTok issuing the URL.
pub const UPLOAD_DEAD_AFTER: Duration = Duration::minutes(70);

/// What postcal knows of the post besides its status.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The creator's `@` name, for the permalink.
    pub username: Option<String>,
    pub photo: bool,
    /// Since the slot was armed (just before the init).
    pub age: Duration,
    /// FILE_UPLOAD: the size TikTok was told.
    pub video_size: Option<u64>,
}

/// `https://www.tiktok.com/@{username}/video/{id}` (`/photo/` for a photo post).
pub fn permalink(username: &str, post_id: &str, photo: bool) -> String {
    let kind = if photo { "photo" } else { "video" };
    format!("https://www.tiktok.com/@{username}/{kind}/{post_id}")
}

fn minutes(d: Duration) -> i64 {
    d.num_minutes()
}

/// What the status of `publish_id` says about the slot.
pub fn resolve(publish_id: &str, s: &PublishStatus, known: &Known) -> LookupResult {
    match s.status.as_str() {
        "PUBLISH_COMPLETE" => {
            let post_id = s.post_id();
            let permalink = match (&post_id, known.username.as_deref()) {
                (Some(id), Some(user)) if !user.is_empty() => {
                    Some(permalink(user, id, known.photo))
                }
                _ => None,
            };
            LookupResult::Published(Published {
                remote_id: post_id.unwrap_or_else(|| publish_id.to_owned()),
                permalink,
            })
        }
        "PROCESSING_DOWNLOAD" => LookupResult::Pending {
            why: "TikTok is downloading the media (PROCESSING_DOWNLOAD)".into(),
        },
        "PROCESSING_UPLOAD" if known.age <= UPLOAD_DEAD_AFTER => LookupResult::Pending {
            why: "TikTok is receiving or processing the uploaded video (PROCESSING_UPLOAD)".into(),
        },
        "PROCESSING_UPLOAD" => match (s.uploaded_bytes, known.video_size) {
            (Some(got), Some(size)) if got >= size => LookupResult::Pending {
                why:
                    "TikTok received the whole video and is still processing it (PROCESSING_UPLOAD)"
                        .into(),
            },
            (Some(got), Some(size)) => {
                tracing::warn!(
                    publish_id,
                    received = got,
                    size,
                    "the upload never finished and its URL expired; TikTok will not publish this post"
                );
                LookupResult::NotPublished { can_commit: false }
            }
            (got, _) => LookupResult::Unknown {
                why: format!(
                    "TikTok still reports PROCESSING_UPLOAD for publish_id {publish_id} {} minutes after the post was started, past the upload URL's one-hour life, and postcal cannot tell whether the whole video arrived ({}): check the creator's TikTok profile; if the post is not there, it was not published",
                    minutes(known.age),
                    match got {
                        Some(b) => format!("{b} bytes received"),
                        None => "TikTok does not say how much it received".into(),
                    }
                ),
            },
        },
        "FAILED" => LookupResult::Failed(fail_reason(s.fail_reason.as_deref())),
        "SEND_TO_USER_INBOX" => LookupResult::Unknown {
            why: format!(
                "TikTok delivered publish_id {publish_id} to the creator's inbox as a draft (SEND_TO_USER_INBOX) instead of posting it; postcal only direct-posts, so it is not public: the creator can finish or discard it in the TikTok app"
            ),
        },
        other => LookupResult::Unknown {
            why: format!(
                "TikTok answered status {other:?} for publish_id {publish_id}, which postcal does not know: check the creator's TikTok profile"
            ),
        },
    }
}

/// The look-up of a slot that was armed but has no `publish_id`: the init was sent, or may
/// have been, and its answer never arrived (see the module docs of [`super`]).
pub fn no_publish_id(
    target: &TargetKey,
    username: Option<&str>,
    since: DateTime<Utc>,
) -> LookupResult {
    let who = match username {
        Some(u) if !u.is_empty() => format!("@{u} ({target})"),
        _ => format!("the {target} account"),
    };
    LookupResult::Unknown {
        why: format!(
            "TikTok may or may not have this post, and postcal cannot check: its init call was sent (or postcal stopped while sending it) at {} but no publish_id came back, and TikTok offers no way to find a post without one. postcal will not send it again on its own. Check {who}'s TikTok profile for a post made after that time: if it is there, it is published and nothing more is needed; if it is not, post it from the TikTok app yourself.",
            since.format("%Y-%m-%d %H:%M:%S UTC")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::FailureClass;
    use serde_json::json;

    fn status(v: serde_json::Value) -> PublishStatus {
        serde_json::from_value(v).unwrap()
    }

    fn known(age_min: i64) -> Known {
        Known {
            username: Some("acme".into()),
            photo: false,
            age: Duration::minutes(age_min),
            video_size: Some(21_000_000),
        }
    }

    #[test]
    fn statuses_resolve_the_slot() {
        let done = status(
            json!({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [73012345]}),
        );
        assert_eq!(
            resolve("v_pub_1", &done, &known(1)),
            LookupResult::Published(Published {
                remote_id: "73012345".into(),
                permalink: Some("https://www.tiktok.com/@acme/video/73012345".into()),
            })
        );
        let photo = Known {
            photo: true,
            ..known(1)
        };
        let LookupResult::Published(p) = resolve("p_pub_1", &done, &photo) else {
            panic!()
        };
        assert_eq!(
            p.permalink.as_deref(),
            Some("https://www.tiktok.com/@acme/photo/73012345")
        );
        // Private posts never get a public id: published, known by the publish_id.
        let private =
            status(json!({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": []}));
        assert_eq!(
            resolve("v_pub_1", &private, &known(1)),
            LookupResult::Published(Published {
                remote_id: "v_pub_1".into(),
                permalink: None
            })
        );
        for s in ["PROCESSING_DOWNLOAD", "PROCESSING_UPLOAD"] {
            assert!(
                matches!(
                    resolve("v", &status(json!({"status": s})), &known(5)),
                    LookupResult::Pending { .. }
                ),
                "{s}"
            );
        }
        let failed = status(json!({"status": "FAILED", "fail_reason": "internal"}));
        let LookupResult::Failed(f) = resolve("v", &failed, &known(1)) else {
            panic!()
        };
        assert!(matches!(f.class, FailureClass::Retryable { .. }));
        let inbox = resolve(
            "v",
            &status(json!({"status": "SEND_TO_USER_INBOX"})),
            &known(1),
        );
        assert!(matches!(inbox, LookupResult::Unknown { why } if why.contains("draft")));
    }

    #[test]
    fn an_upload_is_dead_only_when_incomplete_after_its_url_expired() {
        let uploading = |bytes: Option<u64>| {
            status(json!({"status": "PROCESSING_UPLOAD", "uploaded_bytes": bytes}))
        };
        let partial = uploading(Some(10_000_000));
        assert!(matches!(
            resolve("v", &partial, &known(69)),
            LookupResult::Pending { .. }
        ));
        assert_eq!(
            resolve("v", &partial, &known(71)),
            LookupResult::NotPublished { can_commit: false }
        );
        // All bytes in: TikTok is processing, however long it takes.
        assert!(matches!(
            resolve("v", &uploading(Some(21_000_000)), &known(300)),
            LookupResult::Pending { .. }
        ));
        // Progress or size unknown: a person checks.
        assert!(matches!(
            resolve("v", &uploading(None), &known(71)),
            LookupResult::Unknown { .. }
        ));
        let no_size = Known {
            video_size: None,
            ..known(71)
        };
        assert!(matches!(
            resolve("v", &partial, &no_size),
            LookupResult::Unknown { .. }
        ));
    }

    #[test]
    fn without_a_publish_id_a_person_checks_the_profile() {
        let since = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, 9, 0, 0).unwrap();
        let target: TargetKey = "tiktok/acme".parse().unwrap();
        let LookupResult::Unknown { why } = no_publish_id(&target, Some("acme_shop"), since) else {
            panic!()
        };
        for part in [
            "@acme_shop",
            "profile",
            "2026-12-01 09:00:00 UTC",
            "will not send it again",
            "post it from the TikTok app",
        ] {
            assert!(why.contains(part), "{part}: {why}");
        }
    }
}
