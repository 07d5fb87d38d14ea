//! The run's lock on a MariaDB Galera cluster.
//!
//! `GET_LOCK` is local to one node: two runs on two nodes would both get it. On a cluster the
//! lock is a row of the InnoDB table `__retort_lock` (one per database), taken with a replicated
//! `INSERT`: two runs inserting it on two nodes at once conflict at certification (or, once one
//! insert has replicated, on the key), and the loser waits and tries again until `--lock-wait`.
//!
//! The row names its holder (process, client, node) and carries a heartbeat: a second
//! connection of the holder increments `beat` every [`HEARTBEAT`]. A waiter takes the lock
//! over (deletes the row, exactly as it saw it, and inserts its own) when
//! - the holder's node is no longer a member of the cluster (`mysql.wsrep_cluster_members`): a
//!   killed or partitioned node can write nothing more, so its lock is free at once; or
//! - the waiter itself has seen the same `beat` for [`TTL`] (the holder's process is gone but
//!   its node lives). Only the waiter's own clock counts, so the nodes' clocks need not agree;
//!   and the takeover deletes the row only if `beat` is still the one it saw, so a heartbeat
//!   stuck behind a long DDL statement (Galera commits in total order) but already replicated
//!   wins over the takeover at certification.
//!
//! A session the application opened has no URL for a second connection: its row has no
//! heartbeat (`beat` -1) and expires only with its node.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::mysql::MysqlConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{Connection as _, QueryResult, QueryableByName, RunQueryDsl};

use super::{diesel_url, value};
use crate::backend::{DbError, PrepareError};

/// The lock's table (see [`crate::backend::INTERNAL_TABLES`]).
pub(crate) const LOCK_TABLE: &str = "__retort_lock";

/// What every Retort session on a Galera node runs first: its reads (and `SHOW`) wait until
/// the node has applied what the cluster committed before them.
pub(super) const CAUSAL_READS: &str = "SET SESSION wsrep_sync_wait = 1";

/// How long a waiter watches an unchanged heartbeat before it takes the lock over.
pub const TTL: Duration = Duration::from_secs(30);

/// How often the holder's heartbeat increments `beat`.
pub const HEARTBEAT: Duration = Duration::from_secs(5);

/// How long a waiter sleeps between attempts.
const RETRY: Duration = Duration::from_millis(200);

const CREATE: &str = "CREATE TABLE IF NOT EXISTS __retort_lock (
    id TINYINT NOT NULL PRIMARY KEY,
    token CHAR(32) NOT NULL,
    holder VARCHAR(255) NOT NULL,
    node_uuid VARCHAR(64) NOT NULL,
    node_name VARCHAR(255) NOT NULL,
    taken_at DATETIME(6) NOT NULL,
    beat BIGINT NOT NULL,
    beat_at DATETIME(6) NOT NULL
) ENGINE=InnoDB COMMENT='Retort: the run lock of a Galera cluster'";

#[derive(QueryableByName)]
struct Status {
    #[diesel(sql_type = Text, column_name = "Value")]
    value: String,
}

/// A global status variable's value (`None` when the server has no such variable).
fn status(conn: &mut MysqlConnection, name: &str) -> QueryResult<Option<String>> {
    Ok(
        diesel::sql_query(format!("SHOW GLOBAL STATUS LIKE '{name}'"))
            .load::<Status>(conn)?
            .into_iter()
            .next()
            .map(|s| s.value),
    )
}

/// Whether the server is a node of a Galera cluster (replication on, in a cluster).
pub(super) fn is_galera(conn: &mut MysqlConnection) -> QueryResult<bool> {
    let size = status(conn, "wsrep_cluster_size")?;
    Ok(size.and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) > 0)
}

