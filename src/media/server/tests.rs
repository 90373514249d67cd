//! The media server over real loopback connections, with raw HTTP/1.1 so that no client
//! normalises the hostile paths first. Time is a ManualClock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;
use crate::clock::ManualClock;
use crate::media::stage::need_for;
use crate::media::synth;
use crate::platform::Platform;

/// Bytes that exist only outside the stage directory.
const SECRET: &[u8] = b"TOP-SECRET-OUTSIDE-THE-STORE";

struct Response {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

async fn request(addr: SocketAddr, method: &str, path: &str, extra: &str) -> Response {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head =
        format!("{method} {path} HTTP/1.1\r\nHost: media.test\r\n{extra}Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw));
    read.await.expect("answer in time").expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    server: MediaServer,
    clock: ManualClock,
    staged: StagedMedia,
    bytes: Vec<u8>,
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let calendar = dir.path().join("calendar");
    std::fs::create_dir_all(calendar.join("media")).expect("calendar");
    let source = calendar.join("media/photo.jpg");
    std::fs::write(&source, synth::jpeg(64, 48)).expect("source");
    let stager = Stager::open(&calendar.join(".postcal/media")).expect("stager");
    let staged = stager
        .stage(&source, &need_for(Platform::Instagram))
        .expect("stage");
    let bytes = std::fs::read(&staged.path).expect("staged bytes");
    let clock = ManualClock::new(t0());
    let server = MediaServer::start(
        "127.0.0.1:0".parse().expect("addr"),
        Arc::new(stager),
        Arc::new(clock.clone()),
        ShareKey::random(),
    )
    .await
    .expect("start");
    Fixture {
        dir,
        server,
        clock,
        staged,
        bytes,
    }
}

impl Fixture {
    fn path(&self) -> String {
        self.server
            .share(&self.staged, t0() + chrono::Duration::hours(1))
    }

    fn calendar(&self) -> PathBuf {
        self.dir.path().join("calendar")
    }
}

#[tokio::test]
async fn a_shared_file_is_served_whole_with_its_headers() {
    let f = fixture().await;
    let path = f.path();
    assert!(path.starts_with("/m/") && path.ends_with(".jpg"), "{path}");
    assert!(path.is_ascii());
    let got = request(f.server.addr(), "GET", &path, "").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, f.bytes);
    assert_eq!(got.headers["content-type"], "image/jpeg");
    assert_eq!(got.headers["content-length"], f.bytes.len().to_string());
    assert_eq!(got.headers["accept-ranges"], "bytes");
    let head = request(f.server.addr(), "HEAD", &path, "").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.headers["content-length"], f.bytes.len().to_string());
    assert!(head.body.is_empty());
    let post = request(f.server.addr(), "POST", &path, "Content-Length: 0\r\n").await;
    assert_eq!(post.status, 405);
    f.server.shutdown().await;
}

#[tokio::test]
async fn single_ranges_are_honoured() {
    let f = fixture().await;
    let (path, size) = (f.path(), f.bytes.len());
    let get = |range: String| {
        let path = path.clone();
        let addr = f.server.addr();
        async move { request(addr, "GET", &path, &format!("Range: {range}\r\n")).await }
    };
    let part = get("bytes=2-9".into()).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, f.bytes[2..=9]);
    assert_eq!(part.headers["content-range"], format!("bytes 2-9/{size}"));
    assert_eq!(part.headers["content-length"], "8");
    let tail = get("bytes=-5".into()).await;
    assert_eq!(
        (tail.status, tail.body.as_slice()),
        (206, &f.bytes[size - 5..])
    );
    let rest = get(format!("bytes={}-", size - 3)).await;
    assert_eq!(
        (rest.status, rest.body.as_slice()),
        (206, &f.bytes[size - 3..])
    );
    let past = get(format!("bytes={size}-")).await;
    assert_eq!(past.status, 416);
    assert_eq!(past.headers["content-range"], format!("bytes */{size}"));
    assert!(past.body.is_empty());
    let several = get("bytes=0-1,4-5".into()).await;
    assert_eq!((several.status, several.body.len()), (200, size));
    let head = request(f.server.addr(), "HEAD", &path, "Range: bytes=0-9\r\n").await;
    assert_eq!(
        (head.status, head.headers["content-length"].as_str()),
        (206, "10")
    );
    f.server.shutdown().await;
}

#[tokio::test]
async fn unknown_altered_and_expired_tokens_get_404() {
    let f = fixture().await;
    let path = f.path();
    let (prefix, name) = path.rsplit_once('/').expect("name");
    let token = prefix.trim_start_matches("/m/");
    let mut altered = token.as_bytes().to_vec();
    altered[5] = if altered[5] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).expect("ascii");
    let other = ShareKey::random().token(&f.staged.sha256, t0() + chrono::Duration::hours(1));
    let other = other.expect("token");
    for bad in [
        format!("/m/{altered}/{name}"),
        format!("/m/{other}/{name}"),
        format!("/m/{token}/other.jpg"),
        format!("/m/{token}/{}.jpg", f.staged.sha256),
        format!("/m/{token}"),
        format!("/m/{token}/{name}/x"),
        format!("/m/{}/{name}", "A".repeat(75)),
    ] {
        assert_eq!(
            request(f.server.addr(), "GET", &bad, "").await.status,
            404,
            "{bad}"
        );
    }
    assert_eq!(request(f.server.addr(), "GET", &path, "").await.status, 200);
    f.clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        request(f.server.addr(), "GET", &path, "").await.status,
        200,
        "valid to the second"
    );
    f.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(
        request(f.server.addr(), "GET", &path, "").await.status,
        404,
        "expired"
    );
    f.server.shutdown().await;
}

