#![warn(missing_docs)]
//! Retort: schema migrations for Rust.
//!
//! Describe tables with `#[derive(Model)]`; Retort diffs them against a live database and writes
//! reviewable up/down SQL migrations, applies and reverts them through `diesel_migrations`, and
//! checks that models, migrations and database agree.
//!
//! ```
//! use retort::Model;
//!
//! #[derive(Model)]
//! #[model(table = "accounts")]
//! pub struct Account {
//!     pub id: i64,
//!     #[model(max_length = 255, unique)]
//!     pub email: String,
//!     pub nickname: Option<String>,
//! }
//!
//! assert_eq!(<Account as retort::Model>::TABLE, "accounts");
//! ```

//!
//! # Where things are
//!
//! - Models: [`Model`] (the derive and its trait), [`DbEnum`] (enums as column types), [`registry`] (every model linked into the
//!   binary), [`schema`] (the dialect-free schema model), [`link_models!`].
//! - Comparing: [`diff`] (schemas to [`ops`]), [`autogen`] (database vs models, rendered by a
//!   [`dialect`]).
//! - Databases: [`DatabaseUrl`], [`Connection`] and [`Backend`] ([`backend`]: SQLite and
//!   PostgreSQL, each a cargo feature).
//! - Migrations: [`script`] (the revision graph and the migrations directory), [`runner`]
//!   (upgrade, downgrade, stamp), [`offline`] (the SQL a run would execute), [`checksum`],
//!   [`embed_migrations!`] and [`EmbeddedMigrations`] (migrations compiled into the binary).
//! - Consistency: [`testing`] (assertions for your own `cargo test`), [`shadow`] (replaying
//!   migrations into a scratch database).
//! - Errors: [`Error`], which every module's error converts into.

pub mod autogen;
pub mod backend;
pub mod baseline;
pub mod checksum;
pub mod db;
pub mod depend;
pub mod dialect;
pub mod diesel_schema;
pub mod diff;
pub mod embed;
mod error;
pub mod ignore;
#[cfg(feature = "postgres")]
mod interrupt;
pub mod invocation;
pub mod listing;
pub mod model;
pub mod naming;
pub mod offline;
pub mod ops;
mod reattach;
pub mod redact;
pub mod registry;
pub mod rename;
pub mod runner;
pub mod safety;
pub mod schema;
pub mod script;
pub mod shadow;
pub mod shown;
pub mod sql;
pub mod testing;

#[doc(hidden)]
pub mod __private;

#[cfg(all(test, feature = "sqlite"))]
mod constraint_tests;
#[cfg(all(test, feature = "sqlite"))]
mod plan_tests;
#[cfg(all(test, feature = "sqlite"))]
mod proptests;

pub use backend::Backend;
pub use db::{Connection, DatabaseUrl};
pub use embed::{embed_migrations, EmbeddedMigrations};
pub use error::Error;
pub use model::{ColumnType, DbEnum, IntegerColumn, Model, ModelRegistration, VarLength};
pub use retort_macros::DbEnum;
pub use retort_macros::Model;
pub use runner::RunOptions;
pub use script::ScriptDirectory;

/// Links crates that hold `#[derive(Model)]` structs into the binary, so their models are
/// registered even though the binary names nothing from them. Without it, the linker drops a
/// crate the code never uses, and its models silently vanish.
///
/// ```ignore
/// // main.rs of your own retort binary
/// retort::link_models!(my_models, billing_models);
///
/// fn main() -> std::process::ExitCode {
///     retort_cli::run()
/// }
/// ```
#[macro_export]
macro_rules! link_models {
    ($($krate:ident),+ $(,)?) => {
        $(extern crate $krate as _;)+
    };
}
