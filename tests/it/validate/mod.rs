//! `postcal validate` end to end: fixtures under `tests/fixtures/`, rendered diagnostics
//! snapshot-tested (human with colour off, and JSON), the check that every code of the registry
//! has a failing fixture, and `postcal explain`.

mod agreement;
mod calendar;
mod coverage;
mod example;
mod explain;
mod facebook;
mod fixture_media;
mod instagram;
mod large_media;
mod many_problems;
mod robustness;
mod threads;
mod tiktok;
