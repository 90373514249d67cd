//! Output shared by verbs: format and colour options, and writing to stdout and stderr.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: code, message, the YAML with the value underlined, and help.
    Human,
    /// For programs: a versioned JSON document (`format_version`).
    Json,
    /// For GitHub Actions: workflow-command annotations shown on the pull request's diff.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether output to a stream that is (or is not) a terminal is coloured. `auto` colours
    /// a terminal unless `NO_COLOR` is set (to anything but the empty string, as
    /// <https://no-color.org> asks); `always` and `never`, given on the command line, win.
    pub fn enabled_for(self, terminal: bool) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// The `--color` given to this process (every verb takes it), set once by [`super::main`].
static COLOR: OnceLock<ColorChoice> = OnceLock::new();

/// Records the `--color` choice for the whole process; the first call wins.
pub fn set_color(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

fn choice() -> ColorChoice {
    COLOR.get().copied().unwrap_or(ColorChoice::Auto)
}

/// Whether what goes to stdout is coloured.
pub fn stdout_color() -> bool {
    choice().enabled_for(std::io::stdout().is_terminal())
}

/// Whether what goes to stderr (logs, errors) is coloured: a log redirected to a file gets
/// no escape codes.
pub fn stderr_color() -> bool {
    choice().enabled_for(std::io::stderr().is_terminal())
}

/// Writes a verb's output to stdout. A reader that went away (`postcal plan | head`) is not an
/// error: the rest of the output is simply not wanted, as with any Unix tool, and the verb
/// still exits with the code its result calls for.
pub fn print(text: &str) -> miette::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("cannot write the output: {e}"))
        }
        _ => Ok(()),
    }
}

/// Writes a line to stderr; a closed stderr is ignored (there is nowhere left to complain).
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
