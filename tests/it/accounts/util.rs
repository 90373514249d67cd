//! A sandbox on a manual clock, logins driven with reqwest through the sandbox's authorize
//! pages to the one-shot callback, and a vault in a temporary directory.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use postcal::auth::key::VaultKey;
use postcal::auth::login::{Attempt, Callback, LoggedIn, LoginError, LoginSetup, Redirect};
use postcal::auth::vault::Vault;
use postcal::auth::{App, HttpRefresher, OAuthHosts, VaultCredentials};
use postcal::clock::{ManualClock, SharedClock};
use postcal::manifest::config::InstagramLogin;
use postcal::platform::TargetKey;
use postcal::sandbox::{AccountSpec, Sandbox, SandboxConfig, SeededAccount};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

pub struct Env {
    pub sandbox: Sandbox,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    pub hosts: OAuthHosts,
    pub dir: tempfile::TempDir,
    pub vault: Vault,
}

impl Env {
    pub async fn start() -> Self {
        Self::with(SandboxConfig::default()).await
    }

    pub async fn with(config: SandboxConfig) -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        let shared: SharedClock = clock.clone();
        let sandbox = Sandbox::start_with(
            config,
            shared,
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .unwrap();
        let hosts = OAuthHosts::sandbox(&sandbox.urls().root);
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::new(&dir.path().join(".postcal"), Arc::new(VaultKey::generate()));
        Self {
            sandbox,
            clock,
            http: postcal::platform::http::client(true).unwrap(),
            hosts,
            dir,
            vault,
        }
    }

    /// Creates the sandbox account `platform/name` (username `name`).
    pub fn account(&self, target: &str) -> SeededAccount {
        let t: TargetKey = target.parse().unwrap();
        self.sandbox
            .add_account(AccountSpec::new(t.platform, &t.account))
    }

    pub fn setup(&self, target: &str, login: InstagramLogin) -> LoginSetup {
        let t: TargetKey = target.parse().unwrap();
        let apps = SandboxConfig::default().apps;
        let app = match (t.platform, login) {
            (postcal::platform::Platform::Instagram, InstagramLogin::Facebook) => apps.facebook,
            (postcal::platform::Platform::Instagram, _) => apps.instagram,
            (postcal::platform::Platform::Facebook, _) => apps.facebook,
            (postcal::platform::Platform::Threads, _) => apps.threads,
            (postcal::platform::Platform::Tiktok, _) => apps.tiktok,
        };
        LoginSetup {
            target: t.clone(),
            login,
            app: App {
                client_id: app.client_id,
                client_secret: app.client_secret.into(),
            },
            hosts: self.hosts.clone(),
            redirect: Redirect::Loopback(0),
            expected_id: None,
            extra: vec![("sandbox_account".into(), t.account.clone())],
            also_need: Vec::new(),
            timeout: Duration::from_secs(20),
        }
    }

    /// Opens `url` as a browser would: follows the authorize page's redirect to the callback.
    pub async fn browse(&self, url: &str) -> reqwest::StatusCode {
        // A browser follows redirects (the platform client deliberately does not).
        let browser = reqwest::Client::builder().no_proxy().build().unwrap();
        browser.get(url).send().await.unwrap().status()
    }

    /// A whole login: the authorize page (with `tweak` applied to its address), the callback,
    /// the checks and the exchanges.
    pub async fn login_with(
        &self,
        setup: &LoginSetup,
        tweak: impl FnOnce(String) -> String,
    ) -> (
        Result<LoggedIn, LoginError>,
        Attempt,
        Option<postcal::secret::Secret>,
    ) {
        let server = Callback::bind(0).await.unwrap();
        let attempt = Attempt::new(setup, &server.redirect_uri);
        let waiting = tokio::spawn(server.wait(Duration::from_secs(20)));
        let status = self.browse(&tweak(attempt.url.clone())).await;
        assert!(status.is_success(), "the callback answered {status}");
        let pairs = waiting.await.unwrap().unwrap();
        let code = match attempt.code(&pairs) {
            Ok(c) => c,
            Err(e) => return (Err(e), attempt, None),
        };
        let done = attempt
            .finish(
                &self.http,
                setup,
                &code,
                postcal::clock::Clock::now(&*self.clock),
            )
            .await;
        (done, attempt, Some(code))
    }

    /// The vault's credentials as `run` builds them against this sandbox.
    pub fn credentials(&self) -> VaultCredentials {
        let apps = SandboxConfig::default().apps;
        let app = |a: postcal::sandbox::config::AppCredentials| App {
            client_id: a.client_id,
            client_secret: a.client_secret.into(),
        };
        let refresher = HttpRefresher {
            http: self.http.clone(),
            hosts: self.hosts.clone(),
            tiktok: Some(app(apps.tiktok)),
            facebook: Some(app(apps.facebook)),
        };
        VaultCredentials::open(self.vault.clone(), Arc::new(refresher), self.clock.clone()).unwrap()
    }
}
