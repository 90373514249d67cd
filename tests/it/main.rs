//! The integration test binary of the whole project (one binary keeps link time down).

mod sandbox;
