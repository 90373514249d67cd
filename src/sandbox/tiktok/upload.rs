//! TikTok FILE_UPLOAD: the chunk plan declared at `video/init` and the chunked `PUT`s to the
//! `upload_url` (docs/platform-rules.md §2.4 "FILE_UPLOAD init fields", "Chunk size", "Upload
//! request", "`upload_url` lifetime").
//!
//! # Guarantees
//! - The upload is authenticated (`upload_id`, `upload_token`, URL lifetime) and its headers
//!   checked before a byte of the body is read; the body is then read up to the exact length
//!   of the chunk that is due, never more.
//! - Chunks must arrive in order with exactly the planned byte ranges: 206 while more are due,
//!   201 after the last, both with `Content-Range: bytes 0-{last byte received}/{total}`; 416
//!   for any range that is not the next one, including a chunk already received (a client
//!   resumes from `uploaded_bytes` in `status/fetch`); 403 once the URL expired.
//! - `Content-Type` is exactly `video/mp4`, `video/quicktime` or `video/webm` (no parameters,
//!   lower case) and `Content-Length` is required (no chunked transfer encoding).
//!
//! # Assumptions
//! - "5 MB", "64 MB" and "128 MB" may be decimal or binary (the guide's own example calls
//!   4,194,304 bytes "4 MB"), so each bound takes its stricter reading (§2.4): chunks of
//!   5,242,880 to 64,000,000 bytes, a last chunk up to 128,000,000, and a file over 64,000,000
//!   bytes in at least two chunks. A video under 5,242,880 bytes goes whole, in one chunk:
//!   under "5 MB" read as MiB it is a small file, and read as 10^6 bytes its one chunk is at
//!   least 5 MB from 5,000,000 bytes on, so each consistent reading accepts it.
//! - Uploaded chunks are held in memory until the upload completes.

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};

use crate::sandbox::container::Check;
use crate::sandbox::engine::Engine;
use crate::sandbox::errors::{ApiError, Envelope, TikTokError};
use crate::sandbox::judge::Want;
use crate::sandbox::media::Fetched;
use crate::sandbox::request::parse_urlencoded;
use crate::sandbox::server::{ConnHandle, gate};

/// The larger reading of "5 MB" (5 MiB).
const MIN_CHUNK: u64 = 5_242_880;
/// The smaller reading of "64 MB".
const MAX_CHUNK: u64 = 64_000_000;
/// The smaller reading of "128 MB".
const MAX_LAST_CHUNK: u64 = 128_000_000;
/// The smaller reading of "≤4 GB".
const MAX_VIDEO: u64 = 4_000_000_000;
/// docs/platform-rules.md §2.4 "Upload request" `Content-Type` values, exactly.
const CONTENT_TYPES: [&str; 3] = ["video/mp4", "video/quicktime", "video/webm"];

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

