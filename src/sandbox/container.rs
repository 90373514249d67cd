//! Media containers (Instagram, Threads): the harmless *prepare* step whose status a client polls
//! before the irreversible publish (docs/design.md §5), and the media they become once published.
//!
//! Processing is lazy: a container's status is computed when it is read, from its creation
//! time, its processing delay, the outcome of the media download (done by a spawned task), and
//! the sandbox clock. Nothing runs in the background on a timer.
//!
//! # Guarantees
//! - docs/platform-rules.md §1.4 "status_code values": a container is IN_PROGRESS until its media
//!   were downloaded and judged and its delay has passed, then FINISHED or ERROR; PUBLISHED once
//!   published; EXPIRED 24 h after creation if never published ("Container expiry").
//! - A container is published at most once: its `published` id is set once and never cleared.
//! - A carousel parent is IN_PROGRESS while any child is, and ERROR if any child failed.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::ledger::LedgerMedia;
use crate::platform::Platform;

/// docs/platform-rules.md §1.4 "Container expiry": 24 h (Threads: §4 "EXPIRED (24 h)").
pub(crate) const CONTAINER_TTL_HOURS: i64 = 24;

/// Why media were refused, in the vocabulary of the platform that refused them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rejection {
    /// Instagram: the Graph code and subcode of docs/platform-rules.md §1.5.
    Graph {
        code: i64,
        subcode: i64,
        message: String,
    },
    /// Threads container `error_message` (docs/platform-rules.md §4 "Container status").
    Threads { error_message: String },
    /// TikTok `fail_reason` (docs/platform-rules.md §2.5).
    TikTok { fail_reason: String },
}

/// The outcome of downloading and judging a container's media.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    Pending,
    Done(Result<Vec<LedgerMedia>, Rejection>),
}

/// What a container will publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Image,
    /// A video carousel child (Instagram `VIDEO` + `is_carousel_item`) or a Threads video.
    Video,
    Reels,
    Stories,
    Carousel,
}

#[derive(Debug, Clone)]
pub(crate) struct Container {
    pub id: String,
    pub platform: Platform,
    pub owner: String,
    pub kind: Kind,
    pub is_carousel_item: bool,
    /// A story holding a video (the rest of a story is read from `kind`).
    pub is_video: bool,
    pub created_at: DateTime<Utc>,
    pub delay: Duration,
    pub check: Check,
    /// A processing failure injected by a fault: shown once the delay has passed.
    pub forced: Option<Rejection>,
    pub children: Vec<String>,
    pub text: Option<String>,
    pub options: BTreeMap<String, Value>,
    /// The published media id, once published.
    pub published: Option<String>,
    /// The carousel parent that used this child, if any.
    pub parent: Option<String>,
}

/// A container's state as a client sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    InProgress,
    Finished,
    Error(Rejection),
    Expired,
    Published,
}

impl Phase {
    /// The `status_code` (Instagram) / `status` (Threads) value.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Finished => "FINISHED",
            Self::Error(_) => "ERROR",
            Self::Expired => "EXPIRED",
            Self::Published => "PUBLISHED",
        }
    }
}

impl Container {
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.created_at + Duration::hours(CONTAINER_TTL_HOURS)
    }

    /// The container's phase at `now`; `all` resolves a carousel's children.
    pub fn phase(&self, now: DateTime<Utc>, all: &BTreeMap<String, Container>) -> Phase {
        if self.published.is_some() {
            return Phase::Published;
        }
        if let Check::Done(Err(r)) = &self.check {
            return Phase::Error(r.clone());
        }
        let delay_over = now >= self.created_at + self.delay;
        if delay_over && let Some(r) = &self.forced {
            return Phase::Error(r.clone());
        }
        if now >= self.expires_at() {
            return Phase::Expired;
        }
        let mut waiting = self.check == Check::Pending || !delay_over;
        for child in self.children.iter().filter_map(|c| all.get(c)) {
            match child.phase(now, all) {
                Phase::Error(r) => return Phase::Error(r),
                Phase::InProgress => waiting = true,
                Phase::Expired => return Phase::Error(expired_child(self.platform)),
                Phase::Finished | Phase::Published => {}
            }
        }
        if waiting {
            Phase::InProgress
        } else {
            Phase::Finished
        }
    }

    /// `media_url` and `thumbnail_url` of what this container publishes: the URL of its own
    /// media, and a video's `cover_url` (docs/platform-rules.md §1.2).
    pub fn urls(&self) -> (Option<String>, Option<String>) {
        let own = match &self.check {
            Check::Done(Ok(m)) => m.first().and_then(|m| m.url.clone()),
            _ => None,
        };
        let cover = self
            .options
            .get("cover_url")
            .and_then(Value::as_str)
            .map(str::to_owned);
        (own, cover.filter(|_| self.is_video))
    }

    /// The media received for this container and its children, in order.
    pub fn media(&self, all: &BTreeMap<String, Container>) -> Vec<LedgerMedia> {
        let own = match &self.check {
            Check::Done(Ok(m)) => m.clone(),
            _ => Vec::new(),
        };
        let children = self
            .children
            .iter()
            .filter_map(|c| all.get(c))
            .flat_map(|c| c.media(all));
        own.into_iter().chain(children).collect()
    }
}

