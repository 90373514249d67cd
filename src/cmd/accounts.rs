//! `postcal accounts [DIR]`: each account of the calendar with its token's state.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use miette::{IntoDiagnostic, miette};
use serde::Serialize;

use super::Exit;
use super::plan::PlanFormat;
use crate::auth::summary::{AccountSummary, Summary, TokenState};
use crate::manifest::config::InstagramLogin;
use crate::platform::credentials::env_var;
use crate::platform::http::Endpoints;
use crate::platform::{Platform, TargetKey};

/// Show each account: platform, id, username, and its token: valid until, next renewal,
/// scopes, whether it needs a new login. Reads the vault's token-free summary, so it needs no
/// key; with --quota it also asks Instagram and Threads how much of the day's publishing quota
/// is used (this needs the vault key and the network).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Also read the publishing quota used in the last 24 hours, where the platform reports it
    /// (Instagram `content_publishing_limit`, Threads `threads_publishing_limit`).
    #[arg(long)]
    pub quota: bool,
    /// The accounts of sandbox runs against the `postcal sandbox` at this URL.
    #[arg(long, value_name = "URL")]
    pub sandbox_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct Row {
    account: String,
    platform: Platform,
    id: Option<String>,
    username: Option<String>,
    /// `vault`, `env` (a POSTCAL_TOKEN_… variable, which wins over the vault) or `none`.
    source: &'static str,
    /// `valid`, `runs_out_soon`, `needs_login` or `not_logged_in`.
    state: &'static str,
    valid_until: Option<DateTime<Utc>>,
    next_refresh: Option<DateTime<Utc>>,
    renewable_until: Option<DateTime<Utc>>,
    scopes: Vec<String>,
    needs_login: Option<String>,
    quota: Option<Quota>,
}

#[derive(Debug, Serialize)]
struct Quota {
    used: u64,
    total: Option<u64>,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    let config = crate::manifest::load::config_only(&args.dir).ok_or_else(|| {
        miette!(
            help = "run `postcal validate` to see what is wrong",
            "no readable postcal.yaml in {}",
            args.dir.display()
        )
    })?;
    let mut state_dir = crate::state::state_dir(&args.dir);
    if args.sandbox_url.is_some() {
        state_dir = state_dir.join("sandbox");
    }
    let summary = Summary::read(&state_dir).unwrap_or_default();
    let now = Utc::now();
    let mut rows = Vec::new();
    for a in &config.accounts {
        let target = TargetKey::new(a.platform, &a.name);
        let key = target.to_string();
        let s: Option<&AccountSummary> = summary.accounts.iter().find(|s| s.account == key);
        let env = std::env::var(env_var(&target)).is_ok_and(|v| !v.trim().is_empty());
        let (state, needs_login) = match (env, s.map(|s| s.state(now))) {
            (true, _) => ("valid", None),
            (false, None) => ("not_logged_in", Some(format!("run `postcal login {key}`"))),
            (false, Some(TokenState::Valid)) => ("valid", None),
            (false, Some(TokenState::RunsOutSoon(_))) => {
                ("runs_out_soon", s.and_then(|s| s.warning(now)))
            }
            (false, Some(TokenState::NeedsLogin(why))) => ("needs_login", Some(why)),
        };
        rows.push(Row {
            account: key,
            platform: a.platform,
            id: s
                .map(|s| s.id.clone())
                .or_else(|| a.id.as_ref().map(|i| i.value.clone())),
            username: s.and_then(|s| s.username.clone()),
            source: if env {
                "env"
            } else if s.is_some() {
                "vault"
            } else {
                "none"
            },
            state,
            valid_until: s.and_then(|s| s.expires_at),
            next_refresh: s.and_then(|s| s.next_refresh),
            renewable_until: s.and_then(|s| s.renewable_until),
            scopes: s.map(|s| s.scopes.clone()).unwrap_or_default(),
            needs_login,
            quota: None,
        });
    }
    if args.quota {
        read_quotas(&args, &state_dir, &mut rows)?;
    }
    let out = match args.format {
        PlanFormat::Json => {
            let mut s = serde_json::to_string_pretty(
                &serde_json::json!({ "format_version": 1, "accounts": rows }),
            )
            .into_diagnostic()?;
            s.push('\n');
            s
        }
        _ => human(&rows),
    };
    super::output::print(&out)?;
    Ok(if rows.iter().any(|r| r.state == "needs_login") {
        Exit::Problems
    } else {
        Exit::Clean
    })
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn human(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        let who = r
            .username
            .as_deref()
            .map(|u| format!("@{u}"))
            .unwrap_or_default();
        let id =
            r.id.as_deref()
                .map(|i| format!("id {i}"))
                .unwrap_or_else(|| "no id".into());
        out += &format!("{}  {who}  {id}  ({})\n", r.account, r.source);
        let token = match r.state {
            "valid" if r.source == "env" => format!(
                "from {}",
                env_var(
                    &r.account
                        .parse()
                        .unwrap_or_else(|_| TargetKey::new(r.platform, ""))
                )
            ),
            "valid" | "runs_out_soon" => match r.valid_until {
                Some(_) => format!(
                    "valid until {}, next renewal {}",
                    when(r.valid_until),
                    when(r.next_refresh)
                ),
                None => "valid, does not expire".into(),
            },
            _ => String::new(),
        };
        if !token.is_empty() {
            out += &format!("  token: {token}\n");
        }
        if let Some(n) = &r.needs_login {
            let label = if r.state == "runs_out_soon" {
                "WARNING"
            } else {
                "NEEDS LOGIN"
            };
            out += &format!("  {label}: {n}\n");
        }
        if !r.scopes.is_empty() {
            out += &format!("  scopes: {}\n", r.scopes.join(", "));
        }
        if let Some(q) = &r.quota {
            let total = q.total.map(|t| format!(" of {t}")).unwrap_or_default();
            out += &format!("  quota: {}{total} posts in the last 24 h\n", q.used);
        }
    }
    out
}

