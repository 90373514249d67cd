//! Tests of the reconcile core: the daemon loop on a manual clock, crash recovery, watching,
//! the state lock, a corrupt store, and the store under faults (kills, damage, deletion).

mod cli;
mod gitops;
mod harness;
mod loop_tests;
mod recovery;
mod signals;
mod store_faults;
mod watching;
