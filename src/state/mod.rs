//! Durable state: what postcal has done for each publication slot.
//!
//! - [`record`]: slot keys, the state machine's states, records;
//! - [`store`]: the [`Store`] trait (write + flush, exposed separately so tests can check that
//!   every transition is flushed before the next remote call) and an in-memory store;
//! - [`sled_store`]: the on-disk store in `<calendar>/.postcal/db`;
//! - [`creation`]: its crash-safe first start, and the leftovers of an interrupted open;
//! - [`tally`]: a count and digest of the records, kept beside them, so lost records are seen;
//! - [`lock`]: the state-directory lock (one writer at a time, surviving `rm -rf .postcal`);
//! - [`snapshot`]: `.postcal/status.json`, how read-only commands see a running daemon's state;
//! - [`status_render`]: `postcal status`'s table and JSON document.
//!
//! # Guarantees
//! - A store that cannot be opened, or that looks corrupt, is a fatal [`StoreError`]; postcal
//!   never starts from an empty store when slots might already be published.
//! - A corrupt record is an error naming its key; it is never skipped and never panics.
//! - A store that lost records postcal wrote (a damaged log) is refused, never read as it is.
//! - A store whose directory is deleted or replaced under a running postcal is never written
//!   again ([`Store::check_intact`]), and a second postcal cannot start meanwhile.

pub mod creation;
pub mod lock;
pub mod record;
pub mod sled_store;
pub mod snapshot;
pub mod status_render;
pub mod store;
pub mod tally;

use std::path::{Path, PathBuf};

pub use lock::{LockError, StateLock};
pub use record::{Record, Revision, SlotKey, SlotState};
pub use sled_store::{OpenMode, SledStore};
pub use snapshot::{Observed, ObservedSource, read_observed, write_snapshot};
pub use store::{MemStore, Store, StoreError, StoreEvent};

/// The state directory of a calendar: `<calendar>/.postcal` (docs/design.md §1; never committed).
pub fn state_dir(calendar_root: &Path) -> PathBuf {
    calendar_root.join(".postcal")
}
