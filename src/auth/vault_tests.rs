//! Vault tests: round trip, wrong key, tampering, truncation, permissions, simulated kills;
//! every failure a clear error, and the file on disk untouched.

use super::*;
use crate::manifest::config::InstagramLogin;
use chrono::TimeZone;

fn account(token: &str) -> StoredAccount {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    StoredAccount {
        tokens: TokenSet {
            id: "17841400000000001".into(),
            login: InstagramLogin::Instagram,
            access: Secret::from(token),
            issued_at: t0,
            expires_at: Some(t0 + chrono::Duration::days(60)),
            refresh: None,
            refresh_expires_at: None,
        },
        username: Some("harbor".into()),
        scopes: vec!["instagram_business_basic".into()],
        logged_in_at: t0,
        needs_login: None,
    }
}

fn vault(dir: &Path) -> Vault {
    Vault::new(dir, Arc::new(VaultKey::generate()))
}

fn with_one(dir: &Path) -> (Vault, Vec<u8>) {
    let v = vault(dir);
    v.update(|d| {
        d.accounts
            .insert("instagram/harbor".into(), account("IGAA-canary-token-0001"))
    })
    .unwrap();
    let bytes = fs::read(v.path()).unwrap();
    (v, bytes)
}

#[test]
fn a_vault_round_trips_and_holds_no_plaintext_token() {
    let dir = tempfile::tempdir().unwrap();
    let (v, bytes) = with_one(dir.path());
    assert!(bytes.starts_with(b"age-encryption.org/v1"));
    assert!(!String::from_utf8_lossy(&bytes).contains("canary"));
    let back = v.read().unwrap();
    assert_eq!(
        back.accounts["instagram/harbor"].tokens.access.expose(),
        "IGAA-canary-token-0001"
    );
    let summary = fs::read_to_string(dir.path().join(SUMMARY_FILE)).unwrap();
    assert!(summary.contains("17841400000000001") && !summary.contains("canary"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(v.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_wrong_key_is_a_clear_error_and_the_vault_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let (_, before) = with_one(dir.path());
    let other = vault(dir.path());
    let err = other.read().unwrap_err();
    assert!(matches!(err, VaultError::WrongKey { .. }), "{err}");
    assert!(err.to_string().contains("POSTCAL_KEY"), "{err}");
    let err = other
        .update(|d| {
            d.accounts
                .insert("threads/x".into(), account("other-token-000"))
        })
        .unwrap_err();
    assert!(matches!(err, VaultError::WrongKey { .. }));
    assert_eq!(fs::read(dir.path().join(VAULT_FILE)).unwrap(), before);
}

#[test]
fn tampered_and_truncated_vaults_are_damaged_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (v, good) = with_one(dir.path());
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut flipped = good.clone();
    let last = flipped.len() - 5;
    flipped[last] ^= 0x01;
    cases.push(("tampered payload", flipped));
    let mut header = good.clone();
    let at = header.iter().position(|b| *b == b'\n').unwrap() + 8;
    header[at] ^= 0x20;
    cases.push(("tampered header", header));
    cases.push(("truncated", good[..good.len() - 20].to_vec()));
    cases.push(("cut in the header", good[..30].to_vec()));
    cases.push(("empty file", Vec::new()));
    for (name, bytes) in cases {
        fs::write(v.path(), &bytes).unwrap();
        let err = v.read().unwrap_err();
        assert!(matches!(err, VaultError::Damaged { .. }), "{name}: {err:?}");
        assert!(
            err.to_string().contains("will not overwrite"),
            "{name}: {err}"
        );
        assert!(v.update(|_| ()).is_err(), "{name}");
        assert_eq!(fs::read(v.path()).unwrap(), bytes, "{name}: rewritten");
    }
}

#[cfg(unix)]
#[test]
fn a_vault_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = with_one(dir.path());
    fs::set_permissions(v.path(), fs::Permissions::from_mode(0o644)).unwrap();
    let err = v.read().unwrap_err();
    assert!(matches!(err, VaultError::Exposed(_)));
    assert!(err.to_string().contains("chmod 600"));
}

#[test]
fn a_vault_with_accounts_is_never_replaced_by_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let (v, before) = with_one(dir.path());
    let err = v.update(|d| d.accounts.clear()).unwrap_err();
    assert!(matches!(err, VaultError::WouldEmpty(_)));
    assert_eq!(fs::read(v.path()).unwrap(), before);
}

#[test]
fn a_kill_during_a_write_leaves_the_previous_vault() {
    let dir = tempfile::tempdir().unwrap();
    let (v, before) = with_one(dir.path());
    v.kill_next_write_before_rename();
    let err = v
        .update(|d| {
            d.accounts
                .insert("threads/x".into(), account("new-token-0000"))
        })
        .unwrap_err();
    assert!(matches!(err, VaultError::Killed(_)));
    assert_eq!(fs::read(v.path()).unwrap(), before);
    // The restarted process reads the old vault and writes over the leftover temporary file.
    assert_eq!(v.read().unwrap().accounts.len(), 1);
    v.update(|d| {
        d.accounts
            .insert("threads/x".into(), account("new-token-0000"))
    })
    .unwrap();
    assert_eq!(v.read().unwrap().accounts.len(), 2);
}

#[test]
fn concurrent_updates_of_different_accounts_keep_both() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault(dir.path());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let v = v.clone();
            std::thread::spawn(move || {
                for j in 0..5 {
                    v.update(|d| {
                        d.accounts
                            .insert(format!("threads/a{i}-{j}"), account("token-value-xyz"))
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(v.read().unwrap().accounts.len(), 20);
}
