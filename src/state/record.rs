//! Records: what postcal knows about one publication slot.
//!
//! A slot is `(post id, target, occurrence instant)`: the post `launch` going to
//! `instagram/acme` at `2026-12-01T08:00:00Z`. Its [`Record`] holds where the slot is in the
//! publishing state machine (docs/design.md §5), the attempts made, the last error, when to act
//! next, and what was (or is being) published: the content hash and the manifest revision.
//!
//! # Guarantees
//! - Keys encode and decode losslessly ([`SlotKey::encode`]/[`SlotKey::decode`]) and sort by
//!   post, then target, then time.
//! - The value encoding is JSON with explicit field names, so a record written by this version
//!   stays readable when optional fields are added later.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::platform::TargetKey;

/// One publication slot: a post, one of its targets, one occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SlotKey {
    pub post: String,
    /// `instagram/acme`.
    pub target: TargetKey,
    /// The occurrence instant.
    pub at: DateTime<Utc>,
}

/// Separator inside encoded keys: a control character no post id or account name contains.
const SEP: char = '\u{1f}';

impl SlotKey {
    pub fn new(post: impl Into<String>, target: TargetKey, at: DateTime<Utc>) -> Self {
        Self {
            post: post.into(),
            target,
            at,
        }
    }

    /// `post␟target␟2026-12-01T08:00:00Z`: the store key. Whole seconds are written as
    /// such; a time with a fraction keeps it (`…:11.25Z`), so every key decodes to its slot.
    pub fn encode(&self) -> Vec<u8> {
        format!(
            "{}{SEP}{}{SEP}{}",
            self.post,
            self.target,
            self.at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        )
        .into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "key is not UTF-8".to_owned())?;
        let mut parts = text.split(SEP);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(post), Some(target), Some(at), None) => {
                let at = DateTime::parse_from_rfc3339(at)
                    .map_err(|e| format!("key time `{at}`: {e}"))?
                    .with_timezone(&Utc);
                let target = target.parse().map_err(|e| format!("key target: {e}"))?;
                Ok(Self::new(post, target, at))
            }
            _ => Err("key does not have the form post/target/time".to_owned()),
        }
    }

    /// The `(post, target)` pair, for grouping occurrences.
    pub fn stream(&self) -> (&str, &TargetKey) {
        (&self.post, &self.target)
    }

    /// `post → target @ 2026-12-01 09:00 CET`: the slot as people read it (logs, messages),
    /// its time in the calendar's timezone `tz`. [`fmt::Display`] keeps UTC, for keys.
    pub fn show(&self, tz: chrono_tz::Tz) -> String {
        format!(
            "{} → {} @ {}",
            self.post,
            self.target,
            crate::human::datetime(self.at, tz)
        )
    }
}

impl fmt::Display for SlotKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} → {} @ {}",
            self.post,
            self.target,
            self.at.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }
}

/// Where a slot is in the publishing state machine (docs/design.md §5).
///
/// ```text
/// planned -> preparing -> prepared{remote ids} -> armed -> published{remote id, permalink}
///                                                       \-> committed{remote ids} -> published
///                                                       \-> failed{reason, permanent} |
///                                                       needs_review{why}
/// planned -> missed (due while postcal was down, past max_lateness)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SlotState {
    /// Owed, nothing done yet.
    Planned,
    /// The harmless prepare step was started (it may have created remote objects).
    Preparing,
    /// Prepared: the remote objects (containers, upload ids) that commit will publish.
    Prepared { remote_ids: Vec<String> },
    /// About to call the irreversible commit (written and flushed before it). After a crash or
    /// an ambiguous answer the slot is resolved by look-up only.
    Armed { remote_ids: Vec<String> },
    /// The platform took the commit and publishes asynchronously (TikTok's `publish_id`): the
    /// slot is resolved by look-up until the platform says published or failed.
    Committed { remote_ids: Vec<String> },
    Published {
        remote_id: String,
        permalink: Option<String>,
        at: DateTime<Utc>,
    },
    /// Not published. Retryable failures are tried again at `next_action`; permanent ones wait
    /// for the manifest to change.
    Failed { reason: String, permanent: bool },
    /// Maybe published, maybe not: a person has to look. Never retried automatically.
    NeedsReview { why: String },
    /// Due while postcal was down, past `max_lateness`: not published.
    Missed,
}

impl SlotState {
    /// The state's name as status and plan show it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Preparing => "preparing",
            Self::Prepared { .. } => "prepared",
            Self::Armed { .. } => "armed",
            Self::Committed { .. } => "committed",
            Self::Published { .. } => "published",
            Self::Failed {
                permanent: true, ..
            } => "failed",
            Self::Failed { .. } => "retrying",
            Self::NeedsReview { .. } => "needs_review",
            Self::Missed => "missed",
        }
    }

    /// Work was started and not finished: the daemon must resume it.
    pub fn in_flight(&self) -> bool {
        matches!(
            self,
            Self::Preparing | Self::Prepared { .. } | Self::Armed { .. } | Self::Committed { .. }
        )
    }
}

