//! The tally: a count and a digest of every record postcal wrote, kept in a small file beside
//! the records (`.postcal/db/postcal.tally`) and compared with the store whenever it is read.
//!
//! sled replays its log up to the first damaged entry and silently drops the rest when its
//! snapshot file is missing: a store can come back holding an older prefix of its records, and
//! a slot whose `published` record was dropped would be published again. The tally is a second,
//! independent witness of what the store must hold, so that loss is noticed.
//!
//! The digest is a multiset hash: the wrapping sum of a 128-bit hash of each `(key, value)`, so
//! it is updated in constant time per write (subtract the old value's hash, add the new one) and
//! recomputed in one pass when the store is read.
//!
//! The file holds two fixed-size slots, written alternately and each checksummed. Before a record
//! is written to the store, the next slot is overwritten with the tally before and after that
//! write (the *intent*) and synced, so a crash at any instant leaves the store equal to one of
//! the two tallies of the newest valid slot; a torn slot write leaves the other slot valid.
//!
//! # Guarantees
//! - [`Entry::accepts`] is true for the store exactly as it was before or after the last write
//!   that began; a store missing a record, holding an older or a changed value, or holding a
//!   record postcal never wrote is refused (barring a 2^-128 hash collision).
//! - Writing the intent is one write of 72 bytes and one `fdatasync`; the file never grows.
//!
//! # Errors
//! [`TallyError::Unreadable`] when neither slot is valid (the file was damaged); I/O errors as
//! they come. Both are fatal for the caller: the store cannot be trusted without its tally.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The tally's file name inside the database directory.
pub const TALLY_FILE: &str = "postcal.tally";
const MAGIC: &[u8; 8] = b"PCTALLY1";
/// Bytes per slot as written; slots sit in separate 4 KiB blocks so one torn write never
/// touches both.
const SLOT_LEN: usize = 8 + 8 + 2 * (8 + 16) + 8;
const SLOT_OFFSETS: [u64; 2] = [0, 4096];

/// How many records the store holds and a digest over all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub digest: u128,
}

impl Tally {
    fn hash(key: &[u8], value: &[u8]) -> u128 {
        let mut h = Sha256::new();
        h.update((key.len() as u64).to_le_bytes());
        h.update(key);
        h.update(value);
        let out = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&out[..16]);
        u128::from_le_bytes(first)
    }

    /// Counts a record.
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        self.count += 1;
        self.digest = self.digest.wrapping_add(Self::hash(key, value));
    }

    /// Uncounts a record (its value is being replaced).
    pub fn remove(&mut self, key: &[u8], value: &[u8]) {
        self.count = self.count.saturating_sub(1);
        self.digest = self.digest.wrapping_sub(Self::hash(key, value));
    }
}

/// The newest valid slot: the tallies before and after the last write that began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub seq: u64,
    pub before: Tally,
    pub after: Tally,
}

impl Entry {
    /// Whether a store whose records add up to `actual` is one postcal left.
    pub fn accepts(&self, actual: &Tally) -> bool {
        *actual == self.after || *actual == self.before
    }

    fn encode(&self) -> [u8; SLOT_LEN] {
        let mut out = [0u8; SLOT_LEN];
        let mut body = Vec::with_capacity(SLOT_LEN);
        body.extend_from_slice(MAGIC);
        body.extend_from_slice(&self.seq.to_le_bytes());
        for t in [self.before, self.after] {
            body.extend_from_slice(&t.count.to_le_bytes());
            body.extend_from_slice(&t.digest.to_le_bytes());
        }
        let check = checksum(&body);
        body.extend_from_slice(&check);
        out.copy_from_slice(&body);
        out
    }

    fn decode(bytes: &[u8]) -> Option<Entry> {
        let (body, check) = bytes.get(..SLOT_LEN)?.split_at(SLOT_LEN - 8);
        if &body[..8] != MAGIC || checksum(body) != check {
            return None;
        }
        let u64_at = |at: usize| u64::from_le_bytes(body[at..at + 8].try_into().unwrap_or([0; 8]));
        let u128_at =
            |at: usize| u128::from_le_bytes(body[at..at + 16].try_into().unwrap_or([0; 16]));
        Some(Entry {
            seq: u64_at(8),
            before: Tally {
                count: u64_at(16),
                digest: u128_at(24),
            },
            after: Tally {
                count: u64_at(40),
                digest: u128_at(48),
            },
        })
    }
}

fn checksum(body: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(&Sha256::digest(body)[..8]);
    out
}

