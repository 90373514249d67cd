//! The container protocol Instagram and Threads share (docs/platform-rules.md §1.2–§1.4, §4):
//! create containers, wait until they are `FINISHED`, publish one, and find out afterwards what
//! became of it.
//!
//! # Guarantees
//! - Polling follows the platforms' advice and never hammers: the first look after a few
//!   seconds (images are quick), then at doubling intervals up to once a minute, for at most
//!   [`Poll::budget`] of (virtual) time, after which preparing is retried later with new
//!   containers.
//! - A container's `ERROR` is classified like the matching Graph subcode (Instagram) or
//!   `error_message` (Threads): media problems are permanent, download and server problems
//!   retryable.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::graph::{CallError, Graph, GraphError, Step, id_of};
use crate::clock::Clock;
use crate::reconcile::{Failure, LookupResult, Outcome, Published};

/// Where a container is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    InProgress,
    Finished,
    Published,
    Expired,
    /// `ERROR`, with the platform's detail (Instagram's `status` text, Threads' `error_message`).
    Error(String),
}

/// The two dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `?fields=status_code,status`; the detail of an error is in `status`.
    Instagram,
    /// `?fields=status,error_message`.
    Threads,
}

impl Dialect {
    fn fields(self) -> &'static str {
        match self {
            Self::Instagram => "status_code,status",
            Self::Threads => "status,error_message",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Instagram => "Instagram",
            Self::Threads => "Threads",
        }
    }
}

/// The endpoints that make one platform's container protocol.
#[derive(Debug, Clone, Copy)]
pub struct Flavor {
    pub dialect: Dialect,
    /// `media_publish` / `threads_publish`.
    pub publish: &'static str,
    /// `content_publishing_limit` / `threads_publishing_limit`.
    pub limit: &'static str,
    /// The text field of a published post: `caption` / `text`.
    pub text_field: &'static str,
}

pub const INSTAGRAM: Flavor = Flavor {
    dialect: Dialect::Instagram,
    publish: "media_publish",
    limit: "content_publishing_limit",
    text_field: "caption",
};

pub const THREADS: Flavor = Flavor {
    dialect: Dialect::Threads,
    publish: "threads_publish",
    limit: "threads_publishing_limit",
    text_field: "text",
};

/// The live quota, read right before a commit: `{"data":[{"quota_usage":N,"config":
/// {"quota_total":M,"quota_duration":86400}}]}`. A full quota waits an hour (the rolling window
/// frees one post at a time; the API does not say when).
pub async fn check_quota(
    graph: &Graph<'_>,
    account: &str,
    flavor: Flavor,
) -> Result<Outcome<()>, CallError> {
    let body = graph
        .get(
            &format!("{account}/{}", flavor.limit),
            &[("fields", "quota_usage,config")],
        )
        .await?;
    let item = body.get("data").and_then(|d| d.get(0)).unwrap_or(&body);
    let used = item.get("quota_usage").and_then(Value::as_u64);
    let total = item
        .get("config")
        .and_then(|c| c.get("quota_total"))
        .and_then(Value::as_u64);
    Ok(match (used, total) {
        (Some(used), Some(total)) if used >= total => Err(Failure::wait(
            graph.now + chrono::Duration::hours(1),
            format!(
                "waiting for quota: {} allows {total} posts in 24 hours and {used} were made",
                flavor.dialect.name()
            ),
        )),
        _ => Ok(()),
    })
}

