//! The round-trip cases: one Retort CLI over many small before/after model sets, each a case of
//! the table-driven suite in `tests/tests/integration/cases.rs`.
//!
//! # Adding a case
//! Pick the file of its feature (or add one, and a `mod` line below), then write
//!
//! ```ignore
//! case! {
//!     /// What the case shows, in one sentence.
//!     add_nullable_column {
//!         seed: "INSERT INTO items (id, name) VALUES (1, 'a');",
//!         // optional, see `Case`: flags, lossy, backends, outcome (`Outcome`)
//!     }
//!     before {
//!         #[derive(Model)]
//!         pub struct Item { pub id: i64, pub name: String }
//!     }
//!     after {
//!         #[derive(Model)]
//!         pub struct Item { pub id: i64, pub name: String, pub note: Option<String> }
//!     }
//! }
//! ```
//!
//! The suite runs every case on each backend it names: `before` models -> autogenerate ->
//! upgrade -> `seed` rows -> `after` models -> autogenerate with `flags` -> upgrade -> `check`
//! clean -> rows still there (unless `lossy`) -> downgrade -1 -> the schema read back from the
//! catalog equals the one before, and so do the rows (unless `lossy`). The generated up.sql and
//! down.sql are snapshot-tested per backend (`tests/tests/integration/snapshots/`); review a
//! changed snapshot like code (`INSTA_UPDATE=always` rewrites them, then read the diff).
//!
//! A case may add lines to the project's Retort.toml for each step (`config_before`,
//! `config_after`: a `[naming]` table, see `naming.rs`); the harness writes Retort.toml as its
//! base settings followed by them before that step's commands.
//!
//! Each case's models are selected with the environment variable `RETORT_CASE=<file>::<case>/<side>`
//! (`basics::add_nullable_column/before`); `RETORT_CASES_LIST=1` prints the cases as JSON lines.

#![allow(dead_code, missing_debug_implementations)]

use std::sync::OnceLock;

mod adoption;
mod basics;
mod constraints;
mod conversions;
mod enums;
mod identity;
mod mariadb;
mod mariadb_routines;
mod naming;
mod primary_keys;
mod renames;
mod routines;
mod safety;
mod schemas;
mod view_triggers;
mod views;

/// On which backends a case runs.
#[derive(Debug, Clone, Copy)]
pub enum Backends {
    Both,
    Sqlite,
    Postgres,
    /// MariaDB only (`cases_mariadb.rs`): what the other backends refuse, prefix indexes.
    Mariadb,
}

/// What the `after` step must do.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// autogenerate writes a revision, upgrade applies it, check is clean, downgrade restores.
    Upgrade,
    /// The after models describe the same database: autogenerate says "No changes detected",
    /// writes nothing, and `check` is clean.
    Unchanged,
    /// autogenerate refuses (exit 2), writes nothing, and its error contains the text.
    Refused(&'static str),
    /// autogenerate writes a revision, but upgrade fails with an error containing the text and
    /// changes nothing (schema and rows as before).
    UpgradeFails(&'static str),
}

/// One case: its name (the module path), what it shows, and how to run it.
#[derive(Debug)]
pub struct Case {
    pub name: &'static str,
    pub about: &'static str,
    /// SQL run after the `before` upgrade; portable across the backends the case runs on.
    pub seed: &'static str,
    /// Extra arguments of the `after` autogenerate.
    pub flags: &'static [&'static str],
    /// Rows may be lost (a dropped table or column): row counts and contents are not compared.
    pub lossy: bool,
    pub backends: Backends,
    pub outcome: Outcome,
    /// Lines appended to Retort.toml for the `before` step (empty: none).
    pub config_before: &'static str,
    /// Lines appended to Retort.toml for the `after` step, downgrade included (empty: none).
    pub config_after: &'static str,
}

impl Case {
    pub const DEFAULT: Case = Case {
        name: "",
        about: "",
        seed: "",
        flags: &[],
        lossy: false,
        backends: Backends::Both,
        outcome: Outcome::Upgrade,
        config_before: "",
        config_after: "",
    };
}

inventory::collect!(Case);