#[derive(Debug, thiserror::Error)]
pub enum TallyError {
    #[error("the tally {path} is damaged (neither of its two copies is readable)")]
    Unreadable { path: PathBuf },
    #[error("cannot use the tally {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads the tally at `path`: `Ok(None)` when there is no such file.
pub fn read(path: &Path) -> Result<Option<Entry>, TallyError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(TallyError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    SLOT_OFFSETS
        .iter()
        .filter_map(|&at| bytes.get(at as usize..).and_then(Entry::decode))
        .max_by_key(|e| e.seq)
        .map(Some)
        .ok_or_else(|| TallyError::Unreadable {
            path: path.to_path_buf(),
        })
}

/// The tally file open for writing intents.
#[derive(Debug)]
pub struct TallyFile {
    file: File,
    path: PathBuf,
    seq: u64,
}

impl TallyFile {
    /// Writes a new tally file at `path` whose slots both say `tally` (atomically: temporary
    /// file, sync, rename), and syncs its directory.
    pub fn create(path: &Path, tally: Tally) -> Result<TallyFile, TallyError> {
        let io = |source| TallyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let entry = Entry {
            seq: 0,
            before: tally,
            after: tally,
        };
        let tmp = path.with_extension("tally.tmp");
        let mut bytes = vec![0u8; SLOT_OFFSETS[1] as usize + SLOT_LEN];
        for at in SLOT_OFFSETS {
            bytes[at as usize..at as usize + SLOT_LEN].copy_from_slice(&entry.encode());
        }
        let mut file = File::create(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent() {
            sync_dir(dir).map_err(io)?;
        }
        Self::open(path, entry)
    }

    /// Opens an existing tally file whose newest slot is `entry` (as [`read`] returned it).
    pub fn open(path: &Path, entry: Entry) -> Result<TallyFile, TallyError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|source| TallyError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(TallyFile {
            file,
            path: path.to_path_buf(),
            seq: entry.seq,
        })
    }

    /// Durably records that the store is about to go from `before` to `after`.
    pub fn intend(&mut self, before: Tally, after: Tally) -> Result<(), TallyError> {
        let seq = self.seq + 1;
        let entry = Entry { seq, before, after };
        let io = |source| TallyError::Io {
            path: self.path.clone(),
            source,
        };
        let at = SLOT_OFFSETS[(seq % 2) as usize];
        self.file.seek(SeekFrom::Start(at)).map_err(io)?;
        self.file.write_all(&entry.encode()).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.seq = seq;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Makes a directory's entries (a rename, a new file) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(records: &[(&str, &str)]) -> Tally {
        let mut t = Tally::default();
        for (k, v) in records {
            t.add(k.as_bytes(), v.as_bytes());
        }
        t
    }

    #[test]
    fn the_digest_is_order_free_and_sees_every_change() {
        let ab = tally(&[("a", "1"), ("b", "2")]);
        assert_eq!(ab, tally(&[("b", "2"), ("a", "1")]));
        assert_ne!(ab, tally(&[("a", "1")]));
        assert_ne!(ab, tally(&[("a", "1"), ("b", "3")]));
        // A value moved to another key is another store.
        assert_ne!(
            tally(&[("a", "1"), ("b", "2")]),
            tally(&[("a", "2"), ("b", "1")])
        );
        let mut updated = ab;
        updated.remove(b"b", b"2");
        updated.add(b"b", b"3");
        assert_eq!(updated, tally(&[("a", "1"), ("b", "3")]));
    }

    #[test]
    fn the_newest_intent_is_read_back_and_a_torn_slot_falls_back_to_the_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TALLY_FILE);
        assert_eq!(read(&path).unwrap(), None);
        let t0 = Tally::default();
        let t1 = tally(&[("a", "1")]);
        let t2 = tally(&[("a", "1"), ("b", "2")]);
        let mut file = TallyFile::create(&path, t0).unwrap();
        file.intend(t0, t1).unwrap();
        file.intend(t1, t2).unwrap();
        let newest = read(&path).unwrap().unwrap();
        assert_eq!((newest.seq, newest.before, newest.after), (2, t1, t2));
        assert!(newest.accepts(&t1) && newest.accepts(&t2) && !newest.accepts(&t0));

        // Tear the newest slot (seq 2 sits in slot 0): the older intent is what is left.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        let older = read(&path).unwrap().unwrap();
        assert_eq!((older.seq, older.before, older.after), (1, t0, t1));

        // Both torn: unreadable, never "no tally".
        bytes[SLOT_OFFSETS[1] as usize + 20] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(read(&path), Err(TallyError::Unreadable { .. })));
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(read(&path), Err(TallyError::Unreadable { .. })));
    }
}