/// Which manifest a slot was published (or is being published) from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// Path relative to the calendar root.
    pub path: String,
    /// SHA-256 of the manifest file's text, hex.
    pub file_hash: String,
    /// The git commit the calendar was at (when it is a git checkout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// Everything postcal knows about one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub key: SlotKey,
    #[serde(flatten)]
    pub state: SlotState,
    /// Failed attempts so far (a crash in the middle of a step is not a failure).
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When the daemon acts on this slot next (a retry or a look-up), if it is waiting.
    pub next_action: Option<DateTime<Utc>>,
    /// Why the slot waits for `next_action` without having failed: a full quota, a rate
    /// window, a login the account needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<String>,
    /// When the slot was last armed (just before its commit): look-ups through the account's
    /// recent posts consider only what came after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub armed_at: Option<DateTime<Utc>>,
    /// SHA-256 over what this target publishes (text, media bytes, options), hex.
    pub content_hash: String,
    pub revision: Revision,
    pub updated_at: DateTime<Utc>,
}

impl Record {
    /// A fresh record for a slot about to be worked on.
    pub fn planned(
        key: SlotKey,
        content_hash: String,
        revision: Revision,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            key,
            state: SlotState::Planned,
            attempts: 0,
            last_error: None,
            next_action: None,
            waiting: None,
            armed_at: None,
            content_hash,
            revision,
            updated_at: now,
        }
    }

    /// The stored value.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        serde_json::to_vec(self).map_err(|e| e.to_string())
    }

    /// Decodes a stored value and checks it belongs to `key`.
    pub fn decode(key: &[u8], value: &[u8]) -> Result<Self, String> {
        let expected = SlotKey::decode(key)?;
        let record: Record = serde_json::from_slice(value).map_err(|e| e.to_string())?;
        if record.key != expected {
            return Err(format!("value belongs to another key ({})", record.key));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn target() -> TargetKey {
        "instagram/acme".parse().unwrap()
    }

    fn key() -> SlotKey {
        SlotKey::new(
            "launch",
            target(),
            Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap(),
        )
    }

    #[test]
    fn keys_round_trip_and_sort_by_post_target_time() {
        let k = key();
        assert_eq!(SlotKey::decode(&k.encode()).unwrap(), k);
        let later = SlotKey::new("launch", target(), k.at + chrono::Duration::days(1));
        assert!(k.encode() < later.encode());
        // A time with a fraction of a second (an `at` written with one) round-trips too.
        let fine = SlotKey::new(
            "launch",
            target(),
            k.at + chrono::Duration::milliseconds(250),
        );
        assert_eq!(SlotKey::decode(&fine.encode()).unwrap(), fine);
        assert!(
            String::from_utf8(k.encode())
                .unwrap()
                .ends_with("T08:00:00Z")
        );
        assert!(SlotKey::decode(b"no separators").is_err());
        assert!(SlotKey::decode(b"a\x1fb\x1fnot a time").is_err());
        // A record of a platform this postcal does not know is an error, never another platform.
        assert!(SlotKey::decode(b"a\x1fmyspace/acme\x1f2026-12-01T08:00:00Z").is_err());
    }

    #[test]
    fn every_state_round_trips() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 5).unwrap();
        let states = [
            SlotState::Planned,
            SlotState::Preparing,
            SlotState::Prepared {
                remote_ids: vec!["c1".into()],
            },
            SlotState::Armed {
                remote_ids: vec!["c1".into()],
            },
            SlotState::Committed {
                remote_ids: vec!["p1".into()],
            },
            SlotState::Published {
                remote_id: "m1".into(),
                permalink: Some("https://example.com/p/1".into()),
                at: now,
            },
            SlotState::Failed {
                reason: "caption too long".into(),
                permanent: true,
            },
            SlotState::NeedsReview {
                why: "commit timed out and look-up failed".into(),
            },
            SlotState::Missed,
        ];
        for state in states {
            let mut r = Record::planned(key(), "h".into(), Revision::default(), now);
            r.state = state;
            let bytes = r.encode().unwrap();
            assert_eq!(Record::decode(&key().encode(), &bytes).unwrap(), r);
        }
    }

    #[test]
    fn decoding_rejects_garbage_and_foreign_keys() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 5).unwrap();
        let r = Record::planned(key(), "h".into(), Revision::default(), now);
        let other = SlotKey::new("other", target(), key().at);
        assert!(Record::decode(&other.encode(), &r.encode().unwrap()).is_err());
        assert!(Record::decode(&key().encode(), b"{not json").is_err());
    }
}
