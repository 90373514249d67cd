//! The platforms postcal publishes to, and their publishers.
//!
//! Each platform gets one file per subsystem (`rules/<platform>`, `sandbox/<platform>`,
//! `platform/<platform>` for its publisher); [`Platform`] is the one list of them. A publisher
//! is a thin, typed client of the platform's official API (the sandbox serves the same
//! endpoints from the other side):
//!
//! - [`instagram`] and [`threads`] on the shared [`containers`] protocol;
//! - [`facebook`]: Pages (feed, photos, videos);
//! - [`tiktok`]: the Content Posting API;
//! - [`router::Publishers`]: the four behind one [`crate::reconcile::Publisher`];
//! - [`credentials`], [`media`], [`http`], [`graph`], [`context`]: what they share.

pub mod containers;
pub mod context;
pub mod credentials;
pub mod facebook;
pub mod graph;
pub mod http;
pub mod instagram;
pub mod media;
pub mod router;
pub mod threads;
pub mod tiktok;

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

/// Where a slot goes: a platform and one of the calendar's accounts on it. Written
/// `platform/account` (`instagram/acme`) in manifests, `postcal.yaml`, the state store's keys and
/// every output; the platform is typed, so nothing downstream parses it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetKey {
    pub platform: Platform,
    pub account: String,
}

impl TargetKey {
    pub fn new(platform: Platform, account: impl Into<String>) -> Self {
        Self {
            platform,
            account: account.into(),
        }
    }
}

impl fmt::Display for TargetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.platform, self.account)
    }
}

/// Ordered as the text `platform/account` is, so records keep the order they have on disk.
impl Ord for TargetKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.platform.key(), &self.account).cmp(&(other.platform.key(), &other.account))
    }
}

impl PartialOrd for TargetKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadTargetKey {
    #[error("target `{0}` is not of the form `platform/account`")]
    Shape(String),
    #[error(transparent)]
    Platform(#[from] UnknownPlatform),
}

impl FromStr for TargetKey {
    type Err = BadTargetKey;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((platform, account)) if !account.is_empty() && !account.contains('/') => {
                Ok(Self::new(platform.parse()?, account))
            }
            _ => Err(BadTargetKey::Shape(s.to_owned())),
        }
    }
}

impl Serialize for TargetKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TargetKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_keys_round_trip_and_refuse_unknown_platforms() {
        let key: TargetKey = "threads/acme".parse().unwrap();
        assert_eq!(key, TargetKey::new(Platform::Threads, "acme"));
        assert_eq!(key.to_string(), "threads/acme");
        assert_eq!(serde_json::to_string(&key).unwrap(), "\"threads/acme\"");
        assert_eq!(
            serde_json::from_str::<TargetKey>("\"threads/acme\"").unwrap(),
            key
        );
        for bad in ["myspace/acme", "instagram", "instagram/", "instagram/a/b"] {
            assert!(bad.parse::<TargetKey>().is_err(), "{bad}");
        }
    }

    #[test]
    fn target_keys_sort_as_their_text() {
        let mut keys: Vec<TargetKey> = ["tiktok/a", "facebook/z", "instagram/b", "instagram/a"]
            .iter()
            .map(|k| k.parse().unwrap())
            .collect();
        keys.sort();
        let text: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let mut sorted = text.clone();
        sorted.sort();
        assert_eq!(text, sorted);
    }
}
