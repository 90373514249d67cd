//! The platforms' error envelopes, built in one place so every endpoint answers errors exactly
//! as its real counterpart does.
//!
//! - Graph API (Instagram, Facebook, Threads): `{"error":{"message","type","code",
//!   "error_subcode","fbtrace_id"}}` (docs/platform-rules.md §1.5, §1.6).
//! - `api.instagram.com/oauth/access_token`: the older Instagram shape
//!   `{"error_type","code","error_message"}`.
//! - TikTok content API: `{"data":{},"error":{"code","message","log_id"}}`, success iff
//!   `error.code == "ok"` (docs/platform-rules.md §2.1).
//! - TikTok OAuth: `{"error","error_description","log_id"}`.
//!
//! # Guarantees
//! - No constructor takes a token: messages name parameters and ids, never secret values.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A Graph API error (Instagram, Facebook, Threads).
#[derive(Debug, Clone, PartialEq)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: i64,
    pub subcode: Option<i64>,
    pub kind: &'static str,
    pub message: String,
    pub user_title: Option<String>,
    pub user_msg: Option<String>,
}

impl GraphError {
    /// An `OAuthException` with HTTP 400, Graph's usual shape.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            subcode: None,
            kind: "OAuthException",
            message: message.into(),
            user_title: None,
            user_msg: None,
        }
    }

    pub fn subcode(mut self, subcode: i64) -> Self {
        self.subcode = Some(subcode);
        self
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn user(mut self, title: &str, msg: &str) -> Self {
        self.user_title = Some(title.into());
        self.user_msg = Some(msg.into());
        self
    }

    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// `(#100) The parameter X is required`.
    pub fn param_required(name: &str) -> Self {
        Self::new(100, format!("(#100) The parameter {name} is required"))
    }

    /// `(#100) <what is wrong>`: a bad parameter value.
    pub fn invalid_param(message: impl std::fmt::Display) -> Self {
        Self::new(100, format!("(#100) {message}"))
    }

    /// Graph's answer for an id that does not exist or that this token may not see
    /// (code 100, subcode 33).
    pub fn no_object(method: &str, id: &str) -> Self {
        Self::new(
            100,
            format!(
                "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
            ),
        )
        .subcode(33)
        .kind("GraphMethodException")
    }

    /// An edge or path segment Graph does not know.
    pub fn unknown_path(path: &str) -> Self {
        Self::new(2500, format!("Unknown path components: {path}"))
    }

    /// No token at all (code 104).
    pub fn token_required() -> Self {
        Self::new(104, "An access token is required to request this resource.")
    }

    /// A token Graph cannot parse or does not know (code 190).
    pub fn token_invalid() -> Self {
        Self::new(
            190,
            "Invalid OAuth access token - Cannot parse access token",
        )
    }

    /// A missing permission (code 10).
    pub fn permission(scope: &str) -> Self {
        Self::new(
            10,
            format!(
                "(#10) Application does not have permission for this action: {scope} is required"
            ),
        )
    }

    /// A transient server error, as `apply then answer 500` sends it.
    pub fn internal() -> Self {
        Self::new(
            2,
            "An unexpected error has occurred. Please retry your request later.",
        )
        .status(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn body(&self, fbtrace_id: &str) -> Value {
        let mut error = json!({
            "message": self.message,
            "type": self.kind,
            "code": self.code,
            "fbtrace_id": fbtrace_id,
        });
        if let Some(sub) = self.subcode {
            error["error_subcode"] = json!(sub);
        }
        if let (Some(t), Some(m)) = (&self.user_title, &self.user_msg) {
            error["is_transient"] = json!(false);
            error["error_user_title"] = json!(t);
            error["error_user_msg"] = json!(m);
        }
        json!({ "error": error })
    }

    pub fn into_response_with(self, fbtrace_id: &str) -> Response {
        let mut resp = (self.status, axum::Json(self.body(fbtrace_id))).into_response();
        if self.code == 190 || self.code == 104 {
            // Graph names the problem in WWW-Authenticate for token errors.
            let value = format!(
                "OAuth \"Facebook Platform\" \"invalid_token\" \"{}\"",
                self.message.replace('"', "'")
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        resp
    }
}

/// The older error shape of `api.instagram.com/oauth/access_token`.
#[derive(Debug, Clone, PartialEq)]
pub struct IgOAuthError {
    pub message: String,
}

impl IgOAuthError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    pub fn into_response(self) -> Response {
        let body =
            json!({ "error_type": "OAuthException", "code": 400, "error_message": self.message });
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    }
}

/// A TikTok content-API error (`error.code` is a string).
#[derive(Debug, Clone, PartialEq)]
pub struct TikTokError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

impl TikTokError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// docs/platform-rules.md §2.5 "invalid_params" (400): one or more fields are invalid. TikTok's
    /// v2 error page and real responses spell it in the plural; an older copy of the Direct Post
    /// table reads `invalid_param`. The sandbox answers the plural; clients should accept both.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_params", message)
    }

    /// `status/fetch` for a `publish_id` that does not exist (TT-STATUS, HTTP 400).
    pub fn invalid_publish_id() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_publish_id",
            "The publish_id does not exist.",
        )
    }

    /// `status/fetch` for another creator's `publish_id` (TT-STATUS, HTTP 400).
    pub fn foreign_publish_id() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "token_not_authorized_for_specified_publish_id",
            "The access token is not authorized for the specified publish_id.",
        )
    }

    /// docs/platform-rules.md §2.5 "access_token_invalid" (401).
    pub fn token_invalid() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "access_token_invalid",
            "The access token is invalid or not found in the request.",
        )
    }

    /// docs/platform-rules.md §2.5 "scope_not_authorized" (401).
    pub fn scope(scope: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "scope_not_authorized",
            format!(
                "The user did not authorize the scope required for completing this request ({scope})."
            ),
        )
    }

    /// docs/platform-rules.md §2.5 "rate_limit_exceeded" (429).
    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            "The API rate limit was exceeded. Please try again later.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal error, please retry later.",
        )
    }

    /// The HTTP status TikTok uses for a given error code (docs/platform-rules.md §2.5 table).
    pub fn status_for(code: &str) -> StatusCode {
        match code {
            "invalid_param"
            | "invalid_params"
            | "invalid_publish_id"
            | "token_not_authorized_for_specified_publish_id"
            | "invalid_file_upload"
            | "scope_permission_missed" => StatusCode::BAD_REQUEST,
            "access_token_invalid" | "scope_not_authorized" => StatusCode::UNAUTHORIZED,
            "rate_limit_exceeded" => StatusCode::TOO_MANY_REQUESTS,
            "internal_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::FORBIDDEN,
        }
    }

    pub fn into_response_with(self, log_id: &str) -> Response {
        (
            self.status,
            axum::Json(tiktok_body(json!({}), &self.code, &self.message, log_id)),
        )
            .into_response()
    }
}

