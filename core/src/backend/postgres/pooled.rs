//! Runs through a connection pooler in transaction mode (pgbouncer's `pool_mode = transaction`).
//!
//! Such a pooler hands each transaction of a client to whichever server connection is free, so
//! nothing a session keeps holds between two transactions: a session advisory lock stays on a
//! server connection that then serves other clients (and is not released by the run that took
//! it), a `SET` changes whichever connection ran it, and a prepared statement may be missing on
//! the next one. Detecting the pooler and refusing would leave a demanding user with a fleet
//! that cannot migrate through the only address it has; so Retort runs through it instead:
//!
//! - **The run lock is a row**, `__retort_lock` (one per schema migrated, in that schema), taken
//!   by an `INSERT ... ON CONFLICT DO NOTHING` that commits by itself, so it holds whatever
//!   server connection later statements run on. Its row names the holder and carries a
//!   heartbeat: a second connection of the holder increments `beat` every [`HEARTBEAT`] (a
//!   sixth of its TTL), and a waiter that has seen the same `beat` for the TTL the row names
//!   (`ttl_ms`: [`TTL`], or [`TTL_VARIABLE`] of the holder; by the waiter's own clock) takes the
//!   lock over, deleting the row only as it saw it. A killed run thus frees the lock after its
//!   TTL, where the advisory lock is freed when its session ends.
//! - **It excludes runs that connect directly**, which take the advisory lock of the same
//!   schema ([`super::run_lock_keys`]): a pooled run that got the row gives it back while that
//!   advisory lock is held by anyone, and a direct run
//!   that got the advisory lock gives it back while the row exists (see
//!   [`super::lock::take`]). Each checks after taking its own, so two never both go on.
//! - **Session settings become transaction settings**: `lock_timeout` is set with `SET LOCAL`
//!   in each revision's transaction; `search_path` is not set at all (it would change a shared
//!   server connection), so the schema migrated must be the one the role's `search_path`
//!   already names, or the run is refused with the way out; `application_name`, which
//!   pgbouncer restores per client, is still set.
//! - **No prepared statements are kept** (diesel's statement cache is off): each query is
//!   prepared and run in one exchange.
//! - A signal does not end the run's server session (its pid is that of a shared connection);
//!   the pooler closes the server connection of a client that leaves mid-transaction.
//!
//! The pooler is detected when the server's port (`current_setting('port')`) differs from the
//! port the URL names (pgbouncer listens on 6432, the server on 5432), or named with
//! `pooler = true` in Retort.toml (`--pooler`, `RETORT_POOLER=true`) when it listens on the
//! server's port elsewhere. A pooler in session mode is safe either way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::{Connection as _, QueryableByName, RunQueryDsl};

use crate::backend::{DbError, PrepareError};
use crate::dialect::Dialect as _;

/// The lock's table (see [`crate::backend::INTERNAL_TABLES`]).
pub(crate) const LOCK_TABLE: &str = "__retort_lock";

/// How long a waiter watches an unchanged heartbeat before it takes the lock over, by default.
pub const TTL: Duration = Duration::from_secs(30);

/// How often the holder's heartbeat increments `beat`, by default: a sixth of [`TTL`].
pub const HEARTBEAT: Duration = Duration::from_secs(5);

/// The environment variable that sets a run's TTL (default 30 s) in whole seconds (1 to 3600):
/// how long a run killed while holding the lock row keeps it. The holder writes it into its
/// row, and a waiter goes by the row's; its heartbeat beats six times per TTL.
pub const TTL_VARIABLE: &str = "RETORT_POOLER_LOCK_TTL";

/// The TTL this run declares in its row ([`TTL_VARIABLE`], else [`TTL`]).
fn ttl() -> Result<Duration, DbError> {
    let Some(value) = std::env::var_os(TTL_VARIABLE) else {
        return Ok(TTL);
    };
    let text = value.to_string_lossy();
    match text.trim().parse::<u64>() {
        Ok(secs @ 1..=3600) => Ok(Duration::from_secs(secs)),
        _ => Err(DbError::Unsupported(format!(
            "{TTL_VARIABLE}={}: not a whole number of seconds from 1 to 3600; set one (how \
             long a killed run keeps the lock row), or unset it for the default {} s",
            crate::shown::line(&text),
            TTL.as_secs()
        ))),
    }
}

