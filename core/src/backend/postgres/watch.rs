//! The lock timeout of a statement that runs alone (`CREATE INDEX CONCURRENTLY`, `VACUUM`...)
//! in a run through a connection pooler in transaction mode.
//!
//! Such a statement cannot run in a transaction block, so no `SET LOCAL` reaches it; and a
//! session `SET lock_timeout` before it would change whichever server connection the pooler
//! handed out (shared with other clients), not necessarily the one that runs the statement.
//! So the limit is kept from outside: the statement carries a comment with a token of its own,
//! and a second connection looks every few milliseconds for the server session running it
//! (`pg_stat_activity.query`). Once that session has been seen waiting for a lock
//! (`wait_event_type = 'Lock'`) without a break for the lock timeout, by the watch's clock, the
//! watch cancels it (`pg_cancel_backend`, checking in the same query that the session still
//! runs that statement and still waits), and the statement's error becomes a lock timeout,
//! which the run retries and reports as it does the server's own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::result::{DatabaseErrorKind, Error};
use diesel::{Connection as _, QueryResult, RunQueryDsl};

use crate::backend::harness::AloneWatch;

/// A maker of watches for a run: `url` opens each watch's connection, `timeout` is the run's
/// lock timeout (not zero).
pub(super) fn maker(url: String, timeout: Duration) -> Box<dyn Fn() -> Box<dyn AloneWatch> + Send> {
    Box::new(move || Box::new(Watch::start(url.clone(), timeout)) as Box<dyn AloneWatch>)
}

struct Watch {
    marker: String,
    timeout: Duration,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    cancelled: Arc<AtomicBool>,
}

impl Watch {
    fn start(url: String, timeout: Duration) -> Watch {
        let marker = format!("/* retort lock watch {} */", super::super::random_token());
        let cancelled = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::channel();
        let thread = {
            let (marker, cancelled) = (marker.clone(), cancelled.clone());
            std::thread::spawn(move || watch(&url, &marker, timeout, &stopped, &cancelled))
        };
        Watch {
            marker,
            timeout,
            stop: Some(stop),
            thread: Some(thread),
            cancelled,
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Pid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The watch's loop: until told to stop (or its channel is gone), or it cancelled the
/// statement. Best effort: a watch that cannot connect or query stops (the statement then runs
/// without a limit, as it would with none).
fn watch(
    url: &str,
    marker: &str,
    timeout: Duration,
    stopped: &mpsc::Receiver<()>,
    cancelled: &AtomicBool,
) {
    let Ok(mut conn) = PgConnection::establish(url) else {
        return;
    };
    // Through the pooler: no statement kept prepared on a server connection.
    conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
    let poll = (timeout / 4).clamp(Duration::from_millis(10), Duration::from_millis(100));
    let quoted = marker.replace('\'', "''");
    let waiting = format!(
        "state = 'active' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() \
         AND position('{quoted}' IN query) > 0"
    );
    let find = format!("SELECT pid FROM pg_stat_activity WHERE {waiting}");
    let mut since: Option<(i32, Instant)> = None;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(poll) {
        let Ok(rows) = diesel::sql_query(&find).load::<Pid>(&mut conn) else {
            return;
        };
        let Some(pid) = rows.first().map(|r| r.pid) else {
            since = None;
            continue;
        };
        let start = match since {
            Some((seen, start)) if seen == pid => start,
            _ => since.insert((pid, Instant::now())).1,
        };
        if start.elapsed() < timeout {
            continue;
        }
        // The check first (OFFSET 0 keeps it a subquery of its own), then the cancel.
        let cancel = format!(
            "SELECT pid FROM (SELECT pid FROM pg_stat_activity WHERE pid = {pid} AND {waiting} \
             OFFSET 0) s WHERE pg_cancel_backend(pid)"
        );
        if diesel::sql_query(&cancel)
            .load::<Pid>(&mut conn)
            .is_ok_and(|rows| !rows.is_empty())
        {
            cancelled.store(true, Ordering::SeqCst);
            return;
        }
    }
}

impl AloneWatch for Watch {
    fn marker(&self) -> &str {
        &self.marker
    }

    fn finish(mut self: Box<Self>, result: QueryResult<()>) -> QueryResult<()> {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        match result {
            Err(_) if self.cancelled.load(Ordering::SeqCst) => Err(Error::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new(format!(
                    "canceling statement due to lock timeout (it waited {} ms for a lock; \
                     through a connection pooler, Retort cancels it from another connection)",
                    self.timeout.as_millis()
                )),
            )),
            result => result,
        }
    }
}
