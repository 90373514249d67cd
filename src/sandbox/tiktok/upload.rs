//! TikTok FILE_UPLOAD: the chunk plan declared at `video/init` and the chunked `PUT`s to the
//! `upload_url` (platform-rules §2.4 "FILE_UPLOAD init fields", "Chunk size", "Upload
//! request", "`upload_url` lifetime").
//!
//! # Guarantees
//! - Chunks must arrive in order with exactly the planned byte ranges: 206 while more are due,
//!   201 after the last, 416 for a range that is not the next one, 403 once the URL expired.
//! - Re-sending the chunk that was just accepted (its answer was lost) is answered again
//!   without appending anything.
//!
//! # Assumptions
//! - "5 MB" and "64 MB" are read leniently: a chunk is accepted from 5,000,000 bytes up to
//!   64 MiB, so clients using either decimal or binary megabytes pass.

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};

use crate::sandbox::container::Check;
use crate::sandbox::engine::Engine;
use crate::sandbox::errors::{ApiError, Envelope, TikTokError};
use crate::sandbox::judge::Want;
use crate::sandbox::media::Fetched;
use crate::sandbox::request::parse_urlencoded;
use crate::sandbox::server::{ConnHandle, gate};

const MIN_CHUNK: u64 = 5_000_000;
const MAX_CHUNK: u64 = 64 * 1024 * 1024;
const MAX_LAST_CHUNK: u64 = 128 * 1024 * 1024;
const MAX_VIDEO: u64 = 4 * 1024 * 1024 * 1024;

/// The chunk plan of one upload and what has arrived so far.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub upload_id: String,
    pub upload_token: String,
    pub video_size: u64,
    pub chunk_size: u64,
    pub total_chunks: u64,
    pub chunks_done: u64,
    pub data: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// platform-rules §2.4 "Chunk size" and `total_chunk_count = floor(video_size / chunk_size)`.
pub(crate) fn validate_plan(video_size: u64, chunk_size: u64, total: u64) -> Result<(), String> {
    if video_size == 0 || video_size > MAX_VIDEO {
        return Err(format!(
            "video_size must be between 1 byte and 4 GB, got {video_size}"
        ));
    }
    if video_size < MIN_CHUNK {
        return if chunk_size == video_size && total == 1 {
            Ok(())
        } else {
            Err("a video under 5 MB must be uploaded as one chunk: chunk_size = video_size, total_chunk_count = 1".into())
        };
    }
    if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
        return Err(format!(
            "chunk_size must be between 5 MB and 64 MB, got {chunk_size}"
        ));
    }
    let expected = video_size / chunk_size;
    if total != expected {
        return Err(format!(
            "total_chunk_count must be floor(video_size / chunk_size) = {expected}, got {total}"
        ));
    }
    if !(1..=1000).contains(&total) {
        return Err(format!(
            "total_chunk_count must be between 1 and 1000, got {total}"
        ));
    }
    let last = video_size - (total - 1) * chunk_size;
    if last > MAX_LAST_CHUNK {
        return Err(format!(
            "the last chunk would be {last} bytes; it may not exceed 128 MB"
        ));
    }
    Ok(())
}

impl Upload {
    /// The byte range chunk `index` must cover.
    fn range(&self, index: u64) -> (u64, u64) {
        let start = index * self.chunk_size;
        let end = if index + 1 == self.total_chunks {
            self.video_size - 1
        } else {
            start + self.chunk_size - 1
        };
        (start, end)
    }
}

