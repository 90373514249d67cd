//! Meta's Graph API as Instagram, Facebook Pages and Threads share it: the request conventions
//! (docs/platform-rules.md §1.6) and the one classification of its errors (§1.5, §8).
//!
//! Requests: the access token goes in the form body of a POST and in the query of a GET (what
//! every Graph flavour documents); responses are JSON; errors are
//! `{"error":{"message","type","code","error_subcode","is_transient","fbtrace_id"}}`.
//!
//! # Guarantees
//! - Every error is classified by [`GraphError::classify`] and nowhere else: retryable,
//!   wait (rate limits, daily quotas, invalid tokens: "needs login"), permanent, or
//!   ambiguous — and a commit (`media_publish`, `threads_publish`, `/feed`) answered with a
//!   server error is ambiguous, never retried blindly.
//! - Messages name the platform's code and subcode and say what to do; they never carry the
//!   token (scrubbed, and URLs are never included).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::http::transport_failure;
use crate::reconcile::Failure;
use crate::secret::Secret;

/// Which kind of call failed: decides what a server error means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Harmless to repeat (creating a container, reading).
    Harmless,
    /// The irreversible call: an unclear answer may mean it was applied.
    Commit,
}

/// A Graph error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: u16,
    pub code: i64,
    pub subcode: Option<i64>,
    pub message: String,
    pub transient: bool,
}

impl GraphError {
    /// Reads the envelope of an error answer (`None` when there is none).
    pub fn parse(status: u16, body: &Value) -> Option<Self> {
        let e = body.get("error")?;
        Some(Self {
            status,
            code: e.get("code").and_then(Value::as_i64).unwrap_or(0),
            subcode: e.get("error_subcode").and_then(Value::as_i64),
            message: e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            transient: e
                .get("is_transient")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    fn label(&self, platform: &str) -> String {
        match self.subcode {
            Some(sub) => format!(
                "{platform} error {} (subcode {sub}): {}",
                self.code, self.message
            ),
            None => format!("{platform} error {}: {}", self.code, self.message),
        }
    }

    /// The one classification of Graph errors (docs/platform-rules.md §1.5 "Action", §8).
    pub fn classify(&self, platform: &str, step: Step, now: DateTime<Utc>) -> Failure {
        let label = self.label(platform);
        let wait = |mins: i64, why: &str| {
            Failure::wait(
                now + chrono::Duration::minutes(mins),
                format!("{why} ({label})"),
            )
        };
        match (self.code, self.subcode) {
            // Invalid, expired or revoked token.
            (190, _) | (102, _) | (104, _) => wait(
                15,
                "needs login: the platform refused the account's token; run `postcal login`",
            ),
            // Permissions missing from the token.
            (10, _) | (200..=299, _) => Failure::permanent(format!(
                "{label}; the token lacks a permission this post needs: log in again granting it"
            )),
            // Rate limits (application, user, Page, custom) and the daily publishing limit.
            (4 | 17 | 32 | 613, _) | (80001..=80014, _) => wait(15, "rate limited"),
            (9, _) | (_, Some(2_207_042)) => wait(60, "waiting for the daily publishing quota"),
            // Not ready to publish: the container is still processing.
            (9007, _) | (_, Some(2_207_027)) => {
                Failure::retry_after(30, format!("{label}; the media is still processing"))
            }
            // Transient media errors: a new container (or the same one, later) will do.
            (_, Some(2_207_001 | 2_207_003 | 2_207_006 | 2_207_008 | 2_207_020))
            | (_, Some(2_207_032 | 2_207_052 | 2_207_053)) => {
                Failure::retryable(format!("{label}; trying again with a new container"))
            }
            // A duplicate: the same post was just made.
            (506, _) if step == Step::Commit => {
                Failure::ambiguous(format!("{label}; checking whether it was published"))
            }
            (1 | 2, _) | (-1 | -2, _) if step == Step::Commit => Failure::ambiguous(label),
            (1 | 2, _) | (-1 | -2, _) => Failure::retryable(label),
            _ if self.transient && step == Step::Harmless => Failure::retryable(label),
            _ if self.status >= 500 && step == Step::Commit => Failure::ambiguous(label),
            _ if self.status >= 500 => Failure::retryable(label),
            // Media refused, caption refused, restricted account, spam: fix, do not retry.
            _ => Failure::permanent(format!(
                "{label}; fix the post or the account, then edit the manifest to try again"
            )),
        }
    }
}

/// What Graph's usage headers (`X-App-Usage`, `X-Page-Usage`, `X-Business-Use-Case-Usage`)
/// said lately, per account: postcal stops calling before the platform starts refusing.
#[derive(Debug, Default)]
pub struct Usage {
    blocked: std::sync::Mutex<std::collections::HashMap<String, DateTime<Utc>>>,
}

/// Above this share of a usage budget (percent), postcal pauses the account's calls.
const USAGE_CEILING: f64 = 90.0;

impl Usage {
    fn blocked_until(&self, key: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        blocked.get(key).copied().filter(|t| *t > now)
    }

    /// Reads the usage headers of an answer.
    pub fn observe(&self, key: &str, headers: &reqwest::header::HeaderMap, now: DateTime<Utc>) {
        let mut worst: f64 = 0.0;
        let mut regain_mins: i64 = 0;
        for name in ["x-app-usage", "x-page-usage", "x-ad-account-usage"] {
            if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok())
                && let Ok(json) = serde_json::from_str::<Value>(v)
            {
                worst = worst.max(max_percent(&json));
            }
        }
        if let Some(v) = headers
            .get("x-business-use-case-usage")
            .and_then(|v| v.to_str().ok())
            && let Ok(json) = serde_json::from_str::<Value>(v)
        {
            for entries in json.as_object().into_iter().flat_map(|o| o.values()) {
                for e in entries.as_array().into_iter().flatten() {
                    worst = worst.max(max_percent(e));
                    regain_mins = regain_mins.max(
                        e.get("estimated_time_to_regain_access")
                            .and_then(Value::as_i64)
                            .unwrap_or(0),
                    );
                }
            }
        }
        if worst >= USAGE_CEILING || regain_mins > 0 {
            let pause = chrono::Duration::minutes(regain_mins.max(5));
            tracing::warn!(
                account = key,
                usage_percent = worst,
                pause_mins = pause.num_minutes(),
                "Graph usage near its limit; pausing this account's calls"
            );
            self.blocked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key.to_owned(), now + pause);
        }
    }
}

fn max_percent(v: &Value) -> f64 {
    [
        "call_count",
        "total_cputime",
        "total_time",
        "acc_id_util_pct",
    ]
    .iter()
    .filter_map(|k| v.get(*k).and_then(Value::as_f64))
    .fold(0.0, f64::max)
}

/// A Graph host as one account uses it.
pub struct Graph<'a> {
    pub http: &'a reqwest::Client,
    /// `https://graph.instagram.com/v24.0`, or the sandbox's.
    pub base: &'a str,
    pub token: &'a Secret,
    /// "Instagram", "Threads", "Facebook": for messages.
    pub platform: &'static str,
    /// The account's usage budget, keyed by its id.
    pub usage: &'a Usage,
    pub account: &'a str,
    pub now: DateTime<Utc>,
}