/// Instagram's and Threads' live publishing quota for each vault account.
fn read_quotas(args: &Args, state_dir: &std::path::Path, rows: &mut [Row]) -> miette::Result<()> {
    if !crate::auth::vault::Vault::exists_in(state_dir) {
        return Ok(());
    }
    let vault = super::login::open_vault(&args.dir, state_dir)?;
    let data = vault.read().map_err(|e| miette!("{e}"))?;
    let endpoints = args
        .sandbox_url
        .as_deref()
        .map_or_else(Endpoints::real, Endpoints::sandbox);
    let http =
        crate::platform::http::client(args.sandbox_url.is_some()).map_err(|e| miette!("{e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .into_diagnostic()?;
    runtime.block_on(async {
        for row in rows.iter_mut() {
            let Some(stored) = data.accounts.get(&row.account) else {
                continue;
            };
            let t = &stored.tokens;
            let url = match (row.platform, t.login) {
                (Platform::Instagram, InstagramLogin::Instagram) => format!(
                    "{}/{}/content_publishing_limit",
                    endpoints.instagram_graph, t.id
                ),
                (Platform::Instagram, InstagramLogin::Facebook) => format!(
                    "{}/{}/content_publishing_limit",
                    endpoints.facebook_graph, t.id
                ),
                (Platform::Threads, _) => format!(
                    "{}/{}/threads_publishing_limit",
                    endpoints.threads_graph, t.id
                ),
                _ => continue,
            };
            let answer = http
                .get(url)
                .query(&[
                    ("fields", "quota_usage,config"),
                    ("access_token", t.access.expose()),
                ])
                .send()
                .await;
            let Ok(resp) = answer else { continue };
            let Ok(body) = resp.json::<serde_json::Value>().await else {
                continue;
            };
            let Some(d) = body.pointer("/data/0") else {
                continue;
            };
            row.quota = d
                .get("quota_usage")
                .and_then(serde_json::Value::as_u64)
                .map(|used| Quota {
                    used,
                    total: d
                        .pointer("/config/quota_total")
                        .and_then(serde_json::Value::as_u64),
                });
        }
    });
    Ok(())
}