/// The commit: publishes the top container; the answer is the post's id. Its permalink is
/// read after, as a nicety (the post is public whatever that read answers).
pub async fn publish(
    graph: &Graph<'_>,
    account: &str,
    flavor: Flavor,
    top: &str,
) -> Result<Published, CallError> {
    let what = format!("{} {}", flavor.dialect.name(), flavor.publish);
    let id = graph
        .post(
            &format!("{account}/{}", flavor.publish),
            &[("creation_id", top.to_owned())],
        )
        .await
        .and_then(|b| id_of(&b, &what))?;
    let permalink = graph
        .get(&id, &[("fields", "permalink")])
        .await
        .ok()
        .and_then(|b| {
            b.get("permalink")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    Ok(Published {
        remote_id: id,
        permalink,
    })
}

/// The look-up: the top container's status; a published one is found among `list_edge`'s
/// posts since `since` by its text (`None`: the first one since then).
pub async fn look_up(
    graph: &Graph<'_>,
    flavor: Flavor,
    top: &str,
    list_edge: &str,
    text: Option<&str>,
    since: DateTime<Utc>,
) -> Result<LookupResult, CallError> {
    Ok(match status(graph, flavor.dialect, top).await? {
        Status::Finished => LookupResult::NotPublished { can_commit: true },
        Status::Expired | Status::Error(_) => LookupResult::NotPublished { can_commit: false },
        Status::InProgress => LookupResult::Pending {
            why: format!("{} is still processing the media", flavor.dialect.name()),
        },
        Status::Published => {
            let found = find_published(graph, list_edge, flavor.text_field, text, since).await?;
            // Published for sure (the container says so); its id among the posts is a nicety.
            let (remote_id, permalink) = found.unwrap_or_else(|| (top.to_owned(), None));
            LookupResult::Published(Published {
                remote_id,
                permalink,
            })
        }
    })
}

/// How long and how often to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    pub first: chrono::Duration,
    pub max_interval: chrono::Duration,
    /// Give up waiting after this long (long reels can take more than Meta's 5-minute advice).
    pub budget: chrono::Duration,
}

impl Default for Poll {
    fn default() -> Self {
        Self {
            first: chrono::Duration::seconds(2),
            max_interval: chrono::Duration::seconds(60),
            budget: chrono::Duration::minutes(20),
        }
    }
}

/// Reads a container's status.
pub async fn status(graph: &Graph<'_>, dialect: Dialect, id: &str) -> Result<Status, CallError> {
    let body = graph.get(id, &[("fields", dialect.fields())]).await?;
    let (code, detail) = match dialect {
        Dialect::Instagram => (text(&body, "status_code"), text(&body, "status")),
        Dialect::Threads => (text(&body, "status"), text(&body, "error_message")),
    };
    Ok(match code.as_str() {
        "IN_PROGRESS" => Status::InProgress,
        "FINISHED" => Status::Finished,
        "PUBLISHED" => Status::Published,
        "EXPIRED" => Status::Expired,
        "ERROR" => Status::Error(detail),
        other => {
            return Err(CallError::Malformed(format!(
                "{} container status `{other}` is not one postcal knows",
                dialect.name()
            )));
        }
    })
}

fn text(body: &Value, field: &str) -> String {
    body.get(field)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// Waits until every container in `ids` is `FINISHED`.
pub async fn wait_finished(
    graph: &Graph<'_>,
    dialect: Dialect,
    ids: &[String],
    clock: &dyn Clock,
    poll: &Poll,
) -> Outcome<()> {
    let start = clock.now();
    let mut interval = poll.first;
    let mut pending: Vec<&String> = ids.iter().collect();
    loop {
        clock.sleep_until(clock.now() + interval).await;
        let mut still = Vec::new();
        for id in pending {
            match status(graph, dialect, id)
                .await
                .map_err(|e| e.classify(dialect.name(), Step::Harmless, clock.now()))?
            {
                Status::Finished => {}
                Status::InProgress => still.push(id),
                Status::Published => {
                    return Err(Failure::permanent(format!(
                        "{} container {id} was published by something else",
                        dialect.name()
                    )));
                }
                Status::Expired => {
                    return Err(Failure::retryable(format!(
                        "{} container {id} expired before it finished",
                        dialect.name()
                    )));
                }
                Status::Error(detail) => return Err(error_failure(dialect, &detail, clock.now())),
            }
        }
        if still.is_empty() {
            return Ok(());
        }
        pending = still;
        if clock.now() - start > poll.budget {
            return Err(Failure::retryable(format!(
                "{} is still processing the media after {} minutes; trying again later",
                dialect.name(),
                poll.budget.num_minutes()
            )));
        }
        interval = (interval * 2).min(poll.max_interval);
    }
}

/// A container's `ERROR`, classified.
pub fn error_failure(dialect: Dialect, detail: &str, now: DateTime<Utc>) -> Failure {
    match dialect {
        Dialect::Instagram => {
            // "Error: Media upload has failed with error code 2207026. …"
            let subcode = detail
                .split(|c: char| !c.is_ascii_digit())
                .find(|d| d.len() == 7 && d.starts_with("2207"))
                .and_then(|d| d.parse().ok());
            let e = GraphError {
                status: 200,
                code: 0,
                subcode,
                message: format!("container processing failed: {detail}"),
                transient: false,
            };
            match subcode {
                Some(_) => e.classify("Instagram", Step::Harmless, now),
                None => Failure::retryable(format!(
                    "Instagram could not process the media ({detail}); trying again"
                )),
            }
        }
        Dialect::Threads => {
            let message = format!("Threads could not process the media: {detail}");
            match detail {
                "FAILED_DOWNLOADING_VIDEO" | "UNKNOWN" | "" => {
                    Failure::retryable(format!("{message}; trying again with a new container"))
                }
                _ => Failure::permanent(format!("{message}; fix the media file")),
            }
        }
    }
}

/// Finds the published media a container became, among the account's recent posts: the first
/// one since `since` whose text is `text` (stories have none: the first since `since`).
pub async fn find_published(
    graph: &Graph<'_>,
    edge: &str,
    text_field: &str,
    text: Option<&str>,
    since: DateTime<Utc>,
) -> Result<Option<(String, Option<String>)>, CallError> {
    let fields = format!("id,permalink,timestamp,{text_field}");
    let body = graph
        .get(edge, &[("fields", &fields), ("limit", "50")])
        .await?;
    let items = body
        .get("data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let slack = chrono::Duration::minutes(2);
    let found = items.iter().rev().find(|m| {
        let at = m
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(parse_graph_time);
        let same_text = match text {
            Some(t) => m.get(text_field).and_then(Value::as_str) == Some(t),
            None => true,
        };
        same_text && at.is_some_and(|at| at >= since - slack)
    });
    Ok(found.and_then(|m| {
        let id = m.get("id").and_then(Value::as_str)?.to_owned();
        let permalink = m
            .get("permalink")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Some((id, permalink))
    }))
}

/// Graph's `2026-11-22T09:00:00+0000`.
pub fn parse_graph_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::FailureClass;
    use chrono::TimeZone;

    #[test]
    fn container_errors_are_classified_by_their_detail() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let ig = |d: &str| error_failure(Dialect::Instagram, d, now).class;
        assert_eq!(
            ig("Error: Media upload has failed with error code 2207026. Unsupported video"),
            FailureClass::Permanent
        );
        assert!(matches!(
            ig("Error: Media upload has failed with error code 2207001."),
            FailureClass::Retryable { .. }
        ));
        let th = |d: &str| error_failure(Dialect::Threads, d, now).class;
        assert!(matches!(
            th("FAILED_DOWNLOADING_VIDEO"),
            FailureClass::Retryable { .. }
        ));
        assert_eq!(th("INVALID_ASPEC_RATIO"), FailureClass::Permanent);
        assert_eq!(
            parse_graph_time("2026-11-22T09:00:00+0000"),
            Some(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap())
        );
    }
}
