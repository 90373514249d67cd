//! Schedules: when a post's occurrences fall.
//!
//! A post publishes at `at`, or, with `repeat`, at every match of a POSIX cron expression
//! (5 fields, Sunday = 0 or 7, evaluated in the post's timezone by croner) from `at` until
//! `until`. [`occurrence`] expands them lazily; [`words`] says them in words.

pub mod cron;
pub mod occurrence;
pub mod words;

pub use cron::{Repeat, parse_cron};
pub use occurrence::Schedule;