const RETRY: Duration = Duration::from_millis(200);

/// The lock table in `schema` (quoted).
pub(super) fn table(schema: &str) -> String {
    format!("{}.{LOCK_TABLE}", crate::dialect::Postgres.quote(schema))
}

/// Whether the connection reaches the server through something listening on another port than
/// the server's own: a pooler (or a port forward, for which the pooled run is merely careful).
pub(super) fn port_differs(conn: &mut PgConnection, url: &str) -> Result<bool, DbError> {
    let Some(port) = url_port(url, std::env::var("PGPORT").ok().as_deref()) else {
        return Ok(false);
    };
    #[derive(QueryableByName)]
    struct Port {
        #[diesel(sql_type = Text)]
        port: String,
    }
    let server: Port = diesel::sql_query("SELECT current_setting('port') AS port")
        .get_result(conn)
        .map_err(DbError::query("reading the server's port"))?;
    Ok(server.port.trim() != port.to_string())
}

/// The port a PostgreSQL URL connects to (`None`: several hosts, or no telling).
fn url_port(url: &str, pgport: Option<&str>) -> Option<u16> {
    let rest = url.split_once("://")?.1;
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = base.split('/').next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.contains(',') {
        return None;
    }
    let from_query = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("port="))
        .map(str::to_owned);
    let in_authority = match hostport.rsplit_once(':') {
        Some((host, port))
            if !port.contains(']') && (!host.starts_with('[') || host.ends_with(']')) =>
        {
            Some(port.to_owned())
        }
        _ => None,
    };
    match in_authority.or(from_query) {
        Some(p) if p.is_empty() => Some(5432),
        Some(p) => p.parse().ok(),
        None => Some(pgport.and_then(|p| p.parse().ok()).unwrap_or(5432)),
    }
}

/// Refuses a pooled connection whose `search_path` does not already start at `schema`.
pub(super) fn check_schema(conn: &mut PgConnection, schema: &str) -> Result<(), DbError> {
    #[derive(QueryableByName)]
    struct Current {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        schema: Option<String>,
    }
    let current: Current = diesel::sql_query("SELECT current_schema()::text AS schema")
        .get_result(conn)
        .map_err(DbError::query("reading the current schema"))?;
    if current.schema.as_deref() == Some(schema) {
        return Ok(());
    }
    let quoted = crate::dialect::Postgres.quote(schema);
    Err(DbError::Unsupported(format!(
        "this connection goes through a connection pooler, where Retort does not set \
         search_path (it would change a server connection other clients share), and the \
         role's search_path starts at {} instead of schema {quoted}; set it for the role \
         (`ALTER ROLE CURRENT_USER SET search_path TO {quoted}`), or connect to the server \
         directly or through a pooler in session mode",
        current.schema.as_deref().unwrap_or("no existing schema")
    )))
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    token: String,
    #[diesel(sql_type = Text)]
    holder: String,
    #[diesel(sql_type = Text)]
    taken_at: String,
    #[diesel(sql_type = BigInt)]
    beat: i64,
    /// The holder's TTL (none: a row of a Retort without [`TTL_VARIABLE`], [`TTL`]).
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    ttl_ms: Option<i64>,
}

impl Row {
    /// How long the holder's heartbeat may stop before a waiter takes the lock over.
    fn ttl(&self) -> Duration {
        self.ttl_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .map_or(TTL, Duration::from_millis)
    }

