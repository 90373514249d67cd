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
//! | POST | `/_sandbox/accounts` | create an account (`AccountSpec` as JSON), or find the one with the same platform and username again; answers fresh tokens |
//! | GET | `/_sandbox/clock` | the sandbox's current time: `{"now": RFC 3339, "unix": seconds}` |
//! | POST | `/_sandbox/clock` | `{"advance": "25h"}` or `{"set": RFC 3339}`: moves it forward |
//!
//! # Guarantees
//! - The ledger and counters never contain tokens; only `POST /_sandbox/accounts` answers
//!   tokens, to the caller who asked for the account.
//! - The clock only moves forward: a `set` in the past answers 409 and changes nothing; so
//!   does a clock that follows real time only (a library user's `SystemClock`).

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
            let seeded = seed(&mut engine.world(), &spec, now, &lifetimes, true);
            (StatusCode::CREATED, axum::Json(seeded)).into_response()
        }
        Err(e) => bad_request(e),
    }
}

/// A duration like `25h`, `90s`, `1d2h30m`, `2w`: whole numbers with units w, d, h, m, s.
pub(crate) fn parse_duration(raw: &str) -> Option<chrono::Duration> {
    let raw: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if raw.is_empty() {
        return None;
    }
    let mut total = chrono::Duration::zero();
    let mut digits = String::new();
    for c in raw.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: i64 = std::mem::take(&mut digits).parse().ok()?;
        let secs = n.checked_mul(unit)?;
        total = total.checked_add(&chrono::Duration::try_seconds(secs)?)?;
    }
    // A trailing number without a unit is refused: "5" could mean anything.
    digits.is_empty().then_some(total)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockMove {
    advance: Option<String>,
    set: Option<String>,
}

/// `{"now": RFC 3339 in UTC to the millisecond, "unix": seconds}`.
fn clock_body(now: chrono::DateTime<chrono::Utc>) -> Response {
    let ms = chrono::DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    let shown = ms.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    axum::Json(json!({ "now": shown, "unix": now.timestamp() })).into_response()
}

async fn clock_get(State(engine): State<Arc<Engine>>) -> Response {
    clock_body(engine.now())
}

/// `POST /_sandbox/clock`: `{"advance": "25h"}` or `{"set": "2026-12-01T00:00:00Z"}`.
async fn clock_post(State(engine): State<Arc<Engine>>, body: String) -> Response {
    let request = match parse::<ClockMove>(&body) {
        Ok(r) => r,
        Err(e) => {
            return bad_request(format!(
                "expected {{\"advance\": \"25h\"}} or {{\"set\": RFC 3339}}: {e}"
            ));
        }
    };
    let by = match (request.advance.as_deref(), request.set.as_deref()) {
        (Some(raw), None) => match parse_duration(raw) {
            Some(by) => by,
            None => {
                return bad_request(format!(
                    "advance must be a duration like 25h, 90m, 30s or 1d2h, got {raw:?}"
                ));
            }
        },
        (None, Some(raw)) => match chrono::DateTime::parse_from_rfc3339(raw.trim()) {
            Ok(to) if to < engine.now() => {
                let message = format!(
                    "the sandbox clock only moves forward: {raw} is before its current time {}",
                    engine
                        .now()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
                return (
                    StatusCode::CONFLICT,
                    axum::Json(json!({ "error": message })),
                )
                    .into_response();
            }
            Ok(to) => to.with_timezone(&chrono::Utc) - engine.now(),
            Err(_) => {
                return bad_request(format!(
                    "set must be an RFC 3339 time like 2026-12-01T09:00:00Z, got {raw:?}"
                ));
            }
        },
        _ => return bad_request("give exactly one of advance or set".to_owned()),
    };
    match engine.clock.try_advance(by) {
        Ok(now) => clock_body(now),
        Err(e) => (
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
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
        .route("/_sandbox/clock", get(clock_get).post(clock_post))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units_and_refuse_the_rest() {
        let h = chrono::Duration::hours;
        for (raw, want) in [
            ("25h", Some(h(25))),
            (
                "1d2h30m15s",
                Some(h(26) + chrono::Duration::seconds(30 * 60 + 15)),
            ),
            ("2w", Some(h(14 * 24))),
            ("1d 1h", Some(h(25))),
            ("0s", Some(chrono::Duration::zero())),
            ("", None),
            ("5", None),
            ("-1h", None),
            ("1.5h", None),
            ("1y", None),
            ("99999999999999999999d", None),
        ] {
            assert_eq!(parse_duration(raw), want, "{raw:?}");
        }
    }
}
