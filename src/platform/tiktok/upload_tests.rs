//! The chunk plan against every reading of TikTok's rules, and the chunk transfer against a
//! strict local stub of the upload host (416 on a repeated range, `Content-Range` on answers).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::upload::*;
use crate::reconcile::publisher::BoxFuture;
use crate::reconcile::{FailureClass, Outcome};
use crate::secret::Secret;

/// docs/platform-rules.md §2.4 under one reading of "MB": `mb` bytes (10^6, or 2^20 for MiB).
fn valid_under(p: &ChunkPlan, mb: u64) -> Result<(), String> {
    let (size, chunk, n) = (p.video_size, p.chunk_size, p.total_chunk_count);
    if size < 5 * mb {
        return (chunk == size && n == 1)
            .then_some(())
            .ok_or(format!("a file under 5 MB ({}) goes whole", 5 * mb));
    }
    if !(5 * mb..=64 * mb).contains(&chunk) {
        return Err(format!("chunk {chunk} outside 5..=64 MB ({mb})"));
    }
    if n != size / chunk || !(1..=1000).contains(&n) {
        return Err(format!("count {n} is not floor({size} / {chunk})"));
    }
    if size > 64 * mb && n < 2 {
        return Err("over 64 MB needs at least 2 chunks".into());
    }
    let last = size - (n - 1) * chunk;
    if last > 128 * mb {
        return Err(format!("last chunk {last} over 128 MB ({mb})"));
    }
    Ok(())
}

/// Valid under both readings of "MB" (written independently of the plan).
fn strictly_valid(p: &ChunkPlan) -> Result<(), String> {
    valid_under(p, 1_000_000)?;
    valid_under(p, 1_048_576)
}

/// `(video_size, chunk_size, total_chunk_count)`, or why there is no plan.
type Planned = Result<(u64, u64, u64), NoPlan>;

#[test]
fn chunk_plans_sit_inside_every_reading_of_the_rules() {
    let whole = |s| Ok((s, s, 1));
    let table: &[(u64, Planned)] = &[
        (0, Err(NoPlan::Empty)),
        (1, whole(1)),
        (4_999_999, whole(4_999_999)),
        (5_000_000, whole(5_000_000)),
        (5_242_879, whole(5_242_879)),
        (5_242_880, whole(5_242_880)),
        (9_999_999, whole(9_999_999)),
        (10_000_000, Ok((10_000_000, 10_000_000, 1))),
        (19_999_999, Ok((19_999_999, 10_000_000, 1))),
        (20_000_000, Ok((20_000_000, 10_000_000, 2))),
        (20_000_001, Ok((20_000_001, 10_000_000, 2))),
        (64_000_000, Ok((64_000_000, 10_000_000, 6))),
        (64_000_001, Ok((64_000_001, 10_000_000, 6))),
        (128_000_000, Ok((128_000_000, 10_000_000, 12))),
        (128_000_001, Ok((128_000_001, 10_000_000, 12))),
        (4_000_000_000, Ok((4_000_000_000, 10_000_000, 400))),
        (4_000_000_001, Err(NoPlan::TooLarge(4_000_000_001))),
    ];
    for (size, want) in table {
        let got =
            ChunkPlan::for_size(*size).map(|p| (p.video_size, p.chunk_size, p.total_chunk_count));
        assert_eq!(&got, want, "{size}");
        if let Ok(plan) = ChunkPlan::for_size(*size) {
            strictly_valid(&plan).unwrap_or_else(|e| panic!("{size}: {e}"));
        }
    }
    // Every size a plan exists for, around every boundary: valid, and the ranges tile the file.
    let edges = [
        1u64,
        4_999_999,
        5_000_000,
        5_242_880,
        10_000_000,
        20_000_000,
        64_000_000,
        128_000_000,
        3_999_999_999,
    ];
    for edge in edges {
        for size in edge.saturating_sub(3)..=edge + 3 {
            let Ok(plan) = ChunkPlan::for_size(size) else {
                continue;
            };
            strictly_valid(&plan).unwrap_or_else(|e| panic!("{size}: {e}"));
            let mut next = 0;
            for i in 0..plan.total_chunk_count {
                let (a, b) = plan.range(i);
                assert_eq!(a, next, "{size}: chunk {i}");
                assert_eq!(plan.index_at(a), Some(i));
                next = b + 1;
            }
            assert_eq!(next, size);
        }
    }
}

