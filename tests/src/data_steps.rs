//! Rust data steps of the test revisions (`tests/integration/data_steps.rs` and its fixture
//! `fixtures/data_step_migrations`), on whichever backend the run is: `people.name` split into
//! `first_name` and `last_name` and joined back, a step that fails after changing a row, and one
//! that panics. Linked into `retort_v2` and into the integration tests' own binary.

use diesel::prelude::*;

diesel::table! {
    people (id) {
        id -> BigInt,
        name -> Nullable<Text>,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
    }
}

/// Runs `$body` with `$c` bound to the run's diesel connection, whatever its backend.
macro_rules! on_any {
    ($conn:ident, |$c:ident| $body:block) => {
        match $conn.backend().key() {
            "sqlite" => {
                let $c = $conn.sqlite()?;
                $body
            }
            "postgresql" => {
                let $c = $conn.pg()?;
                $body
            }
            _ => {
                let $c = $conn.mysql()?;
                $body
            }
        }
    };
}

/// Fills `first_name` and `last_name` from `name` (`"Ada Lovelace"`: `Ada`, `Lovelace`).
#[retort::data_migration(revision = "da7a00000001")]
pub fn split_names(conn: &mut retort::Conn) -> retort::Result<()> {
    on_any!(conn, |c| {
        let rows: Vec<(i64, Option<String>)> = people::table
            .select((people::id, people::name))
            .order(people::id)
            .load(c)?;
        for (id, name) in rows {
            let name = name.unwrap_or_default();
            let (first, last) = name.split_once(' ').unwrap_or((&name, ""));
            diesel::update(people::table.find(id))
                .set((people::first_name.eq(first), people::last_name.eq(last)))
                .execute(c)?;
        }
    });
    Ok(())
}

/// Fills `name` back from `first_name` and `last_name`.
#[retort::data_migration(revision = "da7a00000001")]
pub fn join_names(conn: &mut retort::Conn) -> retort::Result<()> {
    on_any!(conn, |c| {
        let rows: Vec<(i64, Option<String>, Option<String>)> = people::table
            .select((people::id, people::first_name, people::last_name))
            .order(people::id)
            .load(c)?;
        for (id, first, last) in rows {
            let name = format!("{} {}", first.unwrap_or_default(), last.unwrap_or_default());
            diesel::update(people::table.find(id))
                .set(people::name.eq(name.trim()))
                .execute(c)?;
        }
    });
    Ok(())
}

/// Changes the first row, then fails.
#[retort::data_migration(revision = "da7a00000002")]
pub fn fail_halfway(conn: &mut retort::Conn) -> retort::Result<()> {
    on_any!(conn, |c| {
        diesel::update(people::table.find(1))
            .set(people::last_name.eq("CHANGED"))
            .execute(c)?;
    });
    Err("row 2 has no last name to keep".into())
}

/// Panics.
#[retort::data_migration(revision = "da7a00000003")]
pub fn boom(_conn: &mut retort::Conn) -> retort::Result<()> {
    panic!("boom at row 7")
}
