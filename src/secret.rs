//! [`Secret`]: a token or key that must never reach a log, an error message, a status line or
//! the state store by accident.
//!
//! # Guarantees
//! - `Debug` and `Display` print `***`; the value is only reachable through
//!   [`Secret::expose`], which marks the one place that sends it.
//! - [`Secret::scrub`] removes the value from any text (a platform error that echoes the token
//!   back, a URL), so messages that are stored or logged never carry it.

use serde::{Deserialize, Serialize};

/// A secret string (access token, refresh token, app secret).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of this secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        // Short values would mangle ordinary words; no real token is this short.
        if self.0.len() < 8 {
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
        Self(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
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
}