/// `Content-Range: bytes a-b/total`.
fn content_range(headers: &HeaderMap) -> Option<(u64, u64, u64)> {
    let raw = headers.get(header::CONTENT_RANGE)?.to_str().ok()?.trim();
    let rest = raw.strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

fn fail(status: StatusCode, code: &str, message: &str) -> ApiError {
    TikTokError::new(status, code, message).into()
}

/// `PUT {upload_url}` (platform-rules §2.4 "Upload request").
pub(crate) async fn put_chunk(
    State(engine): State<Arc<Engine>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    gate(
        &engine,
        &conn,
        "tiktok.upload_chunk",
        Envelope::TikTok,
        || chunk(engine.clone(), req),
    )
    .await
}

async fn chunk(engine: Arc<Engine>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let query = parse_urlencoded(parts.uri.query().unwrap_or(""));
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (upload_id, upload_token) = (get("upload_id"), get("upload_token"));
    let ctype = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !["video/mp4", "video/quicktime", "video/webm"]
        .iter()
        .any(|t| ctype.starts_with(t))
    {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_param",
            "Content-Type must be video/mp4, video/quicktime or video/webm",
        ));
    }
    let Some((start, end, total)) = content_range(&parts.headers) else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_param",
            "Content-Range must be 'bytes {first}-{last}/{total}'",
        ));
    };
    let Ok(bytes) = to_bytes(body, (MAX_LAST_CHUNK + 1) as usize).await else {
        return Err(fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_param",
            "The chunk is larger than 128 MB",
        ));
    };
    let now = engine.now();
    let mut world = engine.world();
    super::catch_up(&mut world, now);
    let Some(owner) = world
        .tiktok
        .by_upload_id(&upload_id)
        .map(|p| p.owner.clone())
    else {
        return Err(fail(
            StatusCode::NOT_FOUND,
            "invalid_param",
            "Unknown upload_id",
        ));
    };
    let max_duration = world
        .account(&owner)
        .map_or(600, |a| a.tiktok.max_video_post_duration_sec);
    let Some(publish) = world.tiktok.by_upload_id(&upload_id) else {
        return Err(fail(
            StatusCode::NOT_FOUND,
            "invalid_param",
            "Unknown upload_id",
        ));
    };
    let Some(up) = publish
        .upload
        .as_mut()
        .filter(|u| u.upload_token == upload_token)
    else {
        return Err(fail(
            StatusCode::FORBIDDEN,
            "access_token_invalid",
            "The upload_token does not match this upload",
        ));
    };
    if now >= up.expires_at {
        return Err(fail(
            StatusCode::FORBIDDEN,
            "invalid_param",
            "The upload_url has expired (1 hour)",
        ));
    }
    if total != up.video_size || end < start || end >= total {
        return Err(fail(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalid_param",
            "Content-Range does not match video_size",
        ));
    }
    let created = || StatusCode::CREATED.into_response();
    let partial = || StatusCode::PARTIAL_CONTENT.into_response();
    // The chunk just accepted, sent again because its answer was lost.
    if up.chunks_done > 0 && up.range(up.chunks_done - 1) == (start, end) {
        return Ok(if up.chunks_done == up.total_chunks {
            created()
        } else {
            partial()
        });
    }
    if up.chunks_done >= up.total_chunks || up.range(up.chunks_done) != (start, end) {
        return Err(fail(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalid_param",
            "This is not the next chunk's byte range",
        ));
    }
    if bytes.len() as u64 != end - start + 1 {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_param",
            "The body length does not match Content-Range",
        ));
    }
    up.data.extend_from_slice(&bytes);
    up.chunks_done += 1;
    if up.chunks_done < up.total_chunks {
        return Ok(partial());
    }
    up.completed_at = Some(now);
    let file = Fetched::from_bytes(None, &std::mem::take(&mut up.data));
    let want = Want::TikTokVideo {
        max_duration_sec: max_duration,
    };
    let outcome = want.judge(&file).map(|()| vec![file.ledger_media()]);
    publish.check = Check::Done(outcome);
    publish.started_at = now;
    Ok(created())
}

/// A fresh upload with a one-hour URL.
pub(crate) fn new_upload(
    upload_id: String,
    upload_token: String,
    video_size: u64,
    chunk_size: u64,
    total: u64,
    now: DateTime<Utc>,
) -> Upload {
    Upload {
        upload_id,
        upload_token,
        video_size,
        chunk_size,
        total_chunks: total,
        chunks_done: 0,
        data: Vec::new(),
        expires_at: now + Duration::hours(1),
        completed_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_plans_follow_the_media_transfer_guide() {
        const MB: u64 = 1024 * 1024;
        let cases: &[(u64, u64, u64, bool)] = &[
            (3 * MB, 3 * MB, 1, true),      // small file: one whole chunk
            (3 * MB, MB, 3, false),         // small file split: refused
            (11_000_000, 5 * MB, 2, true),  // last chunk takes the remainder
            (11_000_000, 5 * MB, 3, false), // count must be floor(size / chunk)
            (20 * MB, 4 * MB, 5, false),    // chunk under 5 MB
            (200 * MB, 65 * MB, 3, false),  // chunk over 64 MB
            (200 * MB, 64 * MB, 3, true),   // last chunk 72 MB ≤ 128 MB
            (0, 0, 0, false),
        ];
        for (size, chunk, total, ok) in cases {
            assert_eq!(
                validate_plan(*size, *chunk, *total).is_ok(),
                *ok,
                "{size} {chunk} {total}"
            );
        }
    }

    #[test]
    fn ranges_cover_the_file_and_the_last_chunk_takes_the_rest() {
        let up = new_upload("u".into(), "t".into(), 11_000_000, 5_242_880, 2, Utc::now());
        assert_eq!(up.range(0), (0, 5_242_879));
        assert_eq!(up.range(1), (5_242_880, 10_999_999));
    }

    #[test]
    fn content_range_parses_or_refuses() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_RANGE, "bytes 0-99/200".parse().unwrap());
        assert_eq!(content_range(&h), Some((0, 99, 200)));
        h.insert(header::CONTENT_RANGE, "bytes x-99/200".parse().unwrap());
        assert_eq!(content_range(&h), None);
    }
}