    fn describe(&self, table: &str) -> String {
        format!(
            "held by {} since {} UTC, heartbeat {}; a run whose process is gone loses it after \
             {} s without a heartbeat (by hand: `DELETE FROM {table} WHERE token = '{}'`)",
            self.holder,
            self.taken_at,
            self.beat,
            self.ttl().as_secs(),
            self.token
        )
    }
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

/// A waiter's view of the lock row: which (token, beat) it saw, and since when.
#[derive(Default)]
pub(super) struct Watch(Option<(String, i64, Instant)>);

/// The lock row, if any, after taking it over when its heartbeat has stopped for [`TTL`] as
/// `watch` saw it (then `None`: free). A missing table is no row.
pub(super) fn holder_row(
    conn: &mut PgConnection,
    table: &str,
    watch: &mut Watch,
) -> Result<Option<String>, DbError> {
    let exists: Flag = diesel::sql_query(format!(
        "SELECT to_regclass('{}') IS NOT NULL AS flag",
        table.replace('\'', "''")
    ))
    .get_result(conn)
    .map_err(DbError::query(format!("looking for {LOCK_TABLE}")))?;
    if !exists.flag {
        return Ok(None);
    }
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT token, holder, to_char(taken_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') \
         AS taken_at, beat, {} AS ttl_ms FROM {table} WHERE id = 1",
        if has_ttl(conn, table)? {
            "ttl_ms"
        } else {
            "CAST(NULL AS BIGINT)"
        }
    ))
    .load(conn)
    .map_err(DbError::query(format!("reading {LOCK_TABLE}")))?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let since = match &watch.0 {
        Some((token, beat, since)) if *token == row.token && *beat == row.beat => *since,
        _ => {
            watch.0 = Some((row.token.clone(), row.beat, Instant::now()));
            Instant::now()
        }
    };
    if since.elapsed() >= row.ttl() {
        // Only the row as seen: a heartbeat that came meanwhile keeps it.
        let n = diesel::sql_query(format!(
            "DELETE FROM {table} WHERE id = 1 AND token = '{}' AND beat = {}",
            row.token, row.beat
        ))
        .execute(conn)
        .map_err(DbError::query(format!("taking over {LOCK_TABLE}")))?;
        if n > 0 {
            return Ok(None);
        }
    }
    Ok(Some(row.describe(table)))
}

/// Whether the lock table has the `ttl_ms` column (one made by an older Retort has not, until
/// a pooled run adds it).
fn has_ttl(conn: &mut PgConnection, table: &str) -> Result<bool, DbError> {
    let found: Flag = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('{}') \
         AND attname = 'ttl_ms' AND NOT attisdropped) AS flag",
        table.replace('\'', "''")
    ))
    .get_result(conn)
    .map_err(DbError::query(format!("reading {LOCK_TABLE}'s columns")))?;
    Ok(found.flag)
}

/// The lock while a pooled run holds it.
pub(super) struct RowLock {
    table: String,
    token: String,
    ttl: Duration,
    heartbeat: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    lost: Arc<AtomicBool>,
}

/// Takes the row lock in `schema`, waiting up to `wait`; `url` opens the heartbeat's
/// connection (none: no heartbeat, the row expires after [`TTL`]).
pub(super) fn take(
    conn: &mut PgConnection,
    schema: &str,
    url: Option<&str>,
    wait: Duration,
) -> Result<RowLock, PrepareError> {
    let table = table(schema);
    let started = Instant::now();
    let ttl = ttl()?;
    diesel::sql_query(format!(
        "CREATE TABLE IF NOT EXISTS {table} (
             id INTEGER PRIMARY KEY CHECK (id = 1),
             token TEXT NOT NULL,
             holder TEXT NOT NULL,
             taken_at TIMESTAMPTZ NOT NULL,
             beat BIGINT NOT NULL,
             beat_at TIMESTAMPTZ NOT NULL,
             ttl_ms BIGINT)"
    ))
    .execute(conn)
    .or_else(|e| match &e {
        // Two runs creating it at once: the other one's is as good. PostgreSQL says so as a
        // unique violation of its catalog, or as `type "__retort_lock" already exists` when
        // the other's row type got there first.
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => Ok(0),
        diesel::result::Error::DatabaseError(_, info)
            if info.message().contains("already exists") =>
        {
            Ok(0)
        }
        _ => Err(e),
    })
    .map_err(DbError::query(format!("creating {LOCK_TABLE}")))?;
    if !has_ttl(conn, &table)? {
        let added = diesel::sql_query(format!(
            "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS ttl_ms BIGINT"
        ))
        .execute(conn);
        // Two runs adding it at once: the other one's is as good.
        if let Err(e) = added {
            if !has_ttl(conn, &table)? {
                return Err(DbError::query(format!("adding ttl_ms to {LOCK_TABLE}"))(e).into());
            }
        }
    }
    let token = super::super::random_token();
    let holder = format!("{} (role ", super::lock::application_name()).replace('\'', "''");
    let insert = format!(
        "INSERT INTO {table} (id, token, holder, taken_at, beat, beat_at, ttl_ms) \
         VALUES (1, '{token}', '{holder}' || current_user || ')', now(), 0, now(), {}) \
         ON CONFLICT (id) DO NOTHING RETURNING true AS flag",
        ttl.as_millis()
    );
    let mut watch = Watch::default();
    loop {
        let got: Vec<Flag> = diesel::sql_query(&insert)
            .load(conn)
            .map_err(DbError::query(format!(
                "taking the run's lock ({LOCK_TABLE})"
            )))?;
        let holder = if got.is_empty() {
            holder_row(conn, &table, &mut watch)?
        } else if let Some(direct) = super::lock::advisory_holder(conn, schema)? {
            // A run connected directly holds the advisory lock: give the row back.
            diesel::sql_query(format!("DELETE FROM {table} WHERE token = '{token}'"))
                .execute(conn)
                .map_err(DbError::query(format!("giving back {LOCK_TABLE}")))?;
            Some(direct)
        } else {
            break;
        };
        if holder.is_none() {
            continue;
        }
        if started.elapsed() >= wait {
            return Err(PrepareError::LockTimeout {
                lock: format!("the run's lock row in {LOCK_TABLE}"),
                waited: started.elapsed().max(Duration::from_millis(1)),
                holder,
            });
        }
        std::thread::sleep(RETRY);
    }
    let lost = Arc::new(AtomicBool::new(false));
    let every = (ttl / 6).clamp(Duration::from_millis(100), HEARTBEAT);
    let heartbeat = url.map(|url| {
        beat(
            url.to_owned(),
            table.clone(),
            token.clone(),
            every,
            lost.clone(),
        )
    });
    Ok(RowLock {
        table,
        token,
        ttl,
        heartbeat,
        lost,
    })
}

