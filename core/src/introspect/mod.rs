//! Reading the live schema of a database, one module per backend.

pub mod pg_normalize;
pub mod postgres;
pub mod sqlite;

/// Tables that belong to the migration machinery, never to the models.
pub const INTERNAL_TABLES: &[&str] = &["__diesel_schema_migrations", "__retort_checksums"];
