//! `postcal login` and `postcal accounts` as a person runs them: the real binary against a
//! `postcal sandbox` process, the authorize address opened with reqwest.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A `postcal sandbox` process, killed on drop (a failing test leaves none behind).
pub struct SandboxProcess {
    child: Child,
    pub url: String,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SandboxProcess {
    pub fn start(dir: &Path, config: &str, log: &str) -> Self {
        let path = dir.join("sandbox.yaml");
        std::fs::write(&path, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_postcal"))
            .args(["sandbox", "--listen", "127.0.0.1:0", "--config"])
            .arg(&path)
            .env("POSTCAL_LOG", log)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{first}");
        Self {
            child,
            url,
            stderr: Some(stderr),
        }
    }

    /// Stops it and returns what it logged.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .map(|h| h.join().unwrap())
            .unwrap_or_default()
    }
}

/// A calendar and a home directory (for the key file) side by side.
pub struct Place {
    pub tmp: tempfile::TempDir,
}

impl Place {
    pub fn new(accounts: &[&str]) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let cal = tmp.path().join("cal");
        std::fs::create_dir_all(cal.join("posts")).unwrap();
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        let mut yaml = String::from("timezone: UTC\naccounts:\n");
        for a in accounts {
            yaml += &format!("  {a}: {{}}\n");
        }
        std::fs::write(cal.join("postcal.yaml"), yaml).unwrap();
        Self { tmp }
    }

    pub fn cal(&self) -> PathBuf {
        self.tmp.path().join("cal")
    }

    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_postcal"));
        c.args(args)
            .current_dir(self.tmp.path())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env_remove("POSTCAL_KEY")
            .env_remove("POSTCAL_KEY_FILE");
        c
    }
}

pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `postcal login …`, opening the address it prints (with `tweak` applied) as a browser.
pub async fn login(place: &Place, args: &[&str], envs: &[(&str, &str)], tweak: &str) -> Ran {
    let mut c = place.command(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut stdout = String::new();
    let mut url = None;
    while url.is_none() {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        stdout += &line;
        url = line
            .trim()
            .starts_with("http://")
            .then(|| line.trim().to_owned());
    }
    if let Some(url) = url {
        let browser = reqwest::Client::builder().no_proxy().build().unwrap();
        let _ = browser.get(format!("{url}{tweak}")).send().await;
    }
    let _ = out.read_to_string(&mut stdout);
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    let status = child.wait().unwrap();
    Ran {
        code: status.code(),
        stdout,
        stderr,
    }
}

/// Runs a command with `input` on its standard input.
pub fn with_stdin(mut c: Command, input: &str) -> Ran {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Text as miette wrapped it, on one line.
pub fn flat(s: &str) -> String {
    s.replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn run(mut c: Command) -> Ran {
    with_stdin(
        {
            c.stdin(Stdio::null());
            c
        },
        "",
    )
}

#[tokio::test]
async fn login_then_accounts_from_the_command_line() {
    let place = Place::new(&["threads/harbor", "tiktok/harbor"]);
    let sandbox = SandboxProcess::start(place.tmp.path(), "{}\n", "warn");
    let url = sandbox.url.clone();
    let done = login(
        &place,
        &[
            "login",
            "threads/harbor",
            "cal",
            "--no-browser",
            "--sandbox-url",
            &url,
        ],
        &[],
        "",
    )
    .await;
    assert_eq!(done.code, Some(0), "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stdout.contains("Logged in threads/harbor as @harbor"),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains("threads/harbor: { id: \""),
        "{}",
        done.stdout
    );
    assert!(
        done.stderr.contains("created the vault key"),
        "{}",
        done.stderr
    );
    let key = place.home().join(".config/postcal/key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(place.cal().join(".postcal/sandbox/vault.age").is_file());

    // Consent refused: nothing saved, a clear message.
    let denied = login(
        &place,
        &[
            "login",
            "tiktok/harbor",
            "cal",
            "--no-browser",
            "--sandbox-url",
            &url,
        ],
        &[],
        "&sandbox_deny=1",
    )
    .await;
    assert_eq!(denied.code, Some(1));
    assert!(
        flat(&denied.stderr).contains("refused at the consent screen"),
        "{}",
        denied.stderr
    );

    // The headless path: a token obtained elsewhere, from standard input.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let seeded: serde_json::Value = http
        .post(format!("{url}/_sandbox/accounts"))
        .json(&serde_json::json!({ "platform": "tiktok", "username": "harbor" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = serde_json::json!({
        "access_token": seeded["access_token"],
        "open_id": seeded["id"],
        "refresh_token": seeded["refresh_token"],
        "expires_in": 7200,
        "refresh_expires_in": 15_552_000,
    });
    let imported = with_stdin(
        place.command(&[
            "login",
            "tiktok/harbor",
            "cal",
            "--token-stdin",
            "--sandbox-url",
            &url,
        ]),
        &token.to_string(),
    );
    assert_eq!(imported.code, Some(0), "{}", imported.stderr);
    assert!(
        imported
            .stdout
            .contains("Logged in tiktok/harbor as @harbor")
    );

    let listed = run(place.command(&[
        "accounts",
        "cal",
        "--sandbox-url",
        &url,
        "--format",
        "json",
        "--quota",
    ]));
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    let doc: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let rows = doc["accounts"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert_eq!(r["state"], "valid", "{r}");
        assert_eq!(r["username"], "harbor");
        assert_eq!(r["source"], "vault");
    }
    assert_eq!(rows[0]["quota"]["total"], 250, "Threads reports its quota");

    // Another key cannot open the vault: a clear error, and the vault is untouched.
    let before = std::fs::read(place.cal().join(".postcal/sandbox/vault.age")).unwrap();
    let other = postcal::auth::key::VaultKey::generate().to_secret_string();
    let mut c = place.command(&["accounts", "cal", "--sandbox-url", &url, "--quota"]);
    c.env("POSTCAL_KEY", other.expose());
    let wrong = run(c);
    assert_eq!(wrong.code, Some(1));
    assert!(
        flat(&wrong.stderr).contains("cannot be opened with the key from POSTCAL_KEY"),
        "{}",
        wrong.stderr
    );
    let mut c = place.command(&[
        "login",
        "threads/harbor",
        "cal",
        "--token-stdin",
        "--sandbox-url",
        &url,
    ]);
    c.env("POSTCAL_KEY", other.expose());
    let refused = with_stdin(c, "whatever-token-value");
    assert_eq!(refused.code, Some(1));
    assert_eq!(
        std::fs::read(place.cal().join(".postcal/sandbox/vault.age")).unwrap(),
        before
    );

    // A key file inside the calendar is refused.
    let mut c = place.command(&[
        "login",
        "threads/harbor",
        "cal",
        "--token-stdin",
        "--sandbox-url",
        &url,
    ]);
    c.env("POSTCAL_KEY_FILE", place.cal().join("key"));
    let inside = with_stdin(c, "whatever-token-value");
    assert_eq!(inside.code, Some(1));
    assert!(
        flat(&inside.stderr).contains("is inside the calendar"),
        "{}",
        inside.stderr
    );
    sandbox.stop();
}
