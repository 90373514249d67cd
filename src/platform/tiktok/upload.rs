//! FILE_UPLOAD: the chunk plan a video is declared with at init, and the chunked `PUT`s to the
//! `upload_url` TikTok answers (docs/platform-rules.md §2.4 "FILE_UPLOAD init fields", "Chunk
//! size", "Upload request", "`upload_url` lifetime").
//!
//! # The chunk plan
//! TikTok's guide says chunks are at least "5 MB" and at most "64 MB" (the last up to "128
//! MB"), a file under "5 MB" goes whole, and its own example calls 4,194,304 bytes "4 MB". A
//! plan must pass every reading (issue 14): chunks of 5,242,880–64,000,000 bytes, a last chunk
//! up to 128,000,000. postcal's plan sits well inside: [`CHUNK_SIZE`] = 10,000,000-byte
//! chunks, `total_chunk_count = floor(size / CHUNK_SIZE)` with the remainder in the last chunk
//! (so it is 10–20 MB); a video smaller than one chunk goes whole. Under 5,242,880 bytes that
//! is a small file sent whole if "MB" means MiB, and (from 5,000,000 bytes) one chunk of at
//! least 5 MB if it means 10^6: each consistent reading accepts it.
//!
//! # Guarantees
//! - Chunks go in order, each with `Content-Type` (exactly `video/mp4`, `video/quicktime` or
//!   `video/webm`), `Content-Length` and `Content-Range: bytes a-b/total`; 206 → the next
//!   chunk (from what the answer's `Content-Range` says was received), 201 → done.
//! - 416 (the range is not what TikTok expects: a chunk whose answer was lost landed) resumes
//!   from the answer's `Content-Range`, else from `uploaded_bytes` in a status fetch.
//! - 5xx and dropped connections resend the same chunk a few times; 403 means the one-hour URL
//!   expired: TikTok will never finish this post.
//! - The upload URL is a credential: it is in no message (reqwest errors lose their URL).

use std::io::SeekFrom;
use std::path::PathBuf;

use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, HeaderMap};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::TiktokPublisher;
use super::limits::Call;
use crate::platform::TargetKey;
use crate::platform::graph::Step;
use crate::platform::http::transport_failure;
use crate::reconcile::publisher::BoxFuture;
use crate::reconcile::{Failure, Outcome};
use crate::secret::Secret;

/// postcal's chunk size: twice the strictest minimum, far below the maximum.
pub const CHUNK_SIZE: u64 = 10_000_000;
/// The smallest chunk every reading accepts (5 MiB).
pub const MIN_CHUNK: u64 = 5_242_880;
/// The largest chunk every reading accepts.
pub const MAX_CHUNK: u64 = 64_000_000;
/// The largest last chunk every reading accepts.
pub const MAX_LAST_CHUNK: u64 = 128_000_000;
/// The largest video (the smaller reading of "4 GB").
pub const MAX_VIDEO: u64 = 4_000_000_000;

/// `video_size`, `chunk_size`, `total_chunk_count` as declared at init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    pub video_size: u64,
    pub chunk_size: u64,
    pub total_chunk_count: u64,
}

/// A video TikTok's upload rules cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoPlan {
    #[error("the video file is empty")]
    Empty,
    #[error("the video is {0} bytes; TikTok takes at most 4,000,000,000 (4 GB)")]
    TooLarge(u64),
}

impl ChunkPlan {
    /// postcal's plan for a video of `video_size` bytes (see the module docs).
    pub fn for_size(video_size: u64) -> Result<Self, NoPlan> {
        let whole = Self {
            video_size,
            chunk_size: video_size,
            total_chunk_count: 1,
        };
        match video_size {
            0 => Err(NoPlan::Empty),
            s if s > MAX_VIDEO => Err(NoPlan::TooLarge(s)),
            // Under 10 MB, one chunk: the whole file (under 5 MiB that is a small file sent whole
            // in either reading of "5 MB"; from 5 MiB on, a chunk every reading accepts).
            s if s < CHUNK_SIZE => Ok(whole),
            s => Ok(Self {
                video_size: s,
                chunk_size: CHUNK_SIZE,
                total_chunk_count: s / CHUNK_SIZE,
            }),
        }
    }

    /// The first and last byte of chunk `index` (the last chunk takes the remainder).
    pub fn range(&self, index: u64) -> (u64, u64) {
        let start = index * self.chunk_size;
        let end = if index + 1 >= self.total_chunk_count {
            self.video_size - 1
        } else {
            start + self.chunk_size - 1
        };
        (start, end)
    }

    /// The chunk that starts at byte `offset`, if one does.
    pub fn index_at(&self, offset: u64) -> Option<u64> {
        (offset.is_multiple_of(self.chunk_size)
            && offset / self.chunk_size < self.total_chunk_count)
            .then(|| offset / self.chunk_size)
    }
}

/// What the follow-up of a FILE_UPLOAD init needs. Lives in memory only.
pub struct Upload {
    pub publish_id: String,
    /// TikTok's `upload_url`: a credential for an hour.
    pub url: Secret,
    pub path: PathBuf,
    pub plan: ChunkPlan,
    /// `video/mp4`, `video/quicktime` or `video/webm`.
    pub content_type: &'static str,
}

/// How many bytes TikTok received, from a status fetch (`None` when it does not say).
pub trait Progress: Send + Sync {
    fn received(&self) -> BoxFuture<'_, Outcome<Option<u64>>>;
}

/// How often a chunk is resent after a server error or a dropped connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resend {
    pub attempts: u32,
    /// Real time before the first resend; doubled each time.
    pub delay: std::time::Duration,
}

impl Default for Resend {
    fn default() -> Self {
        Self {
            attempts: 4,
            delay: std::time::Duration::from_secs(2),
        }
    }
}

