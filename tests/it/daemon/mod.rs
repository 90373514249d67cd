//! Tests of the reconcile core: the daemon loop on a manual clock, crash recovery, watching,
//! the state lock and a corrupt store.

mod cli;
mod harness;
mod loop_tests;
mod recovery;
mod watching;