/// Declares a case: a module with `before` and `after` model modules and its [`Case`].
macro_rules! case {
    (
        $(#[doc = $doc:literal])*
        $name:ident { $($field:ident : $value:expr),* $(,)? }
        before { $($before:tt)* }
        after { $($after:tt)* }
    ) => {
        pub mod $name {
            #[allow(unused_imports)]
            use super::*;
            pub mod before {
                #[allow(unused_imports)]
                use retort::Model;
                $($before)*
            }
            pub mod after {
                #[allow(unused_imports)]
                use retort::Model;
                $($after)*
            }
            inventory::submit! {
                $crate::Case {
                    name: module_path!(),
                    about: concat!($($doc, "\n"),*),
                    $($field: $value,)*
                    ..$crate::Case::DEFAULT
                }
            }
        }
    };
}
pub(crate) use case;

/// `retort_cases::<file>::<case>::<side>::`, from `RETORT_CASE`.
static SELECTED: OnceLock<String> = OnceLock::new();

fn selected(model: &retort::ModelRegistration) -> bool {
    model
        .rust_path
        .starts_with(SELECTED.get().map_or("", String::as_str))
}

fn list() {
    let mut cases: Vec<&Case> = inventory::iter::<Case>.into_iter().collect();
    cases.sort_by_key(|c| c.name);
    for case in cases {
        let (outcome, text) = match case.outcome {
            Outcome::Upgrade => ("upgrade", ""),
            Outcome::Unchanged => ("unchanged", ""),
            Outcome::Refused(text) => ("refused", text),
            Outcome::UpgradeFails(text) => ("upgrade_fails", text),
        };
        let line = serde_json::json!({
            "name": case.name.trim_start_matches("retort_cases::"),
            "about": case.about.trim(),
            "seed": case.seed,
            "flags": case.flags,
            "lossy": case.lossy,
            "backends": format!("{:?}", case.backends).to_lowercase(),
            "outcome": outcome,
            "text": text,
            "config_before": case.config_before,
            "config_after": case.config_after,
        });
        println!("{line}");
    }
}

fn main() -> std::process::ExitCode {
    if std::env::var_os("RETORT_CASES_LIST").is_some() {
        list();
        return std::process::ExitCode::SUCCESS;
    }
    let Ok(case) = std::env::var("RETORT_CASE") else {
        eprintln!("retort_cases: set RETORT_CASE=<file>::<case>/<before|after>");
        return std::process::ExitCode::from(2);
    };
    let Some((name, side)) = case.split_once('/') else {
        eprintln!("retort_cases: RETORT_CASE must be <file>::<case>/<before|after>, not `{case}`");
        return std::process::ExitCode::from(2);
    };
    SELECTED
        .set(format!("retort_cases::{name}::{side}::"))
        .expect("set once");
    retort_cli::run_with(retort_cli::Defaults {
        models: Some(selected),
        ..Default::default()
    })
}

/// Models for `print-schema`'s test (`RETORT_CASE=diesel_blog/models`): not a round-trip case.
pub mod diesel_blog {
    pub mod models {
        use retort::Model;

        /// People who write.
        #[derive(Model)]
        pub struct User {
            pub id: i64,
            /// One account per address.
            #[model(max_length = 100, unique)]
            pub email: String,
            /// A keyword as a column name: `type_` in Rust.
            #[model(column = "type", default = "'person'")]
            pub kind: String,
            pub score: f64,
            pub avatar: Option<Vec<u8>>,
            /// An enum: a custom SQL type on PostgreSQL, `Text` on SQLite.
            pub mood: Option<Mood>,
        }

        #[derive(Debug, Clone, Copy, retort::DbEnum)]
        pub enum Mood {
            Calm,
            Busy,
        }

        #[derive(Model)]
        pub struct Post {
            pub id: i64,
            #[model(references = "users.id", on_delete = "cascade")]
            pub author_id: i64,
            pub title: String,
            #[model(default = "false")]
            pub published: bool,
        }

        /// Who viewed which post: no primary key, so diesel's `table!` cannot say it and
        /// print-schema leaves it out, with a comment.
        #[derive(Model)]
        #[model(no_primary_key)]
        pub struct PostView {
            #[model(references = "posts.id")]
            pub post_id: i64,
            pub viewer: String,
        }

        /// A post's tags, keyed tag first: the struct lists the key in its order, print-schema
        /// writes `post_tags (tag, post_id)`, and diesel's `find((tag, post_id))` follows it.
        #[derive(Model)]
        #[model(primary_key(columns("tag", "post_id")))]
        pub struct PostTag {
            #[model(references = "posts.id")]
            pub post_id: i64,
            pub tag: String,
            pub weight: i32,
        }

        /// Two keys to `users`: diesel cannot tell which to join on, so no `joinable!`.
        #[derive(Model)]
        pub struct Review {
            pub id: i64,
            #[model(references = "users.id")]
            pub reviewer_id: i64,
            #[model(references = "users.id")]
            pub reviewee_id: i64,
            pub stars: i16,
        }

        /// Keys both ways between `teams` and `members`: two `joinable!` of one pair would
        /// conflict (E0119), so, as diesel_cli does, neither is written.
        #[derive(Model)]
        pub struct Team {
            pub id: i64,
            #[model(references = "members.id")]
            pub captain_id: Option<i64>,
        }

        #[derive(Model)]
        pub struct Member {
            pub id: i64,
            #[model(references = "teams.id")]
            pub team_id: i64,
        }

        /// A managed view: print-schema writes a `table!` for it, keyed by `#[view(key)]`.
        #[derive(retort::View)]
        #[view(
            sql = "SELECT u.email, u.id AS author_id, count(p.id) AS posts \
                   FROM users u LEFT JOIN posts p ON p.author_id = u.id GROUP BY u.id, u.email",
            key = "author_id"
        )]
        pub struct AuthorStat {
            pub email: String,
            pub author_id: i64,
            pub posts: i64,
        }
    }
}
