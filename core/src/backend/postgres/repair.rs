//! What an interrupted statement of a revision outside a transaction leaves behind, looked at
//! before the next run goes on from it:
//!
//! - `CREATE INDEX CONCURRENTLY` cancelled or failed midway leaves its index in the catalog,
//!   INVALID (not used by queries, yet maintained by every write, and its name taken), so
//!   building it again fails until it is dropped: it is dropped first;
//! - one whose client was killed (`kill -9`) after the server finished it, before the run
//!   recorded it, left a valid index of its name on its table: the statement is done;
//! - likewise a `DROP INDEX CONCURRENTLY` whose index is gone.

use diesel::pg::PgConnection;
use diesel::sql_types::{Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::Repair;
use crate::dialect::{Dialect, Postgres};
use crate::sql::{ddl, Ddl};

#[derive(QueryableByName)]
struct State {
    /// `valid`, `invalid`, or NULL when no index has the name; with its table.
    #[diesel(sql_type = Nullable<Text>)]
    state: Option<String>,
}

/// What to do before `statement` runs again, if anything.
pub(super) fn before(conn: &mut PgConnection, statement: &str) -> Option<Repair> {
    match ddl(statement) {
        Ddl::CreateIndex {
            concurrently: true,
            index: Some(index),
            table,
        } => {
            let quoted = quoted(&index);
            let state = index_state(conn, &quoted)?;
            let bare_table = table.rsplit('.').next().unwrap_or(&table).to_owned();
            match state.as_deref() {
                Some(s) if s.starts_with("invalid ") => Some(Repair::Clear {
                    sql: format!("DROP INDEX CONCURRENTLY {quoted}"),
                    what: format!(
                        "dropped the INVALID index {quoted} that the interrupted CREATE INDEX \
                         CONCURRENTLY left, to build it again"
                    ),
                }),
                Some(s) if s == format!("valid {bare_table}") => Some(Repair::Done {
                    what: format!(
                        "the index {quoted} is there and valid: the interrupted CREATE INDEX \
                         CONCURRENTLY finished before the run stopped; going on after it"
                    ),
                }),
                _ => None,
            }
        }
        Ddl::DropIndex { concurrently: true } => {
            let name = dropped_index(statement)?;
            let quoted = quoted(&name);
            match index_state(conn, &quoted)? {
                None => Some(Repair::Done {
                    what: format!(
                        "the index {quoted} is gone: the interrupted DROP INDEX CONCURRENTLY \
                         finished before the run stopped; going on after it"
                    ),
                }),
                Some(_) => None,
            }
        }
        _ => None,
    }
}

/// `name` (a catalog key, `s.i` when qualified) quoted for `to_regclass` and for SQL.
fn quoted(name: &str) -> String {
    match name.split_once('.') {
        Some((schema, name)) => format!("{}.{}", Postgres.quote(schema), Postgres.quote(name)),
        None => Postgres.quote(name),
    }
}

/// `valid <table>` or `invalid <table>` for the index `quoted`, `None` inside when there is no
/// such index; `None` outside when the catalog could not be read.
fn index_state(conn: &mut PgConnection, quoted: &str) -> Option<Option<String>> {
    let row: State = diesel::sql_query(
        "SELECT (SELECT CASE WHEN i.indisvalid THEN 'valid ' ELSE 'invalid ' END || t.relname \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
         WHERE i.indexrelid = to_regclass($1)) AS state",
    )
    .bind::<Text, _>(quoted)
    .get_result(conn)
    .ok()?;
    Some(row.state)
}

/// The index a `DROP INDEX CONCURRENTLY [IF EXISTS] name` names, as the catalog keys it.
fn dropped_index(statement: &str) -> Option<String> {
    let words: Vec<&str> = statement
        .trim_end()
        .trim_end_matches(';')
        .split_whitespace()
        .collect();
    let mut at = 3;
    if words.get(at).is_some_and(|w| w.eq_ignore_ascii_case("IF"))
        && words
            .get(at + 1)
            .is_some_and(|w| w.eq_ignore_ascii_case("EXISTS"))
    {
        at += 2;
    }
    // One index, no CASCADE (DROP INDEX CONCURRENTLY takes one, without CASCADE).
    if words.len() != at + 1 {
        return None;
    }
    let name = words[at];
    Some(
        name.split('.')
            .map(crate::sql::table_key)
            .collect::<Vec<_>>()
            .join("."),
    )
}
