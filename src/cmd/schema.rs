//! `postcal schema`: print (or write) the JSON Schemas editors use to complete manifests.

use std::path::PathBuf;

use miette::{Context, IntoDiagnostic};

use super::Exit;
use crate::schema::{Which, render};

/// Print the JSON Schema of post manifests or of postcal.yaml.
///
/// Editors with a YAML language server use it to complete and explain fields: start a manifest
/// with `# yaml-language-server: $schema=<path to post.schema.json>`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which schema to print.
    #[arg(value_enum, default_value_t = Which::Post)]
    pub which: Which,
    /// Write both schemas into this directory (as post.schema.json and config.schema.json)
    /// instead of printing one.
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    match args.write {
        None => super::output::print(&render(args.which))?,
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
            for which in Which::ALL {
                let path = dir.join(which.file_name());
                std::fs::write(&path, render(which))
                    .into_diagnostic()
                    .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    Ok(Exit::Clean)
}
