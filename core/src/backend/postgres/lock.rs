//! The run's advisory lock (one per database and schema migrated), and who holds it when a
//! run gives up waiting.
//!
//! A session advisory lock lives as long as the session that took it. When a client dies while
//! the server still runs its statement, the orphaned session keeps the lock until that
//! statement ends; so the lock-timeout error names the holding session (pid, application name,
//! since when, what it runs) and how to end it. Retort's own sessions set `application_name`
//! (see [`application_name`]) so they can be recognised there.

use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::sql_types::{Bool, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::ADVISORY_LOCK_KEY;
use crate::backend::{DbError, PrepareError};

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

/// The SQL that tries the run's locks on `schema` at once: the database-wide key shared (which
/// an older Retort takes exclusively), then the schema's key exclusively; `flag` says whether
/// both were taken (none is kept otherwise).
fn try_sql(schema: &str) -> String {
    let (k1, k2) = super::run_lock_keys(schema);
    format!(
        "SELECT CASE WHEN pg_try_advisory_lock_shared({ADVISORY_LOCK_KEY}) THEN \
           CASE WHEN pg_try_advisory_lock({k1}, {k2}) THEN true \
                ELSE NOT pg_advisory_unlock_shared({ADVISORY_LOCK_KEY}) END \
         ELSE false END AS flag"
    )
}

/// The lock's name in messages.
fn name(schema: &str) -> String {
    let (k1, k2) = super::run_lock_keys(schema);
    format!(
        "advisory lock ({k1}, {k2}) of schema {}",
        crate::dialect::Dialect::quote(&crate::dialect::Postgres, schema)
    )
}

/// Takes the run's advisory lock on `schema` (see [`super::run_lock_keys`]), retrying until
/// `timeout`; on timeout the error names the holder. A run through a connection pooler holds
/// the lock row in `schema` instead ([`super::pooled`]): while that row exists, the advisory
/// lock is given back and waited for.
pub(super) fn take(
    conn: &mut PgConnection,
    timeout: Duration,
    schema: &str,
) -> Result<(), PrepareError> {
    let start = Instant::now();
    let table = super::pooled::table(schema);
    let mut watch = super::pooled::Watch::default();
    let try_sql = try_sql(schema);
    loop {
        let got: Flag = diesel::sql_query(&try_sql)
            .get_result(conn)
            .map_err(DbError::query("taking the migration lock"))?;
        let row = if got.flag {
            let row = super::pooled::holder_row(conn, &table, &mut watch)?;
            if row.is_none() {
                return Ok(());
            }
            release(conn, schema)?;
            row
        } else {
            None
        };
        if start.elapsed() >= timeout {
            return Err(PrepareError::LockTimeout {
                lock: match row {
                    Some(_) => format!("the run's lock row in {}", super::pooled::LOCK_TABLE),
                    None => name(schema),
                },
                waited: start.elapsed(),
                // Best effort: a failure to read the catalog must not hide the timeout.
                holder: row.or_else(|| holder(conn, schema).ok().flatten()),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Releases the run's advisory lock on `schema`.
pub(super) fn release(conn: &mut PgConnection, schema: &str) -> Result<(), DbError> {
    let (k1, k2) = super::run_lock_keys(schema);
    diesel::sql_query(format!(
        // Both run (`AND` might stop at the first).
        "SELECT pg_advisory_unlock({k1}, {k2})::int \
           + pg_advisory_unlock_shared({ADVISORY_LOCK_KEY})::int >= 0 AS flag"
    ))
    .get_result::<Flag>(conn)
    .map(drop)
    .map_err(DbError::query("releasing the migration lock"))
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = Text)]
    pid: String,
    #[diesel(sql_type = Nullable<Text>)]
    application_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    backend_start: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    xact_start: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    state_change: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    query: Option<String>,
}

/// The session holding the run's advisory lock on `schema` of this database, described (for a
/// pooled run, which never takes it).
pub(super) fn advisory_holder(
    conn: &mut PgConnection,
    schema: &str,
) -> Result<Option<String>, DbError> {
    holder(conn, schema).map_err(DbError::query("looking for the advisory lock's holder"))
}

/// The session holding the run's advisory lock on `schema` of this database (or the
/// database-wide key exclusively, as an older Retort does), described for an operator.
fn holder(conn: &mut PgConnection, schema: &str) -> Result<Option<String>, diesel::result::Error> {
    // pg_locks shows a bigint advisory key as its high and low 32 bits (classid, objid) with
    // objsubid 1, and two int4 keys as (classid, objid) with objsubid 2, each as an unsigned oid.
    let high = (ADVISORY_LOCK_KEY as u64) >> 32;
    let low = (ADVISORY_LOCK_KEY as u64) & 0xffff_ffff;
    let (k1, k2) = super::run_lock_keys(schema);
    let (k1, k2) = (
        u32::from_ne_bytes(k1.to_ne_bytes()),
        u32::from_ne_bytes(k2.to_ne_bytes()),
    );
    let at = |column: &str| {
        format!("to_char(a.{column}, 'YYYY-MM-DD HH24:MI:SS TZ') || ' (' || date_trunc('second', now() - a.{column})::text || ' ago)' AS {column}")
    };
    let sql = format!(
        "SELECT a.pid::text AS pid, a.application_name, {}, {}, a.state, {}, a.query
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((l.classid::bigint = {k1} AND l.objid::bigint = {k2} AND l.objsubid = 2)
             OR (l.classid::bigint = {high} AND l.objid::bigint = {low} AND l.objsubid = 1
                 AND l.mode = 'ExclusiveLock'))
           AND l.pid <> pg_backend_pid()
         LIMIT 1",
        at("backend_start"),
        at("xact_start"),
        at("state_change"),
    );
    let rows: Vec<Holder> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().next().map(|h| describe(&h)))
}

fn describe(h: &Holder) -> String {
    format!(
        "held by the session with pid {pid} ({}); if that session's client is gone, end it \
         with `SELECT pg_terminate_backend({pid})`",
        facts(h),
        pid = h.pid
    )
}

#[derive(QueryableByName)]
struct Blocker {
    #[diesel(embed)]
    holder: Holder,
    #[diesel(sql_type = Text)]
    relation: String,
}

/// After a statement of the run gave up waiting for a lock: the sessions holding locks on the
/// tables the statement names (all sessions holding locks on tables of this database when it
/// names none of them), described for an operator with how to end them. The statement no
/// longer waits, so `pg_blocking_pids` has nothing to say; the locks are still held.
pub(super) fn blockers(
    conn: &mut PgConnection,
    statement: &str,
) -> Result<Option<String>, diesel::result::Error> {
    let at = |column: &str| {
        format!("to_char(a.{column}, 'YYYY-MM-DD HH24:MI:SS TZ') || ' (' || date_trunc('second', now() - a.{column})::text || ' ago)' AS {column}")
    };
    let sql = format!(
        "SELECT DISTINCT a.pid::text AS pid, a.application_name, {}, {}, a.state, {}, a.query,
                c.relname::text AS relation, a.xact_start AS started
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              JOIN pg_class c ON c.oid = l.relation
              JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE l.locktype = 'relation' AND l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.pid <> pg_backend_pid()
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg\\_%'
         ORDER BY started NULLS LAST, pid",
        at("backend_start"),
        at("xact_start"),
        at("state_change"),
    );
    let rows: Vec<Blocker> = diesel::sql_query(sql).load(conn)?;
    Ok(blockers_of(rows, statement))
}

/// The description of the sessions among `rows` (one per lock) that lock a table `statement`
/// names, else of all of them.
fn blockers_of(rows: Vec<Blocker>, statement: &str) -> Option<String> {
    let words: std::collections::BTreeSet<String> = statement
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let named = |b: &Blocker| words.contains(&b.relation.to_lowercase());
    let any_named = rows.iter().any(named);
    let mut seen = std::collections::BTreeSet::new();
    let mut sessions = Vec::new();
    for row in rows.iter().filter(|b| !any_named || named(b)) {
        if !seen.insert(row.holder.pid.clone()) {
            continue;
        }
        sessions.push(format!(
            "the session with pid {} ({})",
            row.holder.pid,
            facts(&row.holder)
        ));
    }
    if sessions.is_empty() {
        return None;
    }
    let shown = sessions.len().min(5);
    let more = sessions.len() - shown;
    let pids: Vec<&str> = rows
        .iter()
        .map(|b| b.holder.pid.as_str())
        .filter(|p| seen.contains(*p))
        .fold(Vec::new(), |mut pids, p| {
            if !pids.contains(&p) {
                pids.push(p);
            }
            pids
        });
    let lock = if any_named {
        "a lock on a table it names is"
    } else {
        "locks on tables of this database are"
    };
    Some(format!(
        "it waited longer than --lock-timeout for its lock; {lock} held by {}{}; let that transaction finish and run again, end it with {}, \
         or raise --lock-timeout (0: no limit)",
        sessions[..shown].join(", and "),
        if more > 0 {
            format!(" and {more} more session(s)")
        } else {
            String::new()
        },
        pids.iter()
            .map(|p| format!("`SELECT pg_terminate_backend({p})`"))
            .collect::<Vec<_>>()
            .join(" or ")
    ))
}

/// What an operator needs to know of a session, comma-separated.
fn facts(h: &Holder) -> String {
    let mut facts = Vec::new();
    match h.application_name.as_deref().filter(|a| !a.is_empty()) {
        Some(app) => facts.push(format!("application_name '{}'", printable(app, 64))),
        None => facts.push("no application_name".to_owned()),
    }
    if let Some(t) = &h.backend_start {
        facts.push(format!("connected {t}"));
    }
    if let Some(t) = &h.xact_start {
        facts.push(format!("in a transaction since {t}"));
    }
    if let (Some(state), Some(t)) = (&h.state, &h.state_change) {
        facts.push(format!("{} since {t}", printable(state, 32)));
    }
    if let Some(q) = h.query.as_deref().filter(|q| !q.trim().is_empty()) {
        facts.push(format!("statement: {}", printable(q, 200)));
    }
    facts.join(", ")
}

/// `text` on one line, without control characters, cut to `max` characters.
fn printable(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line: String = words
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if line.chars().count() > max {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}...")
    } else {
        line
    }
}

/// The `application_name` of Retort's sessions: `retort`, the binary's name when it is another
/// one, and the client's process id, e.g. `retort myapp-migrate pid 4242`.
pub(super) fn application_name() -> String {
    let pid = std::process::id();
    let name = crate::invocation::command_name();
    if name == crate::invocation::DEFAULT_COMMAND_NAME {
        format!("retort pid {pid}")
    } else {
        format!("retort {name} pid {pid}")
    }
}

/// The statement that sets [`application_name`], unless the URL or `PGAPPNAME` chose one.
pub(super) fn set_application_name_sql(url: &str) -> Option<String> {
    let chosen = url.to_ascii_lowercase().contains("application_name=")
        || std::env::var_os("PGAPPNAME").is_some_and(|v| !v.is_empty());
    (!chosen).then(|| {
        format!(
            "SET application_name TO '{}';",
            application_name().replace('\'', "''")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_is_described_on_one_line_with_what_to_do() {
        let h = Holder {
            pid: "4242".into(),
            application_name: Some("orphan\nholder".into()),
            backend_start: Some("2026-01-01 10:00:00 UTC (00:01:00 ago)".into()),
            xact_start: None,
            state: Some("active".into()),
            state_change: Some("2026-01-01 10:00:01 UTC (00:00:59 ago)".into()),
            query: Some("SELECT\n  pg_sleep(60)\u{1b}[31m".into()),
        };
        let text = describe(&h);
        assert_eq!(
            text,
            "held by the session with pid 4242 (application_name 'orphan holder', connected \
             2026-01-01 10:00:00 UTC (00:01:00 ago), active since 2026-01-01 10:00:01 UTC \
             (00:00:59 ago), statement: SELECT pg_sleep(60)?[31m); if that session's client is \
             gone, end it with `SELECT pg_terminate_backend(4242)`"
        );
    }

    fn blocker(pid: &str, relation: &str) -> Blocker {
        Blocker {
            holder: Holder {
                pid: pid.into(),
                application_name: Some("report".into()),
                backend_start: None,
                xact_start: Some("2026-01-01 10:00:00 UTC (00:00:05 ago)".into()),
                state: None,
                state_change: None,
                query: Some("SELECT 1".into()),
            },
            relation: relation.into(),
        }
    }

    #[test]
    fn blockers_are_the_sessions_locking_a_table_the_statement_names() {
        let rows = vec![
            blocker("7", "other"),
            blocker("8", "log"),
            blocker("8", "log_pkey"),
            blocker("9", "Log"),
        ];
        let text = blockers_of(rows, "ALTER TABLE \"log\" ADD COLUMN c1 int;").unwrap();
        assert!(
            text.starts_with(
                "it waited longer than --lock-timeout for its lock; a lock on a table it names \
                 is held by the session with pid 8 (application_name 'report', in a transaction \
                 since 2026-01-01 10:00:00 UTC (00:00:05 ago), statement: SELECT 1), and the \
                 session with pid 9 "
            ),
            "{text}"
        );
        assert!(!text.contains("pid 7"), "{text}");
        assert!(text.contains(
            "end it with `SELECT pg_terminate_backend(8)` or `SELECT pg_terminate_backend(9)`"
        ));
        // A statement naming none of the locked tables (a function, a view): every holder.
        let text = blockers_of(vec![blocker("7", "other")], "SELECT f();").unwrap();
        assert!(
            text.contains("locks on tables of this database are held by the session with pid 7")
        );
        assert!(blockers_of(Vec::new(), "SELECT f();").is_none());
    }

    #[test]
    fn the_application_name_is_set_unless_chosen() {
        assert!(set_application_name_sql("postgres://h/db?application_name=mine").is_none());
        let sql = set_application_name_sql("postgres://h/db").unwrap_or_default();
        assert!(
            sql.starts_with("SET application_name TO 'retort")
                || std::env::var_os("PGAPPNAME").is_some(),
            "{sql}"
        );
    }
}