/// A strict upload host: chunks in order, exact headers, 416 for anything else.
#[derive(Default)]
struct Stub {
    total: u64,
    data: Vec<u8>,
    /// Apply the chunk starting here, then answer 500 (its answer is lost).
    lose_answer_at: Option<u64>,
    /// Answer 500 without applying, this many times.
    fail: u32,
    range_on_416: bool,
    expired: bool,
    puts: Vec<(String, u64, String)>,
    status_fetches: u32,
}

type Shared = Arc<Mutex<Stub>>;

fn range_header(received: usize, total: u64) -> [(header::HeaderName, String); 1] {
    [(
        header::CONTENT_RANGE,
        format!("bytes 0-{}/{total}", received.saturating_sub(1)),
    )]
}

async fn put(State(stub): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut s = stub.lock().unwrap();
    let text = |h| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (ctype, range) = (text(header::CONTENT_TYPE), text(header::CONTENT_RANGE));
    let Ok(length) = text(header::CONTENT_LENGTH).parse::<u64>() else {
        return StatusCode::LENGTH_REQUIRED.into_response();
    };
    s.puts.push((ctype.clone(), length, range.clone()));
    if !["video/mp4", "video/quicktime", "video/webm"].contains(&ctype.as_str()) {
        return StatusCode::BAD_REQUEST.into_response();
    }
    if s.expired {
        return StatusCode::FORBIDDEN.into_response();
    }
    if s.fail > 0 {
        s.fail -= 1;
        return StatusCode::BAD_GATEWAY.into_response();
    }
    let parsed = range
        .strip_prefix("bytes ")
        .and_then(|r| r.split_once('/'))
        .and_then(|(r, t)| Some((r.split_once('-')?, t.parse::<u64>().ok()?)))
        .and_then(|((a, b), t)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?, t)));
    let Some((a, b, t)) = parsed else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if t != s.total || a != s.data.len() as u64 {
        let received = s.data.len();
        return if s.range_on_416 {
            (StatusCode::RANGE_NOT_SATISFIABLE, range_header(received, t)).into_response()
        } else {
            StatusCode::RANGE_NOT_SATISFIABLE.into_response()
        };
    }
    if length != b - a + 1 || body.len() as u64 != length {
        return StatusCode::BAD_REQUEST.into_response();
    }
    s.data.extend_from_slice(&body);
    if s.lose_answer_at == Some(a) {
        s.lose_answer_at = None;
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let done = s.data.len() as u64 == s.total;
    let code = if done {
        StatusCode::CREATED
    } else {
        StatusCode::PARTIAL_CONTENT
    };
    (code, range_header(s.data.len(), s.total)).into_response()
}

struct StubProgress(Shared);

impl Progress for StubProgress {
    fn received(&self) -> BoxFuture<'_, Outcome<Option<u64>>> {
        Box::pin(async move {
            let mut s = self.0.lock().unwrap();
            s.status_fetches += 1;
            Ok(Some(s.data.len() as u64))
        })
    }
}

