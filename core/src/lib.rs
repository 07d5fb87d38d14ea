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

pub mod model;
pub mod schema;

#[doc(hidden)]
pub mod __private;

pub use model::{ColumnType, Model, ModelRegistration, VarLength};
pub use retort_macros::Model;
pub mod autogen;
pub mod checksum;
pub mod db;
pub mod dialect;
pub mod diff;
mod error;
pub mod introspect;
pub mod offline;
pub mod ops;
pub mod registry;
pub mod runner;
pub mod script;
pub mod sql;

pub use error::Error;
pub mod embed;
pub mod invocation;
#[cfg(test)]
mod proptests;
pub mod shadow;
pub mod testing;

pub use embed::embed_migrations;

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
