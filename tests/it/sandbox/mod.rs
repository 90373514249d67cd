//! The sandbox, driven with plain HTTP as a publisher would drive the real APIs.

mod cli;
mod facebook;
mod faults;
mod instagram;
mod oauth;
mod robustness;
mod strict_params;
mod threads;
mod tiktok;
mod util;
