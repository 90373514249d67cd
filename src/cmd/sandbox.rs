//! `postcal sandbox`: run the platform simulator on its own (in progress).

use super::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> miette::Result<Exit> {
    Err(miette::miette!("`postcal sandbox` is not built yet"))
}
