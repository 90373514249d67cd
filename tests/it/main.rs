//! The integration tests: one binary for the whole project (one binary keeps link time down).
//! `util` runs the real `postcal` binary; each subsystem has its own module.

mod bad_input;
mod daemon;
mod deploy;
mod preview;
mod publish;
mod sandbox;
mod util;
mod validate;
