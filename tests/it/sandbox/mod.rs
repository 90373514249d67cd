//! The sandbox, driven with plain HTTP as a publisher would drive the real APIs.

mod bounds;
mod cli;
mod clock;
mod facebook;
mod facebook_photos;
mod faults;
mod graph_reads;
mod instagram;
mod oauth;
mod oauth_strict;
mod robustness;
mod strict_params;
mod threads;
mod tiktok;
mod tiktok_codes;
mod tiktok_upload;
mod util;
