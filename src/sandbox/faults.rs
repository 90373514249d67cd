//! Fault injection: make chosen endpoints fail, slow down, hang, or apply a commit and then
//! lose the answer, deterministically from a seed.
//!
//! A [`FaultPlan`] comes from a YAML file (`postcal sandbox --faults FILE`), the admin endpoint
//! (`PUT /_sandbox/faults`) or code ([`Faults::set`]). Each rule names an endpoint (see
//! [`ENDPOINTS`]; `instagram.*` and `*` match several), a probability, and optionally how many
//! matching calls to let through first (`skip`) and how many times to fire (`times`).
//!
//! ```yaml
//! seed: 7
//! rules:
//!   - endpoint: instagram.media_publish
//!     action: apply_then_drop          # the post is made, the client sees a closed connection
//!     times: 1
//!   - endpoint: tiktok.video_init
//!     rate: 0.5
//!     action: { error: { code: rate_limit_exceeded } }
//!   - endpoint: instagram.processing   # the container ends in ERROR with this subcode
//!     action: { processing_error: { subcode: 2207001 } }
//! ```
//!
//! # Guarantees
//! - Same plan, same seed, same sequence of calls: same faults.
//! - `apply_then_drop` / `apply_then_500` run the endpoint in full (the ledger has the post)
//!   before the connection is dropped or the 500 is sent.
//! - A hang ends when the sandbox shuts down (the connection is then dropped), so shutdown
//!   never waits forever.

use std::sync::Mutex;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::errors::{ApiError, Envelope, GraphError, IgOAuthError, TikTokError, TikTokOAuthError};
use super::rng::Rng;

/// Every endpoint name a rule can match, with the processing pseudo-endpoints.
pub const ENDPOINTS: &[&str] = &[
    "instagram.create_container",
    "instagram.container_status",
    "instagram.media_publish",
    "instagram.publishing_limit",
    "instagram.read_media",
    "instagram.read_user",
    "instagram.list_media",
    "instagram.processing",
    "threads.create_container",
    "threads.container_status",
    "threads.publish",
    "threads.publishing_limit",
    "threads.read_post",
    "threads.read_user",
    "threads.list_posts",
    "threads.processing",
    "facebook.feed",
    "facebook.photos",
    "facebook.videos",
    "facebook.read_post",
    "facebook.read_user",
    "facebook.accounts",
    "facebook.list_posts",
    "facebook.list_videos",
    "tiktok.creator_info",
    "tiktok.video_init",
    "tiktok.inbox_video_init",
    "tiktok.content_init",
    "tiktok.upload_chunk",
    "tiktok.status_fetch",
    "tiktok.processing",
    "oauth.facebook.authorize",
    "oauth.facebook.token",
    "oauth.instagram.authorize",
    "oauth.instagram.token",
    "oauth.instagram.exchange",
    "oauth.instagram.refresh",
    "oauth.threads.authorize",
    "oauth.threads.token",
    "oauth.threads.exchange",
    "oauth.threads.refresh",
    "oauth.tiktok.authorize",
    "oauth.tiktok.token",
    "oauth.tiktok.revoke",
];

/// A set of fault rules and the seed their dice use.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FaultPlan {
    /// Seed for the rules' dice; the sandbox seed when absent.
    pub seed: Option<u64>,
    pub rules: Vec<FaultRule>,
}

/// One rule: which calls, how often, and what happens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// An endpoint name from [`ENDPOINTS`], `platform.*`, or `*`.
    pub endpoint: String,
    /// Probability that a matching call is hit (default 1).
    #[serde(default = "always")]
    pub rate: f64,
    /// Matching calls let through before the rule starts.
    #[serde(default)]
    pub skip: u32,
    /// How many times the rule fires at most (default: no limit).
    #[serde(default)]
    pub times: Option<u32>,
    pub action: FaultAction,
}