/// A failed Graph call, before classification.
#[derive(Debug)]
pub enum CallError {
    Transport(Failure),
    /// Not sent: the account's usage budget is nearly spent (usage headers).
    Throttled(DateTime<Utc>),
    Api(GraphError),
    /// A 2xx answer that is not what the API documents.
    Malformed(String),
}

impl CallError {
    pub fn classify(self, platform: &str, step: Step, now: DateTime<Utc>) -> Failure {
        match self {
            Self::Transport(f) => match step {
                Step::Harmless => f.harmless(),
                Step::Commit => f,
            },
            Self::Api(e) => e.classify(platform, step, now),
            Self::Throttled(until) => Failure::wait(
                until,
                format!(
                    "rate limited: {platform}'s usage headers said the account's call budget is nearly spent"
                ),
            ),
            Self::Malformed(m) => match step {
                Step::Harmless => Failure::retryable(m),
                Step::Commit => Failure::ambiguous(m),
            },
        }
    }

    /// The token was refused: the credentials provider should forget it.
    pub fn is_invalid_token(&self) -> bool {
        matches!(self, Self::Api(e) if matches!(e.code, 190 | 102))
    }
}

impl Graph<'_> {
    /// `GET {base}/{path}?{query}&access_token=…`.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, CallError> {
        self.gate()?;
        let url = format!("{}/{}", self.base, path.trim_start_matches('/'));
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("access_token", self.token.expose()));
        let what = format!("{} GET {}", self.platform, endpoint_name(path));
        self.answer(self.http.get(url).query(&q).send().await, &what)
            .await
    }

    /// `POST {base}/{path}` with a form body (the token included).
    pub async fn post(&self, path: &str, form: &[(&str, String)]) -> Result<Value, CallError> {
        self.gate()?;
        let url = format!("{}/{}", self.base, path.trim_start_matches('/'));
        let mut body: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        body.push(("access_token", self.token.expose()));
        let what = format!("{} POST {}", self.platform, endpoint_name(path));
        self.answer(self.http.post(url).form(&body).send().await, &what)
            .await
    }

    fn gate(&self) -> Result<(), CallError> {
        match self.usage.blocked_until(self.account, self.now) {
            Some(until) => Err(CallError::Throttled(until)),
            None => Ok(()),
        }
    }

    async fn answer(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        what: &str,
    ) -> Result<Value, CallError> {
        let resp =
            sent.map_err(|e| CallError::Transport(scrub(transport_failure(&e, what), self.token)))?;
        let status = resp.status().as_u16();
        self.usage.observe(self.account, resp.headers(), self.now);
        let text = resp
            .text()
            .await
            .map_err(|e| CallError::Transport(scrub(transport_failure(&e, what), self.token)))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if let Some(mut e) = GraphError::parse(status, &body) {
            e.message = self.token.scrub(&e.message);
            return Err(CallError::Api(e));
        }
        if !(200..300).contains(&status) {
            return Err(CallError::Api(GraphError {
                status,
                code: if status >= 500 { 1 } else { 0 },
                subcode: None,
                message: format!("{what} answered HTTP {status} without an error body"),
                transient: false,
            }));
        }
        if body.is_null() {
            return Err(CallError::Malformed(format!(
                "{what} answered HTTP {status} with a body that is not JSON"
            )));
        }
        Ok(body)
    }
}

