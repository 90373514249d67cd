//! The sandbox, driven with plain HTTP as a publisher would drive the real APIs.

mod bounds;
mod cli;
mod facebook;
mod faults;
mod instagram;
mod oauth;
mod robustness;
mod threads;
mod tiktok;
mod util;