/// A TikTok success or error body.
pub fn tiktok_body(data: Value, code: &str, message: &str, log_id: &str) -> Value {
    json!({ "data": data, "error": { "code": code, "message": message, "log_id": log_id } })
}

/// A TikTok OAuth error (`/v2/oauth/token/`, `/v2/oauth/revoke/`).
#[derive(Debug, Clone, PartialEq)]
pub struct TikTokOAuthError {
    pub error: &'static str,
    pub description: String,
}

impl TikTokOAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }

    pub fn into_response_with(self, log_id: &str) -> Response {
        let status = match self.error {
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            "invalid_client" => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        let body =
            json!({ "error": self.error, "error_description": self.description, "log_id": log_id });
        (status, axum::Json(body)).into_response()
    }
}

/// Which envelope a host speaks, so generic code (faults, unknown paths) answers in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    Graph,
    IgOAuth,
    TikTok,
    TikTokOAuth,
    /// Sandbox-only endpoints (admin, authorize pages): plain JSON.
    Plain,
}

/// An error in whichever envelope the endpoint speaks.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    Graph(GraphError),
    IgOAuth(IgOAuthError),
    TikTok(TikTokError),
    TikTokOAuth(TikTokOAuthError),
    Plain(StatusCode, String),
}

impl From<GraphError> for ApiError {
    fn from(e: GraphError) -> Self {
        Self::Graph(e)
    }
}
impl From<TikTokError> for ApiError {
    fn from(e: TikTokError) -> Self {
        Self::TikTok(e)
    }
}
impl From<IgOAuthError> for ApiError {
    fn from(e: IgOAuthError) -> Self {
        Self::IgOAuth(e)
    }
}
impl From<TikTokOAuthError> for ApiError {
    fn from(e: TikTokOAuthError) -> Self {
        Self::TikTokOAuth(e)
    }
}

impl ApiError {
    /// The transient server error of an envelope (`apply then answer 500`).
    pub fn internal(envelope: Envelope) -> Self {
        match envelope {
            Envelope::Graph => GraphError::internal().into(),
            Envelope::IgOAuth => {
                Self::Plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
            }
            Envelope::TikTok => TikTokError::internal().into(),
            Envelope::TikTokOAuth => {
                TikTokOAuthError::new("server_error", "Internal server error").into()
            }
            Envelope::Plain => {
                Self::Plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
            }
        }
    }

    /// Renders the error; `trace_id` becomes Graph's `fbtrace_id` or TikTok's `log_id`.
    pub fn into_response_with(self, trace_id: &str) -> Response {
        match self {
            Self::Graph(e) => e.into_response_with(trace_id),
            Self::IgOAuth(e) => e.into_response(),
            Self::TikTok(e) => e.into_response_with(trace_id),
            Self::TikTokOAuth(e) => e.into_response_with(trace_id),
            Self::Plain(status, message) => {
                (status, axum::Json(json!({ "error": message }))).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_body_has_every_field_and_omits_a_missing_subcode() {
        let with = GraphError::new(9007, "Media ID is not available")
            .subcode(2207027)
            .body("AbC");
        assert_eq!(with["error"]["code"], 9007);
        assert_eq!(with["error"]["error_subcode"], 2207027);
        assert_eq!(with["error"]["type"], "OAuthException");
        assert_eq!(with["error"]["fbtrace_id"], "AbC");
        let without = GraphError::token_invalid().body("x");
        assert!(without["error"].get("error_subcode").is_none());
    }

    #[test]
    fn tiktok_status_follows_the_documented_table() {
        for (code, status) in [
            ("invalid_param", 400),
            ("invalid_params", 400),
            ("invalid_publish_id", 400),
            ("access_token_invalid", 401),
            ("scope_not_authorized", 401),
            ("rate_limit_exceeded", 429),
            ("privacy_level_option_mismatch", 403),
            ("spam_risk_too_many_posts", 403),
            ("internal_error", 500),
        ] {
            assert_eq!(TikTokError::status_for(code).as_u16(), status, "{code}");
        }
    }
}
