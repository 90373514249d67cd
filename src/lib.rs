//! postcal: a declarative, file-driven scheduler for social-media posts.
//!
//! A content calendar is a directory of YAML post manifests plus a `postcal.yaml`. The library is
//! laid out by subsystem:
//!
//! - [`yaml`]: YAML into a spanned node tree (every value keeps its file position);
//! - [`manifest`]: the calendar model (`postcal.yaml`, post manifests) and loading it from disk;
//! - [`media`]: what media files really are, probed by content;
//! - [`rules`]: every platform rule, producing [`diag::Diagnostic`]s;
//! - [`diag`]: diagnostics and their renderings (human, JSON, GitHub annotations);
//! - [`sandbox`]: a local simulator of the platform APIs;
//! - [`agenda`], [`preview`], [`ics`]: the calendar as people browse it (a static site) and
//!   subscribe to it (iCalendar);
//! - [`cmd`]: one module per CLI verb; the binary is a thin wrapper around [`cmd::main`].

pub mod agenda;
pub mod auth;
pub mod clock;
pub mod cmd;
pub mod diag;
pub mod gitops;
pub mod human;
pub mod ics;
pub mod manifest;
pub mod media;
pub mod memory;
pub mod par;
pub mod plan;
pub mod platform;
pub mod preview;
pub mod reconcile;
pub mod regular_file;
pub mod rules;
pub mod sandbox;
pub mod schedule;
pub mod schema;
pub mod secret;
pub mod state;
pub mod yaml;
