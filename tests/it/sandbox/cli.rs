//! `postcal sandbox` as a process: it binds the address it was given, prints it, logs one line
//! per request without tokens, exits 0 on Ctrl-C (SIGINT), moves its clock through the admin
//! endpoint, and refuses configuration and fault files that are not small regular files.

use std::process::Command;
use std::time::Duration;

use crate::util::{Postcal, Process};

/// `postcal sandbox` on a free port; returns the process and its root URL.
fn spawn(extra: &[&str]) -> (Process, String) {
    let sandbox = Postcal::new()
        .args(["sandbox", "--listen", "127.0.0.1:0", "--seed", "7"])
        .args(extra)
        .env("POSTCAL_LOG", "info")
        .spawn();
    let first = sandbox.wait_for_stdout("its address", Duration::from_secs(20), |out| {
        out.contains('\n')
    });
    let first = first.lines().next().unwrap_or_default();
    let root = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(
        root.starts_with("http://127.0.0.1:") && !root.ends_with(":0"),
        "{first}"
    );
    (sandbox, root)
}

/// Sends SIGINT, waits for exit 0 and returns everything the sandbox logged.
async fn stop(sandbox: Process) -> String {
    sandbox.signal(libc::SIGINT);
    let out = tokio::task::spawn_blocking(move || sandbox.finish(Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(!out.timed_out, "did not stop on SIGINT");
    out.assert_code(0);
    out.stderr
}

async fn create_account(http: &reqwest::Client, root: &str, body: &str) -> serde_json::Value {
    http.post(format!("{root}/_sandbox/accounts"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_cli_serves_logs_without_tokens_and_stops_cleanly_on_sigint() {
    let (child, root) = spawn(&[]);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let created = create_account(
        &http,
        &root,
        r#"{"platform":"instagram","username":"demo"}"#,
    )
    .await;
    let token = created["access_token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    let me = http
        .get(format!(
            "{root}/graph.instagram.com/v23.0/{id}?fields=username&access_token={token}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let refused = http
        .get(format!(
            "{root}/graph.instagram.com/v23.0/me?access_token={token}x"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    // A token under a parameter name the log does not know, and as a path segment.
    for path in [
        format!("/graph.instagram.com/v23.0/debug_token?input_token={token}"),
        format!("/graph.instagram.com/v23.0/{token}"),
    ] {
        http.get(format!("{root}{path}")).send().await.unwrap();
    }

    let log = stop(child).await;
    let request_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/graph.instagram.com/"))
        .collect();
    assert_eq!(request_lines.len(), 4, "one line per request:\n{log}");
    assert!(
        request_lines[0].contains("GET")
            && request_lines[0].contains("-> 200")
            && request_lines[0].contains("access_token=***"),
        "{log}"
    );
    assert!(request_lines[1].contains("-> 400"), "{log}");
    assert!(request_lines[2].contains("input_token=***"), "{log}");
    assert!(!log.contains(&token), "a token reached the log:\n{log}");
}

#[tokio::test]
async fn the_cli_clock_moves_forward_through_the_admin_endpoint() {
    let (child, root) = spawn(&[]);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let created = create_account(&http, &root, r#"{"platform":"tiktok","username":"demo"}"#).await;
    let token = created["access_token"].as_str().unwrap().to_owned();
    let creator = || {
        http.post(format!(
            "{root}/open.tiktokapis.com/v2/post/publish/creator_info/query/"
        ))
        .bearer_auth(&token)
        .send()
    };
    assert_eq!(creator().await.unwrap().status(), 200);
    let clock = format!("{root}/_sandbox/clock");
    let before: serde_json::Value = http.get(&clock).send().await.unwrap().json().await.unwrap();
    let before = before["unix"].as_i64().unwrap();
    let wall = chrono::Utc::now().timestamp();
    assert!((before - wall).abs() < 60, "starts at the system time");
    let after: serde_json::Value = http
        .post(&clock)
        .body(r#"{"advance":"25h"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after = after["unix"].as_i64().unwrap();
    assert!(
        (after - before - 25 * 3600).abs() < 60,
        "{before} -> {after}"
    );
    let expired = creator().await.unwrap();
    assert_eq!(expired.status(), 401, "the 2-hour access token expired");
    stop(child).await;
}

/// Runs `postcal sandbox` with `args`, expecting it to refuse to start within 5 seconds;
/// returns its stderr.
fn refused(args: &[&str]) -> String {
    let out = Postcal::new()
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .args(args)
        .timeout(Duration::from_secs(5))
        .run();
    assert!(
        !out.timed_out,
        "postcal sandbox {args:?} did not refuse within 5 s"
    );
    out.assert_code(1);
    out.stderr
}

#[test]
fn configuration_and_fault_files_must_be_small_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("plan.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    for flag in ["--faults", "--config"] {
        for path in ["/dev/zero", fifo, dir.path().to_str().unwrap()] {
            let err = refused(&[flag, path]);
            assert!(err.contains("not a regular file"), "{flag} {path}: {err}");
        }
    }
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 * 1024 * 1024))).unwrap();
    let err = refused(&["--config", big.to_str().unwrap()]);
    assert!(err.contains("larger than"), "{err}");

    let bad_plan = dir.path().join("faults.yaml");
    std::fs::write(&bad_plan, "rules:\n  - endpoint: x\n    action: explode\n").unwrap();
    let err = refused(&["--faults", bad_plan.to_str().unwrap()]);
    assert!(err.contains("not a valid fault plan"), "{err}");
    assert!(!err.contains("sandbox configuration"), "{err}");
    let bad_config = dir.path().join("config.yaml");
    std::fs::write(&bad_config, "nope: 1\n").unwrap();
    let err = refused(&["--config", bad_config.to_str().unwrap()]);
    assert!(err.contains("not a valid sandbox configuration"), "{err}");
}
