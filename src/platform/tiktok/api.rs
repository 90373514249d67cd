//! TikTok's Content Posting API as postcal calls it (docs/platform-rules.md §2.1–§2.5): one
//! function per endpoint, request and response structs named after TikTok's own fields. The
//! sandbox's `sandbox/tiktok/` serves the same endpoints from the other side.
//!
//! Requests are JSON `POST`s with `Authorization: Bearer {token}`; answers are
//! `{data, error:{code, message, log_id}}`, a success iff `error.code == "ok"`.
//!
//! # Guarantees
//! - A failed call is a [`CallError`], classified once by [`super::errors::classify`].
//! - No message carries the token (scrubbed) or a URL (reqwest errors lose theirs).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::platform::http::transport_failure;
use crate::reconcile::Failure;
use crate::secret::Secret;

pub const CREATOR_INFO: &str = "/v2/post/publish/creator_info/query/";
pub const VIDEO_INIT: &str = "/v2/post/publish/video/init/";
pub const CONTENT_INIT: &str = "/v2/post/publish/content/init/";
pub const STATUS_FETCH: &str = "/v2/post/publish/status/fetch/";

/// `creator_info/query` → `data` (docs/platform-rules.md §2.2).
#[derive(Debug, Clone, Deserialize)]
pub struct CreatorInfo {
    #[serde(default)]
    pub creator_username: String,
    #[serde(default)]
    pub creator_nickname: String,
    pub privacy_level_options: Vec<String>,
    #[serde(default)]
    pub comment_disabled: bool,
    #[serde(default)]
    pub duet_disabled: bool,
    #[serde(default)]
    pub stitch_disabled: bool,
    pub max_video_post_duration_sec: Option<u64>,
}

/// `post_info` (docs/platform-rules.md §2.3). Photo-only and video-only fields are `None` where
/// they do not apply, and are then left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PostInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub privacy_level: String,
    pub disable_comment: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_duet: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_stitch: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_cover_timestamp_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_add_music: Option<bool>,
    pub brand_content_toggle: bool,
    pub brand_organic_toggle: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_aigc: Option<bool>,
}

/// A video's `source_info` (docs/platform-rules.md §2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VideoSource {
    FileUpload {
        video_size: u64,
        chunk_size: u64,
        total_chunk_count: u64,
    },
    PullFromUrl {
        video_url: String,
    },
}

/// `video/init` (direct post).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VideoInit {
    pub post_info: PostInfo,
    pub source_info: VideoSource,
}

/// A photo post's `source_info`: pulled only (docs/platform-rules.md §2.4 `photo_images`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoSource {
    /// Always `PULL_FROM_URL`.
    pub source: &'static str,
    pub photo_cover_index: usize,
    pub photo_images: Vec<String>,
}

/// `content/init` for a photo direct post (`is_aigc` is top-level there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoInit {
    pub post_info: PostInfo,
    pub source_info: PhotoSource,
    /// Always `DIRECT_POST`.
    pub post_mode: &'static str,
    /// Always `PHOTO`.
    pub media_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_aigc: Option<bool>,
}

/// What an init answers.
#[derive(Debug, Clone, Deserialize)]
pub struct InitAnswer {
    pub publish_id: String,
    /// FILE_UPLOAD only: where the chunks go. A credential for an hour.
    #[serde(default)]
    pub upload_url: Option<String>,
}

/// `status/fetch` → `data` (docs/platform-rules.md §2.5).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PublishStatus {
    pub status: String,
    #[serde(default)]
    pub fail_reason: Option<String>,
    /// TikTok's spelling (sic). Numbers in TikTok's answers; strings accepted too.
    #[serde(default, alias = "publicly_available_post_id")]
    pub publicaly_available_post_id: Vec<Value>,
    #[serde(default)]
    pub uploaded_bytes: Option<u64>,
    #[serde(default)]
    pub downloaded_bytes: Option<u64>,
}

impl PublishStatus {
    /// The first public post id, as text.
    pub fn post_id(&self) -> Option<String> {
        self.publicaly_available_post_id
            .iter()
            .find_map(|v| match v {
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            })
    }
}

/// TikTok's error envelope, or an HTTP failure without one (`code` empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub log_id: String,
}

impl ApiError {
    /// `TikTok privacy_level_option_mismatch (HTTP 403, log_id …): message`.
    pub fn label(&self) -> String {
        let code = if self.code.is_empty() {
            "error"
        } else {
            &self.code
        };
        let log = if self.log_id.is_empty() {
            String::new()
        } else {
            format!(", log_id {}", self.log_id)
        };
        format!(
            "TikTok {code} (HTTP {}{log}): {}",
            self.status, self.message
        )
    }
}

/// A failed call, before classification.
#[derive(Debug)]
pub enum CallError {
    /// Classified already by [`transport_failure`].
    Transport(Failure),
    Api(ApiError),
    /// A success answer that is not what the API documents.
    Malformed(String),
}

impl CallError {
    /// The platform refused the token: the credentials provider should forget it.
    pub fn is_invalid_token(&self) -> bool {
        matches!(self, Self::Api(e) if matches!(e.code.as_str(), "access_token_invalid" | "scope_not_authorized"))
    }
}

/// The API as one account uses it.
pub struct Api<'a> {
    pub http: &'a reqwest::Client,
    /// `https://open.tiktokapis.com`, or the sandbox's.
    pub base: &'a str,
    pub token: &'a Secret,
}

