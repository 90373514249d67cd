//! The command line: one module per verb. Each verb parses its own arguments, calls the library,
//! and returns an [`Exit`]; only this layer turns errors into `miette` reports.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod accounts;
pub mod explain;
pub mod export;
pub mod init;
pub mod login;
pub mod output;
pub mod plan;
pub mod preview;
pub mod resolve;
pub mod run;
pub mod sandbox;
pub mod schema;
pub mod show;
pub mod status;
pub mod validate;

/// How a verb ended, mapped to the process exit code in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing wrong (warnings allowed).
    Clean,
    /// The verb ran and found problems (validation errors), or failed.
    Problems,
    /// `plan --detailed-exitcode`: the calendar has changes pending.
    ChangesPending,
}

/// Exit code for a usage error (unknown flag, bad value): sysexits' EX_USAGE, distinct from
/// "problems found" (1) and "changes pending" (2) so scripts can tell them apart.
pub const EXIT_USAGE: u8 = 64;

/// A mistake in how postcal was called, found after the arguments parsed: a value postcal
/// cannot read (`--now tomorrow`, `--timezone Europe/Pari`), a calendar directory that is not
/// there. It exits [`EXIT_USAGE`], as clap's own usage errors do.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    #[help]
    pub help: Option<String>,
}

/// A [`UsageError`] as a report.
pub fn usage(message: impl Into<String>, help: Option<String>) -> miette::Report {
    miette::Report::new(UsageError {
        message: message.into(),
        help,
    })
}

/// Checks that `dir`, given on the command line as a calendar, is a directory: a mistyped
/// path is a usage error, never an empty calendar or an empty state.
pub fn calendar_dir(dir: &std::path::Path) -> miette::Result<()> {
    let help = || Some("give postcal the calendar directory (the one holding postcal.yaml)".into());
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(usage(
            format!("{} is not a directory", dir.display()),
            help(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(usage(
            format!("calendar directory {} does not exist", dir.display()),
            help(),
        )),
        Err(e) => Err(miette::miette!(
            "cannot read calendar directory {}: {e}",
            dir.display()
        )),
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Clean => ExitCode::SUCCESS,
            Exit::Problems => ExitCode::from(1),
            Exit::ChangesPending => ExitCode::from(2),
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "postcal",
    version,
    about = "Publish social-media posts from a content calendar kept as code",
    long_about = "postcal reads a directory of YAML post manifests (a content calendar, usually a git \
                  repository), checks every post against each platform's rules, shows what it will \
                  publish and when, and publishes through the platforms' official APIs.\n\n\
                  Exit codes: 0 success, 1 problems found or failure, 2 changes pending (plan \
                  --detailed-exitcode), 64 usage error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour output: `auto` colours what goes to a terminal (stdout and stderr each
    /// on its own) unless NO_COLOR is set; a log or output redirected to a file gets no escape
    /// codes. Every command takes it.
    #[arg(long, global = true, value_enum, default_value_t = output::ColorChoice::Auto)]
    pub color: output::ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Validate(validate::Args),
    Explain(explain::Args),
    Schema(schema::Args),
    Init(init::Args),
    Sandbox(sandbox::Args),
    Plan(plan::Args),
    Show(show::Args),
    Status(status::Args),
    Run(run::Args),
    Resolve(resolve::Args),
    Login(login::Args),
    Accounts(accounts::Args),
    Preview(preview::Args),
    Export(export::Args),
}

/// Entry point of the `postcal` binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    output::set_color(cli.color);
    let stderr_color = output::stderr_color();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(stderr_color)
                .break_words(false)
                .width(100)
                .build(),
        )
    }));
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Init(args) => init::run(args),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Show(args) => show::run(args),
        Command::Status(args) => status::run(args),
        Command::Run(args) => run::run(args),
        Command::Resolve(args) => resolve::run(args),
        Command::Login(args) => login::run(args),
        Command::Accounts(args) => accounts::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Export(args) => export::run(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(report) => {
            output::note(&format!("{report:?}"));
            if report.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
