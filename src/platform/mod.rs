//! The platforms postcal publishes to.
//!
//! Each platform gets one file per subsystem (`rules/<platform>.rs`, `sandbox/<platform>.rs`, and
//! later `platform/<platform>.rs` for its publisher); this enum is the one list of them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Instagram,
    Tiktok,
    Threads,
    Facebook,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Instagram,
        Platform::Tiktok,
        Platform::Threads,
        Platform::Facebook,
    ];

    /// The key used in manifests and `postcal.yaml` (`instagram/acme`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Instagram => "instagram",
            Self::Tiktok => "tiktok",
            Self::Threads => "threads",
            Self::Facebook => "facebook",
        }
    }

    /// The platform's name as people write it.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Instagram => "Instagram",
            Self::Tiktok => "TikTok",
            Self::Threads => "Threads",
            Self::Facebook => "Facebook",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown platform `{0}`; postcal knows instagram, tiktok, threads and facebook")]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.key() == s)
            .ok_or_else(|| UnknownPlatform(s.to_owned()))
    }
}
