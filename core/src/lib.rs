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
pub mod db;
pub mod dialect;
pub mod diff;
mod error;
pub mod introspect;
pub mod ops;
pub mod registry;
pub mod runner;
pub mod script;

pub use error::Error;
