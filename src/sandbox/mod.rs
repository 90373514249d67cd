//! The platform simulator (in progress).
