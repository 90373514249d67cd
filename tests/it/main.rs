//! The integration tests: one binary that runs the real `postcal` (see `util`).

mod util;
mod validate;
