//! [`Secret`]: a token or key that must never reach a log, an error message, a status line or
//! the state store by accident.
//!
//! # Guarantees
//! - `Debug` and `Display` print `***`; the value is only reachable through
//!   [`Secret::expose`], which marks the one place that sends it.
//! - [`Secret::scrub`] removes the value from any text (a platform error that echoes the token
//!   back, a URL), so messages that are stored or logged never carry it.
//! - Every secret this process has held is remembered (in memory only), and [`scrub_known`]
//!   removes all of them from a text: failure messages pass through it before they are stored or
//!   logged, whichever code built them.

use serde::{Deserialize, Serialize};

/// A secret string (access token, refresh token, app secret).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

/// Values shorter than this are not scrubbed (they would mangle ordinary words); no real token
/// is this short.
const MIN_SCRUB_LEN: usize = 8;

static KNOWN: std::sync::RwLock<std::collections::BTreeSet<String>> =
    std::sync::RwLock::new(std::collections::BTreeSet::new());

fn remember(value: &str) {
    if value.len() >= MIN_SCRUB_LEN {
        let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
        if !known.contains(value) {
            known.insert(value.to_owned());
        }
    }
}

/// `text` with every secret this process has held replaced by `***`.
pub fn scrub_known(text: &str) -> String {
    let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_owned();
    for s in known.iter().rev() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::from)
    }
}

impl Secret {
    /// The secret value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of this secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < MIN_SCRUB_LEN {
            return text.to_owned();
        }
        text.replace(&self.0, "***")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        remember(s);
        Self(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        remember(&s);
        Self(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_and_scrub_themselves_from_text() {
        let s = Secret::from("IGAAS-very-secret-token");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(
            s.scrub("bad token IGAAS-very-secret-token in ?access_token=IGAAS-very-secret-token"),
            "bad token *** in ?access_token=***"
        );
    }

    #[test]
    fn every_secret_held_is_scrubbed_from_any_text() {
        let a = Secret::from("EAAB-known-one-123456");
        let b: Secret = serde_json::from_str("\"act.known-two-654321\"").unwrap();
        let text = format!("error: {} and {} (short: abc)", a.expose(), b.expose());
        assert_eq!(scrub_known(&text), "error: *** and *** (short: abc)");
    }
}
