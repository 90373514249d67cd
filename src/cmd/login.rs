//! `postcal login PLATFORM/ACCOUNT [DIR]`: connect an account, and keep its tokens in the
//! encrypted vault (`.postcal/vault.age`).

use std::io::{BufRead, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use miette::{IntoDiagnostic, miette};

use super::Exit;
use super::output::{note, print};
use crate::auth::key::VaultKey;
use crate::auth::login::{self, Imported, LoggedIn, LoginSetup, Redirect};
use crate::auth::vault::Vault;
use crate::auth::{App, OAuthHosts};
use crate::manifest::config::{Config, InstagramLogin};
use crate::platform::{Platform, TargetKey};
use crate::sandbox::{AccountSpec, SandboxConfig};
use crate::secret::Secret;

/// Connect an account: run the platform's OAuth login in a browser and keep the tokens,
/// encrypted, in the calendar's `.postcal/vault.age`.
///
/// A one-shot server on 127.0.0.1 receives the browser's redirect (where the app's registered
/// redirect URI is an `https://` page, you paste the address the browser ended on instead).
/// Meta tokens are exchanged for 60-day ones; the daemon renews every token before it expires.
/// Login checks that the grant has the permissions publishing needs and that the account is the
/// one `postcal.yaml` names; it saves nothing otherwise.
///
/// The app's client id comes from `apps:` in postcal.yaml; its secret from
/// POSTCAL_<PLATFORM>_CLIENT_SECRET (or the vault, once a login has saved it). The vault key
/// comes from POSTCAL_KEY, else a key file outside the calendar (created with mode 0600 on the
/// first login: back it up). README: "Connecting accounts".
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The account as postcal.yaml names it, e.g. `instagram/acme`.
    pub account: String,
    /// The calendar directory (the one holding postcal.yaml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Print the address to open instead of opening a browser (the browser may be on another
    /// machine: the redirect must still reach this one, e.g. through `ssh -L`).
    #[arg(long)]
    pub no_browser: bool,
    /// Headless: read a token obtained elsewhere from standard input (a bare token, or the JSON
    /// a token endpoint answers) instead of logging in. It is checked with the platform first.
    #[arg(long)]
    pub token_stdin: bool,
    /// With --token-stdin: the token's lifetime in seconds, when the input does not say.
    #[arg(long, value_name = "SECONDS")]
    pub expires_in: Option<i64>,
    /// Log in to a running `postcal sandbox` at this URL instead of the platforms (its authorize
    /// pages approve at once); the tokens go to the sandbox runs' own vault.
    #[arg(long, value_name = "URL")]
    pub sandbox_url: Option<String>,
    /// The loopback port the browser is sent back to (0: any free port). Set it when the app's
    /// registered redirect URI names a port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How long to wait for the browser to come back, in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

fn secret_var(platform: Platform) -> String {
    format!(
        "POSTCAL_{}_CLIENT_SECRET",
        platform.key().to_ascii_uppercase()
    )
}

pub fn run(args: Args) -> miette::Result<Exit> {
    crate::cmd::run::logging::init(
        crate::cmd::run::LogFormat::Human,
        "warn",
        std::sync::Arc::new(crate::clock::SystemClock),
        chrono_tz::Tz::UTC,
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    let target: TargetKey = args.account.parse().map_err(|e| {
        miette!(
            help = "name it platform/account, e.g. instagram/acme",
            "{e}"
        )
    })?;
    let config = crate::manifest::load::config_only(&args.dir).ok_or_else(|| {
        miette!(
            help = "run `postcal validate` to see what is wrong",
            "no readable postcal.yaml in {}",
            args.dir.display()
        )
    })?;
    let account = config
        .account(target.platform, &target.account)
        .ok_or_else(|| {
            miette!(
                help = format!("add `{target}: {{}}` under `accounts:` in postcal.yaml first"),
                "postcal.yaml has no account {target}"
            )
        })?;
    let login_kind = account
        .instagram_login
        .as_ref()
        .map_or(InstagramLogin::Instagram, |l| l.value);
    let state_dir = match &args.sandbox_url {
        Some(_) => crate::state::state_dir(&args.dir).join("sandbox"),
        None => crate::state::state_dir(&args.dir),
    };
    let vault = open_vault(&args.dir, &state_dir)?;
    let existing = vault.read().into_diagnostic()?;
    // The app: Instagram with Facebook Login is a Facebook app.
    let app_platform = match (target.platform, login_kind) {
        (Platform::Instagram, InstagramLogin::Facebook) => Platform::Facebook,
        (p, _) => p,
    };
    let sandbox_apps = SandboxConfig::default().apps;
    let sandbox_app = match app_platform {
        Platform::Instagram => &sandbox_apps.instagram,
        Platform::Facebook => &sandbox_apps.facebook,
        Platform::Threads => &sandbox_apps.threads,
        Platform::Tiktok => &sandbox_apps.tiktok,
    };
    let configured = config.apps.as_ref().and_then(|a| a.get(app_platform));
    let sandboxed = args.sandbox_url.is_some();
    let client_id = match (configured, sandboxed) {
        (Some(a), _) => a.client_id.value.clone(),
        (None, true) => sandbox_app.client_id.clone(),
        (None, false) => {
            return Err(miette!(
                help = format!(
                    "register an app with {} (README, \"Connecting accounts\") and add to postcal.yaml:\n  apps:\n    {}: {{ client_id: \"…\" }}",
                    app_platform.display_name(),
                    app_platform.key()
                ),
                "postcal.yaml names no {} app to log in with",
                app_platform.display_name()
            ));
        }
    };
    let var = secret_var(app_platform);
    let client_secret = match std::env::var(&var).ok().filter(|s| !s.trim().is_empty()) {
        Some(s) => Secret::from(s.trim()),
        None => match existing.app_secrets.get(app_platform.key()) {
            Some(s) => s.clone(),
            None if sandboxed => Secret::from(sandbox_app.client_secret.as_str()),
            None => {
                return Err(miette!(
                    "set {var} to the app's secret (it is kept in the vault afterwards, never in the calendar)"
                ));
            }
        },
    };
    let redirect = match configured.and_then(|a| a.redirect_uri.as_ref()) {
        Some(uri) if !is_loopback(&uri.value) => Redirect::Registered(uri.value.clone()),
        Some(uri) => Redirect::Loopback(
            reqwest::Url::parse(&uri.value)
                .ok()
                .and_then(|u| u.port())
                .unwrap_or(args.port),
        ),
        None => Redirect::Loopback(args.port),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .into_diagnostic()?;
    let http = crate::platform::http::client(sandboxed).map_err(|e| miette!("{e}"))?;
    let mut setup = LoginSetup {
        target: target.clone(),
        login: login_kind,
        app: App {
            client_id,
            client_secret: client_secret.clone(),
        },
        hosts: args
            .sandbox_url
            .as_deref()
            .map_or_else(OAuthHosts::real, OAuthHosts::sandbox),
        redirect,
        expected_id: account.id.as_ref().map(|i| i.value.clone()),
        extra: Vec::new(),
        also_need: scopes_for_posts(&args.dir, &target),
        timeout: Duration::from_secs(args.timeout),
    };
    let logged_in = runtime.block_on(async {
        let now = match &args.sandbox_url {
            Some(url) => {
                let seeded = sandbox_prepare(&http, url, &target).await?;
                setup.extra.push(("sandbox_account".into(), target.account.clone()));
                if setup.expected_id.is_none() && login_kind == InstagramLogin::Facebook {
                    setup.expected_id = Some(seeded);
                }
                sandbox_now(&http, url).await?
            }
            None => Utc::now(),
        };
        if args.token_stdin {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).into_diagnostic()?;
            let mut token = Imported::parse(&text)
                .ok_or_else(|| miette!("standard input holds no token (a bare token, or JSON with access_token)"))?;
            token.expires_in = token.expires_in.or(args.expires_in);
            if token.expires_in.is_none() && matches!(target.platform, Platform::Instagram | Platform::Threads) {
                note("the token's lifetime is unknown: postcal assumes the 60 days of a long-lived token (pass --expires-in if you know better)");
                token.expires_in = Some(60 * 86_400);
            }
            return login::import(&http, &setup, token, now).await.map_err(|e| miette!("{e}"));
        }
        let open = !args.no_browser;
        login::login(
            &http,
            &setup,
            || now,
            |url| show(url, &target, open),
            paste,
        )
        .await
        .map_err(|e| miette!("{e}"))
    })?;
    save(
        &vault,
        &target,
        &logged_in,
        app_platform,
        client_secret,
        &config,
        sandboxed,
    )
}

/// Scopes the account's posts need beyond the platform's base ones: a Facebook Page that
/// publishes a video needs `publish_video` (platform-rules §3).
fn scopes_for_posts(dir: &Path, target: &TargetKey) -> Vec<String> {
    if target.platform != Platform::Facebook {
        return Vec::new();
    }
    let mut scanner = crate::plan::desired::Scanner::new();
    let Ok(desired) = scanner.scan(dir) else {
        return Vec::new();
    };
    let video = |f: &str| {
        let f = f.to_ascii_lowercase();
        [".mp4", ".mov", ".m4v", ".webm"]
            .iter()
            .any(|e| f.ends_with(e))
    };
    let has_video = desired
        .posts
        .iter()
        .filter(|p| p.targets.iter().any(|t| &t.key == target))
        .filter_map(|p| scanner.content(dir, p, target))
        .any(|c| c.media.iter().any(|m| video(&m.file)));
    if has_video {
        vec!["publish_video".to_owned()]
    } else {
        Vec::new()
    }
}

fn is_loopback(uri: &str) -> bool {
    reqwest::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
    })
}

