//! Share tokens: stateless and unguessable. A token carries the staged file's SHA-256 and an
//! expiry, sealed with HMAC-SHA256 under the daemon's [`ShareKey`], so a daemon restarted after
//! a crash still serves the URLs it handed out (a platform may still be downloading), and no
//! table of tokens has to be kept anywhere.
//!
//! Token = base64url(sha256 (32 bytes) ‖ expiry, Unix seconds (8) ‖ MAC (16)), where
//! MAC = the first 128 bits of HMAC-SHA256(key, "postcal-media-v1" ‖ sha256 ‖ expiry).
//!
//! # Guarantees
//! - Without the key, a valid token cannot be made or changed (2^128 guesses for one file).
//! - The key is 256 random bits from the operating system, kept in a file only its owner can
//!   read (0600), and never printed (`Debug` shows nothing of it).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::media::stage::store::{hex, random};

/// The file in the state directory that holds the key.
pub const KEY_FILE: &str = "media-share.key";

const DOMAIN: &[u8] = b"postcal-media-v1";
const MAC_LEN: usize = 16;
const TOKEN_LEN: usize = 32 + 8 + MAC_LEN;

/// The secret that seals share tokens.
#[derive(Clone)]
pub struct ShareKey([u8; 32]);

impl std::fmt::Debug for ShareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShareKey(…)")
    }
}

/// Why the share key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot {action} the media share key `{path}`: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(
        "the media share key `{0}` is damaged (it should be 64 hex digits); delete it and \
         postcal makes a new one (URLs handed out before stop working)"
    )]
    Damaged(PathBuf),
    #[error("the media share key `{0}` can be read by other users; run `chmod 600` on it")]
    Exposed(PathBuf),
}

impl ShareKey {
    /// A new random key, for tests and for daemons that keep no state.
    pub fn random() -> Self {
        // The OS random source failing is not something postcal can work around.
        Self(random().unwrap_or_else(|e| panic!("no secure random source: {e}")))
    }

    /// The key in `<state_dir>/media-share.key`, created (0600) if there is none.
    pub fn load_or_create(state_dir: &Path) -> Result<Self, KeyError> {
        let path = state_dir.join(KEY_FILE);
        let io = |action: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| KeyError::Io {
                action,
                path,
                source,
            }
        };
        match fs::read_to_string(&path) {
            Ok(text) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = fs::metadata(&path)
                        .map_err(io("read", &path))?
                        .permissions()
                        .mode();
                    if mode & 0o077 != 0 {
                        return Err(KeyError::Exposed(path));
                    }
                }
                let bytes =
                    decode_hex(text.trim()).ok_or_else(|| KeyError::Damaged(path.clone()))?;
                Ok(Self(bytes))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let key = Self(random().map_err(io("create", &path))?);
                let temp = state_dir.join(format!(
                    "{KEY_FILE}.{}.tmp",
                    hex(&random::<8>().map_err(io("create", &path))?)
                ));
                let mut options = OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(&temp).map_err(io("create", &temp))?;
                let written = file
                    .write_all(hex(&key.0).as_bytes())
                    .and_then(|()| file.sync_all())
                    .and_then(|()| fs::rename(&temp, &path));
                if let Err(e) = written {
                    let _ = fs::remove_file(&temp);
                    return Err(io("write", &path)(e));
                }
                Ok(key)
            }
            Err(e) => Err(io("read", &path)(e)),
        }
    }

    fn mac(&self, sha256: &[u8; 32], expiry: i64) -> [u8; MAC_LEN] {
        let full = hmac_sha256(&self.0, &[DOMAIN, sha256, &expiry.to_be_bytes()]);
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&full[..MAC_LEN]);
        mac
    }

    /// The token for the staged file with hex SHA-256 `sha256`, valid until `until`.
    pub fn token(&self, sha256: &str, until: DateTime<Utc>) -> Option<String> {
        let sha: [u8; 32] = decode_hex(sha256)?;
        let expiry = until.timestamp();
        let mut raw = Vec::with_capacity(TOKEN_LEN);
        raw.extend(sha);
        raw.extend(expiry.to_be_bytes());
        raw.extend(self.mac(&sha, expiry));
        Some(URL_SAFE_NO_PAD.encode(raw))
    }

    /// The hex SHA-256 a token grants, if it is genuine and not expired at `now`.
    pub fn open(&self, token: &str, now: DateTime<Utc>) -> Option<String> {
        if token.len() != (TOKEN_LEN * 4).div_ceil(3) {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        let (sha, rest) = raw.split_first_chunk::<32>()?;
        let (expiry, mac) = rest.split_first_chunk::<8>()?;
        let expiry = i64::from_be_bytes(*expiry);
        let want = self.mac(sha, expiry);
        let same =
            mac.len() == MAC_LEN && mac.iter().zip(want).fold(0, |acc, (a, b)| acc | (a ^ b)) == 0;
        (same && now.timestamp() <= expiry).then(|| hex(sha))
    }
}

fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// HMAC-SHA256 (RFC 2104) of the concatenated `parts`, for a key of at most 64 bytes.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    parts.iter().for_each(|p| inner.update(p));
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a 131-byte key is hashed first.
        let mac = hmac_sha256(
            &[0xaa; 131],
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        );
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn tokens_open_only_with_their_key_until_they_expire() {
        let key = ShareKey::random();
        let sha = "ab".repeat(32);
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let token = key.token(&sha, t0).expect("token");
        assert_eq!(key.open(&token, t0), Some(sha.clone()));
        assert_eq!(key.open(&token, t0 + chrono::Duration::seconds(1)), None);
        assert_eq!(ShareKey::random().open(&token, t0), None);
        // Every single-character change is refused.
        for i in 0..token.len() {
            let mut bad = token.clone().into_bytes();
            bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
            let bad = String::from_utf8(bad).unwrap_or_default();
            assert_eq!(
                key.open(&bad, t0 - chrono::Duration::days(1)),
                None,
                "{bad}"
            );
        }
        assert_eq!(key.open("", t0), None);
        assert_eq!(key.token("not hex", t0), None);
    }

    #[test]
    fn the_key_file_is_private_and_survives_restarts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = ShareKey::load_or_create(dir.path()).expect("create");
        let again = ShareKey::load_or_create(dir.path()).expect("load");
        assert_eq!(first.0, again.0);
        assert_eq!(format!("{first:?}"), "ShareKey(…)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.path().join(KEY_FILE);
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
            let err = ShareKey::load_or_create(dir.path())
                .map(|_| ())
                .unwrap_err();
            assert!(err.to_string().contains("chmod 600"), "{err}");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
            fs::write(&path, "short").expect("write");
            assert!(matches!(
                ShareKey::load_or_create(dir.path()),
                Err(KeyError::Damaged(_))
            ));
        }
    }
}
