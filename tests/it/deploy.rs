//! `examples/deploy/`: the systemd unit is verified by `systemd-analyze` where it is installed
//! (and its hardening scored offline), and both files are checked for the keys a hardened
//! deployment needs; the Containerfile is parsed the way a builder reads it (no container
//! engine runs here), its stages, sources and exec forms checked.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Command;

use crate::util::repo_root;

fn read(file: &str) -> String {
    std::fs::read_to_string(repo_root().join("examples/deploy").join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// `[Section]` → key → values, as systemd reads a unit (comments, blank lines, repeats).
fn unit_keys(text: &str) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not key=value: {line}"));
        assert!(!section.is_empty(), "{key} outside a section");
        out.entry(section.clone())
            .or_default()
            .entry(key.trim().to_owned())
            .or_default()
            .push(value.trim().to_owned());
    }
    out
}

#[test]
fn the_systemd_unit_is_hardened() {
    let text = read("postcal.service");
    let keys = unit_keys(&text);
    let service = &keys["Service"];
    let one = |k: &str| service.get(k).and_then(|v| v.last()).map(String::as_str);
    assert_eq!(one("DynamicUser"), Some("yes"));
    assert_eq!(one("ProtectSystem"), Some("strict"));
    assert_eq!(one("StateDirectory"), Some("postcal"));
    assert_eq!(one("NoNewPrivileges"), Some("yes"));
    assert_eq!(one("CapabilityBoundingSet"), Some(""));
    assert_eq!(one("Restart"), Some("on-failure"));
    assert!(
        one("EnvironmentFile").is_some() || one("LoadCredential").is_some(),
        "tokens come from a root-only file"
    );
    let exec = one("ExecStart").expect("ExecStart");
    assert!(
        exec.starts_with("/usr/local/bin/postcal run /var/lib/postcal/calendar "),
        "{exec}"
    );
    assert!(keys["Unit"].contains_key("StartLimitBurst"));
    assert_eq!(keys["Install"]["WantedBy"], ["multi-user.target"]);
    // Everything postcal writes is under the state directory: the calendar is checked out there.
    let state = format!("/var/lib/{}/", one("StateDirectory").unwrap_or_default());
    assert!(exec.contains(&state), "{exec} is not under {state}");

    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!(
            "SKIPPED systemd-analyze verify: systemd-analyze is not installed (the key checks above ran)"
        );
        return;
    };
    assert!(version.status.success());
    // `verify` checks that ExecStart's binary exists: point it at the one cargo built.
    let dir = tempfile::tempdir().expect("tempdir");
    let unit = dir.path().join("postcal.service");
    std::fs::write(
        &unit,
        text.replace("/usr/local/bin/postcal", env!("CARGO_BIN_EXE_postcal")),
    )
    .expect("write");
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("run systemd-analyze");
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(
        verify.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify:\n{stderr}"
    );
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(&unit)
        .output()
        .expect("run");
    let report = String::from_utf8_lossy(&security.stdout);
    let level = report
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for postcal.service: ")
                .nth(1)
        })
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok());
    match level {
        Some(level) => assert!(
            level <= 2.0,
            "exposure {level} (systemd calls ≤ 2.0 'OK'):\n{report}"
        ),
        None => {
            eprintln!("systemd-analyze security --offline is not supported here; skipped the score")
        }
    }
}

/// A Containerfile's instructions as a builder reads them: comments dropped, `\` continuations
/// joined.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let (op, args) = current
                    .split_once(char::is_whitespace)
                    .unwrap_or((&current, ""));
                out.push((op.to_ascii_uppercase(), args.trim().to_owned()));
                current.clear();
            }
        }
    }
    assert!(current.is_empty(), "a continuation runs off the end");
    out
}

#[test]
fn the_containerfile_builds_postcal_and_runs_it_unprivileged() {
    let known: HashSet<&str> = [
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    ]
    .into();
    let steps = instructions(&read("Containerfile"));
    assert_eq!(steps.first().map(|s| s.0.as_str()), Some("FROM"));
    let mut stages = Vec::new();
    let mut last_user = None;
    for (op, args) in &steps {
        assert!(known.contains(op.as_str()), "unknown instruction {op}");
        match op.as_str() {
            "FROM" => {
                let words: Vec<&str> = args.split_whitespace().collect();
                assert!(
                    words[0].contains('/') && words[0].contains(':'),
                    "a fully-qualified, tagged base: {args}"
                );
                if let [_, as_, name] = words.as_slice() {
                    assert!(as_.eq_ignore_ascii_case("as"));
                    stages.push((*name).to_owned());
                } else {
                    stages.push(String::new());
                }
                last_user = None;
            }
            "COPY" if args.starts_with("--from=") => {
                let from = args["--from=".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                assert!(
                    stages[..stages.len() - 1].iter().any(|s| s == from),
                    "COPY --from={from}: no such stage"
                );
            }
            "COPY" => {
                let words: Vec<&str> = args.split_whitespace().collect();
                for source in &words[..words.len() - 1] {
                    assert!(
                        repo_root().join(source).exists(),
                        "COPY {source}: not in the repository"
                    );
                }
            }
            "RUN" => assert!(
                !args.contains("cargo build") || args.contains("--locked"),
                "builds with Cargo.lock: {args}"
            ),
            "ENTRYPOINT" | "CMD" | "VOLUME" => {
                let exec: Vec<String> = serde_json::from_str(args)
                    .unwrap_or_else(|e| panic!("{op} in exec (JSON) form: {e}"));
                assert!(!exec.is_empty());
            }
            "USER" => last_user = Some(args.clone()),
            _ => {}
        }
    }
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let user = last_user.expect("the final stage sets USER");
    assert!(
        !["root", "0", "0:0"].contains(&user.as_str()),
        "runs as {user}"
    );
    let entry = steps
        .iter()
        .rev()
        .find(|s| s.0 == "ENTRYPOINT")
        .expect("ENTRYPOINT");
    let copied = steps
        .iter()
        .rev()
        .find(|s| s.0 == "COPY" && s.1.starts_with("--from="))
        .expect("the binary");
    let binary: Vec<String> = serde_json::from_str(&entry.1).expect("exec form");
    assert!(
        copied.1.ends_with(&binary[0]),
        "the entrypoint is the binary copied in"
    );
    let cmd: Vec<String> =
        serde_json::from_str(&steps.iter().rev().find(|s| s.0 == "CMD").expect("CMD").1)
            .expect("exec form");
    // The default command is one postcal accepts.
    let help = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .arg(&cmd[0])
        .arg("--help")
        .output()
        .expect("postcal");
    assert!(help.status.success(), "postcal {} --help", cmd[0]);
    for flag in cmd.iter().filter(|a| a.starts_with("--")) {
        assert!(
            String::from_utf8_lossy(&help.stdout).contains(flag.as_str()),
            "postcal {} has no {flag}",
            cmd[0]
        );
    }
    assert!(Path::new(&repo_root().join("Cargo.lock")).exists());
}
