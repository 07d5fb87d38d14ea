//! The test application's models, version 2: every kind of change the foundation diffs.
//! - accounts.name: TEXT NULL -> VARCHAR(200) NOT NULL, now indexed
//! - accounts.age: INTEGER -> BIGINT
//! - accounts.score: default 0 -> 10
//! - accounts.legacy: dropped; accounts.bio (nullable) and accounts.status (NOT NULL with a
//!   default) added
//! - accounts' comment and accounts.email's comment changed (doc comments)
//! - notes.account_id: foreign key ON DELETE CASCADE -> RESTRICT
//! - tags: new, references accounts; obsoletes: dropped

use retort::Model;

#[path = "../shared_models.rs"]
mod shared_models;
pub use shared_models::{Sample, Unusual};

#[path = "../data_steps.rs"]
mod data_steps;

/// The people who sign in, and what they told us.
#[derive(Debug, Model)]
#[model(table = "accounts", check(expr = "age >= 0"))]
pub struct Account {
    pub id: i64,
    /// Where we write to them; one account per address.
    #[model(max_length = 100, unique)]
    pub email: String,
    #[model(max_length = 200, index)]
    pub name: String,
    pub age: i64,
    #[model(default = "10")]
    pub score: i32,
    pub bio: Option<String>,
    #[model(default = "'active'")]
    pub status: String,
}

#[derive(Debug, Model)]
pub struct Note {
    pub id: i64,
    #[model(references = "accounts.id", on_delete = "restrict")]
    pub account_id: i64,
    pub body: String,
}

#[derive(Debug, Model)]
pub struct Tag {
    pub id: i64,
    #[model(references = "accounts.id", on_delete = "set null")]
    pub account_id: Option<i64>,
    #[model(max_length = 50)]
    pub label: String,
}

fn main() -> std::process::ExitCode {
    retort_cli::run()
}
