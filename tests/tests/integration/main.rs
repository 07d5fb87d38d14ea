//! Retort's integration tests: the real `retort` binaries on real SQLite files and a real
//! PostgreSQL server (TEST_DATABASE_URL) and a real MariaDB server (TEST_MYSQL_URL), both
//! started by scripts/test.sh.
//! One test binary with modules keeps link time low.

extern crate retort_example_blog as _;

mod adopt;
mod adopt_diesel;
mod backend_faults;
mod baseline_objects;
mod bookkeeping_guard;
mod cases;
mod cases_mariadb;
mod checks;
mod cli;
mod daily;
mod data_safety;
mod data_steps;
mod diesel_compat;
mod disk_full;
mod edge_cases;
mod faults;
mod galera;
mod git;
mod hook;
mod hostile_input;
mod hostile_scripts;
mod inspect;
mod inspect_types;
mod interrupts;
mod introspection_cost;
mod labels;
mod lint;
mod lock_limits;
mod lossless;
mod mariadb;
mod mariadb_embed;
mod mariadb_lint;
mod mariadb_objects;
mod mariadb_prefix;
mod mariadb_runs;
mod mariadb_support;
mod messages;
mod naming;
mod online;
mod pg_schemas;
mod pg_types;
mod postgres;
mod print_schema;
mod real_postgres;
mod real_sqlite;
mod rename_hints;
mod replay;
mod resume;
mod roundtrip;
mod safety;
mod scratch;
mod skips;
mod sqlite_integrity;
mod squash;
mod squash_measured;
mod support;
mod ui;
mod user_project;
mod validity;
mod workflow;