/// What Retort requires of a Galera session: replication on and DDL in total order (TOI).
fn check_session(conn: &mut MysqlConnection) -> Result<(), DbError> {
    let method = value(
        conn,
        "SELECT CONCAT(@@session.wsrep_on + 0, ' ', @@session.wsrep_OSU_method) AS v",
    )
    .map_err(DbError::query("reading wsrep_on and wsrep_OSU_method"))?
    .unwrap_or_default();
    match method.split_once(' ') {
        Some(("1", "TOI")) => Ok(()),
        Some(("1", other)) => Err(DbError::Unsupported(format!(
            "this Galera session's wsrep_OSU_method is {other}: Retort runs migrations with \
             TOI only (every DDL statement replicated in the same order on every node); run \
             `SET GLOBAL wsrep_OSU_method = 'TOI'` (the default), or apply an RSU change node \
             by node yourself and `stamp` the revision"
        ))),
        _ => Err(DbError::Unsupported(
            "wsrep_on is OFF in this session of a Galera node: its statements would not \
             replicate; turn it on (`SET GLOBAL wsrep_on = ON`, the default)"
                .to_owned(),
        )),
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    token: String,
    #[diesel(sql_type = Text)]
    holder: String,
    #[diesel(sql_type = Text)]
    node_uuid: String,
    #[diesel(sql_type = Text)]
    node_name: String,
    #[diesel(sql_type = Text)]
    taken_at: String,
    #[diesel(sql_type = BigInt)]
    beat: i64,
    #[diesel(sql_type = Nullable<Text>)]
    member: Option<String>,
}

impl Row {
    fn describe(&self) -> String {
        let heartbeat = if self.beat < 0 {
            "without a heartbeat (a connection the application opened): it holds the lock \
             until it finishes or its node leaves the cluster"
                .to_owned()
        } else {
            format!("heartbeat {}", self.beat)
        };
        format!(
            "held by {} on node {} ({}) since {} UTC, {heartbeat}; a run whose process is \
             gone loses it after {} s without a heartbeat, or at once when its node leaves the \
             cluster (by hand: `DELETE FROM {LOCK_TABLE} WHERE token = '{}'`)",
            self.holder,
            self.node_name,
            self.node_uuid,
            self.taken_at,
            TTL.as_secs(),
            self.token
        )
    }
}

/// The lock's row, and whether its node is still a member of the cluster (as this node sees
/// it; `true` when the members table cannot be read).
fn read(conn: &mut MysqlConnection) -> QueryResult<Option<Row>> {
    let members = "SELECT node_uuid FROM mysql.wsrep_cluster_members";
    let sql = |member: &str| {
        format!(
            "SELECT token, holder, node_uuid, node_name, \
             DATE_FORMAT(taken_at, '%Y-%m-%d %H:%i:%s') AS taken_at, beat, {member} AS member \
             FROM {LOCK_TABLE} WHERE id = 1"
        )
    };
    let with_members = format!("CAST(node_uuid IN ({members}) AS CHAR)");
    match diesel::sql_query(sql(&with_members)).load::<Row>(conn) {
        Ok(rows) => Ok(rows.into_iter().next()),
        // No privilege on the mysql schema: the heartbeat rule alone.
        Err(DieselError::DatabaseError(_, info))
            if info.message().contains("command denied")
                || info.message().contains("doesn't exist") =>
        {
            Ok(diesel::sql_query(sql("NULL"))
                .load::<Row>(conn)?
                .into_iter()
                .next())
        }
        Err(e) => Err(e),
    }
}

/// Whether an error means another run got there first (the key, or certification).
fn lost_race(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => true,
        DieselError::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("Deadlock found") || m.contains("Duplicate entry")
        }
        _ => false,
    }
}

/// The lock while a run holds it.
pub(super) struct ClusterLock {
    token: String,
    heartbeat: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    /// Set by the heartbeat when the row is no longer this run's.
    lost: Arc<AtomicBool>,
}

