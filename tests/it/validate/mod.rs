//! `postcal validate` end to end: fixtures under `tests/fixtures/`, rendered diagnostics
//! snapshot-tested (human with colour off, and JSON), and the check that every diagnostic code
//! the source can emit has a failing fixture.

mod agreement;
mod calendar;
mod coverage;
mod example;
mod facebook;
mod fixture_media;
mod instagram;
mod large_media;
mod many_problems;
mod robustness;
mod threads;
mod tiktok;
