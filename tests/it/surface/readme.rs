//! Every `sh` block of the README runs, as pasted, so none can rot: with `bash -euo pipefail`
//! in a temporary copy of `examples/`, `postcal` (and `cargo run --`) being the binary under
//! test, and `PORT` a free port for the blocks that start a sandbox. The `cargo` lines that are
//! `.ci/run`'s own steps (`cargo test`, `cargo install`, `cargo build`) are left to it; a block
//! preceded by `<!-- not run by readme.rs: why -->` is skipped, and listed here.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{copy_tree, repo_root};

/// One fenced `sh` block: its first line number, its text, and why it is skipped, if it is.
struct Block {
    line: usize,
    text: String,
    skipped: Option<String>,
}

fn sh_blocks(readme: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = readme.lines().enumerate().peekable();
    let mut previous = "";
    while let Some((n, line)) = lines.next() {
        let fence = line.trim_start();
        if let Some(info) = fence.strip_prefix("```") {
            let shell = matches!(info.trim(), "sh" | "bash" | "console" | "shell");
            let skipped = previous
                .trim()
                .strip_prefix("<!-- not run by readme.rs:")
                .and_then(|r| r.strip_suffix("-->"))
                .map(|why| why.trim().to_owned());
            let mut text = String::new();
            for (_, inner) in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                text.push_str(inner);
                text.push('\n');
            }
            assert_ne!(
                info.trim(),
                "console",
                "README line {}: write commands as `sh` blocks (which this test runs), \
                 output as `text`",
                n + 1
            );
            if shell {
                blocks.push(Block {
                    line: n + 1,
                    text,
                    skipped,
                });
            }
            previous = "";
            continue;
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    blocks
}

/// The block as the test runs it: `.ci/run`'s cargo steps left out, `cargo run --` is `postcal`.
fn runnable(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            !["cargo test", "cargo install", "cargo build"]
                .iter()
                .any(|step| l.starts_with(step))
        })
        .map(|l| l.replace("cargo run -- ", "postcal "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn run_block(block: &Block, script: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&repo_root().join("examples"), &tmp.path().join("examples"));
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_postcal"), bin.join("postcal")).expect("link");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(tmp.path())
        .env("PATH", path)
        .env("PORT", free_port().to_string())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: whatever the block leaves running is stopped with it.
        .process_group(0)
        .spawn()
        .expect("bash");
    let group = child.id() as i32;
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut o = String::new();
        let _ = out.read_to_string(&mut o);
        o
    });
    let errors = std::thread::spawn(move || {
        let mut e = String::new();
        let _ = err.read_to_string(&mut e);
        e
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(180) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // SAFETY: signals this test's own process group, created above.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let _ = child.wait();
    let stdout = reader.join().expect("stdout reader");
    let stderr = errors.join().expect("stderr reader");
    assert!(
        status.is_some_and(|s| s.success()),
        "README line {}: the block {} \n{script}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        block.line,
        if status.is_none() { "hung" } else { "failed" },
    );
}

#[test]
fn every_shell_block_of_the_readme_runs() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    let blocks = sh_blocks(&readme);
    let mut ran = 0;
    let mut skipped = Vec::new();
    for block in &blocks {
        if let Some(why) = &block.skipped {
            skipped.push(format!("line {}: {why}", block.line));
            continue;
        }
        let script = runnable(&block.text);
        if script.trim().is_empty() {
            continue; // only .ci/run's own cargo steps
        }
        run_block(block, &script);
        ran += 1;
    }
    assert!(
        ran >= 4,
        "only {ran} blocks ran: is the README parsed right?"
    );
    // The benchmarks (a release build and minutes) and the 200-kill run (minutes; `cargo
    // test` runs the short version).
    assert_eq!(
        skipped.len(),
        2,
        "only the benchmarks and the long kill test may be skipped: {skipped:?}"
    );
}