/// The heartbeat: `every` (a sixth of the TTL, [`HEARTBEAT`] at most), `beat + 1` on this
/// run's row, from a connection of its own; it stops when the row is no longer this run's.
fn beat(
    url: String,
    table: String,
    token: String,
    every: Duration,
    lost: Arc<AtomicBool>,
) -> (mpsc::Sender<()>, JoinHandle<()>) {
    let update = format!(
        "UPDATE {table} SET beat = beat + 1, beat_at = now() WHERE id = 1 AND token = '{token}'"
    );
    let bump = move |c: &mut _| diesel::sql_query(&update).execute(c);
    super::super::heartbeat(every, bump, lost, move || {
        // Through the pooler: no statement kept prepared on a server connection.
        PgConnection::establish(&url).ok().map(|mut c| {
            c.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
            c
        })
    })
}

impl RowLock {
    /// Stops the heartbeat and deletes the row; an error when it was taken over meanwhile.
    pub(super) fn release(mut self, conn: &mut PgConnection) -> Result<(), DbError> {
        if let Some((stop, thread)) = self.heartbeat.take() {
            drop(stop);
            let _ = thread.join();
        }
        let deleted = diesel::sql_query(format!(
            "DELETE FROM {} WHERE id = 1 AND token = '{}'",
            self.table, self.token
        ))
        .execute(conn)
        .map_err(DbError::query(format!(
            "releasing the run's lock ({LOCK_TABLE})"
        )))?;
        if deleted == 0 || self.lost.load(Ordering::SeqCst) {
            return Err(DbError::Unsupported(format!(
                "this run's lock row in {LOCK_TABLE} was taken over by another run during the \
                 run (no heartbeat for {} s): another run may have migrated at the same time; \
                 run `{}` to see where the database is",
                self.ttl.as_secs(),
                crate::invocation::command("check")
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::url_port;

    #[test]
    fn the_port_a_url_names() {
        assert_eq!(url_port("postgres://u:p@h:6432/db", None), Some(6432));
        assert_eq!(url_port("postgres://h/db", None), Some(5432));
        assert_eq!(url_port("postgres://h/db", Some("6000")), Some(6000));
        assert_eq!(url_port("postgres://h/db?port=7000&x=1", None), Some(7000));
        assert_eq!(url_port("postgres://[::1]:6432/db", None), Some(6432));
        assert_eq!(url_port("postgres://[::1]/db", None), Some(5432));
        assert_eq!(url_port("postgres://a:1,b:2/db", None), None);
        assert_eq!(url_port("postgresql://u@h:/db", None), Some(5432));
    }
}
