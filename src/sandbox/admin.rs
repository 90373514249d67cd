//! The sandbox's own endpoints under `/_sandbox/` (a prefix no real API uses): the ledger, call
//! counters, the fault plan, and account seeding, for tests in other processes and for people
//! watching `postcal sandbox`.
//!
//! | Method | Path | What |
//! |---|---|---|
//! | GET | `/_sandbox/` | base URLs of every simulated host |
//! | GET | `/_sandbox/ledger[?account=ID]` | published posts, in order |
//! | GET | `/_sandbox/counters` | calls received per endpoint |
//! | GET / PUT / DELETE | `/_sandbox/faults` | read, replace (YAML or JSON body), clear the fault plan |
//! | POST | `/_sandbox/faults/rules` | add one rule |
//! | POST | `/_sandbox/accounts` | create an account (`AccountSpec` as JSON); answers its tokens |
//!
//! # Guarantees
//! - The ledger and counters never contain tokens; only `POST /_sandbox/accounts` answers
//!   tokens, to the caller who asked for the account.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::accounts::{AccountSpec, seed};
use super::engine::Engine;
use super::faults::{FaultPlan, FaultRule};
use super::ledger::LedgerEntry;

/// The ledger after bringing pending TikTok completions up to date.
pub(crate) fn ledger(engine: &Engine, account: Option<&str>) -> Vec<LedgerEntry> {
    let now = engine.now();
    let mut world = engine.world();
    super::tiktok::catch_up(&mut world, now);
    world
        .ledger
        .entries()
        .iter()
        .filter(|e| account.is_none_or(|a| e.account_id == a))
        .cloned()
        .collect()
}

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": message })),
    )
        .into_response()
}

/// YAML (and therefore JSON) bodies.
fn parse<T: DeserializeOwned>(body: &str) -> Result<T, String> {
    serde_saphyr::from_str(body).map_err(|e| e.to_string())
}

#[derive(serde::Deserialize)]
struct LedgerQuery {
    account: Option<String>,
}

async fn ledger_h(State(engine): State<Arc<Engine>>, Query(q): Query<LedgerQuery>) -> Response {
    axum::Json(json!({ "entries": ledger(&engine, q.account.as_deref()) })).into_response()
}

async fn counters_h(State(engine): State<Arc<Engine>>) -> Response {
    let calls = engine.counters();
    let total: u64 = calls.values().sum();
    axum::Json(json!({ "total": total, "calls": calls })).into_response()
}

async fn faults_get(State(engine): State<Arc<Engine>>) -> Response {
    axum::Json(engine.faults.plan()).into_response()
}

async fn faults_put(State(engine): State<Arc<Engine>>, body: String) -> Response {
    match parse::<FaultPlan>(&body) {
        Ok(plan) => {
            engine.faults.set(plan);
            axum::Json(engine.faults.plan()).into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn faults_delete(State(engine): State<Arc<Engine>>) -> Response {
    engine.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn faults_add(State(engine): State<Arc<Engine>>, body: String) -> Response {
    match parse::<FaultRule>(&body) {
        Ok(rule) => {
            engine.faults.add(rule);
            axum::Json(engine.faults.plan()).into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn accounts_post(State(engine): State<Arc<Engine>>, body: String) -> Response {
    match parse::<AccountSpec>(&body) {
        Ok(spec) => {
            let now = engine.now();
            let lifetimes = engine.config.tokens.clone();
            let seeded = seed(&mut engine.world(), &spec, now, &lifetimes);
            (StatusCode::CREATED, axum::Json(seeded)).into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn index(State(engine): State<Arc<Engine>>) -> Response {
    axum::Json(json!({ "urls": engine.urls, "endpoints": super::faults::ENDPOINTS }))
        .into_response()
}

async fn health() -> &'static str {
    "ok"
}

pub(crate) fn routes() -> Router<Arc<Engine>> {
    Router::new()
        .route("/_sandbox", get(index))
        .route("/_sandbox/", get(index))
        .route("/_sandbox/health", get(health))
        .route("/_sandbox/ledger", get(ledger_h))
        .route("/_sandbox/counters", get(counters_h))
        .route(
            "/_sandbox/faults",
            get(faults_get).put(faults_put).delete(faults_delete),
        )
        .route("/_sandbox/faults/rules", post(faults_add))
        .route("/_sandbox/accounts", post(accounts_post))
}
