//! Running the real `postcal` binary from tests: a small builder in the spirit of ripgrep's
//! `tests/util.rs`, and helpers for calendars copied into temporary directories.

use std::ffi::OsString;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root: fixtures are named relative to it, so paths in output are stable.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One run of `postcal`: arguments, working directory, environment, and how long it may take.
pub struct Postcal {
    args: Vec<OsString>,
    dir: PathBuf,
    env: Vec<(OsString, OsString)>,
    timeout: Duration,
    /// Read this many bytes of stdout, then close it (a reader such as `head` going away).
    stdout_bytes: Option<usize>,
}

/// What a run produced.
#[derive(Debug)]
pub struct Output {
    /// `None` when the process was killed by a signal (a crash, or the timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
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

    /// Kills the process (a hang) after `timeout`; the output then has `timed_out`.
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

    pub fn run(&self) -> Output {
        let (mut out_reader, out_writer) = std::io::pipe().expect("pipe");
        if self.stdout_bytes.is_some() {
            // SAFETY: fcntl on a descriptor this function owns; a failure only leaves the
            // pipe at its default size.
            unsafe { libc::fcntl(out_writer.as_raw_fd(), libc::F_SETPIPE_SZ, 4096) };
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_postcal"));
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null())
            .stdout(out_writer)
            .stderr(Stdio::piped());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let started = Instant::now();
        #[expect(
            clippy::zombie_processes,
            reason = "reaped by wait4 below, which also gives its peak memory"
        )]
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run postcal: {e}"));
        // The parent's copy of the write end is in `command`: drop it, or reads never end.
        drop(command);
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let limit = self.stdout_bytes;
        let out = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            match limit {
                Some(n) => {
                    let _ = (&mut out_reader).take(n as u64).read_to_end(&mut bytes);
                }
                None => {
                    let _ = out_reader.read_to_end(&mut bytes);
                }
            }
            bytes
        });
        let err = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes);
            bytes
        });
        let pid = child.id() as libc::pid_t;
        let mut timed_out = false;
        let (status, usage) = loop {
            let mut status = 0;
            // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: waits for our own child; the pointers are to locals that outlive the call.
            let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
            if got == pid {
                break (status, usage);
            }
            assert!(got == 0, "wait4: {}", std::io::Error::last_os_error());
            if !timed_out && started.elapsed() > self.timeout {
                timed_out = true;
                let _ = child.kill();
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let elapsed = started.elapsed();
        let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
        Output {
            code,
            stdout: String::from_utf8_lossy(&out.join().expect("stdout reader")).into_owned(),
            stderr: String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned(),
            elapsed,
            max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
            timed_out,
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
}

/// `postcal validate <calendar> --color never` and `--format json`, run from `dir`.
pub struct Validated {
    pub human: Output,
    pub json: Output,
    pub report: serde_json::Value,
}

pub fn validate_in(dir: &Path, calendar: &str) -> Validated {
    let human = Postcal::new()
        .current_dir(dir)
        .args(["validate", calendar, "--color", "never"])
        .run();
    let json = Postcal::new()
        .current_dir(dir)
        .args(["validate", calendar, "--format", "json"])
        .run();
    let report = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("--format json printed invalid JSON ({e}):\n{}", json.stdout));
    assert_eq!(human.code, json.code, "exit code differs between formats");
    assert_eq!(human.stderr, "", "postcal wrote to stderr");
    Validated {
        human,
        json,
        report,
    }
}

/// Validates `tests/fixtures/<case>` from the repository root.
pub fn validate_fixture(case: &str) -> Validated {
    validate_fixture_path(&format!("tests/fixtures/{case}"))
}

/// Validates a calendar given relative to the repository root, from there.
pub fn validate_fixture_path(path: &str) -> Validated {
    validate_in(repo_root(), path)
}

impl Validated {
    /// Every diagnostic as `(code, severity, file:line:column)`, in output order.
    pub fn diagnostics(&self) -> Vec<(String, String, String)> {
        let items = self.report["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        items
            .iter()
            .map(|d| {
                let at = match (d["file"].as_str(), d["line"].as_u64(), d["column"].as_u64()) {
                    (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
                    (Some(f), _, _) => f.to_owned(),
                    _ => String::new(),
                };
                let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
                (s(&d["code"]), s(&d["severity"]), at)
            })
            .collect()
    }

    /// The distinct codes reported, sorted.
    pub fn codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self.diagnostics().into_iter().map(|d| d.0).collect();
        codes.sort();
        codes.dedup();
        codes
    }

    /// Where `code` was reported (`file:line:column`), in output order.
    pub fn locations(&self, code: &str) -> Vec<String> {
        self.diagnostics()
            .into_iter()
            .filter(|d| d.0 == code)
            .map(|d| d.2)
            .collect()
    }
}

/// Snapshots the human (`--color never`) and JSON renderings of a validation under
/// `<name>_human` and `<name>_json`, in the calling test's module. The human one has long
/// multi-line labels collapsed (see [`collapse_long_spans`]).
#[macro_export]
macro_rules! assert_rendered {
    ($name:expr, $validated:expr) => {{
        let v = &$validated;
        insta::assert_snapshot!(
            format!("{}_human", $name),
            $crate::util::collapse_long_spans(&v.human.stdout)
        );
        insta::assert_snapshot!(format!("{}_json", $name), v.json.stdout);
    }};
}

/// Keeps the first three and the last line of each run of quoted lines under a multi-line
/// label (`12 │ │ ...`), so a 60,000-character text does not fill a snapshot. The JSON
/// snapshot keeps the exact span.
pub fn collapse_long_spans(human: &str) -> String {
    let lines: Vec<&str> = human.lines().collect();
    let inside = |line: &str| line.contains("│ │") && !line.contains("├─▶");
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let run = lines[i..].iter().take_while(|l| inside(l)).count();
        if run > 5 {
            out.extend_from_slice(&lines[i..i + 3]);
            out.push("    ┆ (lines elided by the test)");
            out.push(lines[i + run - 1]);
            i += run;
        } else {
            out.push(lines[i]);
            i += 1;
        }
    }
    out.join("\n") + "\n"
}

/// Copies the directory tree `from` into `to` (regular files and directories only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
    {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Writes `head` then grows the file to `len` bytes without writing them (a sparse file), so
/// a "300 MB video" costs the disk nothing: the probe reads only headers.
pub fn write_sparse(path: &Path, head: &[u8], len: u64) {
    std::fs::write(path, head).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("reopen for set_len");
    file.set_len(len).expect("set_len");
}