/// docs/platform-rules.md §2.4 "Chunk size" at the strict reading, and `total_chunk_count =
/// floor(video_size / chunk_size)`.
pub(crate) fn validate_plan(video_size: u64, chunk_size: u64, total: u64) -> Result<(), String> {
    if video_size == 0 || video_size > MAX_VIDEO {
        return Err(format!(
            "video_size must be between 1 byte and 4,000,000,000 bytes, got {video_size}"
        ));
    }
    // A video under 5 MiB goes as one chunk: under "5 MB" read as MiB it is a small file sent
    // whole; read as decimal MB, a file of 5,000,000 bytes or more is chunked, and its one
    // chunk (the whole file) is at least 5 MB. Each consistent reading accepts it.
    if video_size < MIN_CHUNK {
        return if chunk_size == video_size && total == 1 {
            Ok(())
        } else {
            Err("a video under 5,242,880 bytes must be uploaded as one chunk: chunk_size = video_size, total_chunk_count = 1".into())
        };
    }
    if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
        return Err(format!(
            "chunk_size must be between 5,242,880 and 64,000,000 bytes, got {chunk_size}"
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
    if video_size > MAX_CHUNK && total < 2 {
        return Err(format!(
            "a video over 64,000,000 bytes must be uploaded in at least 2 chunks, got {video_size} bytes in 1"
        ));
    }
    let last = video_size - (total - 1) * chunk_size;
    if last > MAX_LAST_CHUNK {
        return Err(format!(
            "the last chunk would be {last} bytes; it may not exceed 128,000,000"
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

fn bad(message: &str) -> ApiError {
    fail(StatusCode::BAD_REQUEST, "invalid_params", message)
}

fn not_next() -> ApiError {
    fail(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "invalid_params",
        "Content-Range does not follow the upload progress: send the next chunk's byte range",
    )
}

/// `PUT {upload_url}` (docs/platform-rules.md §2.4 "Upload request").
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

/// What a chunk PUT may append: its range, checked against the upload before the body is read.
struct Due {
    upload_id: String,
    index: u64,
    start: u64,
    end: u64,
}

/// Every check that needs no body: who is uploading, whether the URL still lives, the headers,
/// and whether the range is the next one.
fn admit(engine: &Engine, headers: &HeaderMap, query: &str) -> Result<Due, ApiError> {
    let query = parse_urlencoded(query);
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let (upload_id, upload_token) = (get("upload_id"), get("upload_token"));
    let now = engine.now();
    let mut world = engine.world();
    super::catch_up(&mut world, now);
    let publish = world
        .tiktok
        .by_upload_id(upload_id)
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, "invalid_params", "Unknown upload_id"))?;
    let up = publish
        .upload
        .as_ref()
        .filter(|u| u.upload_token == upload_token)
        .ok_or_else(|| {
            fail(
                StatusCode::FORBIDDEN,
                "access_token_invalid",
                "The upload_token does not match this upload",
            )
        })?;
    if now >= up.expires_at {
        return Err(fail(
            StatusCode::FORBIDDEN,
            "invalid_params",
            "The upload_url has expired (1 hour)",
        ));
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !CONTENT_TYPES.contains(&ctype) {
        return Err(bad(
            "Content-Type must be exactly video/mp4, video/quicktime or video/webm",
        ));
    }
    let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return Err(fail(
            StatusCode::LENGTH_REQUIRED,
            "invalid_params",
            "Content-Length is required (chunked transfer encoding is not accepted)",
        ));
    };
    let Some((start, end, total)) = content_range(headers) else {
        return Err(bad("Content-Range must be 'bytes {first}-{last}/{total}'"));
    };
    if total != up.video_size || end < start || end >= total {
        return Err(fail(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalid_params",
            "Content-Range does not match video_size",
        ));
    }
    if up.chunks_done >= up.total_chunks || up.range(up.chunks_done) != (start, end) {
        return Err(not_next());
    }
    if length != end - start + 1 {
        return Err(bad("Content-Length does not match Content-Range"));
    }
    Ok(Due {
        upload_id: upload_id.to_owned(),
        index: up.chunks_done,
        start,
        end,
    })
}

async fn chunk(engine: Arc<Engine>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let due = admit(&engine, &parts.headers, parts.uri.query().unwrap_or(""))?;
    let expected = (due.end - due.start + 1) as usize;
    let bytes = to_bytes(body, expected)
        .await
        .map_err(|_| bad("The body is longer than Content-Length or was cut short"))?;
    if bytes.len() != expected {
        return Err(bad("The body length does not match Content-Range"));
    }
    let now = engine.now();
    let mut world = engine.world();
    let Some(owner) = world
        .tiktok
        .by_upload_id(&due.upload_id)
        .map(|p| p.owner.clone())
    else {
        return Err(not_next());
    };
    let max_duration = world
        .account(&owner)
        .map_or(600, |a| a.tiktok.max_video_post_duration_sec);
    let Some(publish) = world.tiktok.by_upload_id(&due.upload_id) else {
        return Err(not_next());
    };
    let Some(up) = publish.upload.as_mut() else {
        return Err(not_next());
    };
    // The same chunk sent twice at once: only the first one appends.
    if up.chunks_done != due.index {
        return Err(not_next());
    }
    up.data.extend_from_slice(&bytes);
    up.chunks_done += 1;
    let progress = format!("bytes 0-{}/{}", due.end, up.video_size);
    let status = if up.chunks_done < up.total_chunks {
        StatusCode::PARTIAL_CONTENT
    } else {
        up.completed_at = Some(now);
        let file = Fetched::from_bytes(None, &std::mem::take(&mut up.data));
        let want = Want::TikTokVideo {
            max_duration_sec: max_duration,
        };
        let outcome = want.judge(&file).map(|()| vec![file.ledger_media()]);
        publish.check = Check::Done(outcome);
        publish.started_at = now;
        StatusCode::CREATED
    };
    let mut resp = status.into_response();
    if let Ok(v) = HeaderValue::from_str(&progress) {
        resp.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    Ok(resp)
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
    fn chunk_plans_take_the_strict_reading_of_the_media_transfer_guide() {
        let cases: &[(u64, u64, u64, bool)] = &[
            (3_000_000, 3_000_000, 1, true),     // small file: one whole chunk
            (3_000_000, 1_000_000, 3, false),    // small file split: refused
            (4_999_999, 4_999_999, 1, true),     // a small file, whole
            (5_000_000, 5_000_000, 1, true),     // whole: under 5 MiB, and a 5 MB chunk
            (5_242_879, 5_242_879, 1, true),     // the same, at the edge
            (5_100_000, 2_550_000, 2, false),    // under 5 MiB: whole, never split
            (5_242_880, 5_242_880, 1, true),     // one chunk of exactly 5 MiB
            (11_000_000, 5_242_880, 2, true),    // last chunk takes the remainder
            (11_000_000, 5_242_880, 3, false),   // count must be floor(size / chunk)
            (11_000_000, 5_000_000, 2, false),   // 5 MB decimal is under 5 MiB
            (64_000_000, 64_000_000, 1, true),   // the largest single chunk
            (64_000_001, 64_000_000, 1, false),  // over 64 MB: at least 2 chunks
            (200_000_000, 67_108_864, 2, false), // 64 MiB is over 64,000,000
            (192_000_000, 64_000_000, 3, true),
            (192_000_001, 64_000_000, 2, false), // last chunk over 128,000,000
            (4_000_000_001, 10_000_000, 400, false),
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
