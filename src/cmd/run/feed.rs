//! `run --ics-listen`: the calendar as a live iCalendar feed, read-only, from the daemon.
//!
//! Each request builds the same feed `postcal export ics` writes, from the calendar directory
//! and the daemon's snapshot of its records (the file `status` reads), so a subscribed calendar
//! app sees what the daemon sees, at most a snapshot interval (500 ms) behind. Nothing here can
//! change the state or publish: the only route is `GET /calendar.ics`.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Duration;
use tokio::sync::watch;

use crate::clock::SharedClock;

/// The feed's one path.
pub const PATH: &str = "/calendar.ics";

#[derive(Clone)]
struct Feed {
    dir: PathBuf,
    state_dir: PathBuf,
    clock: SharedClock,
}

/// Binds `listen` (port 0 picks a free one) and serves the feed until `stop` turns true.
/// Returns the address it listens on.
pub async fn serve(
    listen: SocketAddr,
    dir: PathBuf,
    state_dir: PathBuf,
    clock: SharedClock,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = Router::new().route(PATH, get(feed)).with_state(Feed {
        dir,
        state_dir,
        clock,
    });
    tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
        {
            tracing::error!(error = %e, "the ICS feed stopped");
        }
    });
    Ok(addr)
}

async fn feed(State(feed): State<Feed>) -> Response {
    let now = feed.clock.now();
    let built = tokio::task::spawn_blocking(move || render(&feed, now)).await;
    match built {
        Ok(Ok(text)) => (
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
            text,
        )
            .into_response(),
        Ok(Err(message)) => {
            tracing::warn!(error = %message, "the ICS feed could not be built");
            (StatusCode::SERVICE_UNAVAILABLE, format!("{message}\n")).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

fn render(feed: &Feed, now: chrono::DateTime<chrono::Utc>) -> Result<String, String> {
    let desired = crate::plan::desired::load(&feed.dir).map_err(|e| e.to_string())?;
    let observed = crate::state::read_observed(&feed.state_dir).map_err(|e| e.to_string())?;
    let agenda = crate::agenda::agenda(
        &desired,
        observed.records,
        now,
        Duration::days(crate::agenda::DEFAULT_HORIZON_DAYS),
    );
    let name = crate::cmd::export::calendar_name(&feed.dir);
    Ok(crate::ics::render(&agenda, &name))
}
