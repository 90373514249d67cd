//! The one way tests start the real `postcal` binary: a builder in the spirit of ripgrep's
//! `tests/util.rs`. [`Postcal::run`] runs a verb to its end; [`Postcal::spawn`] starts one that
//! keeps running (`run`, `sandbox`) and returns a [`Process`] that is killed when dropped, so a
//! failing test never leaves a daemon behind.
//!
//! Every launch gets the same environment policy: colour off (`NO_COLOR=1`, no
//! `CLICOLOR_FORCE`; output goes to pipes anyway) and no inherited `POSTCAL_LOG`, so what a
//! test compares does not depend on the shell it runs in. A test that wants logs sets
//! `POSTCAL_LOG` with [`Postcal::env`]. stdout and stderr are always read, in the background,
//! so a chatty process never blocks on a full pipe.

use std::ffi::OsString;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::repo_root;

/// One launch of `postcal`: arguments, working directory, environment, and how long a run may
/// take.
pub struct Postcal {
    args: Vec<OsString>,
    dir: PathBuf,
    env: Vec<(OsString, OsString)>,
    timeout: Duration,
    /// Read this many bytes of stdout, then close it (a reader such as `head` going away).
    stdout_bytes: Option<usize>,
}

/// What a process produced, once it ended.
#[derive(Debug)]
pub struct Output {
    /// `None` when the process was killed by a signal (a crash, a kill, or the timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
    /// CPU time the process used (user and system): what it cost, however busy the machine.
    pub cpu: Duration,
    /// Peak resident memory of the process, in KiB.
    pub max_rss_kib: u64,
    /// Whether it was killed for running past the timeout.
    pub timed_out: bool,
}

impl Postcal {
    /// `postcal` with no arguments, run from the repository root.
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            dir: repo_root().to_path_buf(),
            env: Vec::new(),
            timeout: Duration::from_secs(120),
            stdout_bytes: None,
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = dir.into();
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// [`Postcal::run`] kills the process (a hang) after `timeout`; the output then has
    /// `timed_out`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Reads `bytes` of stdout, then closes it while postcal may still be writing, as
    /// `postcal ... | head -c BYTES` does. The pipe is made small (one page), so any output
    /// longer than that meets the closed pipe.
    pub fn close_stdout_after(mut self, bytes: usize) -> Self {
        self.stdout_bytes = Some(bytes);
        self
    }

    /// Runs postcal to its end (killed after the timeout).
    pub fn run(&self) -> Output {
        self.spawn().finish(self.timeout)
    }

    /// Starts postcal and returns at once.
    pub fn spawn(&self) -> Process {
        let (out_reader, out_writer) = std::io::pipe().expect("pipe");
        if self.stdout_bytes.is_some() {
            // SAFETY: fcntl on a descriptor this function owns; a failure only leaves the
            // pipe at its default size.
            unsafe { libc::fcntl(out_writer.as_raw_fd(), libc::F_SETPIPE_SZ, 4096) };
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_postcal"));
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("POSTCAL_LOG")
            .stdin(Stdio::null())
            .stdout(out_writer)
            .stderr(Stdio::piped());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let started = Instant::now();
        #[expect(
            clippy::zombie_processes,
            reason = "reaped by wait4 in Process::wait, or by its Drop"
        )]
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run postcal: {e}"));
        // The parent's copy of the write end is in `command`: drop it, or reads never end.
        drop(command);
        let stderr = child.stderr.take().expect("stderr is piped");
        let (stdout, out_thread) = Capture::start(out_reader, self.stdout_bytes);
        let (stderr, err_thread) = Capture::start(stderr, None);
        Process {
            pid: child.id() as libc::pid_t,
            started,
            exit: None,
            stdout,
            stderr,
            readers: vec![out_thread, err_thread],
        }
    }
}

impl Output {
    /// Asserts the process exited with `code`, printing everything it wrote if not.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code (timed out: {})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.timed_out,
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout then stderr, for messages that may be on either.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A running `postcal`, killed (SIGKILL) and reaped when dropped.
pub struct Process {
    pid: libc::pid_t,
    started: Instant,
    /// What wait4 said once it was reaped.
    exit: Option<Exit>,
    stdout: Capture,
    stderr: Capture,
    readers: Vec<JoinHandle<()>>,
}

impl Process {
    pub fn pid(&self) -> u32 {
        self.pid as u32
    }

    /// Sends `signal` (`libc::SIGTERM`, `libc::SIGINT`...) unless the process was reaped.
    pub fn signal(&self, signal: libc::c_int) {
        if self.exit.is_none() {
            // SAFETY: a signal to our own child, which is not reaped yet, so the pid is its.
            unsafe { libc::kill(self.pid, signal) };
        }
    }

    /// Everything it wrote on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.text()
    }

