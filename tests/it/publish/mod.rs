//! Publishing for real against the sandbox: every kind of post on every platform, compared with
//! the sandbox's ledger. `util` drives the daemon over a calendar (the whole loop); `direct`
//! drives one publisher through the state machine, for the protocol's edge cases.

mod ambiguity;
mod cli;
mod conversions;
mod crash;
mod direct;
mod facebook;
mod hosts;
mod instagram;
mod kill;
mod threads;
mod tiktok;
pub mod util;
