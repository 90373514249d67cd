//! The platform publishers, driven directly (and through the state machine) against the
//! sandbox: one file per platform, `util` for what they share.

mod tiktok;
mod util;