    /// Everything it wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Waits at most `limit` for stdout to satisfy `ready` (a banner, a line); returns it.
    #[track_caller]
    pub fn wait_for_stdout(
        &self,
        what: &str,
        limit: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        self.wait_on(
            &self.stdout,
            &format!("printed {what} on stdout"),
            limit,
            &ready,
        )
    }

    /// Waits at most `limit` for stderr to satisfy `ready` (a log line); returns it.
    #[track_caller]
    pub fn wait_for_stderr(
        &self,
        what: &str,
        limit: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        self.wait_on(&self.stderr, &format!("logged {what}"), limit, &ready)
    }

    #[track_caller]
    fn wait_on(
        &self,
        stream: &Capture,
        what: &str,
        limit: Duration,
        ready: &dyn Fn(&str) -> bool,
    ) -> String {
        stream.wait_for(limit, ready).unwrap_or_else(|| {
            panic!(
                "postcal never {what} within {limit:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.stdout(),
                self.stderr()
            )
        })
    }

    /// Whether it has exited (reaping it if so), without waiting.
    pub fn exited(&mut self) -> bool {
        self.reap(false)
    }

    /// Waits at most `limit` for it to exit; whether it did.
    pub fn wait(&mut self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while !self.reap(false) {
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    /// Waits at most `limit` for it to exit, killing it past that, and returns its output.
    pub fn finish(mut self, limit: Duration) -> Output {
        let timed_out = !self.wait(limit);
        if timed_out {
            self.signal(libc::SIGKILL);
            self.reap(true);
        }
        self.output(timed_out)
    }

    /// Kills it (SIGKILL: no handler runs) and returns its output.
    pub fn kill(mut self) -> Output {
        self.signal(libc::SIGKILL);
        self.reap(true);
        self.output(false)
    }

    fn output(mut self, timed_out: bool) -> Output {
        for reader in self.readers.drain(..) {
            reader.join().expect("output reader");
        }
        let exit = self.exit.expect("reaped");
        Output {
            code: libc::WIFEXITED(exit.status).then(|| libc::WEXITSTATUS(exit.status)),
            stdout: self.stdout.text(),
            stderr: self.stderr.text(),
            elapsed: exit.elapsed,
            cpu: exit.cpu,
            max_rss_kib: exit.max_rss_kib,
            timed_out,
        }
    }

    /// Reaps the process if it has exited (or, with `block`, once it does); whether it has.
    fn reap(&mut self, block: bool) -> bool {
        if self.exit.is_some() {
            return true;
        }
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let flags = if block { 0 } else { libc::WNOHANG };
        // SAFETY: waits for our own child; the pointers are to locals that outlive the call.
        let got = unsafe { libc::wait4(self.pid, &mut status, flags, &mut usage) };
        if got == self.pid {
            let time = |t: libc::timeval| {
                Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
                    + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
            };
            self.exit = Some(Exit {
                status,
                elapsed: self.started.elapsed(),
                cpu: time(usage.ru_utime) + time(usage.ru_stime),
                max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
            });
            return true;
        }
        assert!(got == 0, "wait4: {}", std::io::Error::last_os_error());
        false
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.exit.is_none() {
            self.signal(libc::SIGKILL);
            self.reap(true);
        }
    }
}

/// How a reaped process ended, from wait4.
#[derive(Clone, Copy)]
struct Exit {
    status: libc::c_int,
    elapsed: Duration,
    cpu: Duration,
    max_rss_kib: u64,
}

/// Bytes a reader thread collects from a pipe, and a way to wait for them.
#[derive(Clone, Default)]
struct Capture(Arc<(Mutex<Vec<u8>>, Condvar)>);

impl Capture {
    /// Reads `pipe` in the background (at most `limit` bytes, then closes it) until its end.
    fn start(mut pipe: impl Read + Send + 'static, limit: Option<usize>) -> (Self, JoinHandle<()>) {
        let capture = Self::default();
        let sink = capture.clone();
        let thread = std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            let mut left = limit.unwrap_or(usize::MAX);
            while left > 0 {
                let want = chunk.len().min(left);
                match pipe.read(&mut chunk[..want]) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        left -= n;
                        let (bytes, arrived) = &*sink.0;
                        bytes.lock().unwrap().extend_from_slice(&chunk[..n]);
                        arrived.notify_all();
                    }
                }
            }
        });
        (capture, thread)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.0.lock().unwrap()).into_owned()
    }

    fn wait_for(&self, limit: Duration, ready: &dyn Fn(&str) -> bool) -> Option<String> {
        let until = Instant::now() + limit;
        let (bytes, arrived) = &*self.0;
        let mut guard = bytes.lock().unwrap();
        loop {
            let text = String::from_utf8_lossy(&guard).into_owned();
            if ready(&text) {
                return Some(text);
            }
            let left = until.checked_duration_since(Instant::now())?;
            guard = arrived.wait_timeout(guard, left).unwrap().0;
        }
    }
}