impl FaultPlan {
    /// Reads a plan from a YAML (or JSON) file: a regular file of at most
    /// [`super::config::MAX_FILE_BYTES`].
    pub fn from_file(path: &std::path::Path) -> Result<Self, super::config::ConfigError> {
        let text = super::config::read_small_file(path)?;
        serde_saphyr::from_str(&text).map_err(|e| super::config::ConfigError::FaultPlan {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}

fn always() -> f64 {
    1.0
}

impl FaultRule {
    pub fn new(endpoint: &str, action: FaultAction) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            rate: 1.0,
            skip: 0,
            times: None,
            action,
        }
    }

    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    pub fn skip(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }

    fn matches(&self, endpoint: &str) -> bool {
        match self.endpoint.strip_suffix('*') {
            Some(prefix) => endpoint.starts_with(prefix),
            None => self.endpoint == endpoint,
        }
    }
}

/// What a fault does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with this error instead of doing anything.
    Error(ErrorFault),
    /// Wait this long (real time) before handling the call.
    Latency { ms: u64 },
    /// Never answer (until the sandbox shuts down).
    Hang,
    /// Do the call, then close the connection without an answer.
    ApplyThenDrop,
    /// Do the call, then answer HTTP 500 with the platform's internal-error envelope.
    #[serde(rename = "apply_then_500")]
    ApplyThen500,
    /// For `*.processing`: processing ends in failure.
    ProcessingError(ProcessingFault),
}

/// An injected error. `code` is Graph's number or TikTok's string.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ErrorFault {
    pub code: FaultCode,
    #[serde(default)]
    pub subcode: Option<i64>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum FaultCode {
    Number(i64),
    Text(String),
}

/// How processing fails: Instagram subcode, Threads `error_message`, TikTok `fail_reason`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessingFault {
    pub subcode: Option<i64>,
    pub error_message: Option<String>,
    pub fail_reason: Option<String>,
}

impl ErrorFault {
    /// The error in the envelope of the endpoint it hits.
    pub(crate) fn to_api_error(&self, envelope: Envelope) -> ApiError {
        let status = self.status.and_then(|s| StatusCode::from_u16(s).ok());
        let code_text = match &self.code {
            FaultCode::Number(n) => n.to_string(),
            FaultCode::Text(t) => t.clone(),
        };
        let message = self
            .message
            .clone()
            .unwrap_or_else(|| format!("Injected fault ({code_text})"));
        match envelope {
            Envelope::Graph => {
                let code = match &self.code {
                    FaultCode::Number(n) => *n,
                    FaultCode::Text(t) => t.parse().unwrap_or(1),
                };
                let mut e = GraphError::new(code, message);
                e.subcode = self.subcode;
                let default = if matches!(code, 1 | 2) {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::BAD_REQUEST
                };
                e.status(status.unwrap_or(default)).into()
            }
            Envelope::TikTok => {
                let s = status.unwrap_or_else(|| TikTokError::status_for(&code_text));
                TikTokError::new(s, &code_text, message).into()
            }
            Envelope::TikTokOAuth => TikTokOAuthError::new("server_error", message).into(),
            Envelope::IgOAuth => IgOAuthError::new(message).into(),
            Envelope::Plain => {
                ApiError::Plain(status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), message)
            }
        }
    }
}

struct Armed {
    plan: FaultPlan,
    rng: Rng,
    matched: Vec<u32>,
    fired: Vec<u32>,
}

impl Armed {
    fn new(plan: FaultPlan, default_seed: u64) -> Self {
        let n = plan.rules.len();
        Self {
            rng: Rng::new(plan.seed.unwrap_or(default_seed)),
            plan,
            matched: vec![0; n],
            fired: vec![0; n],
        }
    }
}

/// The live fault plan of a sandbox.
pub struct Faults {
    armed: Mutex<Armed>,
    default_seed: u64,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("plan", &self.plan())
            .finish()
    }
}

