//! Output shared by verbs: format and colour options, and writing to stdout and stderr.

use std::io::{IsTerminal, Write};

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
    pub fn enabled(self) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
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
