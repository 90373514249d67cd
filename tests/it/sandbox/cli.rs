//! `postcal sandbox` as a process: it binds the address it was given, prints it, logs one line
//! per request without tokens, and exits 0 on Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_cli_serves_logs_without_tokens_and_stops_cleanly_on_sigint() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--seed", "7"])
        .env("POSTCAL_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let root = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(
        root.starts_with("http://127.0.0.1:") && !root.ends_with(":0"),
        "{first}"
    );

    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let created: serde_json::Value = http
        .post(format!("{root}/_sandbox/accounts"))
        .body(r#"{"platform":"instagram","username":"demo"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "did not stop on SIGINT"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(status.code(), Some(0));
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let request_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/graph.instagram.com/"))
        .collect();
    assert_eq!(request_lines.len(), 2, "one line per request:\n{log}");
    assert!(
        request_lines[0].contains("GET")
            && request_lines[0].contains("-> 200")
            && request_lines[0].contains("access_token=***"),
        "{log}"
    );
    assert!(request_lines[1].contains("-> 400"), "{log}");
    assert!(!log.contains(&token), "a token reached the log:\n{log}");
}
