//! Introspection on two connections at once: the columns' query (the largest: every column's
//! type and default) and the constraints' run on a second connection while this one runs the
//! others (the indexes' the largest of them), about half the server's work each, so a large
//! schema is read in about half the time on a server with two cores or more.
//!
//! Both read the same snapshot: this session's transaction is `REPEATABLE READ` and exports
//! its snapshot (`pg_export_snapshot`), which the second connection's transaction imports
//! (`SET TRANSACTION SNAPSHOT`) before its query, with the same `search_path`. Both transactions
//! are read-only and rolled back. Used only where a second connection is possible and
//! harmless: the session was opened from a URL (not a connection the application lent) and is
//! not inside a transaction (a run's uncommitted changes are invisible to another connection);
//! when the second connection cannot be opened or set up, introspection runs on this one alone.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryResult, QueryableByName, RunQueryDsl};

use super::introspect::{First, Rest};
use crate::schema::Schema;

/// The settings of an introspection's transaction: no JIT (PostgreSQL would compile the large
/// catalog queries of a big schema with LLVM first, which takes longer than running them), and
/// room to sort their rows in memory (the default 4 MB spills the columns' rows of 10,000
/// tables to disk).
pub(super) const CATALOG_SETTINGS: &str = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'";

/// The snapshot and `search_path` the second connection takes over.
#[derive(QueryableByName)]
struct Exported {
    #[diesel(sql_type = Text)]
    snapshot: String,
    #[diesel(sql_type = Text)]
    search_path: String,
}

/// Reads the schema as [`super::introspect::introspect`] does, the columns on a second
/// connection to `url`. `None` when that connection cannot be had (then nothing was run here).
pub(super) fn introspect(
    conn: &mut PgConnection,
    url: &str,
    schemas: &[String],
) -> QueryResult<Option<Schema>> {
    let Ok(mut helper) = PgConnection::establish(url) else {
        return Ok(None);
    };
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
    if let Err(e) = conn.batch_execute(CATALOG_SETTINGS) {
        let _ = conn.batch_execute("ROLLBACK");
        return Err(e);
    }
    let result = on_both(conn, &mut helper, schemas);
    let rolled_back = conn.batch_execute("ROLLBACK");
    let schema = result?;
    rolled_back?;
    Ok(schema)
}

fn on_both(
    conn: &mut PgConnection,
    helper: &mut PgConnection,
    schemas: &[String],
) -> QueryResult<Option<Schema>> {
    // A server that cannot export a snapshot (a standby before PostgreSQL 10, a pooler that
    // hides it) reads on one connection instead; the caller rolls this transaction back.
    let Ok(exported) = diesel::sql_query(
        "SELECT pg_export_snapshot() AS snapshot, current_setting('search_path') AS search_path",
    )
    .get_result::<Exported>(conn) else {
        return Ok(None);
    };
    // The second connection's transaction sees what this one sees, or is not used.
    let ready = helper
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '{}'; \
             {CATALOG_SETTINGS}",
            exported.snapshot.replace('\'', "''")
        ))
        .and_then(|()| {
            diesel::sql_query("SELECT set_config('search_path', $1, true) AS search_path")
                .bind::<Text, _>(&exported.search_path)
                .execute(helper)
                .map(drop)
        });
    if ready.is_err() {
        let _ = helper.batch_execute("ROLLBACK");
        return Ok(None);
    }
    let (first, rest) = std::thread::scope(|scope| {
        let first = scope.spawn(|| -> QueryResult<First> {
            let rows = First::fetch(helper, schemas);
            let _ = helper.batch_execute("ROLLBACK");
            rows
        });
        let rest = Rest::fetch(conn, schemas);
        let first = first.join().expect("the catalog queries do not panic");
        (first, rest)
    });
    Ok(Some(rest?.assemble(first?)))
}
