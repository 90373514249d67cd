//! Accounts and their tokens: refreshing them on each platform's rules ([`refresh`]).
//!
//! The credentials interface publishers use is [`crate::platform::credentials`]; this module
//! keeps tokens alive behind it.

pub mod refresh;

pub use refresh::{App, HttpRefresher, OAuthHosts};