/// Runs an upload of `video` with `plan` against a stub set up by `setup`.
async fn upload(
    video: &[u8],
    plan: ChunkPlan,
    setup: impl FnOnce(&mut Stub),
) -> (Outcome<()>, Shared) {
    let stub: Shared = Arc::new(Mutex::new(Stub {
        total: video.len() as u64,
        ..Stub::default()
    }));
    setup(&mut stub.lock().unwrap());
    let app = axum::Router::new()
        .route("/video/", axum::routing::put(put))
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.mp4");
    std::fs::write(&path, video).unwrap();
    let up = Upload {
        publish_id: "v_pub_file~1".into(),
        url: Secret::from(format!(
            "http://{addr}/video/?upload_id=1&upload_token=SECRETUPLOADTOKEN"
        )),
        path,
        plan,
        content_type: "video/mp4",
    };
    let resend = Resend {
        attempts: 2,
        delay: std::time::Duration::from_millis(1),
    };
    let http = reqwest::Client::new();
    let out = send_chunks(&http, &up, &StubProgress(stub.clone()), resend).await;
    (out, stub)
}

fn video(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// A small plan with the shape of a real one: two full chunks and a longer last one.
fn plan(len: usize) -> ChunkPlan {
    ChunkPlan {
        video_size: len as u64,
        chunk_size: 10,
        total_chunk_count: len as u64 / 10,
    }
}

#[tokio::test]
async fn chunks_go_in_order_with_exact_headers() {
    let v = video(37);
    let (out, stub) = upload(&v, plan(37), |_| {}).await;
    out.unwrap();
    let s = stub.lock().unwrap();
    assert_eq!(s.data, v);
    let sent: Vec<(&str, u64, &str)> = s
        .puts
        .iter()
        .map(|(c, l, r)| (c.as_str(), *l, r.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            ("video/mp4", 10, "bytes 0-9/37"),
            ("video/mp4", 10, "bytes 10-19/37"),
            ("video/mp4", 17, "bytes 20-36/37"),
        ]
    );
}

#[tokio::test]
async fn a_lost_chunk_answer_resumes_from_the_416s_content_range() {
    let v = video(37);
    let (out, stub) = upload(&v, plan(37), |s| {
        s.lose_answer_at = Some(10);
        s.range_on_416 = true;
    })
    .await;
    out.unwrap();
    let s = stub.lock().unwrap();
    assert_eq!(s.data, v, "every byte once, in order");
    let ranges: Vec<&str> = s.puts.iter().map(|p| p.2.as_str()).collect();
    assert_eq!(
        ranges,
        [
            "bytes 0-9/37",
            "bytes 10-19/37",
            "bytes 10-19/37",
            "bytes 20-36/37"
        ]
    );
    assert_eq!(s.status_fetches, 0, "the 416 said where to resume");
}

#[tokio::test]
async fn a_416_without_a_range_resumes_from_the_status_fetch() {
    let v = video(37);
    let (out, stub) = upload(&v, plan(37), |s| s.lose_answer_at = Some(20)).await;
    out.unwrap(); // the last chunk landed: the status says all 37 bytes arrived
    let s = stub.lock().unwrap();
    assert_eq!(s.data, v);
    assert_eq!(s.status_fetches, 1);
}

#[tokio::test]
async fn server_errors_resend_the_chunk_a_few_times() {
    let v = video(25);
    let (out, stub) = upload(&v, plan(25), |s| s.fail = 2).await;
    out.unwrap();
    assert_eq!(stub.lock().unwrap().data, v);
    let (out, _) = upload(&v, plan(25), |s| s.fail = 3).await;
    let f = out.unwrap_err();
    assert!(matches!(f.class, FailureClass::Retryable { .. }));
    assert!(f.message.contains("HTTP 502"), "{}", f.message);
}

#[tokio::test]
async fn an_expired_url_stops_the_upload_without_naming_the_url() {
    let v = video(25);
    let (out, stub) = upload(&v, plan(25), |s| s.expired = true).await;
    let f = out.unwrap_err();
    assert!(f.message.contains("expired"), "{}", f.message);
    assert!(
        !f.message.contains("SECRETUPLOADTOKEN") && !f.message.contains("127.0.0.1"),
        "{}",
        f.message
    );
    assert_eq!(stub.lock().unwrap().puts.len(), 1, "no resend after a 403");
}