impl Api<'_> {
    pub async fn creator_info(&self) -> Result<CreatorInfo, CallError> {
        self.call(CREATOR_INFO, &serde_json::json!({}), "creator_info/query")
            .await
    }

    pub async fn video_init(&self, req: &VideoInit) -> Result<InitAnswer, CallError> {
        self.call(VIDEO_INIT, req, "video/init").await
    }

    pub async fn content_init(&self, req: &PhotoInit) -> Result<InitAnswer, CallError> {
        self.call(CONTENT_INIT, req, "content/init").await
    }

    pub async fn status_fetch(&self, publish_id: &str) -> Result<PublishStatus, CallError> {
        let body = serde_json::json!({ "publish_id": publish_id });
        self.call(STATUS_FETCH, &body, "status/fetch").await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
        name: &str,
    ) -> Result<T, CallError> {
        let what = format!("TikTok {name}");
        let url = format!("{}{path}", self.base.trim_end_matches('/'));
        let body = serde_json::to_vec(body)
            .map_err(|e| CallError::Malformed(format!("{what}: cannot encode the request: {e}")))?;
        let transport = |e: reqwest::Error| {
            let mut f = transport_failure(&e.without_url(), &what);
            f.message = self.token.scrub(&f.message);
            CallError::Transport(f)
        };
        let resp = self
            .http
            .post(url)
            .bearer_auth(self.token.expose())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=UTF-8",
            )
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(transport)?;
        parse_answer(status, &text, &what, self.token)
    }
}

/// Reads an answer: `data` when `error.code` is `ok`, else the error.
pub fn parse_answer<T: DeserializeOwned>(
    status: u16,
    text: &str,
    what: &str,
    token: &Secret,
) -> Result<T, CallError> {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let error = body.get("error");
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let ok = (200..300).contains(&status);
    if code == "ok" && ok {
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        return serde_json::from_value(data).map_err(|e| {
            CallError::Malformed(format!(
                "{what} answered data TikTok does not document: {e}"
            ))
        });
    }
    if code.is_empty() && ok {
        return Err(CallError::Malformed(format!(
            "{what} answered HTTP {status} without TikTok's envelope"
        )));
    }
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let message = if error.is_some() {
        token.scrub(&field("message"))
    } else {
        format!("{what} answered HTTP {status} without an error body")
    };
    Err(CallError::Api(ApiError {
        status,
        code: if code == "ok" {
            String::new()
        } else {
            code.to_owned()
        },
        message,
        log_id: field("log_id"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_serialize_with_tiktoks_field_names() {
        let init = VideoInit {
            post_info: PostInfo {
                title: Some("t".into()),
                privacy_level: "SELF_ONLY".into(),
                disable_comment: true,
                disable_duet: Some(true),
                ..PostInfo::default()
            },
            source_info: VideoSource::FileUpload {
                video_size: 10,
                chunk_size: 10,
                total_chunk_count: 1,
            },
        };
        assert_eq!(
            serde_json::to_value(&init).unwrap(),
            json!({
                "post_info": {"title": "t", "privacy_level": "SELF_ONLY", "disable_comment": true,
                    "disable_duet": true, "brand_content_toggle": false, "brand_organic_toggle": false},
                "source_info": {"source": "FILE_UPLOAD", "video_size": 10, "chunk_size": 10, "total_chunk_count": 1}
            })
        );
        let pull = VideoSource::PullFromUrl {
            video_url: "https://x/v.mp4".into(),
        };
        assert_eq!(
            serde_json::to_value(&pull).unwrap(),
            json!({"source": "PULL_FROM_URL", "video_url": "https://x/v.mp4"})
        );
    }

    #[test]
    fn answers_succeed_only_with_error_code_ok() {
        let token = Secret::from("act.secret-token-123");
        let ok: InitAnswer = parse_answer(
            200,
            r#"{"data":{"publish_id":"v_pub_1"},"error":{"code":"ok","message":"","log_id":"L"}}"#,
            "TikTok video/init",
            &token,
        )
        .unwrap();
        assert_eq!(ok.publish_id, "v_pub_1");
        let refused = parse_answer::<InitAnswer>(
            403,
            r#"{"data":{},"error":{"code":"privacy_level_option_mismatch","message":"bad act.secret-token-123","log_id":"L2"}}"#,
            "TikTok video/init",
            &token,
        )
        .unwrap_err();
        let CallError::Api(e) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(e.code, "privacy_level_option_mismatch");
        assert!(!e.label().contains("secret-token"), "{}", e.label());
        assert!(e.label().contains("log_id L2"));
        let bare = parse_answer::<InitAnswer>(502, "<html>", "TikTok video/init", &token);
        assert!(matches!(
            bare,
            Err(CallError::Api(ApiError { status: 502, .. }))
        ));
        let no_envelope = parse_answer::<InitAnswer>(200, "{}", "TikTok video/init", &token);
        assert!(matches!(no_envelope, Err(CallError::Malformed(_))));
        let no_id = parse_answer::<InitAnswer>(
            200,
            r#"{"data":{},"error":{"code":"ok"}}"#,
            "TikTok video/init",
            &token,
        );
        assert!(matches!(no_id, Err(CallError::Malformed(_))));
    }

    #[test]
    fn post_ids_are_read_as_numbers_or_text() {
        let s: PublishStatus = serde_json::from_value(
            json!({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7301234567890123456u64]}),
        )
        .unwrap();
        assert_eq!(s.post_id().as_deref(), Some("7301234567890123456"));
        let s: PublishStatus = serde_json::from_value(
            json!({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": []}),
        )
        .unwrap();
        assert_eq!(s.post_id(), None);
    }
}
