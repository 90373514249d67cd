//! Connections: the accept loop, HTTP/1.1 on each connection, and the limits that keep a slow,
//! silent or crowding client from blocking shutdown or starving others ([`ServerSettings`]).
//!
//! # Guarantees
//! - A request head must arrive within `header_timeout_ms` of the server starting to wait for
//!   it; an idle keep-alive connection is closed after the same time.
//! - A request body that sends nothing for `body_idle_timeout_ms` fails the request.
//! - At most `max_connections` are open; at the limit, connections with no request in flight
//!   are closed to make room (within a second), and new ones wait only while every open
//!   connection is busy.
//! - Shutdown stops accepting, lets requests in flight finish for `shutdown_grace_ms`, then
//!   closes every connection that is left: it never waits on a client.
//! - A handler can abort its own connection ([`ConnHandle::kill`]): every further read and
//!   write fails, so the client sees the connection close without an answer.

use std::collections::HashMap;
use std::io;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

use super::config::ServerSettings;

/// How long an idle connection asked to make room may take to close before it is dropped.
const EVICTION_GRACE: Duration = Duration::from_secs(1);

/// One accepted connection, as handlers see it: a switch that aborts it.
#[derive(Debug, Clone)]
pub(crate) struct ConnHandle {
    kill: Arc<AtomicBool>,
}

impl ConnHandle {
    /// Makes every further read and write on the connection fail, so hyper drops it.
    pub fn kill(&self) {
        self.kill.store(true, Ordering::SeqCst);
    }
}

/// A TCP stream that starts failing once its [`ConnHandle`] is killed.
struct KillableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by an injected fault",
    )
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body that fails once no data has come for `idle` (counted from the first time
/// the handler reads it, then from each frame).
struct TimeoutBody {
    inner: Incoming,
    idle: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl hyper::body::Body for TimeoutBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let idle = this.idle;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                sleep.as_mut().reset(Instant::now() + idle);
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(
                    "the request body sent nothing for too long".into(),
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        hyper::body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> SizeHint {
        hyper::body::Body::size_hint(&self.inner)
    }
}

/// What the accept loop knows of one open connection.
#[derive(Default)]
struct Open {
    /// Requests in flight on it.
    busy: AtomicUsize,
    /// Asks it to close (it is idle and room is needed).
    evict: Notify,
}

/// Counts a request in flight for as long as it lives.
struct InFlight(Arc<Open>);

impl InFlight {
    fn enter(open: &Arc<Open>) -> Self {
        open.busy.fetch_add(1, Ordering::SeqCst);
        Self(open.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Resolves once `stop` is true (the guard `wait_for` returns is not `Send`: drop it here).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

type Registry = Arc<Mutex<HashMap<u64, Arc<Open>>>>;

fn lock(registry: &Registry) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Open>>> {
    registry.lock().unwrap_or_else(|p| p.into_inner())
}

/// Serves `router` on `listener` until `stop` turns true, then shuts down as the module docs
/// say.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ServerSettings,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(settings.max_connections.max(1) as usize));
    let registry: Registry = Arc::default();
    let ids = AtomicU64::new(0);
    let mut tasks = JoinSet::new();
    'accept: loop {
        while tasks.try_join_next().is_some() {}
        // At the limit, ask the idle connections to close, again every second while none
        // frees a place (a busy one may have gone idle meanwhile).
        let permit = loop {
            if let Ok(p) = slots.clone().try_acquire_owned() {
                break p;
            }
            for open in lock(&registry).values() {
                if open.busy.load(Ordering::SeqCst) == 0 {
                    open.evict.notify_one();
                }
            }
            tokio::select! {
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(p) => break p,
                    Err(_) => break 'accept,
                },
                _ = tokio::time::sleep(EVICTION_GRACE) => {}
                _ = stopped(&mut stop) => break 'accept,
            }
        };
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue 'accept;
                }
            },
            _ = stopped(&mut stop) => break 'accept,
        };
        let _ = tcp.set_nodelay(true);
        let id = ids.fetch_add(1, Ordering::Relaxed);
        let open = Arc::new(Open::default());
        lock(&registry).insert(id, open.clone());
        let registry = registry.clone();
        let (router, settings, stop) = (router.clone(), settings.clone(), stop.clone());
        tasks.spawn(async move {
            connection(tcp, router, &settings, open, stop).await;
            lock(&registry).remove(&id);
            drop(permit);
        });
    }
    drop(listener);
    let grace = Duration::from_millis(settings.shutdown_grace_ms);
    // Connections see `stop` themselves and close once idle; whatever is left is dropped.
    let _ = tokio::time::timeout(grace + Duration::from_millis(100), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.shutdown().await;
}

/// One connection: HTTP/1.1 with the header timeout, each request's body behind
/// [`TimeoutBody`], closed on eviction or shutdown.
async fn connection(
    tcp: TcpStream,
    router: Router,
    settings: &ServerSettings,
    open: Arc<Open>,
    mut stop: watch::Receiver<bool>,
) {
    let kill = Arc::new(AtomicBool::new(false));
    let handle = ConnHandle { kill: kill.clone() };
    let io = TokioIo::new(KillableStream { inner: tcp, kill });
    let body_idle = Duration::from_millis(settings.body_idle_timeout_ms.max(1));
    let tower = TowerToHyperService::new(router);
    let service_open = open.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let guard = InFlight::enter(&service_open);
        let mut req = req.map(|inner| {
            Body::new(TimeoutBody {
                inner,
                idle: body_idle,
                sleep: None,
            })
        });
        req.extensions_mut().insert(ConnectInfo(handle.clone()));
        let call = hyper::service::Service::call(&tower, req);
        async move {
            let resp = call.await;
            drop(guard);
            resp
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(settings.header_timeout_ms.max(1)));
    let mut conn = pin!(builder.serve_connection(io, service));
    let grace = Duration::from_millis(settings.shutdown_grace_ms);
    let mut deadline: Option<(Instant, bool)> = None;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stopped(&mut stop), if deadline.is_none() => {
                conn.as_mut().graceful_shutdown();
                deadline = Some((Instant::now() + grace, true));
            }
            _ = open.evict.notified(), if deadline.is_none() => {
                conn.as_mut().graceful_shutdown();
                deadline = Some((Instant::now() + EVICTION_GRACE, false));
            }
            _ = tokio::time::sleep_until(deadline.map_or_else(Instant::now, |d| d.0)), if deadline.is_some() => {
                let stopping = deadline.is_some_and(|d| d.1);
                // An evicted connection that took a request meanwhile finishes it (keep-alive
                // is off now); shutdown waits for nobody.
                if stopping || open.busy.load(Ordering::SeqCst) == 0 {
                    return;
                }
                deadline = None;
            }
        }
    }
}
