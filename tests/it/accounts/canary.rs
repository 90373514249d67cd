//! The secret canary: known token values go through login (`--token-stdin`), a renewal (with a
//! TikTok rotation), publishing, a platform error that echoes the token, and trace-level logs;
//! afterwards they appear in no output stream and in no file under the calendar (state
//! included), except inside the encrypted vault.

use std::path::Path;

use postcal::auth::key::VaultKey;
use postcal::auth::vault::Vault;

use super::cli::{Place, SandboxProcess, run, with_stdin};

const THREADS: &str = "THQWcanary-threads-access-0001";
const TIKTOK_ACCESS: &str = "act.canary-tiktok-access-0001";
const TIKTOK_REFRESH: &str = "rft.canary-tiktok-refresh-0001";
const CANARIES: [&str; 3] = [THREADS, TIKTOK_ACCESS, TIKTOK_REFRESH];

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn known_tokens_never_leave_the_vault() {
    let place = Place::new(&["threads/canary", "tiktok/canary"]);
    let config = format!(
        "processing: {{ text_secs: 0, image_secs: 0, video_secs: 0 }}
accounts:
  - {{ platform: threads, username: canary, access_token: {THREADS} }}
  - {{ platform: tiktok, username: canary, access_token: {TIKTOK_ACCESS}, refresh_token: {TIKTOK_REFRESH} }}
faults:
  rules:
    - endpoint: threads.create_container
      times: 1
      action: {{ error: {{ code: 2, message: \"Invalid OAuth access token - Cannot parse access token: {THREADS}\" }} }}
"
    );
    let sandbox = SandboxProcess::start(place.tmp.path(), &config, "trace");
    let url = sandbox.url.clone();
    let mut outputs = Vec::new();
    let trace = [("POSTCAL_LOG", "trace")];
    let cmd = |args: &[&str]| {
        let mut c = place.command(args);
        c.envs(trace);
        c
    };

    let threads = with_stdin(
        cmd(&[
            "login",
            "threads/canary",
            "cal",
            "--token-stdin",
            "--sandbox-url",
            &url,
        ]),
        THREADS,
    );
    assert_eq!(threads.code, Some(0), "{}", threads.stderr);
    let tiktok_json = format!(
        "{{\"access_token\":\"{TIKTOK_ACCESS}\",\"refresh_token\":\"{TIKTOK_REFRESH}\",\"expires_in\":7200,\"refresh_expires_in\":15552000}}"
    );
    let tiktok = with_stdin(
        cmd(&[
            "login",
            "tiktok/canary",
            "cal",
            "--token-stdin",
            "--sandbox-url",
            &url,
        ]),
        &tiktok_json,
    );
    assert_eq!(tiktok.code, Some(0), "{}", tiktok.stderr);
    outputs.extend([threads, tiktok]);

    // The run starts when the TikTok token is due (its renewal rotates the refresh token), with
    // a post whose first attempt fails with an error echoing the Threads token.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let clock: serde_json::Value = http
        .get(format!("{url}/_sandbox/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap()
        + chrono::Duration::minutes(115);
    let at =
        (now - chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::fs::write(
        place.cal().join("posts/canary.yaml"),
        format!("id: canary\nat: {at}\ntext: Canary post\ntargets:\n  threads/canary: {{}}\n"),
    )
    .unwrap();
    let now = now.to_rfc3339();
    let published = run(cmd(&[
        "run",
        "cal",
        "--sandbox-url",
        &url,
        "--now",
        &now,
        "--exit-when-idle",
        "--fast-forward",
        "--fast-forward-pause-ms",
        "0",
    ]));
    assert_eq!(published.code, Some(0), "{}", published.stderr);
    assert!(
        published.stderr.contains("publish attempt failed"),
        "the echoing error happened: {}",
        published.stderr
    );
    assert!(
        published.stdout.contains("published"),
        "{}",
        published.stdout
    );
    outputs.push(published);
    outputs.push(run(cmd(&[
        "accounts",
        "cal",
        "--sandbox-url",
        &url,
        "--quota",
    ])));
    outputs.push(run(cmd(&["status", "cal"])));
    outputs.push(run(cmd(&["plan", "cal", "--format", "json"])));
    let sandbox_log = sandbox.stop();

    for (i, o) in outputs.iter().enumerate() {
        for c in CANARIES {
            assert!(
                !o.stdout.contains(c),
                "command {i} printed {c} on stdout:\n{}",
                o.stdout
            );
            assert!(
                !o.stderr.contains(c),
                "command {i} printed {c} on stderr:\n{}",
                o.stderr
            );
        }
    }
    for c in CANARIES {
        assert!(!sandbox_log.contains(c), "the sandbox logged {c}");
    }
    let vault_path = place.cal().join(".postcal/sandbox/vault.age");
    let mut all = Vec::new();
    files(&place.cal(), &mut all);
    assert!(all.len() > 5, "{all:?}");
    for f in &all {
        if *f == vault_path {
            continue;
        }
        let bytes = std::fs::read(f).unwrap();
        for c in CANARIES {
            assert!(!contains(&bytes, c), "{} holds {c}", f.display());
        }
    }
    // The test is not vacuous: the vault holds the Threads canary, and the TikTok canaries
    // were renewed away (rotation).
    let key = std::fs::read_to_string(place.home().join(".config/postcal/key")).unwrap();
    let key = VaultKey::parse(&key, "test").unwrap();
    let vault = Vault::new(
        &place.cal().join(".postcal/sandbox"),
        std::sync::Arc::new(key),
    );
    let data = vault.read().unwrap();
    assert_eq!(
        data.accounts["threads/canary"].tokens.access.expose(),
        THREADS
    );
    let tt = &data.accounts["tiktok/canary"].tokens;
    assert_ne!(tt.access.expose(), TIKTOK_ACCESS, "renewed");
    assert_ne!(
        tt.refresh.as_ref().unwrap().expose(),
        TIKTOK_REFRESH,
        "rotated"
    );
}