fn scrub(mut f: Failure, token: &Secret) -> Failure {
    f.message = token.scrub(&f.message);
    f
}

/// `17841…/media` → `media`: ids out of messages (they are not secret, just noise).
fn endpoint_name(path: &str) -> String {
    let parts: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|p| !p.chars().all(|c| c.is_ascii_digit()))
        .collect();
    if parts.is_empty() {
        "object".into()
    } else {
        parts.join("/")
    }
}

/// The id in a `{"id": "…"}` answer.
pub fn id_of(body: &Value, what: &str) -> Result<String, CallError> {
    match body.get("id") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(CallError::Malformed(format!(
            "{what} answered without an id"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::FailureClass;
    use chrono::TimeZone;

    fn err(status: u16, code: i64, subcode: Option<i64>) -> GraphError {
        GraphError {
            status,
            code,
            subcode,
            message: "m".into(),
            transient: false,
        }
    }

    #[test]
    fn graph_errors_are_classified_from_the_platform_tables() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let class = |e: GraphError, step| e.classify("Instagram", step, now).class;
        let is_wait = |c: FailureClass| matches!(c, FailureClass::Wait { .. });
        assert!(is_wait(class(err(400, 190, Some(463)), Step::Harmless)));
        assert!(is_wait(class(err(400, 9, Some(2_207_042)), Step::Commit)));
        assert!(is_wait(class(err(400, 4, None), Step::Harmless)));
        assert_eq!(
            class(err(400, 9007, Some(2_207_027)), Step::Commit),
            FailureClass::Retryable {
                after_secs: Some(30)
            }
        );
        for sub in [
            2_207_001, 2_207_003, 2_207_008, 2_207_020, 2_207_032, 2_207_052,
        ] {
            assert!(
                matches!(
                    class(err(400, -1, Some(sub)), Step::Harmless),
                    FailureClass::Retryable { .. }
                ),
                "{sub}"
            );
        }
        for sub in [
            2_207_004, 2_207_005, 2_207_009, 2_207_010, 2_207_026, 2_207_028, 2_207_050, 2_207_051,
            2_207_057,
        ] {
            assert_eq!(
                class(err(400, 100, Some(sub)), Step::Harmless),
                FailureClass::Permanent,
                "{sub}"
            );
        }
        // A server error on the irreversible call may have been applied.
        assert_eq!(
            class(err(500, 1, None), Step::Commit),
            FailureClass::Ambiguous
        );
        assert_eq!(
            class(err(503, 0, None), Step::Commit),
            FailureClass::Ambiguous
        );
        assert!(matches!(
            class(err(500, 1, None), Step::Harmless),
            FailureClass::Retryable { .. }
        ));
        assert_eq!(
            class(err(400, 100, None), Step::Commit),
            FailureClass::Permanent
        );
    }

    #[test]
    fn usage_headers_near_the_limit_pause_the_account() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let usage = Usage::default();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-app-usage",
            r#"{"call_count":42,"total_cputime":10,"total_time":12}"#
                .parse()
                .unwrap(),
        );
        usage.observe("page", &headers, now);
        assert_eq!(usage.blocked_until("page", now), None);
        headers.insert("x-business-use-case-usage", r#"{"123":[{"type":"pages","call_count":96,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":0}]}"#.parse().unwrap());
        usage.observe("page", &headers, now);
        assert_eq!(
            usage.blocked_until("page", now),
            Some(now + chrono::Duration::minutes(5))
        );
        assert_eq!(usage.blocked_until("other", now), None);
    }

    #[test]
    fn envelopes_parse_and_paths_lose_their_ids() {
        let body = serde_json::json!({"error": {"message": "x", "type": "OAuthException", "code": 9007, "error_subcode": 2207027}});
        let e = GraphError::parse(400, &body).unwrap();
        assert_eq!((e.code, e.subcode), (9007, Some(2_207_027)));
        assert_eq!(endpoint_name("/17841400000/media_publish"), "media_publish");
        assert_eq!(endpoint_name("17841400000"), "object");
    }
}