impl Faults {
    pub(crate) fn new(plan: FaultPlan, default_seed: u64) -> Self {
        Self {
            armed: Mutex::new(Armed::new(plan, default_seed)),
            default_seed,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Armed> {
        self.armed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the plan (rule counters and dice start over).
    pub fn set(&self, plan: FaultPlan) {
        *self.lock() = Armed::new(plan, self.default_seed);
    }

    /// Adds one rule to the current plan.
    pub fn add(&self, rule: FaultRule) {
        let mut a = self.lock();
        a.plan.rules.push(rule);
        a.matched.push(0);
        a.fired.push(0);
    }

    pub fn clear(&self) {
        self.set(FaultPlan::default());
    }

    pub fn plan(&self) -> FaultPlan {
        self.lock().plan.clone()
    }

    /// The fault for this call of `endpoint`, if a rule fires. Processing rules only fire for
    /// `*.processing`, request rules only for real endpoints.
    pub(crate) fn draw(&self, endpoint: &str) -> Option<FaultAction> {
        let processing = endpoint.ends_with(".processing");
        let mut a = self.lock();
        let Armed {
            plan,
            rng,
            matched,
            fired,
        } = &mut *a;
        for (i, rule) in plan.rules.iter().enumerate() {
            let is_processing_rule = matches!(rule.action, FaultAction::ProcessingError(_));
            if is_processing_rule != processing || !rule.matches(endpoint) {
                continue;
            }
            matched[i] += 1;
            if matched[i] <= rule.skip || rule.times.is_some_and(|t| fired[i] >= t) {
                continue;
            }
            if rule.rate >= 1.0 || rng.unit() < rule.rate {
                fired[i] += 1;
                return Some(rule.action.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drop_rule() -> FaultRule {
        FaultRule::new("instagram.media_publish", FaultAction::ApplyThenDrop)
    }

    #[test]
    fn skip_and_times_bound_when_a_rule_fires() {
        let f = Faults::new(
            FaultPlan {
                seed: None,
                rules: vec![drop_rule().skip(1).times(2)],
            },
            1,
        );
        let fired: Vec<bool> = (0..5)
            .map(|_| f.draw("instagram.media_publish").is_some())
            .collect();
        assert_eq!(fired, [false, true, true, false, false]);
        assert!(f.draw("threads.publish").is_none());
    }

    #[test]
    fn wildcards_match_by_prefix_and_processing_rules_stay_apart() {
        let processing = FaultAction::ProcessingError(ProcessingFault {
            subcode: Some(2207001),
            ..Default::default()
        });
        let f = Faults::new(
            FaultPlan {
                seed: None,
                rules: vec![
                    FaultRule::new("instagram.*", processing),
                    FaultRule::new("tiktok.*", FaultAction::Hang),
                ],
            },
            1,
        );
        assert!(f.draw("instagram.media_publish").is_none());
        assert!(matches!(
            f.draw("instagram.processing"),
            Some(FaultAction::ProcessingError(_))
        ));
        assert_eq!(f.draw("tiktok.video_init"), Some(FaultAction::Hang));
        assert!(f.draw("tiktok.processing").is_none());
    }

    #[test]
    fn rates_are_deterministic_for_a_seed() {
        let run = |seed| {
            let f = Faults::new(
                FaultPlan {
                    seed: Some(seed),
                    rules: vec![drop_rule().rate(0.5)],
                },
                1,
            );
            (0..64)
                .map(|_| f.draw("instagram.media_publish").is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
        let hits = run(3).iter().filter(|h| **h).count();
        assert!((16..=48).contains(&hits), "{hits}");
    }

    #[test]
    fn plans_parse_from_yaml() {
        let yaml = "seed: 7\nrules:\n  - endpoint: instagram.media_publish\n    action: apply_then_drop\n    times: 1\n  - endpoint: tiktok.video_init\n    rate: 0.5\n    action: { error: { code: rate_limit_exceeded } }\n  - endpoint: instagram.media_publish\n    action: { error: { code: 9, subcode: 2207042 } }\n  - endpoint: '*'\n    action: { latency: { ms: 5 } }\n  - endpoint: facebook.feed\n    action: apply_then_500\n  - endpoint: instagram.processing\n    action: { processing_error: { subcode: 2207001 } }\n";
        let plan: FaultPlan = serde_saphyr::from_str(yaml).unwrap();
        assert_eq!(plan.rules.len(), 6);
        assert_eq!(plan.rules[0].action, FaultAction::ApplyThenDrop);
        assert_eq!(
            plan.rules[1].action,
            FaultAction::Error(ErrorFault {
                code: FaultCode::Text("rate_limit_exceeded".into()),
                subcode: None,
                status: None,
                message: None
            })
        );
        let FaultAction::Error(e) = &plan.rules[2].action else {
            panic!()
        };
        assert_eq!(
            (e.code.clone(), e.subcode),
            (FaultCode::Number(9), Some(2207042))
        );
        assert_eq!(plan.rules[4].action, FaultAction::ApplyThen500);
    }

    #[test]
    fn injected_errors_use_the_hit_endpoints_envelope() {
        let e = ErrorFault {
            code: FaultCode::Number(9),
            subcode: Some(2207042),
            status: None,
            message: None,
        };
        let ApiError::Graph(g) = e.to_api_error(Envelope::Graph) else {
            panic!()
        };
        assert_eq!(
            (g.code, g.subcode, g.status.as_u16()),
            (9, Some(2207042), 400)
        );
        let e = ErrorFault {
            code: FaultCode::Text("rate_limit_exceeded".into()),
            subcode: None,
            status: None,
            message: None,
        };
        let ApiError::TikTok(t) = e.to_api_error(Envelope::TikTok) else {
            panic!()
        };
        assert_eq!(t.status.as_u16(), 429);
    }
}
