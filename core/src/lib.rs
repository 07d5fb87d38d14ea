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
//! - Models: [`Model`] (the derive and its trait, in [`model`]), [`DbEnum`] (enums as column
//!   types), [`registry`] (every model linked into the binary), [`schema`] (the dialect-free
//!   schema model), [`Convention`] (the names of what the models leave unnamed),
//!   [`link_models!`].
//! - Comparing: [`diff`] (schemas to [`ops`]), [`autogen`] (database vs models, rendered by a
//!   [`dialect`]).
//! - Databases: [`DatabaseUrl`], [`Connection`] and [`Backend`] ([`db`], [`backend`]: SQLite
//!   and PostgreSQL, each a cargo feature).
//! - Migrations: [`script`] (the revision graph and the migrations directory), [`runner`]
//!   (upgrade, downgrade, stamp), [`data`] (Rust data steps in revisions:
//!   [`data_migration`], [`Conn`]), [`offline`] (the SQL a run would execute), [`checksum`],
//!   [`embed`] ([`embed_migrations!`] and [`EmbeddedMigrations`]: migrations compiled into the
//!   binary).
//! - Consistency: [`testing`] (assertions for your own `cargo test`), [`lint`] (revisions
//!   checked against the rules that keep busy tables' writers going), [`shadow`] (replaying
//!   migrations into a scratch database).
//! - Errors: [`Error`], which every module's error converts into, and the errors it wraps.
//!
//! The modules the `retort` command line shares with the library (`baseline`, `diesel_schema`,
//! `ignore`, `invocation`, `listing`, `naming`, `redact`, `safety`, `shown`, `sql`, and the
//! backends' own modules `backend::postgres` and `backend::sqlite`) are public for `retort_cli`
//! and Retort's tests only, and left out of this documentation: they are not a stable API.

// The user's surface.
pub mod autogen;
pub mod backend;
pub mod checksum;
pub mod data;
pub mod db;
pub mod dialect;
pub mod diff;
pub mod embed;
pub mod model;
pub mod offline;
pub mod ops;
pub mod registry;
pub mod runner;
pub mod schema;
pub mod script;
pub mod shadow;
pub mod testing;

// Plumbing of the `retort` command line (`retort_cli`) and of Retort's own tests: public so
// they can reach it, hidden from the documentation. NOT a stable API: it changes with the
// command line, in any release.
#[doc(hidden)]
pub mod baseline;
#[doc(hidden)]
pub mod convert;
#[doc(hidden)]
pub mod diesel_schema;
#[doc(hidden)]
pub mod ignore;
#[doc(hidden)]
pub mod invocation;
pub mod lint;
#[doc(hidden)]
pub mod listing;
#[doc(hidden)]
pub mod naming;
#[doc(hidden)]
pub mod redact;
#[doc(hidden)]
pub mod safety;
#[doc(hidden)]
pub mod shown;
#[doc(hidden)]
pub mod sql;
#[doc(hidden)]
pub mod squash;

// Inside the library only.
mod depend;
mod error;
// Signal handling for runs on every backend; cleanup registration is only PostgreSQL's.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
mod interrupt;
mod progress;
mod reattach;
mod rename;

// What the derives expand to: not an API.
#[doc(hidden)]
pub mod __private;

#[cfg(all(test, feature = "sqlite"))]
mod constraint_tests;
#[cfg(all(test, feature = "sqlite"))]
mod plan_tests;
#[cfg(all(test, feature = "sqlite"))]
mod proptests;

pub use backend::Backend;
pub use data::{Conn, Result};
pub use db::{Connection, DatabaseUrl};
pub use embed::{embed_migrations, EmbeddedMigrations};
pub use error::Error;
pub use model::{
    ColumnType, DbEnum, Declaration, DeclarationKind, IntegerColumn, Model, ModelRegistration,
    VarLength, ViewModel, ViewRegistration,
};
pub use retort_macros::data_migration;
pub use retort_macros::DbEnum;
pub use retort_macros::Model;
pub use retort_macros::View;
pub use retort_macros::{function, trigger};
pub use runner::RunOptions;
pub use script::ScriptDirectory;

// From hidden or private modules: the errors `Error` wraps, and the naming convention.
pub use depend::DependencyError;
pub use ignore::IgnoreError;
pub use naming::{Convention, NamingError};
pub use rename::RenameError;
pub use safety::SafetyError;

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
