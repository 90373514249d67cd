//! Accounts and their tokens: logging in ([`login`]), keeping tokens encrypted at rest
//! ([`vault`], opened with a [`key`]), refreshing them on each platform's rules ([`refresh`]),
//! and the token-free [`summary`] that `plan`, `status` and `accounts` show.
//!
//! The credentials interface publishers use is [`crate::platform::credentials`]; this module
//! keeps tokens alive behind it ([`VaultCredentials`]).

pub mod credentials;
pub mod key;
pub mod login;
pub mod refresh;
pub mod summary;
pub mod vault;

pub use credentials::{KillPoint, Maintenance, VaultCredentials};
pub use refresh::{App, HttpRefresher, OAuthHosts};
