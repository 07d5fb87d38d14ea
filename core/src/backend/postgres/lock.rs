//! The run's advisory lock, and who holds it when a run gives up waiting.
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
use crate::db::DbError;
use crate::runner::RunError;

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

/// Takes the advisory lock, retrying until `timeout`; on timeout the error names the holder.
pub(super) fn take(conn: &mut PgConnection, timeout: Duration) -> Result<(), RunError> {
    let start = Instant::now();
    loop {
        let got: Flag = diesel::sql_query(format!(
            "SELECT pg_try_advisory_lock({ADVISORY_LOCK_KEY}) AS flag"
        ))
        .get_result(conn)
        .map_err(DbError::query("taking the migration lock"))?;
        if got.flag {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            return Err(RunError::LockTimeout {
                lock: format!("advisory lock {ADVISORY_LOCK_KEY}"),
                waited: start.elapsed(),
                // Best effort: a failure to read the catalog must not hide the timeout.
                holder: holder(conn).ok().flatten(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Releases the advisory lock.
pub(super) fn release(conn: &mut PgConnection) -> Result<(), DbError> {
    diesel::sql_query(format!(
        "SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY}) AS flag"
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

/// The session holding Retort's advisory lock on this database, described for an operator.
fn holder(conn: &mut PgConnection) -> Result<Option<String>, diesel::result::Error> {
    // pg_locks shows a bigint advisory key as its high and low 32 bits (classid, objid) with
    // objsubid 1.
    let high = (ADVISORY_LOCK_KEY as u64) >> 32;
    let low = (ADVISORY_LOCK_KEY as u64) & 0xffff_ffff;
    let at = |column: &str| {
        format!("to_char(a.{column}, 'YYYY-MM-DD HH24:MI:SS TZ') || ' (' || date_trunc('second', now() - a.{column})::text || ' ago)' AS {column}")
    };
    let sql = format!(
        "SELECT a.pid::text AS pid, a.application_name, {}, {}, a.state, {}, a.query
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid::bigint = {high} AND l.objid::bigint = {low}
           AND l.objsubid = 1 AND l.pid <> pg_backend_pid()
         LIMIT 1",
        at("backend_start"),
        at("xact_start"),
        at("state_change"),
    );
    let rows: Vec<Holder> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().next().map(|h| describe(&h)))
}

fn describe(h: &Holder) -> String {
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
    format!(
        "held by the session with pid {pid} ({}); if that session's client is gone, end it \
         with `SELECT pg_terminate_backend({pid})`",
        facts.join(", "),
        pid = h.pid
    )
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
