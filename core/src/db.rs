//! Database URLs and connections: the backend-independent face of [`crate::backend`]. The types
//! live beside the backends' sessions they wrap (so a backend never reaches up to this module);
//! this is their public home.

pub use crate::backend::connection::{
    Connection, DatabaseUrl, DbError, OpenOptions, DEFAULT_DATABASE_URL,
};
