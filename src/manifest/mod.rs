//! The calendar model: `postcal.yaml` ([`Config`]) and post manifests ([`Post`]), loading
//! them from a directory ([`load`]), and which files of it postcal never reads ([`ignore`]).
//!
//! Reading is lenient in one way only: a document with problems still yields whatever could be
//! read, so later checks can report their own problems in the same run. Nothing is guessed: a
//! value that cannot be read is reported and left out.

pub mod config;
pub mod ignore;
pub mod load;
pub mod post;
pub mod targets;
pub mod time;

pub use config::{Account, Config, Defaults, InstagramLogin};
pub use load::{Calendar, LoadOptions};
pub use post::{MediaRef, Origin, Post, PostStatus};
pub use targets::{
    FacebookOptions, InstagramKind, InstagramOptions, Target, TargetOptions, ThreadsOptions,
    TiktokOptions, TiktokPrivacy,
};
