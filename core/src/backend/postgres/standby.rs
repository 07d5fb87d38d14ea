//! A read-only standby (a streaming replica in hot standby): Retort reads it, but what needs a
//! write goes elsewhere or is refused with the way out.
//!
//! - Spelling the models as the server does (`normalize`: TEMP tables) and asking which type
//!   changes need `--using` (`casts`) run in rolled-back transactions, which a standby refuses:
//!   they run on the writable server of `scratch_url` instead (`--scratch-url`), with this
//!   session's `search_path`, or fail saying so. Same major version only: the spellings are the
//!   server's.
//! - A run (upgrade, downgrade, stamp) is refused before it takes the lock: migrations go to the
//!   primary.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::{Bool, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};

use crate::backend::{DbError, PrepareError};

/// Whether the server refused `e` because the session may not write (a standby, or a
/// read-only transaction).
pub(super) fn refuses_writes(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info)
        if refuses_writes_text(info.message()))
}

/// Whether a message is the server's refusal to write (see [`refuses_writes`]).
pub(super) fn refuses_writes_text(message: &str) -> bool {
    message.contains("in a read-only transaction") || message.contains("during recovery")
}

#[derive(QueryableByName)]
struct Server {
    #[diesel(sql_type = Text)]
    version: String,
    #[diesel(sql_type = Text)]
    search_path: String,
}

fn server(conn: &mut PgConnection) -> diesel::QueryResult<Server> {
    diesel::sql_query(
        "SELECT current_setting('server_version_num') AS version, \
         current_setting('search_path') AS search_path",
    )
    .get_result(conn)
}

/// A connection to `scratch_url`, with `standby`'s `search_path`, for what `standby` refuses;
/// an error saying what to do without one, or when its major version differs.
pub(super) fn writable(
    standby: &mut PgConnection,
    scratch_url: Option<&str>,
) -> Result<PgConnection, DbError> {
    let Some(url) = scratch_url else {
        return Err(DbError::Unsupported(
            "this PostgreSQL database is read-only (a hot standby, or default_transaction_read_only), \
             and spelling the models as the server does needs TEMP tables: name a writable \
             PostgreSQL server of the same major version with --scratch-url (or scratch_url in \
             Retort.toml; the primary will do, nothing is left on it), or run this on the \
             primary"
                .into(),
        ));
    };
    let here = server(standby).map_err(DbError::query("reading the standby's version"))?;
    let shown = crate::redact::url(url);
    let parsed: crate::backend::DatabaseUrl = url.parse()?;
    let mut conn =
        PgConnection::establish(url).map_err(|source| DbError::connect(&parsed, source))?;
    let there =
        server(&mut conn).map_err(DbError::query("reading the scratch server's version"))?;
    let major = |v: &str| v.parse::<u32>().map(|n| n / 10_000).unwrap_or(0);
    if major(&here.version) != major(&there.version) {
        return Err(DbError::Unsupported(format!(
            "the --scratch-url server {shown} runs PostgreSQL {}, the database {}: the models' \
             spellings are the server's own, so name a server of the same major version",
            major(&there.version),
            major(&here.version)
        )));
    }
    diesel::sql_query("SELECT set_config('search_path', $1, false) AS search_path")
        .bind::<Text, _>(&here.search_path)
        .execute(&mut conn)
        .map_err(DbError::query("setting the scratch server's search_path"))?;
    conn.batch_execute("SET client_min_messages TO warning")
        .map_err(DbError::query("configuring the scratch server's session"))?;
    Ok(conn)
}

#[derive(QueryableByName)]
struct Recovery {
    #[diesel(sql_type = Bool)]
    standby: bool,
}

/// Refuses a run on a standby before anything is tried: it cannot write.
pub(super) fn refuse_run(conn: &mut PgConnection) -> Result<(), PrepareError> {
    let found: Recovery = diesel::sql_query("SELECT pg_is_in_recovery() AS standby")
        .get_result(conn)
        .map_err(DbError::query("asking whether the server is a standby"))?;
    if found.standby {
        return Err(DbError::Unsupported(
            "this PostgreSQL server is a read-only standby (pg_is_in_recovery()): run \
             migrations on the primary; the standby follows it"
                .into(),
        )
        .into());
    }
    Ok(())
}
