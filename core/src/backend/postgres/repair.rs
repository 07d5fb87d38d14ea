//! What an interrupted statement of a revision outside a transaction leaves behind, cleared
//! before the next run goes on from it: `CREATE INDEX CONCURRENTLY` killed or failed midway
//! leaves its index in the catalog, INVALID (not used by queries, yet maintained by every
//! write, and its name taken), so building it again fails until it is dropped.

use diesel::pg::PgConnection;
use diesel::sql_types::{Bool, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::dialect::{Dialect, Postgres};
use crate::sql::{ddl, Ddl};

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

/// When `statement` builds an index concurrently and an INVALID index of its name exists:
/// the statement that drops it (concurrently), and the sentence that says so.
pub(super) fn before(conn: &mut PgConnection, statement: &str) -> Option<(String, String)> {
    let Ddl::CreateIndex {
        concurrently: true,
        index: Some(index),
        ..
    } = ddl(statement)
    else {
        return None;
    };
    let (schema, name) = match index.split_once('.') {
        Some((schema, name)) => (Some(schema), name),
        None => (None, index.as_str()),
    };
    let quoted = match schema {
        Some(schema) => format!("{}.{}", Postgres.quote(schema), Postgres.quote(name)),
        None => Postgres.quote(name),
    };
    let invalid: Flag = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) \
         AND NOT indisvalid) AS flag",
    )
    .bind::<Text, _>(&quoted)
    .get_result(conn)
    .ok()?;
    invalid.flag.then(|| {
        (
            format!("DROP INDEX CONCURRENTLY {quoted}"),
            format!(
                "dropped the INVALID index {quoted} that the interrupted CREATE INDEX \
                 CONCURRENTLY left, to build it again"
            ),
        )
    })
}