/// Takes the cluster-wide lock, waiting up to `wait`; `url` opens the heartbeat's connection.
pub(super) fn take(
    conn: &mut MysqlConnection,
    url: Option<&str>,
    wait: Duration,
) -> Result<ClusterLock, PrepareError> {
    check_session(conn)?;
    let started = Instant::now();
    diesel::sql_query(CREATE)
        .execute(conn)
        .map_err(DbError::query(format!("creating {LOCK_TABLE}")))?;
    let node_uuid = status(conn, "wsrep_gcomm_uuid")
        .map_err(DbError::query("reading wsrep_gcomm_uuid"))?
        .unwrap_or_default();
    let token = super::super::random_token();
    let insert = format!(
        "INSERT INTO {LOCK_TABLE} (id, token, holder, node_uuid, node_name, taken_at, beat, \
         beat_at) VALUES (1, '{token}', CONCAT('process {pid} (', USER(), ', connection ', \
         CONNECTION_ID(), ')'), {uuid}, @@wsrep_node_name, UTC_TIMESTAMP(6), {beat}, \
         UTC_TIMESTAMP(6))",
        pid = std::process::id(),
        uuid = crate::dialect::mysql::sql_string(&node_uuid),
        beat = if url.is_some() { 0 } else { -1 },
    );
    // The row a waiter watches: (token, beat) and since when it has seen it unchanged.
    let mut watched: Option<(String, i64, Instant)> = None;
    loop {
        match diesel::sql_query(&insert).execute(conn) {
            Ok(_) => break,
            Err(e) if lost_race(&e) => {}
            Err(e) => {
                return Err(
                    DbError::query(format!("taking the run's lock ({LOCK_TABLE})"))(e).into(),
                )
            }
        }
        let row = read(conn).map_err(DbError::query(format!("reading {LOCK_TABLE}")))?;
        if let Some(row) = &row {
            let seen = match &watched {
                Some((token, beat, since)) if *token == row.token && *beat == row.beat => *since,
                _ => {
                    watched = Some((row.token.clone(), row.beat, Instant::now()));
                    Instant::now()
                }
            };
            let gone = row.member.as_deref() == Some("0");
            let silent = row.beat >= 0 && seen.elapsed() >= TTL;
            if gone || silent {
                // Only the row as seen: a heartbeat that replicated meanwhile keeps it.
                let taken_over = diesel::sql_query(format!(
                    "DELETE FROM {LOCK_TABLE} WHERE id = 1 AND token = '{}' AND beat = {}",
                    row.token, row.beat
                ))
                .execute(conn);
                match taken_over {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) if lost_race(&e) => {}
                    Err(e) => {
                        return Err(DbError::query(format!("taking over {LOCK_TABLE}"))(e).into())
                    }
                }
            }
        }
        if started.elapsed() >= wait {
            return Err(PrepareError::LockTimeout {
                lock: format!("the Galera cluster's lock row in {LOCK_TABLE}"),
                waited: started.elapsed().max(Duration::from_millis(1)),
                holder: row.as_ref().map(Row::describe),
            });
        }
        std::thread::sleep(RETRY);
    }
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = url.map(|url| beat(diesel_url(url), token.clone(), lost.clone()));
    Ok(ClusterLock {
        token,
        heartbeat,
        lost,
    })
}

/// The heartbeat: every [`HEARTBEAT`], `beat + 1` on this run's row, from a connection of its
/// own (the run's is busy with its statements); it stops when the row is no longer this run's.
fn beat(url: String, token: String, lost: Arc<AtomicBool>) -> (mpsc::Sender<()>, JoinHandle<()>) {
    let update = format!(
        "UPDATE {LOCK_TABLE} SET beat = beat + 1, beat_at = UTC_TIMESTAMP(6) \
         WHERE id = 1 AND token = '{token}'"
    );
    let bump = move |c: &mut _| diesel::sql_query(&update).execute(c);
    super::super::heartbeat(HEARTBEAT, bump, lost, move || {
        MysqlConnection::establish(&url).ok()
    })
}

impl ClusterLock {
    /// The statement that releases the lock (also run by the signal cleanup).
    pub(super) fn release_sql(&self) -> String {
        format!(
            "DELETE FROM {LOCK_TABLE} WHERE id = 1 AND token = '{}'",
            self.token
        )
    }

    /// Stops the heartbeat and deletes the row; an error when the lock was taken over during
    /// the run.
    pub(super) fn release(mut self, conn: &mut MysqlConnection) -> Result<(), DbError> {
        if let Some((stop, thread)) = self.heartbeat.take() {
            drop(stop);
            let _ = thread.join();
        }
        let deleted = diesel::sql_query(self.release_sql())
            .execute(conn)
            .map_err(DbError::query(format!(
                "releasing the run's lock ({LOCK_TABLE})"
            )))?;
        if deleted == 0 || self.lost.load(Ordering::SeqCst) {
            return Err(DbError::Unsupported(format!(
                "this run's lock row in {LOCK_TABLE} was taken over by another run during the \
                 run (no heartbeat for {} s, or this node left the cluster): another run may \
                 have migrated at the same time; run `{}` to see where the database is",
                TTL.as_secs(),
                crate::invocation::command("check")
            )));
        }
        Ok(())
    }
}
