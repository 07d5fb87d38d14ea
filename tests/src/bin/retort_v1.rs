//! The test application's models, version 1.

use retort::Model;

#[path = "../shared_models.rs"]
mod shared_models;
pub use shared_models::{Sample, Unusual};

/// The people who sign in.
#[derive(Debug, Model)]
#[model(table = "accounts")]
pub struct Account {
    pub id: i64,
    /// Where we write to them.
    #[model(max_length = 100, unique)]
    pub email: String,
    pub name: Option<String>,
    pub age: i32,
    #[model(default = "0")]
    pub score: i32,
    pub legacy: Option<String>,
}

#[derive(Debug, Model)]
pub struct Note {
    pub id: i64,
    #[model(references = "accounts.id", on_delete = "cascade")]
    pub account_id: i64,
    pub body: String,
}

#[derive(Debug, Model)]
pub struct Obsolete {
    pub id: i64,
    pub label: String,
}

/// Older versions of `retort_v2`'s data steps of revision `da7a00000001` (see
/// `src/data_steps.rs`), so a test can run a revision with one and check it with the other.
#[retort::data_migration(revision = "da7a00000001")]
fn split_names(_conn: &mut retort::Conn) -> retort::Result<()> {
    Ok(())
}

#[retort::data_migration(revision = "da7a00000001")]
fn join_names(_conn: &mut retort::Conn) -> retort::Result<()> {
    Ok(())
}

fn main() -> std::process::ExitCode {
    retort_cli::run()
}
