//! TikTok FILE_UPLOAD at the strict reading of the Media Transfer Guide (docs/platform-rules.md
//! §2.4): chunk sizes every reading of "MB" accepts, exact headers, 416 for a range already
//! received, `Content-Range` on every chunk answer, and no body read before the upload is
//! authenticated.

use std::time::Duration;

use postcal::media::synth;
use postcal::platform::Platform;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::util::{Reply, Sim};

/// A sandbox with one TikTok creator.
async fn start() -> (Sim, postcal::sandbox::SeededAccount) {
    let sim = Sim::start().await;
    let acct = sim.account(Platform::Tiktok, "acme");
    (sim, acct)
}

fn plan(size: u64, chunk: u64, total: u64) -> Value {
    json!({
        "post_info": { "title": "Uploaded", "privacy_level": "SELF_ONLY" },
        "source_info": { "source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": total }
    })
}

async fn init(sim: &Sim, acct: &postcal::sandbox::SeededAccount, body: Value) -> Reply {
    // Init is limited to 6 calls a minute per token: keep every call in a fresh minute.
    sim.advance(60);
    sim.tiktok("/v2/post/publish/video/init/", &acct.access_token, body)
        .await
}

/// `video` padded to `size` bytes with a trailing `free` box (ignored by MP4 readers).
fn padded(size: usize) -> Vec<u8> {
    let mut out = synth::mp4(&synth::VideoSpec::default());
    let pad = size - out.len();
    out.extend((pad as u32).to_be_bytes());
    out.extend(b"free");
    out.resize(size, 0);
    out
}

#[tokio::test]
async fn chunk_sizes_are_the_intersection_of_both_readings_of_mb() {
    let (sim, acct) = start().await;
    let cases: &[(u64, u64, u64, &str)] = &[
        // 5,000,000 is "5 MB" only in decimal: under 5 MiB it is refused.
        (11_000_000, 5_000_000, 2, "invalid_params"),
        (11_000_000, 5_242_879, 2, "invalid_params"),
        (11_000_000, 5_242_880, 2, "ok"),
        // 64 MiB is "64 MB" only in binary: over 64,000,000 it is refused.
        (200_000_000, 67_108_864, 2, "invalid_params"),
        (200_000_000, 64_000_001, 3, "invalid_params"),
        (192_000_000, 64_000_000, 3, "ok"),
        // The last chunk may grow to 128,000,000 bytes, not 128 MiB.
        (192_000_001, 64_000_000, 2, "invalid_params"),
        (128_000_000 + 10_000_000, 10_000_000, 13, "ok"),
        // A video under 5,242,880 bytes goes whole: a small file under "5 MB" read as MiB, and
        // (from 5,000,000 bytes) one chunk of at least "5 MB" read as decimal MB.
        (4_999_999, 4_999_999, 1, "ok"),
        (5_100_000, 5_100_000, 1, "ok"),
        (5_100_000, 2_550_000, 2, "invalid_params"),
        // Over 64,000,000 bytes the file must be split: one chunk is refused.
        (65_000_000, 64_000_000, 1, "invalid_params"),
        (65_000_000, 32_500_000, 2, "ok"),
    ];
    for &(size, chunk, total, want) in cases {
        let r = init(&sim, &acct, plan(size, chunk, total)).await;
        assert_eq!(
            r.tiktok_code(),
            want,
            "{size} / {chunk} × {total}: {}",
            r.body
        );
        if want != "ok" {
            assert_eq!(r.status, 400);
        }
    }
}

/// A started 2-chunk upload of an 11,000,000-byte video: `(sim, upload_url, video, chunk)`.
async fn two_chunk_upload() -> (Sim, postcal::sandbox::SeededAccount, String, Vec<u8>, usize) {
    let (sim, acct) = start().await;
    let video = padded(11_000_000);
    let chunk = 5_242_880;
    let r = init(&sim, &acct, plan(video.len() as u64, chunk as u64, 2)).await;
    assert_eq!(r.tiktok_code(), "ok", "{}", r.body);
    let url = r.body["data"]["upload_url"].as_str().unwrap().to_owned();
    (sim, acct, url, video, chunk)
}