/// The vault of `state_dir`; the key is created on the first login, never while a vault exists.
pub fn open_vault(calendar: &Path, state_dir: &Path) -> miette::Result<Vault> {
    let key = if Vault::exists_in(state_dir) {
        VaultKey::load(calendar)
            .map_err(|e| miette!("{e}"))?
            .ok_or_else(|| {
                miette!(
                    "{}",
                    crate::auth::vault::VaultError::NoKey(
                        state_dir.join(crate::auth::vault::VAULT_FILE)
                    )
                )
            })?
    } else {
        let (key, created) = VaultKey::load_or_create(calendar).map_err(|e| miette!("{e}"))?;
        if created {
            note(&format!(
                "created the vault key {} (mode 0600): back it up; without it the vault cannot be opened",
                key.source
            ));
        }
        key
    };
    Ok(Vault::new(state_dir, Arc::new(key)))
}

fn show(url: &str, target: &TargetKey, open: bool) {
    let opened = open
        && ["xdg-open", "open"].iter().any(|cmd| {
            std::process::Command::new(cmd)
                .arg(url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    let verb = if opened {
        "A browser was opened; if it did not show the page, open"
    } else {
        "Open"
    };
    let _ = print(&format!(
        "{verb} this address to log in as {target}:\n\n  {url}\n\n"
    ));
}

fn paste() -> Option<String> {
    let _ =
        print("After approving, paste the address your browser was sent to, then press Enter:\n");
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        note("(the address stays on this machine)");
    }
    stdin.lock().lines().next()?.ok()
}

/// Makes sure the sandbox has the account (the same one `run --sandbox-url` creates) and
/// returns its id.
async fn sandbox_prepare(
    http: &reqwest::Client,
    url: &str,
    target: &TargetKey,
) -> miette::Result<String> {
    let url = url.trim_end_matches('/');
    let resp = http
        .post(format!("{url}/_sandbox/accounts"))
        .json(&AccountSpec::new(target.platform, &target.account))
        .send()
        .await
        .map_err(|e| {
            miette!(
                help = "start it with `postcal sandbox`",
                "cannot reach the sandbox at {url}: {}",
                e.without_url()
            )
        })?;
    let seeded: serde_json::Value = resp.json().await.into_diagnostic()?;
    Ok(seeded
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned())
}

async fn sandbox_now(http: &reqwest::Client, url: &str) -> miette::Result<DateTime<Utc>> {
    let v: serde_json::Value = http
        .get(format!("{}/_sandbox/clock", url.trim_end_matches('/')))
        .send()
        .await
        .map_err(|e| miette!("cannot read the sandbox clock: {}", e.without_url()))?
        .json()
        .await
        .into_diagnostic()?;
    v.get("now")
        .and_then(|n| n.as_str())
        .and_then(|n| DateTime::parse_from_rfc3339(n).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| miette!("the sandbox clock answer is unreadable"))
}

fn save(
    vault: &Vault,
    target: &TargetKey,
    done: &LoggedIn,
    app_platform: Platform,
    client_secret: Secret,
    config: &Config,
    sandboxed: bool,
) -> miette::Result<Exit> {
    let a = &done.account;
    let who = a
        .username
        .as_deref()
        .map(|u| format!("@{u}"))
        .unwrap_or_else(|| "the account".into());
    if let Some(yaml_id) = &done.id_mismatch {
        return Err(miette!(
            help = format!(
                "if you meant {who}, change the line in postcal.yaml to\n  {target}: {{ id: \"{}\" }}\nelse log in again as the account with id {yaml_id}",
                a.tokens.id
            ),
            "postcal.yaml says {target} has id {yaml_id}, but this login is for {who} (id {}); nothing was saved",
            a.tokens.id
        ));
    }
    if !done.missing_scopes.is_empty() {
        return Err(miette!(
            help = "run `postcal login` again and allow every permission; if the consent screen does not offer one, add it to the app in the platform's developer dashboard",
            "the login for {target} lacks permissions publishing needs: {}; nothing was saved",
            done.missing_scopes.join(", ")
        ));
    }
    let key = target.to_string();
    vault
        .update(|d| {
            d.accounts.insert(key.clone(), a.clone());
            if !sandboxed {
                d.app_secrets
                    .insert(app_platform.key().to_owned(), client_secret);
            }
        })
        .into_diagnostic()?;
    let mut out = format!("Logged in {target} as {who} (id {}).\n", a.tokens.id);
    if let Some(t) = a.tokens.expires_at {
        out += &format!("Token valid until {}", t.format("%Y-%m-%d %H:%M UTC"));
        if let Some(n) = crate::auth::refresh::next_refresh(target.platform, &a.tokens) {
            out += &format!(
                "; postcal renews it from {}",
                n.format("%Y-%m-%d %H:%M UTC")
            );
        }
        out += ".\n";
    } else {
        out += "The token does not expire.\n";
    }
    out += &format!("Saved in {} (encrypted).\n", vault.path().display());
    let yaml_id = config
        .account(target.platform, &target.account)
        .and_then(|c| c.id.as_ref());
    if yaml_id.is_none() && target.platform != Platform::Tiktok {
        out += &format!(
            "postcal.yaml gives no id for {target}; add it so that every run checks it is still the same account:\n  {target}: {{ id: \"{}\" }}\n",
            a.tokens.id
        );
    }
    print(&out)?;
    Ok(Exit::Clean)
}