#[tokio::test]
async fn no_request_path_reaches_a_byte_outside_the_staged_set() {
    let f = fixture().await;
    // A secret outside the store, and a symlink to it inside the calendar.
    let outside = f.dir.path().join("outside");
    std::fs::create_dir_all(&outside).expect("outside");
    let secret = outside.join("secret.jpg");
    std::fs::write(&secret, SECRET).expect("secret");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&secret, f.calendar().join("media/evil.jpg")).expect("symlink");
    let store = f.staged.path.parent().expect("store").to_owned();
    let staged_name = f
        .staged
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name")
        .to_owned();
    let path = f.path();
    let (prefix, _) = path.rsplit_once('/').expect("name");
    let secret_abs = secret.display().to_string();
    let store_abs = store.display().to_string();
    let payloads = [
        "/".to_owned(),
        "/m".to_owned(),
        "/m/".to_owned(),
        "/index/".to_owned(),
        "/tmp/".to_owned(),
        format!("/{staged_name}"),
        format!("/m/{staged_name}"),
        format!("{store_abs}/{staged_name}"),
        format!("/m/{}.json", f.staged.sha256),
        format!("/{}", f.staged.sha256),
        secret_abs.clone(),
        format!("/m/..{secret_abs}"),
        "/m/../../../../../../etc/passwd".to_owned(),
        "/../../../../etc/passwd".to_owned(),
        "/m/../outside/secret.jpg".to_owned(),
        format!("{prefix}/../../outside/secret.jpg"),
        format!("{prefix}/..%2f..%2foutside%2fsecret.jpg"),
        "/m/%2e%2e/%2e%2e/outside/secret.jpg".to_owned(),
        "/m/%252e%252e/%252e%252e/etc/passwd".to_owned(),
        "/m/%2e%2e%2f%2e%2e%2fetc%2fpasswd/x.jpg".to_owned(),
        "/m\\..\\..\\outside\\secret.jpg".to_owned(),
        "/m/..\\..\\outside\\secret.jpg/x".to_owned(),
        format!("{prefix}/..\\..\\outside\\secret.jpg"),
        "/calendar/media/evil.jpg".to_owned(),
        "/media/evil.jpg".to_owned(),
        format!("{prefix}/evil.jpg"),
        "//etc/passwd".to_owned(),
        "http://media.test/etc/passwd".to_owned(),
        "/m/%00/x.jpg".to_owned(),
    ];
    for payload in &payloads {
        let got = request(f.server.addr(), "GET", payload, "").await;
        assert!(
            !(200..300).contains(&got.status),
            "{payload}: {}",
            got.status
        );
        assert!(
            !got.body.windows(SECRET.len()).any(|w| w == SECRET),
            "{payload}"
        );
        assert!(!got.body.windows(4).any(|w| w == b"root"), "{payload}");
    }
    // The staged file itself replaced by a symlink to the secret: refused, not followed.
    std::fs::remove_file(&f.staged.path).expect("remove");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&secret, &f.staged.path).expect("symlink");
    let got = request(f.server.addr(), "GET", &path, "").await;
    assert_eq!(got.status, 404);
    assert!(!got.body.windows(SECRET.len()).any(|w| w == SECRET));
    f.server.shutdown().await;
}

#[tokio::test]
async fn a_restarted_server_with_the_same_key_serves_old_urls() {
    let f = fixture().await;
    let dir = tempfile::tempdir().expect("state dir");
    let key = ShareKey::load_or_create(dir.path()).expect("key");
    let stager = Arc::new(Stager::open(f.staged.path.parent().expect("store")).expect("store"));
    let clock: SharedClock = Arc::new(f.clock.clone());
    let any = "127.0.0.1:0".parse().expect("addr");
    let first = MediaServer::start(any, stager.clone(), clock.clone(), key)
        .await
        .expect("start");
    let path = first.share(&f.staged, t0() + chrono::Duration::minutes(5));
    first.shutdown().await;
    let key = ShareKey::load_or_create(dir.path()).expect("key again");
    let second = MediaServer::start(any, stager, clock, key)
        .await
        .expect("restart");
    let got = request(second.addr(), "GET", &path, "").await;
    assert_eq!((got.status, got.body), (200, f.bytes.clone()));
    second.shutdown().await;
    f.server.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let f = fixture().await;
    let addr = f.server.addr();
    assert!(addr.ip().is_loopback());
    f.server.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
}

/// A client that never finishes its request head is cut off, and while it holds the only
/// connection slot the next client waits in the listen queue, then is served.
#[tokio::test]
async fn slow_clients_are_cut_off_and_connections_are_bounded() {
    let f = fixture().await;
    let bounds = Bounds {
        max_connections: 1,
        header_read_timeout: Duration::from_millis(300),
    };
    let stager = Arc::new(Stager::open(f.staged.path.parent().expect("store")).expect("store"));
    let any = "127.0.0.1:0".parse().expect("addr");
    let clock: SharedClock = Arc::new(f.clock.clone());
    let server = MediaServer::start_with(any, stager, clock, ShareKey::random(), bounds)
        .await
        .expect("start");
    let path = server.share(&f.staged, t0() + chrono::Duration::hours(1));
    let mut slow = TcpStream::connect(server.addr()).await.expect("connect");
    slow.write_all(b"GET /m/ HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("send");
    let started = std::time::Instant::now();
    let next = request(server.addr(), "GET", &path, "").await;
    assert_eq!(next.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "served only once the slot freed"
    );
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the slow client was disconnected");
    server.shutdown().await;
    f.server.shutdown().await;
}
