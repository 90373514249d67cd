//! `postcal explain`: what a diagnostic code means and how to fix it, as `rustc --explain`.

use miette::miette;

use super::Exit;
use crate::diag::Code;
use crate::diag::code::{explain, list};

/// Explain a diagnostic code: what the rule is, where its figures come from, and an example fix.
///
/// Every problem `postcal validate` reports carries a code such as
/// `instagram::caption-too-long`; this prints the rule behind it. Without a code, lists them all.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The code, as `validate` prints it (`instagram::caption-too-long`).
    pub code: Option<String>,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    let Some(text) = args.code else {
        super::output::print(&list())?;
        return Ok(Exit::Clean);
    };
    let code: Code = text.trim().parse().map_err(|e| {
        let help = match Code::suggest(text.trim()).as_slice() {
            [] => "`postcal explain` lists every code".to_owned(),
            [one] => format!("did you mean `{one}`?"),
            several => {
                let quoted: Vec<String> = several.iter().map(|c| format!("`{c}`")).collect();
                format!("did you mean {}?", quoted.join(" or "))
            }
        };
        miette!(help = help, "{e}")
    })?;
    super::output::print(&explain(code))?;
    Ok(Exit::Clean)
}
