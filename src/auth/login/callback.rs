//! Where the browser comes back to: a one-shot HTTP server on 127.0.0.1 (RFC 8252 §7.3,
//! loopback redirect), or the address a person pastes when the app's redirect URI is a
//! registered `https://` page.
//!
//! # Guarantees
//! - The server listens on the loopback interface only, answers one callback (a request to
//!   `/callback` carrying `code` or `error`) and is gone after it, or after the timeout.
//! - Other requests (a browser's `/favicon.ico`) get a 404 and do not end the wait.
//! - Nothing it receives is logged (the query carries the authorization code).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::LoginError;

/// The path the platforms redirect to.
pub const CALLBACK_PATH: &str = "/callback";

pub struct Callback {
    listener: TcpListener,
    pub redirect_uri: String,
}

impl Callback {
    /// Listens on `127.0.0.1:port` (0: any free port).
    pub async fn bind(port: u16) -> Result<Self, LoginError> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| LoginError::Callback(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| LoginError::Callback(e.to_string()))?
            .port();
        Ok(Self {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
        })
    }

    /// The query of the one callback, within `timeout`.
    pub async fn wait(self, timeout: Duration) -> Result<Vec<(String, String)>, LoginError> {
        let serve = async {
            loop {
                let Ok((mut conn, _)) = self.listener.accept().await else {
                    continue;
                };
                let Some(target) = read_request_target(&mut conn).await else {
                    continue;
                };
                let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
                let pairs = parse_query(query);
                let is_callback =
                    path == CALLBACK_PATH && pairs.iter().any(|(k, _)| k == "code" || k == "error");
                let (status, body) = if is_callback {
                    (
                        "200 OK",
                        "postcal received the login. You can close this tab.",
                    )
                } else {
                    ("404 Not Found", "not found")
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
                let _ = conn.shutdown().await;
                if is_callback {
                    return pairs;
                }
            }
        };
        tokio::time::timeout(timeout, serve)
            .await
            .map_err(|_| LoginError::Timeout(timeout.as_secs()))
    }
}

/// The request target of an HTTP/1 request (`/callback?code=…`), read within a bounded size.
async fn read_request_target(conn: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 || buf.len() > 32 * 1024 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    (parts.next()? == "GET").then_some(())?;
    parts.next().map(str::to_owned)
}

pub fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The query of an address a person pasted (the page the platform redirected to).
pub fn parse_pasted(url: &str) -> Result<Vec<(String, String)>, LoginError> {
    let url = reqwest::Url::parse(url.trim())
        .map_err(|_| LoginError::Callback("that is not an address (paste the whole URL)".into()))?;
    Ok(parse_query(url.query().unwrap_or("")))
}