#[tokio::test]
async fn chunk_answers_carry_the_progress_and_a_resent_chunk_is_416() {
    let (sim, _acct, url, video, chunk) = two_chunk_upload().await;
    let total = video.len();
    let put = |range: String, body: Vec<u8>| {
        sim.http
            .put(&url)
            .header("Content-Type", "video/mp4")
            .header("Content-Range", range)
            .body(body)
            .send()
    };
    let first = put(
        format!("bytes 0-{}/{total}", chunk - 1),
        video[..chunk].to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(first.status(), 206);
    assert_eq!(
        first.headers()["content-range"],
        format!("bytes 0-{}/{total}", chunk - 1).as_str()
    );
    let again = put(
        format!("bytes 0-{}/{total}", chunk - 1),
        video[..chunk].to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(
        again.status(),
        416,
        "a range already received does not reflect the upload progress"
    );
    let last = put(
        format!("bytes {chunk}-{}/{total}", total - 1),
        video[chunk..].to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(last.status(), 201);
    assert_eq!(
        last.headers()["content-range"],
        format!("bytes 0-{}/{total}", total - 1).as_str()
    );
    let after = put(
        format!("bytes {chunk}-{}/{total}", total - 1),
        video[chunk..].to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(after.status(), 416, "the last chunk sent again");
}

#[tokio::test]
async fn chunk_puts_need_content_length_and_an_exact_content_type() {
    let (sim, _acct, url, video, chunk) = two_chunk_upload().await;
    let range = format!("bytes 0-{}/{}", chunk - 1, video.len());
    for ctype in [
        "video/mp4; charset=binary",
        "VIDEO/MP4",
        "Video/Quicktime",
        "video/mp4v",
        "application/octet-stream",
    ] {
        let r = sim
            .http
            .put(&url)
            .header("Content-Type", ctype)
            .header("Content-Range", &range)
            .body(video[..chunk].to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{ctype}");
    }
    // Chunked transfer encoding: no Content-Length.
    let path = url.trim_start_matches(&sim.sb.urls().root);
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Range: {range}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let status = raw_status(&sim.sb.urls().root, head.as_bytes()).await;
    assert!(
        status.as_deref().is_some_and(|l| l.contains(" 411 ")),
        "Content-Length is required: {status:?}"
    );
    for ctype in ["video/quicktime", "video/webm", "video/mp4"] {
        // The right headers still work (the format is judged later, by content).
        let r = sim
            .http
            .put(&url)
            .header("Content-Type", ctype)
            .header("Content-Range", &range)
            .body(video[..chunk].to_vec())
            .send()
            .await
            .unwrap();
        assert!(matches!(r.status().as_u16(), 206 | 416), "{ctype}");
    }
}

/// Sends raw request bytes and returns the status line of the answer, or `None` when none
/// came within two seconds.
async fn raw_status(root: &str, request: &[u8]) -> Option<String> {
    let addr = root.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 1024];
    match tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => Some(
            String::from_utf8_lossy(&buf[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_owned(),
        ),
        _ => None,
    }
}

/// Sends a chunk PUT's head only (a 100 MB Content-Length, no body).
async fn head_only_put(root: &str, path_and_query: &str) -> Option<String> {
    let head = format!(
        "PUT {path_and_query} HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Length: 100000000\r\nContent-Range: bytes 0-99999999/100000000\r\n\r\n"
    );
    raw_status(root, head.as_bytes()).await
}

#[tokio::test]
async fn an_unknown_or_forged_upload_is_refused_before_its_body_is_read() {
    let (sim, _acct, url, _video, _chunk) = two_chunk_upload().await;
    let root = sim.sb.urls().root.clone();
    let prefix = "/open-upload.tiktokapis.com/video/";
    let unknown = head_only_put(&root, &format!("{prefix}?upload_id=1&upload_token=x")).await;
    assert!(
        unknown.as_deref().is_some_and(|l| l.contains(" 404 ")),
        "unknown upload_id answered at once: {unknown:?}"
    );
    let query = url.split_once('?').unwrap().1;
    let forged = query.replace("upload_token=", "upload_token=forged");
    let forged = head_only_put(&root, &format!("{prefix}?{forged}")).await;
    assert!(
        forged.as_deref().is_some_and(|l| l.contains(" 403 ")),
        "wrong upload_token answered at once: {forged:?}"
    );
    // A real upload with a declared length that is not the next chunk's: refused at once too.
    let wrong_size = head_only_put(&root, &format!("{prefix}?{query}")).await;
    assert!(
        wrong_size
            .as_deref()
            .is_some_and(|l| l.contains(" 416 ") || l.contains(" 400 ")),
        "{wrong_size:?}"
    );
}
