//! The command line: one module per verb. Each verb parses its own arguments, calls the library,
//! and returns an [`Exit`]; only this layer turns errors into `miette` reports.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod export;
pub mod init;
pub mod output;
pub mod plan;
pub mod preview;
pub mod resolve;
pub mod run;
pub mod sandbox;
pub mod schema;
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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Validate(validate::Args),
    Schema(schema::Args),
    Init(init::Args),
    Sandbox(sandbox::Args),
    Plan(plan::Args),
    Status(status::Args),
    Run(run::Args),
    Resolve(resolve::Args),
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
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Init(args) => init::run(args),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Status(args) => status::run(args),
        Command::Run(args) => run::run(args),
        Command::Resolve(args) => resolve::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Export(args) => export::run(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(report) => {
            output::note(&format!("{report:?}"));
            ExitCode::from(1)
        }
    }
}
