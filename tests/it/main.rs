//! The integration tests: one binary for the whole project (one binary keeps link time down).
//! `util` runs the real `postcal` binary; each subsystem has its own module.

mod accounts;
mod bad_input;
mod daemon;
mod deploy;
mod docs;
mod preview;
mod publish;
mod sandbox;
mod surface;
mod util;
mod validate;
