//! `postcal validate` (in progress).

use super::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> miette::Result<Exit> {
    Err(miette::miette!("`postcal validate` is not built yet"))
}
