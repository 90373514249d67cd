//! Schedules: when a post's occurrences fall.
//!
//! A post publishes at `at`, or, with `repeat`, at every match of a POSIX cron expression
//! (5 fields, Sunday = 0 or 7, evaluated in the post's timezone by croner) from `at` until
//! `until`.

pub mod cron;

pub use cron::{Repeat, parse_cron};
