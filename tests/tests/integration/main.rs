//! Retort's integration tests: the real `retort` binaries on real SQLite files.
//! One test binary with modules keeps link time low.

extern crate retort_example_blog as _;

mod cli;
mod diesel_compat;
mod sqlite;
mod support;
mod ui;
