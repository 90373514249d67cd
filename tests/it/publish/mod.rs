//! Publishing for real: the daemon and the platform publishers against the sandbox, every kind
//! of post on every platform, compared with the sandbox's ledger.

mod facebook;
mod instagram;
mod threads;
pub mod util;