/// docs/platform-rules.md §1.5 2207020 "media expired" (a carousel child outlived its 24 h).
fn expired_child(platform: Platform) -> Rejection {
    match platform {
        Platform::Threads => Rejection::Threads {
            error_message: "UNKNOWN".into(),
        },
        _ => Rejection::Graph {
            code: -2,
            subcode: 2207020,
            message: "The media has expired".into(),
        },
    }
}

/// A published Instagram or Threads media (or a carousel child of one).
#[derive(Debug, Clone)]
pub(crate) struct PublishedMedia {
    pub id: String,
    pub platform: Platform,
    pub owner: String,
    pub container: String,
    pub kind: Kind,
    pub is_video: bool,
    pub text: Option<String>,
    pub children: Vec<String>,
    pub shortcode: String,
    pub published_at: DateTime<Utc>,
    /// `media_url`: the URL the media were fetched from (`None` for text and carousels).
    pub media_url: Option<String>,
    /// `thumbnail_url` of a video: its cover if one was given.
    pub thumbnail_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
    }

    fn container(id: &str, check: Check) -> Container {
        Container {
            id: id.into(),
            platform: Platform::Instagram,
            owner: "1".into(),
            kind: Kind::Image,
            is_carousel_item: false,
            is_video: false,
            created_at: t0(),
            delay: Duration::seconds(5),
            check,
            forced: None,
            children: vec![],
            text: None,
            options: BTreeMap::new(),
            published: None,
            parent: None,
        }
    }

    #[test]
    fn a_container_moves_through_its_phases_on_the_clock() {
        let all = BTreeMap::new();
        let mut c = container("c", Check::Pending);
        let later = t0() + Duration::seconds(10);
        assert_eq!(
            c.phase(later, &all),
            Phase::InProgress,
            "download still running"
        );
        c.check = Check::Done(Ok(vec![]));
        assert_eq!(
            c.phase(t0() + Duration::seconds(4), &all),
            Phase::InProgress,
            "delay not over"
        );
        assert_eq!(c.phase(t0() + Duration::seconds(5), &all), Phase::Finished);
        assert_eq!(c.phase(t0() + Duration::hours(24), &all), Phase::Expired);
        c.published = Some("m".into());
        assert_eq!(c.phase(t0() + Duration::hours(48), &all), Phase::Published);
    }

    #[test]
    fn a_refused_download_shows_at_once_and_a_forced_failure_after_the_delay() {
        let all = BTreeMap::new();
        let r = Rejection::Graph {
            code: 9004,
            subcode: 2207052,
            message: "x".into(),
        };
        let c = container("c", Check::Done(Err(r.clone())));
        assert_eq!(c.phase(t0(), &all), Phase::Error(r.clone()));
        let mut c = container("c", Check::Done(Ok(vec![])));
        c.forced = Some(r.clone());
        assert_eq!(c.phase(t0(), &all), Phase::InProgress);
        assert_eq!(c.phase(t0() + Duration::seconds(5), &all), Phase::Error(r));
    }

    #[test]
    fn a_carousel_waits_for_its_children_and_fails_with_them() {
        let r = Rejection::Graph {
            code: 352,
            subcode: 2207026,
            message: "x".into(),
        };
        let mut all = BTreeMap::new();
        all.insert("a".to_owned(), container("a", Check::Done(Ok(vec![]))));
        all.insert("b".to_owned(), container("b", Check::Pending));
        let mut parent = container("p", Check::Done(Ok(vec![])));
        parent.kind = Kind::Carousel;
        parent.children = vec!["a".into(), "b".into()];
        let t = t0() + Duration::seconds(6);
        assert_eq!(parent.phase(t, &all), Phase::InProgress);
        all.get_mut("b").unwrap().check = Check::Done(Ok(vec![]));
        assert_eq!(parent.phase(t, &all), Phase::Finished);
        all.get_mut("b").unwrap().check = Check::Done(Err(r.clone()));
        assert_eq!(parent.phase(t, &all), Phase::Error(r));
    }
}