/// `Content-Range: bytes 0-{last}/{total}` → `last + 1` bytes received.
fn received(headers: &HeaderMap, total: u64) -> Option<u64> {
    let raw = headers.get(CONTENT_RANGE)?.to_str().ok()?.trim();
    let (range, size) = raw.strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let (first, last): (u64, u64) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (first == 0 && size.trim().parse::<u64>().ok()? == total && last < total).then_some(last + 1)
}

fn io_failure(e: &std::io::Error) -> Failure {
    Failure::retryable(format!(
        "cannot read the staged video for TikTok's upload: {e}"
    ))
}

async fn read_range(file: &mut tokio::fs::File, (a, b): (u64, u64)) -> Outcome<Vec<u8>> {
    let mut buf = vec![0u8; (b - a + 1) as usize];
    file.seek(SeekFrom::Start(a))
        .await
        .map_err(|e| io_failure(&e))?;
    file.read_exact(&mut buf)
        .await
        .map_err(|e| io_failure(&e))?;
    Ok(buf)
}

/// Sends `up`'s chunks in order until TikTok answers 201 (see the module's guarantees).
pub async fn send_chunks(
    http: &reqwest::Client,
    up: &Upload,
    progress: &dyn Progress,
    resend: Resend,
) -> Outcome<()> {
    let plan = up.plan;
    let total = plan.video_size;
    let mut file = tokio::fs::File::open(&up.path)
        .await
        .map_err(|e| io_failure(&e))?;
    let len = file.metadata().await.map_err(|e| io_failure(&e))?.len();
    if len != total {
        return Err(Failure::retryable(format!(
            "the staged video is {len} bytes, TikTok was told {total}"
        )));
    }
    let what = |i: u64| {
        format!(
            "TikTok upload of chunk {}/{}",
            i + 1,
            plan.total_chunk_count
        )
    };
    let (mut offset, mut failures, mut stalls) = (0u64, 0u32, 0u32);
    loop {
        let index = plan.index_at(offset).ok_or_else(|| {
            Failure::retryable(format!(
                "TikTok reports {offset} of {total} bytes received, which is not where a chunk of the plan starts"
            ))
        })?;
        let (a, b) = plan.range(index);
        let bytes = read_range(&mut file, (a, b)).await?;
        let sent = http
            .put(up.url.expose())
            .header(CONTENT_TYPE, up.content_type)
            .header(CONTENT_RANGE, format!("bytes {a}-{b}/{total}"))
            .body(bytes)
            .send()
            .await;
        let resp = match sent {
            Ok(resp) if resp.status().as_u16() < 500 => resp,
            other => {
                // The chunk may or may not have landed: resend it; a 416 says if it did.
                failures += 1;
                let why = match other {
                    Err(e) => transport_failure(&e.without_url(), &what(index)).message,
                    Ok(resp) => format!("{} answered HTTP {}", what(index), resp.status().as_u16()),
                };
                if failures > resend.attempts {
                    return Err(Failure::retryable(up.url.scrub(&why)));
                }
                tracing::warn!(publish_id = %up.publish_id, error = %up.url.scrub(&why), "resending the chunk");
                tokio::time::sleep(resend.delay * 2u32.pow(failures - 1)).await;
                continue;
            }
        };
        failures = 0;
        let status = resp.status().as_u16();
        let said = received(resp.headers(), total);
        match status {
            201 => return Ok(()),
            206 => {
                let next = said.unwrap_or(b + 1);
                stalls = if next > offset { 0 } else { stalls + 1 };
                offset = next;
            }
            416 => {
                let next = match said {
                    Some(n) => Some(n),
                    None => progress.received().await?,
                };
                let Some(next) = next else {
                    return Err(Failure::retryable(format!(
                        "{} answered 416 and TikTok does not say how much it received",
                        what(index)
                    )));
                };
                if next >= total {
                    return Ok(());
                }
                stalls = if next > offset { 0 } else { stalls + 1 };
                tracing::info!(publish_id = %up.publish_id, from = next, "resuming the upload where TikTok says it is");
                offset = next;
            }
            403 => {
                return Err(Failure::retryable(format!(
                    "{} answered 403: the upload URL expired (it lives one hour); TikTok will drop this post and postcal will post it again once TikTok says so",
                    what(index)
                )));
            }
            s => {
                let body = resp.text().await.unwrap_or_default();
                let code = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| {
                        v.pointer("/error/code")
                            .and_then(|c| c.as_str())
                            .map(str::to_owned)
                    })
                    .unwrap_or_default();
                return Err(Failure::retryable(format!(
                    "{} answered HTTP {s} {code}",
                    what(index)
                )));
            }
        }
        if stalls > 3 {
            return Err(Failure::retryable(format!(
                "TikTok's upload makes no progress at {offset} of {total} bytes"
            )));
        }
    }
}

/// How much of an upload TikTok received, from a status fetch (waiting for the rate window
/// on the clock: the upload URL lives in memory only, so the upload cannot be put off).
pub(super) struct Received<'a> {
    pub publisher: &'a TiktokPublisher,
    pub target: &'a TargetKey,
    pub publish_id: &'a str,
}

impl Progress for Received<'_> {
    fn received(&self) -> BoxFuture<'_, Outcome<Option<u64>>> {
        Box::pin(async move {
            let p = self.publisher;
            let access = p.cx.access(self.target).await?;
            while let Err(full) = p.limits.take(Call::Status, &access.token, p.cx.now()) {
                p.cx.clock.sleep_until(full.until).await;
            }
            let s = p
                .api(&access)
                .status_fetch(self.publish_id)
                .await
                .map_err(|e| p.failure(self.target, &access, e, Step::Harmless))?;
            Ok(s.uploaded_bytes)
        })
    }
}
