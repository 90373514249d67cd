//! Accounts and credentials: every login flow against the sandbox's OAuth pages, the vault,
//! token renewal over 400 simulated days, kills during a renewal, a revoked grant mid-run, and
//! the secret canary.

mod canary;
mod cli;
mod login;
mod refresh;
mod revoke;
pub mod util;
