//! Signals with the real binary: SIGTERM or SIGINT at any point of a busy pass (600 slots due)
//! stops the daemon with exit 0 within a second (a step still in flight then is cut off and
//! resolved at the next start, as after a crash); SIGHUP rescans and does not stop it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::harness::*;

fn busy_calendar() -> Cal {
    let cal = Cal::new();
    for i in 0..600 {
        cal.post(&format!("p{i:03}"), t(-1), &format!("Post {i}"));
    }
    cal
}

fn start(dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_postcal"))
        .arg("run")
        .arg(dir)
        .args(["--publisher", "fake", "--now", &rfc(t(0))])
        .env("NO_COLOR", "1")
        .env("POSTCAL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: libc::c_int) {
    // SAFETY: signals a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
}

/// Waits for the child to exit; its exit code and how long it took.
fn wait(child: &mut Child, limit: Duration) -> (Option<i32>, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return (None, started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_stop_signal_at_any_point_of_a_busy_pass_exits_0_within_a_second() {
    for (delay_ms, sig) in [
        (50, libc::SIGTERM),
        (200, libc::SIGTERM),
        (500, libc::SIGINT),
        (900, libc::SIGTERM),
    ] {
        let cal = busy_calendar();
        let mut child = start(&cal.root());
        std::thread::sleep(Duration::from_millis(delay_ms));
        signal(&child, sig);
        let (code, took) = wait(&mut child, Duration::from_secs(10));
        assert_eq!(code, Some(0), "signal {sig} after {delay_ms} ms");
        assert!(
            took < Duration::from_secs(1),
            "signal {sig} after {delay_ms} ms: exit took {took:?}"
        );
        if delay_ms != 500 {
            continue;
        }
        // Whatever was recorded is consistent: a restart finishes the pass and publishes the rest.
        let out = Command::new(env!("CARGO_BIN_EXE_postcal"))
            .arg("run")
            .arg(cal.root())
            .args(["--once", "--publisher", "fake", "--now", &rfc(t(0))])
            .env("POSTCAL_LOG", "warn")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn sighup_rescans_and_does_not_stop_the_daemon() {
    let cal = Cal::new();
    cal.post("later", t(600), "Much later");
    let mut child = start(&cal.root());
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGHUP);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGHUP stopped the daemon"
    );
    signal(&child, libc::SIGTERM);
    let (code, _) = wait(&mut child, Duration::from_secs(10));
    assert_eq!(code, Some(0));
}
